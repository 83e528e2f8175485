"""Stock imports: counts that keep the ledger true, never below what is reserved, and serve waiting customers."""

import pytest
from sqlalchemy import select, update

from dashboard.db.models import Notification, OrderLine, Product, StockLevel, StockMovement, Warehouse
from dashboard.domain.codes import LineStatus, MovementKind
from dashboard.services import imports as importing
from dashboard.services.imports import bulk_update
from dashboard.services.imports import run as run_module
from tests.services.imports.import_data import ledger_is_true, problems, reason, rows, run, scalar, snapshot

HEADER = "sku,warehouse_code,on_hand,safety_stock,reorder_point\n"


def level(db, sku: str, warehouse: str = "BER"):
    return scalar(
        db,
        select(StockLevel)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(Product.sku == sku, Warehouse.code == warehouse),
    )


def movements(db, sku: str) -> list[tuple]:
    return rows(
        db,
        select(StockMovement.quantity, StockMovement.kind, StockMovement.reference)
        .join(Product, Product.id == StockMovement.product_id)
        .where(Product.sku == sku)
        .order_by(StockMovement.id),
    )


def test_a_count_writes_the_difference_to_the_ledger(shop_db):
    report = run(shop_db, "stock", HEADER + "SKU-A,BER,14,4,9\nSKU-A,HAM,6,,\nSKU-B,BER,0,,\n", "count-nov.csv")
    assert (report.created, report.updated, report.unchanged, report.rejected) == (1, 1, 1, [])
    a = level(shop_db, "SKU-A")
    assert (a.on_hand, a.allocated, a.safety_stock_override, a.reorder_point_override, a.version) == (14, 3, 4, 9, 2)
    assert level(shop_db, "SKU-A", "HAM").on_hand == 6
    assert movements(shop_db, "SKU-A")[1:] == [
        (4, MovementKind.COUNT, "import count-nov.csv"),
        (6, MovementKind.COUNT, "import count-nov.csv"),
    ]
    assert ledger_is_true(shop_db)
    assert not report.needs_kpi_rebuild


def test_on_hand_below_the_reserved_units_is_refused(shop_db):
    report = run(shop_db, "stock", HEADER + "SKU-A,BER,2,,\nSKU-A,HAM,1.5,,\nSKU-Z,BER,1,,\nSKU-B,XXX,1,,\n")
    assert problems(report) == [(2, "on_hand"), (3, "on_hand"), (4, "sku"), (5, "warehouse_code")]
    assert "3 unit(s) are reserved for orders" in reason(report, 2)
    assert "not a whole number" in reason(report, 3) and "known: BER, HAM" in reason(report, 5)
    assert level(shop_db, "SKU-A").on_hand == 10 and ledger_is_true(shop_db)


def test_override_columns_clear_when_blank_and_stay_when_left_out(shop_db):
    run(shop_db, "stock", HEADER + "SKU-A,BER,10,4,9\n")
    run(shop_db, "stock", "sku,warehouse_code,on_hand\nSKU-A,BER,10\n")
    assert (level(shop_db, "SKU-A").safety_stock_override, level(shop_db, "SKU-A").reorder_point_override) == (4, 9)
    run(shop_db, "stock", "sku,warehouse_code,on_hand,safety_stock\nSKU-A,BER,10,\n")
    assert (level(shop_db, "SKU-A").safety_stock_override, level(shop_db, "SKU-A").reorder_point_override) == (None, 9)


def test_importing_the_same_count_again_changes_nothing(shop_db):
    content = HEADER + "SKU-A,BER,12,2,\nSKU-C,HAM,5,,\n"
    run(shop_db, "stock", content)
    before = snapshot(shop_db)
    again = run(shop_db, "stock", content)
    assert (again.applied, again.unchanged) == (0, 2)
    assert snapshot(shop_db) == before and ledger_is_true(shop_db)


def test_stock_found_for_a_waiting_customer_is_reserved_for_them_at_once(shop_db):
    run(shop_db, "stock", HEADER + "SKU-C,BER,6,,\n")
    line = scalar(shop_db, select(OrderLine).join(Product).where(Product.sku == "SKU-C"))
    assert (line.status, line.qty_allocated) == (LineStatus.ALLOCATED, 4)
    assert (level(shop_db, "SKU-C").on_hand, level(shop_db, "SKU-C").allocated) == (6, 4)
    assert scalar(shop_db, select(Notification.kind).where(Notification.order_line_id == line.id)) == "ready_to_ship"
    assert ledger_is_true(shop_db)


