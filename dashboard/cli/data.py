"""`db upgrade`, `demo` and `refresh`: the schema, demo data and the derived tables."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import click

from dashboard.cli.common import StageProgress, database_of, settings_of
from dashboard.db.migrate import current_revision, upgrade
from dashboard.services.demo import DatabaseNotEmptyError, generate_demo
from dashboard.services.derived.backtest import format_report, run_backtest
from dashboard.services.derived.partial import UnknownSkuError, refresh_skus
from dashboard.services.derived.refresh import refresh_metrics


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to migrate to.")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Create or migrate the schema (SQLite or PostgreSQL)."""
    database = database_of(ctx)
    upgrade(database.engine, revision)
    click.echo(f"database at revision {current_revision(database.engine)}")


@click.command()
@click.option("--skus", default=400, show_default=True, type=click.IntRange(min=20), help="Number of SKUs.")
@click.option("--days", default=540, show_default=True, type=click.IntRange(min=60), help="Days of history.")
@click.option("--seed", default=42, show_default=True, type=int, help="Random seed; same seed, same data.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Last day of the data (default: today).")
@click.option("--replace", is_flag=True, help="Wipe existing data first (otherwise refuse).")
@click.pass_context
def demo(ctx: click.Context, skus: int, days: int, seed: int, today: dt.datetime | None, replace: bool) -> None:
    """Build a deterministic demo dataset that ends today (migrates the schema first)."""
    settings = settings_of(ctx)
    database = database_of(ctx)
    upgrade(database.engine)
    day = today.date() if today else settings.today()
    progress = StageProgress()
    try:
        summary = generate_demo(
            database, skus=skus, days=days, seed=seed, today=day, replace=replace, progress=progress
        )
    except DatabaseNotEmptyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(err=True)
    refresh_metrics(database, day, progress=progress, rebuild_kpis=True)
    click.echo(err=True)
    click.echo(
        f"demo data ending {day}: {summary.products:,} SKUs, {summary.order_lines:,} order lines, "
        f"{summary.purchase_orders:,} purchase orders, {summary.open_backorders:,} open backorders "
        f"({summary.rows:,} rows) in {time.monotonic() - progress.started:.1f}s"
    )


@click.command()
@click.option("--kpis", is_flag=True, help="Also rebuild every KPI table (kpi_daily and friends) from history.")
@click.option(
    "--sku",
    "skus",
    multiple=True,
    help="Recompute only this SKU's metrics (all its warehouses); repeat for several. Seconds, not minutes.",
)
@click.pass_context
def refresh(ctx: click.Context, kpis: bool, skus: tuple[str, ...]) -> None:
    """Recompute sku_metrics, the backorder projection and status advice; close ended KPI days.

    KPI counters are kept current by every action as it happens; --kpis recomputes them from scratch.
    With --sku, only those SKUs' metrics and the summary cards they count in (the rest, the
    projection and the KPIs wait for the next full refresh).
    """
    settings = settings_of(ctx)
    if skus:
        if kpis:
            raise click.UsageError("--kpis rebuilds every KPI table; it cannot be limited to some SKUs")
        try:
            done = refresh_skus(database_of(ctx), settings.today(), list(skus))
        except UnknownSkuError as error:
            raise click.ClickException(str(error)) from error
        click.echo(
            f"refreshed {done.pairs:,} SKU-warehouse pairs of {done.products:,} SKUs in {done.seconds:.2f}s: "
            f"{done.below_reorder_point:,} to reorder now"
        )
        return
    progress = StageProgress()
    summary = refresh_metrics(
        database_of(ctx), settings.today(), progress=progress, handling_days=settings.handling_days, rebuild_kpis=kpis
    )
    click.echo(err=True)
    click.echo(
        f"refreshed {summary.pairs:,} SKU-warehouse pairs in {summary.seconds:.1f}s: "
        f"{summary.below_reorder_point:,} to reorder now, {summary.below_safety_stock:,} below safety stock, "
        f"{summary.stocked_out:,} stocked out; {summary.backorder_lines:,} waiting order lines projected"
        + ("; KPI counters rebuilt from history" if kpis else "")
    )


@click.command()
@click.option("--weeks", default=13, show_default=True, type=click.IntRange(1, 104), help="Weekly cutoffs to replay.")
@click.option(
    "--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report here."
)
@click.pass_context
def backtest(ctx: click.Context, weeks: int, json_path: Path | None) -> None:
    """Replay the reorder math at past weekly cutoffs: forecast error and achieved service level (read only)."""
    settings = settings_of(ctx)
    with database_of(ctx).read_session() as session:
        report = run_backtest(session, settings.today(), weeks)
    for line in format_report(report):
        click.echo(line)
    if json_path:
        json_path.write_text(json.dumps(report.as_json(), indent=2), encoding="utf-8")
        click.echo(f"report written to {json_path}")
