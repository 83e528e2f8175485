"""Customer notices: rendered from Jinja2 templates and queued in the outbox in the caller's transaction.

Each notice has an idempotency key that names the event it tells about (``line_cancelled:42``),
so queuing it twice for the same event is a no-op and the delivery worker can retry safely.

A customer hears once per order per event: the lines of one order that one transaction (one
user action, one receipt, one reminder run) queues under the same kind share one notice that
lists them all (:func:`queue_line`). Each line keeps its own event key in ``notification_line``,
so a retried event is still a no-op line by line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import Notification, NotificationLine
from dashboard.domain.codes import NotificationStatus

SUBJECTS = {
    "line_cancelled": "Your order {order_number}: {product_name} has been cancelled",
    "ready_to_ship": "Your order {order_number}: {product_name} is ready to ship",
    "backorder_confirmed": "Your order {order_number}: {product_name} ships later, estimated {window_text}",
    "still_waiting": "Your order {order_number}: {product_name} is still on its way",
    "promise_revised": "Your order {order_number}: new shipping date for {product_name}",
    "back_in_stock": "{product_name} is available again",
    "discontinued": "{product_name} has been discontinued",
    "no_restock_date": "Your order {order_number}: {product_name} has no restock date for now",
    "purchase_order": "Purchase order {po_number}: {line_count} line(s) for {warehouse_name}",
}
# The subject of an order notice listing several lines ("Widget and 2 more items").
SUBJECTS_MANY = {
    "line_cancelled": "Your order {order_number}: {product_name} have been cancelled",
    "ready_to_ship": "Your order {order_number}: {product_name} are ready to ship",
    "backorder_confirmed": "Your order {order_number}: {product_name} ship later, estimated {window_text}",
    "still_waiting": "Your order {order_number}: {product_name} are still on their way",
    "promise_revised": "Your order {order_number}: new shipping dates for {product_name}",
    "no_restock_date": "Your order {order_number}: {product_name} have no restock date for now",
}
# Notices about an order's lines: their templates list ``lines`` (one context per line).
ORDER_KINDS = frozenset(SUBJECTS_MANY)
_ORDER_KEYS = ("customer_name", "order_number")
_ENV = Environment(
    loader=PackageLoader("dashboard", "templates/notices"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class RenderedNotice:
    """A notice ready for the outbox."""

    subject: str
    text: str
    html: str


def render(kind: str, context: dict[str, Any]) -> RenderedNotice:
    """Render ``kind``'s subject, plain-text and HTML bodies; a missing value raises instead of printing blank."""
    if kind not in SUBJECTS:
        raise ValueError(f"unknown notice kind {kind!r}")
    return RenderedNotice(
        SUBJECTS[kind].format(**context),
        _ENV.get_template(f"{kind}.txt").render(**context),
        _ENV.get_template(f"{kind}.html").render(**context),
    )


def order_context(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The template values of one order's notice from its lines' values (each has the order's too).

    The subject names the one product, or the first and how many more; a ship window in it is
    the latest of the lines' windows, the date by which everything listed should ship.
    """
    latest = max(lines, key=lambda line: line.get("window_end") or dt.date.min)
    first = lines[0]["product_name"]
    more = len(lines) - 1
    product_name = first if not more else f"{first} and {more} more item{'s' if more > 1 else ''}"
    return {**latest, **{key: lines[0][key] for key in _ORDER_KEYS}, "product_name": product_name, "lines": lines}


def render_order(kind: str, lines: list[dict[str, Any]]) -> RenderedNotice:
    """Render an order notice listing ``lines`` (one or more of the same order)."""
    if kind not in ORDER_KINDS:
        raise ValueError(f"{kind!r} is not a notice about order lines")
    context = order_context(lines)
    notice = render(kind, context)
    if len(lines) == 1:
        return notice
    return RenderedNotice(SUBJECTS_MANY[kind].format(**context), notice.text, notice.html)


def render_document(template: str, title: str, context: dict[str, Any]) -> str:
    """A whole HTML document around one of the notice templates (an attachment a person can open)."""
    body = _ENV.get_template(template).render(**context)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def queue(
    session: Session,
    kind: str,
    key: str,
    recipient: str,
    context: dict[str, Any],
    *,
    product_id: int | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> Notification | None:
    """Add a pending notice unless one with the same key exists; returns it (None if a duplicate).

    Notices about order lines go through :func:`queue_line` instead.
    """
    if kind in ORDER_KINDS:
        raise ValueError(f"{kind!r} tells about order lines: queue it with queue_line")
    if session.scalar(select(Notification.id).where(Notification.idempotency_key == key)) is not None:
        return None
    return _add(session, kind, key, recipient, render(kind, context), product_id=product_id, attachments=attachments)


def _add(
    session: Session,
    kind: str,
    key: str,
    recipient: str,
    notice: RenderedNotice,
    *,
    order_line_id: int | None = None,
    product_id: int | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> Notification:
    row = Notification(
        idempotency_key=key,
        kind=kind,
        recipient=recipient,
        subject=notice.subject,
        body_text=notice.text,
        body_html=notice.html,
        order_line_id=order_line_id,
        product_id=product_id,
        status=NotificationStatus.PENDING,
        attempts=0,
        attachments=attachments,
    )
    session.add(row)
    return row


def queue_line(
    session: Session,
    kind: str,
    key: str,
    recipient: str,
    context: dict[str, Any],
    *,
    order_line_id: int,
    product_id: int | None = None,
) -> Notification | None:
    """Add this line to its order's notice for this event; returns the notice (None if the line already heard).

    ``key`` names the event for this line. Lines of the same order (``context["order_number"]``)
    queued under the same kind to the same recipient in the same transaction share one notice,
    re-rendered to list them all.
    """
    if kind not in ORDER_KINDS:
        raise ValueError(f"{kind!r} is not a notice about order lines")
    heard = select(NotificationLine.notification_id).where(NotificationLine.line_key == key)
    if session.scalar(heard) is not None or session.scalar(
        select(Notification.id).where(Notification.idempotency_key == key)
    ):
        return None
    building = _in_this_transaction(session)
    slot = (kind, recipient, context["order_number"])
    lines = [*building[slot][1], context] if slot in building else [context]
    notice = render_order(kind, lines)  # before any write: a template error leaves nothing half-queued
    if slot in building:
        row = building[slot][0]
        row.subject, row.body_text, row.body_html = notice.subject, notice.text, notice.html
    else:
        row = _add(session, kind, key, recipient, notice, order_line_id=order_line_id, product_id=product_id)
        session.flush()
    building[slot] = (row, lines)
    session.add(NotificationLine(notification_id=row.id, order_line_id=order_line_id, line_key=key))
    return row


def _in_this_transaction(session: Session) -> dict:
    """The order notices this transaction is building, by (kind, recipient, order); a new transaction starts empty."""
    transaction = session.get_transaction()
    held = session.info.get("order_notices")
    if held is None or held[0] is not transaction:
        held = session.info["order_notices"] = (transaction, {})
    return held[1]
