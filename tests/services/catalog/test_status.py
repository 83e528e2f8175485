"""Setting a SKU's sales status: the policy's refusals, the discontinue decision, notices, audit and copies."""

import pytest
from sqlalchemy import func, select, update

from dashboard.db.models import (
    AuditEvent,
    Notification,
    OrderLine,
    POLine,
    Product,
    PurchaseOrder,
    RestockSubscription,
    SkuMetrics,
    SkuMetricsSummary,
    StatusAdvice,
    StockLevel,
)
from dashboard.domain.codes import LineStatus, POStatus, SalesStatus, SubscriptionStatus, Substitutability
from dashboard.services.audit.trail import Actor
from dashboard.services.catalog import status
from dashboard.services.derived.refresh import refresh_metrics
from tests.services import triage_data as data
from tests.services.triage_data import TODAY, day, moment

MIA = Actor("mia", None)


@pytest.fixture
def status_db(db):
    with db.write_session() as session:
        data.build(session)
        session.add(
            Product(
                id=2,
                sku="SKU-2",
                name="Floor lamp",
                category="Lighting",
                unit_price=50.0,
                unit_cost=20.0,
                substitutability=Substitutability.NICHE,
                sales_status=SalesStatus.OUT_OF_STOCK,
            )
        )
        session.add(StockLevel(product_id=2, warehouse_id=1, on_hand=0, allocated=0))
        session.add(RestockSubscription(product_id=2, email="fan@example.com", status=SubscriptionStatus.ACTIVE))
        session.add(RestockSubscription(product_id=1, email="lamp@example.com", status=SubscriptionStatus.ACTIVE))
    refresh_metrics(db, TODAY)
    return db


def change(db, *changes, reason="Weekly review", **options):
    with db.write_session() as session:
        return status.set_status(session, MIA, [status.StatusChange(*c) for c in changes], reason, TODAY, 2, **options)


def product(db, sku) -> Product:
    with db.read_session() as session:
        return session.scalar(select(Product).where(Product.sku == sku))


def count(db, model, *where) -> int:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_advice_lists_the_mismatch_and_why(status_db):
    with status_db.read_session() as session:
        advice = session.get(StatusAdvice, 1)
    # SKU-1 is on backorder, but 2 units sit unreserved: the policy says in stock.
    assert (advice.current_status, advice.recommended_status, advice.has_mismatch) == ("backorder", "in_stock", True)
    assert "2 units available" in advice.mismatch


def test_a_status_change_updates_the_product_its_copies_and_the_audit(status_db):
    [result] = change(status_db, ("SKU-1", "in_stock", 1))
    assert (result.old, result.new) == (SalesStatus.BACKORDER, SalesStatus.IN_STOCK)
    p = product(status_db, "SKU-1")
    assert (p.sales_status, p.status_reason, p.version) == (SalesStatus.IN_STOCK, "Weekly review", 2)
    assert count(status_db, SkuMetrics, SkuMetrics.sales_status == "in_stock", SkuMetrics.product_id == 1) == 1
    assert count(status_db, SkuMetricsSummary, SkuMetricsSummary.sales_status == "backorder") == 0
    with status_db.read_session() as session:
        event = session.scalar(select(AuditEvent))
        advice = session.get(StatusAdvice, 1)
    assert (event.entity_id, event.before["sales_status"], event.after["sales_status"]) == (
        "SKU-1",
        "backorder",
        "in_stock",
    )
    assert not advice.has_mismatch


def test_backorder_without_a_confirmed_eta_is_refused_unless_overridden(status_db):
    with pytest.raises(status.StatusError, match="Write an override reason"):
        change(status_db, ("SKU-2", "backorder"))
    assert product(status_db, "SKU-2").sales_status is SalesStatus.OUT_OF_STOCK
    assert count(status_db, AuditEvent) == 0
    change(status_db, ("SKU-2", "backorder"), override_reason="Supplier promised by phone")
    with status_db.read_session() as session:
        event = session.scalar(select(AuditEvent))
    assert event.after["override_reason"] == "Supplier promised by phone"


