"""Replenishment math: hand-worked examples, properties, scalar/array agreement and bad input."""

import datetime as dt
import math
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.domain import replenishment as rp
from dashboard.domain.projection import project_available
from dashboard.domain.replenishment import (
    ABC_SERVICE_LEVELS,
    DemandStats,
    LeadTimeStats,
    abc_classes,
    days_of_cover,
    demand_statistics,
    demand_statistics_matrix,
    lead_time_statistics,
    projected_stockout_date,
    reorder_point,
    safety_stock,
    safety_stock_array,
    service_level_for,
    stock_position,
    suggested_order_quantity,
    suggested_order_quantity_array,
    z_for_service_level,
)

TODAY = date(2026, 11, 27)

demand = st.floats(0, 1000)
sds = st.floats(0, 500)
lead_times = st.floats(0.5, 120)
service_levels = st.floats(0.5, 0.999)


class TestServiceLevelZ:
    @pytest.mark.parametrize(("level", "z"), [(0.95, 1.6449), (0.98, 2.0537), (0.90, 1.2816)])
    def test_matches_normal_tables(self, level, z):
        assert z_for_service_level(level) == pytest.approx(z, abs=1e-4)

    def test_95_percent_is_the_textbook_1_645(self):
        assert z_for_service_level(0.95) == pytest.approx(1.645, abs=1e-3)

    @pytest.mark.parametrize("level", [0, 1, 1.5, -0.2, math.nan])
    def test_levels_outside_the_open_unit_interval_are_rejected(self, level):
        with pytest.raises(ValueError, match="service_level must be strictly between 0 and 1"):
            z_for_service_level(level)


class TestSafetyStockAndReorderPoint:
    def test_worked_example(self):
        # z(0.95) = 1.6448536; L·σ_d² + d̄²·σ_L² = 9·3² + 10²·2² = 81 + 400 = 481; √481 = 21.9317122
        # SS = 1.6448536 × 21.9317122 = 36.0744564 units
        ss = safety_stock(avg_daily_demand=10, demand_sd=3, lead_time_days=9, lead_time_sd=2, service_level=0.95)
        assert ss == pytest.approx(36.0744564, abs=1e-6)
        # ROP = d̄·L + SS = 10·9 + 36.0744564 = 126.0744564 units
        assert reorder_point(avg_daily_demand=10, lead_time_days=9, safety_stock=ss) == pytest.approx(126.0744564)

    def test_no_variability_means_no_safety_stock(self):
        assert safety_stock(10, 0, 9, 0, 0.98) == 0

    def test_service_level_below_half_holds_no_negative_buffer(self):
        assert safety_stock(10, 3, 9, 2, 0.3) == 0

    @pytest.mark.parametrize("name", ["avg_daily_demand", "demand_sd", "lead_time_days", "lead_time_sd"])
    def test_negative_input_is_rejected_by_name(self, name):
        args = {"avg_daily_demand": 10, "demand_sd": 3, "lead_time_days": 9, "lead_time_sd": 2} | {name: -1}
        with pytest.raises(ValueError, match=f"{name} must be ≥ 0"):
            safety_stock(**args, service_level=0.95)

    @pytest.mark.parametrize("level", [0, 1, 1.5])
    def test_bad_service_level_is_rejected(self, level):
        with pytest.raises(ValueError, match="service_level"):
            safety_stock(10, 3, 9, 2, level)

    def test_negative_reorder_point_input_is_rejected_by_name(self):
        with pytest.raises(ValueError, match="lead_time_days must be ≥ 0"):
            reorder_point(10, -9, 5)

    @given(demand, sds, lead_times, sds, service_levels, service_levels)
    def test_safety_stock_never_falls_as_service_level_rises(self, d, sd_d, lead, sd_l, sl_1, sl_2):
        low, high = sorted((sl_1, sl_2))
        assert safety_stock(d, sd_d, lead, sd_l, low) <= safety_stock(d, sd_d, lead, sd_l, high)

    @given(demand, sds, sds, lead_times, sds, service_levels)
    def test_safety_stock_never_falls_as_demand_sd_rises(self, d, sd_1, sd_2, lead, sd_l, sl):
        low, high = sorted((sd_1, sd_2))
        assert safety_stock(d, low, lead, sd_l, sl) <= safety_stock(d, high, lead, sd_l, sl)

    @given(demand, sds, lead_times, sds, sds, service_levels)
    def test_safety_stock_never_falls_as_lead_time_sd_rises(self, d, sd_d, lead, sd_1, sd_2, sl):
        low, high = sorted((sd_1, sd_2))
        assert safety_stock(d, sd_d, lead, low, sl) <= safety_stock(d, sd_d, lead, high, sl)

    @given(demand, sds, lead_times, sds, service_levels)
    def test_reorder_point_covers_at_least_lead_time_demand(self, d, sd_d, lead, sd_l, sl):
        assert reorder_point(d, lead, safety_stock(d, sd_d, lead, sd_l, sl)) >= d * lead

    def test_array_version_agrees_with_scalar(self):
        rng = np.random.default_rng(7)
        n = 2_000
        d, sd_d = rng.uniform(0, 1000, n), rng.uniform(0, 500, n)
        lead, sd_l = rng.uniform(0.5, 120, n), rng.uniform(0, 30, n)
        levels = rng.choice(list(ABC_SERVICE_LEVELS.values()), n)
        expected = [safety_stock(*row) for row in zip(d, sd_d, lead, sd_l, levels, strict=True)]
        np.testing.assert_allclose(safety_stock_array(d, sd_d, lead, sd_l, levels), expected, rtol=1e-12)

    def test_array_version_takes_a_single_service_level(self):
        result = safety_stock_array(np.array([10.0, 0.0]), 3.0, 9.0, 2.0, 0.95)
        np.testing.assert_allclose(result, [safety_stock(10, 3, 9, 2, 0.95), safety_stock(0, 3, 9, 2, 0.95)])

    def test_array_version_rejects_a_bad_service_level(self):
        with pytest.raises(ValueError, match="service_level"):
            safety_stock_array([10.0], [3.0], [9.0], [2.0], [1.0])


