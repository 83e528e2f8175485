"""Running an import: map the rows, check every cell, plan every row, write the good ones, report.

All of it in the caller's transaction (one per import). Writes run inside a savepoint: when a
rule that can only be judged on the written data refuses some rows (a status change checked
against the stock the same file brought), the savepoint is rolled back and the import written
again without those rows — so every row is either applied whole or reported, never half.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dashboard.services.audit import trail as audit
from dashboard.services.audit.trail import Actor
from dashboard.services.catalog import status
from dashboard.services.derived import freshness
from dashboard.services.derived.triage import DEFAULT_HANDLING_DAYS
from dashboard.services.imports import (
    catalog,
    orders,
    purchasing,
    receipts,
    sales,
    shop_import,
    shop_orders,
    shops,
    stock,
)
from dashboard.services.imports import products as product_import
from dashboard.services.imports import sales_periods as period_import
from dashboard.services.imports.bulk_update import ChangedMeanwhileError
from dashboard.services.imports.common import NEW, UNCHANGED, UPDATE, Context, Plan
from dashboard.services.imports.files import MAX_HISTORY_ROWS, MAX_ROWS, ImportFileError, Table, read_table
from dashboard.services.imports.kinds import KINDS, Kind, parse_rows
from dashboard.services.imports.mapping import SET, MappingError, apply_mapping, with_values
from dashboard.services.imports.report import ImportReport, Rejected, clip

Progress = Callable[[int, int], None]
# Every kind the command line and the page offer: ours, plus the shops' product and order exports.
IMPORT_KINDS = (*KINDS, *shops.SHOPS, *shop_orders.ORDER_EXPORTS)
# Kinds whose files are sales history, allowed up to MAX_HISTORY_ROWS rows.
HISTORY_KINDS = ("sales", *shop_orders.ORDER_EXPORTS)
MAX_ATTEMPTS = 3


def _write_products(ctx: Context, plan: Plan) -> list[Rejected]:
    product_import.write_products(ctx, plan)
    return product_import.apply_statuses(ctx, plan)


def _quietly(write: Callable[[Context, Plan], Any]) -> Callable[[Context, Plan], list[Rejected]]:
    def run(ctx: Context, plan: Plan) -> list[Rejected]:
        write(ctx, plan)
        return []

    return run


HANDLERS: dict[str, tuple[Callable[[Context, list], Plan], Callable[[Context, Plan], list[Rejected]]]] = {
    "warehouses": (catalog.plan_warehouses, catalog.write_warehouses),
    "suppliers": (catalog.plan_suppliers, catalog.write_suppliers),
    "products": (product_import.plan_products, _write_products),
    "product_suppliers": (catalog.plan_product_suppliers, catalog.write_product_suppliers),
    "stock": (stock.plan_stock, _quietly(stock.write_stock)),
    "orders": (orders.plan_orders, _quietly(orders.write_orders)),
    "purchase_orders": (purchasing.plan_purchase_orders, _quietly(purchasing.write_purchase_orders)),
    "receipts": (receipts.plan_receipts, receipts.write_receipts),
    "sales": (sales.plan_sales, sales.write_sales),
    "sales_periods": (period_import.plan_sales_periods, _quietly(period_import.write_sales_periods)),
}


def resolve_kind(kind: str, table: Table) -> str:
    """The kind to import ``table`` as: ``products`` becomes the shop whose export it is."""
    if kind not in IMPORT_KINDS:
        raise ImportFileError(f"Unknown import kind {str(kind)[:40]!r}; use one of: {', '.join(IMPORT_KINDS)}.")
    shop = shops.detect_shop(table.header)
    if kind == "products" and shop is not None:
        return shop
    if kind in shops.SHOPS and shop != kind:
        raise ImportFileError(f"{table.name} does not look like a {kind} product export (its header differs).")
    export = shop_orders.detect_order_export(table.header)
    if kind == "sales" and export is not None:
        return export
    if kind in shop_orders.ORDER_EXPORTS and export != kind:
        raise ImportFileError(f"{table.name} does not look like a {shop_orders.LABELS[kind]} (its header differs).")
    return kind


def automatic_kind(kind: object, header: list[str]) -> str | None:
    """The shop export a file with ``header`` is imported as when chosen as ``kind`` (mapped for the user), or None."""
    if kind == "products":
        return shops.detect_shop(header)
    if kind == "sales":
        return shop_orders.detect_order_export(header)
    return kind if kind in (*shops.SHOPS, *shop_orders.ORDER_EXPORTS) else None


def max_rows(kind: str) -> int:
    """The most rows a file of ``kind`` may have: sales history is longer than a catalog or a stock count."""
    return MAX_HISTORY_ROWS if kind in HISTORY_KINDS else MAX_ROWS


@dataclass
class _Rows:
    kind: str
    spec: Kind
    rows: list[tuple[int, dict[str, Any]]]
    columns: dict[str, str] = field(default_factory=dict)
    ignored: int = 0
    notes: list[str] = field(default_factory=list)


def _rows(
    kind: str,
    table: Table,
    mapping: dict[str, str] | None,
    values: dict[str, str] | None = None,
    warehouse_code: str | None = None,
) -> _Rows:
    kind = resolve_kind(kind, table)
    if kind == period_import.KIND:
        # Its snapshot form has columns of the file's own naming (sold_last_3_months …) besides our fields,
        # so one-value-for-every-row sources become columns before the file is read.
        sets = {f: src[SET] for f, src in (mapping or {}).items() if isinstance(src, dict) and SET in src}
        columns = {f: src for f, src in (mapping or {}).items() if f not in sets} or None
        sets |= values or {}
        if sets:
            table = with_values(kind, table, sets, columns)
        whole_file = None if "warehouse_code" in sets else warehouse_code
        return _Rows(kind, *period_import.read_rows(table, columns, whole_file))
    if values and kind not in shops.SHOPS:
        table = with_values(kind, table, values, mapping)
    if kind in shops.SHOPS:
        if values:
            raise MappingError(f"A {kind} export is read as the shop wrote it; import it without set values.")
        if mapping:
            raise MappingError(f"A {kind} export is mapped automatically; import it without a mapping.")
        found = shops.shop_rows(kind, table)
        return _Rows(kind, shops.SHOP_KIND, found.rows, found.columns, found.ignored)
    if kind in shop_orders.ORDER_EXPORTS:
        if mapping:
            raise MappingError(f"A {shop_orders.LABELS[kind]} is mapped automatically; import it without a mapping.")
        lines = shop_orders.order_rows(kind, table)
        return _Rows(kind, shop_orders.SHOP_SALES_KIND, lines.rows, lines.columns, lines.ignored, lines.notes)
    return _Rows(kind, KINDS[kind], apply_mapping(kind, table, mapping))


def _plan(source: _Rows, ctx: Context, parsed: list) -> Plan:
    if source.kind in shops.SHOPS:
        return shop_import.plan_shop(ctx, parsed, source.columns)
    if source.kind in shop_orders.ORDER_EXPORTS:
        return shop_orders.plan_shop_sales(ctx, parsed, source.columns)
    if source.kind == period_import.KIND:
        return period_import.plan_sales_periods(ctx, parsed, source.spec)
    return HANDLERS[source.kind][0](ctx, parsed)


def _write(source: _Rows, ctx: Context, plan: Plan) -> list[Rejected]:
    if source.kind in shops.SHOPS:
        return shop_import.write_shop(ctx, plan)
    if source.kind in shop_orders.ORDER_EXPORTS:
        return sales.write_sales(ctx, plan)
    return HANDLERS[source.kind][1](ctx, plan)


def _named(source: _Rows, rejected: list[Rejected]) -> list[Rejected]:
    """Problems named by the file's own columns where they differ from ours (a shop export)."""
    return [Rejected(r.row, source.columns.get(r.column, r.column), r.value, r.reason) for r in rejected]


