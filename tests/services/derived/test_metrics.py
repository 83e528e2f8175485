"""refresh_metrics on a hand-built dataset with worked answers, and its consistency on the demo data."""

import datetime as dt
import json
import math
import statistics
from types import SimpleNamespace

import numpy as np
import pytest
from sqlalchemy import DateTime, bindparam, delete, func, select, text

from dashboard.db.base import utcnow
from dashboard.db.engine import Database
from dashboard.db.migrate import upgrade
from dashboard.db.models import (
    AppSetting,
    Customer,
    OrderLine,
    POLine,
    Product,
    ProductSupplier,
    PurchaseOrder,
    SalesOrder,
    SkuMetrics,
    SkuMetricsExplain,
    StockLevel,
    StockMovement,
    Supplier,
    Warehouse,
)
from dashboard.db.queries import line_is_waiting
from dashboard.domain import replenishment as rp
from dashboard.domain.codes import (
    Channel,
    CustomerPriority,
    LineStatus,
    MovementKind,
    POStatus,
    SalesStatus,
    Substitutability,
)
from dashboard.domain.lead_time_demand import safety_stock_from_distribution
from dashboard.domain.projection import project_available
from dashboard.services.derived.background import BackgroundRefresher
from dashboard.services.derived.freshness import REFRESHED_KEY, last_refreshed, mark_changed
from dashboard.services.derived.metrics import WINDOW_DAYS, compute_metrics, load_inputs
from dashboard.services.derived.refresh import refresh_metrics
from dashboard.services.replenishment import queries as repl
from tests.conftest import BACKENDS, TODAY, drop_postgres_database, empty_database_url

START = TODAY - dt.timedelta(days=WINDOW_DAYS - 1)  # day 0 of the 90-day window
W1, W2 = 1, 2
S1, S2 = 1, 2
P1, P2, P3, P4 = 1, 2, 3, 4  # A-class with history; B-class quoted; discontinued; overridden

# P1 sells 4 on even days and 6 on odd days, except days 30–39 when it had nothing and sold nothing.
P1_STOCKOUT_DAYS = range(30, 40)
P1_DEMAND = {j: (4 if j % 2 == 0 else 6) for j in range(WINDOW_DAYS) if j not in P1_STOCKOUT_DAYS}
P1_LEAD_TIMES = (10, 12, 14)  # days from order to receipt of its three primary-supplier POs
P1_ON_ORDER = 20


def at(j: int, hour: int = 12) -> dt.datetime:
    """``hour`` o'clock UTC on day ``j`` of the window (negative: before it)."""
    return dt.datetime.combine(START + dt.timedelta(days=j), dt.time(hour), dt.UTC)


def _product(pid: int, price: float, cost: float, status: SalesStatus = SalesStatus.IN_STOCK) -> Product:
    return Product(
        id=pid,
        sku=f"SKU-{pid}",
        name=f"Product {pid}",
        category="Kitchen",
        unit_price=price,
        unit_cost=cost,
        substitutability=Substitutability.STANDARD,
        sales_status=status,
    )


def _received_po(number: str, supplier: int, product: int, qty: int, received: dt.datetime, lead_days: int):
    """A fully received PO line and the receipt movement it made."""
    po = PurchaseOrder(
        number=number,
        supplier_id=supplier,
        warehouse_id=W1,
        ordered_at=received - dt.timedelta(days=lead_days),
        eta=received.date(),
        eta_confirmed=True,
        status=POStatus.RECEIVED,
        received_at=received,
        lines=[POLine(product_id=product, qty=qty, qty_received=qty, last_received_at=received)],
    )
    move = StockMovement(
        product_id=product, warehouse_id=W1, at=received, quantity=qty, kind=MovementKind.RECEIPT, reference=number
    )
    return [po, move]


PRICES = {P1: 10.0, P2: 5.0, P3: 10.0, P4: 8.0}


def _sale(number: str, product: int, qty: int, j: int, status: LineStatus = LineStatus.SHIPPED) -> list:
    """An order for ``qty`` of ``product`` at noon on day ``j``; a shipped one also moves stock out."""
    line = OrderLine(product_id=product, warehouse_id=W1, qty=qty, unit_price=PRICES[product], status=status)
    rows: list = [
        SalesOrder(
            number=number,
            customer_id=1,
            channel=Channel.WEB,
            warehouse_id=W1,
            ordered_at=at(j),
            lines=[line],
        )
    ]
    if status is LineStatus.SHIPPED:
        line.qty_shipped, line.shipped_at = qty, at(j)
        rows.append(
            StockMovement(
                product_id=product,
                warehouse_id=W1,
                at=at(j),
                quantity=-qty,
                kind=MovementKind.SHIPMENT,
                reference=number,
            )
        )
    elif status is LineStatus.ALLOCATED:
        line.qty_allocated = qty
    elif status is LineStatus.CANCELLED:
        line.cancelled_at = at(j)
    return rows


def _adjust(product: int, qty: int, j: int) -> StockMovement:
    return StockMovement(product_id=product, warehouse_id=W1, at=at(j), quantity=qty, kind=MovementKind.ADJUSTMENT)


