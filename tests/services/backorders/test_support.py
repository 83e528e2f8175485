"""Support actions: each one transaction, validated, audited; a cancellation hands freed stock down the queue."""

import pytest
from sqlalchemy import func, select

from dashboard.db.models import AuditEvent, BackorderTriage, ContactLog, Notification, OrderLine, StockLevel, User
from dashboard.domain import days
from dashboard.domain.codes import LineStatus, NotificationStatus, Role
from dashboard.services.audit.trail import Actor
from dashboard.services.backorders import support
from dashboard.services.derived import triage
from dashboard.services.derived.freshness import last_changed
from tests.services import triage_data as data
from tests.services.triage_data import L1, L2, L3, L4, TODAY


@pytest.fixture
def triage_db(db):
    with db.write_session() as session:
        data.build(session)
        session.add(User(id=7, username="sam", password_hash="x", role=Role.SUPPORT, active=True))
    triage.refresh_triage(db, TODAY, handling_days=2)
    return db


SAM = Actor("sam", 7)


def count(db, model) -> int:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(model))


def line(db, line_id) -> OrderLine:
    with db.read_session() as session:
        return session.get(OrderLine, line_id)


def test_log_contact_writes_the_contact_the_triage_row_and_the_audit_event(triage_db):
    with triage_db.write_session() as session:
        support.log_contact(session, SAM, L2, "phone", "left_message", "  Voicemail, will call back  ")
    with triage_db.read_session() as session:
        contact = session.scalar(select(ContactLog).where(ContactLog.order_line_id == L2))
        row = session.get(BackorderTriage, L2)
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "log_contact"))
    assert (contact.channel, contact.outcome, contact.note, contact.user_id) == (
        "phone",
        "left_message",
        "Voicemail, will call back",
        7,
    )
    assert row.last_contact_outcome == "left_message" and row.last_contact_at == contact.at
    assert row.quiet_since_day == days.day_number(contact.at.date())
    assert (event.actor, event.entity_type, event.entity_id) == ("sam", "order_line", str(L2))


@pytest.mark.parametrize(
    ("line_id", "channel", "outcome", "note", "message"),
    [
        (L2, "pigeon", "reached", None, "how you contacted"),
        (L2, "phone", "cancelled", None, "outcome"),
        (L2, "phone", "reached", "x" * 2001, "too long"),
        (L2, "phone", "reached", {"$ne": 1}, "must be text"),
        ("12", "phone", "reached", None, "No order line"),
        (999, "phone", "reached", None, "does not exist"),
    ],
)
def test_bad_contact_input_changes_nothing(triage_db, line_id, channel, outcome, note, message):
    with pytest.raises(support.SupportError, match=message), triage_db.write_session() as session:
        support.log_contact(session, SAM, line_id, channel, outcome, note)
    assert count(triage_db, ContactLog) == 1 and count(triage_db, AuditEvent) == 0


def test_accepting_the_date_is_recorded_as_a_decision(triage_db):
    with triage_db.write_session() as session:
        support.accept_new_date(session, SAM, L1, line(triage_db, L1).version, "ok with the 22nd")
    with triage_db.read_session() as session:
        outcomes = session.scalars(select(ContactLog.outcome).where(ContactLog.order_line_id == L1)).all()
        action = session.scalar(select(AuditEvent.action))
    assert sorted(outcomes) == ["accepted_date", "reached"] and action == "customer_accepts_date"
    assert line(triage_db, L1).status == LineStatus.BACKORDERED


def test_cancel_frees_the_place_and_hands_reserved_units_to_the_next_in_line(triage_db):
    version = line(triage_db, L2).version
    with triage_db.write_session() as session:
        result = support.cancel_line(session, SAM, L2, version, "Bought elsewhere", TODAY)
    # L2 held 1 reserved unit; with the 2 free units that makes 3, exactly what pinned L3 waits for.
    assert result.released_units == 1
    assert [(a.line_id, a.qty, a.completes) for a in result.allocated_to] == [(L3, 3, True)]
    cancelled, l3 = line(triage_db, L2), line(triage_db, L3)
    assert (cancelled.status, cancelled.qty_allocated, cancelled.cancel_reason) == (
        LineStatus.CANCELLED,
        0,
        "Bought elsewhere",
    )
    assert (l3.status, l3.qty_allocated) == (LineStatus.ALLOCATED, 3)
    with triage_db.read_session() as session:
        stock = session.scalar(select(StockLevel))
        assert (stock.on_hand, stock.allocated) == (3, 3)
        notices = {n.idempotency_key: n for n in session.scalars(select(Notification))}
        positions = dict(session.execute(select(BackorderTriage.id, BackorderTriage.queue_position)).all())
        audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "customer_cancels"))
    cancel_notice = notices[f"line_cancelled:{L2}"]
    assert cancel_notice.recipient == "vera@example.com" and cancel_notice.status == NotificationStatus.PENDING
    assert "cancelled an item on order SO-2:\n\n- 4 × Desk lamp (SKU-1): as you asked." in cancel_notice.body_text
    assert f"ready_to_ship:{L3}" in notices
    # The queue is rebuilt in the same transaction: L1 moves up to first, L4 to second.
    assert positions == {L1: 1, L4: 2}
    assert audit.before["status"] == "backordered" and audit.after["released_units"] == 1
    assert audit.reason == "Bought elsewhere"


def test_cancel_needs_a_reason_and_changes_nothing_without_one(triage_db):
    with pytest.raises(support.SupportError, match="reason"), triage_db.write_session() as session:
        support.cancel_line(session, SAM, L2, line(triage_db, L2).version, "   ", TODAY)
    assert line(triage_db, L2).status == LineStatus.BACKORDERED
    assert count(triage_db, Notification) == 1 and count(triage_db, AuditEvent) == 0


def test_a_stale_version_is_refused_with_who_changed_it(triage_db):
    stale = line(triage_db, L4).version
    with triage_db.write_session() as session:
        support.accept_new_date(session, SAM, L4, stale, None)
        session.get(OrderLine, L4).priority_pin = 5  # someone else changes the line meanwhile
    with pytest.raises(support.StaleLineError, match="changed by sam"), triage_db.write_session() as session:
        support.cancel_line(session, SAM, L4, stale, "too slow", TODAY)
    assert line(triage_db, L4).status == LineStatus.BACKORDERED


def test_a_line_no_longer_waiting_cannot_be_cancelled_again(triage_db):
    with triage_db.write_session() as session:
        support.cancel_line(session, SAM, L4, line(triage_db, L4).version, "changed mind", TODAY)
    with pytest.raises(support.SupportError, match="cancelled, not waiting"), triage_db.write_session() as session:
        support.cancel_line(session, SAM, L4, line(triage_db, L4).version, "again", TODAY)
    assert count(triage_db, Notification) == 2


def test_a_cancellation_marks_the_metrics_stale(triage_db):
    with triage_db.write_session() as session:
        support.cancel_line(session, SAM, L4, line(triage_db, L4).version, "no longer needed", TODAY)
    with triage_db.read_session() as session:
        assert last_changed(session) is not None