class TestDemandStatistics:
    def test_out_of_stock_zero_day_does_not_lower_the_mean(self):
        stats = demand_statistics([10, 10, 0, 10], [True, True, False, True])
        assert stats == DemandStats(10.0, 0.0, 3, 1, (), False)  # naive mean would be 7.5

    def test_mean_and_sample_sd(self):
        stats = demand_statistics([8, 10, 12], [True, True, True])
        # mean 10; squared deviations 4 + 0 + 4 = 8; ddof=1 → 8/2 = 4; sd = 2
        assert (stats.avg_daily_demand, stats.demand_sd) == (10.0, 2.0)

    def test_spike_is_flagged_and_excluded_from_mean_and_sd(self):
        daily = [10, 12, 11, 9, 10, 60, 10, 11, 12, 9, 10, 11, 10, 9, 12]
        stats = demand_statistics(daily, [True] * len(daily))
        # First pass: mean 206/15 ≈ 13.73, sd ≈ 12.84 → threshold ≈ 52.26; 60 is a spike. Without it: 146/14.
        assert stats.has_spike
        assert stats.spike_days == (5,)
        assert stats.days_counted == 15
        assert stats.avg_daily_demand == pytest.approx(146 / 14)
        assert stats.demand_sd == pytest.approx(np.std([d for d in daily if d != 60], ddof=1))

    def test_the_only_sales_of_a_slow_mover_are_its_demand_not_spikes(self):
        # 2 units sold on 2 of 90 days: the old mean + 3σ rule called both days spikes and demand 0.
        daily = [0.0] * 90
        daily[10], daily[70] = 1, 1
        stats = demand_statistics(daily, [True] * 90)
        assert not stats.has_spike
        assert stats.avg_daily_demand == pytest.approx(2 / 90)

    def test_a_few_big_orders_of_a_lumpy_item_are_not_spikes(self):
        daily = [0.0] * 90
        for day, qty in ((3, 12), (20, 1), (41, 2), (55, 15), (80, 1)):
            daily[day] = qty
        assert not demand_statistics(daily, [True] * 90).has_spike

    def test_a_day_twice_the_usual_is_not_yet_a_spike(self):
        daily = [4.0] * 30
        daily[7] = 8
        assert not demand_statistics(daily, [True] * 30).has_spike

    def test_a_bulk_order_on_a_steady_seller_is_still_a_spike(self):
        daily = [4.0, 5.0, 3.0, 4.0, 6.0] * 6
        daily[12] = 90
        stats = demand_statistics(daily, [True] * 30)
        assert stats.spike_days == (12,)
        assert stats.avg_daily_demand == pytest.approx((sum(daily) - 90) / 29)

    def test_spike_on_an_out_of_stock_day_is_ignored(self):
        stats = demand_statistics([10, 10, 500, 10], [True, True, False, True])
        assert not stats.has_spike
        assert stats.avg_daily_demand == 10

    def test_no_day_counted_gives_zero_averages(self):
        assert demand_statistics([0, 0], [False, False]) == DemandStats(0.0, 0.0, 0, 2, (), False)

    def test_one_day_counted_has_zero_sd(self):
        assert demand_statistics([7, 0], [True, False]) == DemandStats(7.0, 0.0, 1, 1, (), False)

    def test_length_mismatch_is_rejected(self):
        with pytest.raises(ValueError, match="daily_demand has 2 days but in_stock has 1"):
            demand_statistics([1, 2], [True])

    def test_negative_demand_is_rejected(self):
        with pytest.raises(ValueError, match="daily_demand must be ≥ 0"):
            demand_statistics([1, -2], [True, True])

    def test_matrix_version_agrees_with_scalar_on_random_data(self):
        rng = np.random.default_rng(42)
        pairs, days = 400, 60
        daily = rng.poisson(rng.uniform(0, 20, (pairs, 1)), (pairs, days)).astype(float)
        daily[rng.random((pairs, days)) < 0.02] *= 8  # occasional spikes
        in_stock = rng.random((pairs, days)) < rng.uniform(0.3, 1.0, (pairs, 1))
        in_stock[0], in_stock[1], in_stock[2, 1:] = False, True, False  # none, all, exactly one day counted
        avg, sd, counted, out, spike = demand_statistics_matrix(daily, in_stock)
        assert spike.any()
        assert not spike.all()
        for row in range(pairs):
            stats = demand_statistics(daily[row].tolist(), in_stock[row].tolist())
            assert avg[row] == pytest.approx(stats.avg_daily_demand, rel=1e-12, abs=1e-12)
            assert sd[row] == pytest.approx(stats.demand_sd, rel=1e-9, abs=1e-12)
            assert (counted[row], out[row], spike[row]) == (
                stats.days_counted,
                stats.days_out_of_stock,
                stats.has_spike,
            )

    def test_matrix_shape_mismatch_is_rejected(self):
        with pytest.raises(ValueError, match="same"):
            demand_statistics_matrix(np.zeros((2, 3)), np.ones((2, 4), dtype=bool))


