"""The grids' "Columns" chooser over HTTP: default columns that fit, each user's choice kept, forged lists refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dashboard import context
from dashboard.db.models import User, UserPreference
from tests.conftest import AuthActions, post_callback
from tests.pages.dash_http import components, refusal, route

# A 1440 px window: the page's side padding (2 × 12 px), a page scrollbar and the grid's own vertical
# scrollbar (15 px each where scrollbars take room) and the grid's border leave this for columns.
FITS_1440 = 1440 - 24 - 15 - 15 - 2
# The tick-box column AG Grid adds for row selection (Replenishment's bulk actions).
SELECTION_COLUMN = 50
GRIDS = {"/replenishment": "repl-grid", "/backorders": "bo-grid", "/inbound": "in-grid"}  # with a chooser
FITTED = {**GRIDS, "/audit": "audit-grid", "/notifications": "nt-grid"}  # few enough columns to show them all
# What the issue asks to see first, in this order.
DECISIONS = {
    "repl-grid": [
        "sku",
        "name",
        "warehouse",
        "sales_status",
        "stock_position",
        "reorder_point",
        "safety_stock",
        "days_of_cover",
        "projected_stockout_date",
        "suggested_order_qty",
        "suggested_value",
    ],
    "bo-grid": [
        "severity",
        "state",
        "order_number",
        "sku",
        "customer",
        "age_days",
        "promised_date",
        "days_to_promise",
        "covering_po",
        "ship_p80",
        "last_contact_at",
    ],
}


def drawn(auth: AuthActions, path: str) -> dict[str, dict[str, Any]]:
    """The page's components as the signed-in user gets them, by id."""
    response = route(auth.client, path)
    assert response.status_code == 200, path
    found = components(response.json["response"]["_pages_content"]["children"])
    return {c["props"]["id"]: c["props"] for c in found if isinstance(c["props"].get("id"), str)}


def shown(props: dict[str, Any]) -> list[str]:
    """The grid's visible column ids, left to right."""
    return [c.get("colId") or c["field"] for c in props["columnDefs"] if not c.get("hide")]


def save(auth: AuthActions, app, grid_id: str, value: Any):
    output = f"{grid_id}-columns-saved.data"
    return post_callback(auth.client, app, output, f"{grid_id}-columns.value", {f"{grid_id}-columns.value": value})


def elsewhere(app, username: str) -> AuthActions:
    """Another browser, signed in as ``username``."""
    actions = AuthActions(app.server.test_client())
    actions.login(username)
    return actions


def preferences(app) -> list[tuple[str, str, Any]]:
    """Every kept preference as (username, key, value)."""
    with context.current_for(app.server).db.read_session() as session:
        rows = session.execute(select(User.username, UserPreference.key, UserPreference.value).join(User))
        return sorted(tuple(row) for row in rows)


@pytest.mark.parametrize("path", FITTED)
def test_the_default_columns_fit_a_1440_px_window(auth, path):
    auth.login("admin")
    grid = drawn(auth, path)[FITTED[path]]
    widths = [
        c.get("minWidth", c.get("width", 200)) if c.get("flex") else c.get("width", 200)
        for c in grid["columnDefs"]
        if not c.get("hide")
    ]
    selection = SELECTION_COLUMN if (grid["dashGridOptions"].get("rowSelection") or {}).get("checkboxes") else 0
    assert sum(widths) + selection <= FITS_1440, f"{path}: {sum(widths) + selection} px of columns"
    assert grid["defaultColDef"]["wrapHeaderText"] and grid["defaultColDef"]["autoHeaderHeight"]


@pytest.mark.parametrize("grid_id", DECISIONS)
def test_the_decision_columns_come_first_and_the_rest_wait_in_the_chooser(auth, grid_id):
    auth.login("admin")
    path = next(p for p, g in GRIDS.items() if g == grid_id)
    page = drawn(auth, path)
    grid, chooser = page[grid_id], page[f"{grid_id}-columns"]
    assert shown(grid) == DECISIONS[grid_id]
    every = [c.get("colId") or c["field"] for c in grid["columnDefs"]]
    assert every[: len(DECISIONS[grid_id])] == DECISIONS[grid_id]
    assert [o["value"] for o in chooser["options"]] == every
    assert chooser["value"] == DECISIONS[grid_id]


def test_a_choice_is_kept_for_whoever_made_it_and_drawn_on_their_next_visit(app, auth):
    auth.login("manager")
    response = save(auth, app, "repl-grid", ["supplier", "sku", "on_hand"])
    assert response.status_code == 200
    assert response.json["response"]["repl-grid-columns-saved"]["data"] == ["sku", "supplier", "on_hand"]
    assert preferences(app) == [("manager", "grid:repl-grid:columns", ["sku", "supplier", "on_hand"])]
    page = drawn(auth, "/replenishment")
    assert shown(page["repl-grid"]) == ["sku", "supplier", "on_hand"]
    assert page["repl-grid-columns"]["value"] == ["sku", "supplier", "on_hand"]
    assert shown(drawn(auth, "/backorders")["bo-grid"]) == DECISIONS["bo-grid"]  # another grid, another choice

    other = elsewhere(app, "executive")
    assert shown(drawn(other, "/replenishment")["repl-grid"]) == DECISIONS["repl-grid"]
    assert save(other, app, "repl-grid", ["sku", "name"]).status_code == 200
    assert preferences(app) == [
        ("executive", "grid:repl-grid:columns", ["sku", "name"]),
        ("manager", "grid:repl-grid:columns", ["sku", "supplier", "on_hand"]),
    ]
    assert shown(drawn(auth, "/replenishment")["repl-grid"]) == ["sku", "supplier", "on_hand"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["sku", "password_hash"], "no column 'password_hash'"),
        (["sku", {"user_id": 1}], "list of column names"),
        ({"user_id": 2, "columns": ["sku"]}, "list of column names"),
        ("sku", "list of column names"),
        ([], "at least one column"),
    ],
)
def test_a_forged_list_is_refused_and_nothing_changes(app, auth, value, message):
    auth.login("manager")
    save(auth, app, "bo-grid", ["sku", "customer"])
    response = save(auth, app, "bo-grid", value)
    assert message in (refusal(response) or ""), response.text[:300]
    assert preferences(app) == [("manager", "grid:bo-grid:columns", ["sku", "customer"])]


def test_reset_to_default_forgets_the_choice(app, auth):
    auth.login("manager")
    save(auth, app, "in-grid", ["number", "eta"])
    default = shown(drawn(elsewhere(app, "executive"), "/inbound")["in-grid"])
    assert save(auth, app, "in-grid", default).json["response"]["in-grid-columns-saved"]["data"] == default
    assert preferences(app) == []


def test_only_those_who_may_open_the_page_may_save_its_columns(app, auth):
    auth.login("support")  # support does not see /replenishment
    assert save(auth, app, "repl-grid", ["sku"]).status_code == 403
    assert preferences(app) == []
