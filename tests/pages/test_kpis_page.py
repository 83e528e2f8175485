"""/kpis over HTTP: who may see it, what its callbacks return for the filters, and forged filters."""

import json

import pytest
from sqlalchemy import text

from dashboard import context
from dashboard.components import formats
from dashboard.components.cards import VERDICTS, verdict_colour
from dashboard.components.kpis import format_delta, format_value, target_text
from dashboard.domain.kpi_kinds import DEFINITIONS, KPIS, SECTIONS, breakdown_kpis, in_section, sections_on
from dashboard.services.kpis import filters as kf
from dashboard.services.kpis import report as kr
from tests.conftest import TODAY, post_callback
from tests.pages.dash_http import components, route

START, END = "2026-08-24", "2026-11-22"  # the default: 13 full weeks before TODAY's week
KPI_KEYS = [kpi.key for section in sections_on("/kpis") for kpi in in_section(section.key)]


def key_of(app, output: str) -> str:
    """The callback_map key of the callback that writes ``output`` ("id.property")."""
    return next(key for key in app.callback_map if output in key)


def filters(start=START, end=END, warehouse=None, category=None, supplier=None) -> dict:
    return {
        "kpi-dates.start_date": start,
        "kpi-dates.end_date": end,
        "kpi-warehouse.value": warehouse,
        "kpi-category.value": category,
        "kpi-supplier.value": supplier,
    }


def report(client, app, **chosen):
    return post_callback(client, app, key_of(app, "kpi-headline.children"), "kpi-dates.start_date", filters(**chosen))


def breakdown(client, app, dimension="warehouse", **chosen):
    values = {**filters(**chosen), "kpi-dimension.value": dimension}
    return post_callback(client, app, key_of(app, "kpi-breakdown-table.children"), "kpi-dimension.value", values)


def by_id(tree) -> dict:
    return {node["props"]["id"]: node for node in components(tree) if isinstance(node["props"].get("id"), str)}


def assert_no_crash(response) -> None:
    assert response.status_code == 200, response.text
    assert "global-error" not in (response.json.get("sideUpdate") or {}), response.text


def service(app, query, *args, **raw):
    """What the service answers for ``raw`` filters, read straight from the app's database."""
    database = context.current_for(app.server).db
    with database.read_session() as session:
        parsed = kf.KpiFilters.parse({"start": START, "end": END, **raw}, kf.filter_options(session), TODAY)
        return query(session, parsed, *args)


class TestWhoSeesThePage:
    @pytest.mark.parametrize("role", ["executive", "manager"])
    def test_executives_and_managers_get_the_page(self, app, auth, role):
        auth.login(role)
        response = route(auth.client, "/kpis")
        assert_no_crash(response)
        page = by_id(response.json["response"]["_pages_content"]["children"])
        assert "page-forbidden" not in page
        assert page["kpi-dates"]["props"]["start_date"] == START
        assert page["kpi-dates"]["props"]["end_date"] == END
        assert page["kpi-dates"]["props"]["max_date_allowed"] == TODAY.isoformat()

    def test_support_is_told_the_page_is_not_theirs(self, app, auth):
        auth.login("support")
        response = route(auth.client, "/kpis")
        assert "page-forbidden" in response.text
        assert "KPIs is not available to you" in response.text
        assert "kpi-dates" not in response.text

    @pytest.mark.parametrize(
        ("output", "changed", "values"),
        [
            ("kpi-headline.children", "kpi-dates.start_date", filters()),
            ("kpi-breakdown-table.children", "kpi-dimension.value", {**filters(), "kpi-dimension.value": "supplier"}),
            ("kpi-dates.start_date", "kpi-preset-4.n_clicks", {"kpi-preset-4.n_clicks": 1}),
        ],
    )
    def test_support_is_refused_by_every_callback(self, app, auth, output, changed, values):
        auth.login("support")
        response = post_callback(auth.client, app, key_of(app, output), changed, values)
        assert response.status_code == 403
        assert "managers and executives" in response.json["message"]
        assert "kpi-fill_rate_lines" not in response.text

    def test_the_navbar_lists_it_for_executives_only_among_these(self, app, auth):
        auth.login("executive")
        links = {node["props"].get("href") for node in components(auth.client.get("/_dash-layout").json)}
        assert "/kpis" in links
        auth.logout()
        auth.login("support")
        links = {node["props"].get("href") for node in components(auth.client.get("/_dash-layout").json)}
        assert "/kpis" not in links


