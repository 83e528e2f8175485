"""Queries and actions behind /notifications: the outbox by status, one message, and resending it."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, case, cast, func, select
from sqlalchemy.orm import Session

from dashboard.db.engine import Database
from dashboard.db.grid import GridColumn, GridPage, fetch_rows, with_default_sort
from dashboard.db.models import Notification, NotificationLine
from dashboard.domain.codes import NotificationStatus
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit import trail as audit
from dashboard.services.audit.trail import Actor
from dashboard.services.comms import delivery

N = Notification
KINDS = {
    "backorder_confirmed": "Backorder confirmed",
    "promise_revised": "Promise revised",
    "still_waiting": "Still waiting",
    "ready_to_ship": "Ready to ship",
    "line_cancelled": "Line cancelled",
    "back_in_stock": "Back in stock",
    "discontinued": "Discontinued",
    "no_restock_date": "No restock date",
}


class OutboxError(RefusedError):
    """A filter or action that is not allowed; the message says why."""


@dataclass(frozen=True)
class OutboxFilters:
    """Status and kind."""

    status: NotificationStatus | None = None
    kind: str | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> OutboxFilters:
        """Validate raw values from the browser."""
        status, kind = raw.get("status") or None, raw.get("kind") or None
        if status is not None and status not in NotificationStatus.values():
            raise OutboxError(f"status must be one of {', '.join(NotificationStatus.values())}")
        if kind is not None and kind not in KINDS:
            raise OutboxError(f"kind must be one of {', '.join(KINDS)}")
        return cls(NotificationStatus(status) if status else None, kind)


GRID_COLUMNS: dict[str, GridColumn] = {
    c.key: c
    for c in (
        GridColumn("created_at", N.created_at, "date"),
        GridColumn("status", N.status, "text"),
        # People read (and type) the kind's label, so the column is the label, computed in SQL.
        GridColumn("kind", case(KINDS, value=N.kind, else_=N.kind), "text"),
        GridColumn("recipient", N.recipient, "text"),
        GridColumn("subject", N.subject, "text"),
        GridColumn("attempts", N.attempts, "number"),
        GridColumn("sent_at", N.sent_at, "date"),
        GridColumn("last_error", N.last_error, "text"),
    )
}
AS_TEXT = {"created_at", "sent_at", "status"}
DEFAULT_SORT = [{"colId": "created_at", "sort": "desc"}]


def grid_rows(session: Session, filters: OutboxFilters, request: Mapping[str, Any] | None) -> GridPage:
    """Newest first unless sorted otherwise."""
    stmt = select(
        N.id.label("id"),
        *[(cast(c.expr, String) if key in AS_TEXT else c.expr).label(key) for key, c in GRID_COLUMNS.items()],
    )
    if filters.status:
        stmt = stmt.where(N.status == filters.status)
    if filters.kind:
        stmt = stmt.where(N.kind == filters.kind)
    return fetch_rows(session, stmt, GRID_COLUMNS, with_default_sort(request, DEFAULT_SORT), N.id)


def counts(session: Session) -> dict[NotificationStatus, int]:
    """Messages per delivery status (all statuses present, zero when none)."""
    found = dict(session.execute(select(N.status, func.count()).group_by(N.status)).all())
    return {status: int(found.get(status, 0)) for status in NotificationStatus}


def message(session: Session, notification_id: object) -> Notification | None:
    """One outbox row (None when the id is not a positive whole number or does not exist)."""
    if isinstance(notification_id, bool) or not isinstance(notification_id, int) or notification_id <= 0:
        return None
    return session.get(Notification, notification_id)


def resend(session: Session, actor: Actor, notification_id: object) -> Notification:
    """Queue the same message again as a new outbox row (its own Message-ID, its own delivery state)."""
    original = message(session, notification_id)
    if original is None:
        raise OutboxError("No such message.")
    if original.status is NotificationStatus.PENDING:
        raise OutboxError("This message has not been sent yet; it is already waiting to go out.")
    base = original.idempotency_key.split(":resend:")[0]
    earlier = session.scalar(select(func.count()).where(N.idempotency_key.like(f"{base}:resend:%")))
    copy = Notification(
        idempotency_key=f"{base}:resend:{int(earlier or 0) + 1}"[:128],
        kind=original.kind,
        recipient=original.recipient,
        subject=original.subject,
        body_text=original.body_text,
        body_html=original.body_html,
        order_line_id=original.order_line_id,
        product_id=original.product_id,
        status=NotificationStatus.PENDING,
        attempts=0,
    )
    session.add(copy)
    session.flush()
    # The copy tells about the same lines, so each line's "last notice" is the resend.
    for line_id in session.scalars(
        select(NotificationLine.order_line_id).where(NotificationLine.notification_id == original.id)
    ):
        session.add(
            NotificationLine(
                notification_id=copy.id, order_line_id=line_id, line_key=f"{copy.idempotency_key}:{line_id}"[:128]
            )
        )
    audit.record(session, actor, "notification", original.id, "resend", None, {"new_notification_id": copy.id}, None)
    return copy


class BackgroundSender:
    """Delivers the outbox in a thread so the page that asked stays responsive; one pass at a time."""

    def __init__(self, db: Database, sender_factory) -> None:
        """``sender_factory`` builds the transport (SMTP or .eml) when a pass starts."""
        self.db, self.sender_factory = db, sender_factory
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.last: delivery.DeliveryReport | None = None

    @property
    def running(self) -> bool:
        """Whether a pass is in progress."""
        return self.thread is not None and self.thread.is_alive()

    def start(self) -> bool:
        """Start a pass unless one is running; True if this call started it."""
        with self._lock:
            if self.running:
                return False
            self.thread = threading.Thread(target=self._run, name="outbox-send", daemon=True)
            self.thread.start()
            return True

    def _run(self) -> None:
        self.last = delivery.deliver_once(self.db, self.sender_factory())
