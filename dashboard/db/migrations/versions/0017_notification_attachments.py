"""Outbox attachments: notification.attachments (issue 21: a purchase order goes to the supplier as CSV and HTML)

A JSON list of {filename, content_type, text}; NULL for the customer notices, which have none.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("attachments", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("attachments")
