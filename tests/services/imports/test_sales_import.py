"""Sales history imports: demand that happened, booked once, never touching stock, orders or notices."""

import pytest
from sqlalchemy import select

from dashboard.db.bulk import insert_rows
from dashboard.db.models import Product, SalesLine, Warehouse
from dashboard.services import imports as importing
from dashboard.services.imports import sales
from tests.services.imports.import_data import DATA_TABLES, TODAY, problems, reason, rows, run, snapshot

HEADER = "order_number,sku,warehouse_code,qty,sold_at,shipped_at,channel,unit_price,customer,returned_qty\n"
FILE = (
    HEADER
    + "SO-100,SKU-A,BER,2,2026-11-20 09:30,2026-11-21 12:00,web,19.90,ann@example.com,\n"
    + "SO-100,SKU-B,BER,1,2026-11-20 09:30,,web,5,ann@example.com,1\n"
    + "SO-101,SKU-A,HAM,4,2026-11-25T23:30:00-02:00,,pos,,,\n"
    # Two rows without an order number on the same SKU, warehouse and moment are one total.
    + ",SKU-C,BER,3,2026-11-01,,,,,\n"
    + ",SKU-C,BER,2,2026-11-01,,,,,\n"
)


def history(db) -> list[tuple]:
    found = rows(
        db,
        select(
            SalesLine.order_number,
            Product.sku,
            Warehouse.code,
            SalesLine.sold_on,
            SalesLine.qty,
            SalesLine.returned_qty,
            SalesLine.shipped_at.is_not(None),
            SalesLine.channel,
            SalesLine.unit_price,
            SalesLine.customer_ref,
        )
        .join(Product, Product.id == SalesLine.product_id)
        .join(Warehouse, Warehouse.id == SalesLine.warehouse_id),
    )
    return sorted(found, key=lambda line: (line[0] is None, line[0] or "", line[1], line[3]))


def everything_but_sales(db) -> dict[str, list[tuple]]:
    return {table: found for table, found in snapshot(db).items() if table != "sales_line"}


def test_history_is_booked_as_demand_and_nothing_else(shop_db):
    before = everything_but_sales(shop_db)
    report = run(shop_db, "sales", FILE, "history.csv")
    assert report.rejected == [] and (report.rows, report.created, report.unchanged) == (5, 5, 0)
    # No reservation, no order line, no stock movement, no notice: every other table is as it was.
    assert everything_but_sales(shop_db) == before
    assert history(shop_db) == [
        ("SO-100", "SKU-A", "BER", TODAY.replace(day=20), 2, 0, True, "web", 19.9, "ann@example.com"),
        ("SO-100", "SKU-B", "BER", TODAY.replace(day=20), 1, 1, False, "web", 5.0, "ann@example.com"),
        # 23:30 at UTC−2 is 01:30 UTC the next day: the demand counts on its UTC day.
        ("SO-101", "SKU-A", "HAM", TODAY.replace(day=26), 4, 0, False, "pos", None, None),
        (None, "SKU-C", "BER", TODAY.replace(day=1), 5, 0, False, None, None, None),
    ]


def test_importing_the_same_file_again_changes_nothing(shop_db):
    run(shop_db, "sales", FILE, "history.csv")
    before = snapshot(shop_db)
    again = run(shop_db, "sales", FILE, "history.csv")
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 5, [])
    assert snapshot(shop_db) == before


def test_a_later_export_updates_its_lines_and_keeps_what_it_leaves_blank(shop_db):
    run(shop_db, "sales", FILE, "history.csv")
    later = HEADER + "SO-101,SKU-A,HAM,4,2026-11-25T23:30:00-02:00,2026-11-27 08:00,,,,1\n"
    report = run(shop_db, "sales", later, "later.csv")
    assert (report.updated, report.rejected) == (1, [])
    line = next(x for x in history(shop_db) if x[0] == "SO-101")
    assert line[4:8] == (4, 1, True, "pos")  # returned and shipped now; the channel left blank is kept


def test_a_return_is_a_column_and_a_negative_quantity_is_refused(shop_db):
    report = run(shop_db, "sales", HEADER + "SO-1,SKU-A,BER,-1,2026-11-20,,,,,\n")
    assert problems(report) == [(2, "qty")]
    assert "returned_qty" in reason(report, 2)


