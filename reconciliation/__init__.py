"""Settlement and remittance parsers, fee rate cards, matcher, discrepancy rules, workbook export."""
