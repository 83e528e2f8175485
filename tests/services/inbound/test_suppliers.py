"""Supplier scorecard, weekly trend and POs at risk against hand-built counters with worked answers.

Period: Mon 2 Nov – Sun 22 Nov 2026 (three weeks); today is Fri 27 Nov 2026.

Slowco (S1) completed five POs in the period (W1 unless said):
  3 Nov  delay −1  2 POs, both on time, lead 29 + 31 days, 100 units, 100 on time
  10 Nov delay  0  1 PO on time, ETA revised, lead 30, 50 units, 50 on time
  11 Nov delay  4  1 PO late, ETA revised, lead 35, 40 units, 10 on time
  18 Nov delay 10  1 PO late (W2), lead 40, 60 units, none on time
  → on time 3/5 = 60 %; mean delay (−2 + 0 + 4 + 10)/5 = 2.4 d; P80: 2, 3, 4 of 5 POs by −1, 0, 4 d → 4 d;
    lead 33 d, σ_L = √(82/4) ≈ 4.53 d; revised 2/5; fill rate 160/250 = 64 %.
  Outside the period: 1 Nov (delay 20, 5 POs late) and 20 Oct (delay 0, 5 on time) — the previous period
  (12 Oct – 1 Nov: on time 5/10, mean delay 10 d) — and 23 Nov (delay 30).
Fastco (S2): 5 Nov, 4 POs on time, lead 10 each (σ_L 0), delay 0. Idle (S3): nothing completed, one PO open.

Open POs (Slowco): PO-LATE (W1, ETA today−6, 2 waiting lines worth $50), PO-PART (W2, partially received,
ETA today−2, nobody waiting), PO-SOON (W1, ETA today+10, 1 waiting line $15), PO-QUIET (W2, ETA today+3, nobody
waiting), PO-TODAY (W2, due today: not late yet); received and cancelled POs do not count.
Fastco: PO-FAST (ETA today+5, 1 waiting). Idle: PO-IDLE (ETA today−1).
"""

import datetime as dt

import pytest
from sqlalchemy import text

from dashboard.db.models import (
    BackorderTriage,
    Customer,
    KpiSupplierDaily,
    OrderLine,
    Product,
    PurchaseOrder,
    SalesOrder,
    Supplier,
    Warehouse,
)
from dashboard.domain import kpi_kinds
from dashboard.domain.codes import Channel, CustomerPriority, LineStatus, POStatus, SalesStatus, Substitutability
from dashboard.domain.inputs import InputError
from dashboard.services.inbound import suppliers as sup
from dashboard.services.inbound.suppliers import SupplierFilters

TODAY = dt.date(2026, 11, 27)
START, END = dt.date(2026, 11, 2), dt.date(2026, 11, 22)
SLOWCO, FASTCO, IDLE, GHOST = 1, 2, 3, 4
W1, W2 = 1, 2


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def counters(on, supplier, delay, pos, on_time, *, warehouse=W1, revised=0, leads=(), units=0, units_on_time=0):
    leads = list(leads) or [30] * pos
    assert len(leads) == pos
    return KpiSupplierDaily(
        day=on,
        supplier_id=supplier,
        warehouse_id=warehouse,
        delay_days=delay,
        pos=pos,
        pos_on_time=on_time,
        pos_revised=revised,
        lead_days=float(sum(leads)),
        lead_days_sq=float(sum(x * x for x in leads)),
        units_ordered=units,
        units_on_time=units_on_time,
    )


def po(number, supplier, warehouse, eta_offset, status=POStatus.OPEN, confirmed=False):
    return PurchaseOrder(
        number=number,
        supplier_id=supplier,
        warehouse_id=warehouse,
        ordered_at=dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC),
        eta=day(eta_offset),
        original_eta=day(eta_offset),
        eta_confirmed=confirmed,
        status=status,
    )