class TestLeadTimeStatistics:
    def test_enough_history_uses_observed_mean_and_sd(self):
        assert lead_time_statistics([10, 12, 14], quoted_lead_time_days=21) == LeadTimeStats(12.0, 2.0, 3, "history")

    def test_fewer_than_three_samples_fall_back_to_quote_with_20_percent_sd(self):
        stats = lead_time_statistics([10, 12], quoted_lead_time_days=14)
        assert stats == LeadTimeStats(14.0, pytest.approx(2.8), 2, "quoted")

    def test_no_history_falls_back_to_quote(self):
        assert lead_time_statistics([], 30).source == "quoted"

    def test_negative_observation_is_rejected(self):
        with pytest.raises(ValueError, match="observed_days must be ≥ 0"):
            lead_time_statistics([10, -1, 12], 14)


class TestAbcClasses:
    def test_small_list(self):
        # Total 1000. Ranked: 500 (before 0 % → A), 300 (before 50 % → A), 100 (before 80 % → B),
        # 50 (before 90 % → B), the other 50 (before 95 % → C); zero revenue is always C.
        assert abc_classes([500, 100, 300, 50, 0, 50]) == ["A", "B", "A", "B", "C", "C"]

    def test_top_item_is_a_even_when_it_alone_exceeds_the_a_share(self):
        assert abc_classes([90, 6, 4]) == ["A", "B", "C"]  # before: 0 %, 90 %, 96 %

    def test_all_zero_revenue_is_all_c(self):
        assert abc_classes([0, 0]) == ["C", "C"]

    def test_empty_list(self):
        assert abc_classes([]) == []

    def test_bad_shares_are_rejected(self):
        with pytest.raises(ValueError, match="a_share ≤ b_share"):
            abc_classes([1, 2], a_share=0.96, b_share=0.95)

    def test_service_levels_per_class(self):
        assert [service_level_for(c) for c in "ABC"] == [0.98, 0.95, 0.90]

    def test_unknown_class_names_the_known_ones(self):
        with pytest.raises(ValueError, match="use one of: A, B, C"):
            service_level_for("D")


