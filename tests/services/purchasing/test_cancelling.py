"""Cancelling a PO customers count on: the impact first, then new promises or honest notices (issue 21 item 3)."""

import pytest
from sqlalchemy import func, select

from dashboard.db.models import AuditEvent, BackorderTriage, Notification, OrderLine, PromiseRevision, PurchaseOrder
from dashboard.domain.codes import CauseCode, POStatus
from dashboard.services.audit.trail import Actor
from dashboard.services.purchasing import cancelling
from tests.conftest import BACKENDS, TODAY, refreshed_demo

pytestmark = pytest.mark.slow
MANAGER = Actor("manager", None)
HANDLING = 1


@pytest.fixture(params=BACKENDS)
def sdb(request, demo_template, tmp_path):
    with refreshed_demo(request.param, demo_template, tmp_path) as database:
        yield database


def _most_waited_on(db) -> str:
    """The placed PO the most waiting lines are projected onto."""
    with db.read_session() as session:
        return session.scalar(
            select(PurchaseOrder.number)
            .join(BackorderTriage, BackorderTriage.covering_po_id == PurchaseOrder.id)
            .group_by(PurchaseOrder.number)
            .order_by(func.count().desc(), PurchaseOrder.number)
            .limit(1)
        )


def _counts(session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(Notification)),
        session.scalar(select(func.count()).select_from(PromiseRevision)),
        session.scalar(select(func.count()).select_from(AuditEvent)),
    )


def test_cancelling_is_refused_until_the_impact_is_acknowledged_and_nothing_changes(sdb):
    number = _most_waited_on(sdb)
    with sdb.read_session() as session:
        effect = cancelling.impact(session, number, TODAY, HANDLING)
        before = _counts(session)
    assert effect.tells_anyone and effect.customers >= 1
    with pytest.raises(cancelling.CancelError, match="covers waiting customers"), sdb.write_session() as session:
        cancelling.cancel_po(session, MANAGER, number, "Supplier closed", TODAY, HANDLING)
    with pytest.raises(cancelling.CancelError, match="changed"), sdb.write_session() as session:
        cancelling.cancel_po(session, MANAGER, number, "x", TODAY, HANDLING, acknowledged=True, version=999)
    with sdb.read_session() as session:
        assert session.scalar(select(PurchaseOrder.status).where(PurchaseOrder.number == number)) != POStatus.CANCELLED
        assert _counts(session) == before


def test_each_waiting_line_gets_a_later_promise_or_a_no_date_notice_in_the_same_transaction(sdb):
    number = _most_waited_on(sdb)
    with sdb.read_session() as session:
        effect = cancelling.impact(session, number, TODAY, HANDLING)
        po_id = session.scalar(select(PurchaseOrder.id).where(PurchaseOrder.number == number))
        version = session.scalar(select(PurchaseOrder.version).where(PurchaseOrder.number == number))
    with sdb.write_session() as session:
        done = cancelling.cancel_po(
            session, MANAGER, number, "Supplier closed", TODAY, HANDLING,
            cause=CauseCode.SUPPLIER_DELAY, acknowledged=True, version=version,
        )  # fmt: skip
    assert (done.repromised, done.without_date) == (len(effect.repromised), len(effect.without_date))
    with sdb.read_session() as session:
        assert session.scalar(select(PurchaseOrder.status).where(PurchaseOrder.id == po_id)) == POStatus.CANCELLED
        # Nobody is projected onto the cancelled PO any more.
        assert not session.scalar(
            select(func.count()).select_from(BackorderTriage).where(BackorderTriage.covering_po_id == po_id)
        )
        for line in effect.repromised:
            assert session.scalar(select(OrderLine.promised_date).where(OrderLine.id == line.line_id)) == (
                line.new_promise
            )
            revision = session.scalar(select(PromiseRevision).where(PromiseRevision.order_line_id == line.line_id)
                                      .order_by(PromiseRevision.id.desc()).limit(1))  # fmt: skip
            assert (revision.new_date, revision.cause) == (line.new_promise, CauseCode.SUPPLIER_DELAY)
        for line in effect.without_date:
            kinds = set(session.scalars(select(Notification.kind).where(Notification.order_line_id == line.line_id)))
            assert "no_restock_date" in kinds
            # The promise stands (nobody can say yet whether it holds); the line shows as uncovered.
            assert session.scalar(select(OrderLine.promised_date).where(OrderLine.id == line.line_id)) == line.promised
            assert session.scalar(select(BackorderTriage.covered_by).where(BackorderTriage.id == line.line_id)) == (
                "none"
            )
        event = session.scalar(select(AuditEvent).where(AuditEvent.entity_id == number, AuditEvent.action == "cancel"))
    assert event.reason == "Supplier closed"
    assert event.after["repromised"] == len(effect.repromised) and event.after["cause"] == "supplier_delay"


def test_a_draft_is_cancelled_without_a_preview(sdb):
    with sdb.write_session() as session:
        from dashboard.services.purchasing.drafts import DraftScope, create_drafts

        made = create_drafts(session, MANAGER, TODAY, DraftScope())
    number = made.purchase_orders[0].number
    with sdb.read_session() as session:
        assert not cancelling.impact(session, number, TODAY, HANDLING).tells_anyone
    with sdb.write_session() as session:
        done = cancelling.cancel_po(session, MANAGER, number, "Not needed", TODAY, HANDLING)
    assert done.was == POStatus.DRAFT and (done.repromised, done.without_date) == (0, 0)
