"""Suppliers' confirmations on the scorecard: how long they take and how many accept the date sent (issue 21 item 5)."""

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import KpiSupplierDaily, PurchaseOrder
from dashboard.domain.codes import POStatus
from dashboard.services.audit.trail import Actor
from dashboard.services.inbound import suppliers as sup
from dashboard.services.kpis import rebuild as kpi_rebuild
from dashboard.services.purchasing.confirmation import confirm, make_token
from dashboard.services.purchasing.drafts import DraftScope, create_drafts
from dashboard.services.purchasing.sending import send_po
from dashboard.services.replenishment.queries import ReplenishmentFilters
from tests.conftest import BACKENDS, TODAY, refreshed_demo

pytestmark = pytest.mark.slow
MANAGER = Actor("manager", None)
HANDLING = 1


@pytest.fixture(params=BACKENDS)
def sdb(request, demo_template, tmp_path):
    """The demo refreshed, with two drafts of different suppliers sent: one two days ago, one now."""
    with refreshed_demo(request.param, demo_template, tmp_path) as database:
        with database.write_session() as session:
            create_drafts(session, MANAGER, TODAY, DraftScope(ReplenishmentFilters()))
        with database.write_session() as session:
            drafts = session.execute(
                select(PurchaseOrder.number, PurchaseOrder.supplier_id)
                .where(PurchaseOrder.status == POStatus.DRAFT)
                .order_by(PurchaseOrder.number)
            ).all()
            first = drafts[0]
            second = next(d for d in drafts if d.supplier_id != first.supplier_id)
            for number in (first.number, second.number):
                send_po(session, MANAGER, number, TODAY, "https://desk.example.com")
            two_days_ago = session.scalar(select(PurchaseOrder.sent_at).where(PurchaseOrder.number == first.number))
            session.execute(
                update(PurchaseOrder)
                .where(PurchaseOrder.number == first.number)
                .values(sent_at=two_days_ago - dt.timedelta(days=2))
            )
        yield database, first, second


def _answer(db, number: str, later_by: int) -> None:
    with db.write_session() as session:
        po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == number))
        day = po.eta + dt.timedelta(days=later_by)
        confirm(session, make_token(session, number, po.version), day.isoformat(), None, TODAY, HANDLING)


def _confirmation_counters(session: Session) -> dict[tuple, tuple]:
    k = KpiSupplierDaily
    rows = session.execute(
        select(k.day, k.supplier_id, k.warehouse_id, k.delay_days, k.pos_confirmed, k.confirm_days,
               k.pos_confirmed_as_sent).where(k.pos_confirmed > 0)
    ).all()  # fmt: skip
    return {(str(r[0]), r[1], r[2], r[3]): (r[4], round(r[5], 4), r[6]) for r in rows}


def _scores(db, day: dt.date) -> dict[int, dict]:
    """The scorecard of the one day ``day`` by supplier id."""
    with db.read_session() as session:
        return {
            score.supplier_id: score.kpis
            for score in sup.scorecard(session, sup.SupplierFilters(start=day, end=day), TODAY)
        }


def test_confirmation_time_and_the_share_confirmed_as_sent_per_supplier(sdb):
    db, first, second = sdb
    # Confirmations are counted on the (wall-clock) day they arrive; the demo's end before it.
    day = utcnow().date()
    before = _scores(db, day)
    assert all(not before.get(s, {}).get("pos_confirmed") for s in (first.supplier_id, second.supplier_id))
    _answer(db, first.number, 0)  # the date it was sent with, two days after sending
    _answer(db, second.number, 6)  # another date, at once
    with db.read_session() as session:
        confirmed = {
            po.number: po
            for po in session.scalars(
                select(PurchaseOrder).where(PurchaseOrder.number.in_([first.number, second.number]))
            )
        }
    scores = _scores(db, day)
    assert confirmed[first.number].confirmed_eta == confirmed[first.number].original_eta
    assert confirmed[second.number].confirmed_eta == confirmed[second.number].original_eta + dt.timedelta(days=6)
    on_time, delayed = scores[first.supplier_id], scores[second.supplier_id]
    assert on_time["pos_confirmed"] == 1 and on_time["confirmed_as_sent"] == 1.0
    assert on_time["confirmation_days"] == pytest.approx(2.0, abs=0.01)
    assert delayed["pos_confirmed"] == 1 and delayed["confirmed_as_sent"] == 0.0
    assert delayed["confirmation_days"] == pytest.approx(0.0, abs=0.01)


def test_the_counters_kept_at_each_confirmation_equal_a_rebuild(sdb):
    db, first, second = sdb
    with db.write_session() as session:
        kpi_rebuild.rebuild_kpis(session, TODAY)  # the counters as the first start builds them
    _answer(db, first.number, 0)
    _answer(db, second.number, 3)
    with Session(db.engine) as session:
        kept = _confirmation_counters(session)
    with Session(db.engine) as session:
        kpi_rebuild.rebuild_kpis(session, TODAY)
        session.flush()
        rebuilt = _confirmation_counters(session)
        session.rollback()
    assert kept == rebuilt
    assert sum(pos for pos, _days, _as_sent in kept.values()) >= 2
