"""Sales, inventory, order and channel reports; CSV/XLSX exports; dashboard figures."""
