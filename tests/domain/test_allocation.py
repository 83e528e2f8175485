"""The allocation queue: order rules, real allocation, and the projection across several POs."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.domain import allocation as alloc

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 27)


def line(line_id, waiting, hours=0, vip=False, pin=None):
    return alloc.WaitingLine(line_id, waiting, T0 + dt.timedelta(hours=hours), vip=vip, priority_pin=pin)


def test_queue_serves_pins_then_vips_then_order_time():
    lines = [
        line(1, 1, hours=0),
        line(2, 1, hours=5, vip=True),
        line(3, 1, hours=9, pin=2),
        line(4, 1, hours=8, pin=1),
        line(5, 1, hours=1),
        line(6, 1, hours=2, vip=True),
    ]
    assert [entry.line_id for entry in alloc.order_queue(lines)] == [4, 3, 6, 2, 1, 5]


def test_same_order_time_is_broken_by_line_id():
    assert [e.line_id for e in alloc.order_queue([line(9, 1), line(7, 1), line(8, 1)])] == [7, 8, 9]


def test_waiting_quantity_must_be_positive():
    with pytest.raises(ValueError, match="must be positive"):
        line(1, 0)


def test_allocate_fills_the_head_first_and_stops_at_a_partial_line():
    allocations, left = alloc.allocate([line(1, 3, hours=1), line(2, 4, hours=0), line(3, 2, hours=2)], 6)
    assert allocations == [alloc.Allocation(2, 4, True), alloc.Allocation(1, 2, False)]
    assert left == 0


def test_allocate_returns_what_nobody_waits_for():
    allocations, left = alloc.allocate([line(1, 2)], 5)
    assert allocations == [alloc.Allocation(1, 2, True)]
    assert left == 3


def test_allocate_refuses_negative_units():
    with pytest.raises(ValueError, match="negative"):
        alloc.allocate([line(1, 2)], -1)


def po(qty, day, po_id, supplier=1):
    return alloc.Supply(qty, TODAY + dt.timedelta(days=day), po_id, f"PO-{po_id}", supplier)


def test_projection_across_several_pos_and_partial_quantities():
    # Queue: A(5) then B(4) then C(3). Stock 2 now; PO-10 brings 4 in 5 days; PO-11 brings 10 in 20 days.
    lines = [line(1, 5, hours=0), line(2, 4, hours=1), line(3, 3, hours=2)]
    supplies = [po(10, 20, 11), alloc.Supply(2), po(4, 5, 10)]  # deliberately out of arrival order
    projections = {p.line_id: p for p in alloc.project(lines, supplies)}
    a, b, c = projections[1], projections[2], projections[3]
    # A takes the 2 on hand and 3 of PO-10: PO-10 completes it.
    assert a.position == 1 and a.covering.po_id == 10
    assert a.fills == ((1, 2), (2, 3))
    # B takes PO-10's last unit and 3 of PO-11.
    assert b.position == 2 and b.covering.po_id == 11 and b.fills == ((2, 1), (0, 3))
    # C takes 3 more from PO-11 (which still has 4 left over).
    assert c.position == 3 and c.covering.po_id == 11 and c.covered_qty == 3


def test_lines_no_supply_covers_are_marked_uncovered():
    projections = alloc.project([line(1, 3), line(2, 5, hours=1)], [po(4, 3, 10)])
    assert projections[0].covered and projections[0].covering.po_id == 10
    assert not projections[1].covered
    assert projections[1].covered_qty == 1  # one unit is coming, but not enough to ship the line


def test_projection_with_no_supply_at_all():
    projections = alloc.project([line(1, 3)], [])
    assert projections[0].covering is None and projections[0].position == 1


def test_stock_on_hand_covers_before_any_po():
    projections = alloc.project([line(1, 2)], [po(5, 1, 10), alloc.Supply(2)])
    assert projections[0].covering.on_hand


@given(
    waits=st.lists(st.integers(1, 9), min_size=1, max_size=12),
    supply=st.lists(st.tuples(st.integers(0, 15), st.integers(0, 40)), max_size=5),
    vips=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_projection_agrees_with_allocating_everything_that_arrives(waits, supply, vips):
    lines = [line(i + 1, w, hours=i, vip=vips[i]) for i, w in enumerate(waits)]
    supplies = [po(qty, day, i + 1) for i, (qty, day) in enumerate(supply)]
    projections = alloc.project(lines, supplies)
    # Positions are the queue order, 1..n.
    assert [p.line_id for p in projections] == [entry.line_id for entry in alloc.order_queue(lines)]
    assert [p.position for p in projections] == list(range(1, len(lines) + 1))
    # No supply is used beyond its quantity.
    used = {}
    for p in projections:
        for index, qty in p.fills:
            used[index] = used.get(index, 0) + qty
    assert all(used[i] <= supplies[i].qty for i in used)
    # Covered lines are exactly the ones a real allocation of all supply completes.
    allocations, _ = alloc.allocate(lines, sum(s.qty for s in supplies))
    assert {a.line_id for a in allocations if a.completes} == {p.line_id for p in projections if p.covered}


def test_quantile_matches_numpy():
    values = [3.0, -1.0, 7.0, 0.0, 12.0, 4.0]
    for q in (0, 0.2, 0.5, 0.8, 1):
        assert alloc.quantile(values, q) == pytest.approx(float(np.quantile(values, q)))


def test_delay_profile_needs_five_receipts_else_the_fallback():
    fallback = alloc.DelayProfile(1.0, 4.0, 100)
    assert alloc.delay_profile([9, 9, 9], fallback) is fallback
    own = alloc.delay_profile([0, 1, 2, 3, 10], fallback)
    assert (own.p50, own.p80, own.samples) == (2.0, pytest.approx(4.4), 5)  # rank 0.8·4 = 3.2: 3 + 0.2·(10 − 3)


def test_ship_window_is_eta_plus_delay_quantiles_plus_handling():
    window = alloc.ship_window(po(5, 10, 1), TODAY, 2, alloc.DelayProfile(1.0, 4.2, 20))
    assert window == alloc.ShipWindow(TODAY + dt.timedelta(days=13), TODAY + dt.timedelta(days=17))


def test_ship_window_of_a_late_po_is_never_in_the_past():
    window = alloc.ship_window(po(5, -6, 1), TODAY, 2, alloc.DelayProfile(0.0, 3.0, 20))
    assert window.p50 == window.p80 == TODAY + dt.timedelta(days=3)


def test_stock_on_hand_ships_after_handling():
    assert alloc.ship_window(alloc.Supply(3), TODAY, 2).p80 == TODAY + dt.timedelta(days=2)


def test_at_risk_when_uncovered_or_p80_after_the_promise():
    window = alloc.ShipWindow(TODAY, TODAY + dt.timedelta(days=5))
    assert alloc.is_at_risk(TODAY + dt.timedelta(days=4), window)
    assert not alloc.is_at_risk(TODAY + dt.timedelta(days=5), window)
    assert alloc.is_at_risk(TODAY + dt.timedelta(days=30), None)
