"""Shared fixtures: real SQLite and PostgreSQL databases, demo datasets, apps and a browser.

REQUIRE_BROWSER / REQUIRE_POSTGRES / REQUIRE_REDIS turn "skipped: service missing" into a
failure, so CI cannot pass by silently skipping what it was meant to prove.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from dash.background_callback.managers import BaseBackgroundCallbackManager
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dashboard.config import Settings
from dashboard.db.engine import Database, normalise_url
from dashboard.db.migrate import upgrade
from dashboard.services.demo import generate_demo
from dashboard.services.derived.refresh import refresh_metrics
from tests.pages.dash_http import components

TODAY = dt.date(2026, 11, 27)
BACKENDS = ["sqlite", "postgresql"]


def require_or_skip(variable: str, reason: str) -> None:
    """Fail when ``variable`` is set to 1 (CI must have the service), else skip."""
    if os.environ.get(variable) == "1":
        pytest.fail(f"{reason}, but {variable}=1 says it must be available")
    pytest.skip(reason)


def pytest_setup_options():
    """Headless Chromium for dash_duo (the only browser this machine has)."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.add_argument("--headless=new")
    options.add_argument("--no-sandbox")
    options.add_argument("--disable-gpu")
    options.add_argument("--window-size=1280,900")
    for flag in (
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ):
        options.add_argument(flag)
    if os.path.exists("/usr/bin/chromium"):
        options.binary_location = "/usr/bin/chromium"
    return options


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Browser tests need chromedriver; without it they skip, or fail under REQUIRE_BROWSER=1."""
    if item.get_closest_marker("browser") and not (shutil.which("chromedriver") and shutil.which("chromium")):
        require_or_skip("REQUIRE_BROWSER", "chromium and chromedriver are not installed")


# -- databases ---------------------------------------------------------------------------------
def _postgres_server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        require_or_skip("REQUIRE_POSTGRES", "TEST_DATABASE_URL is not set")
    return normalise_url(url)


def fresh_postgres_database() -> str:
    """Create an empty, uniquely named database on the test server and return its URL."""
    base = make_url(_postgres_server_url())
    name = f"bd_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    """Drop a database made by :func:`fresh_postgres_database`."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def empty_database_url(backend: str, tmp_path) -> str:
    """A URL to a new, empty database of ``backend``."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'test-{uuid.uuid4().hex[:6]}.db'}"
    return fresh_postgres_database()


@pytest.fixture(autouse=True)
def _forget_apps_built_by_the_test() -> Iterator[None]:
    """Dash keeps every background-callback manager in a class-level list, and ours hold their app.

    A process builds its app once; a test run builds ~1,000, and without this they all stay alive
    (gigabytes by the end) and the interpreter spends half a minute freeing them after the summary.
    """
    managers = list(BaseBackgroundCallbackManager.managers)
    yield
    BaseBackgroundCallbackManager.managers[:] = managers


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    return request.param


@pytest.fixture
def empty_db(backend, tmp_path) -> Iterator[Database]:
    """An empty (unmigrated) database on each backend."""
    url = empty_database_url(backend, tmp_path)
    database = Database(url)
    yield database
    database.dispose()
    if backend == "postgresql":
        drop_postgres_database(url)


@pytest.fixture
def db(empty_db) -> Database:
    """A migrated, empty database on each backend."""
    upgrade(empty_db.engine)
    return empty_db


@pytest.fixture(scope="session", params=BACKENDS)
def demo_db(request, tmp_path_factory) -> Iterator[Database]:
    """The default demo dataset (400 SKUs, 18 months), built once per backend per run. Read only."""
    url = empty_database_url(request.param, tmp_path_factory.mktemp("demo"))
    database = Database(url)
    upgrade(database.engine)
    generate_demo(database, today=TODAY)
    yield database
    database.dispose()
    if request.param == "postgresql":
        drop_postgres_database(url)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """TEST_REDIS_URL, answering PING; skipped (or failed under REQUIRE_REDIS=1) otherwise."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        require_or_skip("REQUIRE_REDIS", "TEST_REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        require_or_skip("REQUIRE_REDIS", f"Redis at {url} does not answer ({exc})")
    yield url
    # What a test leaves in Redis must not reach the next one: a sign-in limit counted for 127.0.0.1
    # would lock the next test's browser out for a minute.
    client.flushdb()
    client.close()


