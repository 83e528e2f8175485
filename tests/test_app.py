"""The app factory: first start builds the embedded demo, later starts reuse it."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from dashboard import create_app
from dashboard.db.models import Product
from dashboard.services.demo import generate_demo
from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parent.parent


def _product_count(app):
    ctx = app.server.extensions["backorder_desk"]
    with ctx.db.read_session() as session:
        return session.scalar(select(func.count()).select_from(Product))


def test_first_start_creates_migrates_and_fills_the_database(demo_settings, tmp_path):
    assert not (tmp_path / "inventory.db").exists()
    app = create_app(demo_settings)
    assert (tmp_path / "inventory.db").exists()
    assert _product_count(app) == 400


def test_second_start_reuses_the_database(demo_settings):
    first = create_app(demo_settings)
    ctx = first.server.extensions["backorder_desk"]
    with ctx.db.write_session() as session:
        session.get(Product, 1).name = "Kept between starts"
    second = create_app(demo_settings)
    with second.server.extensions["backorder_desk"].db.read_session() as session:
        assert session.get(Product, 1).name == "Kept between starts"
        assert session.scalar(select(func.count()).select_from(Product)) == 400


def test_every_dash_route_and_page_answers_once_signed_in(auth):
    auth.login("support")
    for path in ("/", "/_dash-layout", "/_dash-dependencies", "/no/such/page"):
        assert auth.client.get(path).status_code == 200, path


def test_bootstrap_is_served_locally_not_from_a_cdn(client, auth):
    auth.login("support")
    page = client.get("/").text
    assert "/assets/vendor/bootstrap.min.css" in page
    assert "cdn" not in page.lower()
    with client.get("/assets/vendor/bootstrap.min.css") as css:
        assert css.status_code == 200
        assert b"Bootstrap" in css.data[:200]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_python_app_py_serves_on_host_and_port_from_the_environment(tmp_path):
    from dashboard.db.engine import Database
    from dashboard.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'served.db'}"
    database = Database(url)
    upgrade(database.engine)
    generate_demo(database, skus=40, days=60, today=TODAY)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "HOST": "127.0.0.1", "PORT": str(port)}
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        body = None
        for _ in range(100):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        assert body == b"ok\n"
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert f"http://127.0.0.1:{port}/" in output