def waiting_line(session, line_id, covering: PurchaseOrder | None, value):
    """An order line waiting for stock and its triage row (covering ``covering``)."""
    order = SalesOrder(
        number=f"SO-{line_id}",
        customer_id=1,
        channel=Channel.WEB,
        warehouse_id=W1,
        ordered_at=dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC),
        lines=[
            OrderLine(
                id=line_id,
                product_id=1,
                warehouse_id=W1,
                qty=1,
                unit_price=value,
                status=LineStatus.BACKORDERED,
                promised_date=day(20),
            )
        ],
    )
    session.add(order)
    session.flush()
    session.add(
        BackorderTriage(
            id=line_id,
            order_number=order.number,
            product_id=1,
            sku="SKU-1",
            product_name="Lamp",
            warehouse_id=W1,
            warehouse_code="W1",
            customer_id=1,
            customer_name="Ann Lee",
            vip=False,
            channel="web",
            qty=1,
            qty_waiting=1,
            value=value,
            backordered_on=day(-26),
            backordered_day=0,
            promised_date=day(20),
            promised_day=0,
            revisions=0,
            queue_position=1,
            queue_length=1,
            covering_po_id=covering.id if covering else None,
            covering_po_number=covering.number if covering else None,
            covering_eta=covering.eta if covering else None,
            covered_by="po" if covering else "none",
            covered_qty=1 if covering else 0,
            at_risk=False,
            quiet_since_day=0,
            base_score=0.0,
            computed_at=dt.datetime(2026, 11, 27, 6, tzinfo=dt.UTC),
        )
    )


@pytest.fixture
def sdb(db):
    with db.write_session() as s:
        s.add_all(
            [
                Warehouse(id=W1, code="W1", name="Main", timezone="UTC"),
                Warehouse(id=W2, code="W2", name="North", timezone="UTC"),
                Supplier(id=SLOWCO, code="S1", name="Slowco", country="CN", quoted_lead_time_days=30),
                Supplier(id=FASTCO, code="S2", name="Fastco", country="DE", quoted_lead_time_days=10),
                Supplier(id=IDLE, code="S3", name="Idle", country="US", quoted_lead_time_days=20),
                Supplier(id=GHOST, code="S4", name="Ghost", country="US", quoted_lead_time_days=20),
                Customer(id=1, code="C1", name="Ann Lee", email="ann@example.com", priority=CustomerPriority.NORMAL),
                Product(
                    id=1,
                    sku="SKU-1",
                    name="Lamp",
                    category="Lighting",
                    unit_price=10.0,
                    unit_cost=4.0,
                    substitutability=Substitutability.STANDARD,
                    sales_status=SalesStatus.BACKORDER,
                ),
            ]
        )
        s.flush()
        s.add_all(
            [
                counters(dt.date(2026, 11, 3), SLOWCO, -1, 2, 2, leads=(29, 31), units=100, units_on_time=100),
                counters(dt.date(2026, 11, 10), SLOWCO, 0, 1, 1, revised=1, units=50, units_on_time=50),
                counters(dt.date(2026, 11, 11), SLOWCO, 4, 1, 0, revised=1, leads=(35,), units=40, units_on_time=10),
                counters(dt.date(2026, 11, 18), SLOWCO, 10, 1, 0, warehouse=W2, leads=(40,), units=60),
                counters(dt.date(2026, 11, 1), SLOWCO, 20, 5, 0, units=50),
                counters(dt.date(2026, 10, 20), SLOWCO, 0, 5, 5, units=50, units_on_time=50),
                counters(dt.date(2026, 11, 23), SLOWCO, 30, 5, 0, units=50),
                counters(dt.date(2026, 11, 5), FASTCO, 0, 4, 4, leads=(10, 10, 10, 10), units=80, units_on_time=80),
            ]
        )
        late, part, soon, quiet = (
            po("PO-LATE", SLOWCO, W1, -6, confirmed=True),
            po("PO-PART", SLOWCO, W2, -2, status=POStatus.PARTIALLY_RECEIVED),
            po("PO-SOON", SLOWCO, W1, 10),
            po("PO-QUIET", SLOWCO, W2, 3),
        )
        fast, idle = po("PO-FAST", FASTCO, W1, 5), po("PO-IDLE", IDLE, W1, -1)
        s.add_all(
            [
                late,
                part,
                soon,
                quiet,
                fast,
                idle,
                po("PO-TODAY", SLOWCO, W2, 0),
                po("PO-DONE", SLOWCO, W1, -30, status=POStatus.RECEIVED),
                po("PO-GONE", SLOWCO, W1, -30, status=POStatus.CANCELLED),
            ]
        )
        s.flush()
        waiting_line(s, 101, late, 30.0)
        waiting_line(s, 102, late, 20.0)
        waiting_line(s, 103, soon, 15.0)
        waiting_line(s, 104, fast, 12.0)
        waiting_line(s, 105, None, 99.0)
    return db