class TestReport:
    def test_every_kpi_card_shows_the_service_value_its_change_and_its_definition(self, app, auth):
        auth.login("executive")
        response = report(auth.client, app)
        assert_no_crash(response)
        body = response.json["response"]
        cards = by_id(body["kpi-headline"]["children"])
        expected = service(app, kr.headline)
        assert expected.has_data and expected.current["fill_rate_lines"] is not None
        for key in KPI_KEYS:
            assert cards[f"kpi-{key}-value"]["props"]["children"] == format_value(key, expected.current[key]), key
            assert cards[f"kpi-{key}-delta"]["props"]["children"].startswith(
                format_delta(key, expected.delta(key))[0]
            ), key
            popover = json.dumps(cards[f"kpi-def-{key}-popover"])
            assert json.dumps(DEFINITIONS[key].text)[1:-1] in popover, key
        assert f"through {expected.stock_through.day} " in json.dumps(body["kpi-headline"])
        assert "compared with" in json.dumps(body["kpi-period"])
        assert body["kpi-alert"]["children"] is None

    def test_the_charts_hold_the_weekly_trend_the_pareto_and_the_aging(self, app, auth):
        auth.login("manager")
        body = report(auth.client, app).json["response"]
        rates = body["kpi-trend-rates"]["figure"]
        assert len(rates["data"]) == 5 and all(len(trace["x"]) == 13 for trace in rates["data"])
        weeks = service(app, kr.weekly_trends)
        fill = next(trace for trace in rates["data"] if trace["name"].startswith("First-pass"))
        assert fill["y"][0] == pytest.approx(round(weeks[0].values["fill_rate_lines"] * 100, 2))
        pareto = body["kpi-pareto"]["figure"]["data"]
        revisions = pareto[0]["y"]
        assert revisions == sorted(revisions, reverse=True) and pareto[1]["y"][-1] == pytest.approx(100)
        aging = body["kpi-aging"]["figure"]["data"][0]
        with context.current_for(app.server).db.engine.connect() as connection:
            waiting = connection.execute(text("SELECT count(*) FROM backorder_triage")).scalar_one()
        assert sum(aging["y"]) == waiting and waiting > 0
        assert by_id(body["kpi-open"]["children"])["kpi-open-lines"]["props"]["children"] == f"{waiting:,}"

    def test_a_warehouse_filter_narrows_every_block(self, app, auth):
        auth.login("executive")
        everything = report(auth.client, app).json["response"]
        one = report(auth.client, app, warehouse=1).json["response"]
        expected = service(app, kr.headline, warehouse_id=1)
        cards = by_id(one["kpi-headline"]["children"])
        assert (
            cards["kpi-backorder_rate-value"]["props"]["children"]
            == f"{expected.current['backorder_rate'] * 100:.1f} %"
        )
        assert "notify-me excl." in json.dumps(one["kpi-headline"])
        assert sum(one["kpi-aging"]["figure"]["data"][0]["y"]) < sum(everything["kpi-aging"]["figure"]["data"][0]["y"])

    def test_a_range_without_data_says_so(self, app, auth):
        auth.login("executive")
        body = report(auth.client, app, start="2021-01-04", end="2021-03-28").json["response"]
        assert "No data in this range" in json.dumps(body["kpi-headline"])
        assert "No data in this range" in json.dumps(body["kpi-trend-rates"]["figure"]["layout"])
        assert "No promise revisions" in json.dumps(body["kpi-pareto"]["figure"]["layout"])

    @pytest.mark.parametrize(
        ("dimension", "label"), [("warehouse", "Warehouse"), ("category", "Category"), ("supplier", "Supplier")]
    )
    def test_the_breakdown_lists_each_member(self, app, auth, dimension, label):
        auth.login("executive")
        response = breakdown(auth.client, app, dimension)
        assert_no_crash(response)
        body = response.json["response"]
        rows = service(app, kr.breakdown, dimension)
        table = json.dumps(body["kpi-breakdown-table"])
        assert label in table and all(json.dumps(row.label)[1:-1] in table for row in rows)
        assert "kpi-breakdown-chart" not in body  # the table is the breakdown; no chart repeats it

    def test_a_preset_sets_the_last_full_weeks(self, app, auth):
        auth.login("executive")
        response = post_callback(
            auth.client, app, key_of(app, "kpi-dates.start_date"), "kpi-preset-4.n_clicks", {"kpi-preset-4.n_clicks": 1}
        )
        dates = response.json["response"]["kpi-dates"]
        assert (dates["start_date"], dates["end_date"]) == ("2026-10-26", "2026-11-22")

    def test_every_chart_can_be_saved_as_an_image(self, app, auth):
        auth.login("executive")
        page = route(auth.client, "/kpis").json["response"]["_pages_content"]["children"]
        graphs = [node for node in components(page) if node["type"] == "Graph"]
        assert len(graphs) == 4  # aging, two weekly trends, the delay-cause Pareto
        for graph in graphs:
            config = graph["props"]["config"]
            assert config["displayModeBar"] is True
            assert config["toImageButtonOptions"]["filename"]
            assert config["modeBarButtons"] == [["toImage"]]  # a download, and no zoom or pan chrome


