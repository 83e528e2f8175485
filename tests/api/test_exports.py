"""GET /replenishment/export.csv: exactly the grid's filtered, sorted set, for the roles that see the grid."""

import csv
import io
import json
from urllib.parse import urlencode

import pytest

from dashboard import context
from dashboard.services.derived.refresh import refresh_metrics
from dashboard.services.replenishment import queries as repl
from tests.conftest import TODAY

EXPORT = "/replenishment/export.csv"
FILTER_MODEL = {"suggested_order_qty": {"filterType": "number", "type": "greaterThanOrEqual", "filter": 0}}
SORT_MODEL = [{"colId": "stock_position", "sort": "asc"}, {"colId": "sku", "sort": "desc"}]


@pytest.fixture
def app(demo_app):
    """The demo app with its metrics computed (a copied demo database starts without them)."""
    refresh_metrics(context.current_for(demo_app.server).db, TODAY)
    return demo_app


def url(**params) -> str:
    for key in ("filterModel", "sortModel"):
        if key in params and not isinstance(params[key], str):
            params[key] = json.dumps(params[key])
    return f"{EXPORT}?{urlencode(params)}" if params else EXPORT


def fetch(client, target: str):
    with client.get(target) as response:
        return response.status_code, response.headers, response.get_data(as_text=True)


def grid_keys(app, filters: dict, filter_model=None, sort_model=None) -> list[tuple[str, str]]:
    """What the grid shows for the same filters, read page by page as the browser would."""
    parsed = repl.ReplenishmentFilters.parse(filters)
    keys, start = [], 0
    with context.current_for(app.server).db.read_session() as session:
        while True:
            request = {"startRow": start, "endRow": start + 100, "filterModel": filter_model, "sortModel": sort_model}
            page = repl.grid_rows(session, parsed, request)
            keys += [(row["sku"], row["warehouse"]) for row in page.rows]
            if len(page.rows) < 100:
                return keys
            start += 100


def csv_rows(body: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(body))
    return list(reader.fieldnames or []), list(reader)


class TestExportMatchesTheGrid:
    @pytest.mark.parametrize("role", ["manager", "executive", "admin"])
    def test_the_csv_rows_are_the_grids_rows_in_the_grids_order(self, app, auth, role):
        auth.login(role)
        filters = {"warehouse_id": "1", "condition": "all"}
        status, headers, body = fetch(auth.client, url(**filters, filterModel=FILTER_MODEL, sortModel=SORT_MODEL))
        assert status == 200
        assert headers["Content-Type"].startswith("text/csv")
        header, rows = csv_rows(body)
        assert header == list(repl.GRID_COLUMNS)
        expected = grid_keys(app, filters, FILTER_MODEL, SORT_MODEL)
        assert len(expected) > 100  # more than one grid page
        assert [(row["sku"], row["warehouse"]) for row in rows] == expected

    def test_a_column_filter_narrows_the_export_like_the_grid(self, app, auth):
        auth.login("manager")
        model = {"category": {"filterType": "text", "type": "equals", "filter": "Toys"}}
        sort = [{"colId": "suggested_order_qty", "sort": "desc"}]
        _, _, body = fetch(auth.client, url(condition="all", filterModel=model, sortModel=sort))
        _, rows = csv_rows(body)
        assert rows and {row["category"] for row in rows} == {"Toys"}
        assert [(row["sku"], row["warehouse"]) for row in rows] == grid_keys(app, {"condition": "all"}, model, sort)
        quantities = [int(row["suggested_order_qty"]) for row in rows]
        assert quantities == sorted(quantities, reverse=True)

    def test_the_default_export_is_below_reorder_point_with_no_column_filters(self, app, auth):
        auth.login("executive")
        status, headers, body = fetch(auth.client, EXPORT)
        assert status == 200
        _, rows = csv_rows(body)
        assert rows
        assert [(row["sku"], row["warehouse"]) for row in rows] == grid_keys(app, {})
        assert "replenishment-below_rop-20261127.csv" in headers["Content-Disposition"]
        assert headers["Content-Disposition"].startswith("attachment")

    def test_an_empty_selection_is_a_header_only_csv(self, app, auth):
        auth.login("manager")
        status, _, body = fetch(auth.client, url(category="No such category"))
        assert status == 200
        header, rows = csv_rows(body)
        assert header == list(repl.GRID_COLUMNS)
        assert rows == []

    def test_numbers_in_the_csv_are_the_grids_numbers(self, app, auth):
        auth.login("manager")
        sort = [{"colId": "reorder_point", "sort": "desc"}]
        _, _, body = fetch(auth.client, url(condition="all", sortModel=sort))
        _, rows = csv_rows(body)
        with context.current_for(app.server).db.read_session() as session:
            page = repl.grid_rows(
                session, repl.ReplenishmentFilters(condition="all"), {"startRow": 0, "endRow": 20, "sortModel": sort}
            )
        for exported, shown in zip(rows, page.rows, strict=False):
            assert int(exported["stock_position"]) == shown["stock_position"]
            assert float(exported["reorder_point"]) == pytest.approx(shown["reorder_point"])


class TestWhoMayExport:
    def test_support_is_refused_with_403_and_no_csv(self, app, auth):
        auth.login("support")
        status, headers, body = fetch(auth.client, EXPORT)
        assert status == 403
        assert not headers["Content-Type"].startswith("text/csv")
        assert "managers and executives" in json.loads(body)["message"]

    def test_an_anonymous_browser_is_sent_to_sign_in(self, app, client):
        status, headers, body = fetch(client, EXPORT)
        assert status != 200
        assert status == 302 and headers["Location"].startswith("/login?next=")
        assert not headers.get("Content-Type", "").startswith("text/csv")
        assert "sku,name" not in body

    def test_an_anonymous_json_client_gets_401(self, app, client):
        with client.get(EXPORT, headers={"Accept": "application/json"}) as response:
            assert response.status_code == 401
            assert not response.content_type.startswith("text/csv")


class TestBadParameters:
    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"filterModel": "{not json"}, "filterModel is not valid JSON"),
            ({"sortModel": "[{"}, "sortModel is not valid JSON"),
            (
                {"filterModel": {"password_hash": {"filterType": "text", "type": "equals", "filter": "x"}}},
                "unknown column",
            ),
            ({"sortModel": [{"colId": "no_such_column", "sort": "asc"}]}, "unknown column"),
            ({"sortModel": [{"colId": "sku", "sort": "sideways"}]}, "'asc' or 'desc'"),
            ({"filterModel": ["sku"]}, "filterModel must be an object"),
            (
                {"filterModel": {"on_hand": {"filterType": "number", "type": "equals", "filter": "lots"}}},
                "needs a number",
            ),
            ({"warehouse_id": "abc"}, "warehouse_id must be a positive whole number"),
            ({"condition": "everything"}, "condition must be one of"),
            ({"sales_status": "gone"}, "not a valid SalesStatus"),
        ],
    )
    def test_400_with_a_message_and_no_csv(self, app, auth, params, message):
        auth.login("manager")
        status, headers, body = fetch(auth.client, url(**params))
        assert status == 400
        assert headers["Content-Type"].startswith("application/json")
        assert message in json.loads(body)["message"]
        assert "sku,name" not in body
