"""/import over HTTP: roles, upload, column matching, preview, saved mappings, downloads, forged payloads.

Forged or bad payloads must get a message and change nothing.

The import job itself runs in a background process (see the browser test and tests/services/test_import_jobs.py).
"""

import base64
import json

import pytest
from sqlalchemy import func, select, text

from dashboard import context
from dashboard.components.imports import KIND_LABELS
from dashboard.db.models import ImportMapping, ImportUpload
from dashboard.services import imports as importing
from dashboard.services.audit.trail import Actor
from dashboard.services.imports import jobs as import_jobs
from tests.conftest import post_callback
from tests.pages.dash_http import components, route

# A WMS stock count with its own column names (matched by alias) and the demo's warehouses and SKUs.
WMS = "Item No;Location;Qty On Hand;Last Counted\n{sku};NJ1;31;2026-11-26\nNO-SUCH-SKU;NJ1;4;2026-11-26\n"
KIND = "..imp-fields.children...imp-template.href...imp-saved.options...imp-saved.value.."
MATCH = "..imp-mapping.children...imp-shop.children...imp-warehouse-row.className...imp-saved-row.className.."
PREVIEW = "..imp-preview.rowData...imp-preview.columnDefs...imp-preview-summary.children...imp-run.disabled.."


def key(app, fragment: str) -> str:
    """The callback_map key containing ``fragment`` (keys of outputs with allow_duplicate carry a hash)."""
    found = [k for k in app.callback_map if fragment in k]
    assert len(found) == 1, found
    return found[0]


