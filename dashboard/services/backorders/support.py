"""Support actions on a waiting line: log a contact, record the customer's decision.

Each function runs inside the caller's single transaction (``Database.write_session``): the
contact, the line change, the freed stock handed down the queue, the notice and the audit
event commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import (
    BackorderTriage,
    ContactLog,
    Customer,
    OrderLine,
    Product,
    SalesOrder,
    StockLevel,
)
from dashboard.domain import allocation as alloc
from dashboard.domain import days, unknown
from dashboard.domain.codes import LOGGABLE_CHANNELS, LOGGABLE_OUTCOMES, ContactChannel, ContactOutcome, LineStatus
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit import trail as audit
from dashboard.services.audit.trail import Actor
from dashboard.services.backorders import allocation
from dashboard.services.comms import notices
from dashboard.services.derived import freshness, triage
from dashboard.services.kpis import events as kpi_events

MAX_NOTE = 2000
MAX_REASON = 500


class SupportError(RefusedError):
    """An action that cannot be done; the message says why and nothing was changed."""


class StaleLineError(SupportError):
    """The line changed since the user loaded it."""


@dataclass(frozen=True)
class CancelResult:
    """What a cancellation did."""

    line_id: int
    released_units: int
    allocated_to: list[alloc.Allocation]


def _waiting_line(session: Session, line_id: object, version: object | None) -> OrderLine:
    if isinstance(line_id, bool) or not isinstance(line_id, int) or line_id <= 0:
        raise SupportError("No order line is selected.")
    # FOR NO KEY UPDATE (PostgreSQL) serialises two people acting on one line (SQLite's write lock already
    # does). Every row lock in the services is this weaker form: a plain FOR UPDATE would also block other
    # transactions' foreign-key checks on the row (inserting a notice or a triage row that points at it)
    # and deadlock two receipts for the same SKU.
    line = session.get(OrderLine, line_id, with_for_update={"key_share": True})
    if line is None:
        raise SupportError(f"Order line {line_id} does not exist.")
    if version is not None and version != line.version:
        who = audit.changed_by(session, "order_line", line_id)
        raise StaleLineError(f"This line was changed{who} after you opened it. Reload it and try again.")
    if line.status not in (LineStatus.BACKORDERED,):
        raise SupportError(f"Order line {line_id} is {line.status.label.lower()}, not waiting for stock.")
    return line


def _text(value: object, name: str, limit: int, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise SupportError(f"Write a {name}.")
        return None
    if not isinstance(value, str):
        raise SupportError(f"The {name} must be text.")
    value = value.strip()
    if required and not value:
        raise SupportError(f"Write a {name}.")
    if len(value) > limit:
        raise SupportError(f"The {name} is too long (at most {limit} characters).")
    return value or None


def _note_contact(session: Session, line_id: int, at: dt.datetime, outcome: str) -> None:
    """Keep the triage row's "last contact" in step, in the same transaction."""
    # A plain UPDATE, not a loaded row: a metrics refresh may have replaced the triage row since it
    # was read, and the contact log (which the next refresh reads) is what must not be lost.
    day = days.day_number(at.date())
    session.execute(
        update(BackorderTriage)
        .where(BackorderTriage.id == line_id)
        .values(
            last_contact_at=at,
            last_contact_outcome=outcome,
            quiet_since_day=case((BackorderTriage.quiet_since_day < day, day), else_=BackorderTriage.quiet_since_day),
        )
        .execution_options(synchronize_session="fetch")
    )


def log_contact(
    session: Session, actor: Actor, line_id: object, channel: object, outcome: object, note: object
) -> ContactLog:
    """Record a contact with the customer about a waiting line."""
    line = _waiting_line(session, line_id, None)
    if channel not in LOGGABLE_CHANNELS:
        raise SupportError(f"Choose how you contacted the customer: {', '.join(c.label for c in LOGGABLE_CHANNELS)}.")
    if outcome not in LOGGABLE_OUTCOMES:
        raise SupportError("Choose the outcome of the contact.")
    text = _text(note, "note", MAX_NOTE)
    at = utcnow()
    contact = ContactLog(
        order_line_id=line.id, user_id=actor.user_id, at=at, channel=channel, outcome=outcome, note=text
    )
    session.add(contact)
    _note_contact(session, line.id, at, str(outcome))
    audit.record(
        session, actor, "order_line", line.id, "log_contact", None, {"channel": channel, "outcome": outcome}, text
    )
    return contact


