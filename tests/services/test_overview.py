"""Overview numbers against a small hand-built dataset with known answers."""

import datetime as dt

import pytest

from dashboard.db.models import (
    Customer,
    KpiDaily,
    KpiSupplierDaily,
    OrderLine,
    Product,
    PurchaseOrder,
    SalesOrder,
    StockLevel,
    Supplier,
    Warehouse,
)
from dashboard.domain import kpi_kinds
from dashboard.domain.codes import LineStatus, POStatus, SalesStatus
from dashboard.services.overview import latest_pos, most_overdue_lines, overview_counts, recent_kpis

TODAY = dt.date(2026, 11, 27)
AT = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def small(db):
    with db.write_session() as s:
        s.add_all(
            [
                Warehouse(id=1, code="W1", name="Main", timezone="UTC"),
                Supplier(id=1, code="S1", name="Slowco", country="CN", quoted_lead_time_days=40),
                Customer(id=1, code="C1", name="Ann Lee", email="ann@example.com", priority="normal"),
            ]
        )
        for pid, status in (
            (1, SalesStatus.BACKORDER),
            (2, SalesStatus.IN_STOCK),
            (3, SalesStatus.DISCONTINUED),
            (4, SalesStatus.OUT_OF_STOCK),
        ):
            s.add(
                Product(
                    id=pid,
                    sku=f"SKU-{pid}",
                    name=f"P{pid}",
                    category="Toys",
                    unit_price=10.0,
                    unit_cost=5.0,
                    substitutability="niche",
                    sales_status=status,
                )
            )
        s.flush()
        # SKU-1: nothing available; SKU-2: 3 available; SKU-3 discontinued with none (not counted);
        # SKU-4 has no stock row at all (counts as stocked out).
        s.add_all(
            [
                StockLevel(product_id=1, warehouse_id=1, on_hand=2, allocated=2),
                StockLevel(product_id=2, warehouse_id=1, on_hand=5, allocated=2),
                StockLevel(product_id=3, warehouse_id=1, on_hand=0, allocated=0),
            ]
        )
        s.add(SalesOrder(id=1, number="SO-1", customer_id=1, channel="web", warehouse_id=1, ordered_at=AT))
        s.flush()
        s.add_all(
            [
                # waiting, promise passed 5 days ago: 3 units × 10 = 30
                OrderLine(
                    order_id=1,
                    product_id=1,
                    warehouse_id=1,
                    qty=3,
                    unit_price=10.0,
                    status=LineStatus.BACKORDERED,
                    backordered_at=AT,
                    original_promised_date=TODAY - dt.timedelta(days=5),
                    promised_date=TODAY - dt.timedelta(days=5),
                ),
                # waiting, 2 of 4 allocated, promise in the future: 2 waiting units × 12.5 = 25
                OrderLine(
                    order_id=1,
                    product_id=1,
                    warehouse_id=1,
                    qty=4,
                    qty_allocated=2,
                    unit_price=12.5,
                    status=LineStatus.BACKORDERED,
                    backordered_at=AT,
                    original_promised_date=TODAY,
                    promised_date=TODAY + dt.timedelta(days=3),
                ),
                # shipped long after its promise: closed, so not "past promise"
                OrderLine(
                    order_id=1,
                    product_id=2,
                    warehouse_id=1,
                    qty=1,
                    qty_shipped=1,
                    unit_price=10.0,
                    status=LineStatus.SHIPPED,
                    promised_date=TODAY - dt.timedelta(days=20),
                ),
            ]
        )
        s.add_all(
            [
                PurchaseOrder(
                    number="PO-LATE",
                    supplier_id=1,
                    warehouse_id=1,
                    ordered_at=AT,
                    eta=TODAY - dt.timedelta(days=4),
                    eta_confirmed=True,
                    status=POStatus.OPEN,
                ),
                PurchaseOrder(
                    number="PO-PART",
                    supplier_id=1,
                    warehouse_id=1,
                    ordered_at=AT,
                    eta=TODAY - dt.timedelta(days=1),
                    status=POStatus.PARTIALLY_RECEIVED,
                ),
                PurchaseOrder(
                    number="PO-SOON",
                    supplier_id=1,
                    warehouse_id=1,
                    ordered_at=AT,
                    eta=TODAY + dt.timedelta(days=9),
                    status=POStatus.OPEN,
                ),
                PurchaseOrder(
                    number="PO-DONE",
                    supplier_id=1,
                    warehouse_id=1,
                    ordered_at=AT,
                    eta=TODAY - dt.timedelta(days=30),
                    status=POStatus.RECEIVED,
                ),
            ]
        )
    return db


