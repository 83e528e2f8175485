"""Cancel a purchase order from any open state, with the reason (issue 21 item 3).

A draft or a placed PO no waiting customer counts on is cancelled at once. One that waiting
customers are promised against is refused with how many: moving their promises when supply
disappears is the cascade an ETA revision runs, and cancelling does not run it yet, so the
buyer revises the ETA or receives instead of leaving promises that no longer hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.db.models import BackorderTriage, POLine, PurchaseOrder
from dashboard.domain.codes import ON_ORDER_PO_STATUSES, POStatus
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit.trail import Actor, record
from dashboard.services.derived.freshness import mark_changed

MAX_REASON = 500


class CancelError(RefusedError):
    """The purchase order cannot be cancelled; the message says why and nothing changed."""


@dataclass(frozen=True)
class Cancelled:
    """What cancelling did: the PO, its status before, the products whose supply changed."""

    number: str
    was: POStatus
    product_ids: list[int]


def cancel_po(session: Session, actor: Actor, number: object, reason: object) -> Cancelled:
    """Cancel ``number`` in the caller's transaction (see the module for what is refused)."""
    if not isinstance(number, str) or not number.strip():
        raise CancelError("name the purchase order to cancel")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise CancelError(f"give the reason for cancelling (at most {MAX_REASON} characters)")
    po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == number.strip()).with_for_update())
    if po is None:
        raise CancelError(f"there is no purchase order {number!r}")
    if po.status not in ON_ORDER_PO_STATUSES:
        raise CancelError(f"{po.number} is {po.status.label.lower()}: only an open PO or a draft is cancelled")
    waiting = session.scalar(
        select(func.count()).select_from(BackorderTriage).where(BackorderTriage.covering_po_id == po.id)
    )
    if waiting:
        raise CancelError(
            f"{po.number} covers {waiting} waiting customer line(s): revise its ETA (their promises move with "
            "it) or receive what arrives; cancelling it would leave their promises standing on nothing"
        )
    was = po.status
    po.status = POStatus.CANCELLED
    products = sorted(set(session.scalars(select(POLine.product_id).where(POLine.po_id == po.id))))
    record(
        session, actor, "purchase_order", po.number, "cancel", {"status": was.value},
        {"status": POStatus.CANCELLED.value}, reason.strip(),
    )  # fmt: skip
    if was != POStatus.DRAFT:
        # Placed supply is gone: projections and advice must be recomputed.
        mark_changed(session)
    session.flush()
    return Cancelled(po.number, was, products)