def _build(session) -> None:
    session.add_all(
        [
            Warehouse(id=W1, code="W1", name="Main", timezone="UTC"),
            Warehouse(id=W2, code="W2", name="Second", timezone="UTC"),
            Supplier(id=S1, code="S1", name="Primary Co", country="DE", quoted_lead_time_days=30),
            Supplier(id=S2, code="S2", name="Backup Co", country="CN", quoted_lead_time_days=99),
            Customer(id=1, code="C1", name="Ann Lee", email="ann@example.com", priority=CustomerPriority.NORMAL),
            # Revenue over the window: P1 400 u × 10 = 4000, P2 90 u × 5 = 450, P3 10 u × 10 = 100, P4 none.
            # Pareto: P1 starts at 0 % → A; P2 at 4000/4550 = 88 % → B; P3 at 4450/4550 = 98 % → C; P4 → C.
            _product(P1, PRICES[P1], 4),
            _product(P2, PRICES[P2], 2),
            _product(P3, PRICES[P3], 3, SalesStatus.DISCONTINUED),
            _product(P4, PRICES[P4], 3),
        ]
    )
    session.flush()
    session.add_all(
        [
            ProductSupplier(
                product_id=P1,
                supplier_id=S1,
                is_primary=True,
                quoted_lead_time_days=30,
                moq=50,
                pack_size=12,
                unit_cost=4,
            ),
            # A non-primary supplier must not be used (nor duplicate P1's rows).
            ProductSupplier(
                product_id=P1,
                supplier_id=S2,
                is_primary=False,
                quoted_lead_time_days=99,
                moq=999,
                pack_size=1,
                unit_cost=3,
            ),
            ProductSupplier(
                product_id=P2,
                supplier_id=S1,
                is_primary=True,
                quoted_lead_time_days=20,
                moq=1,
                pack_size=1,
                unit_cost=2,
            ),
            ProductSupplier(
                product_id=P3,
                supplier_id=S1,
                is_primary=True,
                quoted_lead_time_days=30,
                moq=1,
                pack_size=1,
                unit_cost=3,
            ),
            ProductSupplier(
                product_id=P4,
                supplier_id=S2,
                is_primary=True,
                quoted_lead_time_days=10,
                moq=50,
                pack_size=20,
                unit_cost=3,
            ),
            # Stocked long before the window opened: every day of it is known (W2 held nothing all along).
            StockLevel(product_id=P1, warehouse_id=W1, on_hand=55, allocated=5, created_at=at(-100)),
            StockLevel(product_id=P2, warehouse_id=W1, on_hand=100, allocated=0, created_at=at(-100)),
            StockLevel(product_id=P2, warehouse_id=W2, on_hand=0, allocated=0, created_at=at(-100)),
            StockLevel(product_id=P3, warehouse_id=W1, on_hand=0, allocated=0, created_at=at(-100)),
            StockLevel(
                product_id=P4,
                warehouse_id=W1,
                on_hand=12,
                allocated=0,
                created_at=at(-100),
                service_level_override=0.99,
                safety_stock_override=15,
                reorder_point_override=40,
            ),
        ]
    )
    # P1: 150 on hand when the window opens (100 + 100 + 40 − 90), sold out by the end of day 29,
    # nothing on days 30–39, 300 received early on day 40, then 250 ordered of which 5 are still allocated.
    session.add_all(_received_po("PO-1", S1, P1, 100, at(-60), P1_LEAD_TIMES[0]))
    session.add_all(_received_po("PO-2", S1, P1, 100, at(-30), P1_LEAD_TIMES[1]))
    session.add_all(_received_po("PO-B", S2, P1, 40, at(-20), 60))  # backup supplier's receipt: not P1's history
    session.add(_adjust(P1, -90, -5))
    session.add_all(_received_po("PO-3", S1, P1, 300, at(40, hour=6), P1_LEAD_TIMES[2]))
    for j, qty in P1_DEMAND.items():
        if j == WINDOW_DAYS - 1:  # today: 1 shipped, 5 allocated and still on the shelf
            session.add_all(_sale(f"SO-1-{j}", P1, 1, j))
            session.add_all(_sale(f"SO-1-{j}-b", P1, qty - 1, j, LineStatus.ALLOCATED))
        else:
            session.add_all(_sale(f"SO-1-{j}", P1, qty, j))
    # Cancelled at once (never backordered): not demand. Counted, it would be a 100-unit spike.
    session.add_all(_sale("SO-1-cancelled", P1, 100, 50, LineStatus.CANCELLED))
    open_po = PurchaseOrder(
        number="PO-4",
        supplier_id=S1,
        warehouse_id=W1,
        ordered_at=at(WINDOW_DAYS - 6),
        eta=TODAY + dt.timedelta(days=7),
        status=POStatus.OPEN,
        lines=[POLine(product_id=P1, qty=P1_ON_ORDER, qty_received=0)],
    )
    cancelled_po = PurchaseOrder(
        number="PO-5",
        supplier_id=S1,
        warehouse_id=W1,
        ordered_at=at(WINDOW_DAYS - 20),
        eta=TODAY + dt.timedelta(days=3),
        status=POStatus.CANCELLED,
        lines=[POLine(product_id=P1, qty=100, qty_received=0)],
    )
    session.add_all([open_po, cancelled_po])
    # P2: two receipts only (5 and 7 days: too little history), then 1 a day, every day.
    session.add_all(_received_po("PO-6", S1, P2, 100, at(-50), 5))
    session.add_all(_received_po("PO-7", S1, P2, 90, at(-40), 7))
    for j in range(WINDOW_DAYS):
        session.add_all(_sale(f"SO-2-{j}", P2, 1, j))
    # P3 (discontinued): 10 on hand, 1 sold on each of days 0–9, then nothing left.
    session.add(_adjust(P3, 10, -3))
    for j in range(10):
        session.add_all(_sale(f"SO-3-{j}", P3, 1, j))
    # P4: 12 on hand all along, never ordered.
    session.add(_adjust(P4, 12, -3))


