"""/import in a real browser: a WMS stock count uploaded, matched, previewed and imported as a background job.

The manager sees the progress bar while the job runs, then what happened: counts, the refused row, its download.
"""

import pytest
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

from dashboard import context

pytestmark = pytest.mark.browser


def stock(app) -> list[tuple[str, str, int]]:
    """Every (sku, warehouse, on hand) of the demo."""
    with context.current_for(app.server).db.read_session() as session:
        return [
            tuple(row)
            for row in session.execute(
                text(
                    "SELECT p.sku, w.code, s.on_hand FROM stock_level s JOIN product p ON p.id = s.product_id "
                    "JOIN warehouse w ON w.id = s.warehouse_id ORDER BY p.sku, w.code"
                )
            )
        ]


def test_imp001_manager_imports_a_wms_stock_count_in_the_background(dash_duo, signed_in, demo_app, tmp_path):
    before = stock(demo_app)
    # Every stock level counted one higher, in a WMS's own words, plus a SKU the shop does not sell.
    lines = [f"{sku};{code};{on_hand + 1}" for sku, code, on_hand in before] + ["NO-SUCH-SKU;NJ1;3"]
    path = tmp_path / "wms-count.csv"
    path.write_text("Item No;Location;Qty On Hand\n" + "\n".join(lines) + "\n")

    signed_in("manager")
    dash_duo.driver.get(dash_duo.server.url + "/import")
    dash_duo.select_dcc_dropdown("#imp-kind", value="Stock levels (a stock count)")
    dash_duo.wait_for_contains_text("#imp-fields", "on_hand", timeout=10)
    dash_duo.find_element("#imp-file input[type=file]").send_keys(str(path))
    dash_duo.wait_for_contains_text("#imp-file-info", "wms-count.csv", timeout=20)
    # The WMS's columns are matched to ours by name, and the first rows previewed against the database.
    dash_duo.wait_for_contains_text("#imp-preview-counts", "20 update", timeout=20)
    assert dash_duo.find_element("#imp-run").is_enabled()

    # A DOM click: the page below the grid is still settling, which makes Selenium's pointer click flaky.
    dash_duo.driver.execute_script("arguments[0].click()", dash_duo.find_element("#imp-run"))
    # The job reports progress while it runs: the import, then the metrics refresh.
    WebDriverWait(dash_duo.driver, 60).until(
        lambda _: (
            "Refreshing metrics" in dash_duo.find_element("#imp-stage").text or dash_duo.find_elements("#imp-outcome")
        )
    )
    dash_duo.wait_for_element("#imp-outcome", timeout=120)
    counts = dash_duo.find_element("#imp-outcome-counts").text.replace("\n", " ")
    assert f"{len(before) + 1:,} rows in file" in counts
    assert f"{len(before):,} updated" in counts and "1 refused" in counts
    assert "NO-SUCH-SKU" in dash_duo.find_element("#imp-refused-table").text
    href = dash_duo.find_element("#imp-refused-download").get_attribute("href")
    assert "/import/refused/" in href
    assert "wms-count.csv" in dash_duo.find_element("#imp-history-table").text
    # The bar goes away when the job is done; the button is back for the next file.
    assert "d-none" in dash_duo.find_element("#imp-progress-wrap").get_attribute("class")
    assert dash_duo.find_element("#imp-run").is_enabled()

    assert stock(demo_app) == [(sku, code, on_hand + 1) for sku, code, on_hand in before]
    assert dash_duo.get_logs() == []


def products(app) -> int:
    with context.current_for(app.server).db.read_session() as session:
        return session.execute(text("SELECT count(*) FROM product")).scalar_one()


