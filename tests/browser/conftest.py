"""Browser helpers: sign in through the real form, sign out through the navbar's."""

import pytest


def sign_in(dash_duo, username: str, password: str | None = None) -> None:
    """Open /login, fill the form, submit, and wait for the app shell."""
    dash_duo.driver.get(dash_duo.server.url + "/login")
    dash_duo.wait_for_element("#username", timeout=10).send_keys(username)
    dash_duo.find_element("#password").send_keys(password or f"demo-{username}")
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#user-menu", timeout=15)


def sign_out(dash_duo) -> None:
    """Open the user menu, press Sign out (a form POST with its CSRF token), and wait for the login form."""
    dash_duo.find_element("#user-menu .dropdown-toggle").click()
    dash_duo.wait_for_element("#sign-out", timeout=10).click()
    dash_duo.wait_for_element("#username", timeout=10)


@pytest.fixture
def signed_in(dash_duo, demo_app):
    """Start the demo app and return a function that signs in as a given user."""
    dash_duo.start_server(demo_app, navigate=False)  # / redirects to /login

    def _sign_in(username: str) -> None:
        sign_in(dash_duo, username)

    return _sign_in
