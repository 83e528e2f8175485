"""Revising a PO's ETA: the impact preview and the one-transaction cascade to waiting customers."""

import pytest
from sqlalchemy import func, select

from dashboard.db.models import (
    AuditEvent,
    BackorderTriage,
    EtaRevision,
    Notification,
    OrderLine,
    PromiseRevision,
    PurchaseOrder,
)
from dashboard.domain.codes import CauseCode
from dashboard.services.audit.trail import Actor
from dashboard.services.derived import triage
from dashboard.services.inbound import eta
from tests.services import triage_data as data
from tests.services.triage_data import L1, TODAY, day

MANAGER = Actor("mia", None)


@pytest.fixture
def eta_db(db):
    with db.write_session() as session:
        data.build(session)
    triage.refresh_triage(db, TODAY, handling_days=2)
    return db


def request(po="PO-B", new=30, confirmed=True, cause="supplier_delay", note="Factory fire", version=None):
    return eta.EtaRequest.parse(po, day(new).isoformat(), confirmed, cause, note, version)


def count(db, model) -> int:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_preview_reports_moved_and_newly_breached_lines_without_writing(eta_db):
    with eta_db.read_session() as session:
        impact = eta.preview(session, request(), TODAY, 2)
    # Only L1 is covered by PO-B: P80 moves from +19 to +37, past its promise of +25.
    assert [line.line_id for line in impact.lines] == [L1]
    line = impact.lines[0]
    assert (line.old_p80, line.new_p80, line.new_promise, line.newly_past) == (day(19), day(37), day(37), True)
    assert (impact.moved, impact.newly_past, impact.value_at_risk, impact.customers) == (1, 1, 50.0, 1)
    assert count(eta_db, EtaRevision) == 0 and count(eta_db, Notification) == 1


def test_an_earlier_eta_moves_lines_without_new_promises(eta_db):
    with eta_db.read_session() as session:
        impact = eta.preview(session, request(po="PO-B", new=8), TODAY, 2)
    assert impact.moved >= 1 and impact.revised == []


def test_revise_writes_the_eta_the_promises_the_notices_and_the_audit_in_one_go(eta_db):
    with eta_db.write_session() as session:
        version = session.scalar(select(PurchaseOrder.version).where(PurchaseOrder.number == "PO-B"))
        impact = eta.revise_eta(session, MANAGER, request(version=version), TODAY, 2)
    assert len(impact.revised) == 1
    with eta_db.read_session() as session:
        po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == "PO-B"))
        revision = session.scalar(select(EtaRevision))
        promise = session.scalar(select(PromiseRevision))
        line = session.get(OrderLine, L1)
        notice = session.scalar(select(Notification).where(Notification.kind == "promise_revised"))
        actions = sorted(session.scalars(select(AuditEvent.action)).all())
        row = session.get(BackorderTriage, L1)
    assert (po.eta, po.eta_confirmed) == (day(30), True)
    assert (revision.old_eta, revision.new_eta, revision.cause, revision.note) == (
        day(12),
        day(30),
        CauseCode.SUPPLIER_DELAY,
        "Factory fire",
    )
    assert (promise.old_date, promise.new_date, promise.eta_revision_id) == (day(25), day(37), revision.id)
    assert (line.promised_date, line.promise_revision_count, line.original_promised_date) == (day(37), 1, day(25))
    assert notice.recipient == "ann@example.com" and notice.order_line_id == L1
    assert "expected to ship by" in notice.body_text and "Desk lamp" in notice.subject
    assert actions == ["revise_eta", "revise_promise"]
    # The triage queue is rebuilt in the same transaction: the new promise, no longer at risk.
    assert (row.promised_date, row.ship_p80, row.revisions, row.at_risk) == (day(37), day(37), 1, False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"new": -1}, "in the past"),
        ({"cause": "aliens"}, "Choose a cause"),
        ({"po": "PO-NOPE"}, "No purchase order"),
        ({"po": "PO-OLD-1"}, "only open purchase orders"),
        ({"new": 12}, "already has that ETA"),
        ({"note": "x" * 1001}, "at most 1000"),
    ],
)
def test_bad_revisions_are_refused_and_change_nothing(eta_db, args, message):
    with pytest.raises(eta.EtaError, match=message), eta_db.write_session() as session:
        eta.revise_eta(session, MANAGER, request(**args), TODAY, 2)
    assert count(eta_db, EtaRevision) == 0 and count(eta_db, PromiseRevision) == 0 and count(eta_db, AuditEvent) == 0


def test_impossible_dates_are_refused():
    for value in ("2026-13-45", "tomorrow", "", None):
        with pytest.raises(eta.EtaError):
            eta.EtaRequest.parse("PO-B", value, True, "transport")


def test_an_eta_before_the_po_was_ordered_is_refused(eta_db):
    # Seen from 30 days ago, +(-25) is not in the past, but PO-B was ordered on day −20.
    with pytest.raises(eta.EtaError, match="before the PO was ordered"), eta_db.read_session() as session:
        eta.preview(session, request(new=-25), day(-30), 2)


def test_a_stale_version_is_refused_with_who_changed_it(eta_db):
    with eta_db.write_session() as session:
        version = session.scalar(select(PurchaseOrder.version).where(PurchaseOrder.number == "PO-B"))
        eta.revise_eta(session, MANAGER, request(version=version), TODAY, 2)
    with pytest.raises(eta.StaleEtaError, match="changed by mia"), eta_db.write_session() as session:
        eta.revise_eta(session, MANAGER, request(new=40, version=version), TODAY, 2)
    assert count(eta_db, EtaRevision) == 1
