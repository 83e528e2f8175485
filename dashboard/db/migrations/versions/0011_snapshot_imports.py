"""Snapshot imports: unknown product and supplier values, units in transit without a PO

A shop that arrives with an inventory snapshot knows its SKUs and little else:

- product name, category, price and cost may be unknown (NULL), and so may a supplier's country
  and quoted lead time and a supplier link's cost; a quoted lead time of 0 is same-day supply;
- stock_level.in_transit / in_transit_eta: units on their way with no PO behind them (a
  snapshot's "in transit" column), counted as on order;
- the derived copies of the product's name and category (status_advice, backorder_triage) may
  be unknown too, and sku_metrics_summary counts the pairs whose suggested order has no cost.

Independent of the sales-history migration (0010 on its branch): it touches none of its tables.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=12, scale=2, asdecimal=False)


def upgrade() -> None:
    with op.batch_alter_table("product") as batch:
        batch.alter_column("name", existing_type=sa.String(200), nullable=True)
        batch.alter_column("category", existing_type=sa.String(80), nullable=True)
        batch.alter_column("unit_price", existing_type=MONEY, nullable=True)
        batch.alter_column("unit_cost", existing_type=MONEY, nullable=True)
    with op.batch_alter_table("supplier") as batch:
        batch.alter_column("country", existing_type=sa.String(2), nullable=True)
        batch.alter_column("quoted_lead_time_days", existing_type=sa.Integer(), nullable=True)
        batch.drop_constraint("lead_time_positive", type_="check")
        batch.create_check_constraint("lead_time_not_negative", "quoted_lead_time_days >= 0")
    with op.batch_alter_table("product_supplier") as batch:
        batch.alter_column("unit_cost", existing_type=MONEY, nullable=True)
    with op.batch_alter_table("stock_level") as batch:
        batch.add_column(sa.Column("in_transit", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("in_transit_eta", sa.Date(), nullable=True))
        batch.create_check_constraint("in_transit_not_negative", "in_transit >= 0")
    with op.batch_alter_table("status_advice") as batch:
        batch.alter_column("product_name", existing_type=sa.String(200), nullable=True)
        batch.alter_column("category", existing_type=sa.String(80), nullable=True)
    with op.batch_alter_table("backorder_triage") as batch:
        batch.alter_column("product_name", existing_type=sa.String(200), nullable=True)
    with op.batch_alter_table("sku_metrics_summary") as batch:
        batch.add_column(sa.Column("unpriced", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    # Back to NOT NULL: unknowns become what the old schema could hold (the SKU as name, 0 as money).
    op.execute("UPDATE product SET name = sku WHERE name IS NULL")
    op.execute("UPDATE product SET category = '' WHERE category IS NULL")
    op.execute("UPDATE product SET unit_price = 0 WHERE unit_price IS NULL")
    op.execute("UPDATE product SET unit_cost = 0 WHERE unit_cost IS NULL")
    op.execute("UPDATE product_supplier SET unit_cost = 0 WHERE unit_cost IS NULL")
    op.execute("UPDATE supplier SET country = '' WHERE country IS NULL")
    op.execute("UPDATE supplier SET quoted_lead_time_days = 14 WHERE quoted_lead_time_days IS NULL")
    op.execute("UPDATE supplier SET quoted_lead_time_days = 1 WHERE quoted_lead_time_days = 0")
    op.execute("DELETE FROM status_advice")
    op.execute("DELETE FROM backorder_triage")
    with op.batch_alter_table("sku_metrics_summary") as batch:
        batch.drop_column("unpriced")
    with op.batch_alter_table("backorder_triage") as batch:
        batch.alter_column("product_name", existing_type=sa.String(200), nullable=False)
    with op.batch_alter_table("status_advice") as batch:
        batch.alter_column("product_name", existing_type=sa.String(200), nullable=False)
        batch.alter_column("category", existing_type=sa.String(80), nullable=False)
    with op.batch_alter_table("stock_level") as batch:
        batch.drop_constraint("in_transit_not_negative", type_="check")
        batch.drop_column("in_transit_eta")
        batch.drop_column("in_transit")
    with op.batch_alter_table("product_supplier") as batch:
        batch.alter_column("unit_cost", existing_type=MONEY, nullable=False)
    with op.batch_alter_table("supplier") as batch:
        batch.drop_constraint("lead_time_not_negative", type_="check")
        batch.create_check_constraint("lead_time_positive", "quoted_lead_time_days > 0")
        batch.alter_column("country", existing_type=sa.String(2), nullable=False)
        batch.alter_column("quoted_lead_time_days", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("product") as batch:
        batch.alter_column("name", existing_type=sa.String(200), nullable=False)
        batch.alter_column("category", existing_type=sa.String(80), nullable=False)
        batch.alter_column("unit_price", existing_type=MONEY, nullable=False)
        batch.alter_column("unit_cost", existing_type=MONEY, nullable=False)