def data_url(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return "data:text/csv;base64," + base64.b64encode(raw).decode()


def upload(client, app, contents, filename="count.csv"):
    values = {"imp-file.contents": contents, "imp-file.filename": filename}
    return post_callback(client, app, key(app, "imp-upload.data"), "imp-file.contents", values)


def uploads(app) -> int:
    with context.current_for(app.server).db.read_session() as session:
        return session.scalar(select(func.count()).select_from(ImportUpload))


def pattern_payload(
    app, output: str, changed: str, values: dict, mapping: dict[str, str], fixed: dict[str, str] | None = None
) -> dict:
    """A callback body with the pattern-matched column dropdowns (``{"type": "imp-map", "field": …}``).

    ``fixed`` holds the text boxes of "one value for every row" (``{"type": "imp-set", …}``), blank if not given.
    """
    entry = app.callback_map[output]
    fields = list(mapping)
    fixed = fixed or {}

    def spec(items):
        out = []
        for item in items:
            if isinstance(item["id"], dict) or str(item["id"]).startswith("{"):
                kind = (item["id"] if isinstance(item["id"], dict) else json.loads(item["id"]))["type"]
                chosen = mapping if kind == "imp-map" else {f: fixed.get(f, "") for f in fields}
                out.append(
                    [
                        {
                            "id": {"type": kind, "field": f},
                            "property": item["property"],
                            "value": chosen[f] if item["property"] == "value" else {"type": kind, "field": f},
                        }
                        for f in fields
                    ]
                )
            else:
                out.append(
                    {
                        "id": item["id"],
                        "property": item["property"],
                        "value": values.get(f"{item['id']}.{item['property']}"),
                    }
                )
        return out

    outputs = [
        {"id": part.split(".")[0], "property": part.split(".")[1]}
        for part in output.split("@")[0].strip(".").split("...")
    ]
    return {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": spec(entry["inputs"]),
        "state": spec(entry["state"]),
        "changedPropIds": [changed],
    }


@pytest.fixture
def sku(app) -> str:
    """A demo SKU stocked in NJ1."""
    with context.current_for(app.server).db.read_session() as session:
        return session.execute(
            text(
                "SELECT p.sku FROM product p JOIN stock_level s ON s.product_id = p.id "
                "JOIN warehouse w ON w.id = s.warehouse_id WHERE w.code = 'NJ1' ORDER BY p.id LIMIT 1"
            )
        ).scalar_one()


@pytest.mark.parametrize(
    ("role", "allowed"), [("manager", True), ("admin", True), ("support", False), ("executive", False)]
)
def test_only_managers_open_the_import_page(app, auth, role, allowed):
    auth.login(role)
    page = json.dumps(route(auth.client, "/import").json)
    assert ("imp-kind" in page) is allowed
    assert ("page-forbidden" in page) is (not allowed)


def test_choosing_a_kind_lists_its_columns_and_its_template(app, auth):
    auth.login("manager")
    body = post_callback(auth.client, app, KIND, "imp-kind.value", {"imp-kind.value": "purchase_orders"}).json[
        "response"
    ]
    assert body["imp-template"]["href"] == "/import/template/purchase_orders.csv"
    fields = json.dumps(body["imp-fields"]["children"])
    for column in ("po_number", "supplier_code", "eta", "eta_confirmed"):
        assert f'"{column}"' in fields
    assert body["imp-saved"]["options"] == []


def test_an_upload_is_kept_and_its_columns_are_matched_by_their_names(app, auth, sku):
    auth.login("manager")
    response = upload(auth.client, app, data_url(WMS.format(sku=sku)))
    stored = response.json["response"]["imp-upload"]["data"]
    assert stored["header"] == ["Item No", "Location", "Qty On Hand", "Last Counted"] and stored["shop"] is None
    assert "count.csv" in json.dumps(response.json["response"]["imp-file-info"]["children"])
    assert uploads(app) == 1

    values = {"imp-upload.data": stored, "imp-kind.value": "stock", "imp-saved.value": None}
    form = json.dumps(post_callback(auth.client, app, MATCH, "imp-upload.data", values).json["response"])
    chosen = {
        c["props"]["id"]["field"]: c["props"]["value"] for c in _dropdowns(json.loads(form)["imp-mapping"]["children"])
    }
    assert chosen == {
        "sku": "Item No",
        "warehouse_code": "Location",
        "on_hand": "Qty On Hand",
        "units_on_backorder": "__none__",
        "in_transit": "__none__",
        "in_transit_eta": "__none__",
        "safety_stock": "__none__",
        "reorder_point": "__none__",
    }

    mapping = {"sku": "Item No", "warehouse_code": "Location", "on_hand": "Qty On Hand"}
    body = pattern_payload(
        app, PREVIEW, "imp-upload.data", {"imp-upload.data": stored, "imp-kind.value": "stock"}, mapping
    )
    preview = auth.client.post("/_dash-update-component", json=body).json["response"]
    rows = preview["imp-preview"]["rowData"]
    assert [(r["row"], r["outcome"], r["f_sku"]) for r in rows] == [(2, "update", sku), (3, "rejected", "NO-SUCH-SKU")]
    assert "no such SKU" in rows[1]["problems"]
    assert preview["imp-run"]["disabled"] is False


def _dropdowns(tree):
    from tests.pages.dash_http import components

    return [c for c in components(tree) if c["type"] == "Dropdown"]


@pytest.mark.parametrize(
    ("contents", "filename", "message"),
    [
        ("not a data url", "count.csv", "did not arrive whole"),
        ("data:text/csv;base64,%%%not-base64%%%", "count.csv", "did not arrive whole"),
        (data_url(b"\x00\x01\x02\x03"), "count.csv", "binary file"),
        (data_url("sku,qty\n"), "count.csv", "no rows to import"),
        (data_url("sku,qty\nA,1\n"), "count.exe", "use a .csv or .xlsx file"),
        (data_url("sku,qty\nA,1\n"), None, "did not arrive whole"),
        ({"forged": "object"}, "count.csv", "did not arrive whole"),
    ],
)
def test_a_bad_or_forged_upload_gets_a_message_and_is_not_kept(app, auth, contents, filename, message):
    auth.login("manager")
    body = upload(auth.client, app, contents, filename).json["response"]
    assert body["imp-upload"]["data"] is None
    assert message in json.dumps(body["imp-file-info"]["children"])
    assert uploads(app) == 0


def test_a_preview_of_someone_elses_upload_shows_nothing_of_it(app, auth, sku):
    db = context.current_for(app.server).db
    with db.write_session() as session:
        theirs = import_jobs.store_upload(session, Actor("admin", 1), "theirs.csv", WMS.format(sku=sku).encode())
    auth.login("manager")
    stored = {"token": theirs.token, "header": theirs.header, "shop": None}
    body = pattern_payload(
        app, PREVIEW, "imp-upload.data", {"imp-upload.data": stored, "imp-kind.value": "stock"}, {"sku": "Item No"}
    )
    preview = auth.client.post("/_dash-update-component", json=body).json["response"]
    assert preview["imp-preview"]["rowData"] == [] and preview["imp-run"]["disabled"] is True
    assert "upload the file again" in json.dumps(preview["imp-preview-summary"]["children"])


@pytest.mark.parametrize("role", ["support", "executive"])
def test_only_managers_upload_save_mappings_or_start_an_import_even_with_forged_requests(app, auth, role, sku):
    auth.login(role)
    assert upload(auth.client, app, data_url(WMS.format(sku=sku))).status_code == 403
    assert uploads(app) == 0
    save = pattern_payload(
        app,
        key(app, "imp-save-feedback.children"),
        "imp-save.n_clicks",
        {"imp-kind.value": "stock", "imp-save-name.value": "wms"},
        {"sku": "Item No"},
    )
    assert auth.client.post("/_dash-update-component", json=save).status_code == 403
    run = pattern_payload(
        app, key(app, "imp-result.children...imp-history"), "imp-run.n_clicks", {"imp-kind.value": "stock"}, {}
    )
    assert auth.client.post("/_dash-update-component", json=run).status_code == 403
    with context.current_for(app.server).db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(ImportMapping)) == 0


