"""What a user is told when the database fails them: an outage, a refused write, or a conflict, said as it is.

Every error here is a real one from a real database, raised through the app's own callbacks and routes.
"""

import json
import logging
import sqlite3
import threading
import time

import pytest
from dash import Input, Output
from sqlalchemy import create_engine, event, func, select, text

from dashboard import context, create_app
from dashboard.auth.roles import allow_roles
from dashboard.config import Settings
from dashboard.db.engine import Database
from dashboard.db.migrate import upgrade
from dashboard.db.models import AuditEvent, Notification, RestockSubscription
from dashboard.domain.codes import NotificationStatus, Role
from dashboard.services.audit.trail import Actor
from dashboard.services.comms import storefront
from dashboard.services.users.accounts import create_user
from tests.conftest import TODAY, AuthActions, post_callback

COUNTS_OUTPUT = "nt-cards.children"
BASE_KEY = "line:1:cancelled"


def make_app(url: str, tmp_path, secret: str = "errors-test-secret-" + "x" * 32):
    settings = Settings(
        database_url=url,
        auto_demo=False,
        today_override=TODAY,
        secret_key=secret,
        outbox_dir=tmp_path / "outbox",
        job_dir=tmp_path / "jobs",
    )
    return create_app(settings)


@pytest.fixture
def app(db, tmp_path):
    """The app on an empty, migrated database of each backend, with one manager."""
    with db.write_session() as session:
        create_user(session, Actor("test"), "manager", "demo-manager", "manager")
    return make_app(db.url, tmp_path)


@pytest.fixture
def manager(app):
    """A test client signed in as the manager."""
    auth = AuthActions(app.server.test_client())
    assert auth.login("manager").status_code == 302
    return auth.client


def add_sent_message(db, key: str) -> int:
    with db.write_session() as session:
        message = Notification(
            idempotency_key=key,
            kind="line_cancelled",
            recipient="customer@example.com",
            subject="Your order",
            body_text="We have cancelled the line.",
            status=NotificationStatus.SENT,
        )
        session.add(message)
        session.flush()
        return message.id


def counts(db) -> tuple[int, int]:
    with db.read_session() as session:
        return (
            session.scalar(select(func.count()).select_from(Notification)),
            session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "resend")),
        )


def toast(response) -> str:
    """The text of the app-wide error toast in a callback's answer ('' when there is none)."""
    side = response.json.get("sideUpdate") or {}
    return json.dumps(side.get("global-error", {}).get("children", ""))


def resend(client, app, message_id: int):
    """Press "Resend" on the /notifications page for ``message_id``."""
    client.get("/_dash-dependencies")  # Dash fills callback_map on its first request
    output = next(key for key, entry in app.callback_map.items() if entry["inputs"][0]["id"] == "nt-resend")
    values = {"nt-resend.n_clicks": 1, "nt-send.n_clicks": None, "nt-selected.data": message_id}
    return post_callback(client, app, output, "nt-resend.n_clicks", values)


