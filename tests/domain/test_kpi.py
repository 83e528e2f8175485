"""KPI counters and arithmetic: what one line adds to the counters, and the ratios, quantiles and spreads."""

import datetime as dt
import math

import pytest

from dashboard.domain import kpi

D = dt.date(2026, 11, 2)


def facts(**changes) -> kpi.LineFacts:
    base = {
        "warehouse_id": 1,
        "category": "Tools",
        "supplier_id": 3,
        "ordered_on": D,
        "qty": 4,
        "unit_price": 10.0,
        "unit_cost": 6.0,
        "backordered_on": None,
        "shipped_on": None,
        "cancelled_on": None,
        "qty_shipped": 0,
        "original_promised_date": D + dt.timedelta(days=2),
        "promised_date": D + dt.timedelta(days=2),
    }
    return kpi.LineFacts(**(base | changes))


class TestLineContribution:
    def test_an_open_line_counts_only_as_ordered(self):
        assert kpi.line_contribution(facts()) == [
            (D, {"lines_ordered": 1, "units_ordered": 4, "revenue_ordered": 40.0})
        ]

    def test_a_line_shipped_complete_from_stock_is_a_first_pass_fill_on_its_order_day(self):
        shipped = D + dt.timedelta(days=1)
        out = dict(kpi.line_contribution(facts(shipped_on=shipped, qty_shipped=4)))
        assert out[D]["lines_first_pass"] == 1 and out[D]["units_first_pass"] == 4
        assert out[shipped] == {
            "lines_shipped": 1,
            "units_shipped": 4,
            "revenue_shipped": 40.0,
            "cogs_shipped": 24.0,
            "shipped_on_time_original": 1,
            "shipped_on_time_current": 1,
        }

    def test_a_backordered_line_is_never_a_first_pass_fill_and_reports_its_wait(self):
        shipped = D + dt.timedelta(days=9)
        line = facts(
            backordered_on=D,
            shipped_on=shipped,
            qty_shipped=4,
            original_promised_date=D + dt.timedelta(days=7),
            promised_date=D + dt.timedelta(days=10),
        )
        out = dict(kpi.line_contribution(line))
        assert "lines_first_pass" not in out[D]
        assert out[D]["lines_backordered"] == 1 and out[D]["units_backordered"] == 4
        # Late against the first promise, on time against the revised one.
        assert out[shipped]["shipped_on_time_original"] == 0
        assert out[shipped]["shipped_on_time_current"] == 1
        assert out[shipped]["backorders_shipped"] == 1 and out[shipped]["backorder_wait_days"] == 9

    def test_a_cancelled_backorder_counts_on_its_cancel_day(self):
        cancelled = D + dt.timedelta(days=3)
        out = dict(kpi.line_contribution(facts(backordered_on=D, cancelled_on=cancelled)))
        assert out[cancelled] == {"lines_cancelled": 1, "backorders_cancelled": 1}

    def test_a_line_without_a_promise_is_never_on_time(self):
        out = dict(kpi.line_contribution(facts(shipped_on=D, qty_shipped=4, original_promised_date=None)))
        assert out[D]["shipped_on_time_original"] == 0


class TestLineDelta:
    def test_shipping_moves_only_what_changed(self):
        before = facts()
        after = facts(shipped_on=D, qty_shipped=4)
        delta = kpi.line_delta(before, after)
        key = (D, 1, "Tools", 3)
        assert delta[key]["lines_shipped"] == 1 and delta[key]["lines_first_pass"] == 1
        assert "lines_ordered" not in delta[key]

    def test_an_unchanged_line_writes_nothing(self):
        assert kpi.line_delta(facts(), facts()) == {}

    def test_a_new_line_adds_its_whole_contribution(self):
        assert kpi.line_delta(None, facts()) == {(D, 1, "Tools", 3): kpi.line_contribution(facts())[0][1]}


class TestFormulas:
    def test_ratio_is_none_without_a_denominator(self):
        assert kpi.ratio(3, 4) == 0.75
        assert kpi.ratio(0, 0) is None

    def test_histogram_quantile(self):
        # Delays 0,0,1,2,2,2,3,5,8,10 → P80 is the 8th of 10 → 5.
        counts = [(0, 2), (1, 1), (2, 3), (3, 1), (5, 1), (8, 1), (10, 1)]
        assert kpi.histogram_quantile(counts, 0.8) == 5
        assert kpi.histogram_quantile(counts, 0.5) == 2
        assert kpi.histogram_quantile([], 0.8) is None

    def test_histogram_median_averages_the_two_middle_values(self):
        assert kpi.histogram_median([(5, 1), (1, 1), (3, 1)]) == 3
        assert kpi.histogram_median([(1, 2), (9, 2)]) == 5
        # The 0.5 quantile is the lower middle value instead: the two are not interchangeable.
        assert kpi.histogram_quantile([(1, 2), (9, 2)], 0.5) == 1

    def test_histogram_median_ignores_empty_bins(self):
        assert kpi.histogram_median([(4, 0)]) is None
        assert kpi.histogram_median([(2, 0), (7, 1), (30, 0)]) == 7

    def test_spread_is_the_sample_standard_deviation(self):
        values = [10, 12, 15, 19]
        n, total, total_sq = len(values), sum(values), sum(v * v for v in values)
        mean = total / n
        expected = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
        assert kpi.spread(n, total, total_sq) == pytest.approx(expected)
        assert kpi.spread(1, 10, 100) is None

    def test_previous_period_has_the_same_length(self):
        assert kpi.previous_period(dt.date(2026, 11, 1), dt.date(2026, 11, 14)) == (
            dt.date(2026, 10, 18),
            dt.date(2026, 10, 31),
        )

    def test_week_start_is_monday(self):
        assert kpi.week_start(dt.date(2026, 11, 27)) == dt.date(2026, 11, 23)
