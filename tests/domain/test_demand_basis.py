"""Demand from period totals and the choice of basis: numbers with a known answer."""

import numpy as np
import pytest

from dashboard.domain.codes import DemandBasis
from dashboard.domain.demand_basis import MIN_LINE_HISTORY_DAYS, choose_basis, period_demand


class TestPeriodDemand:
    def test_average_is_units_over_days_in_stock(self):
        # Pair 0: 30 units in a 30-day month with 10 days out of stock → 30 / 20 = 1.5 a day.
        # Pair 1: 62 units over two 31-day months → 1.0 a day.
        result = period_demand(
            pair=np.array([0, 1, 1]),
            qty=np.array([30, 31, 31]),
            length_days=np.array([30, 31, 31]),
            days_out_of_stock=np.array([10, 0, 0]),
            pairs=3,
        )
        assert result.avg_daily_demand == pytest.approx([1.5, 1.0, 0.0])
        assert list(result.days_covered) == [20, 62, 0]
        assert list(result.periods) == [1, 2, 0]

    def test_spread_from_three_or_more_periods(self):
        # Months of 30 days selling 30, 60, 90: d̄ = 2; σ² = Σ (q − 30·2)² / 30 / 2 = (900 + 0 + 900) / 60 = 30.
        result = period_demand(np.zeros(3, int), np.array([30, 60, 90]), np.full(3, 30), np.zeros(3), 1)
        assert result.avg_daily_demand[0] == pytest.approx(2.0)
        assert result.demand_sd[0] == pytest.approx(np.sqrt(30.0))

    def test_fewer_periods_or_steadier_totals_fall_back_to_poisson_spread(self):
        # Two periods cannot show day-to-day spread; identical totals would claim none at all.
        two = period_demand(np.zeros(2, int), np.array([40, 80]), np.full(2, 30), np.zeros(2), 1)
        same = period_demand(np.zeros(4, int), np.full(4, 30), np.full(4, 30), np.zeros(4), 1)
        assert two.demand_sd[0] == pytest.approx(np.sqrt(2.0))
        assert same.demand_sd[0] == pytest.approx(1.0)

    def test_a_period_out_of_stock_throughout_adds_no_days_and_no_units(self):
        result = period_demand(np.array([0, 0]), np.array([0, 14]), np.array([30, 7]), np.array([30, 0]), 1)
        assert result.avg_daily_demand[0] == pytest.approx(2.0)
        assert result.days_covered[0] == 7


class TestChooseBasis:
    def test_enough_lines_win_then_periods_then_short_lines_then_nothing(self):
        history = np.array([90, MIN_LINE_HISTORY_DAYS, MIN_LINE_HISTORY_DAYS - 1, 10, 0, 0])
        periods = np.array([5, 0, 3, 0, 2, 0])
        assert list(choose_basis(history, periods)) == [
            DemandBasis.LINES,
            DemandBasis.LINES,
            DemandBasis.PERIODS,
            DemandBasis.SHORT,
            DemandBasis.PERIODS,
            DemandBasis.NONE,
        ]
