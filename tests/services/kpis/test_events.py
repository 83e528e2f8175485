"""KPI counters kept as events happen: known answers through the real services, and equal to a rebuild."""

import contextlib
import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dashboard.db.counters import counter_columns, key_columns
from dashboard.db.engine import Database
from dashboard.db.migrate import upgrade
from dashboard.db.models import (
    KPI_TABLES,
    AppSetting,
    KpiCauseDaily,
    KpiDaily,
    KpiNotifyDaily,
    KpiStockDaily,
    KpiStockWeekly,
    KpiSupplierDaily,
    OrderLine,
    POLine,
    Product,
    PurchaseOrder,
    SalesOrder,
)
from dashboard.domain import kpi_kinds
from dashboard.domain.codes import OPEN_PO_STATUSES, Channel, LineStatus, POStatus
from dashboard.services.backorders import orders, shipping, support
from dashboard.services.comms import storefront
from dashboard.services.inbound import eta, receiving
from dashboard.services.kpis import events as kpi_events
from dashboard.services.kpis import rebuild as kpi_rebuild
from tests.services import kpi_data as data
from tests.services.kpi_data import ACTOR, HANDLING, days, today


def kpi_tables(session: Session) -> dict[str, dict[tuple, dict[str, float]]]:
    """Every KPI table as {key: {counter: value}}, leaving out rows that sum to nothing."""
    out = {}
    for model in KPI_TABLES:
        table = model.__table__
        keys, counters = key_columns(table), counter_columns(table)
        rows = {}
        for row in session.execute(select(*(table.c[c] for c in keys + counters))):
            key = tuple(str(v) if isinstance(v, dt.date) else v for v in row[: len(keys)])
            values = {c: round(float(v), 2) for c, v in zip(counters, row[len(keys) :], strict=True) if abs(v) > 1e-6}
            if values:
                rows[key] = values
        out[table.name] = rows
    return out


def incremental_and_rebuilt(db, close_through: dt.date) -> tuple[dict, dict]:
    """The maintained counters (with days closed through ``close_through``) and a rebuild, both rolled back."""
    with Session(db.engine) as session:
        kpi_events.close_days(session, close_through + dt.timedelta(days=1))
        session.flush()
        kept = kpi_tables(session)
        session.rollback()
    with Session(db.engine) as session:
        kpi_rebuild.rebuild_kpis(session, close_through + dt.timedelta(days=1))
        session.flush()
        rebuilt = kpi_tables(session)
        session.rollback()
    return kept, rebuilt


def place(db, number: str, sku: str, qty: int, price: float) -> int:
    with db.write_session() as session:
        order = SalesOrder(number=number, customer_id=1, channel=Channel.WEB, warehouse_id=1, ordered_at=data.now())
        session.add(order)
        session.flush()
        return orders.place_line(session, order, sku, qty, price, today(), HANDLING).line.id


def line_of(db, number: str) -> OrderLine:
    with db.read_session() as session:
        line = session.scalar(select(OrderLine).join(SalesOrder).where(SalesOrder.number == number))
        session.expunge(line)
        return line


def ship(db, number: str) -> None:
    with db.write_session() as session:
        shipping.ship_line(session, ACTOR, line_of(db, number).id)


@pytest.fixture
def scenario(db):
    """Today's events on the KPI catalogue.

    Two P1 orders (one shipped), two P2 backorders (one cancelled), PO-X delayed 3 days then
    received and the remaining backorder shipped; one notify-me request for P2.
    """
    data.build(db)
    place(db, "SO-1", "P1", 3, 10)
    ship(db, "SO-1")
    place(db, "SO-2", "P1", 2, 10)
    place(db, "SO-3", "P2", 4, 20)
    place(db, "SO-4", "P2", 1, 20)
    cancelled = line_of(db, "SO-4")
    with db.write_session() as session:
        support.cancel_line(session, ACTOR, cancelled.id, cancelled.version, "found it elsewhere", today(), HANDLING)
    promised_before = line_of(db, "SO-3").promised_date
    request = eta.EtaRequest.parse("PO-X", days(8).isoformat(), True, "transport")
    with db.write_session() as session:
        eta.revise_eta(session, ACTOR, request, today(), HANDLING)
    with db.write_session() as session:
        receiving.receive(session, ACTOR, "PO-X", today(), HANDLING)
    ship(db, "SO-3")
    with db.write_session() as session:
        storefront.subscribe(session, "P2", "bob@example.com")
    return db, promised_before


def sums(session, model, **where) -> dict[str, float]:
    table = model.__table__
    counters = counter_columns(table)
    statement = select(*(func.coalesce(func.sum(table.c[c]), 0) for c in counters))
    for column, value in where.items():
        statement = statement.where(table.c[column] == value)
    return dict(zip(counters, (float(v) for v in session.execute(statement).one()), strict=True))


