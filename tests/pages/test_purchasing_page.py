"""Drafting purchase orders from /replenishment over HTTP: as each role, with forged payloads (issue 21 items 1, 7)."""

import datetime as dt
import json

import pytest
from sqlalchemy import text, update

from dashboard import context
from dashboard.db.models import PurchaseOrder
from dashboard.services.audit.trail import Actor
from dashboard.services.derived.freshness import mark_changed
from dashboard.services.purchasing.drafts import DraftScope, create_drafts
from dashboard.services.purchasing.sending import send_po
from dashboard.services.replenishment.queries import ReplenishmentFilters
from tests.conftest import TODAY, post_callback
from tests.pages.dash_http import components, route
from tests.pages.test_sku_page import open_sku


def draft_key(app) -> str:
    return next(key for key in app.callback_map if "draft-feedback.children" in key and "repl-changed" in key)


def scalar(app, sql, **params):
    with context.current_for(app.server).db.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def rows(app, sql, **params) -> list:
    with context.current_for(app.server).db.engine.connect() as connection:
        return connection.execute(text(sql), params).all()


def draft_numbers(app) -> set[str]:
    return {number for (number,) in rows(app, "SELECT number FROM purchase_order WHERE status = 'draft'")}


@pytest.fixture(autouse=True)
def demo_drafts(app):
    """The drafts the demo comes with, so a test counts only the drafts it made."""
    app.demo_drafts = draft_numbers(app)


def new_drafts(app) -> set[str]:
    """Drafts made since the test began (the demo's own left out)."""
    return draft_numbers(app) - app.demo_drafts


def drafts(app) -> int:
    return len(new_drafts(app))


def create(client, app, scope="filters", rows=None, warehouse=1, condition="below_rop"):
    values = {
        "draft-create.n_clicks": 1,
        "draft-scope.value": scope,
        "repl-grid.selectedRows": rows,
        "repl-warehouse.value": warehouse,
        "repl-category.value": None,
        "repl-supplier.value": None,
        "repl-status.value": None,
        "repl-condition.value": condition,
    }
    return post_callback(client, app, draft_key(app), "draft-create.n_clicks", values)


def feedback(response) -> str:
    return json.dumps(response.json["response"]["draft-feedback"])


@pytest.mark.parametrize("role", ["support", "executive"])
def test_only_managers_may_draft(app, auth, role):
    auth.login(role)
    response = create(auth.client, app)
    assert response.status_code == 403
    assert drafts(app) == 0


def test_a_manager_drafts_every_suggestion_in_the_filters_once(app, auth):
    auth.login("manager")
    response = create(auth.client, app)
    assert response.status_code == 200, response.text[:300]
    made = drafts(app)
    assert made > 0 and f"{made} draft purchase order(s)" in feedback(response)
    numbers = new_drafts(app)
    assert all(number in feedback(response) for number in numbers)
    # Only NJ1's suggestions, one draft per supplier there.
    warehouses = rows(app, "SELECT number, warehouse_id FROM purchase_order WHERE status = 'draft'")
    assert len({warehouse for number, warehouse in warehouses if number in numbers}) == 1
    assert response.json["response"]["repl-changed"]["data"] == made  # the grid and cards reload
    again = create(auth.client, app)
    assert "No purchase order was drafted" in feedback(again) and drafts(app) == made


def test_ticked_rows_only(app, auth):
    auth.login("manager")
    [(sku, code)] = rows(
        app, "SELECT sku, warehouse_code FROM sku_metrics WHERE suggested_order_qty > 0 ORDER BY sku LIMIT 1"
    )
    response = create(auth.client, app, scope="ticked", rows=[{"sku": sku, "warehouse": code}], warehouse=None)
    assert response.status_code == 200 and drafts(app) == 1
    [number] = new_drafts(app)
    assert scalar(app, "SELECT count(*) FROM po_line l JOIN purchase_order p ON p.id = l.po_id "
                       "WHERE p.number = :n", n=number) == 1  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scope": "everything"}, "choose the ticked rows or every suggestion"),
        ({"scope": "ticked", "rows": None}, "no rows are ticked"),
        ({"scope": "ticked", "rows": "KIT-000001"}, "must be a list"),
        ({"scope": "ticked", "rows": [{"sku": 1}]}, "must name a SKU and a warehouse"),
        ({"scope": "ticked", "rows": [{"sku": "NOPE", "warehouse": "NJ1"}]}, "none of the ticked rows"),
        ({"warehouse": "abc"}, "warehouse_id must be a positive whole number"),
        ({"condition": ["all"]}, "condition must be one of"),
    ],
)
def test_forged_payloads_get_a_message_and_draft_nothing(app, auth, changes, message):
    auth.login("manager")
    response = create(auth.client, app, **changes)
    assert response.status_code == 200, response.text[:300]
    assert "No purchase order was drafted" in feedback(response) and message.lower() in feedback(response).lower()
    assert drafts(app) == 0
    assert "repl-changed" not in response.json["response"]


