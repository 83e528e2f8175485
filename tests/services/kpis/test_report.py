"""KPI report queries on a hand-built set of counter rows with worked answers (SQLite and PostgreSQL).

Range under test: Mon 9 – Sun 22 Nov 2026 (two ISO weeks); previous period: Mon 26 Oct – Sun 8 Nov.
Warehouses W1 (1), W2 (2); categories Audio, Garden; suppliers Alpha (1), Beta (2), 0 = none.

kpi_daily (lines ordered / first pass / backordered, units ordered / first pass, shipped, on time
original / current, backorders shipped / wait days / cancelled, cogs):
  R1 10 Nov  W1 Audio  Alpha  10/8/2, 20/15, 6, 4/5, 1/6/1, 300
  R2 18 Nov  W2 Garden Beta   10/5/5, 10/5,  4, 2/4, 2/10/0, 100
  R3 18 Nov  W1 Garden none    5/5/0,  5/5,  0
  R4 21 Nov  W1 Audio  Alpha  shipped 2, on time 2/2, cogs 1000 (after the last closed day)
  P1  2 Nov  W1 Audio  Alpha  10/10/0, 10/10, 10, 10/10        (previous period)
  X  25 Oct and 23 Nov: 1000 lines each, outside both periods
  → current: fill 18/25 = 0.72, units 25/35, backorder 7/25, OTIF 8/12 and 11/12,
    cancellation 1/(3+1), wait 16/3 days; previous: fill 1.0, OTIF 1.0.

kpi_stock_daily, closed days 26 Oct – 20 Nov (closed through 20 Nov):
  W1 Audio Alpha every day: 10 SKU-days, 1 out, value 1000, lost 5, open backorders 2 lines
  W2 Garden Beta from 9 Nov: 10 SKU-days, 5 out, value 500, lost 20, open lines = day of month
  → current (12 closed days): stockout 72/240, average value 1500, lost 300 + notify 80,
    turnover 400/1500 × 365/12 and days of supply 1500 ÷ (400/12) = 45 (cogs of closed days only).

kpi_notify_daily: 12 Nov Audio Alpha 50, 21 Nov Garden Beta 30, 1 Nov (previous) 1000, 23 Nov (outside) 9999.
kpi_cause_daily (revisions / days added): 10 Nov supplier_delay 5/20, 11 Nov transport 3/6 (W1 Audio Alpha);
  18 Nov supplier_delay 2/4, customs 3/9 (W2 Garden Beta); 25 Oct customs 100 (outside).

backorder_triage today (27 Nov): ages 0, 7, 60 (W1 Audio Alpha), 8, 30 (W2 Garden Beta), 61 (W1 Garden none);
  waiting units 2, 1, 6, 3, 4, 5; value 10 per unit.
"""

import datetime as dt
import re

import pytest
from sqlalchemy import event, text

from dashboard.db.engine import Database
from dashboard.db.migrate import upgrade
from dashboard.db.models import (
    AppSetting,
    BackorderTriage,
    Customer,
    KpiCauseDaily,
    KpiDaily,
    KpiNotifyDaily,
    KpiStockDaily,
    OrderLine,
    Product,
    ProductSupplier,
    SalesOrder,
    Supplier,
    Warehouse,
)
from dashboard.domain import kpi_kinds
from dashboard.domain.codes import Channel, CustomerPriority, LineStatus, SalesStatus, Substitutability
from dashboard.domain.inputs import InputError
from dashboard.services.derived.triage import day_number
from dashboard.services.kpis import filters as kf
from dashboard.services.kpis import report as kr
from dashboard.services.kpis.events import CLOSED_KEY
from dashboard.services.kpis.rebuild import rollup_weeks
from tests.conftest import BACKENDS, drop_postgres_database, empty_database_url

TODAY = dt.date(2026, 11, 27)
START, END = dt.date(2026, 11, 9), dt.date(2026, 11, 22)
LINE_KEYS = ("day", "warehouse_id", "category", "supplier_id")


