"""`backorder-desk import`: every kind from a file, with templates, saved mappings and refused rows."""

from pathlib import Path

from sqlalchemy import func, select

from dashboard.cli import imports as cli_imports
from dashboard.db.models import (
    Product,
    SalesLine,
    SkuMetrics,
    SkuMetricsSummary,
    StockLevel,
    User,
)
from dashboard.domain.codes import Role
from tests.cli.conftest import TODAY, run, scalar


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
        "sku,warehouse_code,on_hand,units_on_backorder,in_transit,in_transit_eta,safety_stock,reorder_point\n"
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


def test_set_gives_a_column_the_file_lacks_and_a_saved_mapping_keeps_it(import_cli_db, tmp_path):
    path = tmp_path / "count.csv"
    path.write_text("Item;Qty\nSKU-A;12\nSKU-B;4\n")
    result = run(import_cli_db, "import", "stock", str(path), "--user", "mia", "--no-refresh")
    assert result.exit_code != 0 and "--set FIELD=VALUE" in result.output  # no warehouse column
    args = ["--set", "warehouse_code=BER", "--save-mapping", "one-warehouse", "--user", "mia", "--no-refresh"]
    result = run(import_cli_db, "import", "stock", str(path), *args)
    assert result.exit_code == 0, result.output
    assert "2 updated" in result.output
    path.write_text("Item;Qty\nSKU-A;15\n")
    result = run(import_cli_db, "import", "stock", str(path), "--mapping", "one-warehouse", "--user", "mia")
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    assert scalar(import_cli_db, select(StockLevel.on_hand).join(Product).where(Product.sku == "SKU-A")) == 15
    # --warehouse is the same for any kind with a warehouse column.
    path.write_text("Item;Qty\nSKU-A;16\n")
    result = run(import_cli_db, "import", "stock", str(path), "--warehouse", "BER", "--user", "mia", "--no-refresh")
    assert result.exit_code == 0 and "1 updated" in result.output, result.output


def test_a_bad_set_value_is_refused_on_every_row_and_a_field_has_one_source(import_cli_db, tmp_path):
    path, bad = tmp_path / "count.csv", tmp_path / "bad.csv"
    path.write_text("sku,on_hand\nSKU-A,12\nSKU-B,4\n")
    args = ["--user", "mia", "--rejected", str(bad), "--no-refresh"]
    result = run(import_cli_db, "import", "stock", str(path), "--set", "warehouse_code=NOPE", *args)
    assert result.exit_code == 0 and "2 refused" in result.output
    assert "row 2 [warehouse_code] NOPE: no such warehouse" in result.output
    assert bad.read_text().count("NOPE") == 2
    result = run(import_cli_db, "import", "stock", str(path), "--set", "warehouse_code", "--user", "mia")
    assert result.exit_code != 0 and "--set takes FIELD=VALUE" in result.output
    result = run(
        import_cli_db, "import", "stock", str(path), "--map", "warehouse_code=sku", "--set", "warehouse_code=BER"
    )
    assert result.exit_code != 0


# ---- a real snapshot, with nothing but the commands ------------------------------------------
# The shape of a public ERP inventory snapshot (issue 19): no warehouse, no supplier, lead time in
# weeks (0 = same day, blank = the supplier's), negative counts, totals in transit and on backorder.
SNAPSHOT = (
    "sku,on_hand,lead_time_weeks,in_transit,units_on_backorder,min_bank,sales_1_month,perf_6_month_avg\n"
    "K-1,12,2,0,0,5,10,0.9\n"  # plain stock
    "K-2,-7,0,4,0,0,3,0.8\n"  # owes 7; 4 in transit from a same-day source
    "K-3,-2,,0,5,2,1,\n"  # owes 5 (the larger of the count and the backorder total, never their sum)
    "K-4,0,3,10,3,1,0,0.99\n"  # 10 in transit within 3 weeks, 3 owed
    "K-5,30,,6,0,0,0,0.5\n"  # 6 in transit within the supplier's 10 days
)


