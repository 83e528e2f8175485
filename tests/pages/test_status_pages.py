"""Sales status over HTTP: the SKU page's control, the bulk action and mismatch list, and /audit."""

import json

import pytest
from sqlalchemy import text

from dashboard import context
from tests.conftest import post_callback
from tests.pages.dash_http import components, route

SAVE = "..status-panel.children...sku-status.children...sku-status.color...status-sku.data...status-feedback.children.."
AUDIT = "audit-grid.getRowsResponse"


def scalar(app, sql, **params):
    with context.current_for(app.server).db.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def page(client, path: str):
    """The page layout the router returns for ``path``."""
    return route(client, path).json["response"]["_pages_content"]["children"]


def bulk_key(app) -> str:
    return next(key for key in app.callback_map if "repl-changed.data" in key and "bulk-feedback" in key)


def in_stock_sku(app) -> tuple[str, int]:
    """An in-stock SKU with stock on hand, and its version."""
    sku = scalar(
        app,
        "SELECT p.sku FROM product p JOIN stock_level s ON s.product_id = p.id "
        "WHERE p.sales_status = 'in_stock' AND s.on_hand - s.allocated > 0 ORDER BY p.sku LIMIT 1",
    )
    return sku, scalar(app, "SELECT version FROM product WHERE sku = :s", s=sku)


def save(client, app, sku, version, status, reason="Review", override=None, action=None):
    values = {
        "status-save.n_clicks": 1,
        "status-sku.data": {"sku": sku, "version": version},
        "status-new.value": status,
        "status-reason.value": reason,
        "status-override.value": override,
        "status-backorders.value": action,
    }
    return post_callback(client, app, SAVE, "status-save.n_clicks", values)


class TestSkuStatusControl:
    def test_managers_see_the_recommendation_and_the_form(self, app, auth):
        auth.login("manager")
        sku, _ = in_stock_sku(app)
        ids = {c["props"].get("id") for c in components(page(auth.client, f"/sku/{sku}"))}
        assert {"status-panel", "sku-recommended", "status-new", "status-save"} <= ids

    def test_others_see_the_recommendation_without_the_form(self, app, auth):
        auth.login("support")
        sku, _ = in_stock_sku(app)
        ids = {c["props"].get("id") for c in components(page(auth.client, f"/sku/{sku}"))}
        assert "sku-recommended" in ids and "status-save" not in ids

    def test_a_manager_sets_a_status_and_the_badge_follows(self, app, auth):
        auth.login("manager")
        sku, version = in_stock_sku(app)
        response = save(auth.client, app, sku, version, "out_of_stock", reason="Quality hold")
        body = response.json["response"]
        assert body["sku-status"]["children"] == "Out of stock"
        assert "Status set to out of stock" in json.dumps(body["status-feedback"])
        assert scalar(app, "SELECT sales_status FROM product WHERE sku = :s", s=sku) == "out_of_stock"
        assert scalar(app, "SELECT reason FROM audit_event WHERE action = 'set_status' AND entity_id = :s", s=sku) == (
            "Quality hold"
        )

    def test_a_stale_form_is_refused_with_who_changed_it(self, app, auth):
        auth.login("manager")
        sku, version = in_stock_sku(app)
        save(auth.client, app, sku, version, "out_of_stock")
        response = save(auth.client, app, sku, version, "discontinued", action="keep")
        assert "changed by manager" in json.dumps(response.json["response"]["status-feedback"])
        assert scalar(app, "SELECT sales_status FROM product WHERE sku = :s", s=sku) == "out_of_stock"

    def test_a_forged_status_is_refused(self, app, auth):
        auth.login("manager")
        sku, version = in_stock_sku(app)
        before = scalar(app, "SELECT count(*) FROM audit_event")
        response = save(auth.client, app, sku, version, "free_for_all")
        assert "Unknown sales status" in json.dumps(response.json["response"]["status-feedback"])
        assert scalar(app, "SELECT count(*) FROM audit_event") == before
        assert scalar(app, "SELECT sales_status FROM product WHERE sku = :s", s=sku) == "in_stock"

    @pytest.mark.parametrize("role", ["support", "executive"])
    def test_only_managers_may_save(self, app, auth, role):
        auth.login(role)
        sku, version = in_stock_sku(app)
        assert save(auth.client, app, sku, version, "out_of_stock").status_code == 403