@pytest.mark.parametrize(("role", "shown"), [("manager", True), ("executive", True), ("support", False)])
def test_the_sku_page_lists_drafts_for_purchasing_roles_only(app, auth, role, shown):
    auth.login("manager")
    [(sku, code)] = rows(
        app, "SELECT sku, warehouse_code FROM sku_metrics WHERE suggested_order_qty > 0 ORDER BY sku LIMIT 1"
    )
    create(auth.client, app, scope="ticked", rows=[{"sku": sku, "warehouse": code}], warehouse=None)
    [number] = new_drafts(app)
    page = open_sku(auth, app, sku, code, role=role)
    listed = [row[0] for row in page.rows("sku-pos")]
    assert (number in listed) is shown
    assert listed  # the placed POs are there for everyone


@pytest.mark.parametrize(("role", "shown"), [("manager", True), ("executive", True), ("support", False)])
def test_the_overview_warns_purchasing_roles_of_unconfirmed_pos(app, auth, role, shown):
    db = context.current_for(app.server).db
    with db.write_session() as session:
        made = create_drafts(session, Actor("manager"), TODAY, DraftScope(ReplenishmentFilters(warehouse_id=1)))
        number = made.purchase_orders[0].number
        send_po(session, Actor("manager"), number, TODAY, "https://desk.example.com")
        week_ago = dt.datetime.combine(TODAY - dt.timedelta(days=7), dt.time(9), dt.UTC)
        session.execute(update(PurchaseOrder).where(PurchaseOrder.number == number).values(sent_at=week_ago))
        mark_changed(session)
    auth.login(role)
    page = route(auth.client, "/").json["response"]["_pages_content"]["children"]
    ids = {c["props"].get("id") for c in components(page)}
    assert ("alert-unconfirmed-pos" in ids) is shown


def send_cancel_key(app) -> str:
    return next(key for key, entry in app.callback_map.items() if any(i["id"] == "po-send" for i in entry["inputs"]))


def press(client, app, button, number, reason=None, selected=None):
    values = {
        f"{button}.n_clicks": 1,
        "po-selected.data": selected if selected is not None else {"number": number},
        "po-cancel-reason.value": reason,
    }
    client.get("/_dash-dependencies")
    return post_callback(client, app, send_cancel_key(app), f"{button}.n_clicks", values)


def test_inbound_sends_and_cancels_drafts_for_managers_only(app, auth):
    db = context.current_for(app.server).db
    with db.write_session() as session:
        made = create_drafts(session, Actor("manager"), TODAY, DraftScope(ReplenishmentFilters(warehouse_id=1)))
    first, second = made.purchase_orders[0].number, made.purchase_orders[1].number
    auth.login("executive")
    assert press(auth.client, app, "po-send", first).status_code == 403
    auth.login("manager")
    sent = press(auth.client, app, "po-send", first)
    assert sent.status_code == 200 and "Sent to" in json.dumps(sent.json["response"]["po-feedback"])
    assert scalar(app, "SELECT status FROM purchase_order WHERE number = :n", n=first) == "sent"
    no_reason = press(auth.client, app, "po-cancel", second, reason="")
    assert "give the reason" in json.dumps(no_reason.json["response"]["po-feedback"])
    forged = press(auth.client, app, "po-cancel", second, reason="x", selected=["PO"])
    assert forged.status_code == 200 and "po-changed" not in forged.json["response"]
    done = press(auth.client, app, "po-cancel", second, reason="Ordered elsewhere")
    assert "cancelled (was draft)" in json.dumps(done.json["response"]["po-feedback"])
    assert scalar(app, "SELECT status FROM purchase_order WHERE number = :n", n=second) == "cancelled"


