"""The demo's outbox: notices the shop sent in the last weeks, and a few from the last hours still pending.

Rendered with the production templates (:mod:`dashboard.services.notices`) from the rows the
demo already made: a "backorder confirmed" for each line that went on backorder, a "promise
revised" for each revision. So `backorder-desk notify --once` on a fresh demo has real mail to
send, and /backorders shows when each waiting customer last heard from the shop.
"""

from __future__ import annotations

import datetime as dt

from dashboard.services.comms import notices
from dashboard.services.comms.reminders import window_context

Columns = dict[str, list]
RECENT_DAYS = 45  # older notices would only bloat the demo database
PENDING_HOURS = 6  # what happened in the last hours has not been delivered yet
WINDOW_DAYS = 4  # the P50 of a demo promise (made at P80), for the window text
NOTIFICATION_COLUMNS = (
    "idempotency_key",
    "kind",
    "recipient",
    "subject",
    "body_text",
    "body_html",
    "order_line_id",
    "product_id",
    "status",
    "attempts",
    "created_at",
    "sent_at",
)


def _stamp(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def build_outbox(tables: dict[str, Columns], now: dt.datetime) -> Columns:
    """``notification`` rows from the demo's order lines and promise revisions."""
    customers, orders, products, lines = (
        tables["customer"],
        tables["sales_order"],
        tables["product"],
        tables["order_line"],
    )
    rows: list[dict] = []

    def add(kind: str, key: str, line: int, at: dt.datetime, context: dict) -> None:
        customer = orders["customer_id"][lines["order_id"][line] - 1] - 1
        product = lines["product_id"][line] - 1
        context = {
            "customer_name": customers["name"][customer],
            "order_number": orders["number"][lines["order_id"][line] - 1],
            "product_name": products["name"][product],
            "sku": products["sku"][product],
            "qty": lines["qty"][line],
            **context,
        }
        rendered = notices.render(kind, context)
        pending = now - at < dt.timedelta(hours=PENDING_HOURS)
        rows.append(
            {
                "idempotency_key": key,
                "kind": kind,
                "recipient": customers["email"][customer],
                "subject": rendered.subject,
                "body_text": rendered.text,
                "body_html": rendered.html,
                "order_line_id": line + 1,
                "product_id": product + 1,
                "status": "pending" if pending else "sent",
                "attempts": 0 if pending else 1,
                "created_at": at,
                "sent_at": None if pending else at + dt.timedelta(minutes=3),
            }
        )

    since = now - dt.timedelta(days=RECENT_DAYS)
    for line, backordered in enumerate(lines["backordered_at"]):
        if backordered is None or _stamp(backordered) < since:
            continue
        at = _stamp(backordered) + dt.timedelta(minutes=5)
        end = dt.date.fromisoformat(lines["original_promised_date"][line])
        start = max(end - dt.timedelta(days=WINDOW_DAYS), at.date() + dt.timedelta(days=1))
        add("backorder_confirmed", f"backorder_confirmed:{line + 1}", line, at, window_context(at.date(), start, end))
    revisions = tables["promise_revision"]
    for i, line_id in enumerate(revisions["order_line_id"]):
        at = _stamp(revisions["at"][i]) + dt.timedelta(minutes=10)
        if at < since or at > now:
            continue
        old, new = dt.date.fromisoformat(revisions["old_date"][i]), dt.date.fromisoformat(revisions["new_date"][i])
        context = {
            "old_date": old,
            "new_date": new,
            "earlier": new < old,
            "days": max((new - at.date()).days, 0),
            "cause": revisions["cause"][i].replace("_", " "),
        }
        add("promise_revised", f"promise_revised:{line_id}:{new.isoformat()}", line_id - 1, at, context)
    rows.sort(key=lambda row: row["created_at"])
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    for row in rows:
        row["created_at"] = row["created_at"].strftime(stamp)
        row["sent_at"] = row["sent_at"].strftime(stamp) if row["sent_at"] else None
    columns: Columns = {"id": list(range(1, len(rows) + 1))}
    for key in NOTIFICATION_COLUMNS:
        columns[key] = [row[key] for row in rows]
    return columns