def test_a_mapping_is_saved_by_name_and_offered_for_that_kind(app, auth):
    auth.login("manager")
    output = key(app, "imp-save-feedback.children")
    mapping = {"sku": "Item No", "warehouse_code": "Location", "on_hand": "Qty On Hand", "safety_stock": "__none__"}
    values = {"imp-kind.value": "stock", "imp-save-name.value": "Our WMS"}
    saved = auth.client.post(
        "/_dash-update-component", json=pattern_payload(app, output, "imp-save.n_clicks", values, mapping)
    )
    assert saved.json["response"]["imp-saved"]["options"] == ["Our WMS"]
    with context.current_for(app.server).db.read_session() as session:
        kept = session.scalars(select(ImportMapping)).one()
        assert (kept.kind, kept.name, kept.created_by) == ("stock", "Our WMS", "manager")
        assert kept.mapping == {
            "sku": "Item No",
            "warehouse_code": "Location",
            "on_hand": "Qty On Hand",
            "safety_stock": None,  # "not in this file", kept so a column named safety_stock stays unread
        }

    again = auth.client.post(
        "/_dash-update-component", json=pattern_payload(app, output, "imp-save.n_clicks", values, mapping)
    )
    assert "exists already" in json.dumps(again.json["response"]["imp-save-feedback"])

    listed = post_callback(auth.client, app, KIND, "imp-kind.value", {"imp-kind.value": "stock"}).json["response"]
    assert listed["imp-saved"]["options"] == ["Our WMS"]
    other = post_callback(auth.client, app, KIND, "imp-kind.value", {"imp-kind.value": "orders"}).json["response"]
    assert other["imp-saved"]["options"] == []


@pytest.mark.parametrize(
    ("name", "mapping", "message"),
    [
        ("", {"sku": "Item No"}, "Give the mapping a name"),
        ("x" * 81, {"sku": "Item No"}, "Give the mapping a name"),
        ("empty", {"sku": "__none__"}, "maps no field"),
        ("forged", {"not_a_field": "Item No"}, "is not a field of stock"),
    ],
)
def test_a_bad_mapping_is_refused_with_a_message(app, auth, name, mapping, message):
    auth.login("manager")
    output = key(app, "imp-save-feedback.children")
    values = {"imp-kind.value": "stock", "imp-save-name.value": name}
    body = pattern_payload(app, output, "imp-save.n_clicks", values, mapping)
    response = auth.client.post("/_dash-update-component", json=body)
    assert message in json.dumps(response.json["response"]["imp-save-feedback"])
    with context.current_for(app.server).db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(ImportMapping)) == 0


