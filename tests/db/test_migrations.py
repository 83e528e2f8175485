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
