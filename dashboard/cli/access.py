"""`users` and `tokens`: who may sign in, and which integrations may call /api/v1."""

from __future__ import annotations

import sys

import click

from dashboard.cli.common import action, database_of
from dashboard.domain.codes import Role
from dashboard.services.comms import storefront
from dashboard.services.users.accounts import create_user, list_users, set_active, set_role


@click.group()
def users() -> None:
    """Manage who can sign in (a production database starts with none)."""


def _user_change(ctx: click.Context, change, *args) -> None:
    with action(ctx) as work:
        user = change(work.session, work.actor, *args)
        click.echo(f"{user.username}: role {user.role.value}, {'active' if user.active else 'deactivated'}")


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(Role.values()), help="What the user may do.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.pass_context
def users_create(ctx: click.Context, username: str, role: str, password_stdin: bool) -> None:
    """Create a user; the password is prompted for (hidden) unless --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _user_change(ctx, create_user, username, password, role)


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """List users with their role and state."""
    with database_of(ctx).read_session() as session:
        rows = list_users(session)
    if not rows:
        click.echo("no users yet: create one with `backorder-desk users create NAME --role admin`")
    for user in rows:
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.username:<24} {user.role.value:<10} {state:<12} created {user.created_at:%Y-%m-%d}")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(Role.values()))
@click.pass_context
def users_set_role(ctx: click.Context, username: str, role: str) -> None:
    """Change a user's role (applies on their next request)."""
    _user_change(ctx, set_role, username, role)


@users.command("deactivate")
@click.argument("username")
@click.pass_context
def users_deactivate(ctx: click.Context, username: str) -> None:
    """Stop a user signing in; an open session ends on its next request."""
    _user_change(ctx, set_active, username, False)


@users.command("activate")
@click.argument("username")
@click.pass_context
def users_activate(ctx: click.Context, username: str) -> None:
    """Let a deactivated user sign in again."""
    _user_change(ctx, set_active, username, True)


@click.group("tokens")
def tokens_group() -> None:
    """API tokens for /api/v1 (the storefront feed and notify-me subscriptions)."""


@tokens_group.command("create")
@click.argument("name")
@click.pass_context
def tokens_create(ctx, name) -> None:
    """Create a token and print it once (only its hash is stored)."""
    with action(ctx) as work:
        token = storefront.create_token(work.session, name)
    click.echo(token)
    click.echo(f"token {name!r} created; store it now, it cannot be shown again", err=True)


@tokens_group.command("revoke")
@click.argument("name")
@click.pass_context
def tokens_revoke(ctx, name) -> None:
    """Revoke the token(s) of that name; requests with it get 401 from now on."""
    with action(ctx) as work:
        count = storefront.revoke_token(work.session, name)
    click.echo(f"revoked {count} token(s) named {name!r}")
