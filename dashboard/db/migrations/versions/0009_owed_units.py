"""Owed units: stock_level.owed_without_orders and sku_metrics.owed (design §3's stock position)

The stock position subtracts the units waiting customers are owed that no stock covers yet:
the waiting lines' unallocated units, plus units owed that came without order lines (a
snapshot's "on backorder" total, a negative stock count), kept on stock_level.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stock_level") as batch:
        batch.add_column(sa.Column("owed_without_orders", sa.Integer(), nullable=False, server_default="0"))
        batch.create_check_constraint("owed_without_orders_not_negative", "owed_without_orders >= 0")
    with op.batch_alter_table("sku_metrics") as batch:
        batch.add_column(sa.Column("owed", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("sku_metrics") as batch:
        batch.drop_column("owed")
    with op.batch_alter_table("stock_level") as batch:
        batch.drop_constraint("owed_without_orders_not_negative", type_="check")
        batch.drop_column("owed_without_orders")
