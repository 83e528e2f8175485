"""Importing sales totals per period (``sales_periods``): for systems that keep totals, not sold lines.

Two forms of file, told apart by the header:

- **One period per row** (long form): SKU, warehouse, quantity and the period as
  ``period_start`` + ``period_end`` (the end day included), a ``month`` (``2026-03``,
  ``Mar 2026``, or a date within it) or an ISO ``week`` (``2026-W09``); optionally
  ``days_out_of_stock`` in the period.
- **A snapshot** (wide form): one row per SKU with trailing-window columns such as
  ``sold_last_1_month``, ``units_sold_last_3_months``, ``sales_6_month`` or ``sold_9m``
  (:func:`dashboard.domain.sales_periods.window` recognises them), all ending on ``as_of`` (a
  column, ``--set as_of=YYYY-MM-DD``, or today). The nested windows become disjoint periods:
  the last month, the two months before it, … each holding the difference of two totals.

The file's warehouse may be a column, or one code for the whole file (``--warehouse``).

The periods of one SKU-warehouse never overlap, so summing them never counts a day twice. A
period identical to a stored one replaces its total (importing the same file again changes
nothing); a one-period row sharing some days with a stored period, or with another row of the
file, is refused — that includes a quarter over stored months and a month inside a stored
quarter: a total cannot be split, and replacing several stored totals by one would silently undo
what an earlier file said. A **snapshot** row is different: it is the newer account of its whole
span, so it replaces every stored total of the pair that its windows touch (last month's snapshot
is superseded by this month's; totals wholly before its oldest window stay). A period that has
not ended yet (after today) is refused: its total is still growing. A snapshot row is taken whole or refused whole.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, select

from dashboard.db.models import SalesPeriod
from dashboard.domain import import_values as v
from dashboard.domain import sales_periods as periods
from dashboard.domain.sales_periods import Period, PeriodIndex, WindowError
from dashboard.services.imports.bulk_update import update_existing
from dashboard.services.imports.common import (
    NEW,
    UNCHANGED,
    UPDATE,
    Context,
    Plan,
    insert_new,
    product_ids,
    restricted,
    warehouse_ids,
)
from dashboard.services.imports.files import ImportFileError, Table
from dashboard.services.imports.kinds import KINDS, Field, Kind, ParsedRow
from dashboard.services.imports.mapping import check_mapping, resolve_columns, suggest_mapping, with_values

KIND = "sales_periods"
PERIOD_FIELDS = ("period_start", "period_end", "month", "week")
LONG_FIELDS = (*PERIOD_FIELDS, "quantity", "days_out_of_stock")
# A stored period's days out of stock are kept when the row does not say (a snapshot never does).
KEEP = object()


def read_rows(
    table: Table, mapping: dict[str, str] | None, warehouse_code: str | None
) -> tuple[Kind, list[tuple[int, dict[str, Any]]]]:
    """The file's rows keyed by our fields and by its trailing-window columns, with the kind extended by those columns.

    Each window column becomes a column of its own (units sold, ≥ 0), so a bad cell is refused
    under the file's own column name. Raises :class:`ImportFileError` for a file that is neither
    form, mixes them, repeats a window, or names no warehouse.
    """
    base = KINDS[KIND]
    own = _warehouse_column(table, mapping)
    if warehouse_code and own:
        raise ImportFileError(
            f"{table.name} has a warehouse column ({own!r}); leave out the warehouse for the whole file."
        )
    if warehouse_code:
        table = with_values(KIND, table, {"warehouse_code": warehouse_code}, mapping)
    elif not own:
        raise ImportFileError(
            f"{table.name} lacks the column warehouse_code; add it, or give the warehouse of the whole file "
            "(--warehouse CODE on the command line)."
        )
    columns = resolve_columns(KIND, table, mapping)
    used = set(columns.values())
    windows: dict[int, periods.Window] = {}
    for index, name in enumerate(table.header):
        found = periods.window(name) if index not in used else None
        if found is None:
            continue
        twin = next((table.header[i] for i, w in windows.items() if w == found), None)
        if twin is not None:
            raise ImportFileError(f"{table.name}: the columns {twin!r} and {name!r} both hold {found}; keep one.")
        windows[index] = found
    _check_form(table, set(columns), windows)
    extra = tuple(
        Field(table.header[index], v.whole(0), f"Units sold in {found} up to as_of.")
        for index, found in windows.items()
    )
    spec = replace(base, fields=base.fields + extra)
    wanted = columns | {table.header[index]: index for index in windows}
    rows = [
        (number, {field: cells[i] if i < len(cells) else None for field, i in wanted.items()})
        for number, cells in table.rows
    ]
    return spec, rows


def _warehouse_column(table: Table, mapping: dict[str, str] | None) -> str | None:
    """The file's column :func:`resolve_columns` would read the warehouse from, or None."""
    given = check_mapping(KIND, mapping or {})
    if "warehouse_code" in given:
        return given["warehouse_code"]  # None: switched off on purpose
    found = suggest_mapping(KIND, table.header).get("warehouse_code")
    # With a mapping, a field it leaves out is read only from a column of the field's own name.
    if mapping and found and found.lower() != "warehouse_code":
        return None
    return found


