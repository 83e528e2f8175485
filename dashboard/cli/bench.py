"""`bench`: time the dashboard's data callbacks on a generated database."""

from __future__ import annotations

from pathlib import Path

import click

from dashboard.bench import sales_import
from dashboard.bench.data import bench_database
from dashboard.bench.purchasing import time_drafting
from dashboard.bench.refresh import time_refreshes
from dashboard.bench.run import run_bench, write_json
from dashboard.cli.common import settings_of
from dashboard.config import DATA_DIR


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


@click.command("bench-sales")
@click.option("--lines", default=1_000_000, show_default=True, type=click.IntRange(min=1), help="Sales lines.")
@click.option("--skus", default=20_000, show_default=True, type=click.IntRange(min=1), help="Products they sell.")
@click.option(
    "--url",
    default=None,
    help="An EMPTY database to import into (e.g. a fresh PostgreSQL database); default a new SQLite file.",
)
@click.option(
    "--file",
    "file_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The CSV to write (default data/bench-sales-N.csv, generated once and reused).",
)
@click.pass_context
def bench_sales(ctx: click.Context, lines: int, skus: int, url: str | None, file_path: Path | None) -> None:
    """Time `import sales` on a generated history of LINES lines: the first import, then the same file again."""
    today = settings_of(ctx).today()
    path = file_path or DATA_DIR / f"bench-sales-{lines}.csv"
    if not path.exists():
        click.echo(f"writing {lines:,} sales lines over {skus:,} SKUs to {path}…")
        sales_import.write_sales_file(path, lines, skus, today)
    if url is None:
        target = DATA_DIR / f"bench-sales-{lines}.db"
        target.unlink(missing_ok=True)  # a fresh database every run: the first import must find nothing
        url = f"sqlite:///{target}"
    sales_import.prepare_database(url, skus)
    first = sales_import.time_import(url, path, today, click.echo)
    again = sales_import.time_import(url, path, today, click.echo)
    click.echo(f"first import: {first.seconds:.1f} s ({lines / first.seconds:,.0f} lines/s)")
    click.echo(f"same file again: {again.seconds:.1f} s ({lines / again.seconds:,.0f} lines/s)")


@click.command("bench-refresh")
@click.option("--skus", default=100_000, show_default=True, type=click.IntRange(min=20), help="Generated size.")
@click.option("--samples", default=20, show_default=True, type=click.IntRange(min=1), help="Single-SKU refreshes.")
@click.option("--full/--no-full", default=True, show_default=True, help="Also time one full refresh first.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help="SQLite file to use.")
@click.pass_context
def bench_refresh(ctx: click.Context, skus: int, samples: int, full: bool, db_path: Path | None) -> None:
    """Time a full metrics refresh with forecast selection, then refreshes of single SKUs after a change."""
    settings = settings_of(ctx)
    database = bench_database(skus, db_path, settings.today(), click.echo)
    ctx.call_on_close(database.dispose)
    time_refreshes(database, settings.today(), samples, full, click.echo)


@click.command("bench-purchasing")
@click.option("--skus", default=100_000, show_default=True, type=click.IntRange(min=20), help="Generated size.")
@click.option("--suggestions", default=10_000, show_default=True, type=click.IntRange(min=1), help="Pairs to draft.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help="SQLite file to use.")
@click.pass_context
def bench_purchasing(ctx: click.Context, skus: int, suggestions: int, db_path: Path | None) -> None:
    """Time drafting purchase orders for N suggestions in one transaction, then roll it back."""
    settings = settings_of(ctx)
    database = bench_database(skus, db_path, settings.today(), click.echo)
    ctx.call_on_close(database.dispose)
    time_drafting(database, settings.today(), suggestions, click.echo)
