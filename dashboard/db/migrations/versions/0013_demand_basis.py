"""Demand basis: sku_metrics.demand_basis, history_days and sku_metrics_summary.no_history (issue 19: enough history?)

Every SKU-warehouse says what its demand estimate rests on: days of order or sales-line history,
period totals, or nothing usable, so a SKU without history is listed instead of silently given a
reorder point of 0. Filled by the next refresh; existing rows read as line history until then.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sku_metrics") as batch:
        batch.add_column(sa.Column("demand_basis", sa.String(8), nullable=False, server_default="lines"))
        batch.add_column(sa.Column("history_days", sa.Integer(), nullable=False, server_default="0"))
        # /replenishment's "No usable history" filter reads this column.
        batch.create_index("ix_sku_metrics_demand_basis", ["demand_basis"])
    with op.batch_alter_table("sku_metrics_summary") as batch:
        batch.add_column(sa.Column("no_history", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("sku_metrics_summary") as batch:
        batch.drop_column("no_history")
    with op.batch_alter_table("sku_metrics") as batch:
        batch.drop_index("ix_sku_metrics_demand_basis")
        batch.drop_column("history_days")
        batch.drop_column("demand_basis")