def filters(**overrides) -> SupplierFilters:
    return SupplierFilters(**{"start": START, "end": END, **overrides})


def scores(db, **overrides) -> dict[str, sup.SupplierScore]:
    with db.read_session() as s:
        return {score.name: score for score in sup.scorecard(s, filters(**overrides), TODAY)}


class TestScorecard:
    def test_every_number_of_a_supplier(self, sdb):
        kpis = scores(sdb)["Slowco"].kpis
        assert kpis["pos"] == 5
        assert kpis["on_time_receipt"] == pytest.approx(0.6)
        assert kpis["mean_delay"] == pytest.approx(2.4)
        assert kpis["p80_delay"] == 4
        assert kpis["mean_lead_time"] == pytest.approx(33.0)
        assert kpis["lead_time_sd"] == pytest.approx((82 / 4) ** 0.5)
        assert kpis["eta_revised_share"] == pytest.approx(0.4)
        assert kpis["supplier_fill_rate"] == pytest.approx(0.64)

    def test_every_supplier_kpi_of_the_table_is_scored(self, sdb):
        kpis = scores(sdb)["Slowco"].kpis
        assert set(kpis) == {"pos", "pos_confirmed"} | {kpi.key for kpi in kpi_kinds.in_section("suppliers")}

    def test_a_steady_supplier_has_no_spread(self, sdb):
        kpis = scores(sdb)["Fastco"].kpis
        assert (kpis["pos"], kpis["on_time_receipt"], kpis["p80_delay"]) == (4, 1.0, 0)
        assert kpis["mean_lead_time"] == 10 and kpis["lead_time_sd"] == 0

    def test_worst_on_time_first_and_suppliers_with_nothing_completed_last(self, sdb):
        with sdb.read_session() as s:
            names = [score.name for score in sup.scorecard(s, filters(), TODAY)]
        assert names == ["Slowco", "Fastco", "Idle"]  # Ghost has nothing completed and nothing open

    def test_a_supplier_with_only_open_pos_has_no_numbers_yet(self, sdb):
        idle = scores(sdb)["Idle"]
        assert idle.kpis["pos"] == 0 and idle.kpis["on_time_receipt"] is None and idle.kpis["p80_delay"] is None
        assert (idle.open_pos.open, idle.at_risk) == (1, 1)

    def test_only_days_in_the_range_count(self, sdb):
        one_day = scores(sdb, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 1))["Slowco"].kpis
        assert (one_day["pos"], one_day["on_time_receipt"], one_day["mean_delay"]) == (5, 0.0, 20.0)

    def test_the_warehouse_filter_applies_to_counters_and_open_pos(self, sdb):
        slowco = scores(sdb, warehouse_id=W1)["Slowco"]
        assert slowco.kpis["pos"] == 4 and slowco.kpis["on_time_receipt"] == pytest.approx(0.75)
        assert slowco.kpis["mean_delay"] == pytest.approx(0.5)
        assert (slowco.open_pos.open, slowco.open_pos.past_eta, slowco.at_risk) == (2, 1, 2)

    def test_open_and_at_risk_counts(self, sdb):
        by_name = scores(sdb)
        slowco = by_name["Slowco"]
        # LATE and PART are past their ETA; SOON is waited on and Slowco's P80 is +4 d; QUIET and TODAY are fine.
        assert (slowco.open_pos.open, slowco.open_pos.past_eta, slowco.open_pos.waited_on) == (5, 2, 1)
        assert slowco.at_risk == 3
        # Fastco's PO is waited on, but its P80 delay is 0: not at risk.
        assert (by_name["Fastco"].open_pos.waited_on, by_name["Fastco"].at_risk) == (1, 0)

    @pytest.mark.parametrize("supplier", [None, SLOWCO])
    def test_the_day_range_is_searched_through_an_index(self, sdb, supplier):
        """The counters are read by day range first, so the cost follows the range, not the history."""
        with sdb.read_session() as s:
            statement = sup.counters_statement(filters(supplier_id=supplier))
            sql = statement.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
            if sdb.is_sqlite:
                plan = " ".join(row[-1] for row in s.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
                assert "SEARCH kpi_supplier_daily USING INDEX" in plan and "day>? AND day<?" in plan, plan
            else:
                # A tiny table is cheapest to scan; forbid that to see which index serves the range.
                s.execute(text("SET LOCAL enable_seqscan = off"))
                plan = " ".join(row[0] for row in s.execute(text(f"EXPLAIN {sql}")))
                assert "Index" in plan and "day >=" in plan, plan


class TestSupplierPeriod:
    def test_against_the_previous_period_of_the_same_length(self, sdb):
        with sdb.read_session() as s:
            period = sup.supplier_period(s, filters(supplier_id=SLOWCO))
        assert (period.previous_start, period.previous_end) == (dt.date(2026, 10, 12), dt.date(2026, 11, 1))
        assert period.previous["on_time_receipt"] == pytest.approx(0.5)
        assert period.change("on_time_receipt") == pytest.approx(0.1)
        assert period.change("mean_delay") == pytest.approx(2.4 - 10.0)
        assert period.delays == [(-1, 2), (0, 1), (4, 1), (10, 1)]

    def test_no_previous_numbers_no_change(self, sdb):
        with sdb.read_session() as s:
            period = sup.supplier_period(s, filters(supplier_id=FASTCO))
        assert period.previous["pos"] == 0 and period.change("on_time_receipt") is None

    def test_an_unknown_supplier_is_none(self, sdb):
        with sdb.read_session() as s:
            assert sup.supplier_period(s, filters(supplier_id=999)) is None


class TestWeeklyTrend:
    def trend(self, sdb, window=1, **overrides):
        with sdb.read_session() as s:
            return sup.weekly_trend(s, filters(**overrides), window)

    def test_weekly_on_time_and_delay_with_the_change_from_the_week_before(self, sdb):
        weeks = self.trend(sdb, supplier_id=SLOWCO)
        assert [w.week for w in weeks] == [dt.date(2026, 11, 2), dt.date(2026, 11, 9), dt.date(2026, 11, 16)]
        assert [w.pos for w in weeks] == [2, 2, 1]
        assert [w.on_time_receipt for w in weeks] == [1.0, 0.5, 0.0]
        assert [w.mean_delay for w in weeks] == [-1.0, 2.0, 10.0]
        assert [w.on_time_change for w in weeks] == [None, -0.5, -0.5]
        assert [w.delay_change for w in weeks] == [None, 3.0, 8.0]

    def test_empty_weeks_are_listed_without_numbers(self, sdb):
        weeks = self.trend(sdb, supplier_id=FASTCO)
        assert [w.pos for w in weeks] == [4, 0, 0]
        assert weeks[1].on_time_receipt is None and weeks[1].on_time_change is None

    def test_the_page_judges_each_week_over_the_four_weeks_ending_with_it(self, sdb):
        """Issue 22: ~1.4 POs a week made weekly shares jump 0/50/100 %; the window pools them, n shown."""
        weeks = self.trend(sdb, window=sup.TREND_WINDOW_WEEKS, supplier_id=SLOWCO)
        assert [w.window_pos for w in weeks] == [2, 4, 5]
        assert [w.on_time_receipt for w in weeks] == [1.0, 0.75, 0.6]
        assert [w.mean_delay for w in weeks] == [-1.0, 0.5, 2.4]
        quiet = self.trend(sdb, window=sup.TREND_WINDOW_WEEKS, supplier_id=FASTCO)
        # A week with no delivery of its own still has the window's number, and says so by its sample.
        assert [(w.pos, w.window_pos, w.on_time_receipt) for w in quiet] == [(4, 4, 1.0), (0, 4, 1.0), (0, 4, 1.0)]

    def test_a_range_starting_mid_week_counts_only_its_days(self, sdb):
        weeks = self.trend(sdb, supplier_id=SLOWCO, start=dt.date(2026, 11, 11))
        assert weeks[0].week == dt.date(2026, 11, 9)
        assert (weeks[0].pos, weeks[0].on_time_receipt, weeks[0].mean_delay) == (1, 0.0, 4.0)

    def test_the_warehouse_filter_applies(self, sdb):
        weeks = self.trend(sdb, supplier_id=SLOWCO, warehouse_id=W2)
        assert [w.pos for w in weeks] == [0, 0, 1]

    def test_the_default_range_is_26_full_weeks_and_this_one(self, sdb):
        start, end = sup.default_range(TODAY)
        assert (start, end) == (dt.date(2026, 5, 25), TODAY)
        weeks = self.trend(sdb, supplier_id=SLOWCO, start=start, end=end)
        assert len(weeks) == 27 and weeks[0].week == start and weeks[-1].week == dt.date(2026, 11, 23)
        assert sum(w.pos for w in weeks) == 20  # every Slowco row: 20 Oct to 23 Nov


class TestAtRisk:
    def at_risk(self, sdb, p80, **overrides):
        with sdb.read_session() as s:
            return sup.at_risk_pos(s, filters(supplier_id=SLOWCO, **overrides), p80, TODAY)

    def test_past_eta_or_waited_on_when_the_p80_delay_is_positive(self, sdb):
        rows = self.at_risk(sdb, 4)
        assert [r.number for r in rows] == ["PO-LATE", "PO-PART", "PO-SOON"]
        late, part, soon = rows
        assert (late.warehouse, late.eta, late.eta_confirmed, late.days_late) == ("W1", day(-6), True, 6)
        assert (late.waiting_lines, late.waiting_value) == (2, 50.0)
        assert late.expected_arrival == TODAY  # ETA + 4 d is already past: not before today while open
        assert (part.days_late, part.waiting_lines, part.expected_arrival) == (2, 0, day(2))
        assert (soon.days_late, soon.eta_confirmed, soon.expected_arrival) == (0, False, day(14))
        assert (soon.waiting_lines, soon.waiting_value) == (1, 15.0)
        assert [r.reason for r in rows] == ["Past its ETA", "Past its ETA", "Likely late, customers waiting"]

    @pytest.mark.parametrize("p80", [None, 0, -2])
    def test_without_a_positive_p80_only_pos_past_their_eta(self, sdb, p80):
        rows = self.at_risk(sdb, p80)
        assert [r.number for r in rows] == ["PO-LATE", "PO-PART"]

    def test_the_warehouse_filter_applies(self, sdb):
        assert [r.number for r in self.at_risk(sdb, 4, warehouse_id=W2)] == ["PO-PART"]

    def test_the_list_agrees_with_the_scorecard_count(self, sdb):
        with sdb.read_session() as s:
            for score in sup.scorecard(s, filters(), TODAY):
                p80 = score.kpis["p80_delay"]
                listed = sup.at_risk_pos(s, filters(supplier_id=score.supplier_id), p80, TODAY)
                assert len(listed) == score.at_risk, score.name

    def test_expected_arrival(self):
        assert sup.expected_arrival(day(10), 4, TODAY) == day(14)
        assert sup.expected_arrival(day(10), 2.2, TODAY) == day(13)  # part of a day rounds up
        assert sup.expected_arrival(day(10), None, TODAY) == day(10)
        assert sup.expected_arrival(day(-10), 4, TODAY) == TODAY


class TestFilters:
    def test_defaults_are_the_last_26_weeks(self):
        parsed = SupplierFilters.parse({}, TODAY)
        assert (parsed.start, parsed.end, parsed.warehouse_id, parsed.supplier_id) == (
            dt.date(2026, 5, 25),
            TODAY,
            None,
            None,
        )

    def test_values_from_the_browser(self):
        raw = {"start": "2026-11-02", "end": "2026-11-22T00:00:00", "warehouse_id": "2", "supplier_id": 7}
        assert SupplierFilters.parse(raw, TODAY) == SupplierFilters(START, END, 2, 7)

    def test_the_previous_period(self):
        assert filters(supplier_id=1).previous() == SupplierFilters(
            dt.date(2026, 10, 12), dt.date(2026, 11, 1), None, 1
        )

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ({"start": "2026-02-30"}, "start date must be a real date"),
            ({"end": "27/11/2026"}, "end date must be a real date"),
            ({"start": "2026-11-01'; DROP TABLE supplier; --"}, "start date must be a"),
            ({"start": {"$gt": ""}}, "start date must be a date"),
            ({"start": 20261101}, "start date must be a date"),
            ({"start": "2026-11-20", "end": "2026-11-10"}, "start date is after the end date"),
            ({"end": "2026-12-01"}, "end date is in the future"),
            ({"start": "2020-01-01", "end": "2026-11-27"}, "at most 731 days"),
            ({"warehouse_id": "1 OR 1=1"}, "warehouse must be a positive whole number"),
            ({"warehouse_id": True}, "warehouse must be a positive whole number"),
            ({"warehouse_id": -3}, "warehouse must be a positive whole number"),
            ({"warehouse_id": 1.5}, "warehouse must be a positive whole number"),
            ({"supplier_id": 2**40}, "supplier must be a positive whole number"),
            ({"supplier_id": "99999999999"}, "supplier must be a positive whole number"),
            ({"supplier_id": ["1"]}, "supplier must be a positive whole number"),
            ({"supplier_id": "١"}, "supplier must be a positive whole number"),  # an Arabic-Indic digit
        ],
    )
    def test_forged_values_get_a_clear_message(self, raw, message):
        with pytest.raises(InputError, match=message):
            SupplierFilters.parse(raw, TODAY)

    def test_the_longest_range_allowed(self):
        parsed = SupplierFilters.parse({"start": "2024-11-27", "end": "2026-11-27"}, TODAY)
        assert (parsed.end - parsed.start).days + 1 == sup.MAX_RANGE_DAYS

    @pytest.mark.parametrize("query", [sup.weekly_trend, sup.supplier_period])
    def test_supplier_views_need_a_supplier(self, sdb, query):
        with sdb.read_session() as s, pytest.raises(InputError, match="Choose a supplier"):
            query(s, filters())


def test_filter_options_list_warehouses_and_suppliers(sdb):
    with sdb.read_session() as s:
        options = sup.filter_options(s)
    assert [o["value"] for o in options["warehouse"]] == [W1, W2]
    assert [o["label"] for o in options["supplier"]] == ["Fastco", "Ghost", "Idle", "Slowco"]
