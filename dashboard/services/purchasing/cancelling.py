"""Cancel a purchase order from any open state, and tell the customers who counted on it (issue 21 item 3).

A draft, or a placed PO no waiting customer counts on, is cancelled at once. When waiting customers
are promised against it, :func:`impact` shows first what cancelling does (as Revise ETA does): each
line's queue is projected again without this PO. A line another PO or stock still covers, later
than its promise, gets a new promise at that P80 date and the "promise revised" notice; a line
nothing covers any more keeps its promise and gets an honest "no restock date for now" notice. The
cancel, the new promises, the notices and the audit events are one transaction, and cancelling
such a PO is refused until the caller has seen that impact (``acknowledged``) for the same version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import Customer, OrderLine, POLine, Product, PurchaseOrder, SalesOrder
from dashboard.domain import unknown
from dashboard.domain.codes import ON_ORDER_PO_STATUSES, CauseCode, POStatus
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit import trail as audit
from dashboard.services.audit.trail import Actor, record
from dashboard.services.backorders import promises
from dashboard.services.comms import notices
from dashboard.services.derived import advice, freshness, triage
from dashboard.services.inbound import eta
from dashboard.services.inbound.eta import LineImpact
from dashboard.services.purchasing.drafts import find_po

MAX_REASON = 500


class CancelError(RefusedError):
    """The purchase order cannot be cancelled; the message says why and nothing changed."""


@dataclass(frozen=True)
class CancelImpact:
    """What cancelling does to the customers waiting on the PO."""

    number: str
    version: int
    lines: list[LineImpact]

    @property
    def repromised(self) -> list[LineImpact]:
        """Lines still covered, later than promised: they get a new promise."""
        return [line for line in self.lines if line.new_promise is not None]

    @property
    def without_date(self) -> list[LineImpact]:
        """Lines nothing covers any more: they are told there is no restock date for now."""
        return [line for line in self.lines if line.new_p80 is None]

    @property
    def customers(self) -> int:
        """Distinct customers who will be told."""
        return len({line.customer_name for line in self.repromised + self.without_date})

    @property
    def value_at_risk(self) -> float:
        """Value of the lines whose promise moves or loses its date."""
        return round(sum(line.value for line in self.repromised + self.without_date), 2)

    @property
    def tells_anyone(self) -> bool:
        """Whether cancelling writes to any customer (then it must be previewed first)."""
        return bool(self.repromised or self.without_date)


@dataclass(frozen=True)
class Cancelled:
    """What cancelling did: the PO, its status before, the products whose supply changed, who was told."""

    number: str
    was: POStatus
    product_ids: list[int]
    repromised: int = 0
    without_date: int = 0


def check_reason(reason: object) -> str:
    """The reason for cancelling, stripped; refuses none or one too long."""
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise CancelError(f"give the reason for cancelling (at most {MAX_REASON} characters)")
    return reason.strip()


def _checked(number: object, reason: object) -> tuple[str, str]:
    if not isinstance(number, str) or not number.strip():
        raise CancelError("name the purchase order to cancel")
    return number.strip(), check_reason(reason)


def _load(session: Session, number: str, version: object, *, lock: bool) -> PurchaseOrder:
    po = find_po(session, number, CancelError, "name the purchase order to cancel", lock=lock)
    if po.status not in ON_ORDER_PO_STATUSES:
        raise CancelError(f"{po.number} is {po.status.label.lower()}: only an open PO or a draft is cancelled")
    if version is not None and version != po.version:
        who = audit.changed_by(session, "purchase_order", po.number)
        raise CancelError(f"{po.number} was changed{who} after you loaded it; nothing was cancelled. Reload it.")
    return po


def _impact(session: Session, po: PurchaseOrder, today: dt.date, handling_days: int) -> CancelImpact:
    if po.status == POStatus.DRAFT:  # nobody is promised against a draft
        return CancelImpact(po.number, po.version, [])
    lines = eta.project_change(
        session, po, lambda supplies: [s for s in supplies if s.po_id != po.id], today, handling_days
    )
    return CancelImpact(po.number, po.version, lines)


def impact(session: Session, number: object, today: dt.date, handling_days: int) -> CancelImpact:
    """What cancelling ``number`` would do to waiting customers, without writing anything."""
    if not isinstance(number, str) or not number.strip():
        raise CancelError("name the purchase order to cancel")
    return _impact(session, _load(session, number.strip(), None, lock=False), today, handling_days)


def _tell_no_date(session: Session, line: LineImpact, po_number: str) -> None:
    row = session.get(OrderLine, line.line_id)
    order = session.get(SalesOrder, row.order_id)
    customer = session.get(Customer, order.customer_id)
    product = session.get(Product, row.product_id)
    notices.queue_line(
        session,
        "no_restock_date",
        f"no_restock_date:{row.id}:{po_number}",
        customer.email,
        {
            "customer_name": customer.name,
            "order_number": order.number,
            "product_name": unknown.product_title(product.name, product.sku),
            "sku": product.sku,
            "qty": line.qty_waiting,
            "promised": row.promised_date,
        },
        order_line_id=row.id,
        product_id=row.product_id,
    )


def cancel_po(
    session: Session,
    actor: Actor,
    number: object,
    reason: object,
    today: dt.date,
    handling_days: int,
    *,
    cause: CauseCode = CauseCode.OTHER,
    acknowledged: bool = False,
    version: object = None,
) -> Cancelled:
    """Cancel ``number`` and its cascade in the caller's transaction (see the module for what is refused)."""
    number, reason = _checked(number, reason)
    if not isinstance(cause, CauseCode):
        raise CancelError(f"choose a cause: one of {', '.join(CauseCode.values())}")
    po = _load(session, number, version, lock=True)
    effect = _impact(session, po, today, handling_days)
    if effect.tells_anyone and not acknowledged:
        raise CancelError(
            f"{po.number} covers waiting customers: cancelling gives {len(effect.repromised)} line(s) a later promise "
            f"and leaves {len(effect.without_date)} without a restock date, and tells {effect.customers} customer(s). "
            "Preview the impact, then confirm the cancellation."
        )
    was = po.status
    po.status = POStatus.CANCELLED
    session.flush()
    products = sorted(set(session.scalars(select(POLine.product_id).where(POLine.po_id == po.id))))
    record(
        session,
        actor,
        "purchase_order",
        po.number,
        "cancel",
        {"status": was.value},
        {
            "status": POStatus.CANCELLED.value,
            "repromised": len(effect.repromised),
            "without_date": len(effect.without_date),
            "cause": cause.value,
        },
        reason,
    )
    told = f"{po.number} cancelled ({cause.label}): {reason}"
    for line in effect.repromised:
        promises.revise_promise(session, actor, line.line_id, line.new_promise, cause, told, today)
    for line in effect.without_date:
        _tell_no_date(session, line, po.number)
    if was != POStatus.DRAFT:
        # Placed supply is gone: the queues, advice and derived tables must be recomputed.
        pairs = eta.pairs_of(session, po)
        triage.refresh_queue(session, pairs, today, handling_days)
        advice.refresh_advice(session, today, handling_days, [product_id for product_id, _ in pairs])
        freshness.mark_changed(session)
    session.flush()
    return Cancelled(po.number, was, products, len(effect.repromised), len(effect.without_date))
