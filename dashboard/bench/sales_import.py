"""Timing the ``sales`` import (issue 19): a generated history file imported twice through the real command.

The file is what an ERP's sales history looks like: numbered orders of one to three lines over
the last year, spread over a catalog of ``skus`` SKUs and a few warehouses, with ship dates,
channels, prices, customers and a few returns. The database gets only what the import needs
(warehouses, products and a manager). Both imports run as ``backorder-desk import sales FILE``
in a child process, so the time is what a person waits for, from start-up to the summary (the
metrics refresh after the first import included).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dashboard.db.bulk import insert_rows
from dashboard.db.engine import Database
from dashboard.db.migrate import upgrade
from dashboard.db.models import Product, User, Warehouse
from dashboard.domain.codes import Role, SalesStatus, Substitutability

HEADER = (
    "order_number",
    "sku",
    "warehouse_code",
    "qty",
    "sold_at",
    "shipped_at",
    "channel",
    "unit_price",
    "customer",
    "returned_qty",
)
WAREHOUSES = ("W1", "W2", "W3")
CHANNELS = ("web", "web", "web", "pos", "amazon")
BENCH_USER = "bench"


@dataclass(frozen=True)
class Timing:
    """One run of the import command: seconds on the wall clock and the summary line it printed."""

    seconds: float
    summary: str


def write_sales_file(path: Path, lines: int, skus: int, today: dt.date, seed: int = 19) -> None:
    """``lines`` sales lines of the year before ``today`` as a ``sales`` CSV (template columns)."""
    rng = random.Random(seed)
    start = dt.datetime.combine(today - dt.timedelta(days=365), dt.time(), dt.UTC)
    span = 365 * 86_400 - 1
    written, order = 0, 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        while written < lines:
            order += 1
            sold = start + dt.timedelta(seconds=rng.randrange(span))
            shipped = sold + dt.timedelta(hours=rng.randrange(2, 72))
            if shipped.date() > today:
                shipped = None
            warehouse, channel = rng.choice(WAREHOUSES), rng.choice(CHANNELS)
            customer = f"C{rng.randrange(200_000):06d}"
            count = min(rng.choice((1, 1, 2, 3)), lines - written)
            for sku in rng.sample(range(skus), count) if count <= skus else [0] * count:
                qty = rng.choice((1, 1, 1, 2, 3, 5))
                returned = 1 if rng.random() < 0.02 else ""
                writer.writerow(
                    (
                        f"SO{order:08d}",
                        _sku(sku),
                        warehouse,
                        qty,
                        sold.strftime("%Y-%m-%d %H:%M"),
                        shipped.strftime("%Y-%m-%d %H:%M") if shipped else "",
                        channel,
                        f"{5 + sku % 200}.99",
                        customer,
                        returned,
                    )
                )
            written += count


def _sku(index: int) -> str:
    return f"BENCH-{index:06d}"


def prepare_database(url: str, skus: int) -> None:
    """Migrate the database at ``url`` and give it the warehouses, products and manager the import needs.

    Refuses a database that already has products: timing an import into someone's data would
    change it, and a second preparation would time something else.
    """
    database = Database(url)
    try:
        upgrade(database.engine)
        with database.write_session() as session:
            if session.query(Product.id).first() is not None:
                raise RuntimeError(f"{database.url} already has products; give the bench an empty database")
            session.add_all(Warehouse(code=code, name=f"Warehouse {code}", timezone="UTC") for code in WAREHOUSES)
            session.add(User(username=BENCH_USER, password_hash="!", role=Role.MANAGER, active=True))
            session.flush()
            columns = (
                "sku",
                "name",
                "category",
                "unit_price",
                "unit_cost",
                "substitutability",
                "sales_status",
                "version",
            )
            rows = (
                (
                    _sku(i),
                    f"Bench item {i}",
                    "Bench",
                    9.99,
                    4.0,
                    Substitutability.STANDARD.value,
                    SalesStatus.IN_STOCK.value,
                    1,
                )
                for i in range(skus)
            )
            insert_rows(session.connection(), Product.__table__, columns, rows)
    finally:
        database.dispose()


def time_import(url: str, path: Path, today: dt.date, echo: Callable[[str], None]) -> Timing:
    """Run ``backorder-desk import sales PATH --user bench`` against ``url``; the bar goes to our stderr.

    The child's today is the file's (a generated history ending on another day would be refused as future).
    """
    command = [sys.executable, "-m", "dashboard", "import", "sales", str(path), "--user", BENCH_USER]
    echo("$ DATABASE_URL=… " + " ".join(["backorder-desk", *command[3:]]))
    started = time.perf_counter()
    done = subprocess.run(
        command,
        env={**os.environ, "DATABASE_URL": url, "BACKORDER_DESK_TODAY": today.isoformat()},
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"the import failed (exit {done.returncode}):\n{done.stdout}")
    summary = done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""
    echo(done.stdout.rstrip())
    return Timing(seconds, summary)
