"""/backorders over HTTP: its callbacks as each role posts them, support actions, forged requests, the export."""

import csv
import io
import json

import pytest
from sqlalchemy import text

from dashboard import context
from dashboard.domain import days
from tests.conftest import post_callback
from tests.pages.dash_http import components, route

OVERVIEW = "..bo-cards.children...bo-aging.figure...bo-alert.children.."
GRID = "..bo-grid.getRowsResponse...bo-export.href.."
OPEN = "..bo-offcanvas.is_open...bo-offcanvas.title...bo-panel.children...bo-selected.data...bo-feedback.children.."
FIRST_PAGE = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}


def filters(warehouse=None, channel=None, customer=None, sku=None, bucket=None, state=None) -> dict:
    return {
        "bo-warehouse.value": warehouse,
        "bo-channel.value": channel,
        "bo-customer.value": customer,
        "bo-sku.value": sku,
        "bo-bucket.value": bucket,
        "bo-state.value": state,
    }


def action_output(app) -> str:
    """The support-action callback's key (its duplicate outputs carry a hash suffix)."""
    return next(key for key in app.callback_map if "bo-changed.data" in key and "bo-feedback" in key)


def get_rows(client, app, request=FIRST_PAGE, **chosen):
    values = {"bo-grid.getRowsRequest": request, **filters(**chosen)}
    return post_callback(client, app, GRID, "bo-grid.getRowsRequest", values)


def rows_of(response) -> dict:
    return response.json["response"]["bo-grid"]["getRowsResponse"]


def scalar(app, sql: str, **params):
    with context.current_for(app.server).db.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def act(client, app, changed: str, line_id, version, **values):
    payload = {
        "bo-log-contact.n_clicks": 1 if changed == "bo-log-contact" else None,
        "bo-accept.n_clicks": 1 if changed == "bo-accept" else None,
        "bo-cancel.n_clicks": 1 if changed == "bo-cancel" else None,
        "bo-selected.data": {"line_id": line_id, "version": version},
        **{f"{key}.value": value for key, value in values.items()},
    }
    client.get("/_dash-dependencies")
    return post_callback(client, app, action_output(app), f"{changed}.n_clicks", payload)


def most_severe(client, app) -> dict:
    return rows_of(get_rows(client, app))["rowData"][0]


def assert_no_crash(response) -> None:
    assert "global-error" not in (response.json.get("sideUpdate") or {}), response.text


