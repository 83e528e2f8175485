"""Page tests run against the demo app, whose database already has its metrics (as a first start)."""

import dataclasses

import pytest

from dashboard.domain import kpi_kinds
from dashboard.domain.kpi_spec import Definition, Kpi, ratio_of


@pytest.fixture
def app(demo_app):
    """The demo app under its short name."""
    return demo_app


@pytest.fixture
def add_kpi(monkeypatch):
    """Add a KPI kind to the domain's table for one test, as a developer would: one entry, nothing else.

    By default a units backorder rate from counters that exist, in the Orders section with a breakdown
    column; keyword arguments change any field of the :class:`~dashboard.domain.kpi_spec.Kpi`.
    """

    def add(**changes) -> Kpi:
        kpi = Kpi(
            "units_backorder_rate",
            Definition("Backorder rate (units)", "Units on lines that went on backorder ÷ units ordered."),
            unit="share",
            better="down",
            basis=kpi_kinds.LINES,
            formula=ratio_of("units_backordered", "units_ordered"),
            section="orders",
            detail="of {base:,.0f} units ordered",
            breakdown="Units b/o",
        )
        kpi = dataclasses.replace(kpi, **changes)
        monkeypatch.setitem(kpi_kinds.KPIS, kpi.key, kpi)
        monkeypatch.setitem(kpi_kinds.DEFINITIONS, kpi.key, kpi.definition)
        return kpi

    return add
