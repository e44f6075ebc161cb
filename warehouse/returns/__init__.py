"""Returns at the warehouse desk: courier returns (RTO) and customer returns, graded unit by unit."""