def d(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


def line_row(day, warehouse, category, supplier, **counters) -> KpiDaily:
    return KpiDaily(
        day=day,
        warehouse_id=warehouse,
        category=category,
        supplier_id=supplier,
        **{n: counters.get(n, 0) for n in kr.LINE_COUNTERS},
    )


def _catalog(session) -> None:
    session.add_all(
        [
            Warehouse(id=1, code="W1", name="East", timezone="UTC"),
            Warehouse(id=2, code="W2", name="West", timezone="UTC"),
            Supplier(id=1, code="S1", name="Alpha Parts", country="DE", quoted_lead_time_days=10),
            Supplier(id=2, code="S2", name="Beta Goods", country="PL", quoted_lead_time_days=20),
            Customer(id=1, code="C1", name="Ann Lee", email="ann@example.com", priority=CustomerPriority.NORMAL),
        ]
    )
    for pid, category in ((1, "Audio"), (2, "Garden"), (3, "Garden")):
        session.add(
            Product(
                id=pid,
                sku=f"SKU-{pid}",
                name=f"Product {pid}",
                category=category,
                unit_price=10.0,
                unit_cost=4.0,
                substitutability=Substitutability.STANDARD,
                sales_status=SalesStatus.BACKORDER,
            )
        )
    session.flush()
    session.add_all(
        [
            ProductSupplier(product_id=1, supplier_id=1, is_primary=True, quoted_lead_time_days=10, unit_cost=4.0),
            ProductSupplier(product_id=1, supplier_id=2, is_primary=False, quoted_lead_time_days=20, unit_cost=4.0),
            ProductSupplier(product_id=2, supplier_id=2, is_primary=True, quoted_lead_time_days=20, unit_cost=4.0),
            ProductSupplier(product_id=3, supplier_id=1, is_primary=False, quoted_lead_time_days=10, unit_cost=4.0),
        ]
    )


def _counters(session) -> None:
    session.add_all(
        [
            line_row(
                d(11, 10),
                1,
                "Audio",
                1,
                lines_ordered=10,
                lines_first_pass=8,
                lines_backordered=2,
                units_ordered=20,
                units_first_pass=15,
                units_backordered=5,
                lines_shipped=6,
                shipped_on_time_original=4,
                shipped_on_time_current=5,
                backorders_shipped=1,
                backorder_wait_days=6,
                backorders_cancelled=1,
                lines_cancelled=1,
                cogs_shipped=300.0,
            ),
            line_row(
                d(11, 18),
                2,
                "Garden",
                2,
                lines_ordered=10,
                lines_first_pass=5,
                lines_backordered=5,
                units_ordered=10,
                units_first_pass=5,
                units_backordered=5,
                lines_shipped=4,
                shipped_on_time_original=2,
                shipped_on_time_current=4,
                backorders_shipped=2,
                backorder_wait_days=10,
                cogs_shipped=100.0,
            ),
            line_row(
                d(11, 18), 1, "Garden", 0, lines_ordered=5, lines_first_pass=5, units_ordered=5, units_first_pass=5
            ),
            line_row(
                d(11, 21),
                1,
                "Audio",
                1,
                lines_shipped=2,
                units_shipped=2,
                shipped_on_time_original=2,
                shipped_on_time_current=2,
                cogs_shipped=1000.0,
            ),
            line_row(
                d(11, 2),
                1,
                "Audio",
                1,
                lines_ordered=10,
                lines_first_pass=10,
                units_ordered=10,
                units_first_pass=10,
                lines_shipped=10,
                shipped_on_time_original=10,
                shipped_on_time_current=10,
            ),
            line_row(d(10, 25), 1, "Audio", 1, lines_ordered=1000, lines_backordered=1000, units_ordered=1000),
            line_row(d(11, 23), 1, "Audio", 1, lines_ordered=1000, lines_backordered=1000, units_ordered=1000),
        ]
    )
    day = d(10, 26)
    while day <= d(11, 20):
        session.add(
            KpiStockDaily(
                day=day,
                warehouse_id=1,
                category="Audio",
                supplier_id=1,
                sku_days=10,
                sku_days_out=1,
                units_on_hand=100,
                inventory_value=1000.0,
                lost_sales_value=5.0,
                open_backorder_lines=2,
                open_backorder_units=3,
                open_backorder_value=30.0,
            )
        )
        if day >= START:
            session.add(
                KpiStockDaily(
                    day=day,
                    warehouse_id=2,
                    category="Garden",
                    supplier_id=2,
                    sku_days=10,
                    sku_days_out=5,
                    units_on_hand=50,
                    inventory_value=500.0,
                    lost_sales_value=20.0,
                    open_backorder_lines=day.day,
                    open_backorder_units=day.day,
                    open_backorder_value=10.0 * day.day,
                )
            )
        day += dt.timedelta(days=1)
    session.add_all(
        [
            KpiNotifyDaily(day=d(11, 12), category="Audio", supplier_id=1, requests=2, value=50.0),
            KpiNotifyDaily(day=d(11, 21), category="Garden", supplier_id=2, requests=1, value=30.0),
            KpiNotifyDaily(day=d(11, 1), category="Audio", supplier_id=1, requests=9, value=1000.0),
            KpiNotifyDaily(day=d(11, 23), category="Audio", supplier_id=1, requests=9, value=9999.0),
        ]
    )
    for day, warehouse, category, supplier, cause, revisions, days_added in (
        (d(11, 10), 1, "Audio", 1, "supplier_delay", 5, 20),
        (d(11, 11), 1, "Audio", 1, "transport", 3, 6),
        (d(11, 18), 2, "Garden", 2, "supplier_delay", 2, 4),
        (d(11, 18), 2, "Garden", 2, "customs", 3, 9),
        (d(10, 25), 1, "Audio", 1, "customs", 100, 100),
    ):
        session.add(
            KpiCauseDaily(
                day=day,
                warehouse_id=warehouse,
                category=category,
                supplier_id=supplier,
                cause=cause,
                revisions=revisions,
                days_added=days_added,
            )
        )


# (line id, product, warehouse, age in days, units waiting)
WAITING = ((1, 1, 1, 0, 2), (2, 1, 1, 7, 1), (3, 2, 2, 8, 3), (4, 2, 2, 30, 4), (5, 3, 1, 61, 5), (6, 1, 1, 60, 6))


def _waiting_lines(session) -> None:
    for line_id, product, warehouse, age, units in WAITING:
        on = TODAY - dt.timedelta(days=age)
        at = dt.datetime.combine(on, dt.time(10), dt.UTC)
        line = OrderLine(
            id=line_id,
            product_id=product,
            warehouse_id=warehouse,
            qty=units,
            unit_price=10.0,
            status=LineStatus.BACKORDERED,
            backordered_at=at,
            promised_date=TODAY,
        )
        session.add(
            SalesOrder(
                number=f"SO-{line_id}",
                customer_id=1,
                channel=Channel.WEB,
                warehouse_id=warehouse,
                ordered_at=at,
                lines=[line],
            )
        )
        session.flush()
        session.add(
            BackorderTriage(
                id=line_id,
                order_number=f"SO-{line_id}",
                product_id=product,
                sku=f"SKU-{product}",
                product_name=f"Product {product}",
                warehouse_id=warehouse,
                warehouse_code=f"W{warehouse}",
                customer_id=1,
                customer_name="Ann Lee",
                vip=False,
                channel="web",
                qty=units,
                qty_waiting=units,
                value=10.0 * units,
                backordered_on=on,
                backordered_day=day_number(on),
                promised_date=TODAY,
                promised_day=day_number(TODAY),
                revisions=0,
                queue_position=1,
                queue_length=1,
                covered_by="none",
                covered_qty=0,
                at_risk=False,
                quiet_since_day=day_number(on),
                base_score=0.0,
                computed_at=dt.datetime.combine(TODAY, dt.time(6), dt.UTC),
            )
        )


@pytest.fixture(scope="module", params=BACKENDS)
def kpi_db(request, tmp_path_factory):
    """The dataset above, built once per backend: every test here only reads."""
    url = empty_database_url(request.param, tmp_path_factory.mktemp("kpi"))
    database = Database(url)
    upgrade(database.engine)
    with database.write_session() as session:
        _catalog(session)
        session.flush()
        _counters(session)
        _waiting_lines(session)
        # As the system keeps them: weekly rollups of the daily rows, days closed through 20 Nov. Whole
        # closed weeks are then read from the rollups, so every answer below also checks that path.
        session.flush()
        rollup_weeks(session)
        session.add(AppSetting(key=CLOSED_KEY, value={"day": "2026-11-20"}))
    yield database
    database.dispose()
    if request.param == "postgresql":
        drop_postgres_database(url)


def parse(db, today=TODAY, **raw):
    with db.read_session() as session:
        return kf.KpiFilters.parse(raw, kf.filter_options(session), today)


def run(db, query, *args, start=START, end=END, **raw):
    filters = parse(db, start=start.isoformat(), end=end.isoformat(), **raw)
    with db.read_session() as session:
        return query(session, filters, *args)


class TestHeadline:
    def test_each_line_kpi_over_the_range(self, kpi_db):
        current = run(kpi_db, kr.headline).current
        assert current["fill_rate_lines"] == pytest.approx(18 / 25)
        assert current["fill_rate_units"] == pytest.approx(25 / 35)
        assert current["backorder_rate"] == pytest.approx(7 / 25)
        assert current["otif_original"] == pytest.approx(8 / 12)
        assert current["otif_current"] == pytest.approx(11 / 12)
        assert current["cancellation_rate"] == pytest.approx(1 / 4)
        assert current["backorder_wait"] == pytest.approx(16 / 3)

    def test_each_stock_kpi_over_the_closed_days(self, kpi_db):
        result = run(kpi_db, kr.headline)
        current = result.current
        assert result.stock_through == d(11, 20)
        assert result.sums["closed_days"] == 12
        assert current["stockout_rate"] == pytest.approx(72 / 240)
        assert current["inventory_value"] == pytest.approx(1500)
        assert current["lost_sales"] == pytest.approx(300 + 50 + 30)
        assert current["turnover"] == pytest.approx(400 / 1500 * 365 / 12)
        assert current["days_of_supply"] == pytest.approx(45)

    def test_the_previous_period_and_the_deltas(self, kpi_db):
        result = run(kpi_db, kr.headline)
        assert (result.previous_start, result.previous_end) == (d(10, 26), d(11, 8))
        assert result.previous["fill_rate_lines"] == pytest.approx(1.0)
        assert result.delta("fill_rate_lines") == pytest.approx(0.72 - 1.0)
        assert result.delta("otif_original") == pytest.approx(8 / 12 - 1.0)
        assert result.previous["stockout_rate"] == pytest.approx(14 / 140)
        assert result.previous["lost_sales"] == pytest.approx(14 * 5 + 1000)
        assert result.previous["cancellation_rate"] is None
        assert result.delta("cancellation_rate") is None

    def test_counters_outside_the_range_are_left_out(self, kpi_db):
        sums = run(kpi_db, kr.headline).sums
        assert sums["lines_ordered"] == 25
        assert sums["revisions"] == 13
        assert sums["notify_value"] == pytest.approx(80)

    def test_stock_through_is_the_range_end_when_every_day_is_closed(self, kpi_db):
        result = run(kpi_db, kr.headline, start=d(11, 2), end=d(11, 15))
        assert result.stock_through == d(11, 15)
        assert result.sums["closed_days"] == 14

    def test_every_kpi_of_the_kpis_page_has_a_value_now_and_before(self, kpi_db):
        result = run(kpi_db, kr.headline)
        shown = {kpi.key for section in kpi_kinds.sections_on("/kpis") for kpi in kpi_kinds.in_section(section.key)}
        assert shown <= set(result.current) and shown <= set(result.previous)
        assert all(result.current[key] is not None for key in shown)

    def test_a_range_without_rows_says_so(self, kpi_db):
        result = run(kpi_db, kr.headline, start=d(3, 2), end=d(3, 15))
        assert result.has_data is False
        assert result.current["fill_rate_lines"] is None
        assert result.current["stockout_rate"] is None
        assert result.stock_through is None


class TestFilters:
    def test_a_warehouse_leaves_out_the_notify_me_demand_it_cannot_split(self, kpi_db):
        result = run(kpi_db, kr.headline, warehouse_id=2)
        assert result.notify_included is False
        assert result.current["fill_rate_lines"] == pytest.approx(0.5)
        assert result.current["stockout_rate"] == pytest.approx(0.5)
        assert result.current["lost_sales"] == pytest.approx(12 * 20)

    def test_category(self, kpi_db):
        result = run(kpi_db, kr.headline, category="Audio")
        assert result.current["fill_rate_lines"] == pytest.approx(0.8)
        assert result.current["lost_sales"] == pytest.approx(12 * 5 + 50)
        assert result.notify_included is True

    def test_supplier_as_sent_by_the_browser(self, kpi_db):
        result = run(kpi_db, kr.headline, supplier_id="2")
        assert result.current["fill_rate_lines"] == pytest.approx(0.5)
        assert result.current["lost_sales"] == pytest.approx(12 * 20 + 30)
        assert result.sums["revisions"] == 5

    def test_filters_combine(self, kpi_db):
        result = run(kpi_db, kr.headline, warehouse_id=1, category="Garden")
        assert result.sums["lines_ordered"] == 5
        assert result.current["fill_rate_lines"] == pytest.approx(1.0)
        assert result.current["stockout_rate"] is None


class TestWeeklyTrends:
    def test_days_roll_up_into_iso_weeks(self, kpi_db):
        weeks = run(kpi_db, kr.weekly_trends)
        assert [w.week for w in weeks] == [d(11, 9), d(11, 16)]
        first, second = weeks
        assert first.values["fill_rate_lines"] == pytest.approx(0.8)
        assert second.values["fill_rate_lines"] == pytest.approx(10 / 15)
        assert first.sums["revisions"] == 8 and second.sums["revisions"] == 5
        assert first.values["stockout_rate"] == pytest.approx(42 / 140)
        assert first.sums["closed_days"] == 7 and second.sums["closed_days"] == 5

    def test_backlog_is_read_at_the_end_of_each_week(self, kpi_db):
        first, second = run(kpi_db, kr.weekly_trends)
        assert first.backlog["open_backorder_lines"] == 2 + 15
        # The second week is closed through Friday 20 Nov only.
        assert second.backlog["open_backorder_lines"] == 2 + 20
        assert second.backlog["open_backorder_value"] == pytest.approx(30 + 200)

    def test_weeks_cut_by_the_range_are_marked_partial(self, kpi_db):
        weeks = run(kpi_db, kr.weekly_trends, start=d(11, 11), end=d(11, 22))
        assert [(w.first_day, w.partial) for w in weeks] == [(d(11, 11), True), (d(11, 16), False)]
        assert weeks[0].values["fill_rate_lines"] is None  # R1 (10 Nov) is before the range
        assert weeks[0].sums["revisions"] == 3

    def test_a_week_without_closed_days_has_no_stock_figures(self, kpi_db):
        weeks = run(kpi_db, kr.weekly_trends, start=d(11, 16), end=d(11, 26))
        assert weeks[-1].week == d(11, 23)
        assert weeks[-1].backlog is None
        assert weeks[-1].values["stockout_rate"] is None

    def test_an_empty_range_has_no_weeks(self, kpi_db):
        assert run(kpi_db, kr.weekly_trends, start=d(3, 2), end=d(3, 15)) == []


class TestBreakdown:
    def test_by_warehouse(self, kpi_db):
        rows = run(kpi_db, kr.breakdown, "warehouse")
        assert [r.label for r in rows] == ["W1", "W2"]
        w1, w2 = rows
        assert w1.sums["lines_ordered"] == 15
        assert w1.values["fill_rate_lines"] == pytest.approx(13 / 15)
        assert w2.values["backorder_rate"] == pytest.approx(0.5)
        assert w1.values["stockout_rate"] == pytest.approx(0.1)
        assert w2.values["lost_sales"] == pytest.approx(240)  # no notify-me demand per warehouse
        assert (w1.open_lines, w1.open_value) == (4, 140.0)
        assert (w2.open_lines, w2.open_value) == (2, 70.0)

    def test_by_category_includes_notify_me_demand(self, kpi_db):
        ranked = run(kpi_db, kr.breakdown, "category")
        assert [r.key for r in ranked] == ["Garden", "Audio"]  # busiest first: 15 lines ordered, then 10
        rows = {r.key: r for r in ranked}
        assert rows["Garden"].values["fill_rate_lines"] == pytest.approx(10 / 15)
        assert rows["Audio"].values["lost_sales"] == pytest.approx(12 * 5 + 50)
        assert rows["Garden"].values["lost_sales"] == pytest.approx(12 * 20 + 30)
        assert rows["Garden"].open_lines == 3

    def test_by_supplier_names_lines_without_a_primary_supplier(self, kpi_db):
        rows = run(kpi_db, kr.breakdown, "supplier")
        assert [(r.key, r.label) for r in rows] == [(1, "Alpha Parts"), (2, "Beta Goods"), (0, "No primary supplier")]
        assert [r.open_lines for r in rows] == [3, 2, 1]
        assert rows[2].values["fill_rate_lines"] == pytest.approx(1.0)

    def test_the_filters_apply_to_every_breakdown(self, kpi_db):
        rows = run(kpi_db, kr.breakdown, "supplier", category="Garden")
        assert [(r.key, r.sums.get("lines_ordered")) for r in rows] == [(2, 10), (0, 5)]

    def test_every_row_has_every_breakdown_column(self, kpi_db):
        columns = {kpi.key for kpi in kpi_kinds.breakdown_kpis()}
        rows = run(kpi_db, kr.breakdown, "category")
        assert rows and all(columns <= set(row.values) for row in rows)

    def test_an_unknown_dimension_is_refused(self, kpi_db):
        with pytest.raises(InputError, match="Break down by one of"):
            run(kpi_db, kr.breakdown, "customer; DROP TABLE kpi_daily")


class TestDelayCauses:
    def test_pareto_order_and_cumulative_share(self, kpi_db):
        causes = run(kpi_db, kr.delay_causes)
        # supplier delay 7; customs and transport tie at 3 and customs added more days.
        assert [c.cause for c in causes] == ["supplier_delay", "customs", "transport"]
        assert [c.revisions for c in causes] == [7, 3, 3]
        assert [c.days_added for c in causes] == [24, 9, 6]
        assert [c.cumulative_share for c in causes] == pytest.approx([7 / 13, 10 / 13, 1.0])
        assert causes[0].share == pytest.approx(7 / 13)
        assert causes[0].label == "Supplier delay"

    def test_filtered_by_warehouse(self, kpi_db):
        causes = run(kpi_db, kr.delay_causes, warehouse_id=1)
        assert [(c.cause, c.revisions) for c in causes] == [("supplier_delay", 5), ("transport", 3)]

    def test_none_in_an_empty_range(self, kpi_db):
        assert run(kpi_db, kr.delay_causes, start=d(3, 2), end=d(3, 15)) == []


class TestOpenBackorders:
    def test_counts_ages_and_buckets(self, kpi_db):
        result = run(kpi_db, kr.open_backorders, TODAY)
        assert (result.lines, result.units, result.value) == (6, 21, 210.0)
        assert result.mean_age == pytest.approx((0 + 7 + 8 + 30 + 60 + 61) / 6)
        assert result.median_age == pytest.approx((8 + 30) / 2)
        assert [(b.key, b.lines) for b in result.buckets] == [
            ("0-7", 2),
            ("8-14", 1),
            ("15-30", 1),
            ("31-60", 1),
            ("60+", 1),
        ]
        assert result.buckets[3].units == 6 and result.buckets[3].value == pytest.approx(60)

    @pytest.mark.parametrize(
        ("raw", "lines", "median"),
        [
            ({"warehouse_id": 2}, 2, 19),
            ({"category": "Garden"}, 3, 30),
            ({"supplier_id": 1}, 3, 7),
            ({"supplier_id": 1, "category": "Garden"}, 0, None),
        ],
    )
    def test_filters(self, kpi_db, raw, lines, median):
        result = run(kpi_db, kr.open_backorders, TODAY, **raw)
        assert result.lines == lines
        assert result.median_age == median

    def test_ages_are_todays(self, kpi_db):
        later = run(kpi_db, kr.open_backorders, TODAY + dt.timedelta(days=10))
        assert later.median_age == pytest.approx(29)
        assert [b.lines for b in later.buckets] == [0, 1, 2, 1, 2]


class TestValidation:
    def test_defaults_are_the_last_thirteen_full_weeks(self, kpi_db):
        filters = parse(kpi_db)
        assert (filters.start, filters.end) == (d(8, 24), d(11, 22))
        assert filters.start.weekday() == 0 and filters.days == 91
        assert filters.previous == (d(5, 25), d(8, 23))

    def test_ids_from_the_browser_may_be_text(self, kpi_db):
        filters = parse(kpi_db, warehouse_id="1", supplier_id=2, category="Garden", start="2026-11-01T00:00:00")
        assert (filters.warehouse_id, filters.supplier_id, filters.category) == (1, 2, "Garden")
        assert filters.start == d(11, 1)

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ({"start": "2026-02-30"}, "The start date must be a date like"),
            ({"end": "27/11/2026"}, "The end date must be a date like"),
            ({"start": "2026-11-01; DROP TABLE kpi_daily"}, "must be a date like"),
            ({"start": 20261101}, "must be a date like"),
            ({"start": ["2026-11-01"]}, "must be a date like"),
            ({"start": "2026-11-20", "end": "2026-11-10"}, "is after the end date"),
            ({"end": "2026-11-28"}, "in the future"),
            ({"start": "2023-11-01", "end": "2026-11-20"}, "at most 3 years"),
            ({"start": "1999-12-31", "end": "2000-01-31"}, "on or after"),
            ({"warehouse_id": 99}, "Choose the warehouse from the list"),
            ({"warehouse_id": "1 OR 1=1"}, "Choose the warehouse from the list"),
            ({"warehouse_id": True}, "Choose the warehouse from the list"),
            ({"warehouse_id": 1.5}, "Choose the warehouse from the list"),
            ({"supplier_id": "-1"}, "Choose the supplier from the list"),
            ({"supplier_id": 0}, "Choose the supplier from the list"),
            ({"category": "Audio' OR '1'='1"}, "Choose the category from the list"),
            ({"category": {"$ne": 1}}, "Choose the category from the list"),
        ],
    )
    def test_forged_values_get_a_clear_message(self, kpi_db, raw, message):
        with pytest.raises(InputError, match=message):
            parse(kpi_db, **raw)

    def test_a_long_forged_value_is_not_echoed_whole(self, kpi_db):
        with pytest.raises(InputError) as caught:
            parse(kpi_db, category="x" * 5000)
        assert len(str(caught.value)) < 120

    def test_the_options_are_what_exists(self, kpi_db):
        with kpi_db.read_session() as session:
            options = kf.filter_options(session)
        assert options.warehouses == {1: "W1 · East", 2: "W2 · West"}
        assert options.categories == ("Audio", "Garden")
        assert options.suppliers == {1: "Alpha Parts", 2: "Beta Goods"}
        assert options.dropdowns()["dimension"][0] == {"label": "Warehouse", "value": "warehouse"}


