"""backorder_triage: the projected allocation queue, one row per waiting order line

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dashboard.db.base import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=14, scale=2, asdecimal=False)


def upgrade() -> None:
    op.create_table(
        "backorder_triage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_code", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("vip", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("qty_waiting", sa.Integer(), nullable=False),
        sa.Column("value", MONEY, nullable=False),
        sa.Column("backordered_on", sa.Date(), nullable=False),
        sa.Column("backordered_day", sa.Integer(), nullable=False),
        sa.Column("original_promised_date", sa.Date(), nullable=True),
        sa.Column("promised_date", sa.Date(), nullable=False),
        sa.Column("promised_day", sa.Integer(), nullable=False),
        sa.Column("revisions", sa.Integer(), nullable=False),
        sa.Column("queue_position", sa.Integer(), nullable=False),
        sa.Column("queue_length", sa.Integer(), nullable=False),
        sa.Column("covering_po_id", sa.Integer(), nullable=True),
        sa.Column("covering_po_number", sa.String(length=32), nullable=True),
        sa.Column("covering_eta", sa.Date(), nullable=True),
        sa.Column("covered_by", sa.String(length=8), nullable=False),
        sa.Column("covered_qty", sa.Integer(), nullable=False),
        sa.Column("ship_p50", sa.Date(), nullable=True),
        sa.Column("ship_p80", sa.Date(), nullable=True),
        sa.Column("at_risk", sa.Boolean(), nullable=False),
        sa.Column("last_notice_at", UTCDateTime(), nullable=True),
        sa.Column("last_notice_kind", sa.String(length=32), nullable=True),
        sa.Column("last_contact_at", UTCDateTime(), nullable=True),
        sa.Column("last_contact_outcome", sa.String(length=32), nullable=True),
        sa.Column("quiet_since_day", sa.Integer(), nullable=False),
        sa.Column("base_score", sa.Float(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["covering_po_id"],
            ["purchase_order.id"],
            name=op.f("fk_backorder_triage_covering_po_id_purchase_order"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_backorder_triage_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["id"], ["order_line.id"], name=op.f("fk_backorder_triage_id_order_line"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_backorder_triage_product_id_product"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_backorder_triage_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backorder_triage")),
    )
    with op.batch_alter_table("backorder_triage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_backorder_triage_backordered_day"), ["backordered_day"], unique=False)
        batch_op.create_index(batch_op.f("ix_backorder_triage_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_backorder_triage_product_id"), ["product_id", "warehouse_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_backorder_triage_promised_day"), ["promised_day"], unique=False)
        batch_op.create_index(batch_op.f("ix_backorder_triage_sku"), ["sku"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_backorder_triage_warehouse_id"), ["warehouse_id", "promised_day"], unique=False
        )


def downgrade() -> None:
    op.drop_table("backorder_triage")
