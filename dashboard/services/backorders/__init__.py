"""Waiting customers: the triage queue, support actions, promises, orders, allocation, shipping."""
