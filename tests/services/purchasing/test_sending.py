"""Sending a draft purchase order to its supplier through the outbox, delivered by real SMTP (issue 21 item 3)."""

import csv
import datetime as dt
import io

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from dashboard.cli import main
from dashboard.config import Settings
from dashboard.db.models import AuditEvent, BackorderTriage, Notification, POLine, Product, PurchaseOrder, Supplier
from dashboard.domain.codes import POStatus
from dashboard.services.audit.trail import Actor
from dashboard.services.comms import delivery
from dashboard.services.inbound import purchase_orders as inbound
from dashboard.services.overview import overview_counts
from dashboard.services.purchasing.drafts import DraftScope, create_drafts
from dashboard.services.purchasing.sending import SendError, send_po
from dashboard.services.replenishment.queries import ReplenishmentFilters
from tests.conftest import BACKENDS, TODAY, refreshed_demo
from tests.services.comms.test_delivery import smtp  # noqa: F401 - the real SMTP server fixture

pytestmark = pytest.mark.slow
MANAGER = Actor("manager", None)


@pytest.fixture(params=BACKENDS)
def sdb(request, demo_template, tmp_path):
    """The demo with metrics refreshed and drafts made for its first warehouse, per backend."""
    with refreshed_demo(request.param, demo_template, tmp_path) as database:
        with database.write_session() as session:
            create_drafts(session, MANAGER, TODAY, DraftScope(ReplenishmentFilters(warehouse_id=1)))
        yield database


def _draft(db) -> PurchaseOrder:
    with db.read_session() as session:
        po = session.scalars(
            select(PurchaseOrder).where(PurchaseOrder.status == POStatus.DRAFT).order_by(PurchaseOrder.number)
        ).first()
        _ = [line.qty for line in po.lines]
        return po


def test_a_sent_po_is_placed_and_mailed_with_its_csv_and_html(sdb, smtp):  # noqa: F811
    inbox, url = smtp
    draft = _draft(sdb)
    with sdb.write_session() as session:
        sent = send_po(session, MANAGER, draft.number, TODAY, "https://desk.example.com")
    with sdb.read_session() as session:
        po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == draft.number))
        supplier = session.get(Supplier, po.supplier_id)
        skus = dict(
            session.execute(
                select(Product.sku, POLine.qty)
                .join(POLine, POLine.product_id == Product.id)
                .where(POLine.po_id == po.id)
            ).all()
        )
        audit = session.scalar(select(AuditEvent).where(AuditEvent.entity_id == po.number, AuditEvent.action == "send"))
    assert po.status == POStatus.SENT and po.sent_at is not None and not po.eta_confirmed
    assert po.eta == po.original_eta == sent.eta and sent.eta > TODAY
    assert audit.after["to"] == supplier.email == sent.recipient
    # Delivered by the outbox worker over SMTP (with the demo's pending notices): the order in the body,
    # the CSV and the HTML attached.
    assert delivery.deliver_once(sdb, delivery.SmtpSender(url)).sent >= 1
    [message] = [m for m in inbox.messages if draft.number in m["Subject"]]
    assert message["To"] == supplier.email and draft.number in message["Subject"]
    parts = {part.get_filename(): part for part in message.walk() if part.get_filename()}
    assert set(parts) == {f"{po.number}.csv", f"{po.number}.html"}
    rows = list(csv.DictReader(io.StringIO(parts[f"{po.number}.csv"].get_payload(decode=True).decode())))
    assert {row["sku"]: int(row["quantity"]) for row in rows} == skus
    assert all(row["po_number"] == po.number for row in rows)
    page = parts[f"{po.number}.html"].get_payload(decode=True).decode()
    assert page.startswith("<!doctype html>") and all(sku in page for sku in skus)
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert all(sku in body for sku in skus) and f"{sent.eta:%d %B %Y}" in body


