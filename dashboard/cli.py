"""The `backorder-desk` command line (also `python -m dashboard`)."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import click

from dashboard.config import Settings
from dashboard.db.engine import Database
from dashboard.domain.codes import Role


def _database(ctx: click.Context) -> Database:
    """One engine per command, disposed when the command ends (no connections left dangling)."""
    root = ctx.find_root()
    if "database" not in root.obj:
        root.obj["database"] = Database(root.obj["settings"].database_url)
        root.call_on_close(root.obj["database"].dispose)
    return root.obj["database"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Backorder Desk: stock, backorders and honest promises. DATABASE_URL picks the database."""
    ctx.ensure_object(dict)
    ctx.obj.setdefault("settings", Settings.from_env())


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to migrate to.")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Create or migrate the schema (SQLite or PostgreSQL)."""
    from dashboard.db.migrate import current_revision, upgrade

    database = _database(ctx)
    upgrade(database.engine, revision)
    click.echo(f"database at revision {current_revision(database.engine)}")


class _StageProgress:
    """Prints one updating line per stage, at most a few times a second."""

    def __init__(self) -> None:
        self.stage = ""
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
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


@main.command()
@click.option("--skus", default=400, show_default=True, type=click.IntRange(min=20), help="Number of SKUs.")
@click.option("--days", default=540, show_default=True, type=click.IntRange(min=60), help="Days of history.")
@click.option("--seed", default=42, show_default=True, type=int, help="Random seed; same seed, same data.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Last day of the data (default: today).")
@click.option("--replace", is_flag=True, help="Wipe existing data first (otherwise refuse).")
@click.pass_context
def demo(ctx: click.Context, skus: int, days: int, seed: int, today: dt.datetime | None, replace: bool) -> None:
    """Build a deterministic demo dataset that ends today (migrates the schema first)."""
    from dashboard.db.migrate import upgrade
    from dashboard.services.demo import DatabaseNotEmptyError, generate_demo

    settings: Settings = ctx.obj["settings"]
    database = _database(ctx)
    upgrade(database.engine)
    day = today.date() if today else settings.today()
    progress = _StageProgress()
    try:
        summary = generate_demo(
            database, skus=skus, days=days, seed=seed, today=day, replace=replace, progress=progress
        )
    except DatabaseNotEmptyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(err=True)
    from dashboard.services.metrics import refresh_metrics

    refresh_metrics(database, day, progress=progress, rebuild_kpis=True)
    click.echo(err=True)
    click.echo(
        f"demo data ending {day}: {summary.products:,} SKUs, {summary.order_lines:,} order lines, "
        f"{summary.purchase_orders:,} purchase orders, {summary.open_backorders:,} open backorders "
        f"({summary.rows:,} rows) in {time.monotonic() - progress.started:.1f}s"
    )


@main.command()
@click.option("--kpis", is_flag=True, help="Also rebuild every KPI table (kpi_daily and friends) from history.")
@click.pass_context
def refresh(ctx: click.Context, kpis: bool) -> None:
    """Recompute sku_metrics, the backorder projection and status advice; close ended KPI days.

    KPI counters are kept current by every action as it happens; --kpis recomputes them from scratch.
    """
    from dashboard.services.metrics import refresh_metrics

    settings: Settings = ctx.obj["settings"]
    progress = _StageProgress()
    summary = refresh_metrics(
        _database(ctx), settings.today(), progress=progress, handling_days=settings.handling_days, rebuild_kpis=kpis
    )
    click.echo(err=True)
    click.echo(
        f"refreshed {summary.pairs:,} SKU-warehouse pairs in {summary.seconds:.1f}s: "
        f"{summary.below_reorder_point:,} below reorder point, {summary.below_safety_stock:,} below safety stock, "
        f"{summary.stocked_out:,} stocked out; {summary.backorder_lines:,} waiting order lines projected"
        + ("; KPI counters rebuilt from history" if kpis else "")
    )


@main.command()
@click.option("--skus", default=100_000, show_default=True, type=click.IntRange(min=20), help="Generated size.")
@click.option("--repeat", default=30, show_default=True, type=click.IntRange(min=3), help="Timed runs each.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write results here.")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file to use (default data/bench-N.db, generated once and reused).",
)
@click.option("--only", help="Run only the scenarios whose name contains this text (case-insensitive).")
@click.pass_context
def bench(
    ctx: click.Context, skus: int, repeat: int, json_path: Path | None, db_path: Path | None, only: str | None
) -> None:
    """Time the dashboard's data callbacks through Dash against the raw-SQL floor and a pandas baseline."""
    from dashboard.bench import bench_database, run_bench, write_json

    settings: Settings = ctx.obj["settings"]
    database = bench_database(skus, db_path, settings.today(), click.echo)
    ctx.call_on_close(database.dispose)
    results = run_bench(database, repeat, click.echo, only)
    if json_path:
        write_json(json_path, database, results)
        click.echo(f"wrote {json_path}")


