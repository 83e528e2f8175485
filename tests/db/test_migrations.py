"""Alembic builds the whole schema from empty on both backends, matching the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from dashboard.db.migrate import current_revision, head_revision, include_object, upgrade
from dashboard.db.models import Base

DESIGN_TABLES = {
    "warehouse",
    "supplier",
    "product",
    "product_supplier",
    "stock_level",
    "stock_movement",
    "customer",
    "sales_order",
    "order_line",
    "purchase_order",
    "po_line",
    "eta_revision",
    "promise_revision",
    "audit_event",
    "contact_log",
    "restock_subscription",
    "notification",
    "user",
    "api_token",
    "sku_metrics",
    "kpi_daily",
}


def test_upgrade_from_empty_creates_every_design_table(empty_db):
    assert current_revision(empty_db.engine) is None
    upgrade(empty_db.engine)
    tables = set(inspect(empty_db.engine).get_table_names())
    assert tables >= DESIGN_TABLES
    assert current_revision(empty_db.engine) == head_revision(empty_db.engine)


def test_migrated_schema_matches_the_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_text_search_structures_exist_on_each_backend(db):
    inspector = inspect(db.engine)
    if db.is_sqlite:
        assert "sku_metrics_fts" in inspector.get_table_names()
    else:
        indexes = {index["name"] for index in inspector.get_indexes("sku_metrics")}
        assert indexes >= {f"ix_sku_metrics_{column}_trgm" for column in ("sku", "product_name", "supplier_name")}


def test_upgrade_twice_is_harmless(db):
    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision(db.engine)


def test_constraints_are_named_by_the_convention(db):
    inspector = inspect(db.engine)
    assert inspector.get_pk_constraint("order_line")["name"] == "pk_order_line"
    fk_names = {fk["name"] for fk in inspector.get_foreign_keys("order_line")}
    assert "fk_order_line_product_id_product" in fk_names
    unique = {uq["name"] for uq in inspector.get_unique_constraints("product")}
    assert "uq_product_sku" in unique


def test_0011_keeps_every_row_and_lets_products_be_unknown(empty_db):
    """Rebuilding product on SQLite must not cascade into the tables that reference it."""
    upgrade(empty_db.engine, "0009")
    with empty_db.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO warehouse (id, code, name, timezone) VALUES (1, 'MAIN', 'Main', 'UTC')")
        connection.exec_driver_sql(
            "INSERT INTO supplier (id, code, name, country, quoted_lead_time_days) VALUES (1, 'S1', 'One', 'DE', 7)"
        )
        connection.exec_driver_sql(
            "INSERT INTO product (id, sku, name, category, unit_price, unit_cost, substitutability, sales_status, "
            "version) VALUES (1, 'A', 'Mug', 'Kitchen', 9.5, 4, 'standard', 'in_stock', 1)"
        )
        connection.exec_driver_sql(
            "INSERT INTO product_supplier (id, product_id, supplier_id, is_primary, quoted_lead_time_days, moq, "
            "pack_size, unit_cost) VALUES (1, 1, 1, true, 7, 1, 1, 4)"
        )
        connection.exec_driver_sql(
            "INSERT INTO stock_level (id, product_id, warehouse_id, on_hand, allocated, updated_at, version) "
            "VALUES (1, 1, 1, 5, 0, '2026-11-01 00:00:00', 1)"
        )
    upgrade(empty_db.engine)
    with empty_db.engine.begin() as connection:
        counts = [
            connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()
            for table in ("product", "product_supplier", "stock_level", "supplier")
        ]
        assert counts == [1, 1, 1, 1]
        assert connection.exec_driver_sql("SELECT in_transit, in_transit_eta FROM stock_level").one() == (0, None)
        connection.exec_driver_sql(
            "INSERT INTO product (id, sku, substitutability, sales_status, version) "
            "VALUES (2, 'B', 'standard', 'in_stock', 1)"
        )
        connection.exec_driver_sql("INSERT INTO supplier (id, code, name) VALUES (2, 'S2', 'Two')")
        connection.exec_driver_sql("UPDATE supplier SET quoted_lead_time_days = 0 WHERE id = 1")
    if empty_db.is_sqlite:
        with empty_db.engine.connect() as connection:
            # Pooled connections enforce foreign keys again after the migration switched them off.
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
