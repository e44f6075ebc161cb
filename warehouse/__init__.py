"""Warehouses, bins, the stock ledger and levels; later inbound, picking, packing, shipping, returns."""
