"""Sales status: the policy's advice per product, and a manager's status change with everything it implies.

:func:`refresh_advice` writes ``status_advice`` (the recommendation, the backorder cap and any
mismatch) for all products or for the ones an action touched. :func:`set_status` changes one
or several SKUs in the caller's transaction: validation, optimistic concurrency, the
discontinue decision about open backorders, notices to notify-me subscribers, the audit
event, and the denormalised copies in ``sku_metrics`` — all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import (
    OrderLine,
    POLine,
    Product,
    PurchaseOrder,
    RestockSubscription,
    SkuMetrics,
    StatusAdvice,
    StockLevel,
)
from dashboard.db.queries import line_is_waiting, po_is_open
from dashboard.db.upserts import upsert_rows
from dashboard.domain import allocation as alloc
from dashboard.domain import status_policy as policy
from dashboard.domain.codes import SalesStatus, SubscriptionStatus
from dashboard.services import audit, freshness, notices, support, triage
from dashboard.services.audit import Actor

MAX_REASON = 500
BACKORDER_ACTIONS = {
    "cancel": "Cancel them and notify the customers",
    "keep": "Keep them; they ship when stock arrives",
}


class StatusError(ValueError):
    """A status change that cannot be made; the message says why and nothing changed."""


class StaleStatusError(StatusError):
    """The SKU changed since the user loaded it."""


def _ids_filter(column, product_ids: Sequence[int] | None) -> list:
    return [] if product_ids is None else [column.in_(list(product_ids))]


def compute_advice(
    session: Session, today: dt.date, handling_days: int, product_ids: Sequence[int] | None = None
) -> list[dict]:
    """One ``status_advice`` row per product (or per product in ``product_ids``)."""
    products = session.execute(
        select(
            Product.id,
            Product.sku,
            Product.name,
            Product.category,
            Product.sales_status,
            Product.substitutability,
            Product.max_backorder_days,
        ).where(*_ids_filter(Product.id, product_ids))
    ).all()
    unreserved = StockLevel.on_hand - StockLevel.allocated
    free = func.sum(case((unreserved > 0, unreserved), else_=0))
    available = dict(
        session.execute(
            select(StockLevel.product_id, free)
            .where(*_ids_filter(StockLevel.product_id, product_ids))
            .group_by(StockLevel.product_id)
        ).all()
    )
    waiting_qty = func.sum(OrderLine.qty - OrderLine.qty_allocated - OrderLine.qty_shipped)
    waiting = dict(
        session.execute(
            select(OrderLine.product_id, waiting_qty)
            .where(line_is_waiting(), *_ids_filter(OrderLine.product_id, product_ids))
            .group_by(OrderLine.product_id)
        ).all()
    )
    delays, fallback = triage.delay_profiles(session)
    inbound: dict[int, list[policy.Inbound]] = defaultdict(list)
    for product_id, number, qty, confirmed, eta, supplier_id in session.execute(
        select(
            POLine.product_id,
            PurchaseOrder.number,
            POLine.qty - POLine.qty_received,
            PurchaseOrder.eta_confirmed,
            PurchaseOrder.eta,
            PurchaseOrder.supplier_id,
        )
        .join(PurchaseOrder, PurchaseOrder.id == POLine.po_id)
        .where(po_is_open(), POLine.qty > POLine.qty_received, *_ids_filter(POLine.product_id, product_ids))
    ):
        supply = alloc.Supply(int(qty), eta, 1, number, supplier_id)
        window = alloc.ship_window(supply, today, handling_days, delays.get(supplier_id, fallback))
        inbound[product_id].append(policy.Inbound(number, int(qty), bool(confirmed), window.p50, window.p80))
    now = utcnow()
    rows = []
    for pid, sku, name, category, status, substitutability, max_days in products:
        units = int(waiting.get(pid) or 0)
        rec = policy.recommend(
            status, int(available.get(pid) or 0), inbound.get(pid, []), substitutability, units, today, max_days
        )
        why = policy.mismatch(status, rec)
        rows.append(
            {
                "id": pid,
                "sku": sku,
                "product_name": name,
                "category": category,
                "current_status": status.value,
                "recommended_status": rec.status.value,
                "reason": rec.reason[:400],
                "available": int(available.get(pid) or 0),
                "waiting_units": units,
                "backorderable": rec.backorderable,
                "window_start": rec.window[0] if rec.window else None,
                "window_end": rec.window[1] if rec.window else None,
                "has_mismatch": why is not None,
                "mismatch": why[:500] if why else None,
                "computed_at": now,
            }
        )
    return rows


def refresh_advice(
    session: Session, today: dt.date, handling_days: int, product_ids: Sequence[int] | None = None
) -> int:
    """Rewrite ``status_advice`` for ``product_ids`` (or all products) inside the caller's transaction."""
    rows = compute_advice(session, today, handling_days, product_ids)
    session.execute(delete(StatusAdvice).where(*_ids_filter(StatusAdvice.id, product_ids)))
    # Upserts: another transaction (a refresh, a confirm on the same product) may have written these keys meanwhile.
    upsert_rows(session, StatusAdvice.__table__, rows)
    return len(rows)


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


def mismatches(session: Session, limit: int = 50) -> tuple[list[StatusAdvice], int]:
    """SKUs whose status disagrees with the policy, most waiting units first, and how many there are."""
    where = StatusAdvice.has_mismatch.is_(True)
    total = session.scalar(select(func.count()).select_from(StatusAdvice).where(where)) or 0
    rows = session.scalars(
        select(StatusAdvice).where(where).order_by(StatusAdvice.waiting_units.desc(), StatusAdvice.sku).limit(limit)
    ).all()
    return list(rows), int(total)


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
    advice_by_id = {row["id"]: row for row in compute_advice(session, today, handling_days, [p.id for p, _ in found])}
    plan = []
    for product, new in found:
        advice = advice_by_id[product.id]
        window = (advice["window_start"], advice["window_end"]) if advice["window_end"] else None
        rec = policy.Recommendation(
            SalesStatus(advice["recommended_status"]), advice["reason"], advice["backorderable"], window
        )
        try:
            policy.check_change(product.sales_status, new, rec, override)
        except policy.StatusRefusedError as exc:
            raise StatusError(f"{product.sku}: {exc}") from None
        if new is SalesStatus.DISCONTINUED and advice["waiting_units"] and backorder_action not in BACKORDER_ACTIONS:
            raise StatusError(
                f"{product.sku} has open backorders: choose whether to cancel them (and notify) or keep them."
            )
        plan.append((product, new, rec))
    results = [
        _apply(session, actor, product, new, rec, why, override, backorder_action, today, handling_days)
        for product, new, rec in plan
    ]
    from dashboard.services.metrics import resummarise  # metrics imports this module

    changed = [product.id for product, _, _ in plan]
    resummarise(session, changed)
    refresh_advice(session, today, handling_days, changed)
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
                "product_name": product.name,
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
