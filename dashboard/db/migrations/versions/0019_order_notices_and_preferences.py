"""One notice per customer order per event, and per-user preferences (issue 22 items 3 and 4)

``notification_line`` links a notice to every order line it tells about: one email now covers all
of an order's lines touched by one event, and the triage "last notice" of a line is read through
this link. ``line_key`` names the event for that line (``promise_revised:42:2026-12-10``): queuing
the same line for the same event again is a no-op, whichever notice carried it. ``notification.order_line_id`` stays as the first line, for the outbox's existing readers.

``user_preference`` holds small per-user settings as JSON under a key (the columns a person chose
for a grid), so they follow the person from browser to browser.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dashboard.db.base

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_line",
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("line_key", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_line.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("notification_id", "order_line_id"),
        sa.UniqueConstraint("line_key", name=op.f("uq_notification_line_line_key")),
    )
    op.create_index(op.f("ix_notification_line_order_line_id"), "notification_line", ["order_line_id"])
    # Every existing notice about a line becomes a one-line link, so history reads the same way.
    op.execute(
        "INSERT INTO notification_line (notification_id, order_line_id, line_key) "
        "SELECT id, order_line_id, idempotency_key FROM notification WHERE order_line_id IS NOT NULL"
    )
    op.create_table(
        "user_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", dashboard.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("user_preference")
    op.drop_index(op.f("ix_notification_line_order_line_id"), table_name="notification_line")
    op.drop_table("notification_line")
