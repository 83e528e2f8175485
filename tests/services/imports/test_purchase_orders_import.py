"""Purchase orders: new supply goes in; an existing PO's ETA is never moved past the revision cascade."""

from sqlalchemy import func, select

from dashboard.db.models import EtaRevision, POLine, Product, PurchaseOrder
from dashboard.domain.codes import POStatus
from tests.services.imports.import_data import day, problems, reason, rows, run, scalar, snapshot

HEADER = "po_number,supplier_code,warehouse_code,ordered_at,eta,eta_confirmed,sku,qty,cross_dock\n"
GOOD = HEADER + (
    "PO-10,S1,BER,2026-11-20,2026-12-15,true,SKU-A,50,\n"
    "PO-10,S1,BER,2026-11-20,2026-12-15,true,SKU-C,8,yes\n"
    "PO-1,S1,BER,2026-11-07,2026-12-07,true,SKU-B,20,\n"  # PO-1 exactly as it stands
)


def po_lines(db, number: str) -> list[tuple]:
    return rows(
        db,
        select(Product.sku, POLine.qty, POLine.cross_dock)
        .join(PurchaseOrder, PurchaseOrder.id == POLine.po_id)
        .join(Product, Product.id == POLine.product_id)
        .where(PurchaseOrder.number == number)
        .order_by(Product.sku),
    )


def test_new_purchase_orders_and_lines_go_in_as_open_supply(shop_db):
    report = run(shop_db, "purchase_orders", GOOD)
    assert (report.created, report.unchanged, report.rejected) == (2, 1, []) and report.needs_kpi_rebuild
    po = scalar(shop_db, select(PurchaseOrder).where(PurchaseOrder.number == "PO-10"))
    assert (po.status, po.eta, po.original_eta, po.eta_confirmed) == (POStatus.OPEN, day(18), day(18), True)
    assert po_lines(shop_db, "PO-10") == [("SKU-A", 50, False), ("SKU-C", 8, True)]


def test_importing_the_same_purchase_orders_again_changes_nothing(shop_db):
    run(shop_db, "purchase_orders", GOOD)
    before = snapshot(shop_db)
    assert run(shop_db, "purchase_orders", GOOD).unchanged == 3
    assert snapshot(shop_db) == before


def test_a_changed_eta_points_to_the_revision_and_changes_nothing(shop_db):
    before = snapshot(shop_db)
    report = run(shop_db, "purchase_orders", HEADER + "PO-1,S1,BER,2026-11-07,2026-12-20,true,SKU-B,20,\n")
    assert problems(report) == [(2, "eta")]
    assert "PO-1 has ETA 2026-12-07 (confirmed)" in reason(report, 2)
    assert "`backorder-desk eta PO-1 2026-12-20 --cause CODE --confirmed --user NAME`" in reason(report, 2)
    assert "Revise ETA on /inbound" in reason(report, 2)
    assert snapshot(shop_db) == before
    assert scalar(shop_db, select(func.count()).select_from(EtaRevision)) == 0


def test_every_kind_of_bad_row_is_refused_with_its_reason(shop_db):
    report = run(
        shop_db,
        "purchase_orders",
        HEADER + "PO-20,S1,BER,2026-11-20,2026-11-10,true,SKU-A,5,\n"  # 2: ETA before ordered
        "PO-21,S1,BER,2026-12-02,2026-12-20,true,SKU-A,5,\n"  # 3: ordered in the future
        "PO-22,S9,BER,2026-11-20,2026-12-20,true,SKU-A,5,\n"  # 4: unknown supplier
        "PO-23,S1,BER,2026-11-20,2026-12-20,maybe,SKU-A,5,\n"  # 5: not a flag
        "PO-24,S1,BER,2026-11-20,2026-12-20,true,SKU-A,-5,\n"  # 6: negative quantity
        "PO-25,S1,BER,2026-11-20,2026-12-20,true,SKU-A,5,\n"  # 7: fine
        "PO-25,S1,HAM,2026-11-20,2026-12-20,true,SKU-B,5,\n"  # 8: disagrees with row 7
        "PO-25,S1,BER,2026-11-20,2026-12-20,true,SKU-A,6,\n"  # 9: repeats PO-25 / SKU-A
        "PO-1,S1,BER,2026-11-07,2026-12-07,true,SKU-B,25,\n"  # 10: existing line, other qty
        "PO-1,S1,BER,2026-11-07,2026-12-07,,SKU-A,5,\n",  # 11: a new line on open PO-1
    )
    assert problems(report) == [
        (2, "eta"),
        (3, "ordered_at"),
        (4, "supplier_code"),
        (5, "eta_confirmed"),
        (6, "qty"),
        (8, "warehouse_code"),
        (9, "sku"),
        (10, "qty"),
    ]
    assert "before the order date 2026-11-20" in reason(report, 2) and "in the future" in reason(report, 3)
    assert "every row of a PO must agree" in reason(report, 8) and "repeats row 7" in reason(report, 9)
    assert "already has SKU-B × 20" in reason(report, 10)
    assert po_lines(shop_db, "PO-1") == [("SKU-A", 5, False), ("SKU-B", 20, False)]
    assert po_lines(shop_db, "PO-25") == [("SKU-A", 5, False)]
