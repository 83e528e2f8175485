"""Demand from imported sales history, and what each estimate rests on (issue 19 items 3, 4 and 6).

Hand-built shops with worked answers: sales lines are demand on the day they were sold, a line
that is also one of our own orders counts once, days before the shop's first record are not
counted, and a SKU-warehouse with no history at all is listed as such.
"""

import datetime as dt
import json

import pytest

from dashboard.db.models import (
    Customer,
    OrderLine,
    Product,
    SalesLine,
    SalesOrder,
    SalesPeriod,
    StockLevel,
    Warehouse,
)
from dashboard.domain.codes import Channel, CustomerPriority, DemandBasis, LineStatus, SalesStatus, Substitutability
from dashboard.services.derived.metrics import WINDOW_DAYS, compute_metrics, load_inputs
from dashboard.services.derived.refresh import refresh_metrics
from dashboard.services.replenishment import queries as repl
from tests.conftest import TODAY

START = TODAY - dt.timedelta(days=WINDOW_DAYS - 1)
W1 = 1


def at(j: int, hour: int = 12) -> dt.datetime:
    """``hour`` o'clock UTC on day ``j`` of the window (negative: before it)."""
    return dt.datetime.combine(START + dt.timedelta(days=j), dt.time(hour), dt.UTC)


def _shop(session, *skus: str) -> None:
    session.add(Warehouse(id=W1, code="W1", name="Main", timezone="UTC"))
    session.add(Customer(id=1, code="C1", name="Ann", email="a@example.com", priority=CustomerPriority.NORMAL))
    for pid, sku in enumerate(skus, start=1):
        session.add(
            Product(
                id=pid,
                sku=sku,
                name=sku,
                category="Kitchen",
                unit_price=10,
                unit_cost=4,
                substitutability=Substitutability.STANDARD,
                sales_status=SalesStatus.IN_STOCK,
            )
        )
    session.flush()
    # Counted today: the stock file is the first stock evidence, as for a shop arriving with a snapshot.
    counted = dt.datetime.combine(TODAY, dt.time(6), dt.UTC)
    for pid in range(1, len(skus) + 1):
        session.add(StockLevel(product_id=pid, warehouse_id=W1, on_hand=5, allocated=0, created_at=counted))


def _sold(pid: int, j: int, qty: int, number: str | None = None) -> SalesLine:
    when = at(j)
    return SalesLine(
        product_id=pid,
        warehouse_id=W1,
        order_number=number,
        sold_at=when,
        sold_on=when.date(),
        qty=qty,
        returned_qty=0,
        unit_price=10,
        source="test.csv",
        imported_at=when,
    )


def _metrics(db) -> dict[int, dict]:
    with db.read_session() as session:
        frame = compute_metrics(load_inputs(session, TODAY, WINDOW_DAYS), TODAY)
    return {int(r.product_id): r._asdict() for r in frame.itertuples(index=False)}


class TestSalesHistory:
    def test_sales_lines_are_demand_on_the_day_sold_over_every_recorded_day(self, db):
        with db.write_session() as session:
            _shop(session, "A", "B")
            # A year of history: A sold 2 a day on every third day of the window (30 days → 60 units);
            # a sale 200 days ago starts the shop's record before the window.
            session.add(_sold(2, -200, 1, "#1"))
            session.add_all(_sold(1, j, 2, f"#A{j}") for j in range(0, WINDOW_DAYS, 3))
            # A return does not undo demand: the customer wanted it on the day of the sale.
            session.add(_sold(1, 1, 3, "#R1"))
        rows = _metrics(db)
        a, b = rows[1], rows[2]
        # The 90-day average (the forecast method then chosen for the rate is tested in tests/domain/).
        assert json.loads(a["explain"])["moving_average"] == pytest.approx(63 / 90, abs=1e-4)
        # The rate used: the chosen method's, of the same order (sales began with the window, so a
        # smoothing method may weigh the recent weeks more).
        assert 0.5 * 63 / 90 < a["avg_daily_demand"] < 1.5 * 63 / 90
        assert a["demand_basis"] == DemandBasis.LINES.value
        assert a["history_days"] == WINDOW_DAYS
        # B sold nothing in the window, with 90 recorded days behind it: a true zero, from lines.
        assert b["avg_daily_demand"] == 0
        assert b["demand_basis"] == DemandBasis.LINES.value

    def test_a_line_that_is_also_our_order_counts_once(self, db):
        with db.write_session() as session:
            _shop(session, "A")
            line = OrderLine(
                product_id=1, warehouse_id=W1, qty=4, qty_shipped=4, unit_price=10, status=LineStatus.SHIPPED
            )
            order = SalesOrder(number="#1001", customer_id=1, channel=Channel.WEB, warehouse_id=W1, ordered_at=at(-30))
            order.lines = [line]
            session.add(order)
            session.add(_sold(1, 10, 4, "#1001"))  # the same order, exported again as history (dated differently)
            session.add(_sold(1, 20, 5, "#1002"))
        a = _metrics(db)[1]
        # 4 units from our order (before the window) are not in the window; the duplicate adds nothing; 5 do.
        assert a["avg_daily_demand"] == pytest.approx(5 / 90, abs=1e-4)

    def test_days_before_the_first_record_are_not_counted(self, db):
        with db.write_session() as session:
            _shop(session, "A")
            # History starts on day 50: 40 recorded days with 20 units.
            session.add_all(_sold(1, j, 1, f"#{j}") for j in range(50, 90, 2))
        a = _metrics(db)[1]
        assert a["avg_daily_demand"] == pytest.approx(20 / 40, abs=1e-4)
        assert a["history_days"] == 40
        assert json.loads(a["explain"])["days_out_of_stock"] == 0

    def test_a_few_days_of_history_are_used_and_marked_short(self, db):
        with db.write_session() as session:
            _shop(session, "A")
            session.add_all(_sold(1, j, 3, f"#{j}") for j in range(80, 90))
        a = _metrics(db)[1]
        assert a["demand_basis"] == DemandBasis.SHORT.value
        assert a["avg_daily_demand"] == pytest.approx(3.0)
        assert a["history_days"] == 10


