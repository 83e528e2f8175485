"""`bench-refresh`: a full metrics refresh, and refreshes of single SKUs, on the bench database (issue 20)."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from dashboard.db.engine import Database
from dashboard.db.models import Product
from dashboard.services.derived.partial import refresh_products
from dashboard.services.derived.refresh import refresh_metrics


@dataclass(frozen=True)
class RefreshTimes:
    """Seconds: the full refresh (None when skipped) and each single-SKU refresh."""

    full: float | None
    single: list[float]

    def single_p(self, q: float) -> float:
        """The ``q`` quantile of the single-SKU times (nearest rank)."""
        ordered = sorted(self.single)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_refreshes(
    database: Database, today: dt.date, samples: int, full: bool, echo: Callable[[str], None], seed: int = 7
) -> RefreshTimes:
    """Time one full refresh (if ``full``), then ``samples`` refreshes of one random SKU each."""
    full_seconds = None
    if full:
        began = time.perf_counter()
        refresh_metrics(database, today)
        full_seconds = time.perf_counter() - began
        echo(f"full refresh: {full_seconds:.1f} s")
    with database.read_session() as session:
        count = session.scalar(select(func.count()).select_from(Product)) or 0
        ids = list(session.scalars(select(Product.id).order_by(Product.id)))
    rng = random.Random(seed)
    single = []
    for product_id in rng.sample(ids, min(samples, count)):
        began = time.perf_counter()
        done = refresh_products(database, today, [product_id])
        single.append(time.perf_counter() - began)
        echo(f"  product {product_id}: {done.pairs} pairs in {single[-1] * 1000:.0f} ms")
    times = RefreshTimes(full_seconds, single)
    if single:
        echo(
            f"single-SKU refresh over {len(single)} SKUs: p50 {statistics.median(single) * 1000:.0f} ms, "
            f"p95 {times.single_p(0.95) * 1000:.0f} ms, max {max(single) * 1000:.0f} ms"
        )
    return times