def _check_consistent(db) -> None:
    with db.read_session() as session:
        moved = dict(
            session.execute(
                select(StockMovement.product_id, func.sum(StockMovement.quantity))
                .where(StockMovement.warehouse_id == W1)
                .group_by(StockMovement.product_id)
            ).all()
        )
        on_hand = dict(
            session.execute(
                select(StockLevel.product_id, StockLevel.on_hand).where(StockLevel.warehouse_id == W1)
            ).all()
        )
    assert moved == on_hand  # the dataset itself is consistent


@pytest.fixture
def small(db):
    """The hand-built dataset above, free to change."""
    with db.write_session() as session:
        _build(session)
    return db


@pytest.fixture(scope="module", params=BACKENDS)
def rows(request, tmp_path_factory):
    """The hand-built dataset refreshed once per backend: each pair's metrics. Read only."""
    url = empty_database_url(request.param, tmp_path_factory.mktemp("metrics"))
    database = Database(url)
    upgrade(database.engine)
    with database.write_session() as session:
        _build(session)
    _check_consistent(database)
    yield refreshed(database)
    database.dispose()
    if request.param == "postgresql":
        drop_postgres_database(url)


def metrics_rows(db) -> dict[tuple[int, int], SimpleNamespace]:
    """Each pair's stored numbers and its explanation, as attributes (``row.explain`` is the dict)."""
    with db.read_session() as session:
        rows = session.execute(select(SkuMetrics.__table__)).mappings().all()
        explains = {
            (p, w): explain
            for p, w, explain in session.execute(
                select(SkuMetricsExplain.product_id, SkuMetricsExplain.warehouse_id, SkuMetricsExplain.explain)
            )
        }
    return {
        (row["product_id"], row["warehouse_id"]): SimpleNamespace(
            **row, explain=explains.get((row["product_id"], row["warehouse_id"]))
        )
        for row in rows
    }


def refreshed(db) -> dict[tuple[int, int], SimpleNamespace]:
    refresh_metrics(db, TODAY)
    return metrics_rows(db)


def set_stock_level(db, product: int, warehouse: int, **values) -> None:
    with db.write_session() as session:
        level = session.scalar(
            select(StockLevel).where(StockLevel.product_id == product, StockLevel.warehouse_id == warehouse)
        )
        for key, value in values.items():
            setattr(level, key, value)


P1_AVG = statistics.mean(P1_DEMAND.values())  # 5.0
P1_SD = statistics.stdev(P1_DEMAND.values())  # √(80/79) ≈ 1.0063
P1_LEAD = statistics.mean(P1_LEAD_TIMES)  # 12
P1_LEAD_SD = statistics.stdev(P1_LEAD_TIMES)  # 2
P1_SS = rp.safety_stock(P1_AVG, P1_SD, P1_LEAD, P1_LEAD_SD, 0.98)  # 2.0537·√(12·80/79 + 25·4) ≈ 21.75
P1_ROP = rp.reorder_point(P1_AVG, P1_LEAD, P1_SS)  # 60 + 21.75 ≈ 81.75


class TestDemand:
    def test_stockout_days_are_left_out_of_the_average(self, rows):
        p1 = rows[(P1, W1)]
        # 400 units over the 80 days it could sell: 5/day (not 400/90 = 4.44).
        assert P1_AVG == 5
        assert p1.avg_daily_demand == pytest.approx(5.0)
        assert p1.demand_sd == pytest.approx(P1_SD, abs=1e-4)
        assert p1.explain["days_counted"] == 80
        assert p1.explain["days_out_of_stock"] == 10

    def test_lines_cancelled_at_once_are_not_demand(self, rows):
        p1 = rows[(P1, W1)]
        assert not p1.demand_spike
        assert p1.avg_daily_demand == pytest.approx(5.0)

    def test_days_after_selling_out_with_no_orders_are_stockout_days(self, rows):
        p3 = rows[(P3, W1)]
        assert p3.avg_daily_demand == pytest.approx(1.0)
        assert p3.demand_sd == pytest.approx(0.0)
        assert (p3.explain["days_counted"], p3.explain["days_out_of_stock"]) == (10, 80)

    def test_a_pair_with_stock_and_no_orders_has_zero_demand_over_the_whole_window(self, rows):
        p4 = rows[(P4, W1)]
        assert p4.avg_daily_demand == 0
        assert (p4.explain["days_counted"], p4.explain["days_out_of_stock"]) == (90, 0)

    def test_demand_is_per_warehouse(self, rows):
        assert rows[(P2, W1)].avg_daily_demand == pytest.approx(1.0)
        assert rows[(P2, W2)].avg_daily_demand == 0
        assert rows[(P2, W2)].explain["days_out_of_stock"] == 90


