"""Named query helpers (like InvenTree's ``part/filters.py``): each filter is written once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Date, Float, Integer, Select, and_, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from dashboard.db.models import OrderLine, PurchaseOrder, StockLevel
from dashboard.domain.codes import CLOSED_LINE_STATUSES, OPEN_PO_STATUSES, WAITING_LINE_STATUSES


def line_is_waiting() -> ColumnElement[bool]:
    """The line waits for stock (it is in an allocation queue)."""
    return OrderLine.status.in_(WAITING_LINE_STATUSES)


def line_is_open() -> ColumnElement[bool]:
    """The line is neither shipped nor cancelled."""
    return OrderLine.status.not_in(CLOSED_LINE_STATUSES)


def line_past_promise(today: dt.date) -> ColumnElement[bool]:
    """The line is still open and its current promised date is before ``today``."""
    return and_(line_is_open(), OrderLine.promised_date < today)


def po_is_open() -> ColumnElement[bool]:
    """The purchase order still has something to receive."""
    return PurchaseOrder.status.in_(OPEN_PO_STATUSES)


def po_past_eta(today: dt.date) -> ColumnElement[bool]:
    """The purchase order is open and its ETA is before ``today``."""
    return and_(po_is_open(), PurchaseOrder.eta < today)


def available_by_product() -> Select:
    """Per product: units on hand not reserved for orders, over all warehouses."""
    return select(
        StockLevel.product_id, func.sum(StockLevel.on_hand - StockLevel.allocated).label("available")
    ).group_by(StockLevel.product_id)


class utc_day(FunctionElement):  # noqa: N801 - reads like the SQL function it renders
    """The calendar day (UTC) of a stored timestamp, as a DATE on PostgreSQL and 'YYYY-MM-DD' on SQLite."""

    type = Date()
    inherit_cache = True


@compiles(utc_day)
def _utc_day_default(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


class days_between(FunctionElement):  # noqa: N801 - reads like the SQL function it renders
    """Fractional days from the second timestamp to the first, computed in the database."""

    type = Float()
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})) / 86400.0)"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}))"


class day_diff(FunctionElement):  # noqa: N801 - reads like the SQL function it renders
    """Whole days from the second DATE to the first (negative when the first is earlier)."""

    type = Integer()
    inherit_cache = True


@compiles(day_diff)
def _day_diff_default(element: day_diff, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    # PostgreSQL: date − date is already an integer number of days.
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(day_diff, "sqlite")
def _day_diff_sqlite(element: day_diff, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"CAST(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