def test_progress_is_reported_up_to_the_total(shop_db):
    seen = []
    run(
        shop_db,
        "stock",
        HEADER + "SKU-A,BER,11,,\nSKU-B,BER,1,,\n",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (6, 6)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_level_someone_changes_after_planning_stops_the_import_whole(shop_db, monkeypatch):
    plan, write = run_module.HANDLERS["stock"]

    def plan_then_a_receipt_lands(ctx, rows):
        planned = plan(ctx, rows)
        ctx.session.execute(update(StockLevel).values(version=StockLevel.version + 1))
        return planned

    monkeypatch.setitem(run_module.HANDLERS, "stock", (plan_then_a_receipt_lands, write))
    before = snapshot(shop_db)
    with pytest.raises(importing.ImportFileError, match="changed while it was being imported"):
        run(shop_db, "stock", HEADER + "SKU-A,BER,12,,\nSKU-C,HAM,1,,\n")
    assert snapshot(shop_db) == before


def test_big_updates_staged_through_copy_give_the_same_result(shop_db, monkeypatch):
    monkeypatch.setattr(bulk_update, "COPY_FROM", 1)  # PostgreSQL stages every update (SQLite is unaffected)
    run(shop_db, "stock", HEADER + "SKU-A,BER,14,4,\n")
    a = level(shop_db, "SKU-A")
    assert (a.on_hand, a.safety_stock_override, a.version) == (14, 4, 2) and ledger_is_true(shop_db)
    plan, write = run_module.HANDLERS["stock"]

    def plan_then_a_receipt_lands(ctx, rows):
        planned = plan(ctx, rows)
        ctx.session.execute(update(StockLevel).values(version=StockLevel.version + 1))
        return planned

    monkeypatch.setitem(run_module.HANDLERS, "stock", (plan_then_a_receipt_lands, write))
    with pytest.raises(importing.ImportFileError, match="changed while it was being imported"):
        run(shop_db, "stock", HEADER + "SKU-A,BER,20,,\n")
    assert level(shop_db, "SKU-A").on_hand == 14


def test_a_shop_count_adds_the_units_customers_wait_for_and_holds_when_they_are_served(shop_db):
    # SKU-C/BER: a counted level of 0, SO-1 waiting for 4. The shop can still sell 2, so 6 are on the
    # shelf; 4 go to SO-1 at once. The same export again finds 2 free + 4 reserved: no new count.
    run(shop_db, "stock", HEADER + "SKU-C,BER,0,,\n", "count.csv")
    export = "Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty\nprod-c,Product SKU-C,SKU-C,20.00,2\n"
    assert run(shop_db, "shopify", export, "shop.csv", warehouse_code="BER").updated == 1
    line = scalar(shop_db, select(OrderLine).join(Product).where(Product.sku == "SKU-C"))
    assert (line.status, line.qty_allocated) == (LineStatus.ALLOCATED, 4)
    assert (level(shop_db, "SKU-C").on_hand, level(shop_db, "SKU-C").allocated) == (6, 4)
    before = snapshot(shop_db)
    assert run(shop_db, "shopify", export, "shop.csv", warehouse_code="BER").unchanged == 1
    assert snapshot(shop_db) == before
    assert movements(shop_db, "SKU-C") == [(6, MovementKind.COUNT, "import shop.csv")]
    assert ledger_is_true(shop_db)


def test_an_oversold_shop_count_is_owed_to_the_waiting_customers_not_counted_as_stock(shop_db):
    # Oversold by 3 with 4 waiting: one unit is on the shelf, and it goes to SO-1 (still waiting for 3).
    export = "Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty\nprod-c,Product SKU-C,SKU-C,20.00,-3\n"
    run(shop_db, "shopify", export, warehouse_code="BER")
    line = scalar(shop_db, select(OrderLine).join(Product).where(Product.sku == "SKU-C"))
    assert (line.status, line.qty_allocated) == (LineStatus.BACKORDERED, 1)
    assert (level(shop_db, "SKU-C").on_hand, level(shop_db, "SKU-C").allocated) == (1, 1)
    before = snapshot(shop_db)
    assert run(shop_db, "shopify", export, warehouse_code="BER").unchanged == 1
    assert snapshot(shop_db) == before and ledger_is_true(shop_db)