def _check_form(table: Table, fields: set[str], windows: dict[int, periods.Window]) -> None:
    long = [name for name in LONG_FIELDS if name in fields]
    if windows:
        if long:
            shown = ", ".join(repr(table.header[i]) for i in windows)
            raise ImportFileError(
                f"{table.name} mixes a snapshot's window columns ({shown}) with one-period-per-row columns "
                f"({', '.join(long)}); a file is one form or the other."
            )
        return
    if "as_of" in fields:
        raise ImportFileError(
            f"{table.name} has as_of but no 'sold in the last N months' columns; as_of is for snapshot files."
        )
    has_period = {"period_start", "period_end"} <= fields or "month" in fields or "week" in fields
    if "quantity" not in fields or not has_period:
        raise ImportFileError(
            f"{table.name} needs sku, warehouse_code, quantity and the period (period_start and period_end, "
            "month, or week) — or, for a snapshot, columns such as sold_last_1_month, sold_last_3_months; "
            f"its columns are: {', '.join(c for c in table.header if c)[:300]}."
        )


@dataclass(frozen=True)
class _Piece:
    """One period a row brings: its days, units, days out of stock (or KEEP), and where the row said it."""

    period: Period
    qty: int
    days_out: Any
    column: str
    value: object


def plan_sales_periods(ctx: Context, rows: list[ParsedRow], spec: Kind | None = None) -> Plan:
    """Each row's periods, checked against each other and the stored ones: new, replacing a total, unchanged, refused.

    ``spec`` is the kind as :func:`read_rows` extended it for this file: its extra columns are the
    snapshot's windows (none: one period per row).
    """
    session = ctx.session
    plan = Plan(data={"new": [], "changes": [], "replaced": []})
    products = product_ids(session, {values["sku"] for _, values in rows})
    warehouses = warehouse_ids(session)
    stored, stored_index = _stored(session, set(products.values()))
    in_file: dict[tuple[int, int], PeriodIndex] = defaultdict(PeriodIndex)
    ours = {f.name for f in KINDS[KIND].fields}
    windows = {f.name: periods.window(f.name) for f in (spec or KINDS[KIND]).fields if f.name not in ours}
    for number, values in rows:
        sku, code = values["sku"], values["warehouse_code"]
        product_id, warehouse_id = products.get(sku), warehouses.get(code)
        if product_id is None:
            plan.refuse(number, "sku", sku, "no such SKU; import products first")
            continue
        if warehouse_id is None:
            plan.refuse(number, "warehouse_code", code, f"no such warehouse; known: {', '.join(sorted(warehouses))}")
            continue
        pieces = _snapshot(ctx, plan, number, values, windows) if windows else _one_period(ctx, plan, number, values)
        pair = (product_id, warehouse_id)
        # A newer snapshot replaces the stored totals its windows touch; a period per row may not overlap.
        against = None if windows else stored_index.get(pair)
        if pieces is None or not _fits(plan, number, pieces, in_file[pair], against):
            continue
        outcomes = set()
        if windows and pair in stored_index:
            span = (min(p.period[0] for p in pieces), max(p.period[1] for p in pieces))
            new_periods = {p.period for p in pieces}
            replaced = [r for period, r in stored_index[pair].all_overlapping(span) if period not in new_periods]
            if replaced:
                plan.data["replaced"].extend(r.id for r in replaced)
                outcomes.add(UPDATE)
        for piece in pieces:
            in_file[pair].add(piece.period, number)
            outcomes.add(_book(ctx, plan, piece, pair, stored.get((*pair, *piece.period))))
        # A row that changed or replaced anything stored is an update; one that only added, new.
        plan.outcomes[number] = UPDATE if UPDATE in outcomes else NEW if NEW in outcomes else UNCHANGED
    return plan


