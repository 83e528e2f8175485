"""Products: a manager's sales-status change, and the one-SKU view."""
