"""Use cases over domain and storage: accounts, billing, catalog, imports."""