class TestQueriesStayInTheRange:
    def statements(self, db, query, *args):
        seen: list[str] = []

        def record(_conn, _cursor, statement, *_rest):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            run(db, query, *args, start=d(1, 5), end=d(11, 22))
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return seen

    @pytest.mark.parametrize(
        ("query", "args"),
        [(kr.headline, ()), (kr.weekly_trends, ()), (kr.breakdown, ("supplier",)), (kr.delay_causes, ())],
    )
    def test_every_summary_read_is_bounded_by_day_and_order_lines_are_never_read(self, kpi_db, query, args):
        statements = self.statements(kpi_db, query, *args)
        summary = [s for s in statements if " kpi_" in s]
        assert summary
        for statement in summary:
            assert ".day >=" in statement and ".day <=" in statement, statement
        assert not any(re.search(r"\border_line\b", s) for s in statements)

    def test_sqlite_reads_the_range_through_the_day_index(self, kpi_db):
        if not kpi_db.is_sqlite:
            pytest.skip("SQLite's plan is checked; PostgreSQL picks plans by table size")
        with kpi_db.engine.connect() as connection:
            plan = connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT day, sum(lines_ordered) FROM kpi_daily "
                    "WHERE day >= '2026-11-09' AND day <= '2026-11-22' GROUP BY day"
                )
            ).all()
        assert "USING INDEX" in " ".join(str(row[-1]) for row in plan) and "day>?" in str(plan)