# -- a refused write is not an outage ---------------------------------------------------------------------
def test_a_duplicate_key_in_a_write_callback_says_the_change_was_refused_and_changes_nothing(app, manager, db, caplog):
    original = add_sent_message(db, BASE_KEY)
    # The first copy was purged, the second is still there: the resend numbers its copy 2 again.
    add_sent_message(db, f"{BASE_KEY}:resend:2")
    before = counts(db)

    with caplog.at_level(logging.WARNING, logger="dashboard.errors"):
        response = resend(manager, app, original)

    # 200, not 503: the page's database-down banner stays away.
    assert response.status_code == 200, response.text[:300]
    said = toast(response)
    assert "refused this change" in said and "Nothing was saved" in said, said
    assert "unavailable" not in said
    assert counts(db) == before
    [record] = [r for r in caplog.records if r.name == "dashboard.errors"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "refused the write" in record.getMessage() and "unique" in record.getMessage().lower()


def test_a_write_that_cannot_get_the_lock_on_sqlite_says_it_conflicted_and_a_plain_route_answers_409(tmp_path):
    path = tmp_path / "locked.db"
    setup = Database(f"sqlite:///{path}")
    upgrade(setup.engine)
    with setup.write_session() as session:
        create_user(session, Actor("test"), "manager", "demo-manager", "manager")
        token = storefront.create_token(session, "shop")
    original = add_sent_message(setup, BASE_KEY)
    setup.dispose()
    app = make_app(f"sqlite:///{path}", tmp_path)
    db = context.current_for(app.server).db

    @event.listens_for(db.engine, "connect")
    def _impatient(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout = 100")  # the app waits 15 s; the test need not

    db.engine.dispose()  # so every connection from here on is made with the listener
    auth = AuthActions(app.server.test_client())
    assert auth.login("manager").status_code == 302
    before = counts(db)

    holder = sqlite3.connect(path, isolation_level=None)  # another writer, holding SQLite's one write lock
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = resend(auth.client, app, original)
        subscribe = auth.client.post(
            "/api/v1/subscriptions",
            json={"sku": "A-1", "email": "shopper@example.com"},
            headers={"Authorization": f"Bearer {token}"},
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert response.status_code == 200
    assert "conflicted with another one made at the same time" in toast(response)
    assert subscribe.status_code == 409, subscribe.text
    assert "Nothing was saved" in subscribe.text and "unavailable" not in subscribe.text.lower()
    assert counts(db) == before
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(RestockSubscription)) == 0


# -- an outage still says so -------------------------------------------------------------------------------
def lock_and_cut_off(app, db, work):
    """Run ``work()`` while ``notification`` is locked, cut its connection off once it waits; return its result."""
    admin = create_engine(db.url, isolation_level="AUTOCOMMIT")
    holder = admin.connect()
    holder.execute(text("BEGIN"))
    holder.execute(text("LOCK TABLE notification IN ACCESS EXCLUSIVE MODE"))
    result = {}

    def run():
        try:
            result["response"] = work()
        except BaseException as exc:  # handed to the test, in its own thread
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        waiting = None
        # Watched from a connection of its own: inside the holder's transaction the view would not change.
        with admin.connect() as watcher:
            while waiting is None and time.monotonic() < deadline:
                waiting = watcher.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock'"
                    )
                ).scalar()
                time.sleep(0.05)
            assert waiting is not None, "the callback never waited for the lock"
            watcher.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": waiting})
    finally:
        holder.execute(text("ROLLBACK"))
        thread.join(timeout=30)
        holder.close()
        admin.dispose()
    if "error" in result:
        raise result["error"]
    return result["response"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_connection_lost_in_a_callback_says_unavailable_nothing_saved_or_could_not_be_loaded(
    app, manager, db, caplog
):
    original = add_sent_message(db, BASE_KEY)
    before = counts(db)

    with caplog.at_level(logging.WARNING, logger="dashboard.errors"):
        written = lock_and_cut_off(app, db, lambda: resend(manager, app, original))
        read = lock_and_cut_off(
            app, db, lambda: post_callback(manager, app, COUNTS_OUTPUT, "nt-changed.data", {"nt-changed.data": 1})
        )

    assert written.status_code == 200
    assert "The database is unavailable right now. Nothing was saved" in toast(written)
    assert read.status_code == 200
    assert "The database is unavailable right now, so this could not be loaded" in toast(read)
    assert counts(db) == before
    records = [r for r in caplog.records if r.name == "dashboard.errors"]
    assert len(records) == 2
    assert all(r.levelno == logging.WARNING and "unavailable" in r.getMessage() for r in records)
    assert all(r.exc_info is None for r in records)


def test_a_database_that_cannot_be_reached_answers_503_to_a_signed_in_callback(app, manager, backend, tmp_path):
    unreachable = f"sqlite:///{tmp_path}" if backend == "sqlite" else "postgresql://nobody@127.0.0.1:1/none"
    down = make_app(unreachable, tmp_path)
    client = down.server.test_client()
    # The same signed-in browser, now talking to a server whose database does not answer.
    client.set_cookie("session", manager.get_cookie("session").value)
    client.get("/_dash-dependencies")
    response = post_callback(client, down, COUNTS_OUTPUT, "nt-changed.data", {"nt-changed.data": 1})
    assert response.status_code == 503
    assert response.text == "Database unavailable. Try again shortly.\n"


# -- anything else: logged with its traceback; the wording follows the callback's declaration ----------------
def test_an_unexpected_error_is_logged_with_its_traceback_and_worded_by_what_the_callback_declares(
    demo_app, auth, caplog
):
    @allow_roles(Role.MANAGER, writes=True)
    def broken_write(_clicks):
        raise RuntimeError("a bug in a write")

    @allow_roles(Role.MANAGER)
    def broken_read(_clicks):
        raise RuntimeError("a bug in a read")

    demo_app.callback(Output("test-write", "children"), Input("test-write-button", "n_clicks"))(broken_write)
    demo_app.callback(Output("test-read", "children"), Input("test-read-button", "n_clicks"))(broken_read)
    auth.login("manager")

    with caplog.at_level(logging.WARNING, logger="dashboard.errors"):
        written = post_callback(auth.client, demo_app, "test-write.children", "test-write-button.n_clicks")
        read = post_callback(auth.client, demo_app, "test-read.children", "test-read-button.n_clicks")

    assert written.status_code == read.status_code == 200
    assert toast(written) == json.dumps("Something went wrong and it has been logged. Nothing was saved.")
    assert toast(read) == json.dumps("Something went wrong and it has been logged, so this could not be loaded.")
    records = [r for r in caplog.records if r.name == "dashboard.errors"]
    assert [r.levelno for r in records] == [logging.ERROR, logging.ERROR]
    assert [str(r.exc_info[1]) for r in records] == ["a bug in a write", "a bug in a read"]
