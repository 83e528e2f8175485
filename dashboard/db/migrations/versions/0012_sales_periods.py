"""sales_period: imported sales totals per SKU, warehouse and period (the sales_periods import)

One row per (product, warehouse, period): units sold from period_start to period_end (both
inclusive) and, optionally, the days of the period the SKU was out of stock. Unique by product +
warehouse + period; indexed by (product, warehouse, period_end) for the demand sums. That the
periods of one pair never overlap is kept by the import, not by a constraint.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dashboard.db.base import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sales_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("days_out_of_stock", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("qty >= 0", name=op.f("ck_sales_period_qty_not_negative")),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_sales_period_end_not_before_start")),
        sa.CheckConstraint(
            "days_out_of_stock IS NULL OR days_out_of_stock >= 0", name=op.f("ck_sales_period_days_out_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_sales_period_product_id_product"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_sales_period_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_period")),
        sa.UniqueConstraint(
            "product_id",
            "warehouse_id",
            "period_start",
            "period_end",
            name=op.f("uq_sales_period_product_id_warehouse_id_period_start_period_end"),
        ),
    )
    op.create_index(
        op.f("ix_sales_period_product_id"), "sales_period", ["product_id", "warehouse_id", "period_end"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sales_period_product_id"), table_name="sales_period")
    op.drop_table("sales_period")
