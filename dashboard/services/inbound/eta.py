"""Revising a purchase order's ETA, and the cascade to every waiting customer it affects (design §4).

:func:`preview` reruns the allocation-queue projection of the PO's (product, warehouse) queues
with the new ETA and reports the impact; :func:`revise_eta` does the same inside the caller's
transaction and writes, all or nothing: the PO's new ETA, an ``eta_revision``, for each line
whose projected ship date now falls after its promise a ``promise_revision``, its new promised
date (at P80, as every promise) and a queued customer notice, and the audit events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import (
    EtaRevision,
    POLine,
    PurchaseOrder,
)
from dashboard.domain import allocation as alloc
from dashboard.domain import dates, inputs
from dashboard.domain.codes import OPEN_PO_STATUSES, CauseCode
from dashboard.domain.inputs import InputError, RefusedError
from dashboard.services.audit import trail as audit
from dashboard.services.audit.trail import Actor
from dashboard.services.backorders import promises
from dashboard.services.derived import advice, freshness, triage

MAX_NOTE = 1000
MAX_HORIZON_DAYS = 730


class EtaError(RefusedError):
    """A revision that cannot be made; the message says why and nothing changed."""


class StaleEtaError(EtaError):
    """The PO changed since the user loaded it."""


@dataclass(frozen=True)
class EtaRequest:
    """A validated request to move a PO's ETA."""

    po_number: str
    new_eta: dt.date
    confirmed: bool
    cause: CauseCode
    note: str | None
    version: int | None = None

    @classmethod
    def parse(
        cls,
        po_number: object,
        new_eta: object,
        confirmed: object,
        cause: object,
        note: object = None,
        version: object = None,
    ) -> EtaRequest:
        """Check types and formats (the dates against the PO are checked by :func:`load_po`)."""
        if not isinstance(po_number, str) or not po_number.strip() or len(po_number) > 32:
            raise EtaError("Choose a purchase order.")
        try:
            day = inputs.day(new_eta, "the new ETA")
        except InputError:
            raise EtaError(f"{str(new_eta)[:20]!r} is not a date; use YYYY-MM-DD (years 2000–2100).") from None
        if not isinstance(cause, str) or cause not in CauseCode.values():
            raise EtaError(f"Choose a cause: one of {', '.join(CauseCode.values())}.")
        if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
            raise EtaError(f"The note must be text of at most {MAX_NOTE} characters.")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            raise EtaError("The form is out of date; reload the page.")
        return cls(po_number.strip(), day, bool(confirmed), CauseCode(cause), (note or "").strip() or None, version)


@dataclass(frozen=True)
class LineImpact:
    """One waiting line the revision touches."""

    line_id: int
    order_number: str
    customer_name: str
    sku: str
    product_name: str
    qty_waiting: int
    value: float
    promised: dt.date
    old_p80: dt.date | None
    new_p80: dt.date | None
    new_promise: dt.date | None
    newly_past: bool


@dataclass(frozen=True)
class EtaImpact:
    """What the revision does, for the confirm dialog and the command line."""

    po_number: str
    old_eta: dt.date
    new_eta: dt.date
    lines: list[LineImpact]

    @property
    def moved(self) -> int:
        """Lines whose projected ship date changes."""
        return len(self.lines)

    @property
    def revised(self) -> list[LineImpact]:
        """Lines that get a new promise (and a notice)."""
        return [line for line in self.lines if line.new_promise is not None]

    @property
    def newly_past(self) -> int:
        """Lines that were on track and now breach their promise."""
        return sum(line.newly_past for line in self.lines)

    @property
    def value_at_risk(self) -> float:
        """Value of the lines whose promise breaks."""
        return round(sum(line.value for line in self.revised), 2)

    @property
    def customers(self) -> int:
        """Distinct customers who will be told."""
        return len({line.customer_name for line in self.revised})


def load_po(session: Session, request: EtaRequest, today: dt.date, *, lock: bool = False) -> PurchaseOrder:
    """The open PO, after the checks that need it: the version, and the new date against today and its order date."""
    query = select(PurchaseOrder).where(PurchaseOrder.number == request.po_number)
    po = session.scalar(query.with_for_update(key_share=True) if lock else query)
    if po is None:
        raise EtaError(f"No purchase order {request.po_number!r}.")
    if po.status not in OPEN_PO_STATUSES:
        raise EtaError(f"{po.number} is {po.status.label.lower()}; only open purchase orders can be revised.")
    if request.version is not None and request.version != po.version:
        who = audit.changed_by(session, "purchase_order", po.number)
        raise StaleEtaError(f"{po.number} was changed{who} after you loaded it; nothing was saved. Reload it.")
    if request.new_eta < today:
        raise EtaError(f"The new ETA {dates.day(request.new_eta)} is in the past.")
    if request.new_eta < po.ordered_at.date():
        raise EtaError(f"The new ETA is before the PO was ordered ({dates.day(po.ordered_at)}).")
    if request.new_eta > today + dt.timedelta(days=MAX_HORIZON_DAYS):
        raise EtaError("The new ETA is more than two years away; check the date.")
    if request.new_eta == po.eta and request.confirmed == po.eta_confirmed:
        raise EtaError(f"{po.number} already has that ETA.")
    return po


