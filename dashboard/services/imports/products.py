"""Importing products (by SKU), and the sales-status rule for them.

Only the SKU is required: a new SKU without a name, category, price or cost has them *unknown*
(a snapshot knows its SKUs and little else); a blank cell for an existing SKU keeps what it has.

A new SKU takes the file's ``sales_status`` (or ``in_stock``): it is how the shop presents the
SKU today, and the status advice lists any disagreement with the policy after the next refresh.

Changing the status of an existing SKU is a manager's decision with consequences (notify-me
subscribers told, backorders cancelled or kept), so an import does it exactly as the status
control does: through :func:`dashboard.services.status.set_status`, audited with the import
as the reason. The same rules refuse the same changes — a backorder without a confirmed ETA,
discontinuing a SKU that has open backorders (someone must decide about them) — and the row
is reported with the policy's reason. The check runs after the file's stock is written (a
shop export brings both), so it judges the stock the SKU will have.
"""

from __future__ import annotations

from typing import Any

from dashboard.db.models import Product
from dashboard.domain import status_policy as policy
from dashboard.domain.codes import SalesStatus, Substitutability
from dashboard.services.catalog import status
from dashboard.services.derived import advice
from dashboard.services.imports.bulk_update import update_existing
from dashboard.services.imports.common import (
    NEW,
    UNCHANGED,
    UPDATE,
    Context,
    Plan,
    chunks,
    differences,
    first_seen,
    insert_new,
    rows_by_key,
)
from dashboard.services.imports.kinds import ParsedRow
from dashboard.services.imports.report import Rejected

FIELDS = {
    "name": "name",
    "category": "category",
    "unit_price": "unit_price",
    "unit_cost": "unit_cost",
    "substitutability": "substitutability",
    "max_backorder_days": "max_backorder_days",
}
STATUS_BATCH = 1_000


def plan_products(ctx: Context, rows: list[ParsedRow]) -> Plan:
    """New SKUs, changed fields of existing ones, and status changes to make through the status rules."""
    plan = Plan(data={"new": [], "changes": [], "versions": {}, "statuses": [], "new_skus": set()})
    columns = [
        Product.id,
        Product.sku,
        Product.version,
        Product.sales_status,
        *(getattr(Product, c) for c in FIELDS.values()),
    ]
    existing = rows_by_key(ctx.session, columns, Product.sku, (values["sku"] for _, values in rows))
    seen: dict[str, int] = {}
    now = ctx.now
    for number, values in rows:
        sku = values["sku"]
        if not first_seen(plan, seen, sku, number, "sku", sku):
            continue
        current = existing.get(sku)
        if current is None:
            plan.data["new"].append(_new_product(ctx, values, now))
            plan.data["new_skus"].add(sku)
            plan.outcomes[number] = NEW
            continue
        changed = differences(current, values, FIELDS)
        wanted = values.get("sales_status")
        status_changes = wanted is not None and wanted is not current.sales_status
        plan.outcomes[number] = UPDATE if changed or status_changes else UNCHANGED
        if changed:
            plan.data["changes"].append((current.id, changed))
            plan.data["versions"][current.id] = current.version
        if status_changes:
            plan.data["statuses"].append((number, current.id, sku, current.sales_status, wanted))
    return plan


def _new_product(ctx: Context, values: dict[str, Any], now) -> dict[str, Any]:
    given = values.get("sales_status")
    return {
        "sku": values["sku"],
        # What the file does not give is unknown (NULL), never a made-up 0 or name (domain/unknown.py).
        "name": values.get("name"),
        "category": values.get("category"),
        "unit_price": values.get("unit_price"),
        "unit_cost": values.get("unit_cost"),
        "substitutability": values.get("substitutability") or Substitutability.STANDARD,
        "sales_status": given or SalesStatus.IN_STOCK,
        "status_reason": f"Imported from {ctx.file_name}"[:500] if given else None,
        "status_changed_at": now if given else None,
        "status_changed_by_id": ctx.actor.user_id if given else None,
        "max_backorder_days": values.get("max_backorder_days"),
        "version": 1,
    }


def write_products(ctx: Context, plan: Plan) -> None:
    """Insert the new SKUs and update changed fields (statuses come later: :func:`apply_statuses`)."""
    insert_new(ctx.session, Product.__table__, plan.data["new"])
    update_existing(ctx.session, Product.__table__, plan.data["changes"], ctx.now, plan.data["versions"])


def apply_statuses(ctx: Context, plan: Plan, columns: dict[str, str] | None = None) -> list[Rejected]:
    """Make the planned status changes through ``set_status``, or return the rows its rules refuse.

    Checked first, all of them, against the data as written so far: when any is refused nothing
    is changed here and the caller drops those rows and writes again without them.
    """
    planned = plan.data["statuses"]
    if not planned:
        return []
    column = (columns or {}).get("sales_status", "sales_status")
    advised: dict[int, dict] = {}
    for part in chunks([product_id for _, product_id, *_ in planned]):
        advised |= {row["id"]: row for row in advice.compute_advice(ctx.session, ctx.today, ctx.handling_days, part)}
    refused = []
    for number, product_id, sku, current, wanted in planned:
        row = advised[product_id]
        window = (row["window_start"], row["window_end"]) if row["window_end"] else None
        rec = policy.Recommendation(SalesStatus(row["recommended_status"]), row["reason"], row["backorderable"], window)
        try:
            policy.check_change(current, wanted, rec, None)
        except policy.StatusRefusedError as exc:
            reason = str(exc).replace("Write an override reason to do it anyway.", "")
            refused.append(
                Rejected(
                    number,
                    column,
                    wanted.value,
                    f"{reason.strip()} Set it with an override reason on /sku/{sku} or `backorder-desk status`.",
                )
            )
            continue
        if wanted is SalesStatus.DISCONTINUED and row["waiting_units"]:
            refused.append(
                Rejected(
                    number,
                    column,
                    wanted.value,
                    f"{sku} has open backorders: discontinue it on /sku/{sku} (or `backorder-desk status "
                    "… --backorders cancel|keep`) to decide about them.",
                )
            )
    if refused:
        return refused
    reason = f"Imported from {ctx.file_name}"[: status.MAX_REASON]
    for part in chunks(planned, STATUS_BATCH):
        changes = [
            status.StatusChange(sku, wanted.value, expected=current.value) for _, _, sku, current, wanted in part
        ]
        status.set_status(ctx.session, ctx.actor, changes, reason, ctx.today, ctx.handling_days)
    return []
