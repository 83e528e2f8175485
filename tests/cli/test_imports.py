"""`backorder-desk import`: every kind from a file, with templates, saved mappings and refused rows."""

from pathlib import Path

from sqlalchemy import func, select

from dashboard.cli import imports as cli_imports
from dashboard.db.models import (
    Product,
    SalesLine,
    SkuMetrics,
    StockLevel,
)
from tests.cli.conftest import run, scalar


def test_import_template_and_receipts(cli_db, tmp_path):
    assert run(cli_db, "import", "receipts", "--template").output == "po_number,sku,qty,reference\n"
    path = tmp_path / "in.csv"
    path.write_text("po_number,sku,qty,reference\nPO-A,SKU-1,6,DN-1\nPO-B,SKU-1,50,DN-2\n")
    bad = tmp_path / "bad.csv"
    result = run(cli_db, "import", "receipts", str(path), "--user", "mia", "--rejected", str(bad))
    assert result.exit_code == 0, result.output
    assert "2 row(s); 1 booked, 0 already imported, 1 refused" in result.output
    assert "Only 4 unit(s)" in bad.read_text()


# ---- imports of every kind -------------------------------------------------------------------
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def test_import_offers_every_kind_the_service_knows():
    from dashboard.cli.imports import IMPORT_KINDS
    from dashboard.services import imports as importing

    assert IMPORT_KINDS == importing.IMPORT_KINDS


def test_import_templates_print_each_kind_s_header(import_cli_db):
    assert run(import_cli_db, "import", "stock", "--template").output == (
        "sku,warehouse_code,on_hand,safety_stock,reorder_point\n"
    )
    assert run(import_cli_db, "import", "orders", "--template").output.startswith("order_number,customer_code,")
    result = run(import_cli_db, "import", "shopify", "--template")
    assert result.exit_code != 0 and "the shop's own product export" in result.output


def test_import_a_shop_export_recognised_from_products(import_cli_db):
    sample = str(SAMPLES / "shopify_products.csv")
    result = run(import_cli_db, "import", "products", sample, "--warehouse", "HAM", "--user", "mia")
    assert result.exit_code == 0, result.output
    assert "shopify_products.csv (shopify): 7 row(s); 6 new, 0 updated, 0 unchanged, 0 refused, 1 ignored" in (
        result.output
    )
    assert "metrics and KPIs (rebuilt) refreshed" in result.output
    assert scalar(import_cli_db, select(Product.sales_status).where(Product.sku == "MUG-OLD-12")).value == (
        "discontinued"
    )
    assert scalar(import_cli_db, select(func.count()).select_from(SkuMetrics)) > 0


def test_import_with_a_mapping_saved_and_reused_by_name(import_cli_db, tmp_path):
    path = tmp_path / "lager.csv"
    path.write_text("Artikel;Lager;Bestand\nSKU-A;BER;12\n")
    args = ["--map", "sku=Artikel", "--map", "warehouse_code=Lager", "--map", "on_hand=Bestand"]
    result = run(import_cli_db, "import", "stock", str(path), *args, "--save-mapping", "lager", "--user", "mia")
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output and "metrics refreshed" in result.output
    path.write_text("Artikel;Lager;Bestand\nSKU-A;BER;15\n")
    result = run(import_cli_db, "import", "stock", str(path), "--mapping", "lager", "--user", "mia", "--no-refresh")
    assert result.exit_code == 0 and "1 updated" in result.output and "refreshed" not in result.output
    assert scalar(import_cli_db, select(StockLevel.on_hand).join(Product).where(Product.sku == "SKU-A")) == 15
    result = run(import_cli_db, "import", "stock", str(path), "--mapping", "nope", "--user", "mia")
    assert result.exit_code != 0 and "No saved stock mapping named 'nope'" in result.output
    result = run(import_cli_db, "import", "stock", str(path), "--map", "sku", "--user", "mia")
    assert result.exit_code != 0 and "--map takes FIELD=COLUMN" in result.output


def test_import_writes_refused_rows_safely_and_shows_progress_for_big_files(import_cli_db, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_imports, "PROGRESS_ROWS", 1)
    path, bad = tmp_path / "products.csv", tmp_path / "bad.csv"
    path.write_text("sku,name,category,unit_price,unit_cost\nNEW-1,Mug,Kitchen,5,2\nNEW-2,=cmd|' /C calc'!A0,K,-1,2\n")
    result = run(import_cli_db, "import", "products", str(path), "--user", "mia", "--rejected", str(bad))
    assert result.exit_code == 0, result.output
    assert "importing" in result.output and "1 new, 0 updated, 0 unchanged, 1 refused" in result.output
    assert bad.read_text().splitlines()[1:] == ["3,unit_price,'-1,'-1' is negative; prices and costs are 0 or more"]


def test_import_refuses_a_file_that_is_not_a_table(import_cli_db, tmp_path):
    path = tmp_path / "stock.csv"
    path.write_bytes(bytes(range(256)))
    result = run(import_cli_db, "import", "stock", str(path), "--user", "mia")
    assert result.exit_code == 1 and "is a binary file, not CSV text" in result.output


def test_import_sales_books_a_shopify_export_as_history_with_a_bar_and_notes(import_cli_db, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_imports, "PROGRESS_ROWS", 1)
    run(
        import_cli_db,
        "import",
        "products",
        str(SAMPLES / "shopify_products.csv"),
        "--warehouse",
        "HAM",
        "--user",
        "mia",
    )
    path = tmp_path / "orders_export.csv"
    path.write_bytes((SAMPLES / "shopify_orders.csv").read_bytes())
    command = ("import", "sales", str(path), "--warehouse", "HAM", "--user", "mia")
    result = run(import_cli_db, *command)
    assert result.exit_code == 0, result.output
    assert "importing" in result.output
    assert "orders_export.csv (shopify_orders): 12 row(s); 9 new, 0 updated, 0 unchanged, 1 refused" in result.output
    assert "unfulfilled line(s) are open orders" in result.output and "cancelled" in result.output
    assert "[Lineitem sku] COASTER-4: no such SKU" in result.output
    lines = scalar(import_cli_db, select(func.count()).select_from(SalesLine))
    again = run(import_cli_db, *command)
    assert "0 new, 0 updated, 9 unchanged, 1 refused" in again.output
    assert scalar(import_cli_db, select(func.count()).select_from(SalesLine)) == lines == 8


def test_import_sales_has_a_template_and_order_exports_have_none(import_cli_db):
    assert run(import_cli_db, "import", "sales", "--template").output.startswith("order_number,sku,warehouse_code,qty")
    result = run(import_cli_db, "import", "shopify_orders", "--template")
    assert result.exit_code == 1 and "own orders export" in result.output
