"""KPI counters: kpi_daily by supplier with weekly rollups, cause, stock, supplier-receipt and notify-me tables

Also the facts the counters need that the schema did not keep: a PO's original ETA, units
received by it, and when a SKU started being stocked in a warehouse; and the two indexes that
closing a KPI day reads by time.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 17:46:28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dashboard.db.base import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=16, scale=2, asdecimal=False)
KEY = ("day", "warehouse_id", "category", "supplier_id")


def _keyed(name: str, *columns: sa.Column, key: tuple[str, ...] = KEY, warehouse: bool = True) -> None:
    fk = [sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"], name=op.f(f"fk_{name}_warehouse_id_warehouse"))]
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *([sa.Column("warehouse_id", sa.Integer(), nullable=False)] if warehouse else []),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        *columns,
        *(fk if warehouse else []),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint(*key, name=op.f(f"uq_{name}_{'_'.join(key)}")),
    )


def _counts(*names: str, money: tuple[str, ...] = ()) -> list[sa.Column]:
    return [sa.Column(n, sa.Integer(), nullable=False) for n in names] + [
        sa.Column(n, MONEY, nullable=False) for n in money
    ]


def upgrade() -> None:
    # kpi_daily was declared by 0001 but never written; it is replaced, not migrated.
    op.drop_table("kpi_daily")
    line_counts = _counts(
        "lines_ordered",
        "units_ordered",
        "lines_first_pass",
        "units_first_pass",
        "lines_backordered",
        "units_backordered",
        "lines_shipped",
        "units_shipped",
        "shipped_on_time_original",
        "shipped_on_time_current",
        "backorders_shipped",
        "backorder_wait_days",
        "lines_cancelled",
        "backorders_cancelled",
        money=("revenue_ordered", "revenue_shipped", "cogs_shipped"),
    )
    _keyed("kpi_daily", *line_counts)
    _keyed("kpi_weekly", *(column._copy() for column in line_counts))
    _keyed(
        "kpi_cause_daily",
        sa.Column("cause", sa.String(length=24), nullable=False),
        *_counts("revisions", "days_added"),
        key=(*KEY, "cause"),
    )
    stock_counts = _counts(
        "sku_days",
        "sku_days_out",
        "units_on_hand",
        "open_backorder_lines",
        "open_backorder_units",
        money=("inventory_value", "lost_sales_value", "open_backorder_value"),
    )
    _keyed("kpi_stock_daily", *stock_counts)
    _keyed("kpi_stock_weekly", *(column._copy() for column in stock_counts))
    _keyed(
        "kpi_notify_daily",
        *_counts("requests", money=("value",)),
        key=("day", "category", "supplier_id"),
        warehouse=False,
    )
    op.create_table(
        "kpi_supplier_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("delay_days", sa.Integer(), nullable=False),
        *_counts("pos", "pos_on_time", "pos_revised", "units_ordered", "units_on_time"),
        sa.Column("lead_days", sa.Float(), nullable=False),
        sa.Column("lead_days_sq", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["supplier.id"], name=op.f("fk_kpi_supplier_daily_supplier_id_supplier")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_kpi_supplier_daily_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_supplier_daily")),
        sa.UniqueConstraint(
            "day",
            "supplier_id",
            "warehouse_id",
            "delay_days",
            name=op.f("uq_kpi_supplier_daily_day_supplier_id_warehouse_id_delay_days"),
        ),
    )
    op.create_index(op.f("ix_kpi_supplier_daily_supplier_id"), "kpi_supplier_daily", ["supplier_id", "day"])

    with op.batch_alter_table("purchase_order") as batch_op:
        batch_op.add_column(sa.Column("original_eta", sa.Date(), nullable=True))
    with op.batch_alter_table("po_line") as batch_op:
        batch_op.add_column(sa.Column("qty_received_on_time", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("stock_level") as batch_op:
        batch_op.add_column(sa.Column("created_at", UTCDateTime(), nullable=True))
    op.create_index(op.f("ix_order_line_backordered_at"), "order_line", ["backordered_at"])
    op.create_index("ix_product_supplier_primary", "product_supplier", ["product_id", "is_primary", "supplier_id"])
    op.create_index(op.f("ix_backorder_triage_covering_po_id"), "backorder_triage", ["covering_po_id"])
    op.create_index(op.f("ix_stock_movement_at"), "stock_movement", ["at"])

    # The original ETA is the first revision's old ETA, or the ETA itself when it never moved.
    op.execute(
        "UPDATE purchase_order SET original_eta = COALESCE("
        "(SELECT r.old_eta FROM eta_revision r WHERE r.po_id = purchase_order.id ORDER BY r.at, r.id LIMIT 1), eta)"
    )
    # Lines received in one go by the original ETA; partial history before this column is not kept.
    if op.get_bind().dialect.name == "sqlite":
        on_time = "date(po_line.last_received_at) <= purchase_order.original_eta"
    else:
        on_time = "CAST(po_line.last_received_at AS DATE) <= purchase_order.original_eta"
    op.execute(
        "UPDATE po_line SET qty_received_on_time = qty_received WHERE qty_received > 0 AND EXISTS ("
        f"SELECT 1 FROM purchase_order WHERE purchase_order.id = po_line.po_id AND {on_time})"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_stock_movement_at"), table_name="stock_movement")
    op.drop_index(op.f("ix_order_line_backordered_at"), table_name="order_line")
    op.drop_index("ix_product_supplier_primary", table_name="product_supplier")
    op.drop_index(op.f("ix_backorder_triage_covering_po_id"), table_name="backorder_triage")
    with op.batch_alter_table("stock_level") as batch_op:
        batch_op.drop_column("created_at")
    with op.batch_alter_table("po_line") as batch_op:
        batch_op.drop_column("qty_received_on_time")
    with op.batch_alter_table("purchase_order") as batch_op:
        batch_op.drop_column("original_eta")
    for name in (
        "kpi_supplier_daily",
        "kpi_notify_daily",
        "kpi_stock_weekly",
        "kpi_stock_daily",
        "kpi_cause_daily",
        "kpi_weekly",
        "kpi_daily",
    ):
        op.drop_table(name)
    # 0001's shape, so older revisions find the table they created.
    old_counts = ("lines_ordered", "units_ordered", "lines_filled_first_pass", "units_filled_first_pass")
    old_counts += ("lines_backordered", "units_backordered", "lines_shipped", "lines_shipped_on_time_original")
    old_counts += ("lines_shipped_on_time_current", "backorders_shipped", "backorders_cancelled", "promise_revisions")
    old_counts += ("sku_days", "sku_days_stocked_out")
    old_money = ("revenue_ordered", "revenue_shipped", "cogs_shipped", "inventory_value", "lost_sales_estimate")
    op.create_table(
        "kpi_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        *(sa.Column(n, sa.Integer(), nullable=False) for n in old_counts),
        *(sa.Column(n, sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False) for n in old_money),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"], name=op.f("fk_kpi_daily_warehouse_id_warehouse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_daily")),
        sa.UniqueConstraint("day", "warehouse_id", "category", name=op.f("uq_kpi_daily_day_warehouse_id_category")),
    )
    op.create_index(op.f("ix_kpi_daily_day"), "kpi_daily", ["day"])