def test_what_cannot_be_sent_is_refused_and_nothing_changes(sdb):
    draft = _draft(sdb)
    with sdb.write_session() as session:
        session.execute(update(Supplier).where(Supplier.id == draft.supplier_id).values(email=None))
    for number, message in (
        (draft.number, "has no email address"),
        ("PO-NOPE", "there is no purchase order"),
        ("", "name the purchase order"),
        (["PO"], "name the purchase order"),
    ):
        with pytest.raises(SendError, match=message), sdb.write_session() as session:
            send_po(session, MANAGER, number, TODAY, "https://desk.example.com")
    with sdb.read_session() as session:
        assert session.scalar(select(PurchaseOrder.status).where(PurchaseOrder.number == draft.number)) == (
            POStatus.DRAFT
        )
        assert session.scalar(select(Notification.id).where(Notification.kind == "purchase_order")) is None
        placed = session.scalar(select(PurchaseOrder.number).where(PurchaseOrder.status == POStatus.OPEN).limit(1))
    with pytest.raises(SendError, match="not a draft"), sdb.write_session() as session:
        send_po(session, MANAGER, placed, TODAY, "https://desk.example.com")


def test_the_command_sends_as_a_manager_once(sdb):
    draft = _draft(sdb)
    settings = Settings(database_url=sdb.url, auto_demo=False, today_override=TODAY)
    run = CliRunner().invoke
    refused = run(main, ["po", "send", draft.number, "--user", "executive"], obj={"settings": settings})
    assert refused.exit_code != 0 and "only managers and admins" in refused.output
    done = run(main, ["po", "send", draft.number, "--user", "manager"], obj={"settings": settings})
    assert done.exit_code == 0, done.output
    assert f"{draft.number}: sent to" in done.output and f"{draft.number}.csv" in done.output
    again = run(main, ["po", "send", draft.number, "--user", "manager"], obj={"settings": settings})
    assert again.exit_code != 0 and "is sent, not a draft" in again.output
    with sdb.read_session() as session:
        assert session.scalar(select(PurchaseOrder.sent_by).where(PurchaseOrder.number == draft.number)) is not None
        sent_mail = session.scalars(select(Notification).where(Notification.kind == "purchase_order")).all()
    assert len(sent_mail) == 1 and sent_mail[0].idempotency_key == f"po-sent:{draft.number}"


def test_cancelling_a_draft_or_an_uncounted_po_and_refusing_one_customers_count_on(sdb):
    draft = _draft(sdb)
    settings = Settings(database_url=sdb.url, auto_demo=False, today_override=TODAY)
    run = CliRunner().invoke
    no_reason = run(
        main, ["po", "cancel", draft.number, "--reason", " ", "--user", "manager"], obj={"settings": settings}
    )
    assert no_reason.exit_code != 0 and "give the reason" in no_reason.output
    done = run(main, ["po", "cancel", draft.number, "--reason", "Wrong supplier", "--user", "manager"],
               obj={"settings": settings})  # fmt: skip
    assert done.exit_code == 0 and "cancelled (was draft)" in done.output, done.output
    with sdb.read_session() as session:
        assert session.scalar(select(PurchaseOrder.status).where(PurchaseOrder.number == draft.number)) == (
            POStatus.CANCELLED
        )
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.entity_id == draft.number, AuditEvent.action == "cancel")
        )
        covering = session.scalar(
            select(PurchaseOrder.number)
            .join(BackorderTriage, BackorderTriage.covering_po_id == PurchaseOrder.id)
            .limit(1)
        )
    assert event.reason == "Wrong supplier" and event.before == {"status": "draft"}
    again = run(main, ["po", "cancel", draft.number, "--reason", "x", "--user", "manager"], obj={"settings": settings})
    assert again.exit_code != 0 and "only an open PO or a draft" in again.output
    # A placed PO waiting customers are promised against: shown first, refused without --yes, then cancelled.
    preview = run(main, ["po", "cancel", covering, "--reason", "x", "--dry-run", "--user", "manager"],
                  obj={"settings": settings})  # fmt: skip
    assert preview.exit_code == 0 and "cancelling would give" in preview.output, preview.output
    refused = run(main, ["po", "cancel", covering, "--reason", "x", "--user", "manager"], obj={"settings": settings})
    assert refused.exit_code != 0 and "covers waiting customers" in refused.output and "--yes" in refused.output
    with sdb.read_session() as session:
        assert session.scalar(select(PurchaseOrder.status).where(PurchaseOrder.number == covering)) != (
            POStatus.CANCELLED
        )
    done = run(main, ["po", "cancel", covering, "--reason", "Supplier closed", "--cause", "supplier_delay", "--yes",
                      "--user", "manager"], obj={"settings": settings})  # fmt: skip
    assert done.exit_code == 0 and "cancelled (was" in done.output, done.output
    with sdb.read_session() as session:
        assert session.scalar(select(PurchaseOrder.status).where(PurchaseOrder.number == covering)) == (
            POStatus.CANCELLED
        )


