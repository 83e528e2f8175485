"""/inbound over HTTP: the PO grid, the panel, preview then confirm, roles and forged requests."""

import datetime as dt
import json

import pytest
from sqlalchemy import text

from dashboard import context
from tests.conftest import post_callback

GRID = "in-grid.getRowsResponse"
OPEN = "..po-offcanvas.is_open...po-offcanvas.title...po-panel.children...po-selected.data...po-feedback.children.."
PREVIEW = "..po-impact.children...po-confirm.disabled...po-previewed.data.."
FIRST = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}


def confirm_key(app) -> str:
    return next(key for key in app.callback_map if "po-changed.data" in key)


def scalar(app, sql, **params):
    with context.current_for(app.server).db.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def rows(client, app, show="all", request=FIRST):
    values = {"in-grid.getRowsRequest": request, "in-warehouse.value": None, "in-supplier.value": None}
    response = post_callback(client, app, GRID, "in-grid.getRowsRequest", {**values, "in-show.value": show})
    return response.json["response"]["in-grid"]["getRowsResponse"]


def busiest_po(client, app) -> dict:
    """The open PO most waiting customers depend on."""
    request = {**FIRST, "sortModel": [{"colId": "waiting_lines", "sort": "desc"}]}
    return rows(client, app, request=request)["rowData"][0]


def form(po, version, new_eta, cause="supplier_delay", confirmed=True, note="Carrier strike"):
    return {
        "po-selected.data": {"number": po, "version": version},
        "po-new-eta.value": new_eta,
        "po-confirmed.value": confirmed,
        "po-cause.value": cause,
        "po-note.value": note,
    }


def test_the_grid_lists_open_pos_soonest_eta_first(app, auth):
    auth.login("manager")
    answer = rows(auth.client, app)
    # Every placed PO not yet received in full (drafts are not placed: Show → Drafts lists them).
    assert answer["rowCount"] == scalar(
        app,
        "SELECT count(*) FROM purchase_order WHERE status IN ('open', 'sent', 'confirmed', 'partially_received')",
    )
    etas = [row["eta"] for row in answer["rowData"]]
    assert etas == sorted(etas)


def test_late_filter_shows_only_pos_past_their_eta(app, auth):
    auth.login("executive")
    answer = rows(auth.client, app, show="late")
    assert answer["rowData"] and all(row["days_late"] > 0 for row in answer["rowData"])


def test_preview_then_confirm_revises_the_eta_and_the_promises(app, auth):
    auth.login("manager")
    po = busiest_po(auth.client, app)
    today = context.current_for(app.server).settings.today()
    new_eta = (today + dt.timedelta(days=40)).isoformat()
    values = form(po["number"], po["version"], new_eta)
    preview = post_callback(auth.client, app, PREVIEW, "po-preview.n_clicks", {**values, "po-preview.n_clicks": 1})
    body = preview.json["response"]
    assert body["po-confirm"]["disabled"] is False
    assert body["po-previewed"]["data"]["eta"] == new_eta
    promises_before = scalar(app, "SELECT count(*) FROM promise_revision")
    payload = {**values, "po-confirm.n_clicks": 1, "po-previewed.data": body["po-previewed"]["data"]}
    confirmed = post_callback(auth.client, app, confirm_key(app), "po-confirm.n_clicks", payload)
    assert "ETA now" in json.dumps(confirmed.json["response"]["po-feedback"])
    assert str(scalar(app, "SELECT eta FROM purchase_order WHERE number = :n", n=po["number"]))[:10] == new_eta
    assert scalar(app, "SELECT count(*) FROM promise_revision") > promises_before
    assert scalar(app, "SELECT count(*) FROM audit_event WHERE action = 'revise_eta' AND actor = 'manager'") >= 1


def test_confirm_without_a_matching_preview_changes_nothing(app, auth):
    auth.login("manager")
    po = busiest_po(auth.client, app)
    today = context.current_for(app.server).settings.today()
    values = form(po["number"], po["version"], (today + dt.timedelta(days=40)).isoformat())
    stale = {"po": po["number"], "eta": (today + dt.timedelta(days=9)).isoformat(), "confirmed": True, "cause": "x"}
    before = scalar(app, "SELECT count(*) FROM eta_revision")
    payload = {**values, "po-confirm.n_clicks": 1, "po-previewed.data": stale}
    response = post_callback(auth.client, app, confirm_key(app), "po-confirm.n_clicks", payload)
    assert "preview the impact again" in json.dumps(response.json["response"]["po-feedback"])
    assert scalar(app, "SELECT count(*) FROM eta_revision") == before


@pytest.mark.parametrize(
    ("new_eta", "cause", "message"),
    [
        ("2020-01-01", "supplier_delay", "in the past"),
        ("31/12/2026", "supplier_delay", "is not a date"),
        ("2027-01-10", "witchcraft", "Choose a cause"),
    ],
)
def test_bad_preview_input_gets_a_message(app, auth, new_eta, cause, message):
    auth.login("manager")
    po = busiest_po(auth.client, app)
    values = {**form(po["number"], po["version"], new_eta, cause=cause), "po-preview.n_clicks": 1}
    response = post_callback(auth.client, app, PREVIEW, "po-preview.n_clicks", values)
    assert message in json.dumps(response.json["response"]["po-impact"])
    assert response.json["response"]["po-confirm"]["disabled"] is True


