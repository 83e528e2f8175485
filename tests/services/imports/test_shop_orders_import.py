"""Shop order exports as sales history: recognised by their header; cancelled left out, open lines told apart."""

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.db.models import Product, SalesLine
from dashboard.services import imports as importing
from tests.proof.shop import ORDERS_HEADER
from tests.services.imports.import_data import TODAY, problems, reason, rows, run, snapshot

SAMPLES = Path(__file__).resolve().parents[3] / "data" / "samples"
# The header of Shopify's orders export, as the proof shop writes it.
SHOPIFY_HEADER = ORDERS_HEADER
# name, order fields (first row only, as Shopify writes them) and the line's own fields.
ORDERS = [
    (
        "#1001",
        {"Email": "ann@example.com", "Created at": "2026-11-20 10:00:00 +0000", "Source": "web",
         "Fulfillment Status": "fulfilled", "Fulfilled at": "2026-11-21 16:00:00 +0000"},
        [("SKU-A", 2, "19.90", "fulfilled"), ("SKU-B", 1, "5.00", "fulfilled")],
    ),
    (
        "#1002",
        {"Email": "bo@example.com", "Created at": "2026-11-22 09:00:00 +0000", "Source": "web",
         "Fulfillment Status": "unfulfilled", "Cancelled at": "2026-11-22 11:00:00 +0000"},
        [("SKU-A", 1, "19.90", ""), ("SKU-C", 4, "7.50", "")],
    ),
    (
        "#1003",
        {"Email": "cy@example.com", "Created at": "2026-11-26 18:00:00 +0000", "Source": "pos",
         "Fulfillment Status": "unfulfilled"},
        [("SKU-C", 3, "7.50", "pending"), ("", 1, "2.00", "fulfilled")],  # the second is a tip: no SKU
    ),
]  # fmt: skip


def shopify(orders=ORDERS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, SHOPIFY_HEADER)
    writer.writeheader()
    for name, order, lines in orders:
        for i, (sku, qty, price, status) in enumerate(lines):
            row = {"Name": name, **(order if i == 0 else {})}
            row |= {"Lineitem sku": sku, "Lineitem quantity": qty, "Lineitem price": price}
            writer.writerow(row | {"Lineitem fulfillment status": status})
    return out.getvalue().encode()


def history(db) -> list[tuple]:
    found = rows(
        db,
        select(
            SalesLine.order_number,
            Product.sku,
            SalesLine.sold_on,
            SalesLine.qty,
            SalesLine.shipped_at.is_not(None),
            SalesLine.channel,
            SalesLine.unit_price,
            SalesLine.customer_ref,
        ).join(Product, Product.id == SalesLine.product_id),
    )
    return sorted(found)


class TestRecognition:
    def test_each_export_is_recognised_by_its_header(self):
        assert importing.detect_order_export(SHOPIFY_HEADER) == "shopify_orders"
        woo = importing.read_table(SAMPLES / "woocommerce_orders.csv")
        assert importing.detect_order_export(woo.header) == "woocommerce_orders"
        assert importing.detect_order_export(["order_number", "sku", "qty", "sold_at"]) is None
        # A product export is not an orders export, nor the other way round.
        assert importing.detect_order_export(importing.read_table(SAMPLES / "shopify_products.csv").header) is None
        assert importing.detect_shop(SHOPIFY_HEADER) is None

    def test_sales_becomes_the_export_it_is(self):
        table = importing.read_table(shopify(), "orders.csv")
        assert importing.resolve_kind("sales", table) == "shopify_orders"
        assert importing.automatic_kind("sales", table.header) == "shopify_orders"
        with pytest.raises(importing.ImportFileError, match="does not look like a WooCommerce order export"):
            importing.resolve_kind("woocommerce_orders", table)


def test_a_shopify_export_becomes_history_with_order_fields_carried_down(shop_db):
    before = {table: found for table, found in snapshot(shop_db).items() if table != "sales_line"}
    report = run(shop_db, "sales", shopify(), "orders_export.csv", warehouse_code="HAM")
    assert report.kind == "shopify_orders" and report.rejected == []
    # Rows: 2 fulfilled, 2 cancelled, 1 open, 1 tip. The cancelled and the tip are left out.
    assert (report.rows, report.created, report.ignored) == (6, 3, 3)
    assert any("2 line(s) cancelled" in note for note in report.notes)
    assert any("1 unfulfilled line(s) are open orders" in note for note in report.notes)
    assert any("without a SKU" in note for note in report.notes)
    day = TODAY.replace
    assert history(shop_db) == [
        ("#1001", "SKU-A", day(day=20), 2, True, "web", 19.9, "ann@example.com"),
        # The second line of #1001 has no Created at, Email or Source of its own: they are the order's.
        ("#1001", "SKU-B", day(day=20), 1, True, "web", 5.0, "ann@example.com"),
        # The open line is demand on its order date, not shipped; no order line is made for it.
        ("#1003", "SKU-C", day(day=26), 3, False, "pos", 7.5, "cy@example.com"),
    ]
    assert {table: found for table, found in snapshot(shop_db).items() if table != "sales_line"} == before