def test_inbound_lists_drafts_and_pos_awaiting_confirmation_with_their_age(sdb):
    draft = _draft(sdb)
    with sdb.write_session() as session:
        send_po(session, MANAGER, draft.number, TODAY, "https://desk.example.com")
    page = {"startRow": 0, "endRow": 500}
    with sdb.read_session() as session:
        drafts = inbound.grid_rows(session, inbound.InboundFilters(show="drafts"), page, TODAY).rows
        awaiting = inbound.grid_rows(session, inbound.InboundFilters(show="awaiting"), page, TODAY).rows
        placed = inbound.grid_rows(session, inbound.InboundFilters(show="all"), page, TODAY).rows
        expected_drafts = set(
            session.scalars(select(PurchaseOrder.number).where(PurchaseOrder.status == POStatus.DRAFT))
        )
        expected_awaiting = set(
            session.scalars(select(PurchaseOrder.number).where(PurchaseOrder.status == POStatus.SENT))
        )
    assert {row["number"] for row in drafts} == expected_drafts and expected_drafts
    assert all(row["status"] == "Draft" and row["lines"] > 0 for row in drafts)
    assert {row["number"] for row in awaiting} == expected_awaiting and draft.number in expected_awaiting
    assert {row["status"] for row in awaiting} == {"Sent"}
    # Age counts from the sending (today here); drafts are not placed, so "all open POs" leaves them out.
    assert next(row for row in awaiting if row["number"] == draft.number)["age_days"] == 0
    numbers = {row["number"] for row in placed}
    assert draft.number in numbers and numbers.isdisjoint(expected_drafts)


def test_the_overview_warns_of_pos_sent_days_ago_and_still_unconfirmed(sdb):
    draft = _draft(sdb)
    with sdb.read_session() as session:
        already = overview_counts(session, TODAY).sent_unconfirmed  # the demo's own
    with sdb.write_session() as session:
        send_po(session, MANAGER, draft.number, TODAY, "https://desk.example.com")
    with sdb.read_session() as session:
        assert overview_counts(session, TODAY).sent_unconfirmed == already  # sent today: not yet a worry
    four_days_ago = dt.datetime.combine(TODAY - dt.timedelta(days=4), dt.time(9), dt.UTC)
    with sdb.write_session() as session:
        session.execute(update(PurchaseOrder).where(PurchaseOrder.number == draft.number).values(sent_at=four_days_ago))
    with sdb.read_session() as session:
        assert overview_counts(session, TODAY).sent_unconfirmed == already + 1
    with sdb.write_session() as session:
        session.execute(
            update(PurchaseOrder).where(PurchaseOrder.number == draft.number).values(status=POStatus.CONFIRMED)
        )
    with sdb.read_session() as session:
        assert overview_counts(session, TODAY).sent_unconfirmed == already