def run_import(
    session: Session,
    actor: Actor,
    kind: str,
    table: Table,
    *,
    today: dt.date,
    handling_days: int = DEFAULT_HANDLING_DAYS,
    mapping: dict[str, str] | None = None,
    warehouse_code: str | None = None,
    progress: Progress | None = None,
    values: dict[str, str] | None = None,
) -> ImportReport:
    """Import ``table`` as ``kind`` in the caller's transaction; returns what happened row by row.

    ``progress(done, total)`` is called as the work advances (``total`` is three units per row:
    checked, planned, written) and once with ``done == total`` at the end. File-level problems
    (columns missing, a mapping naming a column the file lacks) raise :class:`ImportFileError`
    before anything is written. ``values`` (``--set FIELD=VALUE``) gives a field the file has no
    column for one value on every row.
    """
    source = _rows(kind, table, mapping, values, warehouse_code)
    total = 3 * len(table)
    done = 0

    def tick(units: int) -> None:
        nonlocal done
        done = min(done + units, total)
        if progress:
            progress(done, total)

    ctx = Context(session, actor, today, handling_days, table.name, warehouse_code, tick)
    parsed, bad = parse_rows(source.spec, source.rows, tick)
    tick(len(table) - len(source.rows))
    source.rows = []  # the parsed rows replace them (a big file is held once less)
    late: list[Rejected] = []
    for attempt in range(MAX_ATTEMPTS):
        plan = _plan(source, ctx, parsed)
        if attempt == 0:
            tick(len(table))
        if not plan.changes:
            break
        savepoint = session.begin_nested()
        try:
            refused = _write(source, ctx, plan)
        except (IntegrityError, ChangedMeanwhileError, status.StatusError) as exc:
            # Someone changed the same records while this import ran (a status, a new order number).
            savepoint.rollback()
            raise ImportFileError(
                f"{table.name}: the data changed while it was being imported ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:200]}); nothing was imported. Import it again."
            ) from exc
        if not refused:
            savepoint.commit()
            break
        savepoint.rollback()
        late += refused
        dropped = {r.row for r in refused}
        parsed = [row for row in parsed if row[0] not in dropped]
    else:
        raise RuntimeError("the import kept finding rows to refuse after writing; nothing was imported")
    report = ImportReport(source.kind, rows=len(table), file_name=table.name)
    report.rejected = _named(source, bad) + plan.rejected + late
    report.created, report.updated = plan.count(NEW), plan.count(UPDATE)
    report.applied, report.unchanged = report.created + report.updated, plan.count(UNCHANGED)
    report.ignored = source.ignored + plan.ignored
    report.notes = source.notes + plan.notes
    report.needs_kpi_rebuild = source.spec.moves_kpi_history and report.applied > 0
    audit.record(session, actor, "import", table.name[:64], f"import_{source.kind}", None, report.audit_after())
    if report.applied:
        freshness.mark_changed(session)
    session.flush()
    tick(total)
    return report


