"""/suppliers over HTTP: who may open it and post its callbacks, the scorecard and one supplier's trend, forgeries.

The demo app's ``kpi_supplier_daily`` is replaced by a few known rows (today is Fri 27 Nov 2026), so the numbers
the callbacks return can be checked exactly: the worst supplier completed 4 POs in the default range, two of them
on time (50 %), with delays −1, 0, 3 and 9 days (mean +2.75 d, P80 9 d); the other completed 2, both on time.
"""

import datetime as dt
import json

import pytest
from sqlalchemy import delete, select

from dashboard import context
from dashboard.db.models import KpiSupplierDaily, PurchaseOrder, Supplier
from dashboard.domain import kpi_kinds
from dashboard.domain.kpi_spec import Definition, ratio_of
from tests.conftest import callback_payload, post_callback
from tests.pages.dash_http import components, refusal, route

SCORECARD = "..sup-grid.rowData...sup-alert.children...sup-supplier.value.."
SUPPLIER = (
    "..sup-title.children...sup-period.children...sup-cards.children...sup-trend.figure"
    "...sup-delays.figure...sup-risk.children.."
)
DEFAULT_START = "2026-05-25"
TODAY = "2026-11-27"


def known_counters(app) -> tuple[dict, dict]:
    """Replace the counters with worked rows for two demo suppliers; returns (worst, best) as id/name."""
    db = context.current_for(app.server).db
    with db.write_session() as s:
        (worst_id, worst), (best_id, best) = s.execute(select(Supplier.id, Supplier.name).order_by(Supplier.id)).all()[
            :2
        ]
        warehouse = s.scalar(select(PurchaseOrder.warehouse_id).limit(1))
        s.execute(delete(KpiSupplierDaily))

        def row(day, supplier, delay, pos, on_time):
            return KpiSupplierDaily(
                day=day,
                supplier_id=supplier,
                warehouse_id=warehouse,
                delay_days=delay,
                pos=pos,
                pos_on_time=on_time,
                pos_revised=0,
                lead_days=30.0 * pos,
                lead_days_sq=900.0 * pos,
                units_ordered=10 * pos,
                units_on_time=10 * on_time,
                # Each of these days also brought a confirmation, a day after sending, with the date sent.
                pos_confirmed=1,
                confirm_days=1.0,
                pos_confirmed_as_sent=1,
            )

        s.add_all(
            [
                row(dt.date(2026, 11, 3), worst_id, -1, 1, 1),  # week of 2 Nov: 100 % on time, −1 d
                row(dt.date(2026, 11, 4), worst_id, 0, 1, 1),
                row(dt.date(2026, 11, 10), worst_id, 3, 1, 0),  # week of 9 Nov: 0 % on time, +6 d
                row(dt.date(2026, 11, 12), worst_id, 9, 1, 0),
                row(dt.date(2026, 11, 5), best_id, 0, 2, 2),
            ]
        )
    return {"id": worst_id, "name": worst}, {"id": best_id, "name": best}


def filter_values(start=DEFAULT_START, end=TODAY, warehouse=None) -> dict:
    return {"sup-dates.start_date": start, "sup-dates.end_date": end, "sup-warehouse.value": warehouse}


def scorecard(client, app, chosen=None, **filters):
    values = {**filter_values(**filters), "sup-supplier.value": chosen}
    return post_callback(client, app, SCORECARD, "sup-dates.start_date", values)


def supplier(client, app, supplier_id, **filters):
    values = {**filter_values(**filters), "sup-supplier.value": supplier_id}
    return post_callback(client, app, SUPPLIER, "sup-supplier.value", values)


def click_key(app) -> str:
    return next(key for key, entry in app.callback_map.items() if entry["inputs"][0]["id"] == "sup-grid")


def click(client, app, cell):
    client.get("/_dash-dependencies")
    key = click_key(app)
    body = callback_payload(app, key, "sup-grid.cellClicked", {"sup-grid.cellClicked": cell})
    return client.post("/_dash-update-component", json=body)


def assert_no_crash(response) -> None:
    """The app-wide error handler turns exceptions into a 'Something went wrong' toast: there must be none."""
    assert response.status_code == 200, response.text
    assert "global-error" not in (response.json.get("sideUpdate") or {}), response.text
    assert "Traceback" not in response.text


def by_id(tree) -> dict:
    return {node["props"]["id"]: node["props"] for node in components(tree) if isinstance(node["props"].get("id"), str)}


