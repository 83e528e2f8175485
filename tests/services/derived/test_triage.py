"""The backorder projection written to backorder_triage, on a hand-built dataset with worked answers."""

import pytest
from sqlalchemy import select

from dashboard.db.models import BackorderTriage, OrderLine
from dashboard.domain import days
from dashboard.domain.codes import LineStatus
from dashboard.services.derived import triage
from tests.services import triage_data as data
from tests.services.triage_data import L1, L2, L3, L4, PO_A, PO_B, day, moment


@pytest.fixture
def triage_db(db):
    with db.write_session() as session:
        data.build(session)
    triage.refresh_triage(db, data.TODAY, handling_days=2)
    return db


def rows(db) -> dict[int, BackorderTriage]:
    with db.read_session() as session:
        return {row.id: row for row in session.scalars(select(BackorderTriage))}


def test_queue_positions_follow_pin_then_vip_then_order_time(triage_db):
    got = {line_id: row.queue_position for line_id, row in rows(triage_db).items()}
    assert got == {L3: 1, L2: 2, L1: 3, L4: 4}
    assert {row.queue_length for row in rows(triage_db).values()} == {4}


def test_covering_po_and_ship_window_from_the_supplier_delay_history(triage_db):
    got = rows(triage_db)
    # PO-A lands at +5; supplier P50 delay 2 d, P80 4.4 d → 5 d; +2 handling days.
    assert (got[L3].covering_po_id, got[L3].ship_p50, got[L3].ship_p80) == (PO_A, day(9), day(12))
    assert (got[L2].covering_po_id, got[L2].covering_po_number) == (PO_A, "PO-A")
    # L1 needs 2 units of PO-A and 3 of PO-B: the PO that completes it is PO-B (+12 → +16..+19).
    assert (got[L1].covering_po_id, got[L1].ship_p50, got[L1].ship_p80) == (PO_B, day(16), day(19))
    assert got[L1].covered_by == "po" and got[L1].covered_qty == 5


def test_lines_no_supply_covers_are_marked_and_at_risk(triage_db):
    l4 = rows(triage_db)[L4]
    assert l4.covered_by == "none" and l4.covering_po_id is None and l4.ship_p80 is None
    assert l4.covered_qty == 1  # the last unit of PO-B
    assert l4.at_risk


def test_at_risk_when_p80_falls_after_the_promise(triage_db):
    got = rows(triage_db)
    assert got[L2].at_risk  # promised +3, P80 +12
    assert got[L3].at_risk  # promised −2
    assert not got[L1].at_risk  # promised +25, P80 +19


def test_row_carries_what_support_needs(triage_db):
    l2 = rows(triage_db)[L2]
    assert (l2.customer_name, l2.vip, l2.channel, l2.order_number) == ("Vera Ip", True, "marketplace", "SO-2")
    assert (l2.qty, l2.qty_waiting, l2.value) == (4, 3, 30.0)
    assert l2.backordered_on == day(-10) and l2.promised_date == day(3)
    assert l2.last_notice_kind == "backorder_confirmed" and l2.last_notice_at == moment(-10, 11)
    l1 = rows(triage_db)[L1]
    assert l1.last_contact_outcome == "reached" and l1.last_contact_at == moment(-3)
    assert l1.quiet_since_day == days.day_number(day(-3))
    assert rows(triage_db)[L4].quiet_since_day == days.day_number(day(-1))


def test_base_score_parts():
    assert triage.base_score(0.0, False, 0, False) == 0
    assert triage.base_score(99.0, False, 0, False) == 20  # 10 · log10(100)
    assert triage.base_score(99.0, True, 9, True) == 20 + 20 + 5 * 4 + 15


def test_severity_adds_days_past_promise_and_quiet_days_with_caps():
    assert triage.severity(10, day(0), day(-2), day(-5)) == 10 + 3 * 2 + 5
    assert triage.severity(10, day(0), day(5), day(0)) == 10
    assert triage.severity(0, day(0), day(-500), day(-500)) == 3 * 60 + 30


def test_refresh_queue_rebuilds_one_queue_inside_the_transaction(triage_db):
    with triage_db.write_session() as session:
        session.get(OrderLine, L3).status = LineStatus.CANCELLED
        session.flush()
        assert triage.refresh_queue(session, [(1, 1)], data.TODAY) == 3
    got = rows(triage_db)
    assert L3 not in got
    assert {line_id: row.queue_position for line_id, row in got.items()} == {L2: 1, L1: 2, L4: 3}


def test_full_refresh_replaces_every_row(triage_db):
    with triage_db.write_session() as session:
        session.get(OrderLine, L4).status = LineStatus.CANCELLED
    assert triage.refresh_triage(triage_db, data.TODAY) == 3
    assert set(rows(triage_db)) == {L1, L2, L3}
