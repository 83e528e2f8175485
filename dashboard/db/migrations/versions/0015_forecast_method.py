"""Forecast method: sku_metrics.forecast_method, demand_pattern, forecast_wape (issue 20)

How each pair's demand rate was forecast (dashboard/domain/forecast.py), its demand pattern and
the chosen method's rolling-origin error; filled by the next refresh, existing rows read as the
moving average until then.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sku_metrics") as batch:
        batch.add_column(sa.Column("forecast_method", sa.String(20), nullable=False, server_default="moving_average"))
        batch.add_column(sa.Column("demand_pattern", sa.String(12), nullable=False, server_default="smooth"))
        batch.add_column(sa.Column("forecast_wape", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sku_metrics") as batch:
        batch.drop_column("forecast_wape")
        batch.drop_column("demand_pattern")
        batch.drop_column("forecast_method")
