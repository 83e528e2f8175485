"""Customer notices: rendered from Jinja2 templates and queued in the outbox in the caller's transaction.

Each notice has an idempotency key that names the event it tells about (``line_cancelled:42``),
so queuing it twice for the same event is a no-op and the delivery worker can retry safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import Notification
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
    order_line_id: int | None = None,
    product_id: int | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> Notification | None:
    """Add a pending notice unless one with the same idempotency key exists; returns it (or None if a duplicate)."""
    if session.scalar(select(Notification.id).where(Notification.idempotency_key == key)) is not None:
        return None
    notice = render(kind, context)
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
