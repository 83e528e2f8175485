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


def build_outbox(tables: dict[str, Columns], now: dt.datetime) -> tuple[Columns, Columns]:
    """``notification`` and ``notification_line`` rows from the demo's order lines and promise revisions.

    As in production, a customer hears once per order per event: lines of one order that went on
    backorder together, or whose promises one revision moved, share one notice listing them all.
    """
    customers, orders, products, lines = (
        tables["customer"],
        tables["sales_order"],
        tables["product"],
        tables["order_line"],
    )
    events: dict[tuple[str, int, dt.datetime], list[tuple[str, int, dict]]] = {}

    def add(kind: str, key: str, line: int, at: dt.datetime, context: dict) -> None:
        order = lines["order_id"][line] - 1
        customer = orders["customer_id"][order] - 1
        product = lines["product_id"][line] - 1
        context = {
            "customer_name": customers["name"][customer],
            "order_number": orders["number"][order],
            "product_name": products["name"][product],
            "sku": products["sku"][product],
            "qty": lines["qty"][line],
            **context,
        }
        events.setdefault((kind, order, at), []).append((key, line, context))

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
    return _rows(events, customers, orders, lines, now)


def _rows(
    events: dict, customers: Columns, orders: Columns, lines: Columns, now: dt.datetime
) -> tuple[Columns, Columns]:
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    notification: Columns = {key: [] for key in ("id", *NOTIFICATION_COLUMNS)}
    links: Columns = {"notification_id": [], "order_line_id": [], "line_key": []}
    for (kind, order, at), members in sorted(events.items(), key=lambda item: (item[0][2], item[0][1], item[0][0])):
        notice_id = len(notification["id"]) + 1
        rendered = notices.render_order(kind, [context for _key, _line, context in members])
        first_key, first_line, _ = members[0]
        pending = now - at < dt.timedelta(hours=PENDING_HOURS)
        row = {
            "id": notice_id,
            "idempotency_key": first_key,
            "kind": kind,
            "recipient": customers["email"][orders["customer_id"][order] - 1],
            "subject": rendered.subject,
            "body_text": rendered.text,
            "body_html": rendered.html,
            "order_line_id": first_line + 1,
            "product_id": lines["product_id"][first_line],
            "status": "pending" if pending else "sent",
            "attempts": 0 if pending else 1,
            "created_at": at.strftime(stamp),
            "sent_at": None if pending else (at + dt.timedelta(minutes=3)).strftime(stamp),
        }
        for key, value in row.items():
            notification[key].append(value)
        for key, line, _context in members:
            links["notification_id"].append(notice_id)
            links["order_line_id"].append(line + 1)
            links["line_key"].append(key)
    return notification, links