def _one_period(ctx: Context, plan: Plan, number: int, values: dict[str, Any]) -> list[_Piece] | None:
    """The one period of a long-form row, or None when the row is refused."""
    given = [name for name in ("period_start", "month", "week") if name in values]
    if "period_end" in values and "period_start" not in given:
        given.insert(0, "period_start")
    if not given:
        plan.refuse(number, "period_start", "", "required: give period_start and period_end, a month or an ISO week")
        return None
    if len(given) > 1:
        plan.refuse(number, given[1], values.get(given[1], ""), f"give one period per row, not {' and '.join(given)}")
        return None
    column = given[0]
    if column == "period_start":
        for name in ("period_start", "period_end"):
            if name not in values:
                plan.refuse(
                    number, name, "", "required with " + ("period_end" if name == "period_start" else "period_start")
                )
                return None
        period = (values["period_start"], values["period_end"])
        if period[1] < period[0]:
            plan.refuse(number, "period_end", period[1], f"is before period_start {period[0].isoformat()}")
            return None
        column = "period_end"
    else:
        period = values[column]
    shown = periods.shown_period(period)
    if period[1] > ctx.today:
        plan.refuse(
            number, column, shown, f"ends after today ({ctx.today.isoformat()}); import a period once it is over"
        )
        return None
    if "quantity" not in values:
        plan.refuse(number, "quantity", "", "required")
        return None
    days_out = values.get("days_out_of_stock", KEEP)
    if days_out is not KEEP and days_out > periods.length(period):
        plan.refuse(
            number,
            "days_out_of_stock",
            days_out,
            f"is more than the {periods.length(period)} day(s) of the period {shown}",
        )
        return None
    return [_Piece(period, values["quantity"], days_out, column, shown)]


def _snapshot(
    ctx: Context, plan: Plan, number: int, values: dict[str, Any], windows: dict[str, Any]
) -> list[_Piece] | None:
    """A snapshot row's trailing windows as disjoint periods ending on ``as_of``, or None when refused."""
    as_of: dt.date = values.get("as_of", ctx.today)
    if as_of > ctx.today:
        plan.refuse(number, "as_of", as_of, f"is after today ({ctx.today.isoformat()}); the windows must be over")
        return None
    # A blank window cell is a window the row does not give (a SKU younger than nine months).
    totals = [(name, found, values[name]) for name, found in windows.items() if name in values]
    if not totals:
        plan.refuse(number, next(iter(windows)), "", f"required: a total in at least one of {', '.join(windows)}")
        return None
    try:
        cut = periods.disjoint_periods(as_of, totals)
    except WindowError as exc:
        plan.refuse(number, exc.column, exc.value, str(exc))
        return None
    return [_Piece((p.start, p.end), p.qty, KEEP, p.column, values[p.column]) for p in cut]


