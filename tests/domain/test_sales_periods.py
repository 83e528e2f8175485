"""Sales periods: months, ISO weeks and window headers read; nested windows cut into disjoint periods."""

import datetime as dt

import pytest

from dashboard.domain import sales_periods as p
from dashboard.domain.sales_periods import DAYS, MONTHS, WEEKS, PeriodIndex, Window, WindowError

D = dt.date


class TestWindowHeaders:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("sold_last_1_month", Window(1, MONTHS)),
            ("units_sold_last_3_months", Window(3, MONTHS)),
            ("last_6_months", Window(6, MONTHS)),
            ("sold_9m", Window(9, MONTHS)),
            ("sales_9_month", Window(9, MONTHS)),  # the public snapshot's own naming
            ("Sales (last 30 days)", Window(30, DAYS)),
            ("qty_sold_4wk", Window(4, WEEKS)),
            ("Units sold, past 13 weeks", Window(13, WEEKS)),
            ("sold_last_month", Window(1, MONTHS)),
            ("L3M", Window(3, MONTHS)),
            ("sold last year", Window(12, MONTHS)),
        ],
    )
    def test_a_trailing_sales_window_is_recognised(self, header, expected):
        assert p.window(header) == expected

    @pytest.mark.parametrize(
        "header",
        [
            "forecast_3_month",  # beside the sales in the same snapshot: never sales
            "perf_6_month_avg",
            "month",
            "week",
            "days_out_of_stock",
            "pieces_past_due",
            "in_transit_qty",
            "sales",
            "lead_time",
            "sold_3_6_months",  # two numbers: not one trailing window
            "last_m",  # too little to go on
            "sold_last_0_months",
        ],
    )
    def test_other_columns_are_not_windows(self, header):
        assert p.window(header) is None


class TestPeriods:
    @pytest.mark.parametrize(
        "raw", ["2026-03", "2026-3", "2026/03", "Mar 2026", "March 2026", "mar-2026", "2026-03-01", "2026-03-17"]
    )
    def test_a_month_in_any_usual_spelling(self, raw):
        assert p.month_period(raw) == (D(2026, 3, 1), D(2026, 3, 31))

    def test_a_month_from_a_spreadsheet_date_cell_and_february_of_a_leap_year(self):
        assert p.month_period(dt.datetime(2028, 2, 1)) == (D(2028, 2, 1), D(2028, 2, 29))

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ("2026-13", "months run from 01 to 12"),
            ("Foo 2026", "is not a month"),
            ("2026-02-30", "is not a month"),
            ("1999-12", "outside 2000–2100"),
            ("March", "is not a month"),
        ],
    )
    def test_a_month_that_is_none_is_refused(self, raw, message):
        with pytest.raises(ValueError, match=message):
            p.month_period(raw)

    def test_iso_weeks_run_monday_to_sunday(self):
        assert p.week_period("2026-W09") == (D(2026, 2, 23), D(2026, 3, 1))
        assert p.week_period("2026w01") == (D(2025, 12, 29), D(2026, 1, 4))  # week 1 starts in the year before
        assert p.week_period("2026-W53") == (D(2026, 12, 28), D(2027, 1, 3))  # 2026 has 53 weeks

    @pytest.mark.parametrize(
        ("raw", "message"),
        [("2025-W53", "weeks 1 to 52"), ("2026-W00", "weeks 1 to 53"), ("2026-09", "not an ISO week")],
    )
    def test_a_week_that_is_none_is_refused(self, raw, message):
        with pytest.raises(ValueError, match=message):
            p.week_period(raw)

    def test_months_back_keep_the_day_or_take_the_month_s_last(self):
        assert p.months_before(D(2026, 3, 31), 1) == D(2026, 2, 28)
        assert p.months_before(D(2026, 5, 15), 6) == D(2025, 11, 15)
        assert p.months_before(D(2026, 1, 31), 13) == D(2024, 12, 31)