class TestKnownAnswers:
    def test_todays_order_line_kpis(self, scenario):
        db, _ = scenario
        with db.read_session() as session:
            counters = sums(session, KpiDaily, day=today())
            tools = sums(session, KpiDaily, day=today(), category="Tools")
        assert tools["lines_ordered"] == 2 and tools["units_ordered"] == 5 and tools["revenue_ordered"] == 50
        assert tools["lines_first_pass"] == 1 and tools["units_first_pass"] == 3
        assert tools["cogs_shipped"] == 18  # 3 units at cost 6
        out = kpi_kinds.compute(kpi_kinds.LINES, counters)
        # Four lines: SO-1 filled from stock and shipped; SO-2 allocated, not shipped yet; SO-3 and SO-4 backordered.
        assert out["fill_rate_lines"] == 0.25
        assert out["fill_rate_units"] == 0.3  # 3 of 10 units
        assert out["backorder_rate"] == 0.5
        # SO-1 and SO-3 shipped today, both by their first promise.
        assert counters["lines_shipped"] == 2 and out["otif_original"] == 1.0 and out["otif_current"] == 1.0
        # One backorder shipped (SO-3), one cancelled (SO-4).
        assert out["cancellation_rate"] == 0.5
        assert counters["revenue_shipped"] == 30 + 80

    def test_the_eta_delay_is_counted_under_its_cause(self, scenario):
        db, promised_before = scenario
        with db.read_session() as session:
            rows = session.execute(select(KpiCauseDaily.cause, KpiCauseDaily.revisions, KpiCauseDaily.days_added)).all()
        promised_after = line_of(db, "SO-3").promised_date
        assert promised_after > promised_before
        assert rows == [("transport", 1, (promised_after - promised_before).days)]

    def test_the_received_po_scores_its_supplier(self, scenario):
        db, _ = scenario
        with db.read_session() as session:
            [row] = session.scalars(select(KpiSupplierDaily)).all()
            original = session.scalar(select(PurchaseOrder.original_eta))
        assert original == days(5)  # the revision moved the ETA, never the original
        assert (row.day, row.supplier_id, row.delay_days) == (today(), 1, -5)
        assert (row.pos, row.pos_on_time, row.pos_revised) == (1, 1, 1)
        assert (row.lead_days, row.lead_days_sq) == (10, 100)
        assert (row.units_ordered, row.units_on_time) == (10, 10)

    def test_notify_me_demand(self, scenario):
        db, _ = scenario
        with db.read_session() as session:
            assert sums(session, KpiNotifyDaily) == {"requests": 1, "value": 20}

    def test_closing_today_writes_end_of_day_stock_and_backlog(self, scenario):
        db, _ = scenario
        with db.write_session() as session:
            assert kpi_events.close_days(session, days(1)) == 1
            assert kpi_events.close_days(session, days(1)) == 0  # already closed: nothing twice
        with db.read_session() as session:
            end = sums(session, KpiStockDaily, day=today())
            before = sums(session, KpiStockDaily, day=days(-1))
        # P1: 10 − 3 shipped = 7 on hand (SO-2's 2 units are reserved but still on the shelf); P2: 10 − 4 = 6.
        assert end["sku_days"] == 2 and end["sku_days_out"] == 0
        assert end["units_on_hand"] == 13 and end["inventory_value"] == 7 * 6 + 6 * 8
        assert end["open_backorder_lines"] == 0
        # Yesterday P2 had nothing: one of two SKUs out of stock.
        assert before["sku_days"] == 2 and before["sku_days_out"] == 1 and before["units_on_hand"] == 10

    def test_the_maintained_counters_equal_a_rebuild(self, scenario):
        db, _ = scenario
        kept, rebuilt = incremental_and_rebuilt(db, today())
        assert kept == rebuilt
        assert kept["kpi_daily"] and kept["kpi_stock_daily"]


def test_history_before_today_is_in_the_rebuild(db):
    data.build(db)
    with db.read_session() as session:
        old = sums(session, KpiDaily, day=days(-4))
        shipped = sums(session, KpiDaily, day=days(-3))
        first = sums(session, KpiStockDaily, day=days(-12))
        earlier = sums(session, KpiStockDaily, day=days(-13))
        end = sums(session, KpiStockDaily, day=days(-1))
    assert old["lines_ordered"] == 1 and old["lines_first_pass"] == 1
    assert shipped["lines_shipped"] == 1 and shipped["shipped_on_time_original"] == 1
    # History starts with the first event, P1's opening count of 12; P2 has nothing.
    assert (first["sku_days"], first["sku_days_out"], first["units_on_hand"]) == (2, 1, 12)
    assert earlier["sku_days"] == 0
    # Two shipped 3 days ago; the days are closed through yesterday.
    assert (end["units_on_hand"], end["inventory_value"]) == (10, 60)


def test_the_first_close_starts_at_the_start_of_history(db):
    data.build(db)
    with db.write_session() as session:
        kept = kpi_tables(session)["kpi_stock_daily"]
        session.execute(delete(AppSetting).where(AppSetting.key == kpi_events.CLOSED_KEY))
        session.execute(delete(KpiStockDaily))
        session.execute(delete(KpiStockWeekly))
    with db.write_session() as session:
        # History starts with P1's count 12 days ago: 12 days end before today.
        assert kpi_events.close_days(session, today()) == 12
        assert kpi_events.closed_through(session) == days(-1)
    with db.write_session() as session:
        assert kpi_events.close_days(session, today()) == 0
        assert kpi_tables(session)["kpi_stock_daily"] == kept


