"""Purchasing: draft, sent and confirmed purchase orders, who drafted and sent them, line costs (issue 21)

purchase_order.status gains draft, sent and confirmed (open stays: a PO placed outside the
product); created_by, sent_at, sent_by and confirmed_at; po_line.unit_cost.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("open", "partially_received", "received", "cancelled")
NEW = ("draft", "sent", "confirmed", *OLD)


def _statuses(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table("purchase_order") as batch:
        batch.drop_constraint("po_status", type_="check")
        batch.create_check_constraint("po_status", _statuses(NEW))
        batch.add_column(sa.Column("created_by", sa.Integer(), sa.ForeignKey("user.id"), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("sent_by", sa.Integer(), sa.ForeignKey("user.id"), nullable=True))
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("po_line") as batch:
        batch.add_column(sa.Column("unit_cost", sa.Numeric(12, 2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("po_line") as batch:
        batch.drop_column("unit_cost")
    op.execute("DELETE FROM purchase_order WHERE status = 'draft'")
    op.execute("UPDATE purchase_order SET status = 'open' WHERE status IN ('sent', 'confirmed')")
    with op.batch_alter_table("purchase_order") as batch:
        batch.drop_column("confirmed_at")
        batch.drop_column("sent_by")
        batch.drop_column("sent_at")
        batch.drop_column("created_by")
        batch.drop_constraint("po_status", type_="check")
        batch.create_check_constraint("po_status", _statuses(OLD))
