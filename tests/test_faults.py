"""Production and faults, against the real server (`backorder-desk serve --workers 2`) on a private PostgreSQL cluster.

Two workers on PostgreSQL and Redis share a cached view, and a write made in one worker refreshes it in both.

With the database stopped, pages and sign-in say "Database unavailable" without a traceback and /readyz answers 503;
when the database returns the same processes serve data again. A worker killed outright is replaced by the master,
and an action a client retries with the same payload takes effect once.

The cluster is this module's own (initdb into a temporary directory, pg_ctl on a free port): the shared server in
TEST_DATABASE_URL is never stopped, since other tests use it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import psutil
import pytest
import requests
from sqlalchemy import create_engine, text

from tests.conftest import TODAY, require_or_skip
from tests.pages.dash_http import components, route
from tests.pg_cluster import PgCluster, find_pg_bin
from tests.test_serve import CSRF_FIELD, serving, sign_in, wait_for, workers

DEMO = ["demo", "--skus", "40", "--days", "60", "--today", TODAY.isoformat()]
PREVIEW = "..po-impact.children...po-confirm.disabled...po-previewed.data.."


# -- the private cluster and the served app -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def cluster() -> Iterator[PgCluster]:
    """A private PostgreSQL cluster, running, with a small demo database "faults" on it."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        require_or_skip("REQUIRE_POSTGRES", "PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    pg = PgCluster(bin_dir)
    try:
        pg.init()
        pg.start()
        pg.database_url = pg.createdb("faults")
        # `demo` migrates the schema first and ends with a metrics refresh, so no separate upgrade/refresh is needed.
        result = subprocess.run(
            [sys.executable, "-m", "dashboard", *DEMO],
            env=os.environ | {"DATABASE_URL": pg.database_url},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        yield pg
    finally:
        pg.destroy()


@pytest.fixture
def running_cluster(cluster) -> PgCluster:
    """The module's cluster, started again if an earlier test left it stopped."""
    if not cluster.running:
        cluster.start()
    return cluster


@pytest.fixture
def served(running_cluster, tmp_path) -> Iterator[tuple[str, psutil.Process]]:
    """The app under `backorder-desk serve --workers 2` on the private cluster; yields (base URL, master)."""
    with serving(running_cluster.database_url, tmp_path) as server:
        yield server


@pytest.fixture
def served_with_redis(running_cluster, tmp_path, redis_url) -> Iterator[tuple[str, psutil.Process]]:
    """As :func:`served`, with REDIS_URL: the view cache, sign-in limits and background jobs in Redis."""
    extra = {"REDIS_URL": redis_url, "JOB_QUEUE": f"faults-{os.getpid()}"}
    with serving(running_cluster.database_url, tmp_path, extra, "serve-redis.log") as server:
        yield server


@pytest.fixture
def connect(served) -> Iterator:
    """Make HTTP clients of the served app; their keep-alive connections close before the server stops."""
    base, _master = served
    made: list[Client] = []

    def make(username: str | None = None) -> Client:
        client = Client(base, sign_in(base, username) if username else requests.Session())
        made.append(client)
        return client

    yield make
    for client in made:
        client.session.close()


def two_workers(master: psutil.Process) -> set[int]:
    """The master's worker pids, once there are exactly two."""
    return wait_for(lambda: (len(now := workers(master)) == 2 or None) and now, what="two workers")


class Client:
    """A requests session bound to the served app's base URL, shaped like Flask's test client for dash_http."""

    def __init__(self, base: str, session: requests.Session) -> None:
        self.base = base
        self.session = session

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base + path, timeout=15, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.session.post(self.base + path, timeout=30, **kwargs)


def one_row(url: str, sql: str, **params) -> tuple:
    """One row from the private database, read outside the app."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(connection.execute(text(sql), params).one())
    finally:
        engine.dispose()


def scalar(url: str, sql: str, **params):
    """One value from the private database, read outside the app."""
    return one_row(url, sql, **params)[0]


def assert_says_database_unavailable(response: requests.Response) -> None:
    """A 503 that says so plainly: no traceback, no exception text, no 500."""
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert "database unavailable" in response.text.lower(), response.text[:300]
    for leak in ("Traceback", "OperationalError", "psycopg", "sqlalchemy"):
        assert leak not in response.text, response.text[:300]


# -- A: the database stops and comes back --------------------------------------------------------------------------
def test_with_the_database_down_pages_say_so_and_the_app_recovers_without_a_restart(served, connect, running_cluster):
    base, master = served
    pids = two_workers(master)
    manager = connect("manager")
    assert "card-open-backorders" in route(manager, "/").text
    # Someone who opened the sign-in form before the outage and submits it during it.
    visitor = connect()
    token = CSRF_FIELD.search(visitor.get("/login").text).group(1)

    running_cluster.stop()

    # Several rounds, so requests reach both workers (each has its own connection pool).
    for _ in range(4):
        ready = requests.get(base + "/readyz", timeout=15)
        assert (ready.status_code, ready.text) == (503, "database unavailable\n")
        assert requests.get(base + "/healthz", timeout=15).status_code == 200
        assert_says_database_unavailable(manager.get("/"))  # what a browser loads first: a plain page
        assert_says_database_unavailable(manager.get("/_dash-layout"))
        assert_says_database_unavailable(route(manager, "/"))
    assert_says_database_unavailable(visitor.get("/login"))
    submitted = {"username": "manager", "password": "demo-manager", "csrf_token": token}
    assert_says_database_unavailable(visitor.post("/login", data=submitted, allow_redirects=False))

    running_cluster.start()

    started = time.monotonic()
    wait_for(lambda: requests.get(base + "/readyz", timeout=5).status_code == 200, timeout=10, what="ready again")
    assert time.monotonic() - started < 10
    for _ in range(4):
        assert requests.get(base + "/readyz", timeout=15).text == "ready\n"
        layout = manager.get("/_dash-layout")
        assert layout.status_code == 200 and "manager" in layout.text
        page = route(manager, "/")
        assert page.status_code == 200 and "card-open-backorders" in page.text
        assert "database-unavailable" not in page.text
    assert visitor.post("/login", data=submitted, allow_redirects=False).status_code == 302
    # Recovered in place: the same master and the same two workers served throughout.
    assert master.is_running() and workers(master) == pids


# -- B: a killed worker, then a retried action ---------------------------------------------------------------------
def callback_body(dependencies: list[dict], output: str, changed: str, values: dict) -> dict:
    """The body the Dash renderer posts for ``output``, from the served app's /_dash-dependencies."""
    entry = next(item for item in dependencies if item["output"] == output)

    def spec(items):
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]

    parts = [part.split(".") for part in output.strip(".").split("...")]
    outputs = [{"id": name, "property": prop.split("@")[0]} for name, prop in parts]
    return {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": spec(entry["inputs"]),
        "state": spec(entry["state"]),
        "changedPropIds": [changed],
    }


