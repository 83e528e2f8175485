"""Purchasing: purchase orders drafted from the reorder suggestions, sent, confirmed and cancelled (issue 21)."""
