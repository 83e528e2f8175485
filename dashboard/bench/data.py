"""The benchmark's database: generated once per size and reused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from dashboard.config import DATA_DIR
from dashboard.db.engine import Database
from dashboard.db.migrate import upgrade
from dashboard.db.models import DEMO_DATASET_KEY, AppSetting, OrderLine, Product
from dashboard.services.demo import generate_demo
from dashboard.services.derived.refresh import refresh_metrics
from dashboard.services.kpis import events as kpi_events
from dashboard.services.kpis import rebuild as kpi_rebuild


def bench_database(skus: int, path: Path | None, today: dt.date, echo: Callable[[str], None]) -> Database:
    """A generated database of ``skus`` SKUs, reused if one of that size already exists."""
    path = path or DATA_DIR / f"bench-{skus}.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database.engine)
    with database.read_session() as session:
        marker = session.scalar(select(AppSetting.value).where(AppSetting.key == DEMO_DATASET_KEY))
    if not marker or marker.get("skus") != skus:
        echo(f"generating {skus:,} SKUs into {path} (once; later runs reuse it)…")
        generate_demo(database, skus=skus, today=today, replace=bool(marker))
        refresh_metrics(database, today, rebuild_kpis=True)
    with database.write_session() as session:
        # A database generated before the KPI tables existed gets its counters once.
        if kpi_events.closed_through(session) is None:
            echo("counting KPIs from history (once)…")
            kpi_rebuild.rebuild_kpis(session, today)
    return database


def dataset_summary(database: Database) -> dict[str, int]:
    """Size of the benchmarked data."""
    with database.read_session() as session:
        return {
            "skus": session.scalar(select(func.count()).select_from(Product)) or 0,
            "order_lines": session.scalar(select(func.count()).select_from(OrderLine)) or 0,
        }
