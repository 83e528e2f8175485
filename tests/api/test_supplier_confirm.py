"""The supplier's confirmation page behind a signed link, with no account (issue 21 item 4)."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from dashboard import context
from dashboard.db.models import AuditEvent, EtaRevision, Notification, PurchaseOrder
from dashboard.domain.codes import CauseCode, POStatus
from dashboard.services.audit.trail import Actor
from dashboard.services.purchasing import confirmation
from dashboard.services.purchasing.drafts import DraftScope, create_drafts
from dashboard.services.purchasing.sending import send_po
from dashboard.services.replenishment.queries import ReplenishmentFilters
from tests.conftest import TODAY

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def db_of(app):
    return context.current_for(app.server).db


@pytest.fixture
def app(demo_app):
    return demo_app


@pytest.fixture
def link(app) -> tuple[str, str]:
    """A draft sent to its supplier: the PO number and the confirmation path from its email."""
    db = db_of(app)
    with db.write_session() as session:
        result = create_drafts(session, Actor("manager"), TODAY, DraftScope(ReplenishmentFilters(warehouse_id=1)))
        number = result.purchase_orders[0].number
        send_po(session, Actor("manager"), number, TODAY, "https://desk.example.com")
    with db.read_session() as session:
        body = session.scalar(select(Notification.body_text).where(Notification.idempotency_key == f"po-sent:{number}"))
    url = re.search(r"https://desk\.example\.com(/supplier/confirm/\S+)", body).group(1)
    return number, url


def po(app, number) -> PurchaseOrder:
    with db_of(app).read_session() as session:
        return session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == number))


def answer(client, url, day, note=None, token=True):
    page = client.get(url)
    form = {"delivery_date": day, "note": note or ""}
    if token:
        form["csrf_token"] = CSRF.search(page.text).group(1)
    return client.post(url, data=form)


def test_the_link_opens_that_po_only_without_signing_in(app, client, link):
    number, url = link
    page = client.get(url)
    assert page.status_code == 200 and number in page.text and 'id="confirm-lines"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    # Nothing else of the shop: no navigation, no other purchase order.
    others = [n for n in re.findall(r"PO-[0-9-]+", page.text) if n != number]
    assert others == [] and "Replenishment" not in page.text and "navbar" not in page.text


def test_confirming_the_date_confirms_the_po_once(app, client, link):
    number, url = link
    sent = po(app, number)
    response = answer(client, url, sent.eta.isoformat(), "All in stock")
    assert response.status_code == 200 and 'id="confirm-done"' in response.text
    done = po(app, number)
    assert (done.status, done.eta, done.eta_confirmed) == (POStatus.CONFIRMED, sent.eta, True)
    assert done.confirmed_at is not None
    with db_of(app).read_session() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.entity_id == number, AuditEvent.action == "confirm"))
    assert event.actor.startswith("supplier ") and event.reason == "All in stock"
    # The same link again (a replay, or a second click with the form still open) changes nothing.
    assert client.get(url).status_code == 409 and "already answered" in client.get(url).text
    assert client.post(url, data={"delivery_date": sent.eta.isoformat()}).status_code == 400  # no form token
    form_token = CSRF.search(client.get("/login").text).group(1)
    later = (sent.eta + dt.timedelta(days=9)).isoformat()
    replay = client.post(url, data={"delivery_date": later, "csrf_token": form_token})
    assert replay.status_code == 409 and "already answered" in replay.text
    assert po(app, number).version == done.version and po(app, number).eta == sent.eta


def test_a_later_date_is_a_supplier_delay_revision(app, client, link):
    number, url = link
    sent = po(app, number)
    later = sent.eta + dt.timedelta(days=12)
    response = answer(client, url, later.isoformat())
    assert response.status_code == 200 and "waiting customers have been given the new date" in response.text
    done = po(app, number)
    assert (done.status, done.eta, done.eta_confirmed, done.original_eta) == (
        POStatus.CONFIRMED, later, True, sent.eta,
    )  # fmt: skip
    with db_of(app).read_session() as session:
        revision = session.scalar(select(EtaRevision).where(EtaRevision.po_id == done.id))
        actors = set(session.scalars(select(AuditEvent.actor).where(AuditEvent.entity_id == number)))
    assert (revision.old_eta, revision.new_eta, revision.cause) == (sent.eta, later, CauseCode.SUPPLIER_DELAY)
    assert any(a.startswith("supplier ") for a in actors)


@pytest.mark.parametrize(
    ("day", "message"),
    [("yesterday", "the delivery date"), ((TODAY - dt.timedelta(days=1)).isoformat(), "cannot be in the past")],
)
def test_bad_dates_are_refused_and_change_nothing(app, client, link, day, message):
    number, url = link
    before = po(app, number)
    response = answer(client, url, day)
    assert response.status_code == 400 and message in response.text
    after = po(app, number)
    assert (after.status, after.version, after.eta) == (POStatus.SENT, before.version, before.eta)


def test_tampered_and_expired_links_and_a_missing_form_token_are_refused(app, client, link):
    number, url = link
    token = url.rsplit("/", 1)[1]
    tampered = url[:-3] + ("aaa" if not url.endswith("aaa") else "bbb")
    assert client.get(tampered).status_code == 400 and "not valid" in client.get(tampered).text
    assert client.get("/supplier/confirm/not-a-token").status_code == 400
    assert answer(client, url, po(app, number).eta.isoformat(), token=False).status_code == 400
    with db_of(app).read_session() as session, pytest.raises(confirmation.LinkError, match="expired"):
        confirmation.read_token(session, token, max_age=-1)
    assert po(app, number).status == POStatus.SENT
