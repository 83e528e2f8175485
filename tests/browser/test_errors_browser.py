"""A write the database refuses is said as such in the browser, and the database-down banner stays away."""

import datetime as dt

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import func, select

from dashboard import context
from dashboard.db.models import Notification
from dashboard.domain.codes import NotificationStatus
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

KEY = "line:browser:cancelled"


def add_message(db, key: str, created_at: dt.datetime) -> None:
    with db.write_session() as session:
        session.add(
            Notification(
                idempotency_key=key,
                kind="line_cancelled",
                recipient="customer@example.com",
                subject="Your order",
                body_text="We have cancelled the line.",
                status=NotificationStatus.SENT,
                created_at=created_at,
            )
        )


def open_first_message(dash_duo, body: str) -> None:
    """Click the grid's first row until the side panel shows ``body``.

    The grid loads its first block twice on arrival (its reload callback runs once on page load), so a
    row found a moment ago may be gone when clicked: look it up again and retry until the panel shows it.
    """

    def shown(driver) -> bool:
        cell = driver.find_element(
            By.CSS_SELECTOR, "#nt-grid .ag-center-cols-container .ag-row[row-index='0'] [col-id='subject']"
        )
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", cell)
        try:
            return WebDriverWait(driver, 3).until(lambda d: d.find_element(By.ID, "nt-body").text == body)
        except TimeoutException:
            return False

    WebDriverWait(
        dash_duo.driver, 30, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    ).until(shown)


def test_err001_a_refused_resend_says_it_was_not_saved_and_no_outage_banner_shows(dash_duo, demo_app):
    db = context.current_for(demo_app.server).db
    # Newest of all, so it is the grid's first row; its first copy was purged and the second kept,
    # so a resend numbers its copy 2 again and the database refuses the duplicate key.
    add_message(db, KEY, dt.datetime(2099, 1, 2, tzinfo=dt.UTC))
    add_message(db, f"{KEY}:resend:2", dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    with db.read_session() as session:
        before = session.scalar(select(func.count()).select_from(Notification))

    dash_duo.start_server(demo_app, navigate=False)  # / redirects to /login
    sign_in(dash_duo, "manager")
    dash_duo.driver.get(dash_duo.server.url + "/notifications")
    dash_duo.wait_for_element("#nt-grid .ag-row", timeout=15)
    open_first_message(dash_duo, "We have cancelled the line.")
    # Clicked in the page's script: the panel may still be sliding in, and a pointer click would land beside it.
    dash_duo.driver.execute_script("arguments[0].click();", dash_duo.find_element("#nt-resend"))

    dash_duo.wait_for_contains_text("#global-error", "refused this change", timeout=15)
    assert "Nothing was saved" in dash_duo.find_element("#global-error").text
    assert "unavailable" not in dash_duo.find_element("#global-error").text
    banners = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#db-unavailable-banner")
    assert not banners or not banners[0].is_displayed()
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == before
    assert dash_duo.get_logs() == []