class TestWhoMayUseIt:
    @pytest.mark.parametrize("role", ["manager", "executive", "admin"])
    def test_allowed_roles_get_the_page(self, app, auth, role):
        auth.login(role)
        response = route(auth.client, "/suppliers")
        assert response.status_code == 200
        assert "sup-grid" in response.text and "page-forbidden" not in response.text

    def test_support_is_told_the_page_is_not_theirs(self, app, auth):
        auth.login("support")
        response = route(auth.client, "/suppliers")
        assert "page-forbidden" in response.text and "Suppliers is not available to you" in response.text
        assert "sup-grid" not in response.text

    @pytest.mark.parametrize(("role", "listed"), [("manager", True), ("executive", True), ("support", False)])
    def test_the_navbar_lists_suppliers_for_its_roles(self, app, auth, role, listed):
        auth.login(role)
        links = {
            node["props"].get("href")
            for node in components(auth.client.get("/_dash-layout").json)
            if node.get("type") == "NavLink"
        }
        assert ("/suppliers" in links) is listed

    @pytest.mark.parametrize("which", ["scorecard", "supplier", "click"])
    def test_support_posting_a_callback_gets_403(self, app, auth, which):
        auth.login("support")
        if which == "scorecard":
            response = scorecard(auth.client, app)
        elif which == "supplier":
            response = supplier(auth.client, app, 1)
        else:
            response = click(auth.client, app, {"rowId": "1"})
        assert response.status_code == 403
        assert "managers and executives" in response.json["message"]
        assert "rowData" not in response.text and "sup-trend" not in response.text

    def test_anonymous_callbacks_are_refused(self, app, client):
        assert scorecard(client, app).status_code in (401, 403)


class TestScorecard:
    def test_worst_on_time_first_with_its_numbers(self, app, auth):
        worst, best = known_counters(app)
        auth.login("executive")
        response = scorecard(auth.client, app)
        assert_no_crash(response)
        rows = response.json["response"]["sup-grid"]["rowData"]
        assert [r["name"] for r in rows[:2]] == [worst["name"], best["name"]]
        first = rows[0]
        assert (first["rank"], first["supplier_id"], first["pos"]) == (1, worst["id"], 4)
        assert first["on_time_receipt"] == pytest.approx(0.5)
        assert first["mean_delay"] == pytest.approx(2.75)
        assert first["p80_delay"] == 9
        assert (first["mean_lead_time"], first["lead_time_sd"]) == (30, 0)
        assert first["supplier_fill_rate"] == pytest.approx(0.5)
        assert rows[1]["on_time_receipt"] == 1.0
        # Nobody chosen yet: the worst supplier is chosen for the detail below.
        assert response.json["response"]["sup-supplier"]["value"] == worst["id"]

    def test_a_chosen_supplier_is_kept(self, app, auth):
        known_counters(app)
        auth.login("manager")
        response = scorecard(auth.client, app, chosen=7)
        assert "sup-supplier" not in response.json["response"]

    def test_the_range_narrows_the_counters(self, app, auth):
        worst, _ = known_counters(app)
        auth.login("manager")
        rows = scorecard(auth.client, app, start="2026-11-09", end="2026-11-15").json["response"]["sup-grid"]["rowData"]
        first = next(r for r in rows if r["supplier_id"] == worst["id"])
        assert (first["pos"], first["on_time_receipt"], first["mean_delay"]) == (2, 0.0, 6.0)

    def test_clicking_a_row_chooses_that_supplier(self, app, auth):
        auth.login("manager")
        response = click(auth.client, app, {"rowId": "3", "colId": "name"})
        assert response.json["response"]["sup-supplier"]["value"] == 3