def _period(pid: int, start: dt.date, end: dt.date, qty: int, out: int | None = None) -> SalesPeriod:
    return SalesPeriod(
        product_id=pid,
        warehouse_id=W1,
        period_start=start,
        period_end=end,
        qty=qty,
        days_out_of_stock=out,
        source="monthly.csv",
        imported_at=dt.datetime.combine(TODAY, dt.time(), dt.UTC),
    )


class TestPeriodTotals:
    def test_totals_give_demand_when_there_is_no_line_history(self, db):
        with db.write_session() as session:
            _shop(session, "A", "B")
            # A: three 30-day periods (end inclusive) back from today selling 30, 60 and 90, the second with
            # 10 days out of stock: 180 units over 80 in-stock days.
            for k, (qty, out) in enumerate(((30, None), (60, 10), (90, 0))):
                end = TODAY - dt.timedelta(days=30 * k)
                session.add(_period(1, end - dt.timedelta(days=29), end, qty, out))
            # B: one total a year ago still counts when nothing is more recent; one older than a year does not.
            session.add(_period(2, TODAY - dt.timedelta(days=300), TODAY - dt.timedelta(days=271), 15))
            session.add(_period(2, TODAY - dt.timedelta(days=500), TODAY - dt.timedelta(days=471), 999))
        rows = _metrics(db)
        a, b = rows[1], rows[2]
        assert a["demand_basis"] == DemandBasis.PERIODS.value
        assert a["avg_daily_demand"] == pytest.approx(180 / 80, abs=1e-4)
        assert a["history_days"] == 80
        assert a["reorder_point"] > 0
        assert b["demand_basis"] == DemandBasis.PERIODS.value
        assert b["avg_daily_demand"] == pytest.approx(0.5, abs=1e-4)
        explain = json.loads(a["explain"])
        assert (explain["periods_used"], explain["period_days"]) == (3, 80)

    def test_enough_line_history_wins_over_totals(self, db):
        with db.write_session() as session:
            _shop(session, "A")
            session.add_all(_sold(1, j, 1, f"#{j}") for j in range(0, WINDOW_DAYS, 2))
            session.add(_period(1, TODAY - dt.timedelta(days=29), TODAY, 600))
        a = _metrics(db)[1]
        assert a["demand_basis"] == DemandBasis.LINES.value
        assert a["avg_daily_demand"] == pytest.approx(45 / 90, abs=1e-4)


class TestNoHistory:
    def test_a_shop_with_no_history_is_listed_not_given_a_silent_zero(self, db):
        with db.write_session() as session:
            _shop(session, "A")
        a = _metrics(db)[1]
        assert a["demand_basis"] == DemandBasis.NONE.value
        assert a["history_days"] == 0
        assert a["reorder_point"] == 0
        assert json.loads(a["explain"])["demand_basis"] == DemandBasis.NONE.value

    def test_replenishment_lists_them_under_their_own_filter_and_counts_them(self, db):
        with db.write_session() as session:
            _shop(session, "A", "B")
        refresh_metrics(db, TODAY)
        filters = repl.ReplenishmentFilters.parse({"condition": "no_history"})
        with db.read_session() as session:
            page = repl.grid_rows(session, filters, {"startRow": 0, "endRow": 50})
            cards = repl.summary(session, filters)
        assert sorted(row["sku"] for row in page.rows) == ["A", "B"]
        assert {row["demand_basis"] for row in page.rows} == {DemandBasis.NONE.label}
        assert cards.no_history == 2
