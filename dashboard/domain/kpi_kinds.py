"""Every KPI kind of design §5, defined once: its words, unit, good direction, formula and place on the pages.

:data:`KPIS` is the table. Each :class:`Kpi` says what its number means (:class:`Definition`, shown in
the ⓘ popovers and header tooltips), how it reads (``unit``) and which way is good (``better``), what
it is computed from (a :class:`Basis`: one counter table summed over the chosen days) and how (a
:class:`Formula` that declares the counters it reads), and where it is shown: its :class:`Section`,
its ``detail`` line on a /kpis card, its column in the /kpis breakdown, its card on the Overview.
The report, the /kpis cards and breakdown, the Overview cards and the supplier scorecard all compute
and word KPIs from this table. What still names KPIs by key outside it is presentation that a new KPI
does not need: the trend charts' series and colours, the scorecard's tuned columns and its five cards.

What a new KPI touches:

- **computed from counters that exist**: its :class:`Kpi` entry in :data:`KPIS` and its known answer
  in ``tests/domain/test_kpi_kinds.py``. On /kpis it gets a card, popover and detail line in its
  section, a breakdown column when it has a ``breakdown`` header, an Overview card when it has an
  ``overview`` card (Overview cards sum the order-line or supplier counters only); in the supplier
  section, a scorecard column in its unit's format with its definition.
- **needing a new counter**, in addition: the column in ``dashboard/db/models/kpi.py`` and its
  migration, and the code that fills it, once per event and once in bulk (a test holds the two to
  agreeing): for ``kpi_daily``, :func:`dashboard.domain.kpi.line_contribution` and ``_line_frames`` in
  ``dashboard/services/kpis/rebuild.py``; for ``kpi_supplier_daily``, ``po_completed`` in
  ``dashboard/services/kpis/events.py`` and ``_supplier_frame`` in the rebuild; for
  ``kpi_stock_daily``, the sweep in ``dashboard/services/kpis/snapshots.py``, which serves both.
  The report and the scorecard sum every counter column of their tables, so they need no change.

The shapes (:class:`~dashboard.domain.kpi_spec.Kpi` and the rest) are in :mod:`dashboard.domain.kpi_spec`.
Page tests render every KPI of this table and fail when one is missing from its page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dashboard.domain.kpi import histogram_quantile, ratio, spread
from dashboard.domain.kpi_spec import (
    Basis,
    Card,
    Definition,
    Formula,
    Histogram,
    Kpi,
    Reading,
    Section,
    Target,
    ratio_of,
)

# Amounts the stock basis has beside the kpi_stock_daily counters.
CLOSED_DAYS = "closed_days"  # closed days in the range: stock counters exist for those only
COGS_CLOSED = "cogs_closed"  # cost of goods shipped on those closed days (kpi_daily.cogs_shipped)
NOTIFY_VALUE = "notify_value"  # notify-me demand taken in the range (kpi_notify_daily.value)


LINES = Basis("lines", "kpi_daily")
STOCK = Basis("stock", "kpi_stock_daily", extras=(CLOSED_DAYS, COGS_CLOSED, NOTIFY_VALUE))
SUPPLIERS = Basis("suppliers", "kpi_supplier_daily", histograms=("delay_days",))
BASES = (LINES, STOCK, SUPPLIERS)


SECTIONS = (
    Section("orders", "Orders", "/kpis", "bi-cart-check"),
    Section("promises", "Promises", "/kpis", "bi-calendar-check"),
    Section("stock", "Stock", "/kpis", "bi-box-seam", "info"),
    Section("suppliers", "Supplier scorecard", "/suppliers"),
)


# ---- formulas that are more than a ratio ----------------------------------------------------------


def _lost_sales(c: Reading) -> float | None:
    return c["lost_sales_value"] + c[NOTIFY_VALUE] if c[CLOSED_DAYS] or c[NOTIFY_VALUE] else None


def _turnover(c: Reading) -> float | None:
    turnover = ratio(c[COGS_CLOSED], ratio(c["inventory_value"], c[CLOSED_DAYS]))
    return turnover * 365 / c[CLOSED_DAYS] if turnover is not None and c[CLOSED_DAYS] else None


def _days_of_supply(c: Reading) -> float | None:
    return ratio(ratio(c["inventory_value"], c[CLOSED_DAYS]), ratio(c[COGS_CLOSED], c[CLOSED_DAYS]))


def _lead_time_sd(c: Reading) -> float | None:
    return spread(c["pos"], c["lead_days"], c["lead_days_sq"])


def _mean_delay(c: Reading) -> float | None:
    return ratio(sum(value * count for value, count in c.histogram("delay_days")), c["pos"])


_STOCK_DETAIL = "closed days {through}"
_SUPPLIER_DELAY = Definition(
    "Delay (mean and P80)",
    "Day received minus the original ETA, over purchase orders completed in the period; negative is early. "
    "P80: 80 % of purchase orders arrived no later than this.",
)
_LEAD_TIME = Definition(
    "Lead time and its spread",
    "Days from placing the purchase order to receiving it complete: mean and standard deviation.",
)


# ---- the table ------------------------------------------------------------------------------------
# In this order the /kpis sections list their cards, the breakdown its columns, the Overview its cards.

_TABLE = (
    Kpi(
        "fill_rate_lines",
        Definition(
            "First-pass fill rate (lines)",
            "Order lines shipped complete from stock, never put on backorder ÷ order lines ordered. "
            "Counted on the day the line was ordered; lines still waiting to ship count as not filled yet.",
        ),
        unit="share",
        better="up",
        basis=LINES,
        formula=ratio_of("lines_first_pass", "lines_ordered"),
        section="orders",
        detail="of {base:,.0f} lines ordered",
        breakdown="Fill rate",
        overview=Card("First-pass fill rate (lines)", "bi-check2-circle"),
        target=Target(0.95, 0.85),
    ),
    Kpi(
        "fill_rate_units",
        Definition(
            "First-pass fill rate (units)",
            "Units on lines shipped complete from stock without a backorder ÷ units ordered, by order day.",
        ),
        unit="share",
        better="up",
        basis=LINES,
        formula=ratio_of("units_first_pass", "units_ordered"),
        section="orders",
        detail="of {base:,.0f} units ordered",
        target=Target(0.95, 0.85),
    ),
    Kpi(
        "backorder_rate",
        Definition("Backorder rate", "Order lines that went on backorder ÷ order lines ordered, by order day."),
        unit="share",
        better="down",
        basis=LINES,
        formula=ratio_of("lines_backordered", "lines_ordered"),
        section="orders",
        detail="of {base:,.0f} lines ordered",
        breakdown="Backorder rate",
        overview=Card("Backorder rate", "bi-hourglass"),
        target=Target(0.05, 0.15),
    ),
    Kpi(
        "otif_original",
        Definition(
            "Promise adherence (original promise)",
            "Lines shipped in full on or before the date first promised to the customer ÷ lines shipped, "
            "by ship day. Revising a promise never improves this number.",
        ),
        unit="share",
        better="up",
        basis=LINES,
        formula=ratio_of("shipped_on_time_original", "lines_shipped"),
        section="promises",
        detail="of {base:,.0f} lines shipped",
        breakdown="OTIF orig.",
        overview=Card("Promise adherence (original promise)", "bi-calendar-check"),
        target=Target(0.95, 0.85),
    ),
    Kpi(
        "otif_current",
        Definition(
            "Promise adherence (current promise)",
            "Lines shipped in full on or before their latest promised date ÷ lines shipped, by ship day.",
        ),
        unit="share",
        better="up",
        basis=LINES,
        formula=ratio_of("shipped_on_time_current", "lines_shipped"),
        section="promises",
        detail="of {base:,.0f} lines shipped",
        target=Target(0.95, 0.85),
    ),
    Kpi(
        "cancellation_rate",
        Definition(
            "Backorder cancellation rate",
            "Backordered lines cancelled ÷ backordered lines closed (shipped or cancelled), by the day they closed.",
        ),
        unit="share",
        better="down",
        basis=LINES,
        formula=ratio_of("backorders_cancelled", "backorders_shipped", "backorders_cancelled"),
        section="orders",
        detail="of {base:,.0f} backordered lines closed",
        breakdown="Cancelled",
        target=Target(0.05, 0.15),
    ),
    Kpi(
        "backorder_wait",
        Definition(
            "Average backorder wait",
            "Days from going on backorder to shipping, averaged over backordered lines shipped in the period.",
        ),
        unit="days",
        better="down",
        basis=LINES,
        formula=ratio_of("backorder_wait_days", "backorders_shipped"),
        section="promises",
        detail="over {base:,.0f} backordered lines shipped",
        target=Target(7, 21),
    ),
    Kpi(
        "stockout_rate",
        Definition(
            "Stockout rate",
            "SKU-days that ended with nothing on hand ÷ SKU-days, over closed days. A SKU counts from the day it "
            "was first stocked in a warehouse; discontinued SKUs stop counting. On hand is read from the stock "
            "movement ledger at the end of each UTC day.",
        ),
        unit="share",
        better="down",
        basis=STOCK,
        formula=ratio_of("sku_days_out", "sku_days"),
        section="stock",
        detail=_STOCK_DETAIL,
        breakdown="Stockout",
        target=Target(0.02, 0.08),
    ),
    Kpi(
        "lost_sales",
        Definition(
            "Lost-sales estimate",
            "For every SKU-day out of stock, the SKU's average daily demand × its price; plus the value of "
            "notify-me requests taken in the period. Demand rates are those of the latest metrics refresh.",
        ),
        unit="money",
        better="down",
        basis=STOCK,
        formula=Formula(("lost_sales_value", NOTIFY_VALUE, CLOSED_DAYS), _lost_sales),
        section="stock",
        detail="stock {through}; notify-me {notify}",
        breakdown="Lost sales",
    ),
    Kpi(
        "inventory_value",
        Definition("Inventory value", "Units on hand × unit cost, averaged over the closed days of the period."),
        unit="money",
        better="down",
        basis=STOCK,
        formula=ratio_of("inventory_value", CLOSED_DAYS),
        section="stock",
        detail=_STOCK_DETAIL,
        breakdown="Inventory",
    ),
    Kpi(
        "turnover",
        Definition(
            "Inventory turnover (annualised)",
            "Cost of goods shipped ÷ average inventory value, scaled to a year (× 365 ÷ days in the period).",
        ),
        unit="times",
        better="up",
        basis=STOCK,
        formula=Formula((COGS_CLOSED, "inventory_value", CLOSED_DAYS), _turnover),
        section="stock",
        detail=_STOCK_DETAIL,
    ),
    Kpi(
        "days_of_supply",
        Definition("Days of supply", "Average inventory value ÷ cost of goods shipped per day in the period."),
        unit="days",
        better="down",
        basis=STOCK,
        formula=Formula(("inventory_value", COGS_CLOSED, CLOSED_DAYS), _days_of_supply),
        section="stock",
        detail=_STOCK_DETAIL,
    ),
    Kpi(
        "on_time_receipt",
        Definition(
            "On-time receipt",
            "Purchase orders received complete on or before the ETA the supplier gave when the PO was placed "
            "÷ purchase orders received complete, by the day they completed.",
        ),
        unit="share",
        better="up",
        basis=SUPPLIERS,
        formula=ratio_of("pos_on_time", "pos"),
        section="suppliers",
        overview=Card("On-time receipt", "bi-truck"),
        target=Target(0.9, 0.75),
    ),
    Kpi(
        "mean_delay",
        _SUPPLIER_DELAY,
        unit="days",
        better="down",
        basis=SUPPLIERS,
        formula=Formula(("delay_days", "pos"), _mean_delay),
        section="suppliers",
        target=Target(1, 5),
    ),
    Kpi(
        "p80_delay",
        _SUPPLIER_DELAY,
        unit="days",
        better="down",
        basis=SUPPLIERS,
        formula=Formula(("delay_days",), lambda c: histogram_quantile(c.histogram("delay_days"), 0.8)),
        section="suppliers",
    ),
    Kpi(
        "mean_lead_time",
        _LEAD_TIME,
        unit="days",
        better="down",
        basis=SUPPLIERS,
        formula=ratio_of("lead_days", "pos"),
        section="suppliers",
    ),
    Kpi(
        "lead_time_sd",
        _LEAD_TIME,
        unit="days",
        better="down",
        basis=SUPPLIERS,
        formula=Formula(("pos", "lead_days", "lead_days_sq"), _lead_time_sd),
        section="suppliers",
    ),
    Kpi(
        "eta_revised_share",
        Definition(
            "ETA revised",
            "Purchase orders completed in the period whose ETA was revised at least once ÷ purchase orders completed.",
        ),
        unit="share",
        better="down",
        basis=SUPPLIERS,
        formula=ratio_of("pos_revised", "pos"),
        section="suppliers",
        target=Target(0.1, 0.3),
    ),
    Kpi(
        "supplier_fill_rate",
        Definition(
            "Supplier fill rate",
            "Units received by the original ETA ÷ units ordered, over purchase orders completed in the period.",
        ),
        unit="share",
        better="up",
        basis=SUPPLIERS,
        formula=ratio_of("units_on_time", "units_ordered"),
        section="suppliers",
        target=Target(0.95, 0.85),
    ),
    Kpi(
        "confirmation_days",
        Definition(
            "Confirmation time",
            "Days from sending a purchase order to the supplier's confirmation on its link, averaged over the "
            "confirmations that arrived in the period.",
        ),
        unit="days",
        better="down",
        basis=SUPPLIERS,
        formula=ratio_of("confirm_days", "pos_confirmed"),
        section="suppliers",
        target=Target(2, 5),
    ),
    Kpi(
        "confirmed_as_sent",
        Definition(
            "Confirmed as sent",
            "Confirmations that accepted the date the purchase order was sent with ÷ confirmations that arrived "
            "in the period (the rest proposed another date).",
        ),
        unit="share",
        better="up",
        basis=SUPPLIERS,
        formula=ratio_of("pos_confirmed_as_sent", "pos_confirmed"),
        section="suppliers",
        target=Target(0.9, 0.75),
    ),
)
# Every KPI kind by key, in the order above (the order the pages use).
KPIS: dict[str, Kpi] = {kpi.key: kpi for kpi in _TABLE}

# Explained on the pages beside numbers that are not computed from counters (read live, or a Pareto).
NOTES = {
    "open_backorders": Definition(
        "Open backorders",
        "Lines waiting for stock now: count, units and value (revenue secured but not yet delivered), "
        "with their age since going on backorder.",
    ),
    "delay_causes": Definition(
        "Delay causes",
        "Promise revisions in the period by cause code, largest first, with the cumulative share (a Pareto). "
        "Days added sums how far the revisions moved promises (earlier promises subtract).",
    ),
}
# Every definition a page shows, by the key of its KPI or note.
DEFINITIONS: dict[str, Definition] = {key: kpi.definition for key, kpi in KPIS.items()} | NOTES


# ---- reading the table --------------------------------------------------------------------------------


def section(key: str) -> Section:
    """The section named ``key`` (:class:`KeyError` when there is none)."""
    for found in SECTIONS:
        if found.key == key:
            return found
    raise KeyError(f"no KPI section {key!r}")


def sections_on(page: str) -> tuple[Section, ...]:
    """The sections of one page, in order."""
    return tuple(found for found in SECTIONS if found.page == page)


def in_section(key: str) -> tuple[Kpi, ...]:
    """The KPIs of a section, in table order."""
    return tuple(kpi for kpi in KPIS.values() if kpi.section == key)


def breakdown_kpis() -> tuple[Kpi, ...]:
    """The KPIs that are columns of the /kpis breakdown, in order."""
    return tuple(kpi for kpi in KPIS.values() if kpi.breakdown is not None)


def overview_kpis() -> tuple[Kpi, ...]:
    """The KPIs with a card on the Overview, in order."""
    return tuple(kpi for kpi in KPIS.values() if kpi.overview is not None)


def compute(
    basis: Basis,
    sums: Mapping[str, float],
    histograms: Mapping[str, Histogram] | None = None,
    only: Iterable[Kpi] | None = None,
) -> dict[str, float | None]:
    """Every KPI of ``basis`` (or those of ``only`` that are of it) from its summed counters."""
    chosen = KPIS.values() if only is None else tuple(only)
    return {kpi.key: kpi.value(sums, histograms) for kpi in chosen if kpi.basis == basis}


def stock_sums(stock: Mapping[str, float], closed_days: int, cogs: float, notify_value: float) -> dict[str, float]:
    """The stock basis: ``kpi_stock_daily`` sums over the closed days, and the amounts beside them.

    Args:
        stock: ``kpi_stock_daily`` counters summed over the closed days of the range.
        closed_days: How many closed days there are in the range.
        cogs: Cost of goods shipped on those closed days.
        notify_value: Value of the notify-me requests taken in the range.
    """
    return {**stock, CLOSED_DAYS: closed_days, COGS_CLOSED: cogs, NOTIFY_VALUE: notify_value}
