"""Supply: purchase orders, ETA revisions, receiving, the supplier scorecard."""