class TestStockAndCover:
    def test_stock_position(self):
        assert stock_position(on_hand=100, allocated=30, on_order=50) == 120

    def test_negative_stock_input_is_rejected_by_name(self):
        with pytest.raises(ValueError, match="on_order must be ≥ 0"):
            stock_position(100, 30, -5)

    def test_days_of_cover(self):
        assert days_of_cover(on_hand=100, allocated=30, avg_daily_demand=7) == 10.0

    def test_nothing_available_is_zero_cover(self):
        assert days_of_cover(10, 20, 5) == 0

    def test_no_demand_is_infinite_cover(self):
        assert days_of_cover(100, 0, 0) is None

    def test_stockout_date_floors_the_cover(self):
        # 70 available / 6 per day = 11.67 days → 11 whole days after today
        assert projected_stockout_date(TODAY, 100, 30, 6) == date(2026, 12, 8)

    def test_nothing_available_stocks_out_today(self):
        assert projected_stockout_date(TODAY, 5, 5, 2) == TODAY

    def test_no_demand_never_stocks_out(self):
        assert projected_stockout_date(TODAY, 100, 0, 0) is None


class TestSuggestedOrderQuantity:
    def test_moq_then_pack_rounding(self):
        # target = 100 + 1.1·14 = 115.4; need = 115.4 − 78 = 37.4 → 38 units < MOQ 48 → 48 = 4 packs of 12
        suggestion = suggested_order_quantity(78, 100, 1.1, review_period_days=14, moq=48, pack_size=12)
        assert suggestion.quantity == 48
        assert suggestion.target_position == pytest.approx(115.4)
        assert suggestion.raw_need == pytest.approx(37.4)
        assert suggestion.moq_applied
        assert suggestion.pack_rounding == 0
        assert suggestion.reason == "need 37.4 → MOQ 48 → 48 (packs of 12)"

    def test_moq_is_itself_rounded_up_to_whole_packs(self):
        suggestion = suggested_order_quantity(78, 100, 1.1, moq=40, pack_size=12)
        assert (suggestion.quantity, suggestion.moq_applied, suggestion.pack_rounding) == (48, True, 8)

    def test_pack_rounding_without_moq(self):
        suggestion = suggested_order_quantity(78, 100, 1.1, moq=1, pack_size=12)
        assert (suggestion.quantity, suggestion.moq_applied, suggestion.pack_rounding) == (48, False, 10)
        assert suggestion.reason == "need 37.4 → 48 (packs of 12)"

    def test_single_units_round_need_up(self):
        assert suggested_order_quantity(78, 100, 1.1).quantity == 38

    def test_float_noise_does_not_add_a_unit(self):
        # 0.07 · 100 = 7.000000000000001 in floating point
        assert suggested_order_quantity(0, 0, 0.07, review_period_days=100).quantity == 7

    def test_at_reorder_point_orders(self):
        assert suggested_order_quantity(100, 100, 2, review_period_days=7).quantity == 14

    def test_above_reorder_point_orders_nothing(self):
        suggestion = suggested_order_quantity(101, 100, 2, moq=50, pack_size=10)
        assert suggestion.quantity == 0
        assert suggestion.reason == "stock position above reorder point"

    def test_no_demand_and_at_target_orders_nothing_despite_moq(self):
        assert suggested_order_quantity(0, 0, 0, moq=50).quantity == 0

    @pytest.mark.parametrize(("moq", "pack_size", "name"), [(0, 1, "moq"), (1, 0, "pack_size"), (2.5, 1, "moq")])
    def test_moq_and_pack_below_one_or_fractional_are_rejected(self, moq, pack_size, name):
        with pytest.raises(ValueError, match=f"{name} must be a whole number ≥ 1"):
            suggested_order_quantity(0, 10, 1, moq=moq, pack_size=pack_size)

    def test_array_version_rejects_zero_pack(self):
        with pytest.raises(ValueError, match="pack_size"):
            suggested_order_quantity_array([0.0], [10.0], [1.0], 14, 1, [0])

    @given(
        position=st.floats(-500, 5000),
        rop=st.floats(0, 5000),
        d=demand,
        review=st.floats(0, 60),
        moq=st.integers(1, 500),
        pack=st.integers(1, 100),
    )
    def test_quantity_is_whole_packs_at_least_moq_and_reaches_target(self, position, rop, d, review, moq, pack):
        suggestion = suggested_order_quantity(position, rop, d, review, moq, pack)
        assert suggestion.quantity % pack == 0
        if suggestion.quantity > 0:
            assert suggestion.quantity >= moq
        if position <= rop:
            assert position + suggestion.quantity >= suggestion.target_position - 1e-6
        else:
            assert suggestion.quantity == 0
        array = suggested_order_quantity_array([position], [rop], [d], [review], [moq], [pack])
        assert array.tolist() == [suggestion.quantity]

    def test_array_version_agrees_with_scalar_on_random_data(self):
        rng = np.random.default_rng(3)
        n = 3_000
        rop = rng.uniform(0, 1000, n)
        position = rop + rng.uniform(-300, 100, n)
        d, review = rng.uniform(0, 50, n), rng.choice([7, 14, 28], n)
        moq, pack = rng.integers(1, 100, n), rng.choice([1, 6, 12, 24], n)
        quantities = suggested_order_quantity_array(position, rop, d, review, moq, pack)
        assert quantities.dtype.kind == "i"
        expected = [
            suggested_order_quantity(*row).quantity for row in zip(position, rop, d, review, moq, pack, strict=True)
        ]
        assert quantities.tolist() == expected


