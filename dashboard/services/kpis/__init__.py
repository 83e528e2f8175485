"""Executive KPIs: counters kept as events happen, their rebuild, filters and the report."""
