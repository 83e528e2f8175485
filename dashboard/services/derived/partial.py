"""Refresh the metrics of the SKUs a change touched, between full refreshes (issue 20 item 7).

A full refresh recomputes every pair (100 s at 191,316 pairs); after one receipt, one import of a
few products or one status change only those products' pairs need it. Their rows are recomputed
with the same functions from the same inputs, read through the product indexes, and replaced in
one transaction with their explanation, search index entries and summary groups.

Two things are borrowed from the last full refresh, because they rank or pool *every* product:
each product's ABC class (a product new since then is C until the next full refresh) and each
category's typical demand rate (the new-item prior).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, select, text

from dashboard.db.base import utcnow
from dashboard.db.bulk import insert_rows
from dashboard.db.engine import Database
from dashboard.db.models import Product, SkuMetrics, SkuMetricsExplain
from dashboard.db.text_search import SKU_METRICS_SEARCH, SKU_METRICS_SEARCHABLE
from dashboard.services.derived.freshness import mark_patched
from dashboard.services.derived.metrics import (
    WINDOW_DAYS,
    compute_metrics,
    load_inputs,
    resummarise,
    summary_groups,
)
from dashboard.services.derived.refresh import REFRESH_LOCK

# Up to this many products a partial refresh beats a full one by far (about 1.6 ms a product at
# 100k SKUs, against 100 s for everything); a page that changed more asks for a full refresh instead.
PARTIAL_REFRESH_LIMIT = 2_000


@dataclass(frozen=True)
class PartialRefresh:
    """What a refresh of some products did."""

    products: int
    pairs: int
    below_reorder_point: int
    seconds: float


def _category_rates(session, categories: set[str]) -> dict[str, float]:
    """Median demand rate per category over established pairs, as the last full refresh left them.

    The pairs a full refresh pools: forecast from their own line history, not new. Their stored
    rates are rounded to 4 decimals, so a new item's prior can differ from a full refresh's in
    the fifth.
    """
    M = SkuMetrics  # noqa: N806 - a short alias keeps the query readable
    rows = session.execute(
        select(func.coalesce(M.category, ""), M.avg_daily_demand).where(
            func.coalesce(M.category, "").in_(sorted(categories)),
            M.avg_daily_demand > 0,
            M.forecast_method.not_in(("new_item", "period_totals", "none")),
        )
    ).all()
    if not rows:
        return {}
    frame = pd.DataFrame(rows, columns=["category", "rate"])
    return frame.groupby("category")["rate"].median().to_dict()


def refresh_products(
    db: Database, today: dt.date, product_ids: list[int], window_days: int = WINDOW_DAYS
) -> PartialRefresh:
    """Recompute and replace the ``sku_metrics`` rows of ``product_ids`` (all their warehouses).

    Takes the full refresh's lock: a full refresh renumbers every row, and the two must not interleave.
    """
    with db.exclusive(REFRESH_LOCK):
        return _refresh_products(db, today, product_ids, window_days)


def _refresh_products(db: Database, today: dt.date, product_ids: list[int], window_days: int) -> PartialRefresh:
    began = utcnow()
    ids = sorted({int(i) for i in product_ids})
    with db.read_session() as session:
        inputs = load_inputs(session, today, window_days, product_ids=ids)
        abc = dict(
            session.execute(
                select(SkuMetrics.product_id, SkuMetrics.abc_class).where(SkuMetrics.product_id.in_(ids))
            ).all()
        )
        prior = _category_rates(session, set(inputs["pairs"]["category"].fillna("")))
    frame = compute_metrics(inputs, today, window_days, abc_by_product=abc, prior_rates=prior)
    explain = frame.pop("explain")
    frame["computed_at"] = began.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    M = SkuMetrics  # noqa: N806 - a short alias keeps the queries readable
    with db.write_session() as session:
        connection = session.connection()
        old = session.execute(
            select(M.id, M.product_id, M.warehouse_id, *(getattr(M, c) for c in SKU_METRICS_SEARCHABLE)).where(
                M.product_id.in_(ids)
            )
        ).all()
        groups_before = summary_groups(session, ids)
        # A pair keeps its id (links and the grid's order stay put); a pair new since the last refresh gets one.
        kept = {(row.product_id, row.warehouse_id): row.id for row in old}
        next_id = (session.scalar(select(func.max(M.id))) or 0) + 1
        keys = list(zip(frame["product_id"].astype(int), frame["warehouse_id"].astype(int), strict=True))
        new = np.cumsum([key not in kept for key in keys])
        frame.insert(0, "id", [int(kept.get(key, next_id + int(n) - 1)) for key, n in zip(keys, new, strict=True)])
        sqlite = connection.dialect.name == "sqlite"
        columns = ", ".join(SKU_METRICS_SEARCHABLE)
        if sqlite and old:
            # An external-content FTS5 index forgets a row only when told its old values.
            connection.execute(
                text(
                    f"INSERT INTO {SKU_METRICS_SEARCH}({SKU_METRICS_SEARCH}, rowid, {columns}) "
                    f"VALUES ('delete', :id, {', '.join(':' + c for c in SKU_METRICS_SEARCHABLE)})"
                ),
                [row._asdict() for row in old],
            )
        session.execute(delete(SkuMetricsExplain).where(SkuMetricsExplain.product_id.in_(ids)))
        session.execute(delete(M).where(M.product_id.in_(ids)))
        insert_rows(
            connection,
            M.__table__,
            list(frame.columns),
            frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None),
        )
        if sqlite and len(frame):
            connection.execute(
                text(
                    f"INSERT INTO {SKU_METRICS_SEARCH}(rowid, {columns}) "
                    f"SELECT id, {columns} FROM sku_metrics WHERE product_id IN ({', '.join(map(str, ids))})"
                )
            )
        insert_rows(
            connection,
            SkuMetricsExplain.__table__,
            ["id", "product_id", "warehouse_id", "explain"],
            zip(
                frame["id"].tolist(), frame["product_id"].tolist(), frame["warehouse_id"].tolist(), explain, strict=True
            ),
        )
        session.flush()
        resummarise(session, ids, also=groups_before)
        mark_patched(session)
    return PartialRefresh(
        len(ids), len(frame), int(frame["below_reorder_point"].sum()), (utcnow() - began).total_seconds()
    )


class UnknownSkuError(LookupError):
    """Some SKUs asked for do not exist; nothing was refreshed."""


def refresh_skus(db: Database, today: dt.date, skus: list[str]) -> PartialRefresh:
    """:func:`refresh_products` by SKU; refuses, changing nothing, if any SKU is unknown."""
    with db.read_session() as session:
        found = dict(session.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus))).all())
    missing = [sku for sku in skus if sku not in found]
    if missing:
        raise UnknownSkuError(f"no product with SKU {', '.join(map(repr, missing))}; nothing was refreshed")
    return refresh_products(db, today, list(found.values()))