def test_a_refused_order_changes_no_counter(db):
    data.build(db)
    with db.read_session() as session:
        before = kpi_tables(session)
    with pytest.raises(orders.OrderRefusedError), db.write_session() as session:
        order = SalesOrder(number="SO-X", customer_id=1, channel=Channel.WEB, warehouse_id=1, ordered_at=data.now())
        session.add(order)
        session.flush()
        orders.place_line(session, order, "P2", 50, 20, today(), HANDLING)  # over the backorder cap
    with db.read_session() as session:
        assert kpi_tables(session) == before


class KpiMachine(RuleBasedStateMachine):
    """Random orders, shipments, cancellations, receipts, ETA revisions, notify-me requests and stock counts.

    After every step the counters kept event by event must equal a rebuild from the base tables,
    including today's end-of-day stock and backlog.
    """

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="kpi-machine-"))
        self.db = Database(f"sqlite:///{self.tmp / 'kpi.db'}")
        upgrade(self.db.engine)
        data.build(self.db)
        with self.db.write_session() as session:
            session.add(
                PurchaseOrder(
                    number="PO-Y",
                    supplier_id=1,
                    warehouse_id=1,
                    ordered_at=data.at(-6),
                    eta=days(9),
                    eta_confirmed=True,
                    status=POStatus.OPEN,
                    lines=[POLine(product_id=1, qty=8), POLine(product_id=2, qty=6)],
                )
            )
        self.orders = 0

    def teardown(self) -> None:
        self.db.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _rows(self, statement) -> list:
        with self.db.read_session() as session:
            return list(session.execute(statement).all())

    @rule(sku=st.sampled_from(["P1", "P2"]), qty=st.integers(1, 5))
    def order(self, sku, qty):
        self.orders += 1
        with contextlib.suppress(orders.OrderRefusedError):
            place(self.db, f"SO-R{self.orders}", sku, qty, 10 if sku == "P1" else 20)

    @rule(pick=st.integers(0, 100))
    def ship(self, pick):
        ready = self._rows(select(OrderLine.id).where(OrderLine.status == LineStatus.ALLOCATED).order_by(OrderLine.id))
        if ready:
            with self.db.write_session() as session:
                shipping.ship_line(session, ACTOR, ready[pick % len(ready)][0])

    @rule(pick=st.integers(0, 100))
    def cancel(self, pick):
        waiting = self._rows(
            select(OrderLine.id, OrderLine.version)
            .where(OrderLine.status == LineStatus.BACKORDERED)
            .order_by(OrderLine.id)
        )
        if waiting:
            line_id, version = waiting[pick % len(waiting)]
            with self.db.write_session() as session:
                support.cancel_line(session, ACTOR, line_id, version, "changed mind", today(), HANDLING)

    @rule(pick=st.integers(0, 100), share=st.floats(0.2, 1.0))
    def receive(self, pick, share):
        open_lines = self._rows(
            select(PurchaseOrder.number, Product.sku, POLine.qty - POLine.qty_received)
            .join(POLine, POLine.po_id == PurchaseOrder.id)
            .join(Product, Product.id == POLine.product_id)
            .where(PurchaseOrder.status.in_(OPEN_PO_STATUSES), POLine.qty > POLine.qty_received)
            .order_by(PurchaseOrder.number, Product.sku)
        )
        if open_lines:
            number, sku, left = open_lines[pick % len(open_lines)]
            with self.db.write_session() as session:
                receiving.receive(session, ACTOR, number, today(), HANDLING, {sku: max(1, int(left * share))})

    @rule(pick=st.integers(0, 100), later=st.integers(1, 15), cause=st.sampled_from(["supplier_delay", "customs"]))
    def revise_eta(self, pick, later, cause):
        pos = self._rows(
            select(PurchaseOrder.number, PurchaseOrder.eta)
            .where(PurchaseOrder.status.in_(OPEN_PO_STATUSES))
            .order_by(PurchaseOrder.number)
        )
        if pos:
            number, current = pos[pick % len(pos)]
            request = eta.EtaRequest.parse(number, (current + dt.timedelta(days=later)).isoformat(), True, cause)
            with self.db.write_session() as session:
                eta.revise_eta(session, ACTOR, request, today(), HANDLING)

    @rule(sku=st.sampled_from(["P1", "P2"]), who=st.integers(0, 3))
    def notify_me(self, sku, who):
        with self.db.write_session() as session:
            storefront.subscribe(session, sku, f"shopper{who}@example.com")

    @invariant()
    def maintained_counters_equal_a_rebuild(self):
        kept, rebuilt = incremental_and_rebuilt(self.db, today())
        assert kept == rebuilt


KpiMachine.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_counters_after_random_events_equal_a_rebuild = KpiMachine.TestCase