def covered_po(app) -> tuple[str, int]:
    """The placed PO the most waiting lines are projected onto, and its version."""
    return rows(
        app,
        "SELECT p.number, p.version FROM purchase_order p JOIN backorder_triage t ON t.covering_po_id = p.id "
        "GROUP BY p.number, p.version ORDER BY count(*) DESC, p.number LIMIT 1",
    )[0]


def press_cancel(client, app, button, number, version, reason="Supplier closed", cause="supplier_delay", seen=None):
    values = {
        f"{button}.n_clicks": 1,
        "po-selected.data": {"number": number, "version": version},
        "po-cancel-reason.value": reason,
        "po-cancel-cause.value": cause,
        "po-cancel-previewed.data": seen,
    }
    client.get("/_dash-dependencies")
    return post_callback(client, app, send_cancel_key(app), f"{button}.n_clicks", values)


def test_cancelling_a_po_customers_count_on_shows_the_impact_then_tells_them(app, auth):
    number, version = covered_po(app)
    notices = "SELECT count(*) FROM notification"
    before = scalar(app, notices)
    auth.login("manager")
    shown = press_cancel(auth.client, app, "po-cancel", number, version)
    assert shown.status_code == 200
    side = shown.json.get("sideUpdate") or {}
    assert "po-cancel-repromised" in json.dumps(side["po-cancel-impact"]) and side["po-cancel-confirm"] == {
        "disabled": False
    }
    seen = side["po-cancel-previewed"]["data"]
    assert "check the impact" in json.dumps(shown.json["response"]["po-feedback"])
    assert scalar(app, "SELECT status FROM purchase_order WHERE number = :n", n=number) != "cancelled"
    # Confirming with a form that changed since the preview (another cause) is refused; nothing changes.
    changed = press_cancel(auth.client, app, "po-cancel-confirm", number, version, cause="transport", seen=seen)
    assert "changed since the preview" in json.dumps(changed.json["response"]["po-feedback"])
    assert scalar(app, notices) == before
    auth.login("executive")
    assert press_cancel(auth.client, app, "po-cancel-confirm", number, version, seen=seen).status_code == 403
    auth.login("manager")
    done = press_cancel(auth.client, app, "po-cancel-confirm", number, version, seen=seen)
    feedback = json.dumps(done.json["response"]["po-feedback"])
    assert "cancelled (was" in feedback and "notices queued" in feedback
    assert scalar(app, "SELECT status FROM purchase_order WHERE number = :n", n=number) == "cancelled"
    assert scalar(app, notices) > before


def save_key(app) -> str:
    return next(key for key, entry in app.callback_map.items() if any(i["id"] == "draft-save" for i in entry["inputs"]))


def save_draft(client, app, number, version, lines, add=(None, None)):
    """Press Save on draft ``number`` with ``lines`` = {sku: (units, supplier code)} and a SKU to add."""
    from tests.conftest import callback_payload

    values = {
        "draft-save.n_clicks": 1,
        "po-selected.data": {"number": number, "version": version},
        "draft-add-sku.value": add[0],
        "draft-add-qty.value": add[1],
    }
    client.get("/_dash-dependencies")
    body = callback_payload(app, save_key(app), "draft-save.n_clicks", values)
    # Pattern-matching states carry their concrete ids and values as lists, as the browser sends them.
    for index, (kind, prop, pick) in enumerate(
        [
            ("draft-qty", "value", 0),
            ("draft-qty", "id", None),
            ("draft-supplier", "value", 1),
            ("draft-supplier", "id", None),
        ],
        start=1,
    ):
        body["state"][index] = [
            {
                "id": {"type": kind, "sku": sku},
                "property": prop,
                "value": {"type": kind, "sku": sku} if pick is None else v[pick],
            }
            for sku, v in lines.items()
        ]
    return client.post("/_dash-update-component", json=body)


