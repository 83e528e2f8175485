"""The schema refuses impossible data, on both backends, whatever code path writes it."""

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm.exc import StaleDataError

from dashboard.db.models import Customer, OrderLine, Product, SalesOrder, StockLevel, Warehouse
from dashboard.domain.codes import Channel, CustomerPriority, LineStatus, SalesStatus, Substitutability

NOW = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def seeded(db):
    """One warehouse, product, customer and order."""
    with db.write_session() as session:
        session.add_all(
            [
                Warehouse(id=1, code="W1", name="Main", timezone="UTC"),
                Product(
                    id=1,
                    sku="SKU-1",
                    name="Thing",
                    category="Kitchen",
                    unit_price=10,
                    unit_cost=4,
                    substitutability=Substitutability.NICHE,
                    sales_status=SalesStatus.IN_STOCK,
                ),
                Customer(id=1, code="C1", name="Ann", email="ann@example.com", priority=CustomerPriority.VIP),
            ]
        )
        session.flush()
        session.add(SalesOrder(id=1, number="SO-1", customer_id=1, channel=Channel.WEB, warehouse_id=1, ordered_at=NOW))
    return db


def _line(**overrides):
    values = {
        "order_id": 1,
        "product_id": 1,
        "warehouse_id": 1,
        "qty": 2,
        "unit_price": 10.0,
        "status": LineStatus.SHIPPED,
    }
    values.update(overrides)
    return OrderLine(**values)


class TestConstraints:
    @pytest.mark.parametrize(
        "overrides",
        [
            {"qty": 0},
            {"qty": -3},
            {"qty_allocated": 3},
            {"status": LineStatus.BACKORDERED, "promised_date": None},
        ],
        ids=["zero qty", "negative qty", "allocated above qty", "backorder without promise"],
    )
    def test_impossible_order_lines_are_refused(self, seeded, overrides):
        with pytest.raises(IntegrityError), seeded.write_session() as session:
            session.add(_line(**overrides))
        with seeded.read_session() as session:
            assert session.scalars(select(OrderLine)).all() == []

    def test_allocated_cannot_exceed_on_hand(self, seeded):
        with pytest.raises(IntegrityError), seeded.write_session() as session:
            session.add(StockLevel(product_id=1, warehouse_id=1, on_hand=2, allocated=3))

    def test_negative_stock_is_refused(self, seeded):
        with pytest.raises(IntegrityError), seeded.write_session() as session:
            session.add(StockLevel(product_id=1, warehouse_id=1, on_hand=-1, allocated=0))

    def test_a_status_outside_the_list_is_refused(self, seeded):
        with pytest.raises(StatementError, match="coming_soon"), seeded.write_session() as session:
            product = session.get(Product, 1)
            product.sales_status = "coming_soon"

    def test_foreign_keys_are_enforced(self, seeded):
        with pytest.raises(IntegrityError), seeded.write_session() as session:
            session.add(_line(product_id=999))


class TestTypes:
    def test_timestamps_come_back_as_the_same_utc_instant(self, seeded):
        with seeded.read_session() as session:
            order = session.get(SalesOrder, 1)
            assert order.ordered_at == NOW
            assert order.ordered_at.tzinfo is not None

    def test_naive_timestamps_are_refused(self, seeded):
        with pytest.raises(StatementError, match="naive"), seeded.write_session() as session:
            session.add(
                SalesOrder(
                    number="SO-2",
                    customer_id=1,
                    channel=Channel.WEB,
                    warehouse_id=1,
                    ordered_at=dt.datetime(2026, 1, 1),
                )
            )

    def test_codes_load_as_their_enum(self, seeded):
        with seeded.read_session() as session:
            product = session.get(Product, 1)
            assert product.sales_status is SalesStatus.IN_STOCK
            assert product.sales_status.label == "In stock"


class TestOptimisticVersion:
    def test_saving_from_a_stale_version_is_refused(self, seeded):
        with seeded.write_session() as session:
            product = session.get(Product, 1)
            assert product.version == 1
            product.name = "Renamed"
        with seeded.read_session() as session:
            stale = session.get(Product, 1)
        assert stale.version == 2
        with seeded.write_session() as session:
            session.get(Product, 1).name = "Another edit"
        with pytest.raises(StaleDataError), seeded.write_session() as session:
            stale = session.merge(stale, load=False)
            stale.name = "Edited from version 2"
        with seeded.read_session() as session:
            assert session.get(Product, 1).name == "Another edit"