class TestStockKnownSince:
    """Days before a SKU-warehouse's first stock evidence are unknown, never stockouts (issue 19)."""

    def test_sales_before_the_first_count_are_demand_over_every_day(self, db):
        with db.write_session() as session:
            session.add_all(
                [
                    Warehouse(id=W1, code="W1", name="Main", timezone="UTC"),
                    Customer(id=1, code="C1", name="Ann", email="a@example.com", priority=CustomerPriority.NORMAL),
                    _product(P2, PRICES[P2], 2),
                ]
            )
            session.flush()
            # Imported history: 9 units sold on 6 days of the window, with no stock movements behind them;
            # the first stock count (3 on the shelf) came today.
            for j, qty in ((3, 1), (17, 2), (30, 1), (52, 2), (66, 1), (80, 2)):
                line = OrderLine(
                    product_id=P2, warehouse_id=W1, qty=qty, qty_shipped=qty, unit_price=5, status=LineStatus.SHIPPED
                )
                session.add(
                    SalesOrder(
                        number=f"SO-{j}", customer_id=1, channel=Channel.WEB, warehouse_id=W1, ordered_at=at(j),
                        lines=[line],
                    )
                )  # fmt: skip
            counted = dt.datetime.combine(TODAY, dt.time(6), dt.UTC)
            session.add(StockLevel(product_id=P2, warehouse_id=W1, on_hand=3, allocated=0, created_at=counted))
            session.add(StockMovement(product_id=P2, warehouse_id=W1, at=counted, quantity=3, kind=MovementKind.COUNT))
        with db.read_session() as session:
            frame = compute_metrics(load_inputs(session, TODAY, WINDOW_DAYS), TODAY)
        row = frame.iloc[0]
        # Reconstructed from the count alone every earlier day would have begun empty: 9 units over the
        # 6 days with sales, 1.5 a day (15× too much). Unknown days count as days it could be sold, from
        # the shop's first recorded order on (day 3 of the window): 87 days.
        explain = json.loads(row["explain"])
        assert explain["moving_average"] == pytest.approx(9 / 87, abs=1e-4) and explain["days_out_of_stock"] == 0
        # Whatever method forecasts it, the rate used is of that order, not the 15× of a day count gone wrong.
        assert 0.5 * 9 / 87 < row["avg_daily_demand"] < 2 * 9 / 87


class TestLeadTime:
    def test_three_receipts_from_the_primary_supplier_give_the_lead_time(self, rows):
        p1 = rows[(P1, W1)]
        assert p1.lead_time_days == pytest.approx(12.0, abs=0.01)
        assert p1.lead_time_sd == pytest.approx(2.0, abs=0.01)
        assert p1.explain["lead_time_source"] == "history"
        assert p1.explain["lead_time_samples"] == 3  # the backup supplier's receipt is not counted

    def test_fewer_than_three_receipts_fall_back_to_the_quote_with_20_percent_spread(self, rows):
        p2 = rows[(P2, W1)]
        assert p2.lead_time_days == pytest.approx(20.0)  # not the observed 5 and 7 days
        assert p2.lead_time_sd == pytest.approx(4.0)
        assert p2.explain["lead_time_source"] == "quoted"
        assert p2.explain["lead_time_samples"] == 2

    def test_no_receipts_at_all_use_the_primary_suppliers_quote(self, rows):
        p4 = rows[(P4, W1)]
        assert (p4.lead_time_days, p4.lead_time_sd) == (pytest.approx(10.0), pytest.approx(2.0))
        assert p4.explain["lead_time_samples"] == 0


class TestServiceLevel:
    def test_abc_classes_follow_trailing_revenue(self, rows):
        assert {key: row.abc_class for key, row in rows.items() if key != (P4, W1)} == {
            (P1, W1): "A",
            (P2, W1): "B",
            (P2, W2): "B",  # the class is the product's, whatever the warehouse sells
            (P3, W1): "C",
        }
        assert rows[(P4, W1)].abc_class == "C"  # no revenue

    def test_service_level_and_z_follow_the_class(self, rows):
        for key, level in (((P1, W1), 0.98), ((P2, W1), 0.95), ((P3, W1), 0.90)):
            assert rows[key].service_level == pytest.approx(level)
            assert rows[key].explain["z"] == pytest.approx(rp.z_for_service_level(level), abs=1e-4)


class TestSafetyStockAndReorderPoint:
    def test_history_based_pair_matches_the_domain_formulas(self, rows):
        p1 = rows[(P1, W1)]
        assert pytest.approx(21.749, abs=1e-3) == P1_SS
        assert p1.safety_stock == pytest.approx(P1_SS, abs=0.01)
        assert p1.reorder_point == pytest.approx(P1_ROP, abs=0.01)

    def test_quoted_pair_matches_the_domain_formulas(self, rows):
        p2 = rows[(P2, W1)]
        ss = rp.safety_stock(1.0, 0.0, 20.0, 4.0, 0.95)  # 1.6449 · √(0 + 1 · 16) = 6.58
        assert p2.safety_stock == pytest.approx(ss, abs=0.01)
        assert p2.reorder_point == pytest.approx(rp.reorder_point(1.0, 20.0, ss), abs=0.01)

    def test_discontinued_pair_still_gets_its_numbers(self, rows):
        p3 = rows[(P3, W1)]
        ss = rp.safety_stock(1.0, 0.0, 30.0, 6.0, 0.90)
        assert p3.safety_stock == pytest.approx(ss, abs=0.01)
        assert p3.reorder_point == pytest.approx(30 + ss, abs=0.01)


