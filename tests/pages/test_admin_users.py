"""The Users page callback: clear messages for bad input, and nothing changed."""

import pytest
from sqlalchemy import func, select

from dashboard import context
from dashboard.db.models import AuditEvent, User
from tests.auth.test_gate import USERS_OUTPUT
from tests.conftest import post_callback


def _post(auth, app, button, **values):
    payload = {f"{button}.n_clicks": 1, **{f"{k.replace('_', '-')}.value": v for k, v in values.items()}}
    return post_callback(auth.client, app, USERS_OUTPUT, f"{button}.n_clicks", payload)


def _state(app):
    with context.current_for(app.server).db.read_session() as session:
        users = {u.username: (u.role.value, u.active) for u in session.scalars(select(User))}
        return users, session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.mark.parametrize(
    ("button", "values", "message"),
    [
        ("create-user", {"new_username": "kim", "new_password": "short", "new_role": "support"}, "at least 10"),
        (
            "create-user",
            {"new_username": "Kim Lee", "new_password": "long-password", "new_role": "support"},
            "username must be",
        ),
        (
            "create-user",
            {"new_username": "kim", "new_password": "long-password", "new_role": "overlord"},
            "role must be one of: admin, manager",
        ),
        ("apply-role", {"target_user": None, "target_role": "manager"}, "choose a user first"),
        ("deactivate-user", {"target_user": "admin"}, "cannot change your own role or deactivate yourself"),
        ("apply-role", {"target_user": "ghost", "target_role": "manager"}, "no user named"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(demo_app, auth, button, values, message):
    auth.login("admin")
    before = _state(demo_app)
    response = _post(auth, demo_app, button, **values)
    assert response.status_code == 200
    assert message in response.text
    assert _state(demo_app) == before


def test_set_role_and_deactivate_change_the_user_and_refresh_the_list(demo_app, auth):
    auth.login("admin")
    assert (
        "support is now manager"
        in _post(auth, demo_app, "apply-role", target_user="support", target_role="manager").text
    )
    assert "support is deactivated" in _post(auth, demo_app, "deactivate-user", target_user="support").text
    users, _ = _state(demo_app)
    assert users["support"] == ("manager", False)
