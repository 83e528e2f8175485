"""Sales status: a manager's status change with everything it implies.

The policy's recommendation comes from :mod:`dashboard.services.derived.advice`. :func:`set_status` changes one
or several SKUs in the caller's transaction: validation, optimistic concurrency, the
discontinue decision about open backorders, notices to notify-me subscribers, the audit
event, and the denormalised copies in ``sku_metrics`` — all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import (
    OrderLine,
    Product,
    RestockSubscription,
    SkuMetrics,
)
from dashboard.db.queries import line_is_waiting
from dashboard.domain import status_policy as policy
from dashboard.domain import unknown
from dashboard.domain.codes import SalesStatus, SubscriptionStatus
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit import trail as audit
from dashboard.services.audit.trail import Actor
from dashboard.services.backorders import support
from dashboard.services.comms import notices
from dashboard.services.derived import advice, freshness, triage
from dashboard.services.derived.metrics import resummarise

MAX_REASON = 500
BACKORDER_ACTIONS = {
    "cancel": "Cancel them and notify the customers",
    "keep": "Keep them; they ship when stock arrives",
}


class StatusError(RefusedError):
    """A status change that cannot be made; the message says why and nothing changed."""


class StaleStatusError(StatusError):
    """The SKU changed since the user loaded it."""


@dataclass(frozen=True)
class StatusChange:
    """One SKU's requested change, as the browser or the command line sends it.

    ``version`` is the product version the form loaded; a grid that does not carry it sends the
    status it showed as ``expected`` instead. Either one going stale refuses the change.
    """

    sku: str
    status: object
    version: object | None = None
    expected: object | None = None


@dataclass(frozen=True)
class ChangeResult:
    """What one SKU's change did."""

    sku: str
    old: SalesStatus
    new: SalesStatus
    cancelled_lines: int
    notices: int