def _fits(plan: Plan, number: int, pieces: list[_Piece], in_file: PeriodIndex, stored: PeriodIndex | None) -> bool:
    """Whether no piece overlaps an earlier row's period or a stored one (other than identically); else refuse."""
    for piece in pieces:
        shown = periods.shown_period(piece.period)
        clash = in_file.overlapping(piece.period)
        if clash is not None:
            other, row = clash
            reason = (
                f"repeats row {row}: the same period {shown}; each period may appear once per file"
                if other == piece.period
                else f"{shown} overlaps {periods.shown_period(other)} of row {row}; "
                "the periods of one SKU and warehouse may not overlap"
            )
            plan.refuse(number, piece.column, piece.value, reason)
            return False
        clash = stored.overlapping(piece.period) if stored is not None else None
        if clash is not None and clash[0] != piece.period:
            other, record = clash
            plan.refuse(
                number,
                piece.column,
                piece.value,
                f"{shown} overlaps the stored period {periods.shown_period(other)} ({record.qty} units, "
                f"from {record.source}); the periods of one SKU and warehouse may not overlap, and only the "
                "identical period can be imported again (it replaces the stored total)",
            )
            return False
    return True


def _book(ctx: Context, plan: Plan, piece: _Piece, pair: tuple[int, int], current: Any) -> str:
    """Plan the insert or update of one period; returns its outcome."""
    if current is None:
        days_out = None if piece.days_out is KEEP else piece.days_out
        plan.data["new"].append(
            {
                "product_id": pair[0],
                "warehouse_id": pair[1],
                "period_start": piece.period[0],
                "period_end": piece.period[1],
                "qty": piece.qty,
                "days_out_of_stock": days_out,
                "source": ctx.file_name[:200],
                "imported_at": ctx.now,
            }
        )
        return NEW
    changed: dict[str, Any] = {}
    if current.qty != piece.qty:
        changed["qty"] = piece.qty
    if piece.days_out is not KEEP and current.days_out_of_stock != piece.days_out:
        changed["days_out_of_stock"] = piece.days_out
    if not changed:
        return UNCHANGED
    plan.data["changes"].append((current.id, changed | {"source": ctx.file_name[:200], "imported_at": ctx.now}))
    return UPDATE


def _stored(session, product_ids: set[int]) -> tuple[dict[tuple, Any], dict[tuple[int, int], PeriodIndex]]:
    """The stored periods of these products: by (product, warehouse, start, end), and indexed per pair."""
    columns = (
        SalesPeriod.id,
        SalesPeriod.product_id,
        SalesPeriod.warehouse_id,
        SalesPeriod.period_start,
        SalesPeriod.period_end,
        SalesPeriod.qty,
        SalesPeriod.days_out_of_stock,
        SalesPeriod.source,
    )
    found: dict[tuple, Any] = {}
    indexes: dict[tuple[int, int], PeriodIndex] = defaultdict(PeriodIndex)
    session.flush()
    for query in restricted(select(*columns), SalesPeriod.product_id, product_ids):
        for row in session.connection().execute(query):
            if row.product_id in product_ids:
                found[(row.product_id, row.warehouse_id, row.period_start, row.period_end)] = row
                indexes[(row.product_id, row.warehouse_id)].add((row.period_start, row.period_end), row)
    return found, indexes


def write_sales_periods(ctx: Context, plan: Plan) -> None:
    """Remove the totals a newer snapshot replaces, insert the new periods and replace the changed totals."""
    replaced = plan.data["replaced"]
    for start in range(0, len(replaced), 500):
        ctx.session.execute(delete(SalesPeriod).where(SalesPeriod.id.in_(replaced[start : start + 500])))
    insert_new(ctx.session, SalesPeriod.__table__, plan.data["new"])
    update_existing(ctx.session, SalesPeriod.__table__, plan.data["changes"], ctx.now)