def test_a_killed_worker_is_replaced_and_a_retried_eta_revision_takes_effect_once(served, connect, running_cluster):
    _base, master = served
    url = running_cluster.database_url
    pids = two_workers(master)
    manager = connect("manager")

    victim = min(pids)
    os.kill(victim, signal.SIGKILL)

    def replaced() -> set[int] | None:
        now = workers(master)
        return now if len(now) == 2 and victim not in now else None

    assert len(wait_for(replaced, what="a new worker") - pids) == 1 and master.is_running()

    # An open PO nobody has revised yet, so "takes effect once" counts exactly one revision.
    number, version = one_row(
        url,
        "SELECT number, version FROM purchase_order p WHERE status = 'open' "
        "AND NOT EXISTS (SELECT 1 FROM eta_revision r WHERE r.po_id = p.id) "
        "AND NOT EXISTS (SELECT 1 FROM audit_event a "
        "WHERE a.entity_type = 'purchase_order' AND a.entity_id = p.number) "
        "ORDER BY number LIMIT 1",
    )
    new_eta = (TODAY + dt.timedelta(days=45)).isoformat()
    form = {
        "po-selected.data": {"number": number, "version": version},
        "po-new-eta.value": new_eta,
        "po-confirmed.value": True,
        "po-cause.value": "supplier_delay",
        "po-note.value": "Retried after a worker crash",
    }
    dependencies = manager.get("/_dash-dependencies").json()
    preview = manager.post(
        "/_dash-update-component",
        json=callback_body(dependencies, PREVIEW, "po-preview.n_clicks", {**form, "po-preview.n_clicks": 1}),
    )
    assert preview.status_code == 200, preview.text[:300]
    previewed = preview.json()["response"]["po-previewed"]["data"]
    assert previewed["eta"] == new_eta

    confirm = next(
        item["output"]
        for item in dependencies
        if "po-changed.data" in item["output"] and item["inputs"][0]["id"] == "po-confirm"
    )
    body = callback_body(
        dependencies, confirm, "po-confirm.n_clicks", {**form, "po-confirm.n_clicks": 1, "po-previewed.data": previewed}
    )
    revisions = "SELECT count(*) FROM eta_revision r JOIN purchase_order p ON p.id = r.po_id WHERE p.number = :n"
    audits = (
        "SELECT count(*) FROM audit_event WHERE entity_type = 'purchase_order' AND entity_id = :n "
        "AND action = 'revise_eta'"
    )
    assert scalar(url, revisions, n=number) == 0 and scalar(url, audits, n=number) == 0

    # The client sends the same request twice, as a retry after a lost answer would.
    first = manager.post("/_dash-update-component", json=body)
    second = manager.post("/_dash-update-component", json=body)

    assert first.status_code == 200, first.text[:300]
    assert "ETA now" in json.dumps(first.json()["response"]["po-feedback"])
    assert second.status_code == 200, second.text[:300]
    refused = json.dumps(second.json()["response"]["po-feedback"])
    assert "was changed" in refused and "nothing was saved" in refused, refused
    assert "po-changed" not in second.json()["response"]  # the grid is not told to reload for nothing

    assert scalar(url, revisions, n=number) == 1
    assert scalar(url, audits, n=number) == 1
    assert str(scalar(url, "SELECT eta FROM purchase_order WHERE number = :n", n=number)) == new_eta
    assert scalar(url, "SELECT version FROM purchase_order WHERE number = :n", n=number) == version + 1


