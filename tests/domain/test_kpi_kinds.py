"""The KPI table: a known answer for every formula, and the rules every KPI kind keeps.

Every kind has a definition, a formula that computes from exactly the counters it declares, and one
section; the ones on /kpis word a detail line. The page tests check the other half: that every kind
of the table is rendered on its page.
"""

import math
import string
import typing

import pytest

from dashboard.domain import kpi_kinds as kk
from dashboard.domain.kpi_spec import Better, Reading, Unit

ALL = list(kk.KPIS.values())
PAGES = {section.key: section.page for section in kk.SECTIONS}
ON_KPIS_PAGE = [kpi for kpi in ALL if PAGES.get(kpi.section) == "/kpis"]


def known_sums(kpi) -> tuple[dict[str, float], dict[str, list[tuple[float, float]]]]:
    """Distinct positive amounts for every counter the KPI declares, and a histogram for each it reads."""
    sums = {name: 3.0 + index for index, name in enumerate(kpi.formula.reads)}
    return sums, {name: [(-1.0, 1.0), (2.0, 2.0), (5.0, 1.0)] for name in kpi.basis.histograms}


class TestKnownAnswers:
    def test_order_line_kpis(self):
        sums = {
            "lines_ordered": 10,
            "units_ordered": 40,
            "lines_first_pass": 6,
            "units_first_pass": 20,
            "lines_backordered": 3,
            "lines_shipped": 8,
            "shipped_on_time_original": 6,
            "shipped_on_time_current": 7,
            "backorders_shipped": 2,
            "backorders_cancelled": 1,
            "backorder_wait_days": 18,
        }
        assert kk.compute(kk.LINES, sums) == {
            "fill_rate_lines": 0.6,
            "fill_rate_units": 0.5,
            "backorder_rate": 0.3,
            "otif_original": 0.75,
            "otif_current": 0.875,
            "cancellation_rate": 1 / 3,
            "backorder_wait": 9.0,
        }

    def test_stock_kpis(self):
        stock = {"sku_days": 100, "sku_days_out": 5, "inventory_value": 10_000.0, "lost_sales_value": 250.0}
        out = kk.compute(kk.STOCK, kk.stock_sums(stock, closed_days=10, cogs=2_000.0, notify_value=50.0))
        assert out["stockout_rate"] == 0.05
        assert out["lost_sales"] == 300.0
        assert out["inventory_value"] == 1_000.0  # average over the 10 days
        assert out["turnover"] == pytest.approx(2.0 * 365 / 10)
        assert out["days_of_supply"] == 5.0  # 1,000 of stock at 200 a day

    def test_stock_kpis_without_a_closed_day(self):
        out = kk.compute(kk.STOCK, kk.stock_sums({}, closed_days=0, cogs=0.0, notify_value=0.0))
        assert set(out.values()) == {None}
        # Notify-me demand is counted even before a day has closed.
        assert kk.compute(kk.STOCK, kk.stock_sums({}, 0, 0.0, 40.0))["lost_sales"] == 40.0

    def test_supplier_kpis(self):
        sums = {
            "pos": 4,
            "pos_on_time": 3,
            "pos_revised": 1,
            "lead_days": 40,
            "lead_days_sq": 10**2 + 8**2 + 12**2 + 10**2,
            "units_ordered": 100,
            "units_on_time": 90,
            "pos_confirmed": 5,
            "confirm_days": 7.5,
            "pos_confirmed_as_sent": 4,
        }
        out = kk.compute(kk.SUPPLIERS, sums, {"delay_days": [(-1, 1), (0, 2), (6, 1)]})
        assert out["on_time_receipt"] == 0.75
        assert out["mean_delay"] == 1.25
        assert out["p80_delay"] == 6
        assert out["mean_lead_time"] == 10
        assert out["lead_time_sd"] == pytest.approx(math.sqrt(8 / 3))
        assert out["eta_revised_share"] == 0.25
        assert out["supplier_fill_rate"] == 0.9
        assert out["confirmation_days"] == 1.5
        assert out["confirmed_as_sent"] == 0.8

    def test_the_detail_lines_word_what_each_rate_is_of(self):
        sums = {"lines_ordered": 1234.0, "backorders_shipped": 2.0, "backorders_cancelled": 1.0}
        assert kk.KPIS["fill_rate_lines"].describe(sums) == "of 1,234 lines ordered"
        assert kk.KPIS["cancellation_rate"].describe(sums) == "of 3 backordered lines closed"
        worded = kk.KPIS["lost_sales"].describe(sums, through="through 22 Nov 2026", notify="incl.")
        assert worded == "stock through 22 Nov 2026; notify-me incl."


