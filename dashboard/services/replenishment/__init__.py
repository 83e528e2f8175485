"""Stock against reorder points: the /replenishment queries."""