def test_templates_download_for_managers_only(app, auth):
    auth.login("manager")
    response = auth.client.get("/import/template/stock.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.text.lstrip("\ufeff") == (
        "sku,warehouse_code,on_hand,units_on_backorder,in_transit,in_transit_eta,safety_stock,reorder_point\n"
    )
    assert "stock-template.csv" in response.headers["Content-Disposition"]
    assert auth.client.get("/import/template/nonsense.csv").status_code == 404
    auth.logout()
    auth.login("support")
    assert auth.client.get("/import/template/stock.csv").status_code == 403


def test_refused_rows_download_for_the_uploader_only(app, auth, sku):
    db = context.current_for(app.server).db
    auth.login("manager")
    token = upload(auth.client, app, data_url(WMS.format(sku=sku))).json["response"]["imp-upload"]["data"]["token"]
    summary = import_jobs.run_upload(
        db, import_jobs.Request(token, "stock"), today=context.current_for(app.server).settings.today(), handling_days=2
    )
    assert summary["rejected_rows"] == 1
    response = auth.client.get(f"/import/refused/{token}.csv")
    assert response.status_code == 200
    assert response.text.lstrip("\ufeff").splitlines()[1].startswith("3,sku,NO-SUCH-SKU,")
    assert auth.client.get("/import/refused/" + "x" * 43 + ".csv").status_code == 404
    auth.logout()
    auth.login("admin")  # may import, but this is not their upload
    assert auth.client.get(f"/import/refused/{token}.csv").status_code == 404
    auth.logout()
    auth.login("support")
    assert auth.client.get(f"/import/refused/{token}.csv").status_code == 403


@pytest.mark.parametrize(("role", "status"), [("manager", 200), ("support", 403), ("executive", 403)])
def test_only_managers_may_press_cancel_on_an_import_job(app, auth, role, status):
    # Dash generates the cancel callback itself; the gate takes its roles from allow_cancel.
    auth.login(role)
    body = {
        "output": "imp-cancel.id",
        "outputs": {"id": "imp-cancel", "property": "id"},
        "inputs": [{"id": "imp-cancel", "property": "n_clicks", "value": 1}],
        "state": [],
        "changedPropIds": ["imp-cancel.n_clicks"],
    }
    auth.client.get("/_dash-dependencies")
    assert auth.client.post("/_dash-update-component", json=body).status_code == status


