"""trigram text search over sku_metrics: FTS5 on SQLite, pg_trgm GIN indexes on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The grid's free-text columns; dashboard/db/text_search.py names the same ones.
COLUMNS = ("sku", "product_name", "supplier_name")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # External content: the text already lives in sku_metrics, so the FTS table stores only the
        # trigram index (no second copy of 191,316 names) and "rebuild" refills it from sku_metrics in
        # one statement, which is how every full rewrite of sku_metrics resyncs it. A contentless table
        # (content='') would be as small but cannot "rebuild" on SQLite 3.40, so each writer would have
        # to re-insert the text itself. The grid re-checks every candidate with LIKE, so an index that
        # lags its table can hide a row but never show a wrong one.
        op.execute(
            f"CREATE VIRTUAL TABLE sku_metrics_fts USING fts5({', '.join(COLUMNS)}, "
            "content='sku_metrics', content_rowid='id', tokenize='trigram')"
        )
        op.execute("INSERT INTO sku_metrics_fts(sku_metrics_fts) VALUES ('rebuild')")
    else:
        # Trusted since PostgreSQL 13: a database owner may create it without superuser rights.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in COLUMNS:
            # On lower(column): the exact expression the grid's "contains" filter compares, or the
            # planner would not match it to the index.
            op.execute(
                f"CREATE INDEX ix_sku_metrics_{column}_trgm ON sku_metrics USING gin (lower({column}) gin_trgm_ops)"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE sku_metrics_fts")
    else:
        for column in COLUMNS:
            op.execute(f"DROP INDEX ix_sku_metrics_{column}_trgm")
        # The extension stays: other objects may have come to depend on it since.
