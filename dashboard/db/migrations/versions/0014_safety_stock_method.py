"""Safety stock method: sku_metrics.ss_method (issue 20: the page says how each buffer was found)

normal, poisson, negative_binomial or none (dashboard/domain/lead_time_demand.py); filled by the
next refresh, existing rows read as normal until then.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sku_metrics") as batch:
        batch.add_column(sa.Column("ss_method", sa.String(20), nullable=False, server_default="normal"))


def downgrade() -> None:
    with op.batch_alter_table("sku_metrics") as batch:
        batch.drop_column("ss_method")
