"""Inbound: suppliers, purchase orders, goods receipts (GRNs) and putaway. Actions in ``services``,
reads in ``selectors``, the API in ``api``, the scanner pages in ``scan_views``."""