def pairs_of(session: Session, po: PurchaseOrder) -> list[tuple[int, int]]:
    """The (product, warehouse) queues ``po`` supplies."""
    products = session.scalars(select(POLine.product_id).where(POLine.po_id == po.id).distinct()).all()
    return [(product_id, po.warehouse_id) for product_id in products]


def project_change(
    session: Session,
    po: PurchaseOrder,
    change: Callable[[list[alloc.Supply]], list[alloc.Supply]],
    today: dt.date,
    handling: int,
) -> list[LineImpact]:
    """The waiting lines of ``po``'s queues whose projection moves when their inbound supply becomes ``change(supply)``.

    Each line's new promise is its new P80 ship date when that breaks the current promise; a line
    left with no supply at all has neither (``new_p80`` None).
    """
    pairs = pairs_of(session, po)
    inputs = triage.load_inputs(session, pairs)
    before = {row["id"]: row for row in triage.compute_rows(inputs, today, handling)}
    changed = {pair: change(supplies) for pair, supplies in inputs.inbound.items()}
    lines = []
    for row in triage.compute_rows(replace(inputs, inbound=changed), today, handling):
        old = before[row["id"]]
        if (old["ship_p80"], old["covering_po_id"]) == (row["ship_p80"], row["covering_po_id"]):
            continue
        promised, new_p80 = row["promised_date"], row["ship_p80"]
        breaks = new_p80 is not None and new_p80 > promised
        was_ok = old["ship_p80"] is not None and old["ship_p80"] <= promised
        lines.append(
            LineImpact(
                row["id"],
                row["order_number"],
                row["customer_name"],
                row["sku"],
                row["product_name"],
                row["qty_waiting"],
                row["value"],
                promised,
                old["ship_p80"],
                new_p80,
                new_p80 if breaks else None,
                (breaks or new_p80 is None) and was_ok,
            )
        )
    lines.sort(key=lambda line: (line.new_promise is None, line.order_number))
    return lines


def _impact(session: Session, po: PurchaseOrder, request: EtaRequest, today: dt.date, handling: int) -> EtaImpact:
    def moved(supplies: list[alloc.Supply]) -> list[alloc.Supply]:
        return [replace(s, eta=request.new_eta) if s.po_id == po.id else s for s in supplies]

    return EtaImpact(po.number, po.eta, request.new_eta, project_change(session, po, moved, today, handling))


def preview(session: Session, request: EtaRequest, today: dt.date, handling_days: int) -> EtaImpact:
    """The impact of the revision, without writing anything."""
    po = load_po(session, request, today)
    return _impact(session, po, request, today, handling_days)


def revise_eta(session: Session, actor: Actor, request: EtaRequest, today: dt.date, handling_days: int) -> EtaImpact:
    """Apply the revision and its cascade in the caller's transaction; returns what it did."""
    po = load_po(session, request, today, lock=True)
    impact = _impact(session, po, request, today, handling_days)
    old_eta, old_confirmed = po.eta, po.eta_confirmed
    at = utcnow()
    revision = EtaRevision(
        po_id=po.id,
        old_eta=old_eta,
        new_eta=request.new_eta,
        confirmed=request.confirmed,
        cause=request.cause,
        note=request.note,
        user_id=actor.user_id,
        at=at,
    )
    session.add(revision)
    po.eta, po.eta_confirmed = request.new_eta, request.confirmed
    session.flush()
    audit.record(
        session,
        actor,
        "purchase_order",
        po.number,
        "revise_eta",
        {"eta": old_eta.isoformat(), "eta_confirmed": old_confirmed},
        {"eta": request.new_eta.isoformat(), "eta_confirmed": request.confirmed, "cause": request.cause.value},
        request.note,
    )
    reason = f"{po.number} ETA {request.new_eta.isoformat()} ({request.cause.label})"
    for line in impact.revised:
        promises.revise_promise(
            session, actor, line.line_id, line.new_promise, request.cause, reason, today, eta_revision_id=revision.id
        )
    pairs = pairs_of(session, po)
    triage.refresh_queue(session, pairs, today, handling_days)
    advice.refresh_advice(session, today, handling_days, [product_id for product_id, _ in pairs])
    freshness.mark_changed(session)
    return impact
