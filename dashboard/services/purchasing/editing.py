"""A manager edits a draft purchase order before sending it: quantities, supplier, remove, add a SKU (issue 21 item 1).

:func:`draft_lines` is what the panel shows: each line's units, unit cost, value and the days of
demand it buys at its warehouse, and the product's other suppliers to move it to. :func:`edit_draft`
applies one save in the caller's transaction, all or nothing:

- a quantity is rounded up to the supplier's minimum order and whole packs (and the manager told);
  0 removes the line; a draft cannot lose its last line (cancel it instead);
- another supplier moves the line to that supplier's draft for the same warehouse, made if none
  exists, at that supplier's cost and pack rules;
- an added SKU must be one the draft's supplier sells, and not already on the draft.

The draft's version guards against a second manager's edit, send or cancel in between. Drafts count
as on order, so the caller refreshes the products touched once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from dashboard.db.base import utcnow
from dashboard.db.models import POLine, Product, ProductSupplier, PurchaseOrder, SkuMetrics, Supplier
from dashboard.domain import purchasing as rules
from dashboard.domain.codes import POStatus
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit import trail as audit
from dashboard.services.audit.trail import Actor, record
from dashboard.services.purchasing.drafts import find_po, lock_drafting, next_numbers

MAX_QTY = 1_000_000
MAX_CHANGES = 500


class EditError(RefusedError):
    """The edit cannot be saved; the message says why and nothing changed."""


@dataclass(frozen=True)
class LineChange:
    """What the manager wants for one line already on the draft: units (0 removes it) and supplier code."""

    sku: str
    qty: int
    supplier: str | None = None


@dataclass(frozen=True)
class EditResult:
    """What a save did: the draft, drafts lines moved to, notes on rounding, the products touched."""

    number: str
    moved_to: list[str]
    notes: list[str]
    product_ids: list[int]


def _qty(value: object, sku: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise EditError(f"the quantity of {sku} must be a whole number")
    if not 0 <= int(value) <= MAX_QTY:
        raise EditError(f"the quantity of {sku} must be between 0 and {MAX_QTY:,}")
    return int(value)


def parse_changes(raw: object) -> list[LineChange]:
    """Changes from a form or a request body: ``[{"sku", "qty", "supplier"?}]``; refuses anything else."""
    if not isinstance(raw, list) or len(raw) > MAX_CHANGES:
        raise EditError(f"changes must be a list of at most {MAX_CHANGES} lines")
    out = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("sku"), str) or not item["sku"].strip():
            raise EditError("each change must name a SKU")
        sku = item["sku"].strip()
        supplier = item.get("supplier")
        if supplier is not None and (not isinstance(supplier, str) or len(supplier) > 64):
            raise EditError(f"the supplier of {sku} must be a supplier code")
        out.append(LineChange(sku, _qty(item.get("qty"), sku), supplier or None))
    if len({c.sku for c in out}) != len(out):
        raise EditError("a SKU appears twice in the changes")
    return out


def _draft(session: Session, number: object, version: object) -> PurchaseOrder:
    po = find_po(session, number, EditError, "name the draft to edit")
    if po.status != POStatus.DRAFT:
        raise EditError(f"{po.number} is {po.status.label.lower()}: only a draft is edited")
    if version is not None and version != po.version:
        who = audit.changed_by(session, "purchase_order", po.number)
        raise EditError(f"{po.number} was changed{who} after you loaded it; nothing was saved. Reload it.")
    return po


def _terms(session: Session, product_id: int, supplier_id: int) -> ProductSupplier | None:
    return session.scalar(
        select(ProductSupplier).where(
            ProductSupplier.product_id == product_id, ProductSupplier.supplier_id == supplier_id
        )
    )


def _rounded(qty: int, terms: ProductSupplier, sku: str, notes: list[str]) -> int:
    packed = rules.whole_packs(qty, terms.moq or 1, terms.pack_size or 1)
    if packed != qty:
        notes.append(
            f"{sku}: {qty:,} rounded to {packed:,} (minimum {terms.moq or 1:,}, packs of {terms.pack_size or 1:,})"
        )
    return packed


def _draft_for(
    session: Session, actor: Actor, model: PurchaseOrder, supplier: Supplier, today: dt.date
) -> PurchaseOrder:
    """The supplier's draft for the same warehouse, made if there is none."""
    found = session.scalar(
        select(PurchaseOrder)
        .where(
            PurchaseOrder.status == POStatus.DRAFT,
            PurchaseOrder.supplier_id == supplier.id,
            PurchaseOrder.warehouse_id == model.warehouse_id,
        )
        .order_by(PurchaseOrder.number)
        .limit(1)
        .with_for_update()
    )
    if found is not None:
        return found
    lead = rules.order_lead_days([supplier.quoted_lead_time_days])
    po = PurchaseOrder(
        number=next_numbers(session, today, 1)[0],
        supplier_id=supplier.id,
        warehouse_id=model.warehouse_id,
        ordered_at=utcnow(),
        eta=today + dt.timedelta(days=lead),
        status=POStatus.DRAFT,
        created_by=actor.user_id,
    )
    session.add(po)
    session.flush()
    record(
        session, actor, "purchase_order", po.number, "draft", None, {"supplier": supplier.name, "from": model.number}
    )
    return po


def _snapshot(session: Session, po_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Product.sku, POLine.qty).join(Product, Product.id == POLine.product_id).where(POLine.po_id == po_id)
    )
    return dict(sorted((sku, int(qty)) for sku, qty in rows))


