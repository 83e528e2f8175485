"""`backorder-desk serve`: gunicorn with two workers on a copy of the demo database, driven over HTTP.

Sign-in holds across workers, and a worker killed outright is replaced by the master while the app keeps answering.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import psutil
import pytest
import requests

from tests.conftest import TODAY

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except requests.ConnectionError:
            result = None
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def serving(database_url: str, tmp_path, extra: dict[str, str] | None = None, log_name: str = "serve.log"):
    """`backorder-desk serve --workers 2` on ``database_url`` until the block ends; yields (base URL, master).

    Its log (gunicorn's, with each request's worker pid) goes to ``tmp_path / log_name``.
    """
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "serve-test-secret-" + "x" * 32,
        "BACKORDER_DESK_TODAY": TODAY.isoformat(),
        "JOB_DIR": str(tmp_path / "jobs"),
        **(extra or {}),
    }
    log = (tmp_path / log_name).open("w")
    command = [sys.executable, "-m", "dashboard", "serve", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    master = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(base + "/readyz", timeout=5).status_code == 200, what="/readyz")
        yield base, psutil.Process(master.pid)
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(timeout=30)
        except subprocess.TimeoutExpired:
            master.kill()
        log.close()


@pytest.fixture
def served(demo_template, tmp_path):
    """The app under `backorder-desk serve --workers 2` on a copy of the demo; yields (base URL, master process)."""
    database = tmp_path / "inventory.db"
    shutil.copy(demo_template, database)
    with serving(f"sqlite:///{database}", tmp_path) as server:
        yield server


def workers(master: psutil.Process) -> set[int]:
    return {child.pid for child in master.children() if child.status() != psutil.STATUS_ZOMBIE}


def sign_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    token = CSRF_FIELD.search(session.get(base + "/login", timeout=10).text).group(1)
    data = {"username": username, "password": f"demo-{username}", "csrf_token": token}
    response = session.post(base + "/login", data=data, timeout=10, allow_redirects=False)
    assert response.status_code == 302, response.text[:200]
    return session


def test_serve_runs_two_workers_that_share_sign_in_and_replaces_a_killed_one(served):
    base, master = served
    pids = wait_for(lambda: (len(now := workers(master)) == 2 or None) and now, what="two workers")

    session = sign_in(base, "manager")
    # Each request may land on either worker: the signed session cookie is good on both.
    for _ in range(6):
        layout = session.get(base + "/_dash-layout", timeout=10)
        assert layout.status_code == 200 and "manager" in layout.text
    assert session.get(base + "/import/template/stock.csv", timeout=10).status_code == 200

    victim = min(pids)
    os.kill(victim, signal.SIGKILL)

    def replaced() -> set[int] | None:
        now = workers(master)
        return now if len(now) == 2 and victim not in now else None

    assert len(wait_for(replaced, what="a new worker") - pids) == 1
    for _ in range(6):
        assert requests.get(base + "/readyz", timeout=10).text == "ready\n"
        assert "manager" in session.get(base + "/_dash-layout", timeout=10).text


def test_serve_refuses_a_database_whose_schema_is_behind(tmp_path):
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "SECRET_KEY": "y" * 40}
    result = subprocess.run(
        [sys.executable, "-m", "dashboard", "serve", "--workers", "1", "--bind", f"127.0.0.1:{free_port()}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "run `backorder-desk db upgrade`" in result.stderr and "Traceback" not in result.stderr