class TestEveryKpiOfTheTable:
    """Data-driven: the page shows whatever the domain's KPI table says, so a KPI added there appears here."""

    def test_every_section_shows_exactly_its_kpis_in_order_each_with_its_detail_line(self, app, auth):
        auth.login("executive")
        body = report(auth.client, app).json["response"]
        expected = service(app, kr.headline)
        rows = body["kpi-headline"]["children"]["props"]["children"]
        sections = sections_on("/kpis")
        assert len(rows) == 2 * len(sections)  # a heading and a row of cards per section
        for section, heading, row in zip(sections, rows[::2], rows[1::2], strict=True):
            assert section.title in json.dumps(heading) and section.icon in json.dumps(heading)
            cards = [node for node in components(row) if node["type"] == "Card"]
            assert [card["props"]["id"] for card in cards] == [f"kpi-{kpi.key}" for kpi in in_section(section.key)]
            for card, kpi in zip(cards, in_section(section.key), strict=True):
                # Colour says good / watch / bad against the KPI's target, with its icon and word (neutral without one).
                judged = kpi.judge(expected.current.get(kpi.key))
                assert f"border-{verdict_colour(judged)}" in card["props"]["className"], kpi.key
                if judged:
                    text = json.dumps(card, ensure_ascii=False)
                    assert VERDICTS[judged][2] in text and target_text(kpi.key) in text
                detail = kpi.describe(
                    expected.sums, through=f"through {formats.day(expected.stock_through)}", notify="incl."
                )
                assert detail and json.dumps(detail)[1:-1] in json.dumps(card), kpi.key

    def test_the_breakdown_has_a_column_per_breakdown_kpi_with_its_definition(self, app, auth):
        auth.login("executive")
        table = breakdown(auth.client, app).json["response"]["kpi-breakdown-table"]["children"]
        headers = [node["props"] for node in components(table) if node["type"] == "Th"]
        columns = breakdown_kpis()
        assert [h["children"] for h in headers] == ["Warehouse", "Lines", *[k.breakdown for k in columns], "Open now"]
        assert [h.get("title") for h in headers[2:-1]] == [kpi.definition.text for kpi in columns]
        first_row = next(node for node in components(table) if node["type"] == "Tbody")["props"]["children"][0]
        assert len(first_row["props"]["children"]) == len(headers)

    def test_every_kpi_of_the_table_is_on_a_page_whose_tests_render_it(self):
        # /kpis is checked above, /suppliers in test_suppliers_page.py; a section elsewhere needs its own test.
        assert {section.page for section in SECTIONS} == {"/kpis", "/suppliers"}
        assert all(kpi.section in {section.key for section in SECTIONS} for kpi in KPIS.values())

    def test_a_kpi_added_to_the_table_gets_a_card_a_definition_a_detail_and_a_column(self, app, auth, add_kpi):
        kpi = add_kpi()
        auth.login("executive")
        body = report(auth.client, app).json["response"]
        expected = service(app, kr.headline)
        cards = by_id(body["kpi-headline"]["children"])
        value = cards[f"kpi-{kpi.key}-value"]["props"]["children"]
        assert value == format_value(kpi.key, expected.current[kpi.key]) and value.endswith(" %")
        assert json.dumps(kpi.definition.text)[1:-1] in json.dumps(cards[f"kpi-def-{kpi.key}-popover"])
        assert f"of {expected.sums['units_ordered']:,.0f} units ordered" in json.dumps(cards[f"kpi-{kpi.key}"])
        orders = body["kpi-headline"]["children"]["props"]["children"][1]
        assert f"kpi-{kpi.key}" in [node["props"].get("id") for node in components(orders)]
        table = json.dumps(breakdown(auth.client, app).json["response"]["kpi-breakdown-table"])
        assert "Units b/o" in table and json.dumps(kpi.definition.text)[1:-1] in table