class TestReading:
    @pytest.mark.parametrize("role", ["support", "manager", "executive", "admin"])
    def test_allowed_roles_get_the_queue_most_severe_first(self, app, auth, role):
        auth.login(role)
        response = get_rows(auth.client, app)
        assert response.status_code == 200
        assert_no_crash(response)
        answer = rows_of(response)
        assert answer["rowCount"] == scalar(app, "SELECT count(*) FROM backorder_triage") > 0
        severities = [row["severity"] for row in answer["rowData"]]
        assert severities == sorted(severities, reverse=True)

    def test_filters_narrow_the_queue(self, app, auth):
        auth.login("support")
        answer = rows_of(get_rows(auth.client, app, warehouse=1, state="past_promise"))
        assert answer["rowData"] and {row["state"] for row in answer["rowData"]} == {"Past promise"}
        assert {row["warehouse"] for row in answer["rowData"]} == {"NJ1"}

    def test_cards_and_aging_chart_agree_with_the_table(self, app, auth):
        auth.login("executive")
        response = post_callback(auth.client, app, OVERVIEW, "bo-warehouse.value", filters())
        assert_no_crash(response)
        figure = response.json["response"]["bo-aging"]["figure"]
        total = sum(sum(trace["y"]) for trace in figure["data"])
        assert total == scalar(app, "SELECT count(*) FROM backorder_triage")
        assert [trace["name"] for trace in figure["data"]] == ["On track", "At risk", "Past promise"]
        assert f"{total:,}" in json.dumps(response.json["response"]["bo-cards"]["children"])

    def test_a_forged_filter_gets_a_message_not_rows(self, app, auth):
        auth.login("support")
        response = get_rows(auth.client, app, bucket="1; DROP TABLE order_line")
        assert_no_crash(response)
        assert rows_of(response) == {"rowData": [], "rowCount": 0}
        assert "age bucket must be one of" in json.dumps(response.json["sideUpdate"]["bo-alert"])

    def test_clicking_a_row_opens_its_history(self, app, auth):
        auth.login("support")
        line = most_severe(auth.client, app)
        cell = {"bo-grid.cellClicked": {"rowId": str(line["line_id"]), "colId": "sku"}}
        response = post_callback(auth.client, app, OPEN, "bo-grid.cellClicked", cell)
        body = response.json["response"]
        assert body["bo-offcanvas"]["is_open"] is True
        assert body["bo-offcanvas"]["title"] == f"{line['order_number']} · {line['sku']}"
        assert body["bo-selected"]["data"]["line_id"] == line["line_id"]
        ids = {c["props"].get("id") for c in components(body["bo-panel"]["children"])}
        assert {"bo-history", "bo-log-contact", "bo-accept", "bo-cancel"} <= ids

    def test_executives_see_the_panel_without_actions(self, app, auth):
        auth.login("executive")
        line = most_severe(auth.client, app)
        cell = {"bo-grid.cellClicked": {"rowId": str(line["line_id"]), "colId": "sku"}}
        panel = post_callback(auth.client, app, OPEN, "bo-grid.cellClicked", cell).json["response"]["bo-panel"]
        ids = {c["props"].get("id") for c in components(panel["children"])}
        assert "bo-log-contact" not in ids and "bo-cancel" not in ids
        assert "Read-only" in json.dumps(panel)


class TestActions:
    def test_support_logs_a_contact(self, app, auth):
        auth.login("support")
        line = most_severe(auth.client, app)
        before = scalar(app, "SELECT count(*) FROM contact_log WHERE order_line_id = :id", id=line["line_id"])
        response = act(
            auth.client,
            app,
            "bo-log-contact",
            line["line_id"],
            1,
            **{
                "bo-contact-channel": "phone",
                "bo-contact-outcome": "reached",
                "bo-contact-note": "Told them",
            },
        )
        assert_no_crash(response)
        assert "Contact logged" in json.dumps(response.json["response"]["bo-feedback"])
        after = scalar(app, "SELECT count(*) FROM contact_log WHERE order_line_id = :id", id=line["line_id"])
        assert after == before + 1
        outcome = scalar(app, "SELECT last_contact_outcome FROM backorder_triage WHERE id = :id", id=line["line_id"])
        assert outcome == "reached"

    def test_manager_cancels_a_line_for_the_customer(self, app, auth):
        auth.login("manager")
        line = most_severe(auth.client, app)
        version = scalar(app, "SELECT version FROM order_line WHERE id = :id", id=line["line_id"])
        response = act(
            auth.client, app, "bo-cancel", line["line_id"], version, **{"bo-cancel-reason": "Found it elsewhere"}
        )
        assert "Line cancelled" in json.dumps(response.json["response"]["bo-feedback"])
        assert scalar(app, "SELECT status FROM order_line WHERE id = :id", id=line["line_id"]) == "cancelled"
        assert scalar(app, "SELECT count(*) FROM backorder_triage WHERE id = :id", id=line["line_id"]) == 0
        key = f"line_cancelled:{line['line_id']}"
        assert scalar(app, "SELECT status FROM notification WHERE idempotency_key = :k", k=key) == "pending"

    def test_bad_input_gets_a_message_and_changes_nothing(self, app, auth):
        auth.login("support")
        line = most_severe(auth.client, app)
        contacts = scalar(app, "SELECT count(*) FROM contact_log")
        response = act(
            auth.client,
            app,
            "bo-log-contact",
            line["line_id"],
            1,
            **{
                "bo-contact-channel": "carrier pigeon",
                "bo-contact-outcome": "reached",
            },
        )
        assert "how you contacted" in json.dumps(response.json["response"]["bo-feedback"])
        response = act(auth.client, app, "bo-cancel", "1 OR 1=1", 1, **{"bo-cancel-reason": "x"})
        assert "No order line is selected" in json.dumps(response.json["response"]["bo-feedback"])
        assert scalar(app, "SELECT count(*) FROM contact_log") == contacts

    def test_executives_cannot_act_even_with_a_forged_request(self, app, auth):
        auth.login("executive")
        line = most_severe(auth.client, app)
        contacts = scalar(app, "SELECT count(*) FROM contact_log")
        response = act(
            auth.client,
            app,
            "bo-log-contact",
            line["line_id"],
            1,
            **{
                "bo-contact-channel": "phone",
                "bo-contact-outcome": "reached",
            },
        )
        assert response.status_code == 403
        assert scalar(app, "SELECT count(*) FROM contact_log") == contacts