# -- apps --------------------------------------------------------------------------------------
@pytest.fixture
def demo_settings(tmp_path) -> Settings:
    """Settings for an embedded SQLite app that builds its own demo data ending on TODAY."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'inventory.db'}",
        auto_demo=True,
        today_override=TODAY,
        secret_key="test-secret-key-" + "x" * 32,
        outbox_dir=tmp_path / "outbox",
        job_dir=tmp_path / "jobs",
    )


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A default demo SQLite file built once per run; apps get their own copy."""
    path = tmp_path_factory.mktemp("template") / "inventory.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database.engine)
    generate_demo(database, today=TODAY)
    refresh_metrics(database, TODAY, rebuild_kpis=True)  # as the first start does
    database.dispose()  # the last connection to close checkpoints the WAL into the main file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@contextmanager
def refreshed_demo(backend: str, demo_template: Path, directory: Path) -> Iterator[Database]:
    """A demo database of its own with metrics refreshed: a copy of the template on SQLite, built on PostgreSQL."""
    if backend == "sqlite":
        path = directory / "inventory.db"
        shutil.copy(demo_template, path)
        url = f"sqlite:///{path}"
        database = Database(url)
        upgrade(database.engine)
    else:
        url = fresh_postgres_database()
        database = Database(url)
        upgrade(database.engine)
        generate_demo(database, today=TODAY)
    refresh_metrics(database, TODAY)
    try:
        yield database
    finally:
        database.dispose()
        if backend == "postgresql":
            drop_postgres_database(url)


@pytest.fixture
def demo_app(demo_settings, demo_template):
    """A fully built app on its own copy of the demo database (free to write to)."""
    from dashboard import create_app

    shutil.copy(demo_template, demo_settings.database_url.removeprefix("sqlite:///"))
    return create_app(demo_settings)


@pytest.fixture
def client(demo_app):
    """Flask test client for the demo app (anonymous until ``auth.login``)."""
    return demo_app.server.test_client()


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class AuthActions:
    """Sign in and out through the real /login form (as in Flask's tutorial tests)."""

    def __init__(self, client) -> None:
        self.client = client

    def csrf_token(self) -> str:
        return CSRF_FIELD.search(self.client.get("/login").text).group(1)

    def login(self, username: str, password: str | None = None, **extra):
        data = {
            "username": username,
            "password": password or f"demo-{username}",
            "csrf_token": self.csrf_token(),
            **extra,
        }
        return self.client.post("/login", data=data)

    def sign_out_token(self) -> str:
        """The CSRF token in the navbar's sign-out form, as the signed-in app layout serves it."""
        layout = self.client.get("/_dash-layout").json
        [form] = [c for c in components(layout) if c["props"].get("id") == "sign-out-form"]
        [token] = [c["props"]["value"] for c in components(form) if c["props"].get("name") == "csrf_token"]
        return token

    def logout(self):
        """Sign out as the navbar's form does: POST /logout with its CSRF token."""
        response = self.client.post("/logout", data={"csrf_token": self.sign_out_token()})
        assert response.status_code == 302, response.text[:300]
        return response


@pytest.fixture
def auth(client) -> AuthActions:
    """Sign-in helper bound to ``client``."""
    return AuthActions(client)


def callback_payload(app, output: str, changed: str, values: dict[str, object] | None = None) -> dict:
    """The JSON body the Dash renderer posts to /_dash-update-component for ``output``.

    ``changed`` is the "id.property" that fired; ``values`` gives input/state values by "id.property".
    """
    values = values or {}
    entry = app.callback_map[output]

    def spec(items):
        return [
            {"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")} for i in items
        ]

    outputs = [{"id": part.split(".")[0], "property": part.split(".")[1]} for part in output.strip(".").split("...")]
    return {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": spec(entry["inputs"]),
        "state": spec(entry["state"]),
        "changedPropIds": [changed],
    }


def post_callback(client, app, output: str, changed: str, values: dict[str, object] | None = None):
    """POST a callback the way the browser does; returns the Flask response."""
    client.get("/_dash-dependencies")  # Dash fills callback_map on its first request
    return client.post("/_dash-update-component", json=callback_payload(app, output, changed, values))
