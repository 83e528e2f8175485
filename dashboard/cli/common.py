"""What every subcommand shares: the settings, one database per command, the acting manager, progress lines."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.config import Settings
from dashboard.db.engine import Database
from dashboard.db.models import User
from dashboard.domain.codes import Role
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit.trail import Actor
from dashboard.services.unit_of_work import UnitOfWork, unit_of_work

MANAGING_ROLES = (Role.MANAGER, Role.ADMIN)
# Who the audit log names for account and token changes made at the command line.
CLI_ACTOR_NAME = "cli"


class CommandGroup(click.Group):
    """The root group: a refusal from any service ends the command with its reason, exit code 1, no traceback."""

    def invoke(self, ctx: click.Context) -> object:
        """Run the subcommand; a :class:`RefusedError` becomes click's plain error."""
        try:
            return super().invoke(ctx)
        except RefusedError as exc:
            raise click.ClickException(str(exc)) from exc


def settings_of(ctx: click.Context) -> Settings:
    """The settings the root command read from the environment."""
    return ctx.find_root().obj["settings"]


def database_of(ctx: click.Context) -> Database:
    """One engine per command, disposed when the command ends (no connections left dangling)."""
    root = ctx.find_root()
    if "database" not in root.obj:
        root.obj["database"] = Database(root.obj["settings"].database_url)
        root.call_on_close(root.obj["database"].dispose)
    return root.obj["database"]


def acting_manager(session: Session, username: str) -> Actor:
    """The named user, who must be an active manager or admin: the CLI acts in their name."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(f"no active user named {username!r}")
    if user.role not in MANAGING_ROLES:
        raise click.ClickException(f"{username} is {user.role.label.lower()}; only managers and admins may do this")
    return Actor(user.username, user.id)


class StageProgress:
    """Prints one updating line per stage, at most a few times a second."""

    def __init__(self) -> None:
        self.stage = ""
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Report that ``stage`` has done ``done`` of ``total``."""
        now = time.monotonic()
        if stage != self.stage:
            if self.stage:
                click.echo(err=True)
            self.stage = stage
        elif now - self.last < 0.25 and done < total:
            return
        self.last = now
        pct = 100 * done / total if total else 100
        click.echo(
            f"\r[{now - self.started:6.1f}s] {stage:<28} {done:>12,}/{total:,} ({pct:5.1f}%)", nl=False, err=True
        )


def action(ctx: click.Context, username: str | None = None) -> AbstractContextManager[UnitOfWork]:
    """One write, one transaction, the same pipeline as a page's button: as the named manager, or as "cli"."""
    settings = settings_of(ctx)
    actor = Actor(CLI_ACTOR_NAME) if username is None else (lambda session: acting_manager(session, username))
    return unit_of_work(database_of(ctx), actor, settings.today(), settings.handling_days)
