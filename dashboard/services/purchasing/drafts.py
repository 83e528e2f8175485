"""Draft purchase orders from the reorder suggestions: one per supplier and warehouse (issue 21 items 1–2).

The suggestion of each SKU-warehouse (``sku_metrics.suggested_order_qty``, already in whole packs of
the primary supplier's MOQ and pack size) becomes a line on a draft for its primary supplier and
warehouse, at the product-supplier row's unit cost (the product's when that row has none).

No duplicates: drafts count as on order in the stock position (design §3), and the pairs drafted
are refreshed at once after the commit (:func:`dashboard.services.derived.partial.refresh_products`),
so a second "create drafts" proposes nothing more. Between the two — or when two managers press
the button together — a pair with a PO drafted or placed *after* its numbers were computed is left
out and named: its suggestion no longer knows about that PO. Drafting takes one lock, so of two
managers one drafts and the other is told what the first did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import (
    POLine,
    Product,
    ProductSupplier,
    PurchaseOrder,
    SkuMetrics,
    Supplier,
    Warehouse,
)
from dashboard.domain import purchasing as rules
from dashboard.domain.codes import ON_ORDER_PO_STATUSES, POStatus, SalesStatus
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit.trail import Actor, record
from dashboard.services.replenishment.queries import ReplenishmentFilters, filtered

DRAFT_LOCK = "backorder-desk:purchasing-drafts"
# More rows than this in one "create drafts" is a mistake, not a purchasing run.
MAX_TICKED = 10_000


class NothingToDraftError(RefusedError):
    """No suggestion in scope is left to draft; the message says why."""


@dataclass(frozen=True)
class DraftScope:
    """What to draft: the suggestions in the page's filters, or only the ticked rows among them."""

    filters: ReplenishmentFilters = field(default_factory=lambda: ReplenishmentFilters(condition="below_rop"))
    metric_ids: tuple[int, ...] | None = None
    # Another of the products' suppliers instead of the primary (the SKU page offers it for one SKU).
    supplier_id: int | None = None

    def __post_init__(self) -> None:
        if self.metric_ids is not None:
            if not self.metric_ids:
                raise NothingToDraftError("no rows are ticked")
            if len(self.metric_ids) > MAX_TICKED:
                raise NothingToDraftError(f"at most {MAX_TICKED:,} rows at once")
            if not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in self.metric_ids):
                raise NothingToDraftError("ticked rows must be row ids")


@dataclass(frozen=True)
class DraftLine:
    """One line of a draft: the SKU, units, unit cost (None: unknown) and the days of demand it buys."""

    sku: str
    qty: int
    unit_cost: float | None
    days_of_cover: float | None


@dataclass(frozen=True)
class DraftedPO:
    """A draft created: its number, supplier, warehouse and lines."""

    number: str
    supplier: str
    warehouse: str
    eta: dt.date
    lines: list[DraftLine]

    @property
    def units(self) -> int:
        """Units on the draft."""
        return sum(line.qty for line in self.lines)

    @property
    def value(self) -> float:
        """Order value at the known unit costs (lines without one are left out; see ``unpriced``)."""
        return round(sum(line.qty * line.unit_cost for line in self.lines if line.unit_cost is not None), 2)

    @property
    def unpriced(self) -> int:
        """Lines whose unit cost is unknown."""
        return sum(line.unit_cost is None for line in self.lines)


@dataclass(frozen=True)
class DraftResult:
    """What one "create drafts" did: the drafts, the pairs left out and why, the products touched."""

    purchase_orders: list[DraftedPO]
    skipped: list[str]
    product_ids: list[int]


def find_po(
    session: Session, number: object, error: type[RefusedError], ask: str, *, lock: bool = True
) -> PurchaseOrder:
    """Purchase order ``number``, locked for the caller's change; ``error(ask)`` without a number, or when none."""
    if not isinstance(number, str) or not number.strip():
        raise error(ask)
    query = select(PurchaseOrder).where(PurchaseOrder.number == number.strip())
    po = session.scalar(query.with_for_update() if lock else query)
    if po is None:
        raise error(f"there is no purchase order {number!r}")
    return po


