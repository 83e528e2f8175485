"""Forward stock projection: demand drains, purchase orders refill on their ETA, first stockout day."""

import datetime as dt

import pytest

from dashboard.domain.projection import ProjectionPoint, first_stockout, project_available

TODAY = dt.date(2026, 11, 27)


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def levels(points: list[ProjectionPoint]) -> list[float]:
    return [point.available for point in points]


class TestShape:
    def test_starts_today_with_the_given_stock_and_has_one_point_per_day_of_the_horizon(self):
        points = project_available(TODAY, 7, 1.0, [], horizon_days=5)
        assert [point.day for point in points] == [day(i) for i in range(6)]
        assert points[0] == ProjectionPoint(TODAY, 7.0)

    def test_levels_are_floats_even_for_whole_unit_inputs(self):
        points = project_available(TODAY, 3, 1, [(day(2), 4)], horizon_days=3)
        assert all(isinstance(value, float) for value in levels(points))

    def test_inbound_may_be_any_iterable_such_as_a_generator(self):
        inbound = ((day(i), 1.0) for i in (1, 2))
        assert levels(project_available(TODAY, 0, 0, inbound, horizon_days=2)) == [0.0, 1.0, 2.0]


class TestDemandDrains:
    def test_each_day_loses_the_average_daily_demand(self):
        assert levels(project_available(TODAY, 10, 2.5, [], horizon_days=4)) == [10.0, 7.5, 5.0, 2.5, 0.0]

    def test_zero_demand_and_no_inbound_keeps_the_level_flat(self):
        assert levels(project_available(TODAY, 4, 0, [], horizon_days=3)) == [4.0] * 4

    def test_stock_may_go_below_zero_as_demand_that_will_wait(self):
        assert levels(project_available(TODAY, 1, 2, [], horizon_days=3)) == [1.0, -1.0, -3.0, -5.0]

    def test_a_negative_start_is_allowed_and_keeps_draining(self):
        # Waiting customers already need more than is on hand: the projection starts below zero.
        assert levels(project_available(TODAY, -4, 1, [], horizon_days=2)) == [-4.0, -5.0, -6.0]


class TestInboundArrives:
    def test_a_receipt_arrives_on_its_eta_not_before(self):
        points = project_available(TODAY, 10, 2, [(day(3), 20)], horizon_days=4)
        # day 1: 8, day 2: 6, day 3: 6 − 2 + 20 = 24, day 4: 22
        assert levels(points) == [10.0, 8.0, 6.0, 24.0, 22.0]

    def test_several_receipts_on_one_day_add_up(self):
        points = project_available(TODAY, 0, 0, [(day(2), 5), (day(2), 7), (day(1), 1)], horizon_days=2)
        assert levels(points) == [0.0, 1.0, 13.0]

    def test_a_receipt_due_today_counts_as_tomorrow(self):
        # Today's level is what is available now; a PO still expected today has not arrived.
        points = project_available(TODAY, 0, 0, [(TODAY, 9)], horizon_days=2)
        assert levels(points) == [0.0, 9.0, 9.0]

    def test_a_past_eta_counts_as_arriving_tomorrow(self):
        points = project_available(TODAY, 2, 1, [(day(-10), 5), (day(-1), 3)], horizon_days=3)
        # late, not lost: both arrive on day 1 → 2 − 1 + 8 = 9, then 8, 7
        assert levels(points) == [2.0, 9.0, 8.0, 7.0]

    def test_a_receipt_beyond_the_horizon_is_not_shown(self):
        points = project_available(TODAY, 5, 1, [(day(4), 100)], horizon_days=3)
        assert levels(points) == [5.0, 4.0, 3.0, 2.0]

    def test_the_same_stock_is_never_counted_twice(self):
        # Over the whole horizon the change equals receipts minus demand.
        inbound = [(day(-3), 4), (day(2), 6), (day(5), 10)]
        points = project_available(TODAY, 3, 1.5, inbound, horizon_days=6)
        assert points[-1].available == pytest.approx(3 + 4 + 6 + 10 - 6 * 1.5)


class TestValidation:
    @pytest.mark.parametrize("horizon", [0, -1, -30])
    def test_a_horizon_below_one_day_is_rejected(self, horizon):
        with pytest.raises(ValueError, match="horizon_days must be at least 1"):
            project_available(TODAY, 5, 1, [], horizon_days=horizon)

    def test_a_one_day_horizon_is_the_smallest_allowed(self):
        assert len(project_available(TODAY, 5, 1, [], horizon_days=1)) == 2

    def test_negative_demand_is_rejected(self):
        with pytest.raises(ValueError, match="avg_daily_demand must not be negative"):
            project_available(TODAY, 5, -0.5, [], horizon_days=3)


class TestFirstStockout:
    def test_the_first_day_at_or_below_zero(self):
        points = project_available(TODAY, 5, 2, [], horizon_days=5)  # 5, 3, 1, -1, ...
        assert first_stockout(points) == day(3)

    def test_exactly_zero_counts_as_out(self):
        points = project_available(TODAY, 4, 2, [], horizon_days=5)  # 4, 2, 0
        assert first_stockout(points) == day(2)

    def test_none_when_stock_never_runs_out(self):
        assert first_stockout(project_available(TODAY, 100, 1, [], horizon_days=30)) is None

    def test_today_when_nothing_is_available_now(self):
        assert first_stockout(project_available(TODAY, 0, 0, [(day(1), 50)], horizon_days=5)) == TODAY
        assert first_stockout(project_available(TODAY, -3, 0, [], horizon_days=5)) == TODAY

    def test_a_receipt_that_arrives_in_time_prevents_the_stockout(self):
        # Without the PO: 3, 2, 1, 0 → out on day 3. With 10 due on day 2 it never runs out in 5 days.
        assert first_stockout(project_available(TODAY, 3, 1, [], horizon_days=5)) == day(3)
        assert first_stockout(project_available(TODAY, 3, 1, [(day(2), 10)], horizon_days=5)) is None

    def test_a_receipt_after_running_out_does_not_hide_the_stockout(self):
        points = project_available(TODAY, 2, 1, [(day(4), 10)], horizon_days=6)  # 2, 1, 0, -1, 8, ...
        assert first_stockout(points) == day(2)

    def test_an_empty_projection_has_no_stockout(self):
        assert first_stockout([]) is None
