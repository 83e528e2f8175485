"""/replenishment over HTTP: its callbacks as each role posts them, forged requests, and who sees the page."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text

from dashboard import context
from tests.conftest import post_callback
from tests.pages.dash_http import components, refusal, route

OVERVIEW = "..repl-cards.children...repl-chart.figure...repl-alert.children.."
GRID = "..repl-grid.getRowsResponse...repl-export.href.."
NAV = "repl-nav.href"
FIRST_PAGE = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}


def filters(warehouse=None, category=None, supplier=None, status=None, condition="below_rop") -> dict:
    return {
        "repl-warehouse.value": warehouse,
        "repl-category.value": category,
        "repl-supplier.value": supplier,
        "repl-status.value": status,
        "repl-condition.value": condition,
    }


def get_rows(client, app, request=FIRST_PAGE, **chosen):
    values = {"repl-grid.getRowsRequest": request, **filters(**chosen)}
    return post_callback(client, app, GRID, "repl-grid.getRowsRequest", values)


def count(app, where: str, **params) -> int:
    with context.current_for(app.server).db.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM sku_metrics WHERE {where}"), params).scalar_one()


def alert_text(response) -> str:
    """The message put in repl-alert with set_props (empty when none)."""
    side = response.json.get("sideUpdate") or {}
    return json.dumps(side.get("repl-alert", {}))


def assert_no_crash(response) -> None:
    """The app-wide error handler turns exceptions into a 'Something went wrong' toast: there must be none."""
    assert "global-error" not in (response.json.get("sideUpdate") or {}), response.text


class TestGridRowsByRole:
    @pytest.mark.parametrize("role", ["manager", "executive", "admin"])
    def test_allowed_roles_get_rows_and_the_total(self, app, auth, role):
        auth.login(role)
        response = get_rows(auth.client, app, condition="all", warehouse=1)
        assert response.status_code == 200
        assert_no_crash(response)
        answer = response.json["response"]["repl-grid"]["getRowsResponse"]
        assert len(answer["rowData"]) == 100
        assert answer["rowCount"] == count(app, "warehouse_id = 1")
        assert {row["warehouse"] for row in answer["rowData"]} == {"NJ1"}

    def test_the_condition_filter_applies(self, app, auth):
        auth.login("executive")
        answer = get_rows(auth.client, app).json["response"]["repl-grid"]["getRowsResponse"]
        assert answer["rowData"] and all(row["below_reorder_point"] for row in answer["rowData"])
        assert answer["rowCount"] == count(app, "below_reorder_point")

    def test_no_request_yet_changes_nothing(self, app, auth):
        auth.login("manager")
        response = get_rows(auth.client, app, request=None)
        assert response.status_code == 204  # PreventUpdate

    def test_rows_carry_the_id_parts_open_sku_needs(self, app, auth):
        auth.login("manager")
        row = get_rows(auth.client, app).json["response"]["repl-grid"]["getRowsResponse"]["rowData"][0]
        assert row["sku"] and row["warehouse"]


class TestSupportIsRefused:
    @pytest.mark.parametrize(
        ("output", "changed", "values"),
        [
            (GRID, "repl-grid.getRowsRequest", {"repl-grid.getRowsRequest": FIRST_PAGE, **filters()}),
            (OVERVIEW, "repl-condition.value", filters()),
            (NAV, "repl-grid.cellClicked", {"repl-grid.cellClicked": {"rowId": "KIT-000001|NJ1"}}),
        ],
    )
    def test_each_callback_answers_403(self, app, auth, output, changed, values):
        auth.login("support")
        response = post_callback(auth.client, app, output, changed, values)
        assert response.status_code == 403
        assert "managers and executives" in response.json["message"]
        assert "rowData" not in response.text


class TestForgedGridRequests:
    @pytest.mark.parametrize(
        ("request_", "message"),
        [
            (
                {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "password_hash", "sort": "asc"}]},
                "unknown column",
            ),
            ({"startRow": 0, "endRow": 100, "filterModel": {"nope": {"filterType": "text"}}}, "unknown column"),
            ({"startRow": 0, "endRow": 1_000_000}, "at most 500 rows"),
            ({"startRow": -50, "endRow": 50}, "startRow must be between 0"),
            ({"startRow": "0; DROP TABLE sku_metrics", "endRow": 100}, "startRow must be a whole number"),
            ({"startRow": 0, "endRow": 100, "sortModel": "sku"}, "sortModel must be a list"),
            (["not", "an", "object"], "must be an object"),
        ],
    )
    def test_200_with_no_rows_and_the_reason_in_the_alert(self, app, auth, request_, message):
        auth.login("manager")
        response = get_rows(auth.client, app, request=request_)
        assert response.status_code == 200
        assert_no_crash(response)
        assert response.json["response"]["repl-grid"]["getRowsResponse"] == {"rowData": [], "rowCount": 0}
        assert message in alert_text(response)
        assert "repl-export" not in response.json["response"]  # the export link is left as it was

    def test_a_forged_warehouse_filter_is_answered_with_a_message(self, app, auth):
        auth.login("manager")
        response = get_rows(auth.client, app, warehouse="abc")
        assert response.status_code == 200
        assert_no_crash(response)
        assert response.json["response"]["repl-grid"]["getRowsResponse"]["rowData"] == []
        assert "warehouse_id must be a positive whole number" in alert_text(response)

    def test_a_forged_filter_on_the_cards_is_answered_with_a_message(self, app, auth):
        auth.login("manager")
        response = post_callback(auth.client, app, OVERVIEW, "repl-status.value", filters(status="sold"))
        assert response.status_code == 200
        assert_no_crash(response)
        alert = response.json["response"]["repl-alert"]["children"]
        assert "not a valid SalesStatus" in json.dumps(alert)
        assert "repl-cards" not in response.json["response"]

    def test_a_forged_condition_list_is_answered_with_a_message(self, app, auth):
        auth.login("manager")
        response = get_rows(auth.client, app, condition=["all"])
        assert response.status_code == 200
        assert_no_crash(response)
        assert "condition must be one of" in alert_text(response)


class TestOverview:
    def test_cards_and_chart_for_the_chosen_filters(self, app, auth):
        auth.login("executive")
        response = post_callback(auth.client, app, OVERVIEW, "repl-warehouse.value", filters(warehouse=1))
        assert response.status_code == 200
        assert_no_crash(response)
        body = response.json["response"]
        cards = json.dumps(body["repl-cards"]["children"])
        assert f"{count(app, 'warehouse_id = 1 AND below_reorder_point'):,}" in cards
        assert f"{count(app, 'warehouse_id = 1'):,}" in cards
        bars = body["repl-chart"]["figure"]["data"][0]["y"]
        assert 0 < len(bars) <= 15
        assert all(label.endswith("· NJ1") for label in bars)
        assert body["repl-alert"]["children"] is None


class TestExportLink:
    def test_the_href_carries_the_page_filters_and_the_grid_models(self, app, auth):
        auth.login("manager")
        request_ = {
            "startRow": 0,
            "endRow": 100,
            "sortModel": [{"colId": "suggested_order_qty", "sort": "desc"}],
            "filterModel": {"category": {"filterType": "text", "type": "equals", "filter": "Toys"}},
        }
        response = get_rows(auth.client, app, request=request_, warehouse=2, status="in_stock", condition="all")
        href = response.json["response"]["repl-export"]["href"]
        parts = urlsplit(href)
        assert parts.path == "/replenishment/export.csv"
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        assert query["warehouse_id"] == "2"
        assert query["sales_status"] == "in_stock"
        assert query["condition"] == "all"
        assert json.loads(query["sortModel"]) == request_["sortModel"]
        assert json.loads(query["filterModel"]) == request_["filterModel"]
        assert "category" not in query and "supplier_id" not in query  # not chosen on the page

    def test_following_the_href_exports_what_the_grid_showed(self, app, auth):
        auth.login("manager")
        request_ = {"startRow": 0, "endRow": 500, "sortModel": [{"colId": "on_hand", "sort": "asc"}], "filterModel": {}}
        response = get_rows(auth.client, app, request=request_, warehouse=3, condition="all")
        grid = response.json["response"]["repl-grid"]["getRowsResponse"]
        with auth.client.get(response.json["response"]["repl-export"]["href"]) as export:
            assert export.status_code == 200
            lines = export.get_data(as_text=True).splitlines()[1:]
        assert grid["rowCount"] == len(lines) == len(grid["rowData"])
        assert [line.split(",")[0] for line in lines] == [row["sku"] for row in grid["rowData"]]


class TestOpenSku:
    def test_a_row_click_opens_that_sku_in_that_warehouse(self, app, auth):
        auth.login("manager")
        values = {"repl-grid.cellClicked": {"rowId": "KIT-000042|TX1", "colId": "sku", "value": "KIT-000042"}}
        response = post_callback(auth.client, app, NAV, "repl-grid.cellClicked", values)
        assert response.status_code == 200
        assert response.json["response"]["repl-nav"]["href"] == "/sku/KIT-000042?warehouse=TX1"

    def test_a_sku_with_a_bar_in_it_still_opens(self, app, auth):
        auth.login("manager")
        values = {"repl-grid.cellClicked": {"rowId": "A|B-7|NJ1", "colId": "sku"}}
        response = post_callback(auth.client, app, NAV, "repl-grid.cellClicked", values)
        assert response.json["response"]["repl-nav"]["href"] == "/sku/A%7CB-7?warehouse=NJ1"

    def test_ticking_a_row_does_not_navigate(self, app, auth):
        auth.login("manager")
        values = {"repl-grid.cellClicked": {"rowId": "KIT-000042|TX1", "colId": "ag-Grid-SelectionColumn"}}
        assert post_callback(auth.client, app, NAV, "repl-grid.cellClicked", values).status_code == 204

    @pytest.mark.parametrize("cell", [None, {}, {"rowId": ""}, {"rowId": None}, {"rowId": "|NJ1"}, "x", 5])
    def test_a_click_without_a_row_is_refused_plainly_and_goes_nowhere(self, app, auth, cell):
        auth.login("executive")
        response = post_callback(auth.client, app, NAV, "repl-grid.cellClicked", {"repl-grid.cellClicked": cell})
        assert "clicked" in refusal(response)
        assert not response.json.get("response")  # no output changed: the browser stays where it is


class TestWhoSeesThePage:
    @pytest.mark.parametrize(
        ("role", "listed"), [("manager", True), ("executive", True), ("admin", True), ("support", False)]
    )
    def test_the_navbar_lists_replenishment_only_for_its_roles(self, app, auth, role, listed):
        auth.login(role)
        links = {
            node["props"].get("href"): node["props"].get("children")
            for node in components(auth.client.get("/_dash-layout").json)
            if node.get("type") == "NavLink"
        }
        assert ("/replenishment" in links) is listed
        assert links.get("/replenishment", "Replenishment") == "Replenishment"
        assert "/" in links  # the Overview is listed for everyone

    def test_support_opening_the_page_is_told_it_is_not_theirs(self, app, auth):
        auth.login("support")
        response = route(auth.client, "/replenishment")
        assert response.status_code == 200
        assert "page-forbidden" in response.text
        assert "Replenishment is not available to you" in response.text
        assert "repl-grid" not in response.text

    def test_a_manager_gets_the_page_with_filters_from_the_query_string(self, app, auth):
        auth.login("manager")
        response = route(auth.client, "/replenishment", "?condition=stocked_out&warehouse_id=2")
        assert response.status_code == 200
        assert_no_crash(response)
        page = response.text
        assert "repl-grid" in page and "page-forbidden" not in page
        by_id = {
            node["props"]["id"]: node["props"]
            for node in components(response.json["response"]["_pages_content"]["children"])
            if "id" in node["props"]
        }
        assert by_id["repl-condition"]["value"] == "stocked_out"
        assert by_id["repl-warehouse"]["value"] == 2
        assert by_id["repl-category"]["value"] is None