class TestOneSupplier:
    def test_cards_trend_and_delays_of_the_chosen_supplier(self, app, auth):
        worst, _ = known_counters(app)
        auth.login("executive")
        response = supplier(auth.client, app, worst["id"], start="2026-11-02", end="2026-11-15")
        assert_no_crash(response)
        body = response.json["response"]
        assert body["sup-title"]["children"] == worst["name"]
        assert "4 purchase order(s) completed 2 Nov – 15 Nov 2026" in body["sup-period"]["children"]
        cards = by_id(body["sup-cards"]["children"])
        assert cards["sup-card-on-time-receipt-value"]["children"] == "50.0 %"
        assert cards["sup-card-on-time-receipt-detail"]["children"] == "of 4 POs"
        assert cards["sup-card-mean-delay-value"]["children"] == "+2.8 d"
        assert cards["sup-card-mean-delay-detail"]["children"] == "mean · P80 +9 d"
        assert cards["sup-card-mean-lead-time-value"]["children"] == "30.0 d"
        assert cards["sup-card-mean-lead-time-detail"]["children"] == "mean · spread 0.0 d"  # words, not σ_L
        on_time, delay, zero, nothing = body["sup-trend"]["figure"]["data"]
        assert on_time["x"] == ["2026-11-02", "2026-11-09"]
        # Over the 4 weeks ending each week: 2 of 2 on time, then 2 of 4; the sample rides along.
        assert on_time["y"] == [100.0, 50.0] and delay["y"] == [-0.5, 2.75]
        assert on_time["customdata"] == [[2, 2], [4, 2]]
        assert zero["x"] == [] and nothing["x"] == []  # no 0 % window, no window without POs
        layout = body["sup-trend"]["figure"]["layout"]
        share, days = layout["yaxis"]["range"], layout["yaxis2"]["range"]
        assert -share[0] / (share[1] - share[0]) == pytest.approx(-days[0] / (days[1] - days[0]))  # one zero line
        delays = body["sup-delays"]["figure"]
        assert dict(zip(delays["data"][0]["x"], delays["data"][0]["y"], strict=True)) == {
            "early": 1, "on time": 1, "1–3 d": 1, "4–7 d": 0, "1–2 wk": 1, "2–4 wk": 0, "> 4 wk": 0,
        }  # fmt: skip
        assert delays["layout"]["annotations"][0]["text"] == "8 in 10 arrived no later than +9 d"

    def test_the_change_from_the_previous_period(self, app, auth):
        worst, _ = known_counters(app)
        auth.login("manager")
        # 9–15 Nov (0 % on time) against 2–8 Nov (100 %).
        body = supplier(auth.client, app, worst["id"], start="2026-11-09", end="2026-11-15").json["response"]
        cards = json.dumps(body["sup-cards"]["children"])
        assert "-100.0 pts vs previous" in cards
        assert "+6.5 d vs previous" in cards

    def test_pos_at_risk_are_listed_with_the_definition(self, app, auth):
        known_counters(app)
        db = context.current_for(app.server).db
        with db.read_session() as s:
            late = s.execute(
                select(PurchaseOrder.supplier_id, PurchaseOrder.number)
                .where(PurchaseOrder.status == "open", PurchaseOrder.eta < dt.date(2026, 11, 27))
                .order_by(PurchaseOrder.eta)
            ).first()
        assert late is not None, "the demo has purchase orders past their ETA"
        auth.login("manager")
        body = supplier(auth.client, app, late.supplier_id).json["response"]
        risk = json.dumps(body["sup-risk"]["children"])
        assert "At risk" in risk and "Expected arrival" in risk and late.number in risk

    def test_no_supplier_chosen_asks_for_one(self, app, auth):
        auth.login("manager")
        body = supplier(auth.client, app, None).json["response"]
        assert "Choose a supplier" in body["sup-period"]["children"]


class TestForgedPayloads:
    @pytest.mark.parametrize(
        ("filters", "message"),
        [
            ({"start": "2026-02-30"}, "start date must be a real date"),
            ({"start": "2026-11-20", "end": "2026-11-01"}, "start date is after the end date"),
            ({"end": "2031-01-01"}, "end date is in the future"),
            ({"start": "2019-01-01"}, "at most 731 days"),
            ({"start": {"$where": "1"}}, "start date must be a date"),
            ({"warehouse": "1; DROP TABLE supplier"}, "warehouse must be a positive whole number"),
            ({"warehouse": 10**30}, "warehouse must be a positive whole number"),
        ],
    )
    def test_bad_filters_get_a_message_not_a_traceback(self, app, auth, filters, message):
        auth.login("manager")
        response = scorecard(auth.client, app, **filters)
        assert_no_crash(response)
        body = response.json["response"]
        assert message in json.dumps(body["sup-alert"]["children"]) and body["sup-grid"]["rowData"] == []
        detail = supplier(auth.client, app, 1, **filters)
        assert_no_crash(detail)
        assert message in json.dumps(detail.json["response"]["sup-cards"]["children"])

    @pytest.mark.parametrize("forged", ["1 OR 1=1", {"id": 1}, True, -1, 2**63])
    def test_a_forged_supplier_gets_a_message(self, app, auth, forged):
        auth.login("executive")
        response = supplier(auth.client, app, forged)
        assert_no_crash(response)
        assert "supplier must be a positive whole number" in json.dumps(response.json["response"]["sup-cards"])

    def test_an_unknown_supplier_is_said_plainly(self, app, auth):
        auth.login("executive")
        response = supplier(auth.client, app, 999_999)
        assert_no_crash(response)
        assert "No such supplier" in json.dumps(response.json["response"]["sup-cards"])

    @pytest.mark.parametrize("cell", [None, {"rowId": "1; DROP"}, "x", {"rowId": "9" * 20}, {"rowId": "²"}])
    def test_a_forged_click_is_refused_plainly_and_chooses_nothing(self, app, auth, cell):
        auth.login("manager")
        response = click(auth.client, app, cell)
        assert "clicked supplier" in refusal(response)
        assert not response.json.get("response")  # no output changed