def import_file(
    session: Session, actor: Actor, kind: str, source: Path | bytes, name: str | None = None, **options: Any
) -> ImportReport:
    """Read ``source`` (a path, or uploaded bytes and their file ``name``) and :func:`run_import` it."""
    return run_import(session, actor, kind, read_table(source, name), **options)


@dataclass(frozen=True)
class PreviewRow:
    """One row as the import would see it: our fields' values, and what would happen to it."""

    row: int
    values: dict[str, str]
    outcome: str  # "new", "update", "unchanged" or "rejected"
    problems: list[Rejected]


def preview(
    session: Session,
    kind: str,
    table: Table,
    *,
    today: dt.date,
    handling_days: int = DEFAULT_HANDLING_DAYS,
    mapping: dict[str, str] | None = None,
    warehouse_code: str | None = None,
    limit: int = 20,
    values: dict[str, str] | None = None,
) -> list[PreviewRow]:
    """The first ``limit`` rows mapped, checked and planned against the database — nothing is written.

    Rules judged only while writing (a status change against the stock the file brings, a
    receipt against its PO) are not part of the preview.
    """
    head = Table(table.name, table.header, table.rows[: max(limit, 0)])
    source = _rows(kind, head, mapping, values, warehouse_code)
    parsed, bad = parse_rows(source.spec, source.rows)
    ctx = Context(session, Actor("preview"), today, handling_days, table.name, warehouse_code)
    plan = _plan(source, ctx, parsed)
    problems: dict[int, list[Rejected]] = {}
    for problem in _named(source, bad) + plan.rejected:
        problems.setdefault(problem.row, []).append(problem)
    out = []
    for number, raw in source.rows:
        outcome = "rejected" if number in problems else plan.outcomes.get(number, "ignored")
        out.append(PreviewRow(number, {k: clip(val) for k, val in raw.items()}, outcome, problems.get(number, [])))
    return out
