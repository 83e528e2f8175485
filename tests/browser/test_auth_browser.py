"""Signing in as each role shows that role's pages and no others; signing out works from every page."""

import pytest
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import sign_in, sign_out

pytestmark = pytest.mark.browser

EXPECTED_MENU = {
    "admin": [
        "Overview",
        "KPIs",
        "Backorders",
        "Inbound",
        "Suppliers",
        "Replenishment",
        "Notifications",
        "Import",
        "Audit",
        "Users",
    ],
    "manager": [
        "Overview",
        "KPIs",
        "Backorders",
        "Inbound",
        "Suppliers",
        "Replenishment",
        "Notifications",
        "Import",
        "Audit",
    ],
    "support": ["Overview", "Backorders", "Notifications"],
    "executive": ["Overview", "KPIs", "Backorders", "Inbound", "Suppliers", "Replenishment"],
}


def _menu(dash_duo):
    return [link.text for link in dash_duo.find_elements("#main-nav > .nav-item > .nav-link:not(.dropdown-toggle)")]


def test_aut001_each_role_sees_only_its_pages(dash_duo, demo_app):
    dash_duo.start_server(demo_app, navigate=False)  # / redirects to /login
    for username, pages in EXPECTED_MENU.items():
        sign_in(dash_duo, username)
        dash_duo.wait_for_element("#card-open-backorders", timeout=10)
        assert _menu(dash_duo) == pages, username
        assert username in dash_duo.find_element("#user-menu").text
        dash_duo.driver.get(dash_duo.server.url + "/admin/users")
        if username == "admin":
            dash_duo.wait_for_element("#users-list", timeout=10)
        else:
            dash_duo.wait_for_element("#page-forbidden", timeout=10)
            assert "is for admins" in dash_duo.find_element("#page-forbidden").text
            assert not dash_duo.driver.find_elements("css selector", "#users-list")
        sign_out(dash_duo)
    assert dash_duo.get_logs() == []


def test_aut002_wrong_password_says_so_and_stays_on_login(dash_duo, demo_app):
    dash_duo.start_server(demo_app, navigate=False)  # / redirects to /login
    dash_duo.driver.get(dash_duo.server.url + "/")
    dash_duo.wait_for_element("#username", timeout=10).send_keys("manager")
    dash_duo.find_element("#password").send_keys("not-the-password")
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_text_to_equal(
        "#login-error", "Wrong username or password, or the account is deactivated.", timeout=10
    )
    # the 401 of the failed attempt itself is logged by Chrome; nothing else may be
    assert all("401" in entry["message"] for entry in dash_duo.get_logs())


def test_aut003_admin_adds_a_user_who_can_then_sign_in(dash_duo, demo_app):
    dash_duo.start_server(demo_app, navigate=False)  # / redirects to /login
    sign_in(dash_duo, "admin")
    dash_duo.driver.get(dash_duo.server.url + "/admin/users")
    dash_duo.wait_for_element("#new-username", timeout=10).send_keys("nadia")
    dash_duo.find_element("#new-password").send_keys("nadia-long-password")
    dash_duo.find_element("#create-user").click()
    dash_duo.wait_for_contains_text("#users-feedback", "Created nadia", timeout=10)
    dash_duo.wait_for_contains_text("#users-list", "nadia", timeout=10)
    sign_out(dash_duo)
    sign_in(dash_duo, "nadia", "nadia-long-password")
    assert "nadia" in dash_duo.find_element("#user-menu").text
    assert dash_duo.get_logs() == []


def test_aut004_sign_out_works_from_every_page_by_mouse_and_by_keyboard_and_a_get_does_not_sign_out(dash_duo, demo_app):
    dash_duo.start_server(demo_app, navigate=False)  # / redirects to /login
    sign_in(dash_duo, "admin")
    links = dash_duo.find_elements("#main-nav > .nav-item > .nav-link:not(.dropdown-toggle)")
    paths = [link.get_attribute("pathname") for link in links]
    assert len(paths) == len(EXPECTED_MENU["admin"])
    for path in paths:
        dash_duo.driver.get(dash_duo.server.url + path)
        dash_duo.wait_for_element("#page-content h2, #page-content h3, #page-content h4", timeout=15)
        sign_out(dash_duo)
        dash_duo.driver.get(dash_duo.server.url + path)
        dash_duo.wait_for_element("#username", timeout=10)  # signed out for real: the page asks to sign in
        sign_in(dash_duo, "admin")

    # From the keyboard: focus the user menu, open it with Enter, arrow down to Sign out, press Enter.
    toggle = dash_duo.find_element("#user-menu .dropdown-toggle")
    toggle.send_keys(Keys.ENTER)
    dash_duo.wait_for_element("#sign-out", timeout=10)
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    assert dash_duo.driver.switch_to.active_element.get_attribute("id") == "sign-out"
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ENTER)
    dash_duo.wait_for_element("#username", timeout=10)

    # A GET of /logout (an old bookmark, a link on another site) only offers the button.
    sign_in(dash_duo, "admin")
    dash_duo.driver.get(dash_duo.server.url + "/logout")
    dash_duo.wait_for_element("#logout-submit", timeout=10)
    dash_duo.driver.get(dash_duo.server.url + "/")
    dash_duo.wait_for_element("#card-open-backorders", timeout=10)
    dash_duo.driver.get(dash_duo.server.url + "/logout")
    dash_duo.wait_for_element("#logout-submit", timeout=10).click()
    dash_duo.wait_for_element("#username", timeout=10)
    assert dash_duo.get_logs() == []