class TestExport:
    def test_export_is_the_filtered_queue(self, app, auth):
        auth.login("support")
        response = auth.client.get("/backorders/export.csv?state=past_promise")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert rows and {row["state"] for row in rows} == {"Past promise"}
        today = days.day_number(context.current_for(app.server).settings.today())
        assert len(rows) == scalar(app, "SELECT count(*) FROM backorder_triage WHERE promised_day < :t", t=today)

    def test_export_refuses_forged_parameters(self, app, auth):
        auth.login("support")
        response = auth.client.get('/backorders/export.csv?sortModel=[{"colId":"password_hash","sort":"asc"}]')
        assert response.status_code == 400

    def test_export_needs_a_backorder_role(self, app, client):
        assert client.get("/backorders/export.csv").status_code in (302, 401)


def test_page_is_listed_for_support_and_refused_to_nobody_signed_in(app, auth):
    auth.login("support")
    body = route(auth.client, "/backorders").json["response"]
    ids = {c["props"].get("id") for c in components(body["_pages_content"]["children"])}
    assert {"bo-grid", "bo-aging", "bo-warehouse"} <= ids


class TestPin:
    def pin(self, client, app, line_id, version, value):
        key = next(k for k, e in app.callback_map.items() if any(i["id"] == "bo-pin-save" for i in e["inputs"]))
        values = {
            "bo-pin-save.n_clicks": 1,
            "bo-selected.data": {"line_id": line_id, "version": version},
            "bo-pin.value": value,
        }
        return post_callback(client, app, key, "bo-pin-save.n_clicks", values)

    def test_a_manager_pins_a_line_to_the_front_of_its_queue(self, app, auth):
        auth.login("manager")
        line_id = scalar(app, "SELECT id FROM backorder_triage WHERE queue_position > 1 ORDER BY id LIMIT 1")
        version = scalar(app, "SELECT version FROM order_line WHERE id = :id", id=line_id)
        response = self.pin(auth.client, app, line_id, version, 1)
        assert "Pinned at 1" in json.dumps(response.json["response"]["bo-feedback"])
        assert scalar(app, "SELECT queue_position FROM backorder_triage WHERE id = :id", id=line_id) == 1
        assert "bo-pin-save" in json.dumps(response.json["response"]["bo-panel"])  # the form comes back

    def test_only_managers_see_the_pin_form(self, app, auth):
        line_id = scalar(app, "SELECT id FROM backorder_triage ORDER BY id LIMIT 1")
        cell = {"bo-grid.cellClicked": {"rowId": str(line_id), "colId": "sku"}}
        for role, shown in (("manager", True), ("support", False)):
            auth.login(role)
            panel = post_callback(auth.client, app, OPEN, "bo-grid.cellClicked", cell).json["response"]["bo-panel"]
            assert ("bo-pin-save" in json.dumps(panel)) is shown, role
            auth.logout()

    def test_support_cannot_pin(self, app, auth):
        auth.login("support")
        line_id = scalar(app, "SELECT id FROM backorder_triage ORDER BY id LIMIT 1")
        assert self.pin(auth.client, app, line_id, None, 1).status_code == 403