def _text(value: object, name: str, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise StatusError(f"Write a {name}.")
        return None
    if not isinstance(value, str):
        raise StatusError(f"The {name} must be text.")
    if len(value.strip()) > MAX_REASON:
        raise StatusError(f"The {name} is too long (at most {MAX_REASON} characters).")
    return value.strip()


def _parse_status(value: object) -> SalesStatus:
    if not isinstance(value, str) or value not in SalesStatus.values():
        raise StatusError(f"Unknown sales status {str(value)[:40]!r}; use one of: {', '.join(SalesStatus.values())}.")
    return SalesStatus(value)


def _stale_message(session: Session, product: Product) -> str:
    who = audit.changed_by(session, "product", product.sku)
    return f"{product.sku} was changed{who} after you loaded it; nothing was saved. Reload and try again."


def set_status(
    session: Session,
    actor: Actor,
    changes: Iterable[StatusChange],
    reason: object,
    today: dt.date,
    handling_days: int = triage.DEFAULT_HANDLING_DAYS,
    *,
    override_reason: object = None,
    backorder_action: object = None,
) -> list[ChangeResult]:
    """Change the sales status of one or several SKUs; any refusal raises before anything is written."""
    why = _text(reason, "reason", required=True)
    override = _text(override_reason, "override reason", required=False)
    changes = list(changes)
    if not changes:
        raise StatusError("Select at least one SKU.")
    found = []
    for change in changes:
        new = _parse_status(change.status)
        product = session.scalar(select(Product).where(Product.sku == change.sku).with_for_update(key_share=True))
        if product is None:
            raise StatusError(f"No SKU {str(change.sku)[:64]!r}.")
        stale_version = change.version is not None and change.version != product.version
        stale_status = change.expected is not None and change.expected != product.sales_status.value
        if stale_version or stale_status:
            raise StaleStatusError(_stale_message(session, product))
        found.append((product, new))
    # One pass over stock, supply and delay history for all of them, not one per SKU.
    advice_by_id = {
        row["id"]: row for row in advice.compute_advice(session, today, handling_days, [p.id for p, _ in found])
    }
    plan = []
    for product, new in found:
        advised = advice_by_id[product.id]
        window = (advised["window_start"], advised["window_end"]) if advised["window_end"] else None
        rec = policy.Recommendation(
            SalesStatus(advised["recommended_status"]), advised["reason"], advised["backorderable"], window
        )
        try:
            policy.check_change(product.sales_status, new, rec, override)
        except policy.StatusRefusedError as exc:
            raise StatusError(f"{product.sku}: {exc}") from None
        if new is SalesStatus.DISCONTINUED and advised["waiting_units"] and backorder_action not in BACKORDER_ACTIONS:
            raise StatusError(
                f"{product.sku} has open backorders: choose whether to cancel them (and notify) or keep them."
            )
        plan.append((product, new, rec))
    results = [
        _apply(session, actor, product, new, rec, why, override, backorder_action, today, handling_days)
        for product, new, rec in plan
    ]
    changed = [product.id for product, _, _ in plan]
    resummarise(session, changed)
    advice.refresh_advice(session, today, handling_days, changed)
    freshness.mark_changed(session)  # suggestions and flags follow the status at the next refresh
    return results


def _apply(session, actor, product, new, rec, why, override, backorder_action, today, handling_days) -> ChangeResult:
    old = product.sales_status
    before = {"sales_status": old.value, "status_reason": product.status_reason, "version": product.version}
    product.sales_status = new
    product.status_reason = why
    product.status_changed_at = utcnow()
    product.status_changed_by_id = actor.user_id
    cancelled = sent = 0
    if new is SalesStatus.DISCONTINUED:
        if backorder_action == "cancel":
            cancelled = _cancel_waiting(session, actor, product, why, today, handling_days)
        sent += _tell_subscribers(session, product, "discontinued", SubscriptionStatus.CANCELLED)
    elif old is SalesStatus.OUT_OF_STOCK and (new is SalesStatus.IN_STOCK or rec.window):
        # Leaving out-of-stock: everyone who asked to be told gets the restock notice, with a real
        # shipping window when it is a backorder. An overridden backorder without a confirmed ETA
        # has no honest window to give, so subscribers keep waiting for one.
        sent += _tell_subscribers(session, product, "back_in_stock", SubscriptionStatus.NOTIFIED, rec)
    session.flush()
    audit.record(
        session,
        actor,
        "product",
        product.sku,
        "set_status",
        before,
        {
            "sales_status": new.value,
            "version": product.version,
            "recommended": rec.status.value,
            **({"override_reason": override} if override else {}),
            **({"open_backorders": backorder_action} if new is SalesStatus.DISCONTINUED else {}),
        },
        why,
    )
    # The replenishment grid reads the status from its own copy; keep it in step in this transaction.
    session.execute(update(SkuMetrics).where(SkuMetrics.product_id == product.id).values(sales_status=new.value))
    return ChangeResult(product.sku, old, new, cancelled, sent)


def _cancel_waiting(session: Session, actor: Actor, product: Product, why: str, today: dt.date, handling: int) -> int:
    lines = session.scalars(
        select(OrderLine.id).where(OrderLine.product_id == product.id, line_is_waiting()).order_by(OrderLine.id)
    ).all()
    for line_id in lines:
        support.cancel_line(session, actor, line_id, None, f"Discontinued: {why}", today, handling, discontinued=True)
    return len(lines)


def _tell_subscribers(
    session: Session,
    product: Product,
    kind: str,
    new_state: SubscriptionStatus,
    rec: policy.Recommendation | None = None,
) -> int:
    subscriptions = session.scalars(
        select(RestockSubscription).where(
            RestockSubscription.product_id == product.id, RestockSubscription.status == SubscriptionStatus.ACTIVE
        )
    ).all()
    now = utcnow()
    for sub in subscriptions:
        window = rec.window if rec and rec.window else None
        notices.queue(
            session,
            kind,
            # One notice per subscription and event kind: a subscriber is told once, then the row is closed.
            f"{kind}:subscription:{sub.id}",
            sub.email,
            {
                "product_name": unknown.product_title(product.name, product.sku),
                "sku": product.sku,
                "backorder": product.sales_status is SalesStatus.BACKORDER,
                "window_start": window[0] if window else None,
                "window_end": window[1] if window else None,
            },
            product_id=product.id,
        )
        sub.status = new_state
        sub.notified_at = now
    return len(subscriptions)