class TestDisjointPeriods:
    def test_nested_month_windows_become_the_month_and_the_differences_before_it(self):
        totals = [
            ("sold_9m", Window(9, MONTHS), 40),
            ("sold_1m", Window(1, MONTHS), 5),
            ("sold_6m", Window(6, MONTHS), 30),
            ("sold_3m", Window(3, MONTHS), 12),
        ]
        cut = p.disjoint_periods(D(2026, 3, 31), totals)
        assert [(x.start, x.end, x.qty, x.column) for x in cut] == [
            (D(2026, 3, 1), D(2026, 3, 31), 5, "sold_1m"),
            (D(2026, 1, 1), D(2026, 2, 28), 7, "sold_3m"),
            (D(2025, 10, 1), D(2025, 12, 31), 18, "sold_6m"),
            (D(2025, 7, 1), D(2025, 9, 30), 10, "sold_9m"),
        ]
        assert sum(x.qty for x in cut) == 40
        assert sum(p.length((x.start, x.end)) for x in cut) == (D(2026, 3, 31) - D(2025, 7, 1)).days + 1

    def test_a_mid_month_as_of_and_mixed_units(self):
        totals = [("d", Window(14, DAYS), 3), ("w", Window(4, WEEKS), 9), ("m", Window(3, MONTHS), 20)]
        cut = p.disjoint_periods(D(2026, 5, 15), totals)
        assert [(x.start, x.end, x.qty) for x in cut] == [
            (D(2026, 5, 2), D(2026, 5, 15), 3),
            (D(2026, 4, 18), D(2026, 5, 1), 6),
            (D(2026, 2, 16), D(2026, 4, 17), 11),
        ]

    def test_a_month_end_as_of_gives_whole_calendar_months(self):
        totals = [("m1", Window(1, MONTHS), 4), ("m3", Window(3, MONTHS), 10)]
        cut = p.disjoint_periods(D(2026, 9, 30), totals)
        assert [(x.start, x.end) for x in cut] == [(D(2026, 9, 1), D(2026, 9, 30)), (D(2026, 7, 1), D(2026, 8, 31))]
        assert Window(1, MONTHS).start(D(2026, 2, 28)) == D(2026, 2, 1)

    def test_a_window_with_fewer_units_than_one_inside_it_is_refused_naming_it(self):
        totals = [("sold_1m", Window(1, MONTHS), 12), ("sold_3m", Window(3, MONTHS), 10)]
        with pytest.raises(WindowError) as caught:
            p.disjoint_periods(D(2026, 3, 31), totals)
        assert (caught.value.column, caught.value.value) == ("sold_3m", 10)
        assert "10 units sold in the last 3 months is fewer than the 12 sold in the last 1 month" in str(caught.value)

    def test_two_windows_of_the_same_days_must_agree_and_make_one_period(self):
        as_of = D(2026, 3, 1)  # 28 days back: exactly four weeks
        same = [("w", Window(4, WEEKS), 9), ("d", Window(28, DAYS), 9)]
        assert [(x.start, x.qty) for x in p.disjoint_periods(as_of, same)] == [(D(2026, 2, 2), 9)]
        with pytest.raises(WindowError, match="cover the same days"):
            p.disjoint_periods(as_of, [("w", Window(4, WEEKS), 9), ("d", Window(28, DAYS), 8)])

    def test_a_window_sold_nothing_more_is_a_period_of_zero(self):
        cut = p.disjoint_periods(D(2026, 3, 31), [("a", Window(1, MONTHS), 4), ("b", Window(2, MONTHS), 4)])
        assert [x.qty for x in cut] == [4, 0]


def test_the_index_finds_the_one_period_that_reaches_in():
    index = PeriodIndex()
    for start, end in ((D(2026, 1, 1), D(2026, 1, 31)), (D(2026, 3, 1), D(2026, 3, 31))):
        index.add((start, end), start.month)
    assert index.overlapping((D(2026, 2, 1), D(2026, 2, 28))) is None
    assert index.overlapping((D(2026, 1, 31), D(2026, 2, 5)))[1] == 1
    assert index.overlapping((D(2026, 2, 10), D(2026, 3, 1)))[1] == 3
    assert index.overlapping((D(2025, 1, 1), D(2027, 1, 1)))[1] == 3  # containing both: one is named
    assert index.overlapping((D(2026, 3, 1), D(2026, 3, 31)))[0] == (D(2026, 3, 1), D(2026, 3, 31))
