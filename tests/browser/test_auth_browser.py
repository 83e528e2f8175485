"""Signing in as each role shows that role's pages and no others."""

import pytest

from tests.browser.conftest import sign_in

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
        dash_duo.driver.get(dash_duo.server.url + "/logout")
        dash_duo.wait_for_element("#username", timeout=10)
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
    dash_duo.driver.get(dash_duo.server.url + "/logout")
    sign_in(dash_duo, "nadia", "nadia-long-password")
    assert "nadia" in dash_duo.find_element("#user-menu").text
    assert dash_duo.get_logs() == []
