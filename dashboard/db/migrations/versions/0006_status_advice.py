"""status_advice: the sales-status recommendation and mismatch per product

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dashboard.db.base import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_advice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("current_status", sa.String(length=24), nullable=False),
        sa.Column("recommended_status", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("waiting_units", sa.Integer(), nullable=False),
        sa.Column("backorderable", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("has_mismatch", sa.Boolean(), nullable=False),
        sa.Column("mismatch", sa.String(length=500), nullable=True),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["product.id"], name=op.f("fk_status_advice_id_product"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_advice")),
    )
    with op.batch_alter_table("status_advice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_advice_has_mismatch"), ["has_mismatch"], unique=False)


def downgrade() -> None:
    op.drop_table("status_advice")
