"""`bench`: time the dashboard's data callbacks on a generated database."""

from __future__ import annotations

from pathlib import Path

import click

from dashboard.bench.data import bench_database
from dashboard.bench.run import run_bench, write_json
from dashboard.cli.common import settings_of


@click.command()
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
    settings = settings_of(ctx)
    database = bench_database(skus, db_path, settings.today(), click.echo)
    ctx.call_on_close(database.dispose)
    results = run_bench(database, repeat, click.echo, only)
    if json_path:
        write_json(json_path, database, results)
        click.echo(f"wrote {json_path}")
