"""The demo's recent purchasing goes through the product (issue 21 item 9).

Drafts waiting to be sent, POs sent and confirmed on the supplier's link (most at once with the
date they were sent with, some late or with a later date, which is a ``supplier_delay`` revision),
the last few still awaiting an answer, and the audit trail the real services would have written.
"""

import datetime as dt
import re
from collections import defaultdict

from sqlalchemy import func, select

from dashboard.db.models import AuditEvent, EtaRevision, POLine, PromiseRevision, PurchaseOrder, Supplier, User
from dashboard.domain.codes import POStatus
from dashboard.services.demo import END_HOUR_UTC
from dashboard.services.overview import overview_counts
from tests.conftest import TODAY

NOW = dt.datetime.combine(TODAY, dt.time(END_HOUR_UTC), dt.UTC)
RECEIVING = {POStatus.PARTIALLY_RECEIVED, POStatus.RECEIVED}


def _pos(db) -> list[PurchaseOrder]:
    with db.read_session() as session:
        return session.scalars(select(PurchaseOrder).order_by(PurchaseOrder.id)).all()


def _manager(db) -> int:
    with db.read_session() as session:
        return session.scalar(select(User.id).where(User.username == "manager"))


def test_a_few_small_drafts_made_by_the_manager_in_the_last_two_days(demo_db):
    manager = _manager(demo_db)
    drafts = [po for po in _pos(demo_db) if po.status == POStatus.DRAFT]
    assert 3 <= len(drafts) <= 6
    with demo_db.read_session() as session:
        lines = session.execute(
            select(POLine.po_id, POLine.qty, POLine.unit_cost, POLine.qty_received).where(
                POLine.po_id.in_([po.id for po in drafts])
            )
        ).all()
    per_draft = defaultdict(list)
    for po_id, qty, cost, received in lines:
        per_draft[po_id].append((qty, cost, received))
    for po in drafts:
        assert po.created_by == manager and po.sent_at is None and po.sent_by is None and po.confirmed_at is None
        assert re.fullmatch(rf"PO-{po.ordered_at:%y%m%d}-\d{{3}}", po.number)
        assert NOW - dt.timedelta(days=2) <= po.ordered_at <= NOW
        assert po.eta >= po.ordered_at.date() and po.original_eta == po.eta and not po.eta_confirmed
        assert 1 <= len(per_draft[po.id]) <= 5
        assert all(
            qty > 0 and cost is not None and cost > 0 and received == 0 for qty, cost, received in per_draft[po.id]
        )


def test_recent_pos_were_sent_by_the_manager_and_older_ones_placed_outside(demo_db):
    manager = _manager(demo_db)
    pos = _pos(demo_db)
    sent = [po for po in pos if po.sent_at is not None]
    assert len(sent) >= 30
    first = min(po.sent_at for po in sent)
    assert NOW - dt.timedelta(days=61) <= first <= NOW - dt.timedelta(days=30)
    for po in sent:
        assert po.created_by == manager and po.sent_by == manager
        assert po.sent_at == po.ordered_at <= NOW
        assert re.fullmatch(rf"PO-{po.sent_at:%y%m%d}-\d{{3}}", po.number)
        assert po.status not in (POStatus.OPEN, POStatus.DRAFT)
    placed_outside = [po for po in pos if po.created_by is None]
    assert all(po.sent_at is None and po.confirmed_at is None for po in placed_outside)
    # One supplier is still ordered from the old way: POs placed outside the product remain open.
    assert any(po.status == POStatus.OPEN for po in placed_outside)


def test_the_last_week_leaves_unanswered_pos_for_the_overview_to_chase(demo_db):
    pos = _pos(demo_db)
    awaiting = [po for po in pos if po.status == POStatus.SENT]
    assert len(awaiting) >= 3
    assert all(po.confirmed_at is None and po.confirmed_eta is None and not po.eta_confirmed for po in awaiting)
    assert all(NOW - dt.timedelta(days=9) <= po.sent_at <= NOW for po in awaiting)
    assert any(po.sent_at < NOW - dt.timedelta(days=3) for po in awaiting)
    with demo_db.read_session() as session:
        assert overview_counts(session, TODAY).sent_unconfirmed >= 1


def test_confirmations_come_after_sending_mostly_at_once_with_the_date_sent(demo_db):
    confirmed = [po for po in _pos(demo_db) if po.confirmed_at is not None]
    assert confirmed
    for po in confirmed:
        assert po.sent_at is not None and po.sent_at < po.confirmed_at <= NOW
        assert po.confirmed_eta is not None and po.confirmed_eta >= po.original_eta
        assert po.status == POStatus.CONFIRMED or po.status in RECEIVING
    as_sent = [po for po in confirmed if po.confirmed_eta == po.original_eta]
    prompt = [po for po in as_sent if po.confirmed_at - po.sent_at <= dt.timedelta(days=3)]
    slow = [po for po in confirmed if po.confirmed_at - po.sent_at >= dt.timedelta(days=4)]
    later = [po for po in confirmed if po.confirmed_eta > po.original_eta]
    assert len(prompt) > len(confirmed) / 2
    assert slow and later
    # Confirmed and not received yet: the status says so, and the ETA is confirmed.
    waiting = [po for po in confirmed if po.status == POStatus.CONFIRMED]
    assert waiting and sum(po.eta_confirmed for po in waiting) > len(waiting) / 2


