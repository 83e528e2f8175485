"""Every registered callback and every export route, fed forged and odd values: refused plainly, never a 500.

A forged value is what a script (or a curious user with the browser's devtools) can post: Unicode
digits, a string where a dict was expected, a list, null, a huge number, a very long text. Each must
get a clear refusal or be ignored; none may reach the generic "Something went wrong", answer 500,
log a traceback, or change anything.
"""

import logging

import pytest
from sqlalchemy import func, select

from dashboard.db.models import AuditEvent, ContactLog, EtaRevision, Notification, Product, StockLevel
from dashboard.domain.inputs import InputError
from tests.conftest import callback_payload

ODD_VALUES = [
    "²",  # "²".isdigit() is True, int("²") raises
    "١٢",  # Arabic-Indic digits
    "",
    None,
    [],
    ["1"],
    {},
    {"rowId": "²"},
    {"rowId": ["1"]},
    {"line_id": "1", "version": {"$gt": 0}},
    10**30,
    -1,
    1.5,
    True,
    "x" * 5000,
    "1 OR 1=1",
]
# Tables a refused write must leave exactly as they were.
WATCHED = (AuditEvent, ContactLog, EtaRevision, Notification, Product, StockLevel)


def _server_callbacks(app):
    for output, entry in app.callback_map.items():
        if "callback" not in entry:
            continue  # clientside: runs in the browser only
        if entry.get("background"):
            continue  # a background callback starts a job; its inputs are fuzzed in tests/pages/test_import_page.py
        yield output, entry


def _key(item) -> str:
    ident = item["id"]
    return f"{ident}.{item['property']}" if isinstance(ident, str) else None


def _counts(app) -> dict[str, int]:
    from dashboard import context

    with context.current_for(app.server).db.read_session() as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in WATCHED}


@pytest.fixture
def admin(client, auth):
    assert auth.login("admin").status_code == 302
    client.get("/_dash-dependencies")
    return client


def _problems(caplog) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()[:200]}"
        for r in caplog.records
        if r.levelno >= logging.ERROR or (r.exc_info and r.levelno >= logging.WARNING)
    ]


def test_every_callback_refuses_forged_values_without_a_server_error(demo_app, admin, caplog):
    caplog.set_level(logging.WARNING)
    before = _counts(demo_app)
    tried = 0
    for output, entry in _server_callbacks(demo_app):
        slots = [i for i in entry["inputs"] + entry["state"] if _key(i)]
        first_input = next((_key(i) for i in entry["inputs"] if _key(i)), None)
        for slot in slots:
            for value in ODD_VALUES:
                body = callback_payload(demo_app, output, first_input or _key(slot), {_key(slot): value})
                if slot in entry["inputs"]:
                    body["changedPropIds"] = [_key(slot)]
                response = admin.post("/_dash-update-component", json=body)
                tried += 1
                where = f"{output} with {_key(slot)}={value!r:.60}"
                assert response.status_code in (200, 204, 400), f"{where}: HTTP {response.status_code}"
                if response.status_code == 400:  # the gate refuses a malformed request before Dash sees it
                    assert response.is_json and response.json["message"], where
                assert b"Something went wrong" not in response.data, where
                assert _problems(caplog) == [], where
    assert tried > 500
    assert _counts(demo_app) == before


@pytest.mark.parametrize("path", ["/replenishment/export.csv", "/backorders/export.csv"])
def test_every_export_parameter_refuses_forged_values_with_a_400(demo_app, admin, caplog, path):
    caplog.set_level(logging.WARNING)
    names = ["warehouse_id", "supplier_id", "category", "sales_status", "condition", "channel", "customer", "sku"]
    names += ["bucket", "state", "filterModel", "sortModel"]
    odd = ["²", "١٢", "-1", "1.5", "1 OR 1=1", "x" * 5000, "[]", "{}", '{"sku": 3}', '[{"colId": 1}]', "null"]
    for name in names:
        for value in odd:
            response = admin.get(path, query_string={name: value})
            where = f"{path}?{name}={value:.40}"
            assert response.status_code in (200, 400), f"{where}: HTTP {response.status_code}"
            if response.status_code == 400:
                assert response.is_json and response.json["message"], where
            else:
                response.get_data()  # a streamed CSV fails while streaming, not before
            assert _problems(caplog) == [], where


def test_the_background_import_refuses_forged_values_as_its_job_runs_it(demo_app, caplog):
    from dashboard.pages import imports

    caplog.set_level(logging.WARNING)
    before = _counts(demo_app)
    good = {"upload": {"token": "x" * 32, "header": ["sku"]}, "kind": "stock", "warehouse": None}
    good |= {"values": ["sku"], "ids": [{"type": "imp-map", "field": "sku"}]}
    good |= {"fixed": [""], "fixed_ids": [{"type": "imp-set", "field": "sku"}]}  # "one value for every row"
    with demo_app.server.app_context():
        for name in good:
            for value in ODD_VALUES:
                args = good | {name: value}
                try:
                    outcome, _history = imports.run_import(lambda _progress: None, 1, *args.values())
                except InputError:
                    continue  # refused before the job touched anything; Dash answers it with its message
                assert "failed unexpectedly" not in str(outcome), f"{name}={value!r:.60}"
                assert _problems(caplog) == [], f"{name}={value!r:.60}"
    assert _counts(demo_app) == before