def lock_drafting(session: Session) -> None:
    """Serialise drafting across processes for this transaction (SQLite's writer already is serial)."""
    if session.connection().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(DRAFT_LOCK.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _suggestions(session: Session, scope: DraftScope) -> list:
    M, PS = SkuMetrics, ProductSupplier  # noqa: N806 - short aliases keep the query readable
    where = [
        *filtered(scope.filters),
        M.suggested_order_qty > 0,
        M.supplier_id.is_not(None),
        M.sales_status != SalesStatus.DISCONTINUED.value,
    ]
    if scope.metric_ids is not None:
        where.append(M.id.in_(scope.metric_ids))
    return session.execute(
        select(
            M.product_id,
            M.warehouse_id,
            M.supplier_id,
            M.sku,
            M.warehouse_code,
            M.supplier_name,
            M.suggested_order_qty,
            M.avg_daily_demand,
            M.computed_at,
            func.coalesce(PS.unit_cost, Product.unit_cost).label("unit_cost"),
            func.coalesce(PS.quoted_lead_time_days, Supplier.quoted_lead_time_days).label("lead_days"),
        )
        .join(Product, Product.id == M.product_id)
        .join(Supplier, Supplier.id == M.supplier_id)
        .outerjoin(PS, (PS.product_id == M.product_id) & (PS.supplier_id == M.supplier_id))
        .where(*where)
        .order_by(M.supplier_name, M.warehouse_code, M.sku)
    ).all()


def _from_supplier(session: Session, rows: list, supplier_id: int) -> list:
    """The suggestions bought from ``supplier_id`` instead: its cost and lead time, its minimum and packs."""
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NothingToDraftError("no such supplier")
    terms = {
        t.product_id: t
        for t in session.scalars(
            select(ProductSupplier).where(
                ProductSupplier.supplier_id == supplier_id,
                ProductSupplier.product_id.in_({row.product_id for row in rows}),
            )
        )
    }
    out = []
    for row in rows:
        found = terms.get(row.product_id)
        if found is None:
            raise NothingToDraftError(f"{row.sku} is not sold by {supplier.name}")
        cost = found.unit_cost if found.unit_cost is not None else row.unit_cost
        qty = rules.whole_packs(int(row.suggested_order_qty), found.moq or 1, found.pack_size or 1)
        lead = found.quoted_lead_time_days or supplier.quoted_lead_time_days
        changed = {"supplier_id": supplier.id, "supplier_name": supplier.name, "unit_cost": cost, "lead_days": lead}
        out.append(SimpleNamespace(**{**row._asdict(), **changed, "suggested_order_qty": qty}))
    return out


def _ordered_since(session: Session, rows: list) -> dict[tuple[int, int], str]:
    """Pairs with a PO drafted or placed after their metrics were computed: number and who drafted it."""
    if not rows:
        return {}
    since = min(row.computed_at for row in rows)
    products = sorted({row.product_id for row in rows})
    found = session.execute(
        select(POLine.product_id, PurchaseOrder.warehouse_id, PurchaseOrder.number, PurchaseOrder.ordered_at)
        .join(PurchaseOrder, PurchaseOrder.id == POLine.po_id)
        .where(
            PurchaseOrder.status.in_(ON_ORDER_PO_STATUSES),
            PurchaseOrder.ordered_at >= since,
            POLine.product_id.in_(products),
        )
    ).all()
    computed = {(row.product_id, row.warehouse_id): row.computed_at for row in rows}
    return {(p, w): number for p, w, number, at in found if (p, w) in computed and at >= computed[(p, w)]}


def next_numbers(session: Session, today: dt.date, count: int) -> list[str]:
    """The next ``count`` free draft numbers of ``today`` (the caller holds the drafting lock or a row lock)."""
    prefix = rules.po_number(today, 1)[:-3]
    taken = session.scalar(select(func.count()).where(PurchaseOrder.number.like(f"{prefix}%"))) or 0
    return [rules.po_number(today, taken + i) for i in range(1, count + 1)]


def create_drafts(session: Session, actor: Actor, today: dt.date, scope: DraftScope) -> DraftResult:
    """Draft one PO per (primary supplier, warehouse) from the suggestions in ``scope``, in the caller's transaction.

    Raises:
        NothingToDraftError: Nothing in scope is left to draft (nothing suggested, or all of it
            drafted or ordered since the numbers were computed); nothing was written.
    """
    lock_drafting(session)
    rows = _suggestions(session, scope)
    if not rows:
        raise NothingToDraftError("no suggestion to draft in these filters: nothing is below its reorder point")
    if scope.supplier_id is not None:
        rows = _from_supplier(session, rows, scope.supplier_id)
    recent = _ordered_since(session, rows)
    skipped = [f"{row.sku} @ {row.warehouse_code} ({recent[(row.product_id, row.warehouse_id)]})" for row in rows
               if (row.product_id, row.warehouse_id) in recent]  # fmt: skip
    rows = [row for row in rows if (row.product_id, row.warehouse_id) not in recent]
    if not rows:
        raise NothingToDraftError(
            "every suggestion here is already on a purchase order drafted or placed since the numbers were "
            f"computed: {', '.join(skipped[:5])}{' …' if len(skipped) > 5 else ''}"
        )
    groups: dict[tuple[int, int], list] = defaultdict(list)
    for row in rows:
        groups[(row.supplier_id, row.warehouse_id)].append(row)
    now = utcnow()
    drafted = []
    for number, ((supplier_id, warehouse_id), members) in zip(
        next_numbers(session, today, len(groups)), groups.items(), strict=True
    ):
        lead = rules.order_lead_days(row.lead_days for row in members)
        eta = today + dt.timedelta(days=lead)
        po = PurchaseOrder(
            number=number,
            supplier_id=supplier_id,
            warehouse_id=warehouse_id,
            ordered_at=now,
            eta=eta,
            status=POStatus.DRAFT,
            created_by=actor.user_id,
        )
        po.lines = [
            POLine(product_id=row.product_id, qty=int(row.suggested_order_qty), unit_cost=row.unit_cost)
            for row in members
        ]
        session.add(po)
        lines = [
            DraftLine(
                row.sku,
                int(row.suggested_order_qty),
                None if row.unit_cost is None else float(row.unit_cost),
                rules.days_of_cover(int(row.suggested_order_qty), float(row.avg_daily_demand)),
            )
            for row in members
        ]
        drafted.append(DraftedPO(number, members[0].supplier_name, members[0].warehouse_code, eta, lines))
        record(
            session,
            actor,
            "purchase_order",
            number,
            "draft",
            None,
            {
                "supplier": members[0].supplier_name,
                "warehouse": members[0].warehouse_code,
                "lines": {line.sku: line.qty for line in lines},
                "value": drafted[-1].value,
            },
        )
    session.flush()
    return DraftResult(drafted, skipped, sorted({row.product_id for row in rows}))


def ticked_metric_ids(session: Session, rows: list[object]) -> tuple[int, ...]:
    """The ``sku_metrics`` ids of the grid's ticked rows (each ``{"sku": …, "warehouse": CODE}``).

    Raises:
        NothingToDraftError: A row is not an object naming a SKU and a warehouse, or none matches.
    """
    pairs = set()
    for row in rows:
        if not (isinstance(row, dict) and isinstance(row.get("sku"), str) and isinstance(row.get("warehouse"), str)):
            raise NothingToDraftError("each ticked row must name a SKU and a warehouse")
        pairs.add((row["sku"], row["warehouse"]))
    if not pairs:
        raise NothingToDraftError("no rows are ticked")
    ids = tuple(
        session.scalars(
            select(SkuMetrics.id).where(tuple_(SkuMetrics.sku, SkuMetrics.warehouse_code).in_(sorted(pairs)))
        ).all()
    )
    if not ids:
        raise NothingToDraftError("none of the ticked rows is a SKU-warehouse pair any more; reload the grid")
    return ids


def warehouse_id(session: Session, code: str | None) -> int | None:
    """The id of warehouse ``code`` (None for None); refuses an unknown code."""
    if code is None:
        return None
    found = session.scalar(select(Warehouse.id).where(Warehouse.code == code))
    if found is None:
        raise NothingToDraftError(f"no warehouse with code {code!r}")
    return found


def supplier_id(session: Session, code: str | None) -> int | None:
    """The id of supplier ``code`` (None for None); refuses an unknown code."""
    if code is None:
        return None
    found = session.scalar(select(Supplier.id).where(Supplier.code == code))
    if found is None:
        raise NothingToDraftError(f"no supplier with code {code!r}")
    return found