def test_a_later_date_on_the_link_is_a_supplier_delay_revision_by_the_supplier(demo_db):
    later = [po for po in _pos(demo_db) if po.confirmed_at is not None and po.confirmed_eta > po.original_eta]
    on_the_link = []
    with demo_db.read_session() as session:
        codes = dict(session.execute(select(Supplier.id, Supplier.code)).all())
        for po in later:
            # The date confirmed is the ETA the last revision up to the answer set: the supplier's own
            # (at the moment it answered), or a manager's made while the PO awaited its answer.
            revision = session.scalars(
                select(EtaRevision)
                .where(EtaRevision.po_id == po.id, EtaRevision.at <= po.confirmed_at)
                .order_by(EtaRevision.at.desc(), EtaRevision.id.desc())
            ).first()
            assert revision is not None and revision.new_eta == po.confirmed_eta, po.number
            if revision.at != po.confirmed_at:
                continue
            on_the_link.append(po)
            assert revision.old_eta == po.original_eta
            assert revision.cause == "supplier_delay" and revision.confirmed and revision.user_id is None
            assert revision.note
            events = session.execute(
                select(AuditEvent.action, AuditEvent.actor, AuditEvent.user_id, AuditEvent.after)
                .where(AuditEvent.entity_id == po.number, AuditEvent.at == po.confirmed_at)
                .order_by(AuditEvent.id)
            ).all()
            supplier = f"supplier {codes[po.supplier_id]}"
            assert [(action, actor, user) for action, actor, user, _ in events] == [
                ("revise_eta", supplier, None),
                ("confirm", supplier, None),
            ]
            revised = {"eta": po.confirmed_eta.isoformat(), "eta_confirmed": True, "cause": "supplier_delay"}
            assert events[0].after == revised
        # Waiting customers were told at once, never before the supplier answered.
        told = session.execute(
            select(PromiseRevision.at, EtaRevision.at)
            .join(EtaRevision, EtaRevision.id == PromiseRevision.eta_revision_id)
            .where(EtaRevision.user_id.is_(None))
        ).all()
    assert on_the_link
    assert all(customer == supplier_at <= NOW for customer, supplier_at in told)


def test_every_po_eta_history_runs_from_the_original_to_the_current_eta(demo_db):
    with demo_db.read_session() as session:
        pos = {po.id: po for po in session.scalars(select(PurchaseOrder))}
        revisions = session.execute(
            select(EtaRevision.po_id, EtaRevision.old_eta, EtaRevision.new_eta).order_by(EtaRevision.at, EtaRevision.id)
        ).all()
        received = set(session.scalars(select(POLine.po_id).where(POLine.qty_received > 0)))
    current = {po_id: po.original_eta for po_id, po in pos.items()}
    for po_id, old, new in revisions:
        assert old == current[po_id], pos[po_id].number
        current[po_id] = new
    assert all(current[po_id] == po.eta for po_id, po in pos.items())
    assert all(po.eta >= po.ordered_at.date() for po in pos.values())
    # Received goods decide the status, whatever the paperwork says.
    assert all(pos[po_id].status in RECEIVING for po_id in received)


def test_the_audit_trail_tells_the_story_as_the_services_write_it(demo_db):
    manager = _manager(demo_db)
    pos = _pos(demo_db)
    with demo_db.read_session() as session:
        events = session.execute(
            select(
                AuditEvent.entity_id,
                AuditEvent.action,
                AuditEvent.actor,
                AuditEvent.user_id,
                AuditEvent.at,
                AuditEvent.before,
                AuditEvent.after,
            ).where(AuditEvent.action.in_(["draft", "send", "confirm"]))
        ).all()
        emails = dict(session.execute(select(Supplier.id, Supplier.email)).all())
        revised_on_the_link = set(
            session.scalars(
                select(AuditEvent.entity_id).where(
                    AuditEvent.action == "revise_eta", AuditEvent.actor.startswith("supplier ")
                )
            )
        )
        after_now = session.scalar(
            select(func.count()).where(AuditEvent.action.in_(["draft", "send", "confirm"]), AuditEvent.at > NOW)
        )
    by_po = defaultdict(dict)
    for event in events:
        by_po[event.entity_id][event.action] = event
    assert after_now == 0
    for po in pos:
        story = by_po.get(po.number, {})
        if po.created_by is None:
            assert not story
            continue
        draft = story["draft"]
        assert (draft.actor, draft.user_id, draft.before) == ("manager", manager, None)
        assert set(draft.after) == {"supplier", "warehouse", "lines", "value"} and draft.after["lines"]
        if po.status == POStatus.DRAFT:
            assert set(story) == {"draft"} and draft.at == po.ordered_at
            continue
        send = story["send"]
        assert draft.at < send.at == po.sent_at and send.user_id == manager
        assert send.before == {"status": "draft", "eta": po.original_eta.isoformat()}
        assert send.after == {"status": "sent", "eta": po.original_eta.isoformat(), "to": emails[po.supplier_id]}
        if po.confirmed_at is None:
            assert "confirm" not in story
            continue
        confirm = story["confirm"]
        assert confirm.at == po.confirmed_at and confirm.user_id is None and confirm.actor.startswith("supplier ")
        # As ``confirm`` records it: after the revision a later date made, which confirmed the ETA.
        # (Before it, only a manager's revision while the PO awaited its answer may have confirmed it.)
        assert set(confirm.before) == {"status", "eta_confirmed"} and confirm.before["status"] == "sent"
        if po.number in revised_on_the_link:
            assert confirm.before["eta_confirmed"] is True
        assert confirm.after == {"status": "confirmed", "eta": po.confirmed_eta.isoformat(), "eta_confirmed": True}
