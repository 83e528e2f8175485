"""Derived tables and their clock: metrics, the backorder projection, status advice, refreshes."""