class TestStockPosition:
    def test_position_is_on_hand_minus_allocated_plus_open_po_quantity(self, rows):
        p1 = rows[(P1, W1)]
        assert (p1.on_hand, p1.allocated, p1.on_order) == (55, 5, P1_ON_ORDER)  # cancelled PO-5 is not on order
        assert p1.stock_position == 55 - 5 + 20
        assert any("PO-4" in source for source in p1.explain["on_order_from"])
        assert not any("PO-5" in source for source in p1.explain["on_order_from"])

    def test_a_partly_received_po_counts_only_what_is_still_to_come(self, small):
        with small.write_session() as session:
            po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == "PO-4"))
            po.status = POStatus.PARTIALLY_RECEIVED
            po.lines[0].qty_received = 8
        p1 = refreshed(small)[(P1, W1)]
        assert p1.on_order == 12
        assert p1.stock_position == 55 - 5 + 12

    def test_units_in_transit_without_a_po_are_on_order_and_owed_units_come_off(self, small):
        set_stock_level(
            small, P1, W1, in_transit=15, in_transit_eta=TODAY + dt.timedelta(days=3), owed_without_orders=4
        )
        p1 = refreshed(small)[(P1, W1)]
        assert (p1.on_order, p1.owed) == (P1_ON_ORDER + 15, 4)
        assert p1.stock_position == 55 - 5 + P1_ON_ORDER + 15 - 4
        assert f"in transit (15 due {TODAY + dt.timedelta(days=3)})" in p1.explain["on_order_from"]

    def test_units_in_transit_land_in_the_projection_on_their_eta(self, small):
        set_stock_level(small, P1, W1, on_hand=5, allocated=5)
        short = refreshed(small)[(P1, W1)].explain["shortfall_within_lead_time"]
        assert short > 0
        set_stock_level(small, P1, W1, in_transit=1_000, in_transit_eta=TODAY + dt.timedelta(days=1))
        assert refreshed(small)[(P1, W1)].explain["shortfall_within_lead_time"] < short
        # Landing after the lead time, the same units are on order but do not shorten the shortfall.
        set_stock_level(small, P1, W1, in_transit_eta=TODAY + dt.timedelta(days=400))
        late = refreshed(small)[(P1, W1)]
        assert late.on_order == P1_ON_ORDER + 1_000 and late.explain["shortfall_within_lead_time"] == short

    def test_days_of_cover_and_projected_stockout_use_available_stock(self, rows):
        p1 = rows[(P1, W1)]
        assert p1.days_of_cover == pytest.approx(10.0)  # (55 − 5) / 5
        assert p1.projected_stockout_date == TODAY + dt.timedelta(days=10)

    def test_no_demand_means_no_cover_figure_and_no_stockout_date(self, rows):
        p4 = rows[(P4, W1)]
        assert p4.days_of_cover is None
        assert p4.projected_stockout_date is None


class TestSuggestedOrder:
    def test_need_is_rounded_up_to_whole_packs(self, rows):
        p1 = rows[(P1, W1)]
        # target = ROP + 5 · 14 = 151.75; need = 151.75 − 70 = 81.75 → 82 units ≥ MOQ 50 → 7 packs of 12 = 84.
        assert p1.suggested_order_qty == 84
        assert p1.suggested_order_qty == rp.suggested_order_quantity(70, P1_ROP, 5.0, 14, 50, 12).quantity
        assert (p1.explain["moq"], p1.explain["pack_size"]) == (50, 12)

    def test_the_moq_applies_and_is_itself_rounded_to_packs(self, rows):
        p4 = rows[(P4, W1)]
        # ROP override 40, no demand: need 40 − 12 = 28 < MOQ 50 → 3 packs of 20 = 60.
        assert p4.suggested_order_qty == 60

    def test_nothing_is_suggested_above_the_reorder_point(self, rows):
        assert rows[(P2, W1)].suggested_order_qty == 0


class TestFlags:
    def test_a_pair_below_its_reorder_point_but_above_safety_stock(self, rows):
        p1 = rows[(P1, W1)]
        assert (p1.below_reorder_point, p1.below_safety_stock, p1.stocked_out) == (True, False, False)

    def test_a_well_stocked_pair_has_no_flag(self, rows):
        p2 = rows[(P2, W1)]
        assert (p2.below_reorder_point, p2.below_safety_stock, p2.stocked_out) == (False, False, False)

    def test_a_pair_below_safety_stock(self, rows):
        p4 = rows[(P4, W1)]  # 12 available < 15 safety stock (override)
        assert (p4.below_reorder_point, p4.below_safety_stock, p4.stocked_out) == (True, True, False)

    def test_nothing_available_is_stocked_out(self, rows):
        assert rows[(P2, W2)].stocked_out
        assert rows[(P3, W1)].stocked_out

    def test_fully_allocated_stock_is_stocked_out(self, small):
        set_stock_level(small, P1, W1, allocated=55)
        p1 = refreshed(small)[(P1, W1)]
        assert p1.stocked_out
        assert p1.below_safety_stock
        assert p1.stock_position == 0 + P1_ON_ORDER


class TestDiscontinued:
    def test_a_discontinued_product_is_never_suggested_nor_flagged_for_reorder(self, rows):
        p3 = rows[(P3, W1)]
        assert p3.stock_position == 0 < p3.reorder_point
        assert p3.suggested_order_qty == 0
        assert not p3.below_reorder_point
        assert not p3.below_safety_stock

    def test_the_same_product_active_would_be_reordered(self, small):
        with small.write_session() as session:
            session.get(Product, P3).sales_status = SalesStatus.OUT_OF_STOCK
        p3 = refreshed(small)[(P3, W1)]
        # target = ROP + 1 · 14 = 51.69 → 52 units
        assert p3.suggested_order_qty == 52
        assert p3.below_reorder_point and p3.below_safety_stock


