"""Users (admins): who can sign in, with which role; create, change role, deactivate."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, html
from flask_login import current_user

from dashboard import context
from dashboard.auth.roles import allow_roles, current_actor
from dashboard.components.users import make_user_forms, make_user_options, make_users_table
from dashboard.domain import inputs
from dashboard.domain.codes import Role
from dashboard.domain.inputs import RefusedError
from dashboard.services.users.accounts import UserError, create_user, list_users, set_active, set_role

dash.register_page(
    __name__,
    path="/admin/users",
    name="Users",
    title="Users · Backorder Desk",
    nav_order=90,
    allowed_roles=[Role.ADMIN],
)


def _users_table_and_options() -> tuple[object, list[dict[str, str]]]:
    with context.current().db.read_session() as session:
        users = list_users(session)
    return make_users_table(users), make_user_options([u.username for u in users])


def layout(**_query: str) -> html.Div:
    """The user list and the forms that change it."""
    table, options = _users_table_and_options()
    return html.Div(
        [
            html.H2("Users"),
            html.P(
                "Roles decide what each person may see and change. Changes apply on their next click.",
                className="text-body-secondary",
            ),
            html.Div(id="users-feedback"),
            dbc.Row(
                [
                    dbc.Col(html.Div(table, id="users-table"), lg=7, className="mb-3"),
                    dbc.Col(make_user_forms([o["value"] for o in options]), lg=5),
                ]
            ),
        ]
    )


@callback(
    Output("users-feedback", "children"),
    Output("users-table", "children"),
    Output("new-password", "value"),
    Output("target-user", "options"),
    Input("create-user", "n_clicks"),
    Input("apply-role", "n_clicks"),
    Input("deactivate-user", "n_clicks"),
    Input("reactivate-user", "n_clicks"),
    State("new-username", "value"),
    State("new-password", "value"),
    State("new-role", "value"),
    State("target-user", "value"),
    State("target-role", "value"),
    prevent_initial_call=True,
)
@allow_roles(Role.ADMIN, writes=True)
def change_users(_create, _role, _deactivate, _reactivate, username, password, new_role, target, target_role):
    """Validate, apply one change in one transaction, and show what happened."""
    actor = current_actor()
    action = ctx.triggered_id
    try:
        username = (inputs.text(username, "username", max_length=64) or "").lower()
        password = inputs.secret(password, "password")
        new_role = inputs.choice(new_role, "role", Role.values(), optional=True)
        target_role = inputs.choice(target_role, "role", Role.values(), optional=True)
        target = inputs.text(target, "user", max_length=64)
        with context.current().unit_of_work(actor) as work:
            session = work.session
            if action == "create-user":
                user = create_user(session, actor, username, password, new_role or "")
                message = f"Created {user.username} ({user.role.label.lower()})."
            elif not target:
                raise UserError("choose a user first")
            elif target == current_user.username and action != "reactivate-user":
                raise UserError("you cannot change your own role or deactivate yourself")
            elif action == "apply-role":
                user = set_role(session, actor, target, target_role or "")
                message = f"{user.username} is now {user.role.label.lower()}."
            else:
                user = set_active(session, actor, target, action == "reactivate-user")
                message = f"{user.username} is {'active' if user.active else 'deactivated'}."
    except RefusedError as exc:
        return dbc.Alert(str(exc), color="danger", dismissable=True), dash.no_update, dash.no_update, dash.no_update
    table, options = _users_table_and_options()
    return dbc.Alert(message, color="success", dismissable=True), table, "", options