@pytest.mark.parametrize("role", ["executive", "support"])
def test_only_managers_revise_even_with_a_forged_request(app, auth, role):
    auth.login(role)
    today = context.current_for(app.server).settings.today()
    number = scalar(app, "SELECT number FROM purchase_order WHERE status = 'open' ORDER BY id LIMIT 1")
    values = form(number, None, (today + dt.timedelta(days=30)).isoformat())
    payload = {**values, "po-confirm.n_clicks": 1, "po-previewed.data": None}
    response = post_callback(auth.client, app, confirm_key(app), "po-confirm.n_clicks", payload)
    assert response.status_code == 403


def test_clicking_a_po_opens_its_lines_and_history(app, auth):
    auth.login("executive")
    po = busiest_po(auth.client, app)
    response = post_callback(
        auth.client, app, OPEN, "in-grid.cellClicked", {"in-grid.cellClicked": {"rowId": po["number"]}}
    )
    body = response.json["response"]
    assert body["po-offcanvas"]["is_open"] is True and po["number"] in body["po-offcanvas"]["title"]
    text_of = json.dumps(body["po-panel"]["children"])
    assert "po-lines" in text_of and "Read-only: managers receive stock and revise ETAs" in text_of
    assert "rcv-all" not in text_of and "po-preview" not in text_of


def test_managers_get_the_receive_and_revise_forms(app, auth):
    auth.login("manager")
    po = busiest_po(auth.client, app)
    response = post_callback(
        auth.client, app, OPEN, "in-grid.cellClicked", {"in-grid.cellClicked": {"rowId": po["number"]}}
    )
    text_of = json.dumps(response.json["response"]["po-panel"]["children"])
    assert all(component in text_of for component in ("rcv-all", "rcv-some", "rcv-qty", "po-preview", "po-confirm"))


def key_by_input(app, component_id: str) -> str:
    return next(key for key, entry in app.callback_map.items() if any(i["id"] == component_id for i in entry["inputs"]))


def receive_payload(po, version, button, quantities=None):
    ids = [{"type": "rcv-qty", "sku": sku} for sku in (quantities or {})]
    return {
        "rcv-some.n_clicks": 1 if button == "rcv-some" else None,
        "rcv-all.n_clicks": 1 if button == "rcv-all" else None,
        "po-selected.data": {"number": po, "version": version},
        '{"sku":["ALL"],"type":"rcv-qty"}.value': list((quantities or {}).values()),
        '{"sku":["ALL"],"type":"rcv-qty"}.id': ids,
    }


def post_receive(client, app, payload, button):
    from tests.conftest import callback_payload

    client.get("/_dash-dependencies")
    body = callback_payload(app, key_by_input(app, "rcv-some"), f"{button}.n_clicks", payload)
    # Pattern-matching states carry their concrete ids and values as lists.
    body["state"][1] = [
        {"id": i, "property": "value", "value": v}
        for i, v in zip(
            payload['{"sku":["ALL"],"type":"rcv-qty"}.id'],
            payload['{"sku":["ALL"],"type":"rcv-qty"}.value'],
            strict=True,
        )
    ]
    body["state"][2] = [{"id": i, "property": "id", "value": i} for i in payload['{"sku":["ALL"],"type":"rcv-qty"}.id']]
    return client.post("/_dash-update-component", json=body)


def open_po_with_waiting(app):
    return scalar(
        app,
        "SELECT po.number FROM purchase_order po JOIN backorder_triage t ON t.covering_po_id = po.id "
        "WHERE po.status = 'open' ORDER BY po.number LIMIT 1",
    )


def test_a_manager_receives_everything_open_and_waiting_customers_are_served(app, auth):
    auth.login("manager")
    number = open_po_with_waiting(app)
    version = scalar(app, "SELECT version FROM purchase_order WHERE number = :n", n=number)
    ready_before = scalar(app, "SELECT count(*) FROM notification WHERE kind = 'ready_to_ship'")
    response = post_receive(auth.client, app, receive_payload(number, version, "rcv-all"), "rcv-all")
    assert "Received" in json.dumps(response.json["response"]["po-feedback"]), response.text
    assert scalar(app, "SELECT status FROM purchase_order WHERE number = :n", n=number) == "received"
    assert scalar(app, "SELECT count(*) FROM notification WHERE kind = 'ready_to_ship'") > ready_before


def test_entered_quantities_are_validated(app, auth):
    auth.login("manager")
    number = open_po_with_waiting(app)
    sku = scalar(
        app,
        "SELECT p.sku FROM po_line l JOIN product p ON p.id = l.product_id JOIN purchase_order po ON po.id = l.po_id "
        "WHERE po.number = :n AND l.qty > l.qty_received ORDER BY p.sku LIMIT 1",
        n=number,
    )
    payload = receive_payload(number, None, "rcv-some", {sku: 100000})
    response = post_receive(auth.client, app, payload, "rcv-some")
    assert "is too many" in json.dumps(response.json["response"]["po-feedback"])
    assert scalar(app, "SELECT status FROM purchase_order WHERE number = :n", n=number) == "open"


def test_executives_cannot_receive(app, auth):
    auth.login("executive")
    number = open_po_with_waiting(app)
    response = post_receive(auth.client, app, receive_payload(number, None, "rcv-all"), "rcv-all")
    assert response.status_code == 403


def test_the_title_counts_the_whole_filtered_set(app, auth):
    """Issue 22: /inbound was a bare grid; the count of what the filters select sits beside the title."""
    auth.login("manager")
    values = {"in-grid.getRowsRequest": FIRST, "in-warehouse.value": None, "in-supplier.value": None}
    response = post_callback(auth.client, app, GRID, "in-grid.getRowsRequest", {**values, "in-show.value": "late"})
    total = response.json["response"]["in-grid"]["getRowsResponse"]["rowCount"]
    assert response.json["sideUpdate"]["in-count"]["children"] == f"{total:,} purchase order{'' if total == 1 else 's'}"
