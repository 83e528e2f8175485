"""Backorder notices with a window: the confirmation when a line goes on backorder, and "still waiting" reminders.

A reminder goes to a waiting customer who has heard nothing (no notice, no contact) for
``quiet_days`` (default 10), with the current ship window. Its idempotency key names the line
and the window, so the same window is never announced twice; a new window is new news. Lines
no supply covers get no automatic reminder: they have no honest window, and /backorders flags
them for a person to call.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import BackorderTriage, Customer, SalesOrder
from dashboard.domain import dates, unknown
from dashboard.services.comms import notices

DEFAULT_QUIET_DAYS = 10


def window_context(today: dt.date, start: dt.date, end: dt.date) -> dict:
    """Template values for a ship window: the dates and the days from today."""
    return {
        "window_start": start,
        "window_end": end,
        "days_start": max((start - today).days, 0),
        "days_end": max((end - today).days, 0),
        "window_text": dates.period(start, end),
    }


def queue_reminders(session: Session, today: dt.date, quiet_days: int = DEFAULT_QUIET_DAYS) -> int:
    """Queue a "still waiting" notice for every quiet waiting line with a window; returns how many were new."""
    cutoff = dt.datetime.combine(today - dt.timedelta(days=quiet_days), dt.time.max, dt.UTC)
    rows = session.execute(
        select(BackorderTriage, Customer.email, SalesOrder.number)
        .join(Customer, Customer.id == BackorderTriage.customer_id)
        .join(SalesOrder, SalesOrder.number == BackorderTriage.order_number)
        .where(BackorderTriage.ship_p80.is_not(None), BackorderTriage.backordered_on <= cutoff.date())
    ).all()
    queued = 0
    for row, email, order_number in rows:
        heard = [at for at in (row.last_notice_at, row.last_contact_at) if at is not None]
        if heard and max(heard) > cutoff:
            continue
        key = f"still_waiting:{row.id}:{row.ship_p50.isoformat()}:{row.ship_p80.isoformat()}"
        context = {
            "customer_name": row.customer_name,
            "order_number": order_number,
            "product_name": unknown.product_title(row.product_name, row.sku),
            "sku": row.sku,
            "qty": row.qty_waiting,
            "promised": row.promised_date if row.promised_date >= row.ship_p80 else None,
            **window_context(today, row.ship_p50, row.ship_p80),
        }
        added = notices.queue_line(
            session, "still_waiting", key, email, context, order_line_id=row.id, product_id=row.product_id
        )
        queued += added is not None
    return queued