@pytest.mark.parametrize("kpi", ALL, ids=[kpi.key for kpi in ALL])
class TestEveryKind:
    def test_it_has_a_definition_a_unit_and_a_good_direction(self, kpi):
        assert kpi.definition.label and kpi.definition.text.endswith(".")
        assert kk.DEFINITIONS[kpi.key] is kpi.definition
        assert kpi.unit in typing.get_args(Unit) and kpi.better in typing.get_args(Better)

    def test_its_formula_computes_from_exactly_the_counters_it_declares(self, kpi):
        sums, histograms = known_sums(kpi)
        reading = Reading(kpi.formula.reads, sums, histograms)
        value = kpi.formula.compute(reading)
        assert value is not None and math.isfinite(value)
        # Reading an undeclared name raises; a declared one it never reads would be a stale declaration.
        assert reading.read == set(kpi.formula.reads)
        assert set(kpi.formula.base) <= set(kpi.formula.reads)

    def test_the_extras_and_histograms_it_reads_are_those_of_its_basis(self, kpi):
        special = {name for basis in kk.BASES for name in (*basis.extras, *basis.histograms)}
        assert {name for name in kpi.formula.reads if name in special} <= {*kpi.basis.extras, *kpi.basis.histograms}
        assert kpi.basis in kk.BASES

    def test_it_is_in_exactly_one_section(self, kpi):
        holding = [section.key for section in kk.SECTIONS if kpi in kk.in_section(section.key)]
        assert holding == [kpi.section]


@pytest.mark.parametrize("kpi", ON_KPIS_PAGE, ids=[kpi.key for kpi in ON_KPIS_PAGE])
def test_a_kpi_on_the_kpis_page_words_a_detail_line_from_known_fields(kpi):
    assert kpi.detail, "a /kpis card needs a detail line"
    fields = {field for _, field, _, _ in string.Formatter().parse(kpi.detail) if field}
    assert fields <= {"base", "through", "notify"}
    assert kpi.describe(known_sums(kpi)[0], through="through 1 Nov", notify="incl.")


class TestSectionsAndViews:
    def test_sections_have_distinct_keys_and_each_holds_a_kpi(self):
        keys = [section.key for section in kk.SECTIONS]
        assert len(keys) == len(set(keys))
        assert all(kk.in_section(key) for key in keys)

    def test_the_kpis_page_shows_its_sections_in_order(self):
        assert [section.title for section in kk.sections_on("/kpis")] == ["Orders", "Promises", "Stock"]

    def test_breakdown_columns_are_kpis_of_the_kpis_page_with_distinct_headers(self):
        columns = kk.breakdown_kpis()
        assert [kpi.breakdown for kpi in columns] == [
            "Fill rate",
            "Backorder rate",
            "OTIF orig.",
            "Cancelled",
            "Stockout",
            "Lost sales",
            "Inventory",
        ]
        assert all(kpi in ON_KPIS_PAGE for kpi in columns)

    def test_breakdown_columns_need_no_cost_of_goods(self):
        # The breakdown has no cost of goods per member over the closed days (the report passes 0).
        assert all(kk.COGS_CLOSED not in kpi.formula.reads for kpi in kk.breakdown_kpis())

    def test_overview_cards_in_order(self):
        assert [kpi.overview.title for kpi in kk.overview_kpis()] == [
            "First-pass fill rate (lines)",
            "Backorder rate",
            "Promise adherence (original promise)",
            "On-time receipt",
        ]

    def test_an_overview_card_has_the_kpis_own_name(self):
        """Issue 22: one name, one definition: the Overview said "Shipped by first promise" for /kpis' adherence."""
        assert all(kpi.overview.title == kpi.label for kpi in kk.overview_kpis())

    def test_notes_are_definitions_of_numbers_that_are_not_kinds(self):
        assert not set(kk.NOTES) & set(kk.KPIS)
        assert set(kk.DEFINITIONS) == set(kk.KPIS) | set(kk.NOTES)


class TestTargets:
    """Colour means good / watch / bad against a stated threshold, in the KPI's good direction (docs/ui.md)."""

    @pytest.mark.parametrize(
        ("key", "value", "expected"),
        [
            ("fill_rate_lines", 0.96, "good"),
            ("fill_rate_lines", 0.95, "good"),
            ("fill_rate_lines", 0.90, "watch"),
            ("fill_rate_lines", 0.80, "bad"),
            ("backorder_rate", 0.04, "good"),
            ("backorder_rate", 0.10, "watch"),
            ("backorder_rate", 0.20, "bad"),
            ("confirmation_days", 1.5, "good"),
            ("confirmation_days", 6.0, "bad"),
            ("fill_rate_lines", None, None),
            ("inventory_value", 1e6, None),  # money in stock: no good or bad by itself
        ],
    )
    def test_a_value_is_judged_by_its_kpis_target_and_direction(self, key, value, expected):
        assert kk.KPIS[key].judge(value) == expected

    def test_every_share_target_is_a_share_and_good_is_on_the_good_side_of_bad(self):
        for kpi in kk.KPIS.values():
            if kpi.target is None:
                continue
            good, bad = kpi.target.good, kpi.target.bad
            assert (good > bad) if kpi.better == "up" else (good < bad), kpi.key
            if kpi.unit == "share":
                assert 0 <= bad <= 1 and 0 <= good <= 1, kpi.key

    def test_every_overview_kpi_has_a_target(self):
        assert all(kpi.target is not None for kpi in kk.overview_kpis())