class TestOverrides:
    def test_all_three_overrides_win_and_are_listed(self, rows):
        p4 = rows[(P4, W1)]
        assert p4.service_level == pytest.approx(0.99)
        assert p4.explain["z"] == pytest.approx(2.3263, abs=1e-4)
        assert p4.safety_stock == pytest.approx(15)
        assert p4.reorder_point == pytest.approx(40)
        assert p4.explain["overrides"] == {"service_level": 0.99, "safety_stock": 15.0, "reorder_point": 40.0}

    def test_no_override_lists_nothing(self, rows):
        assert rows[(P1, W1)].explain["overrides"] == {}

    def test_a_service_level_override_feeds_the_computed_safety_stock(self, small):
        set_stock_level(small, P2, W1, service_level_override=0.99)
        p2 = refreshed(small)[(P2, W1)]
        ss = rp.safety_stock(1.0, 0.0, 20.0, 4.0, 0.99)  # 2.3263 · 4 = 9.31
        assert p2.service_level == pytest.approx(0.99)
        assert p2.abc_class == "B"
        assert p2.safety_stock == pytest.approx(ss, abs=0.01)
        assert p2.reorder_point == pytest.approx(20 + ss, abs=0.01)
        assert p2.explain["overrides"] == {"service_level": 0.99}

    def test_a_safety_stock_override_feeds_the_computed_reorder_point(self, small):
        set_stock_level(small, P2, W1, safety_stock_override=10)
        p2 = refreshed(small)[(P2, W1)]
        assert p2.safety_stock == pytest.approx(10)
        assert p2.reorder_point == pytest.approx(1.0 * 20 + 10)
        assert p2.service_level == pytest.approx(0.95)
        assert p2.explain["overrides"] == {"safety_stock": 10.0}

    def test_a_reorder_point_override_drives_flag_and_suggestion(self, small):
        set_stock_level(small, P2, W1, reorder_point_override=150)
        p2 = refreshed(small)[(P2, W1)]
        assert p2.reorder_point == pytest.approx(150)
        assert p2.below_reorder_point
        assert p2.suggested_order_qty == 150 + 14 - 100  # up to ROP + d̄ · R
        assert p2.explain["overrides"] == {"reorder_point": 150.0}


class TestRefresh:
    def test_one_row_per_stock_level_row(self, rows):
        assert set(rows) == {(P1, W1), (P2, W1), (P2, W2), (P3, W1), (P4, W1)}

    def test_running_twice_replaces_the_table(self, small):
        first = refresh_metrics(small, TODAY)
        second = refresh_metrics(small, TODAY)
        with small.read_session() as session:
            count = session.scalar(select(func.count()).select_from(SkuMetrics))
            distinct = session.execute(
                select(SkuMetrics.product_id, SkuMetrics.warehouse_id).group_by(
                    SkuMetrics.product_id, SkuMetrics.warehouse_id
                )
            ).all()
        assert first.pairs == second.pairs == count == len(distinct) == 5

    def test_a_pair_that_no_longer_exists_loses_its_row(self, small):
        refresh_metrics(small, TODAY)
        with small.write_session() as session:
            session.execute(delete(StockLevel).where(StockLevel.product_id == P2, StockLevel.warehouse_id == W2))
        assert set(refreshed(small)) == {(P1, W1), (P2, W1), (P3, W1), (P4, W1)}

    def test_the_summary_counts_what_was_written(self, small):
        summary = refresh_metrics(small, TODAY)
        rows = metrics_rows(small).values()
        assert summary.pairs == len(rows)
        assert summary.below_reorder_point == sum(row.below_reorder_point for row in rows)
        assert summary.below_safety_stock == sum(row.below_safety_stock for row in rows)
        assert summary.stocked_out == sum(row.stocked_out for row in rows)

    def test_records_when_it_ran(self, small):
        with small.read_session() as session:
            assert last_refreshed(session) is None
        before = utcnow()
        refresh_metrics(small, TODAY)
        after = utcnow()
        with small.read_session() as session:
            first = last_refreshed(session)
        assert before <= first <= after
        refresh_metrics(small, TODAY)
        with small.read_session() as session:
            assert last_refreshed(session) > first

    def test_reports_progress_to_the_end(self, small):
        stages = []
        refresh_metrics(small, TODAY, progress=lambda stage, done, total: stages.append((stage, done, total)))
        assert stages[-1] == ("done", 5, 5)


class TestBackgroundRefresher:
    def _refresher(self, db, max_age=dt.timedelta(hours=1)) -> BackgroundRefresher:
        return BackgroundRefresher(db, lambda: TODAY, max_age)

    def test_starts_a_refresh_when_never_refreshed(self, small):
        refresher = self._refresher(small)
        assert refresher.ensure_fresh() is True
        refresher.thread.join(timeout=60)
        assert not refresher.running
        with small.read_session() as session:
            assert last_refreshed(session) is not None
            assert session.scalar(select(func.count()).select_from(SkuMetrics)) == 5

    def test_does_nothing_when_fresh(self, small):
        refresh_metrics(small, TODAY)
        refresher = self._refresher(small)
        assert refresher.ensure_fresh() is False
        assert refresher.thread is None

    def test_starts_again_when_data_changed_after_the_last_refresh(self, small):
        refresh_metrics(small, TODAY)
        refresher = self._refresher(small)
        assert refresher.ensure_fresh() is False
        with small.write_session() as session:
            mark_changed(session)  # e.g. a status set from the command line in another process
        assert refresher.ensure_fresh() is True
        refresher.thread.join(timeout=60)
        assert refresher.ensure_fresh() is False

    def test_starts_again_once_older_than_max_age(self, small):
        refresh_metrics(small, TODAY)
        with small.read_session() as session:
            first = last_refreshed(session)
        refresher = self._refresher(small, max_age=dt.timedelta(0))
        assert refresher.ensure_fresh() is True
        refresher.thread.join(timeout=60)
        with small.read_session() as session:
            assert last_refreshed(session) > first