@main.group()
def users() -> None:
    """Manage who can sign in (a production database starts with none)."""


CLI_ACTOR_NAME = "cli"


def _user_change(ctx: click.Context, change, *args) -> None:
    from dashboard.auth.users import Actor, UserError

    try:
        with _database(ctx).write_session() as session:
            user = change(session, Actor(CLI_ACTOR_NAME), *args)
            click.echo(f"{user.username}: role {user.role.value}, {'active' if user.active else 'deactivated'}")
    except (UserError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(Role.values()), help="What the user may do.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.pass_context
def users_create(ctx: click.Context, username: str, role: str, password_stdin: bool) -> None:
    """Create a user; the password is prompted for (hidden) unless --password-stdin."""
    from dashboard.auth.users import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _user_change(ctx, create_user, username, password, role)


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """List users with their role and state."""
    from dashboard.auth.users import list_users

    with _database(ctx).read_session() as session:
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
    from dashboard.auth.users import set_role

    _user_change(ctx, set_role, username, role)


@users.command("deactivate")
@click.argument("username")
@click.pass_context
def users_deactivate(ctx: click.Context, username: str) -> None:
    """Stop a user signing in; an open session ends on its next request."""
    from dashboard.auth.users import set_active

    _user_change(ctx, set_active, username, False)


@users.command("activate")
@click.argument("username")
@click.pass_context
def users_activate(ctx: click.Context, username: str) -> None:
    """Let a deactivated user sign in again."""
    from dashboard.auth.users import set_active

    _user_change(ctx, set_active, username, True)


@main.command("check")
@click.option("--offline", is_flag=True, help="Judge the settings only; open no connections.")
@click.pass_context
def check_command(ctx: click.Context, offline: bool) -> None:
    """Check the configuration for production and that the database, Redis, Celery and SMTP answer."""
    from dashboard.checks import OK, PROBLEM, configuration, connections

    settings: Settings = ctx.find_root().obj["settings"]
    found = configuration(settings) + ([] if offline else connections(settings))
    marks = {OK: "ok     ", "warning": "warning", PROBLEM: "PROBLEM"}
    for check in found:
        click.echo(f"{marks[check.level]}  {check.part:<9} {check.message}")
    problems = sum(check.level == PROBLEM for check in found)
    if problems:
        raise click.ClickException(f"{problems} problem(s): fix them before serving")
    click.echo("ready to serve")


@main.command("serve")
@click.option("--bind", default=None, help="HOST:PORT to listen on (default: HOST and PORT from the environment).")
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None, help="Worker processes (default 2 × cores + 1, ≤ 8)."
)
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True, help="Threads per worker.")
@click.option(
    "--timeout",
    type=click.IntRange(10, 3600),
    default=120,
    show_default=True,
    help="Seconds before a stuck worker is replaced.",
)
@click.pass_context
def serve_command(ctx: click.Context, bind: str | None, workers: int | None, threads: int, timeout: int) -> None:
    """Serve the app with gunicorn and several workers (production; `python app.py` is for development)."""
    from dashboard import create_app
    from dashboard.config import ConfigurationError
    from dashboard.serve import default_workers, serve

    settings: Settings = ctx.find_root().obj["settings"]
    from dashboard.services.setup import SchemaOutOfDateError

    try:
        app = create_app(settings)
    except (ConfigurationError, SchemaOutOfDateError) as exc:
        raise click.ClickException(str(exc)) from exc
    serve(app, bind or f"{settings.host}:{settings.port}", workers or default_workers(), threads, timeout)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def _register_manager_commands() -> None:
    from dashboard.cli_manage import (
        eta_command,
        import_command,
        notify_command,
        receive_command,
        status_command,
        tokens_group,
    )

    main.add_command(eta_command)
    main.add_command(import_command)
    main.add_command(notify_command)
    main.add_command(tokens_group)
    main.add_command(receive_command)
    main.add_command(status_command)


_register_manager_commands()