def test_counts_match_the_hand_worked_answers(small):
    with small.read_session() as session:
        counts = overview_counts(session, TODAY)
    assert counts.open_backorder_lines == 2
    assert counts.open_backorder_units == 5  # 3 + (4 - 2 allocated)
    assert counts.open_backorder_value == pytest.approx(55.0)  # what still waits: 30 + 25, as /backorders counts
    assert counts.lines_past_promise == 1
    assert counts.skus_stocked_out == 2  # SKU-1 and SKU-4; discontinued SKU-3 is not active
    assert counts.active_skus == 3
    assert (counts.pos_past_eta, counts.open_pos) == (2, 3)


def test_alert_lists_put_the_worst_first(small):
    with small.read_session() as session:
        overdue = most_overdue_lines(session, TODAY)
        late = latest_pos(session, TODAY)
    assert [(line.sku, line.days_late, line.customer) for line in overdue] == [("SKU-1", 5, "Ann Lee")]
    assert [(po.number, po.days_late) for po in late] == [("PO-LATE", 4), ("PO-PART", 1)]


def test_an_empty_database_gives_zeros(db):
    with db.read_session() as session:
        counts = overview_counts(session, TODAY)
    assert counts.open_backorder_lines == counts.skus_stocked_out == counts.pos_past_eta == 0


def test_recent_kpis_cover_every_overview_card_over_four_weeks_and_the_four_before(db):
    with db.write_session() as s:
        s.add_all(
            [
                Warehouse(id=1, code="W1", name="Main", timezone="UTC"),
                Supplier(id=1, code="S1", name="Slowco", country="CN", quoted_lead_time_days=40),
            ]
        )
        s.flush()
        line = {"warehouse_id": 1, "category": "Tools", "supplier_id": 1}
        s.add_all(
            [
                # This period (31 Oct – 27 Nov): 8 of 10 lines first pass, 2 backordered, 3 of 4 shipped on time.
                KpiDaily(day=dt.date(2026, 11, 20), **line, lines_ordered=10, lines_first_pass=8, lines_backordered=2),
                KpiDaily(day=dt.date(2026, 11, 21), **line, lines_shipped=4, shipped_on_time_original=3),
                # The period before (3 – 30 Oct): 1 of 2 lines first pass.
                KpiDaily(day=dt.date(2026, 10, 10), **line, lines_ordered=2, lines_first_pass=1),
                # Before both periods: never counted.
                KpiDaily(day=dt.date(2026, 9, 1), **line, lines_ordered=50),
            ]
        )
        s.add(
            KpiSupplierDaily(
                day=dt.date(2026, 11, 2), supplier_id=1, warehouse_id=1, delay_days=0, pos=4, pos_on_time=3
            )
        )
    with db.read_session() as s:
        recent = recent_kpis(s, TODAY)
    assert set(recent.current) == {kpi.key for kpi in kpi_kinds.overview_kpis()}
    assert recent.current == {
        "fill_rate_lines": 0.8,
        "backorder_rate": 0.2,
        "otif_original": 0.75,
        "on_time_receipt": 0.75,
    }
    assert recent.previous["fill_rate_lines"] == 0.5 and recent.previous["on_time_receipt"] is None
    assert recent.delta("fill_rate_lines") == pytest.approx(0.3)
