"""sales_line: imported sales history (demand that happened), keyed for idempotent re-imports

One row per sold line: product, warehouse, when it was ordered (and its UTC day), units sold and
returned, and what the file said besides. Unique by order number + product + warehouse, or, for
a line without order number, by product + warehouse + sold_at (two partial unique indexes);
indexed by (product, warehouse, day) for the demand sums.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dashboard.db.base import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sales_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(length=32), nullable=True),
        sa.Column("sold_at", UTCDateTime(), nullable=False),
        sa.Column("sold_on", sa.Date(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("returned_qty", sa.Integer(), nullable=False),
        sa.Column("shipped_at", UTCDateTime(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2, asdecimal=False), nullable=True),
        sa.Column("customer_ref", sa.String(length=254), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_sales_line_qty_positive")),
        sa.CheckConstraint("returned_qty >= 0 AND returned_qty <= qty", name=op.f("ck_sales_line_returned_within_qty")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_sales_line_product_id_product"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"], name=op.f("fk_sales_line_warehouse_id_warehouse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_line")),
    )
    op.create_index(
        op.f("ix_sales_line_product_id"),
        "sales_line",
        ["product_id", "warehouse_id", "sold_on", "qty", "returned_qty"],
        unique=False,
    )
    op.create_index(
        "uq_sales_line_order_line",
        "sales_line",
        ["order_number", "product_id", "warehouse_id"],
        unique=True,
        sqlite_where=sa.text("order_number IS NOT NULL"),
        postgresql_where=sa.text("order_number IS NOT NULL"),
    )
    op.create_index(
        "uq_sales_line_unnumbered",
        "sales_line",
        ["product_id", "warehouse_id", "sold_at"],
        unique=True,
        sqlite_where=sa.text("order_number IS NULL"),
        postgresql_where=sa.text("order_number IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_sales_line_unnumbered", table_name="sales_line")
    op.drop_index("uq_sales_line_order_line", table_name="sales_line")
    op.drop_index(op.f("ix_sales_line_product_id"), table_name="sales_line")
    op.drop_table("sales_line")