@pytest.fixture(scope="module")
def computed(demo_db):
    with demo_db.read_session() as session:
        inputs = load_inputs(session, TODAY, WINDOW_DAYS)
        levels = session.execute(
            select(StockLevel.product_id, StockLevel.warehouse_id, StockLevel.on_hand, StockLevel.allocated)
        ).all()
        discontinued = set(session.scalars(select(Product.id).where(Product.sales_status == SalesStatus.DISCONTINUED)))
        waiting_units = OrderLine.qty - OrderLine.qty_allocated - OrderLine.qty_shipped
        owed = {
            (p, w): int(u)
            for p, w, u in session.execute(
                select(OrderLine.product_id, OrderLine.warehouse_id, func.sum(waiting_units))
                .where(line_is_waiting())
                .group_by(OrderLine.product_id, OrderLine.warehouse_id)
            )
        }
    frame = compute_metrics(inputs, TODAY)
    frame.attrs["owed"] = owed
    frame.attrs["inbound"] = inputs["inbound"]
    return frame, levels, discontinued


class TestDemoConsistency:
    """Every pair of the demo data (both backends), computed without writing: the flags agree with the numbers."""

    def test_one_row_per_stock_level_row(self, computed):
        frame, levels, _ = computed
        pairs = list(zip(frame["product_id"], frame["warehouse_id"], strict=True))
        assert len(pairs) == len(set(pairs)) == len(levels)
        assert set(pairs) == {(p, w) for p, w, _, _ in levels}

    def test_on_hand_and_allocated_are_copied_from_stock_level(self, computed):
        frame, levels, _ = computed
        got = {
            (p, w): (oh, al)
            for p, w, oh, al in frame[["product_id", "warehouse_id", "on_hand", "allocated"]].itertuples(index=False)
        }
        assert got == {(p, w): (oh, al) for p, w, oh, al in levels}

    def test_owed_is_what_waiting_lines_still_need(self, computed):
        frame, _, _ = computed
        owed = frame.attrs["owed"]
        got = {(p, w): o for p, w, o in frame[["product_id", "warehouse_id", "owed"]].itertuples(index=False) if o}
        assert got == {key: units for key, units in owed.items() if units}
        assert got  # the demo has customers waiting for stock nobody holds yet

    def test_stock_position_is_on_hand_minus_allocated_plus_on_order_minus_owed(self, computed):
        frame, _, _ = computed
        expected = frame["on_hand"] - frame["allocated"] + frame["on_order"] - frame["owed"]
        assert (frame["stock_position"] == expected).all()
        assert (frame["on_order"] >= 0).all() and (frame["owed"] >= 0).all()

    def test_below_reorder_point_agrees_with_the_numbers(self, computed):
        frame, _, discontinued = computed
        active = ~frame["product_id"].isin(discontinued)
        short = frame["explain"].map(lambda x: json.loads(x)["shortfall_within_lead_time"] > 0)
        at_rop = (frame["reorder_point"] > 0) & (frame["stock_position"] <= frame["reorder_point"] + 0.005)
        expected = active & (at_rop | short)  # ROP is stored rounded
        borderline = (frame["stock_position"] - frame["reorder_point"]).abs() < 0.005
        assert (frame["below_reorder_point"] == expected)[~borderline].all()
        assert not frame.loc[~active, "below_reorder_point"].any()
        assert frame["below_reorder_point"].any()  # the demo has something to reorder

    def test_every_pair_that_runs_short_within_its_lead_time_is_suggested_enough(self, computed):
        """Projected as the SKU page projects it: available − owed, d̄ a day, placed POs at their ETA.

        A draft lands nothing in the projection (it is not placed), but its units already answer the
        shortfall (design §3): the suggestion covers what the drafts do not.
        """
        frame, _, discontinued = computed
        inbound = frame.attrs["inbound"]
        placed = inbound[~inbound["draft"].astype(bool)]
        due = placed.groupby(["product_id", "warehouse_id"])[["eta", "open_qty"]].apply(
            lambda rows: list(zip(rows["eta"], rows["open_qty"], strict=True))
        )
        drafted = inbound[inbound["draft"].astype(bool)].groupby(["product_id", "warehouse_id"])["open_qty"].sum()
        short = 0
        for row in frame.itertuples(index=False):
            if row.product_id in discontinued:
                continue
            points = project_available(
                TODAY,
                row.on_hand - row.allocated - row.owed,
                row.avg_daily_demand,
                due.get((row.product_id, row.warehouse_id), []),
                max(1, math.ceil(row.lead_time_days)),
            )
            need = -min(p.available for p in points) - drafted.get((row.product_id, row.warehouse_id), 0)
            if need > 1e-6:
                short += 1
                assert row.suggested_order_qty >= need - 1e-6, (row.sku, row.warehouse_code, need)
                assert row.below_reorder_point, (row.sku, row.warehouse_code)
        assert short  # the demo has pairs that would run out before an order could land

    def test_stocked_out_means_nothing_available(self, computed):
        frame, _, _ = computed
        assert (frame["stocked_out"] == (frame["on_hand"] - frame["allocated"] <= 0)).all()
        assert frame["stocked_out"].any()

    def test_below_safety_stock_agrees_with_the_numbers(self, computed):
        frame, _, _ = computed
        # The stock position (as for the reorder flag) under the safety stock, among pairs to reorder.
        borderline = (frame["stock_position"] - frame["safety_stock"]).abs() < 0.005
        expected = frame["below_reorder_point"].astype(bool) & (frame["stock_position"] < frame["safety_stock"])
        assert (frame["below_safety_stock"] == expected)[~borderline].all()

    def test_suggestions_only_for_active_pairs_at_or_below_rop_in_whole_packs_of_at_least_the_moq(self, computed):
        frame, _, discontinued = computed
        suggested = frame[frame["suggested_order_qty"] > 0]
        assert len(suggested) > 0
        assert suggested["below_reorder_point"].all()
        assert not suggested["product_id"].isin(discontinued).any()
        for qty, explain in zip(suggested["suggested_order_qty"], suggested["explain"], strict=True):
            terms = json.loads(explain)
            assert qty >= terms["moq"]
            assert qty % terms["pack_size"] == 0

    def test_safety_stock_and_reorder_point_match_the_domain_formulas(self, computed):
        frame, _, _ = computed
        plain = frame[frame["explain"].str.contains('"overrides": {}')]
        terms = [json.loads(x) for x in plain["explain"]]
        methods = np.array([t["ss_method"] for t in terms])
        assert (plain["ss_method"].to_numpy() == methods).all()  # the grid's column says the same
        # The demo has slow and lumpy SKUs; whether one sells 20 units a lead time depends on the draw.
        assert {"poisson", "negative_binomial"} <= set(methods) <= {"normal", "poisson", "negative_binomial", "none"}
        normal = methods == "normal"
        ss = np.array(
            rp.safety_stock_array(
                plain["avg_daily_demand"],
                plain["demand_sd"],
                plain["lead_time_days"],
                plain["lead_time_sd"],
                plain["service_level"],
            )
        )
        # Counts: SS is the distribution's quantile less the mean lead-time demand it was computed from
        # (recomputing from the stored, rounded d̄ and L could move a quantile that sits on a boundary).
        counted = np.array([max(t["ltd_quantile"] - t["ltd_mean"], 0.0) for t in terms])
        ss = np.where(normal, ss, counted)
        # …and that quantile is the one the domain finds for that mean and variance (μ = d̄·1, σ² = 1·σd²).
        mean, variance = np.array([t["ltd_mean"] for t in terms]), np.array([t["ltd_variance"] for t in terms])
        again = safety_stock_from_distribution(mean, np.sqrt(variance), 1.0, 0.0, plain["service_level"].to_numpy())
        quantiles = np.array([t["ltd_quantile"] for t in terms])
        np.testing.assert_array_equal(again.quantile[~normal], quantiles[~normal])
        # inputs are stored rounded (d̄ to 4, L and σL to 2 places), so allow a little slack
        np.testing.assert_allclose(plain["safety_stock"], ss, rtol=0.01, atol=0.05)
        rop = plain["avg_daily_demand"] * plain["lead_time_days"] + plain["safety_stock"]
        np.testing.assert_allclose(plain["reorder_point"], rop, rtol=0.01, atol=0.05)

    def test_below_safety_stock_is_a_subset_of_reorder_now(self, computed):
        frame, _, _ = computed
        below_ss = frame["below_safety_stock"].astype(bool)
        assert below_ss.any()
        assert frame.loc[below_ss, "below_reorder_point"].astype(bool).all()

    def test_service_levels_are_the_abc_levels(self, computed):
        frame, _, _ = computed
        plain = frame[frame["explain"].str.contains('"overrides": {}')]
        assert (plain["service_level"] == plain["abc_class"].map(dict(rp.ABC_SERVICE_LEVELS))).all()
        assert set(frame["abc_class"]) == {"A", "B", "C"}