class TestLayout:
    def test_filters_default_to_the_last_26_weeks_and_charts_export_images(self, app, auth):
        auth.login("manager")
        props = by_id(route(auth.client, "/suppliers").json["response"]["_pages_content"]["children"])
        assert (props["sup-dates"]["start_date"], props["sup-dates"]["end_date"]) == (DEFAULT_START, TODAY)
        assert props["sup-dates"]["max_date_allowed"] == TODAY
        for graph in ("sup-trend", "sup-delays"):
            config = props[graph]["config"]
            assert config["displayModeBar"] is True and config["modeBarButtons"] == [["toImage"]]  # download only
        assert [c["field"] for c in props["sup-grid"]["columnDefs"]][:4] == ["rank", "name", "pos", "on_time_receipt"]
        text = json.dumps(props["sup-definitions"])
        assert "On-time receipt" in text and "Supplier fill rate" in text and "P80" in text

    def test_every_scorecard_kpi_of_the_table_has_a_column_with_its_definition_and_a_value(self, app, auth):
        known_counters(app)
        auth.login("manager")
        props = by_id(route(auth.client, "/suppliers").json["response"]["_pages_content"]["children"])
        columns = {c["field"]: c for c in props["sup-grid"]["columnDefs"]}
        rows = scorecard(auth.client, app).json["response"]["sup-grid"]["rowData"]
        scored = kpi_kinds.in_section("suppliers")
        for kpi in scored:
            assert columns[kpi.key]["headerTooltip"] == kpi.definition.text, kpi.key
            assert rows[0][kpi.key] is not None, kpi.key
        # Each definition once, in table order (the mean and P80 delay share one).
        listed = [c["props"]["children"] for c in components(props["sup-definitions"]["children"]) if c["type"] == "Dt"]
        assert listed == list(dict.fromkeys(kpi.definition.label for kpi in scored))

    def test_a_scorecard_kpi_added_to_the_table_gets_a_column_a_value_and_its_definition(self, app, auth, add_kpi):
        kpi = add_kpi(
            key="units_per_po",
            definition=Definition("Units per PO", "Units ordered ÷ purchase orders completed in the period."),
            unit="times",
            better="up",
            basis=kpi_kinds.SUPPLIERS,
            formula=ratio_of("units_ordered", "pos"),
            section="suppliers",
            detail=None,
            breakdown=None,
        )
        known_counters(app)
        auth.login("manager")
        props = by_id(route(auth.client, "/suppliers").json["response"]["_pages_content"]["children"])
        column = next(c for c in props["sup-grid"]["columnDefs"] if c["field"] == kpi.key)
        assert (column["headerName"], column["headerTooltip"]) == ("Units per PO", kpi.definition.text)
        assert "Units per PO" in json.dumps(props["sup-definitions"])
        rows = scorecard(auth.client, app).json["response"]["sup-grid"]["rowData"]
        assert rows[0][kpi.key] == pytest.approx(10.0)  # the worked rows order 10 units per PO

    @pytest.mark.parametrize(
        ("query", "chosen"),
        [("?supplier=2", 2), ("?supplier=abc", None), ("?supplier=-1", None), ("?supplier=%C2%B2", None)],
    )
    def test_a_supplier_from_the_query_string(self, app, auth, query, chosen):
        auth.login("executive")
        props = by_id(route(auth.client, "/suppliers", query).json["response"]["_pages_content"]["children"])
        assert props["sup-supplier"]["value"] == chosen


def test_a_window_without_deliveries_and_a_zero_percent_window_look_different():
    """Issue 22: a 0 % week had no bar and looked like a week with no deliveries."""
    from dashboard.components.suppliers import make_trend_chart
    from dashboard.services.inbound.suppliers import TrendWeek

    weeks = [
        TrendWeek(dt.date(2026, 11, 2), 0, None, None, None, None, 0),
        TrendWeek(dt.date(2026, 11, 9), 3, 0.0, 6.0, None, None, 3),
    ]
    _bars, _line, zero, nothing = make_trend_chart(weeks, "Slowco")["data"]
    assert (nothing["x"], nothing["text"]) == (["2026-11-02"], ["no POs"])
    assert (zero["x"], zero["text"]) == (["2026-11-09"], ["0 %"])