def edit_draft(
    session: Session,
    actor: Actor,
    number: object,
    changes: list[LineChange],
    additions: list[tuple[str, int]],
    today: dt.date,
    version: object = None,
) -> EditResult:
    """Apply the manager's changes and additions to draft ``number`` (see the module for the rules)."""
    lock_drafting(session)  # a line moved may make a new draft: its number must not race another drafting
    po = _draft(session, number, version)
    if not changes and not additions:
        raise EditError("nothing to save: change a quantity or supplier, or add a SKU")
    before = _snapshot(session, po.id)
    lines: dict[str, POLine] = {
        row.sku: row.POLine
        for row in session.execute(
            select(Product.sku, POLine).join(Product, Product.id == POLine.product_id).where(POLine.po_id == po.id)
        )
    }
    notes: list[str] = []
    moved_to: set[str] = set()
    touched: set[int] = set()
    for change in changes:
        line = lines.get(change.sku)
        if line is None:
            raise EditError(f"{change.sku} is not on {po.number}")
        supplier = po.supplier_id
        if change.supplier is not None:
            found = session.scalar(select(Supplier).where(Supplier.code == change.supplier))
            if found is None:
                raise EditError(f"no supplier with code {change.supplier!r}")
            supplier = found.id
        if change.qty == 0:
            session.delete(line)
            touched.add(line.product_id)
            continue
        terms = _terms(session, line.product_id, supplier)
        if terms is None:
            raise EditError(f"{change.sku} is not sold by supplier {change.supplier}")
        qty = _rounded(change.qty, terms, change.sku, notes)
        if supplier == po.supplier_id:
            if qty != line.qty:
                line.qty = qty
                touched.add(line.product_id)
            continue
        target = _draft_for(session, actor, po, terms.supplier, today)
        if session.scalar(select(func.count()).where(POLine.po_id == target.id, POLine.product_id == line.product_id)):
            raise EditError(f"{change.sku} is already on {target.number}, {terms.supplier.name}'s draft: edit it there")
        cost = terms.unit_cost if terms.unit_cost is not None else session.get(Product, line.product_id).unit_cost
        session.delete(line)
        session.add(POLine(po_id=target.id, product_id=line.product_id, qty=qty, unit_cost=cost))
        flag_modified(target, "eta")  # its lines changed: its version moves, so an open panel of it is stale
        moved_to.add(target.number)
        touched.add(line.product_id)
    for sku, qty in additions:
        product = session.scalar(select(Product).where(Product.sku == sku))
        if product is None:
            raise EditError(f"there is no SKU {sku!r}")
        if sku in lines:
            raise EditError(f"{sku} is already on {po.number}: change its quantity instead")
        terms = _terms(session, product.id, po.supplier_id)
        if terms is None:
            raise EditError(
                f"{sku} is not sold by {session.get(Supplier, po.supplier_id).name}: add it to its supplier's draft"
            )
        qty = _qty(qty, sku)
        if qty == 0:
            raise EditError(f"give a quantity for {sku}")
        cost = terms.unit_cost if terms.unit_cost is not None else product.unit_cost
        session.add(POLine(po_id=po.id, product_id=product.id, qty=_rounded(qty, terms, sku, notes), unit_cost=cost))
        touched.add(product.id)
    session.flush()
    after = _snapshot(session, po.id)
    if not after:
        raise EditError(f"that would leave {po.number} with no lines: cancel the draft instead")
    if after == before and not moved_to:
        raise EditError("nothing changed: the quantities and suppliers are those already on the draft")
    flag_modified(po, "eta")  # the lines are part of the draft: its version moves, so other panels are stale
    session.flush()
    record(
        session,
        actor,
        "purchase_order",
        po.number,
        "edit",
        {"lines": before},
        {"lines": after, "moved_to": sorted(moved_to)},
    )
    return EditResult(po.number, sorted(moved_to), notes, sorted(touched))


@dataclass(frozen=True)
class DraftLineView:
    """One line of a draft as the panel shows it."""

    sku: str
    name: str
    qty: int
    unit_cost: float | None
    days_of_cover: float | None
    suppliers: list[tuple[str, str]]  # (code, name) of every supplier that sells it, the draft's first

    @property
    def value(self) -> float | None:
        """Units × unit cost (None when the cost is unknown)."""
        return None if self.unit_cost is None else round(self.qty * self.unit_cost, 2)


def draft_lines(session: Session, number: str) -> list[DraftLineView]:
    """The draft's lines with their value, the days of demand they buy at its warehouse, and their suppliers."""
    po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == number))
    if po is None:
        return []
    rows = session.execute(
        select(Product.id, Product.sku, Product.name, POLine.qty, POLine.unit_cost, SkuMetrics.avg_daily_demand)
        .join(Product, Product.id == POLine.product_id)
        .outerjoin(
            SkuMetrics, (SkuMetrics.product_id == POLine.product_id) & (SkuMetrics.warehouse_id == po.warehouse_id)
        )
        .where(POLine.po_id == po.id)
        .order_by(Product.sku)
    ).all()
    sellers: dict[int, list[tuple[str, str]]] = {}
    for product_id, code, name, supplier_id in session.execute(
        select(ProductSupplier.product_id, Supplier.code, Supplier.name, Supplier.id)
        .join(Supplier, Supplier.id == ProductSupplier.supplier_id)
        .where(ProductSupplier.product_id.in_([row.id for row in rows]))
        .order_by(Supplier.name)
    ):
        entry = (code, name)
        sellers.setdefault(product_id, [])
        (sellers[product_id].insert(0, entry) if supplier_id == po.supplier_id else sellers[product_id].append(entry))
    return [
        DraftLineView(
            row.sku,
            row.name or row.sku,
            int(row.qty),
            None if row.unit_cost is None else float(row.unit_cost),
            rules.days_of_cover(int(row.qty), float(row.avg_daily_demand or 0)),
            sellers.get(row.id, []),
        )
        for row in rows
    ]