def test_managers_edit_a_draft_from_its_panel_and_forged_edits_change_nothing(app, auth):
    db = context.current_for(app.server).db
    with db.write_session() as session:
        made = create_drafts(session, Actor("manager"), TODAY, DraftScope(ReplenishmentFilters(warehouse_id=1)))
    number = max(made.purchase_orders, key=lambda po: len(po.lines)).number
    current = rows(
        app,
        "SELECT pr.sku, l.qty, s.code, p.version FROM po_line l JOIN purchase_order p ON p.id = l.po_id "
        "JOIN product pr ON pr.id = l.product_id JOIN supplier s ON s.id = p.supplier_id WHERE p.number = :n "
        "ORDER BY pr.sku",
        n=number,
    )
    version = current[0].version
    lines = {r.sku: (r.qty, r.code) for r in current}
    first = current[0].sku
    edited = {**lines, first: (0, lines[first][1])}  # remove the first line
    line_count = "SELECT count(*) FROM po_line l JOIN purchase_order p ON p.id = l.po_id WHERE p.number = :n"
    auth.login("executive")
    assert save_draft(auth.client, app, number, version, edited).status_code == 403
    auth.login("manager")
    for forged in ({first: ("many", lines[first][1])}, {first: (-3, lines[first][1])}, {first: (2, 17)}):
        bad = save_draft(auth.client, app, number, version, forged)
        assert bad.status_code == 200 and "po-changed" not in bad.json["response"]
        assert scalar(app, line_count, n=number) == len(lines)
    done = save_draft(auth.client, app, number, version, edited)
    assert f"{number} saved" in json.dumps(done.json["response"]["po-feedback"])
    assert scalar(app, line_count, n=number) == len(lines) - 1
    # The panel it sends back shows the order value and each line's days of cover.
    assert "Order value" in json.dumps(done.json["response"]["po-panel"])
    stale = save_draft(auth.client, app, number, version, {k: v for k, v in edited.items() if k != first})
    assert "after you loaded it" in json.dumps(stale.json["response"]["po-feedback"])


def sku_draft_key(app) -> str:
    return next(key for key, entry in app.callback_map.items() if any(i["id"] == "sku-draft" for i in entry["inputs"]))


def draft_from_sku(client, app, sku, warehouse, supplier):
    values = {
        "sku-draft.n_clicks": 1,
        "sku-pair.data": {"sku": sku, "warehouse": warehouse},
        "sku-draft-supplier.value": supplier,
    }
    client.get("/_dash-dependencies")
    return post_callback(client, app, sku_draft_key(app), "sku-draft.n_clicks", values)


def test_a_manager_drafts_one_sku_from_its_page_from_another_of_its_suppliers(app, auth):
    pick = rows(
        app,
        "SELECT m.sku, m.warehouse_code, m.supplier_id, ps.supplier_id AS other, ps.moq, ps.pack_size "
        "FROM sku_metrics m JOIN product_supplier ps "
        "ON ps.product_id = m.product_id AND ps.supplier_id <> m.supplier_id "
        "WHERE m.suggested_order_qty > 0 ORDER BY m.sku, m.warehouse_code LIMIT 1",
    )[0]
    auth.login("manager")
    page = open_sku(auth, app, pick.sku, pick.warehouse_code, role="manager")
    assert "sku-draft" in page.by_id and "sku-draft-supplier" in page.by_id
    for role in ("executive", "support"):
        assert "sku-draft" not in open_sku(auth, app, pick.sku, pick.warehouse_code, role=role).by_id
        assert draft_from_sku(auth.client, app, pick.sku, pick.warehouse_code, str(pick.other)).status_code == 403
    auth.login("manager")
    before = drafts_of(app, pick.other)
    forged = draft_from_sku(auth.client, app, pick.sku, pick.warehouse_code, "not-a-supplier")
    assert "supplier" in json.dumps(forged.json["response"]) and drafts_of(app, pick.other) == before
    done = draft_from_sku(auth.client, app, pick.sku, pick.warehouse_code, str(pick.other))
    assert "Drafted" in json.dumps(done.json["response"]), done.text
    new = {po: lines for po, lines in drafts_of(app, pick.other).items() if po not in before}
    [[qty]] = new.values()
    assert qty >= pick.moq and qty % pick.pack_size == 0


def drafts_of(app, supplier_id) -> dict[int, list[int]]:
    """The supplier's drafts: {PO id: line quantities}."""
    found: dict[int, list[int]] = {}
    for po_id, qty in rows(
        app,
        "SELECT p.id, l.qty FROM purchase_order p JOIN po_line l ON l.po_id = p.id "
        "WHERE p.status = 'draft' AND p.supplier_id = :s",
        s=supplier_id,
    ):
        found.setdefault(po_id, []).append(qty)
    return found