def accept_new_date(session: Session, actor: Actor, line_id: object, version: object, note: object) -> ContactLog:
    """The customer accepts the current promised date and keeps waiting."""
    line = _waiting_line(session, line_id, version)
    text = _text(note, "note", MAX_NOTE)
    at = utcnow()
    contact = ContactLog(
        order_line_id=line.id,
        user_id=actor.user_id,
        at=at,
        channel=ContactChannel.DECISION.value,
        outcome=ContactOutcome.ACCEPTED_DATE.value,
        note=text,
    )
    session.add(contact)
    _note_contact(session, line.id, at, ContactOutcome.ACCEPTED_DATE.value)
    audit.record(
        session,
        actor,
        "order_line",
        line.id,
        "customer_accepts_date",
        None,
        {"promised_date": line.promised_date.isoformat() if line.promised_date else None},
        text,
    )
    return contact


def cancel_line(
    session: Session,
    actor: Actor,
    line_id: object,
    version: object,
    reason: object,
    today: dt.date,
    handling_days: int = triage.DEFAULT_HANDLING_DAYS,
    *,
    discontinued: bool = False,
) -> CancelResult:
    """The customer cancels: the line leaves the queue, its reserved units go to the next in line.

    Writes the cancellation, a contact record, a queued cancellation notice, the audit event,
    and rebuilds the (product, warehouse) queue's triage rows.
    """
    line = _waiting_line(session, line_id, version)
    why = _text(reason, "reason", MAX_REASON, required=True)
    order = session.get(SalesOrder, line.order_id)
    customer = session.get(Customer, order.customer_id)
    product = session.get(Product, line.product_id)
    before = {"status": line.status.value, "qty_allocated": line.qty_allocated, "version": line.version}
    released = line.qty_allocated
    facts = kpi_events.line_facts(session, line)
    at = utcnow()
    line.status = LineStatus.CANCELLED
    line.cancelled_at = at
    line.cancel_reason = why
    line.qty_allocated = 0
    stock = session.scalar(
        select(StockLevel)
        .where(StockLevel.product_id == line.product_id, StockLevel.warehouse_id == line.warehouse_id)
        .with_for_update(key_share=True)
    )
    given: list[alloc.Allocation] = []
    if stock is not None:
        stock.allocated -= released
        session.flush()
        # A discontinued SKU's queue is being cancelled as a whole: freed units stay on the shelf.
        if not discontinued:
            given = allocation.allocate_free_stock(session, stock, handling_days)
    session.add(
        ContactLog(
            order_line_id=line.id,
            user_id=actor.user_id,
            at=at,
            channel=ContactChannel.DECISION.value,
            outcome=ContactOutcome.CANCELLED.value,
            note=why,
        )
    )
    notices.queue_line(
        session,
        "line_cancelled",
        f"line_cancelled:{line.id}",
        customer.email,
        {
            "customer_name": customer.name,
            "order_number": order.number,
            "product_name": unknown.product_title(product.name, product.sku),
            "sku": product.sku,
            "qty": line.qty - line.qty_shipped,
            "refund": True,
            "discontinued": discontinued,
        },
        order_line_id=line.id,
        product_id=product.id,
    )
    session.flush()
    kpi_events.line_changed(session, facts, line)
    audit.record(
        session,
        actor,
        "order_line",
        line.id,
        "cancel_discontinued" if discontinued else "customer_cancels",
        before,
        {"status": LineStatus.CANCELLED.value, "released_units": released, "version": line.version},
        why,
    )
    triage.refresh_queue(session, [(line.product_id, line.warehouse_id)], today, handling_days)
    freshness.mark_changed(session)  # allocated and available stock changed: the metrics follow
    return CancelResult(line.id, released, given)


MAX_PIN = 999


def pin_line(
    session: Session,
    actor: Actor,
    line_id: object,
    version: object,
    pin: object,
    today: dt.date,
    handling_days: int = triage.DEFAULT_HANDLING_DAYS,
) -> OrderLine:
    """Set (1 = first) or clear (None) a waiting line's priority pin; its queue is rebuilt at once."""
    line = _waiting_line(session, line_id, version)
    if pin is not None and (isinstance(pin, bool) or not isinstance(pin, int) or not 1 <= pin <= MAX_PIN):
        raise SupportError(f"A priority pin is a whole number from 1 (first) to {MAX_PIN}, or empty to clear it.")
    before = {"priority_pin": line.priority_pin, "version": line.version}
    line.priority_pin = pin
    session.flush()
    audit.record(
        session, actor, "order_line", line.id, "pin_priority", before, {"priority_pin": pin, "version": line.version}
    )
    triage.refresh_queue(session, [(line.product_id, line.warehouse_id)], today, handling_days)
    return line