@pytest.mark.parametrize(
    ("line", "column", "value", "why"),
    [
        ("SO-1,SKU-A,BER,0,2026-11-20,,,,,", "qty", "0", "sold nothing"),
        ("SO-1,SKU-A,BER,two,2026-11-20,,,,,", "qty", "two", "not a number"),
        ("SO-1,SKU-A,BER,1,2026-02-30,,,,,", "sold_at", "2026-02-30", "not a real date"),
        ("SO-1,SKU-A,BER,1,0026-11-20,,,,,", "sold_at", "0026-11-20", "check the year"),
        ("SO-1,SKU-A,BER,1,2026-11-28,,,,,", "sold_at", "2026-11-28 00:00:00+00:00", "after today"),
        ("SO-1,SKU-A,BER,1,2026-11-20,2026-11-19,,,,", "shipped_at", "2026-11-19 00:00:00+00:00", "before the sale"),
        ("SO-1,NOPE,BER,1,2026-11-20,,,,,", "sku", "NOPE", "no such SKU"),
        ("SO-1,SKU-A,XXX,1,2026-11-20,,,,,", "warehouse_code", "XXX", "no such warehouse"),
        ("SO-1,SKU-A,BER,2,2026-11-20,,,,,3", "returned_qty", "3", "more than the 2 unit(s) sold"),
        ("SO-1,SKU-A,BER,2,2026-11-20,,,-4,,", "unit_price", "-4", "negative"),
    ],
)
def test_bad_rows_are_refused_with_row_column_value_and_reason(shop_db, line, column, value, why):
    content = HEADER + "SO-9,SKU-B,BER,1,2026-11-20,,,,,\n" + line + "\n"
    report = run(shop_db, "sales", content)
    assert [(r.row, r.column, r.value) for r in report.rejected] == [(3, column, value)]
    assert why in reason(report, 3)
    assert report.created == 1  # the good row goes in; the bad one is refused alone
    assert [x[0] for x in history(shop_db)] == ["SO-9"]


def test_a_line_cannot_sell_fewer_than_it_has_returned(shop_db):
    run(shop_db, "sales", HEADER + "SO-1,SKU-A,BER,3,2026-11-20,,,,,2\n")
    report = run(shop_db, "sales", HEADER + "SO-1,SKU-A,BER,1,2026-11-20,,,,,\n")
    assert problems(report) == [(2, "qty")] and "2 unit(s) returned" in reason(report, 2)
    assert history(shop_db)[0][4:6] == (3, 2)


def test_a_failed_import_leaves_no_trace(shop_db, monkeypatch):
    before = snapshot(shop_db)

    def half_then_fail(connection, table, columns, records, on_progress=None):
        insert_rows(connection, table, columns, [next(iter(records))])  # some lines are in…
        raise RuntimeError("the disk filled up")  # …when the import fails

    monkeypatch.setattr(sales, "insert_rows", half_then_fail)
    with pytest.raises(RuntimeError, match="disk"):
        run(shop_db, "sales", FILE)
    assert snapshot(shop_db) == before


def test_the_template_and_a_mapped_erp_file(shop_db):
    assert importing.template("sales").startswith("order_number,sku,warehouse_code,qty,sold_at")
    erp = "Item No;Location;Order Date;Qty;Returned\nSKU-A;BER;2026-11-02;4;\nSKU-A;BER;2026-11-02;1;1\n"
    mapping = {"sku": "Item No", "warehouse_code": "Location", "sold_at": "Order Date", "qty": "Qty"}
    report = run(shop_db, "sales", erp, "erp.csv", mapping=mapping | {"returned_qty": "Returned"})
    assert (report.created, report.rejected) == (2, [])
    assert history(shop_db) == [(None, "SKU-A", "BER", TODAY.replace(day=2), 5, 1, False, None, None, None)]


def test_sales_history_files_may_be_longer_than_other_kinds():
    assert importing.max_rows("sales") == importing.max_rows("shopify_orders") > importing.max_rows("stock")
    assert "sales_line" in DATA_TABLES
