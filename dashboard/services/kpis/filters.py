"""The /kpis filters: what they may choose from and how raw browser values are validated.

Dates must be real dates in order within :data:`MAX_RANGE_DAYS`; warehouse and supplier ids and the
category must come from :func:`filter_options`, so forged values stop here with a :class:`InputError`
whose message says which value and why. Used by :mod:`dashboard.services.kpi_report` and the page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import Product, Supplier, Warehouse
from dashboard.domain import dates, inputs
from dashboard.domain.inputs import InputError
from dashboard.domain.kpi import previous_period, week_start

DEFAULT_WEEKS = 13
MAX_RANGE_DAYS = 3 * 365 + 1
EARLIEST = dt.date(2000, 1, 1)
DIMENSIONS = {"warehouse": "Warehouse", "category": "Category", "supplier": "Supplier"}
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T00:00:00)?")


def default_range(today: dt.date, weeks: int = DEFAULT_WEEKS) -> tuple[dt.date, dt.date]:
    """The last ``weeks`` full ISO weeks before today's week (a Monday to last Sunday)."""
    end = week_start(today) - dt.timedelta(days=1)
    return end - dt.timedelta(weeks=weeks) + dt.timedelta(days=1), end


@dataclass(frozen=True)
class FilterOptions:
    """What the filters may choose from: ``{id: label}`` for warehouses and suppliers, category names."""

    warehouses: dict[int, str]
    categories: tuple[str, ...]
    suppliers: dict[int, str]

    def dropdowns(self) -> dict[str, list[dict[str, Any]]]:
        """Dash dropdown options."""
        return {
            "warehouse": [{"label": label, "value": key} for key, label in self.warehouses.items()],
            "category": [{"label": name, "value": name} for name in self.categories],
            "supplier": [{"label": label, "value": key} for key, label in self.suppliers.items()],
            "dimension": [{"label": label, "value": key} for key, label in DIMENSIONS.items()],
        }


def filter_options(session: Session) -> FilterOptions:
    """Warehouses, categories and suppliers that exist (the only values the filters accept)."""
    warehouses = session.execute(select(Warehouse.id, Warehouse.code, Warehouse.name).order_by(Warehouse.code))
    categories = session.scalars(select(Product.category).distinct().order_by(Product.category))
    suppliers = session.execute(select(Supplier.id, Supplier.name).order_by(Supplier.name))
    return FilterOptions(
        {wid: f"{code} · {name}" for wid, code, name in warehouses},
        tuple(categories),
        dict(suppliers.all()),
    )


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_date(value: object, name: str, fallback: dt.date) -> dt.date:
    if value is None or value == "":
        return fallback
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    try:
        if match is None:
            raise ValueError
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise InputError(f"The {name} date must be a date like 2026-11-27, not {_shown(value)}.") from None


def _parse_id(value: object, name: str, allowed: Mapping[int, str]) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = inputs.integer(value, name)
    except InputError:
        number = None
    if number is None or number not in allowed:
        raise InputError(f"Choose the {name} from the list; {_shown(value)} is not one of them.")
    return number


@dataclass(frozen=True)
class KpiFilters:
    """The page's filters, validated: real dates in order, and only ids and names from the option lists."""

    start: dt.date
    end: dt.date
    warehouse_id: int | None = None
    category: str | None = None
    supplier_id: int | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any], options: FilterOptions, today: dt.date) -> KpiFilters:
        """Validate raw values (``start``, ``end``, ``warehouse_id``, ``category``, ``supplier_id``).

        A missing date falls back to the default range; anything else wrong raises :class:`InputError`.
        """
        default_start, default_end = default_range(today)
        start = _parse_date(raw.get("start"), "start", default_start)
        end = _parse_date(raw.get("end"), "end", default_end)
        if start > end:
            raise InputError(f"The start date ({dates.day(start)}) is after the end date ({dates.day(end)}).")
        if end > today:
            raise InputError(f"The end date ({dates.day(end)}) is in the future; the latest allowed is today.")
        if start < EARLIEST:
            raise InputError(f"The start date must be on or after {dates.day(EARLIEST)}.")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise InputError("Choose a range of at most 3 years.")
        category = raw.get("category")
        if category in (None, ""):
            category = None
        elif not isinstance(category, str) or category not in options.categories:
            raise InputError(f"Choose the category from the list; {_shown(category)} is not one of them.")
        return cls(
            start,
            end,
            _parse_id(raw.get("warehouse_id"), "warehouse", options.warehouses),
            category,
            _parse_id(raw.get("supplier_id"), "supplier", options.suppliers),
        )

    @property
    def days(self) -> int:
        """Days in the range, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> tuple[dt.date, dt.date]:
        """The period of equal length just before the range (deltas compare with it)."""
        return previous_period(self.start, self.end)


def parse_dimension(value: object) -> str:
    """The breakdown dimension (warehouse, category or supplier)."""
    if not isinstance(value, str) or value not in DIMENSIONS:
        raise InputError(f"Break down by one of: {', '.join(DIMENSIONS)}; not {_shown(value)}.")
    return value
