"""Talking to customers: notices, reminders, the outbox and its delivery, the storefront feed."""