def test_an_xlsx_upload_is_read_like_a_csv(app, auth, sku):
    import io

    from openpyxl import Workbook

    book = Workbook()
    for row in (["Item No", "Location", "Qty On Hand"], [sku, "NJ1", 31]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    auth.login("manager")
    url = (
        "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"
        + base64.b64encode(buffer.getvalue()).decode()
    )
    stored = upload(auth.client, app, url, "count.xlsx").json["response"]["imp-upload"]["data"]
    assert stored["header"] == ["Item No", "Location", "Qty On Hand"]
    mapping = {"sku": "Item No", "warehouse_code": "Location", "on_hand": "Qty On Hand"}
    body = pattern_payload(
        app, PREVIEW, "imp-upload.data", {"imp-upload.data": stored, "imp-kind.value": "stock"}, mapping
    )
    rows = auth.client.post("/_dash-update-component", json=body).json["response"]["imp-preview"]["rowData"]
    assert [(r["row"], r["outcome"], r["f_on_hand"]) for r in rows] == [(2, "update", "31")]


def test_a_field_the_file_lacks_takes_one_value_for_every_row_and_a_saved_mapping_keeps_it(app, auth, sku):
    """The page's --set: "one value for every row" and its text box, read and refused like a cell."""
    auth.login("manager")
    stored = upload(auth.client, app, data_url(f"Item No;Qty On Hand\n{sku};31\nNO-SUCH-SKU;4\n")).json["response"][
        "imp-upload"
    ]["data"]
    values = {"imp-upload.data": stored, "imp-kind.value": "stock", "imp-saved.value": None}
    form = post_callback(auth.client, app, MATCH, "imp-upload.data", values).json["response"]["imp-mapping"]["children"]
    options = [o["value"] for o in _dropdowns(form)[0]["props"]["options"]]
    assert options[:2] == ["__none__", "__set__"]

    def preview_with(warehouse: str) -> list[dict]:
        mapping = {"sku": "Item No", "warehouse_code": "__set__", "on_hand": "Qty On Hand"}
        body = pattern_payload(
            app,
            PREVIEW,
            "imp-upload.data",
            {"imp-upload.data": stored, "imp-kind.value": "stock"},
            mapping,
            {"warehouse_code": warehouse},
        )
        return auth.client.post("/_dash-update-component", json=body).json["response"]["imp-preview"]["rowData"]

    rows = preview_with(" NJ1 ")
    assert [(r["row"], r["outcome"], r["f_warehouse_code"]) for r in rows] == [
        (2, "update", "NJ1"),
        (3, "rejected", "NJ1"),
    ]
    refused = preview_with("NOPE")  # refused on every row, with the value and the reason
    assert [r["outcome"] for r in refused] == ["rejected", "rejected"]
    assert refused[0]["problems"] == "warehouse_code: no such warehouse; known: CA1, NJ1, TX1"

    output = key(app, "imp-save-feedback.children")
    mapping = {"sku": "Item No", "warehouse_code": "__set__", "on_hand": "Qty On Hand"}
    save = {"imp-kind.value": "stock", "imp-save-name.value": "One warehouse"}
    body = pattern_payload(app, output, "imp-save.n_clicks", save, mapping, {"warehouse_code": "NJ1"})
    assert auth.client.post("/_dash-update-component", json=body).json["response"]["imp-saved"]["options"] == [
        "One warehouse"
    ]
    with context.current_for(app.server).db.read_session() as session:
        assert session.scalars(select(ImportMapping.mapping)).one()["warehouse_code"] == {"set": "NJ1"}
    values["imp-saved.value"] = "One warehouse"
    form = post_callback(auth.client, app, MATCH, "imp-saved.value", values).json["response"]["imp-mapping"]["children"]
    from tests.pages.dash_http import components

    boxes = {c["props"]["id"]["field"]: c["props"] for c in components(form) if c["type"] == "Input"}
    chosen = {c["props"]["id"]["field"]: c["props"]["value"] for c in _dropdowns(form)}
    assert chosen["warehouse_code"] == "__set__" and boxes["warehouse_code"]["value"] == "NJ1"
    assert boxes["warehouse_code"]["disabled"] is False and boxes["sku"]["disabled"] is True


def test_sales_totals_are_offered_and_may_take_one_warehouse_for_the_whole_file(app, auth):
    assert set(KIND_LABELS) == set(importing.KINDS)  # every kind the service knows is on the page
    auth.login("manager")
    snapshot = "sku,forecast_3_month,sales_1_month,sales_3_month\nTEE-1,9,4,10\n"
    stored = upload(auth.client, app, data_url(snapshot), "snapshot.csv").json["response"]["imp-upload"]["data"]
    values = {"imp-upload.data": stored, "imp-kind.value": "sales_periods", "imp-saved.value": None}
    body = post_callback(auth.client, app, MATCH, "imp-upload.data", values).json["response"]
    assert body["imp-warehouse-row"]["className"] == "mb-2"  # no warehouse column: the user picks one
    values["imp-kind.value"] = "stock"
    body = post_callback(auth.client, app, MATCH, "imp-upload.data", values).json["response"]
    assert body["imp-warehouse-row"]["className"] == "mb-2 d-none"


def test_before_any_file_there_is_no_empty_grid_and_nothing_to_save(app, auth):
    """Issue 22: step 4 showed "No Rows To Show" and Save mapping was active before a file was uploaded."""
    auth.login("manager")
    content = route(auth.client, "/import").json["response"]["_pages_content"]["children"]
    ids = {c["props"].get("id"): c["props"] for c in components(content) if isinstance(c.get("props"), dict)}
    assert ids["imp-preview-wrap"]["hidden"] is True
    assert ids["imp-save"]["disabled"] is True
    assert "once a file is uploaded" in json.dumps(ids["imp-preview-summary"])