def test_imp002_cancel_rolls_a_running_import_back(dash_duo, signed_in, demo_app, tmp_path):
    before = products(demo_app)
    # Big enough that the import is still running when Cancel is pressed (several seconds on SQLite).
    path = tmp_path / "catalog.csv"
    rows = (f"BIG-{n:06d},Product {n},Garden,9.90,4.10" for n in range(150_000))
    path.write_text("sku,name,category,unit_price,unit_cost\n" + "\n".join(rows) + "\n")

    signed_in("manager")
    dash_duo.driver.get(dash_duo.server.url + "/import")
    dash_duo.wait_for_element("#imp-kind", timeout=10)
    dash_duo.find_element("#imp-file input[type=file]").send_keys(str(path))
    dash_duo.wait_for_contains_text("#imp-preview-counts", "20 new", timeout=30)
    dash_duo.driver.execute_script("arguments[0].click()", dash_duo.find_element("#imp-run"))
    dash_duo.wait_for_contains_text("#imp-stage", "Importing 150,000 rows", timeout=30)
    dash_duo.driver.execute_script("arguments[0].click()", dash_duo.find_element("#imp-cancel"))

    dash_duo.wait_for_contains_text("#imp-cancelled", "nothing was imported", timeout=20)
    WebDriverWait(dash_duo.driver, 20).until(
        lambda _: "d-none" in dash_duo.find_element("#imp-progress-wrap").get_attribute("class")
    )
    assert products(demo_app) == before
    # The killed job's transaction let go of the database: the next write goes through.
    with context.current_for(demo_app.server).db.write_session() as session:
        session.execute(text("UPDATE product SET name = name WHERE id = (SELECT min(id) FROM product)"))


@pytest.fixture
def celery_app(demo_settings, demo_template, redis_url, tmp_path):
    """The demo app with REDIS_URL, and a real Celery worker (its own queue) on the same database."""
    import dataclasses
    import os
    import secrets
    import shutil
    import signal
    import subprocess
    import sys

    from dashboard import create_app

    queue = f"backorder-desk-test-{secrets.token_hex(4)}"
    settings = dataclasses.replace(demo_settings, redis_url=redis_url, job_queue=queue)
    shutil.copy(demo_template, settings.database_url.removeprefix("sqlite:///"))
    env = os.environ | {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": redis_url,
        "JOB_QUEUE": queue,
        "SECRET_KEY": settings.secret_key,
        "BACKORDER_DESK_TODAY": settings.today_override.isoformat(),
    }
    command = [sys.executable, "-m", "celery", "-A", "dashboard.worker:celery", "worker", "--pool", "prefork"]
    command += ["--concurrency", "1", "--loglevel", "INFO", "--without-gossip", "--without-mingle"]
    log = (tmp_path / "celery.log").open("w")
    worker = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield create_app(settings)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


def test_imp003_with_redis_the_import_runs_on_a_celery_worker(dash_duo, celery_app, tmp_path):
    from dashboard.jobs import AppCeleryManager
    from tests.browser.conftest import sign_in

    assert isinstance(context.current_for(celery_app.server).jobs, AppCeleryManager)
    before = stock(celery_app)
    sku, code, on_hand = before[0]
    path = tmp_path / "count.csv"
    path.write_text(f"sku,warehouse_code,on_hand\n{sku},{code},{on_hand + 5}\n")

    dash_duo.start_server(celery_app, navigate=False)
    sign_in(dash_duo, "manager")
    dash_duo.driver.get(dash_duo.server.url + "/import")
    dash_duo.wait_for_element("#imp-kind", timeout=20)
    dash_duo.select_dcc_dropdown("#imp-kind", value="Stock levels (a stock count)")
    dash_duo.find_element("#imp-file input[type=file]").send_keys(str(path))
    dash_duo.wait_for_contains_text("#imp-preview-counts", "1 update", timeout=20)
    dash_duo.driver.execute_script("arguments[0].click()", dash_duo.find_element("#imp-run"))
    dash_duo.wait_for_element("#imp-outcome", timeout=120)
    assert "1 updated" in dash_duo.find_element("#imp-outcome-counts").text.replace("\n", " ")
    assert (sku, code, on_hand + 5) in stock(celery_app)
    log = (tmp_path / "celery.log").read_text()
    assert "succeeded" in log, log[-2000:]
