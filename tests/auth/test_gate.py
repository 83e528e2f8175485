"""Everything is behind sign-in, and callbacks check roles on the server before they run."""

import time

import pytest
from dash import Input, Output
from sqlalchemy import func, select, text

from dashboard import context
from dashboard.auth.roles import allow_roles
from dashboard.db.models import AuditEvent, Notification, User
from dashboard.domain.codes import Role
from tests.conftest import post_callback

USERS_OUTPUT = "..users-feedback.children...users-table.children...new-password.value...target-user.options.."
CREATE_VALUES = {"new-username.value": "intruder", "new-password.value": "a-long-password", "new-role.value": "admin"}


def _counts(app):
    with context.current_for(app.server).db.read_session() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) for model in (User, AuditEvent, Notification)
        )


class TestAnonymous:
    @pytest.mark.parametrize("path", ["/", "/admin/users", "/_dash-layout", "/_dash-dependencies", "/anything"])
    def test_browser_requests_are_sent_to_login(self, client, path):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")

    @pytest.mark.parametrize("path", ["/login", "/healthz", "/readyz", "/assets/app.css"])
    def test_public_paths_answer_without_sign_in(self, client, path):
        with client.get(path) as response:
            assert response.status_code == 200

    def test_api_paths_are_left_to_token_auth(self, client):
        # The gate never sends /api/v1 to an HTML login page: the API answers for itself with 401 JSON.
        response = client.get("/api/v1/availability")
        assert response.status_code == 401 and response.is_json
        assert "Location" not in response.headers
        assert client.get("/api/v1/no-such-thing").status_code == 404

    def test_callback_posts_get_401_and_change_nothing(self, demo_app, client):
        before = _counts(demo_app)
        response = post_callback(
            client, demo_app, USERS_OUTPUT, "create-user.n_clicks", {"create-user.n_clicks": 1, **CREATE_VALUES}
        )
        assert response.status_code == 401
        assert _counts(demo_app) == before

    def test_a_forged_pathname_input_does_not_open_the_door(self, demo_app, client):
        client.get("/_dash-dependencies")
        body = {
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": "/login"},
                {"id": "_pages_location", "property": "search", "value": ""},
            ],
            "state": [],
            "changedPropIds": ["_pages_location.pathname"],
        }
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 401
        assert "Overview" not in response.text


class TestCallbackRoles:
    def test_an_executive_posting_to_a_write_callback_gets_403_and_nothing_is_written(self, demo_app, auth):
        auth.login("executive")
        before = _counts(demo_app)
        response = post_callback(
            auth.client, demo_app, USERS_OUTPUT, "create-user.n_clicks", {"create-user.n_clicks": 1, **CREATE_VALUES}
        )
        assert response.status_code == 403
        assert "admins" in response.json["message"]
        assert _counts(demo_app) == before

    def test_the_allowed_role_can_write(self, demo_app, auth):
        auth.login("admin")
        response = post_callback(
            auth.client, demo_app, USERS_OUTPUT, "create-user.n_clicks", {"create-user.n_clicks": 1, **CREATE_VALUES}
        )
        assert response.status_code == 200
        assert "Created intruder" in response.text
        users, events, _ = _counts(demo_app)
        assert users == 5 and events >= 1

    def test_support_on_a_manager_only_callback_gets_403_even_with_an_error_handler(self, demo_app, auth):
        calls = []

        @allow_roles(Role.MANAGER, writes=True)
        def manager_only(n_clicks):
            calls.append(n_clicks)
            return "done"

        demo_app.callback(Output("test-out", "children"), Input("test-button", "n_clicks"))(manager_only)
        # The app-wide on_error (installed by create_app) would swallow an exception raised in a callback.
        assert demo_app._on_error is not None
        auth.login("support")
        denied = post_callback(
            auth.client, demo_app, "test-out.children", "test-button.n_clicks", {"test-button.n_clicks": 1}
        )
        assert denied.status_code == 403
        assert calls == []
        auth.logout()
        auth.login("manager")
        allowed = post_callback(
            auth.client, demo_app, "test-out.children", "test-button.n_clicks", {"test-button.n_clicks": 1}
        )
        assert allowed.status_code == 200
        assert calls == [1]

    def test_a_callback_without_a_declaration_is_refused(self, demo_app, auth):
        demo_app.callback(Output("bare-out", "children"), Input("bare-button", "n_clicks"))(lambda n: "ran")
        auth.login("admin")
        response = post_callback(
            auth.client, demo_app, "bare-out.children", "bare-button.n_clicks", {"bare-button.n_clicks": 1}
        )
        assert response.status_code == 403

    @pytest.mark.parametrize("body", [None, {"output": 5}, {"output": "no-such.children"}, [1, 2]])
    def test_malformed_callback_bodies_get_400(self, auth, body):
        auth.login("admin")
        auth.client.get("/_dash-dependencies")
        assert auth.client.post("/_dash-update-component", json=body).status_code == 400


class TestRolesAreReadEachRequest:
    def test_a_role_change_applies_on_the_next_request(self, demo_app, auth):
        auth.login("admin")
        values = {"create-user.n_clicks": 1, **CREATE_VALUES}
        with context.current_for(demo_app.server).db.write_session() as session:
            session.scalar(select(User).where(User.username == "admin")).role = Role.EXECUTIVE
        assert post_callback(auth.client, demo_app, USERS_OUTPUT, "create-user.n_clicks", values).status_code == 403

    def test_deactivation_signs_the_user_out_on_the_next_request(self, demo_app, auth):
        auth.login("support")
        assert auth.client.get("/").status_code == 200
        with context.current_for(demo_app.server).db.write_session() as session:
            session.scalar(select(User).where(User.username == "support")).active = False
        assert auth.client.get("/").status_code == 302
        assert auth.login("support").status_code == 401

    def test_reading_the_user_does_not_wait_for_a_writer(self, demo_app, auth):
        # A metrics refresh holds SQLite's write lock for its whole rewrite; the per-request user lookup
        # must not queue behind it (busy_timeout is 15 s) but read the last committed state.
        auth.login("manager")
        with context.current_for(demo_app.server).db.write_session() as writer:
            writer.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: this connection now holds the write lock
            started = time.monotonic()
            assert auth.client.get("/_dash-layout").status_code == 200
            assert time.monotonic() - started < 2


def test_an_unknown_component_bundle_is_a_404_not_a_server_error(client):
    with client.get("/_dash-component-suites/no_such_package/x.js") as response:
        assert response.status_code == 404
