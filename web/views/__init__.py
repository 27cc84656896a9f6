"""HTML views, one module per concern."""