def test_the_same_export_again_changes_nothing_and_a_later_one_ships_the_open_line(shop_db):
    run(shop_db, "sales", shopify(), warehouse_code="HAM")
    before = snapshot(shop_db)
    again = run(shop_db, "shopify_orders", shopify(), warehouse_code="HAM")
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, [])
    assert snapshot(shop_db) == before
    shipped = [
        *ORDERS[:2],
        (
            "#1003",
            ORDERS[2][1] | {"Fulfillment Status": "fulfilled", "Fulfilled at": "2026-11-27 09:00:00 +0000"},
            [("SKU-C", 3, "7.50", "fulfilled")],
        ),
    ]
    later = run(shop_db, "sales", shopify(shipped), warehouse_code="HAM")
    assert (later.created, later.updated, later.unchanged) == (0, 1, 2)
    assert history(shop_db)[2][:5] == ("#1003", "SKU-C", TODAY.replace(day=26), 3, True)


def test_the_warehouse_is_chosen_when_there_is_more_than_one(shop_db):
    with pytest.raises(importing.ImportFileError, match="--warehouse"):
        run(shop_db, "sales", shopify())
    with pytest.raises(importing.ImportFileError, match="No warehouse 'XX'"):
        run(shop_db, "sales", shopify(), warehouse_code="XX")
    with pytest.raises(importing.MappingError, match="mapped automatically"):
        run(shop_db, "sales", shopify(), warehouse_code="HAM", mapping={"sku": "Lineitem sku"})


def test_bad_lines_are_refused_in_the_export_s_own_words(shop_db):
    bad = [
        ("#2001", {"Created at": "2026-11-20 10:00:00 +0000"}, [("SKU-A", -1, "19.90", "fulfilled")]),
        ("#2002", {"Created at": "2026-13-01 10:00:00 +0000"}, [("SKU-A", 1, "19.90", "fulfilled")]),
        ("#2003", {"Created at": "2026-11-20 10:00:00 +0000"}, [("GHOST", 1, "19.90", "fulfilled")]),
        ("#2004", {"Created at": "2026-11-20 10:00:00 +0000"}, [("SKU-B", 1, "1,299.00", "fulfilled")]),
        ("#2005", {"Created at": "2026-11-20 10:00:00 +0000"}, [("SKU-B", 1, "9.00", "lost")]),
    ]
    report = run(shop_db, "sales", shopify(bad), warehouse_code="BER")
    assert problems(report) == [
        (2, "Lineitem quantity"),
        (3, "Created at"),
        (4, "Lineitem sku"),
        (5, "Lineitem price"),
        (6, "Lineitem fulfillment status"),
    ]
    assert "below the minimum" in reason(report, 2) and "not a real date" in reason(report, 3)
    assert "no such SKU" in reason(report, 4) and "thousands separators" in reason(report, 5)
    assert report.created == 0 and history(shop_db) == []


def test_the_samples_import_as_documented(shop_db):
    run(shop_db, "products", (SAMPLES / "shopify_products.csv").read_bytes(), warehouse_code="HAM")
    run(shop_db, "products", (SAMPLES / "woocommerce_products.csv").read_bytes(), warehouse_code="HAM")
    report = run(shop_db, "sales", (SAMPLES / "shopify_orders.csv").read_bytes(), warehouse_code="HAM")
    # COASTER-4 is not in the products sample: the one refused line shows what a refusal looks like.
    assert [(r.column, r.value) for r in report.rejected] == [("Lineitem sku", "COASTER-4")]
    # #1003 restocked (not demand), #1006's custom item; #1004's APRON-NAT and #1005 are open;
    # #1007's two rows of TEE-BLK-M are one line of 2 units.
    assert (report.rows, report.created, report.ignored) == (12, 9, 2)
    assert len(history(shop_db)) == 8
    woo = run(shop_db, "sales", (SAMPLES / "woocommerce_orders.csv").read_bytes(), warehouse_code="HAM")
    assert woo.kind == "woocommerce_orders" and woo.rejected == []
    assert (woo.created, woo.ignored) == (7, 1)  # 5005 is cancelled
    lines = {(order, sku): (qty, returned) for order, sku, qty, returned in rows(
        shop_db,
        select(SalesLine.order_number, Product.sku, SalesLine.qty, SalesLine.returned_qty)
        .join(Product, Product.id == SalesLine.product_id)
        .where(SalesLine.order_number.in_(["5001", "5002", "5003"])),
    )}  # fmt: skip
    # Refunded 5002: its one unit came back. 5003 sold 3, "Quantity (- Refund)" 2: one came back.
    assert lines == {("5001", "WOO-BEANIE"): (2, 0), ("5001", "HOODIE-GRY-L"): (1, 0),
                     ("5002", "WOO-GLOVES"): (1, 1), ("5003", "HOODIE-GRY-M"): (3, 1)}  # fmt: skip