class TestBulkStatus:
    def payload(self, rows, status="out_of_stock", reason="Supplier recall"):
        return {
            "bulk-apply.n_clicks": 1,
            "repl-grid.selectedRows": rows,
            "bulk-new.value": status,
            "bulk-reason.value": reason,
            "bulk-override.value": None,
            "bulk-backorders.value": None,
        }

    def test_the_selected_skus_change_together(self, app, auth):
        auth.login("manager")
        skus = [
            scalar(app, "SELECT sku FROM product WHERE sales_status = 'in_stock' ORDER BY sku LIMIT 1 OFFSET :o", o=o)
            for o in (0, 1)
        ]
        rows = [{"sku": sku, "warehouse": "NJ1", "sales_status": "In stock"} for sku in skus]
        response = post_callback(auth.client, app, bulk_key(app), "bulk-apply.n_clicks", self.payload(rows))
        assert "2 SKU(s) set to out of stock" in json.dumps(response.json["response"]["bulk-feedback"])
        for sku in skus:
            assert scalar(app, "SELECT sales_status FROM product WHERE sku = :s", s=sku) == "out_of_stock"

    def test_a_row_shown_with_an_old_status_refuses_the_whole_batch(self, app, auth):
        auth.login("manager")
        first = scalar(app, "SELECT sku FROM product WHERE sales_status = 'in_stock' ORDER BY sku LIMIT 1")
        second = scalar(app, "SELECT sku FROM product WHERE sales_status = 'in_stock' ORDER BY sku LIMIT 1 OFFSET 1")
        rows = [{"sku": first, "sales_status": "In stock"}, {"sku": second, "sales_status": "Out of stock"}]
        response = post_callback(auth.client, app, bulk_key(app), "bulk-apply.n_clicks", self.payload(rows))
        assert "Nothing changed" in json.dumps(response.json["response"]["bulk-feedback"])
        assert scalar(app, "SELECT sales_status FROM product WHERE sku = :s", s=first) == "in_stock"

    def test_executives_cannot_bulk_change(self, app, auth):
        auth.login("executive")
        rows = [{"sku": "X", "sales_status": "In stock"}]
        response = post_callback(auth.client, app, bulk_key(app), "bulk-apply.n_clicks", self.payload(rows))
        assert response.status_code == 403

    def test_the_mismatch_list_is_on_the_page(self, app, auth):
        auth.login("manager")
        ids = {c["props"].get("id") for c in components(page(auth.client, "/replenishment"))}
        assert "repl-mismatches" in ids


class TestAudit:
    def rows(self, client, app, **filters):
        values = {
            "audit-grid.getRowsRequest": {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}},
            "audit-actor.value": filters.get("actor"),
            "audit-entity.value": filters.get("entity"),
            "audit-dates.start_date": filters.get("since"),
            "audit-dates.end_date": filters.get("until"),
        }
        return post_callback(client, app, AUDIT, "audit-grid.getRowsRequest", values)

    def test_managers_see_every_change_newest_first(self, app, auth):
        auth.login("manager")
        answer = self.rows(auth.client, app).json["response"]["audit-grid"]["getRowsResponse"]
        assert answer["rowCount"] == scalar(app, "SELECT count(*) FROM audit_event") > 0
        stamps = [row["at"] for row in answer["rowData"]]
        assert stamps == sorted(stamps, reverse=True)

    def test_filters_by_entity_and_date(self, app, auth):
        auth.login("manager")
        answer = self.rows(auth.client, app, entity="product").json["response"]["audit-grid"]["getRowsResponse"]
        assert {row["entity_type"] for row in answer["rowData"]} == {"SKU"}  # shown in words
        bad = self.rows(auth.client, app, since="2026-12-01", until="2026-11-01")
        assert "start date is after the end date" in json.dumps(bad.json["sideUpdate"])

    def test_actions_and_coded_values_read_as_words(self, app, auth):
        """Issue 22: the log showed purchase_order, revise_eta and supplier_delay as stored."""
        auth.login("manager")
        answer = self.rows(auth.client, app, entity="purchase_order").json["response"]["audit-grid"]["getRowsResponse"]
        revised = [row for row in answer["rowData"] if row["action"] == "ETA revised"]
        assert revised and {row["entity_type"] for row in answer["rowData"]} == {"Purchase order"}
        text = json.dumps(answer["rowData"])
        assert "revise_eta" not in text and "supplier_delay" not in text and "purchase_order" not in text
        assert any("cause: Supplier delay" in row["after"] for row in revised)

    @pytest.mark.parametrize("role", ["support", "executive"])
    def test_the_audit_log_is_for_managers(self, app, auth, role):
        auth.login(role)
        assert self.rows(auth.client, app).status_code == 403