class TestForgedFilters:
    @pytest.mark.parametrize(
        ("chosen", "message"),
        [
            ({"start": "2026-13-01"}, "The start date must be a date like"),
            ({"end": "'; DROP TABLE kpi_daily; --"}, "The end date must be a date like"),
            ({"start": {"$gt": ""}}, "must be a date like"),
            ({"start": "2026-11-20", "end": "2026-11-01"}, "is after the end date"),
            ({"start": "2020-01-01", "end": "2026-11-22"}, "at most 3 years"),
            ({"warehouse": "1 OR 1=1"}, "Choose the warehouse from the list"),
            ({"warehouse": 9999}, "Choose the warehouse from the list"),
            ({"category": ["Audio"]}, "Choose the category from the list"),
            ({"supplier": True}, "Choose the supplier from the list"),
        ],
    )
    def test_the_report_answers_with_a_message(self, app, auth, chosen, message):
        auth.login("executive")
        response = report(auth.client, app, **chosen)
        assert_no_crash(response)
        body = response.json["response"]
        assert message in json.dumps(body["kpi-alert"])
        assert "kpi-headline" not in body  # the cards keep what they showed
        assert "Traceback" not in response.text

    def test_the_breakdown_answers_a_forged_dimension_with_a_message(self, app, auth):
        auth.login("executive")
        response = breakdown(auth.client, app, dimension="password_hash")
        assert_no_crash(response)
        assert "Break down by one of" in json.dumps(response.json["response"]["kpi-breakdown-table"])

    def test_a_bad_query_string_falls_back_to_the_default_range_and_says_so(self, app, auth):
        auth.login("executive")
        response = route(auth.client, "/kpis", "?start=yesterday&warehouse_id=1")
        assert_no_crash(response)
        page = by_id(response.json["response"]["_pages_content"]["children"])
        assert "Showing the default range instead" in json.dumps(page["kpi-notice"])
        assert page["kpi-dates"]["props"]["start_date"] == START
        assert page["kpi-warehouse"]["props"]["value"] is None