def test_leaving_out_of_stock_tells_the_notify_me_subscribers(status_db):
    with status_db.write_session() as session:
        session.execute(update(StockLevel).where(StockLevel.product_id == 2).values(on_hand=5))
    change(status_db, ("SKU-2", "in_stock"))
    with status_db.read_session() as session:
        notice = session.scalar(select(Notification).where(Notification.kind == "back_in_stock"))
        sub = session.scalar(select(RestockSubscription).where(RestockSubscription.product_id == 2))
    assert notice.recipient == "fan@example.com" and "back in stock and ships now" in notice.body_text
    assert sub.status is SubscriptionStatus.NOTIFIED and sub.notified_at is not None


def test_discontinuing_needs_a_decision_about_open_backorders(status_db):
    with pytest.raises(status.StatusError, match="choose whether to cancel"):
        change(status_db, ("SKU-1", "discontinued"))
    assert count(status_db, OrderLine, OrderLine.status == LineStatus.CANCELLED) == 0


def test_discontinue_and_cancel_notifies_every_waiting_customer_and_subscriber(status_db):
    [result] = change(status_db, ("SKU-1", "discontinued"), backorder_action="cancel")
    assert result.cancelled_lines == 4 and result.notices == 1
    assert count(status_db, OrderLine, OrderLine.status == LineStatus.BACKORDERED) == 0
    with status_db.read_session() as session:
        cancelled = session.scalars(select(Notification).where(Notification.kind == "line_cancelled")).all()
        told = session.scalar(select(Notification).where(Notification.kind == "discontinued"))
        stock = session.scalar(select(StockLevel).where(StockLevel.product_id == 1))
    assert len(cancelled) == 4 and all("has been discontinued" in n.body_text for n in cancelled)
    assert told.recipient == "lamp@example.com"
    assert stock.allocated == 0  # the reserved unit went back: nobody waits for a discontinued SKU


def test_discontinue_and_keep_leaves_the_backorders(status_db):
    change(status_db, ("SKU-1", "discontinued"), backorder_action="keep")
    assert count(status_db, OrderLine, OrderLine.status == LineStatus.BACKORDERED) == 4


@pytest.mark.parametrize(
    ("changes", "reason", "message"),
    [
        ((("SKU-1", "sold_out"),), "x", "Unknown sales status"),
        ((("SKU-1", ["in_stock"]),), "x", "Unknown sales status"),
        ((("SKU-404", "in_stock"),), "x", "No SKU"),
        ((("SKU-1", "in_stock"),), "   ", "Write a reason"),
        ((("SKU-1", "backorder"),), "x", "already backorder"),
        ((), "x", "Select at least one SKU"),
    ],
)
def test_bad_changes_are_refused(status_db, changes, reason, message):
    with pytest.raises(status.StatusError, match=message):
        change(status_db, *changes, reason=reason)
    assert count(status_db, AuditEvent) == 0


def test_a_bulk_change_is_all_or_nothing(status_db):
    with pytest.raises(status.StatusError, match="SKU-2"):
        change(status_db, ("SKU-1", "in_stock"), ("SKU-2", "backorder"))
    assert product(status_db, "SKU-1").sales_status is SalesStatus.BACKORDER


def test_a_stale_version_is_refused_with_who_changed_it(status_db):
    change(status_db, ("SKU-1", "in_stock", 1))
    with pytest.raises(status.StaleStatusError, match="changed by mia"):
        change(status_db, ("SKU-1", "out_of_stock", 1))
    assert product(status_db, "SKU-1").sales_status is SalesStatus.IN_STOCK


def test_going_on_backorder_with_a_confirmed_window_tells_subscribers_the_window(status_db):
    with status_db.write_session() as session:
        session.add(
            PurchaseOrder(
                number="PO-2",
                supplier_id=1,
                warehouse_id=1,
                ordered_at=moment(-10),
                eta=day(5),
                eta_confirmed=True,
                status=POStatus.OPEN,
                lines=[POLine(product_id=2, qty=10)],
            )
        )
    change(status_db, ("SKU-2", "backorder"))  # recommended: confirmed PO-2 ships by +12, 10 units free
    with status_db.read_session() as session:
        notice = session.scalar(select(Notification).where(Notification.kind == "back_in_stock"))
    assert notice.recipient == "fan@example.com"
    assert f"estimated shipping between {day(9):%d %B} and {day(12):%d %B %Y}" in notice.body_text