class TestOwedUnitsAndTheLeadTimeShortfall:
    """Design §3: the position subtracts owed units, and a shortfall within the lead time is always ordered."""

    def test_the_position_subtracts_what_waiting_customers_are_owed(self):
        assert rp.stock_position(on_hand=5, allocated=5, on_order=4, owed=5) == -1
        with pytest.raises(ValueError, match="owed"):
            rp.stock_position(1, 0, 0, owed=-1)

    def test_a_po_landing_after_the_lead_time_does_not_hide_a_shortfall(self):
        # 2 available, 3 a day, 5-day lead time; 100 units land on day 30.
        assert rp.lead_time_shortfall(2, 0, 3, 5, [(30, 100)]) == pytest.approx(13)
        assert rp.lead_time_shortfall(2, 0, 3, 5, [(3, 100)]) == pytest.approx(4)  # short on days 1-2 only
        assert rp.lead_time_shortfall(50, 0, 3, 5, []) == 0

    def test_owed_units_are_short_from_today(self):
        assert rp.lead_time_shortfall(0, 5, 0, 10, [(4, 4)]) == pytest.approx(5)

    def test_the_suggestion_covers_the_shortfall_even_above_the_reorder_point(self):
        suggestion = rp.suggested_order_quantity(100, 20, 3, 14, moq=1, pack_size=6, shortfall=13)
        assert suggestion.quantity == 18 and "short 13" in suggestion.reason
        assert rp.suggested_order_quantity(100, 20, 3, 14).quantity == 0


@st.composite
def _states(draw):
    lead = draw(st.floats(0, 60))
    inbound = draw(st.lists(st.tuples(st.integers(-5, 90), st.integers(1, 500)), max_size=4))
    return {
        "available": draw(st.integers(-20, 300)),
        "owed": draw(st.integers(0, 200)),
        "avg": draw(st.floats(0, 40)),
        "lead": lead,
        "inbound": inbound,
        "rop": draw(st.floats(0, 500)),
        "moq": draw(st.integers(1, 50)),
        "pack": draw(st.integers(1, 24)),
    }


@given(_states())
@settings(max_examples=400, deadline=None)
def test_whatever_the_state_a_shortfall_within_the_lead_time_is_always_ordered(state):
    """Projected as the SKU page projects it; the suggestion covers the lowest point before the order can land."""
    today = dt.date(2026, 11, 27)
    horizon = max(1, math.ceil(state["lead"] - 1e-9))
    inbound = [(today + dt.timedelta(days=offset), qty) for offset, qty in state["inbound"]]
    points = project_available(today, state["available"] - state["owed"], state["avg"], inbound, horizon)
    lowest = min(p.available for p in points[: math.ceil(state["lead"] - 1e-9) + 1])
    shortfall = rp.lead_time_shortfall(state["available"], state["owed"], state["avg"], state["lead"], state["inbound"])
    assert shortfall == pytest.approx(max(0.0, -lowest), abs=1e-6)
    on_order = sum(qty for _, qty in state["inbound"])
    position = state["available"] + on_order - state["owed"]
    quantity = rp.suggested_order_quantity(
        position, state["rop"], state["avg"], 14, state["moq"], state["pack"], shortfall
    ).quantity
    assert quantity >= -lowest - 1e-6
    pair = np.zeros(len(state["inbound"]), np.int64)
    offsets = np.array([o for o, _ in state["inbound"]], np.int64)
    qtys = np.array([q for _, q in state["inbound"]], float)
    vector = rp.lead_time_shortfall_array(
        np.array([state["available"] - state["owed"]], float), [state["avg"]], [state["lead"]], pair, offsets, qtys
    )
    assert vector[0] == pytest.approx(shortfall, abs=1e-6)
    batch = rp.suggested_order_quantity_array(
        [position], [state["rop"]], [state["avg"]], 14, [state["moq"]], [state["pack"]], vector
    )
    assert batch[0] == quantity
