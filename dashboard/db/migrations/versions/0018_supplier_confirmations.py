"""Supplier confirmations on the scorecard: purchase_order.confirmed_eta and three supplier counters (issue 21 item 5)

``confirmed_eta`` is the date the supplier confirmed on its link (NULL: no confirmation through the
product). ``kpi_supplier_daily`` counts confirmations on the day they arrive: how many, the days
from sending to confirming (summed), and how many confirmed the date the PO was sent with.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 17:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = (
    ("pos_confirmed", sa.Integer(), "0"),
    ("confirm_days", sa.Float(), "0"),
    ("pos_confirmed_as_sent", sa.Integer(), "0"),
)


def upgrade() -> None:
    with op.batch_alter_table("purchase_order") as batch:
        batch.add_column(sa.Column("confirmed_eta", sa.Date(), nullable=True))
    with op.batch_alter_table("kpi_supplier_daily") as batch:
        for name, kind, default in COUNTERS:
            batch.add_column(sa.Column(name, kind, nullable=False, server_default=default))


def downgrade() -> None:
    with op.batch_alter_table("kpi_supplier_daily") as batch:
        for name, _kind, _default in COUNTERS:
            batch.drop_column(name)
    with op.batch_alter_table("purchase_order") as batch:
        batch.drop_column("confirmed_eta")
