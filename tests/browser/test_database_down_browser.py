"""The database stops while a manager has the app open: the page says so, and works again when it returns."""

import os
import subprocess
import sys

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboard.config import Settings
from tests.browser.conftest import sign_in
from tests.conftest import TODAY, require_or_skip
from tests.pg_cluster import PgCluster, find_pg_bin

pytestmark = pytest.mark.browser


@pytest.fixture
def cluster():
    """A private PostgreSQL cluster with a small demo (never the shared test server: it is stopped here)."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        require_or_skip("REQUIRE_POSTGRES", "PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    pg = PgCluster(bin_dir)
    try:
        pg.init()
        pg.start()
        pg.database_url = pg.createdb("down")
        demo = [sys.executable, "-m", "dashboard", "demo", "--skus", "40", "--days", "60", "--today", TODAY.isoformat()]
        result = subprocess.run(
            demo, env=os.environ | {"DATABASE_URL": pg.database_url}, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stderr[-2000:]
        yield pg
    finally:
        pg.destroy()


def banner_shown(dash_duo) -> bool:
    found = dash_duo.driver.find_elements("css selector", "#db-unavailable-banner")
    return bool(found) and found[0].is_displayed()


def test_dbd001_the_page_says_the_database_is_unavailable_and_recovers(dash_duo, cluster, tmp_path):
    from dashboard import create_app

    settings = Settings(
        database_url=cluster.database_url,
        auto_demo=False,
        today_override=TODAY,
        secret_key="down-test-secret-" + "x" * 32,
        outbox_dir=tmp_path / "outbox",
        job_dir=tmp_path / "jobs",
    )
    dash_duo.start_server(create_app(settings), navigate=False)
    sign_in(dash_duo, "manager")
    dash_duo.wait_for_element("#card-open-backorders", timeout=20)

    cluster.stop()
    dash_duo.find_element("#main-nav a[href='/backorders']").click()
    WebDriverWait(dash_duo.driver, 20).until(lambda _: banner_shown(dash_duo))
    assert "Database unavailable" in dash_duo.find_element("#db-unavailable-banner").text
    assert "Traceback" not in dash_duo.driver.page_source

    cluster.start()
    dash_duo.find_element("#main-nav a[href='/']").click()
    dash_duo.wait_for_element("#card-open-backorders", timeout=30)
    WebDriverWait(dash_duo.driver, 10).until(lambda _: not banner_shown(dash_duo))
