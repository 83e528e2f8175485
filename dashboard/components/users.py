"""Builders for the Users page."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import formats
from dashboard.db.models import User
from dashboard.domain.codes import Role

ROLE_OPTIONS = [{"label": role.label, "value": role.value} for role in Role]


def make_users_table(users: Sequence[User]) -> dbc.Table:
    """One row per user: name, role badge, active state, created date."""
    rows = [
        html.Tr(
            [
                html.Td(user.username, className="fw-semibold"),
                html.Td(dbc.Badge(user.role.label, color=user.role.colour)),
                html.Td(
                    dbc.Badge("Active", color="success") if user.active else dbc.Badge("Deactivated", color="secondary")
                ),
                html.Td(formats.day(user.created_at)),
            ]
        )
        for user in users
    ]
    header = html.Thead(html.Tr([html.Th("User"), html.Th("Role"), html.Th("State"), html.Th("Created")]))
    return dbc.Table([header, html.Tbody(rows)], hover=True, className="bg-white mb-0", id="users-list")


def make_user_options(usernames: Sequence[str]) -> list[dict[str, str]]:
    """Options for the user picker."""
    return [{"label": name, "value": name} for name in usernames]


def make_user_forms(usernames: Sequence[str]) -> html.Div:
    """A form to add a user and one to change an existing user's role or access."""
    user_options = make_user_options(usernames)
    create = dbc.Card(
        [
            dbc.CardHeader("Add a user", className="fw-semibold"),
            dbc.CardBody(
                [
                    dbc.Label("Username", html_for="new-username"),
                    dbc.Input(id="new-username", autocomplete="off", className="mb-2"),
                    dbc.Label("Password (at least 10 characters)", html_for="new-password"),
                    dbc.Input(id="new-password", type="password", autocomplete="new-password", className="mb-2"),
                    dbc.Label("Role", html_for="new-role"),
                    dbc.Select(id="new-role", options=ROLE_OPTIONS, value=Role.SUPPORT.value, className="mb-3"),
                    dbc.Button("Add user", id="create-user", color="primary"),
                ]
            ),
        ],
        className="mb-3",
    )
    change = dbc.Card(
        [
            dbc.CardHeader("Change a user", className="fw-semibold"),
            dbc.CardBody(
                [
                    dbc.Label("User", html_for="target-user"),
                    dbc.Select(id="target-user", options=user_options, placeholder="Choose a user…", className="mb-2"),
                    dbc.Label("New role", html_for="target-role"),
                    dbc.Select(id="target-role", options=ROLE_OPTIONS, value=Role.SUPPORT.value, className="mb-3"),
                    html.Div(
                        [
                            dbc.Button("Set role", id="apply-role", color="primary"),
                            dbc.Button("Deactivate", id="deactivate-user", color="danger", outline=True),
                            dbc.Button("Reactivate", id="reactivate-user", color="secondary", outline=True),
                        ],
                        className="d-flex gap-2 flex-wrap",
                    ),
                ]
            ),
        ]
    )
    return html.Div([create, change])