# -- C: two workers on PostgreSQL and Redis share a cached view and both see a write --------------------------------
def late_pos_card(client: Client, probe: int) -> str:
    """The "POs past ETA" figure of a freshly routed Overview, on a new connection (any worker may take it)."""
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": "/"},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "state": [],
        "changedPropIds": ["_pages_location.pathname"],
    }
    response = client.post(f"/_dash-update-component?probe={probe}", json=body, headers={"Connection": "close"})
    assert response.status_code == 200, response.text[:300]
    tree = response.json()["response"]["_pages_content"]["children"]
    return next(c["props"]["children"] for c in components(tree) if c["props"].get("id") == "card-late-pos-value")


def served_by(log_path, probe: int) -> int | None:
    """The pid of the worker whose access-log line shows ``probe``."""
    for line in log_path.read_text().splitlines():
        if f"probe={probe} " in line and "pid=" in line:
            return int(line.rsplit("pid=", 1)[1].strip("<> "))
    return None


def test_two_workers_on_postgresql_and_redis_serve_a_cached_view_that_a_write_refreshes_everywhere(
    served_with_redis, running_cluster, redis_url, tmp_path
):
    import redis

    base, master = served_with_redis
    url, log_path = running_cluster.database_url, tmp_path / "serve-redis.log"
    pids = two_workers(master)
    manager = Client(base, sign_in(base, "manager"))
    placed = "('open', 'sent', 'confirmed', 'partially_received')"  # placed and not received in full
    late_sql = f"SELECT count(*) FROM purchase_order WHERE status IN {placed} AND eta < :t"
    late = scalar(url, late_sql, t=TODAY)
    assert late >= 1, "the demo should have a purchase order past its ETA"
    probe = 0

    def every_worker_shows(expected: str) -> None:
        nonlocal probe
        served: set[int] = set()
        for _ in range(80):
            probe += 1
            assert late_pos_card(manager, probe) == expected
            pid = wait_for(lambda n=probe: served_by(log_path, n), timeout=5, what="the access-log line")
            served.add(pid)
            if served == pids:
                return
        raise AssertionError(f"only workers {served} of {pids} answered")

    every_worker_shows(f"{late:,}")
    cached = redis.Redis.from_url(redis_url).keys("backorder-desk:view:*overview*")
    assert cached, "the Overview is kept in Redis for every worker"

    # The write: a late purchase order gets a new ETA in the future, through the page's preview and confirm.
    number, version = one_row(
        url,
        f"SELECT number, version FROM purchase_order WHERE status IN {placed} AND eta < :t ORDER BY number LIMIT 1",
        t=TODAY,
    )
    form = {
        "po-selected.data": {"number": number, "version": version},
        "po-new-eta.value": (TODAY + dt.timedelta(days=45)).isoformat(),
        "po-confirmed.value": True,
        "po-cause.value": "supplier_delay",
        "po-note.value": "Supplier confirmed a new date",
    }
    dependencies = manager.get("/_dash-dependencies").json()
    preview = manager.post(
        "/_dash-update-component",
        json=callback_body(dependencies, PREVIEW, "po-preview.n_clicks", {**form, "po-preview.n_clicks": 1}),
    )
    previewed = preview.json()["response"]["po-previewed"]["data"]
    confirm = next(
        item["output"]
        for item in dependencies
        if "po-changed.data" in item["output"] and item["inputs"][0]["id"] == "po-confirm"
    )
    values = {**form, "po-confirm.n_clicks": 1, "po-previewed.data": previewed}
    done = manager.post(
        "/_dash-update-component", json=callback_body(dependencies, confirm, "po-confirm.n_clicks", values)
    )
    assert "ETA now" in json.dumps(done.json()["response"]["po-feedback"])

    every_worker_shows(f"{late - 1:,}")
    manager.session.close()