class TestSchemaUpgrade:
    def test_metrics_computed_before_the_upgrade_are_not_served_as_fresh(self, empty_db):
        upgrade(empty_db.engine, "0002")
        with empty_db.write_session() as session:
            session.add_all(
                [
                    Warehouse(id=W1, code="W1", name="Main", timezone="UTC"),
                    _product(P1, 10, 4),
                    AppSetting(key=REFRESHED_KEY, value={"at": utcnow().isoformat(), "today": TODAY.isoformat()}),
                ]
            )
            session.flush()
            # Raw SQL: the model has columns (stock_level.created_at) that revision 0002 does not.
            session.execute(
                text(
                    "INSERT INTO stock_level (product_id, warehouse_id, on_hand, allocated, updated_at, version) "
                    "VALUES (:p, :w, 5, 0, :now, 1)"
                ).bindparams(bindparam("now", type_=DateTime())),
                {"p": P1, "w": W1, "now": utcnow().replace(tzinfo=None)},
            )
            session.execute(
                text(
                    "INSERT INTO sku_metrics (id, product_id, warehouse_id, avg_daily_demand, demand_sd, "
                    "lead_time_days, lead_time_sd, abc_class, service_level, safety_stock, reorder_point, on_hand, "
                    "allocated, on_order, stock_position, suggested_order_qty, below_reorder_point, "
                    "below_safety_stock, stocked_out, demand_spike, computed_at) VALUES (1, :p, :w, 1, 0, 10, 2, "
                    "'A', 0.98, 4, 14, 5, 0, 0, 5, 23, :t, :f, :f, :f, :now)"
                ).bindparams(bindparam("now", type_=DateTime())),
                {"p": P1, "w": W1, "t": True, "f": False, "now": utcnow().replace(tzinfo=None)},
            )
        upgrade(empty_db.engine)
        with empty_db.read_session() as session:
            rows = repl.grid_rows(session, repl.ReplenishmentFilters(condition="all"), None).rows
        refresher = BackgroundRefresher(empty_db, lambda: TODAY, dt.timedelta(hours=1))
        started = refresher.ensure_fresh()
        if started:
            refresher.thread.join(timeout=60)
        assert started or all(row["sku"] and row["warehouse"] for row in rows)
