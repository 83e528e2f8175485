"""`check` and `serve`: is this configuration fit for production, and serving it with gunicorn."""

from __future__ import annotations

import click

from dashboard import create_app
from dashboard.checks import OK, PROBLEM, configuration, connections
from dashboard.cli.common import settings_of
from dashboard.config import ConfigurationError
from dashboard.serve import default_workers, serve
from dashboard.services.setup import SchemaOutOfDateError


@click.command("check")
@click.option("--offline", is_flag=True, help="Judge the settings only; open no connections.")
@click.pass_context
def check_command(ctx: click.Context, offline: bool) -> None:
    """Check the configuration for production and that the database, Redis, Celery and SMTP answer."""
    settings = settings_of(ctx)
    found = configuration(settings) + ([] if offline else connections(settings))
    marks = {OK: "ok     ", "warning": "warning", PROBLEM: "PROBLEM"}
    for check in found:
        click.echo(f"{marks[check.level]}  {check.part:<9} {check.message}")
    problems = sum(check.level == PROBLEM for check in found)
    if problems:
        raise click.ClickException(f"{problems} problem(s): fix them before serving")
    click.echo("ready to serve")


@click.command("serve")
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
    settings = settings_of(ctx)
    try:
        app = create_app(settings)
    except (ConfigurationError, SchemaOutOfDateError) as exc:
        raise click.ClickException(str(exc)) from exc
    serve(app, bind or f"{settings.host}:{settings.port}", workers or default_workers(), threads, timeout)