def test_a_snapshot_goes_in_with_the_documented_commands_and_nothing_is_refused(db, tmp_path):
    import datetime as dt

    from dashboard.db.models import User
    from dashboard.domain.codes import Role
    from dashboard.services.catalog.sku import load_sku
    from tests.cli.conftest import TODAY

    with db.write_session() as session:
        session.add(User(username="mia", password_hash="x", role=Role.MANAGER, active=True))
    snapshot = tmp_path / "snapshot.csv"
    snapshot.write_text(SNAPSHOT)
    (tmp_path / "warehouse.csv").write_text("code,name\nMAIN,Main\n")
    (tmp_path / "supplier.csv").write_text("code,name,quoted_lead_time_days\nACME,Acme,10\n")
    steps = [
        ("warehouses", str(tmp_path / "warehouse.csv")),
        ("suppliers", str(tmp_path / "supplier.csv")),
        ("products", str(snapshot)),  # a SKU is enough
        ("product_suppliers", str(snapshot), "--set", "supplier_code=ACME", "--set", "is_primary=true"),
        ("stock", str(snapshot), "--warehouse", "MAIN"),
    ]
    for kind, *args in steps:
        result = run(db, "import", kind, *args, "--user", "mia", "--no-refresh")
        assert result.exit_code == 0, result.output
        assert " 0 refused" in result.output, result.output
    result = run(db, "refresh", "--kpis")  # KPIs too: unknown prices and costs must not break them
    assert result.exit_code == 0, result.output

    def day(days: int) -> dt.date:
        return TODAY + dt.timedelta(days=days)

    with db.read_session() as session:
        got = {
            sku: tuple(rest)
            for sku, *rest in session.execute(
                select(
                    Product.sku,
                    Product.name,
                    Product.unit_cost,
                    StockLevel.on_hand,
                    SkuMetrics.owed,
                    SkuMetrics.on_order,
                    StockLevel.in_transit_eta,
                    SkuMetrics.stock_position,
                    SkuMetrics.lead_time_days,
                )
                .join(StockLevel, StockLevel.product_id == Product.id)
                .join(
                    SkuMetrics,
                    (SkuMetrics.product_id == Product.id) & (SkuMetrics.warehouse_id == StockLevel.warehouse_id),
                )
            )
        }
        k2 = load_sku(session, "K-2", "MAIN", TODAY)
        ordered, value, unpriced = session.execute(
            select(
                func.sum(SkuMetricsSummary.suggested_units),
                func.sum(SkuMetricsSummary.suggested_value),
                func.sum(SkuMetricsSummary.unpriced),
            )
        ).one()
        suggested = session.execute(select(SkuMetrics.suggested_order_qty, SkuMetrics.suggested_value)).all()
    # sku: (name, cost, on hand, owed, on order, in transit due, position = on hand − allocated + on order − owed, lead)
    assert got == {
        "K-1": (None, None, 12, 0, 0, None, 12, 14),
        "K-2": (None, None, 0, 7, 4, day(0), -3, 0),
        "K-3": (None, None, 0, 5, 0, None, -5, 10),
        "K-4": (None, None, 0, 3, 10, day(21), 7, 21),
        "K-5": (None, None, 30, 0, 6, day(10), 36, 10),
    }
    # The SKU page projects the units in transit landing on their day, like an open PO.
    assert [(row["number"], row["eta"], row["open_qty"]) for row in k2.inbound] == [("in transit", day(0), 4)]
    # Nothing has a cost: what is suggested has no value (unknown, not $0), and the summary says how many.
    assert ordered > 0 and value == 0 and unpriced == sum(qty > 0 for qty, _ in suggested)
    assert all(money is None for qty, money in suggested if qty > 0)


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


# A snapshot with "sold in the last N months" columns: stock, lead times and demand from one file.
SALES_SNAPSHOT = (
    "sku,on_hand,lead_time_weeks,in_transit,units_on_backorder,sold_last_1_month,sold_last_3_months\n"
    "S-1,2,2,0,0,30,90\n"  # about 1 a day, 14-day lead time, 2 on hand: reorder
    "S-2,50,2,0,0,3,9\n"  # 0.1 a day: 50 on hand covers far more than a lead time
    "S-3,0,1,0,2,0,0\n"  # sold nothing lately but owes 2 with nothing inbound: reorder the shortfall
    "S-4,5,1,0,0,,\n"  # no totals at all: listed as having no usable history
)


def test_a_snapshot_with_sales_windows_gives_demand_and_flags_with_the_documented_commands(db, tmp_path):
    with db.write_session() as session:
        session.add(User(username="mia", password_hash="x", role=Role.MANAGER, active=True))
    snapshot = tmp_path / "snapshot.csv"
    snapshot.write_text(SALES_SNAPSHOT)
    (tmp_path / "warehouse.csv").write_text("code,name\nMAIN,Main\n")
    (tmp_path / "supplier.csv").write_text("code,name,quoted_lead_time_days\nACME,Acme,10\n")
    as_of = f"as_of={TODAY.isoformat()}"
    steps = [
        ("warehouses", str(tmp_path / "warehouse.csv")),
        ("suppliers", str(tmp_path / "supplier.csv")),
        ("products", str(snapshot)),
        ("product_suppliers", str(snapshot), "--set", "supplier_code=ACME", "--set", "is_primary=true"),
        ("stock", str(snapshot), "--warehouse", "MAIN"),
        ("sales_periods", str(snapshot), "--warehouse", "MAIN", "--set", as_of),
    ]
    for kind, *args in steps:
        result = run(db, "import", kind, *args, "--user", "mia", "--no-refresh")
        assert result.exit_code == 0, result.output
        refused = " 1 refused" if kind == "sales_periods" else " 0 refused"  # S-4 gives no total
        assert refused in result.output, result.output
    assert run(db, "refresh").exit_code == 0
    with db.read_session() as session:
        got = {
            row.sku: row
            for row in session.execute(
                select(
                    SkuMetrics.sku,
                    SkuMetrics.demand_basis,
                    SkuMetrics.avg_daily_demand,
                    SkuMetrics.below_reorder_point,
                    SkuMetrics.suggested_order_qty,
                )
            )
        }
    assert {sku: row.demand_basis for sku, row in got.items()} == {
        "S-1": "periods",
        "S-2": "periods",
        "S-3": "periods",
        "S-4": "none",
    }
    # 90 units over the three months to as_of (89 to 92 days, whatever the months; stored to 4 places).
    assert 90 / 92 - 1e-4 <= got["S-1"].avg_daily_demand <= 90 / 89 + 1e-4
    assert 9 / 92 - 1e-4 <= got["S-2"].avg_daily_demand <= 9 / 89 + 1e-4
    assert got["S-3"].avg_daily_demand == 0
    flagged = {sku for sku, row in got.items() if row.below_reorder_point}
    assert flagged == {"S-1", "S-3"}
    assert got["S-3"].suggested_order_qty >= 2
