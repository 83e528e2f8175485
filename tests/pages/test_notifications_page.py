"""/notifications over HTTP: the outbox by status, a message preview, resend and send-now, and who may."""

import json

import pytest
from sqlalchemy import text

from dashboard import context
from dashboard.services.audit.trail import Actor
from dashboard.services.backorders import support
from tests.conftest import post_callback

GRID = "nt-grid.getRowsResponse"
OPEN = "..nt-offcanvas.is_open...nt-panel.children...nt-selected.data...nt-feedback.children.."


def scalar(app, sql, **params):
    with context.current_for(app.server).db.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def action_key(app) -> str:
    return next(k for k, e in app.callback_map.items() if any(i["id"] == "nt-resend" for i in e["inputs"]))


def queue_one(app, client) -> int:
    """Make the demo queue a real notice: a support lead cancels a waiting line for its customer."""
    app_context = context.current_for(app.server)
    line_id = scalar(app, "SELECT id FROM backorder_triage ORDER BY id LIMIT 1")
    version = scalar(app, "SELECT version FROM order_line WHERE id = :id", id=line_id)
    with app_context.db.write_session() as session:
        support.cancel_line(session, Actor("test"), line_id, version, "changed mind", app_context.settings.today())
    return scalar(app, "SELECT max(id) FROM notification WHERE kind = 'line_cancelled'")


def rows(client, app, status=None):
    values = {
        "nt-grid.getRowsRequest": {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}},
        "nt-status.value": status,
        "nt-kind.value": None,
    }
    return post_callback(client, app, GRID, "nt-grid.getRowsRequest", values)


def test_support_sees_the_outbox_and_a_message(app, auth):
    auth.login("support")
    notice_id = queue_one(app, auth.client)
    answer = rows(auth.client, app, status="pending").json["response"]["nt-grid"]["getRowsResponse"]
    assert answer["rowCount"] == scalar(app, "SELECT count(*) FROM notification WHERE status = 'pending'") >= 1
    assert {row["status"] for row in answer["rowData"]} == {"pending"}
    panel = post_callback(
        auth.client, app, OPEN, "nt-grid.cellClicked", {"nt-grid.cellClicked": {"rowId": str(notice_id)}}
    )
    body = json.dumps(panel.json["response"]["nt-panel"])
    assert "We have cancelled an item on order" in body and "Waiting for the delivery worker" in body


def test_resend_of_a_sent_message_queues_a_new_row(app, auth):
    auth.login("manager")
    notice_id = queue_one(app, auth.client)
    with context.current_for(app.server).db.engine.begin() as connection:
        connection.execute(text("UPDATE notification SET status = 'sent' WHERE id = :id"), {"id": notice_id})
    before = scalar(app, "SELECT count(*) FROM notification")
    values = {"nt-resend.n_clicks": 1, "nt-send.n_clicks": None, "nt-selected.data": notice_id}
    response = post_callback(auth.client, app, action_key(app), "nt-resend.n_clicks", values)
    assert "Queued again" in json.dumps(response.json["response"]["nt-feedback"])
    assert scalar(app, "SELECT count(*) FROM notification") == before + 1
    assert scalar(app, "SELECT count(*) FROM audit_event WHERE action = 'resend'") == 1
    context.current_for(app.server).outbox.thread.join(timeout=30)  # the background pass it started


def test_a_forged_message_id_changes_nothing(app, auth):
    auth.login("support")
    before = scalar(app, "SELECT count(*) FROM notification")
    values = {"nt-resend.n_clicks": 1, "nt-send.n_clicks": None, "nt-selected.data": "1 OR 1=1"}
    response = post_callback(auth.client, app, action_key(app), "nt-resend.n_clicks", values)
    assert "No such message" in json.dumps(response.json["response"]["nt-feedback"])
    assert scalar(app, "SELECT count(*) FROM notification") == before


def test_send_now_delivers_in_the_background(app, auth, tmp_path):
    auth.login("support")
    queue_one(app, auth.client)
    values = {"nt-resend.n_clicks": None, "nt-send.n_clicks": 1, "nt-selected.data": None}
    response = post_callback(auth.client, app, action_key(app), "nt-send.n_clicks", values)
    assert "in the background" in json.dumps(response.json["response"]["nt-alert"])
    sender = context.current_for(app.server).outbox
    sender.thread.join(timeout=60)
    assert sender.last.sent >= 1
    assert scalar(app, "SELECT count(*) FROM notification WHERE status = 'pending'") == 0


@pytest.mark.parametrize("role", ["executive"])
def test_executives_do_not_send(app, auth, role):
    auth.login(role)
    values = {"nt-resend.n_clicks": None, "nt-send.n_clicks": 1, "nt-selected.data": None}
    assert post_callback(auth.client, app, action_key(app), "nt-send.n_clicks", values).status_code == 403
    assert rows(auth.client, app).status_code == 403
