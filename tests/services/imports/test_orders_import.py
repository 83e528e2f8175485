"""Open orders: stock first in queue order, otherwise a backorder promised by its supply or the policy."""

import datetime as dt
import io

from openpyxl import Workbook
from sqlalchemy import func, select, update

from dashboard.db.models import Customer, Notification, OrderLine, Product, SalesOrder, StockLevel
from dashboard.domain.codes import CustomerPriority, LineStatus, SalesStatus
from dashboard.services.derived.refresh import refresh_metrics
from dashboard.services.imports import common
from tests.services.imports.import_data import (
    TODAY,
    day,
    moment,
    problems,
    reason,
    rows,
    run,
    scalar,
    snapshot,
)

HEADER = (
    "order_number,customer_code,customer_name,customer_email,customer_priority,channel,warehouse_code,"
    "ordered_at,sku,qty,unit_price,promised_date\n"
)
GOOD = HEADER + (
    "SO-100,C-9,Ola Berg,ola@example.com,,web,BER,2026-11-25 09:00,SKU-A,2,20.00,\n"  # 2: from stock
    "SO-100,C-9,,,,web,BER,2026-11-25 09:00,SKU-B,5,20.00,\n"  # 3: waits for PO-1
    "SO-101,C-1,,,,marketplace,BER,2026-11-26,SKU-B,3,19.50,2026-12-20\n"  # 4: waits, promise given
)


def line(db, number: str, sku: str) -> OrderLine:
    return scalar(
        db,
        select(OrderLine)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(SalesOrder.number == number, Product.sku == sku),
    )


def allocated(db, sku: str) -> int:
    return scalar(db, select(StockLevel.allocated).join(Product).where(Product.sku == sku))


def test_new_lines_take_stock_first_and_otherwise_wait_with_an_honest_promise(shop_db):
    report = run(shop_db, "orders", GOOD)
    assert report.rejected == [] and (report.created, report.unchanged) == (3, 0) and report.needs_kpi_rebuild
    from_stock = line(shop_db, "SO-100", "SKU-A")
    assert (from_stock.status, from_stock.qty_allocated, from_stock.promised_date) == (LineStatus.ALLOCATED, 2, day(2))
    assert allocated(shop_db, "SKU-A") == 5
    waiting = line(shop_db, "SO-100", "SKU-B")
    # PO-1 lands on today+10; no delay history, two handling days: promised at P80 = today+12.
    assert (waiting.status, waiting.qty_allocated, waiting.promised_date) == (LineStatus.BACKORDERED, 0, day(12))
    assert waiting.original_promised_date == day(12) and waiting.backordered_at == moment(-2, 9)
    assert line(shop_db, "SO-101", "SKU-B").promised_date == day(23)
    customer = scalar(shop_db, select(Customer).where(Customer.code == "C-9"))
    assert (customer.name, customer.email, customer.priority) == (
        "Ola Berg",
        "ola@example.com",
        CustomerPriority.NORMAL,
    )
    # The shop already told these customers; the import sends nothing.
    assert scalar(shop_db, select(func.count()).select_from(Notification)) == 0


def test_importing_the_same_orders_again_changes_nothing(shop_db):
    run(shop_db, "orders", GOOD)
    before = snapshot(shop_db)
    again = run(shop_db, "orders", GOOD)
    assert (again.applied, again.unchanged, again.rejected) == (0, 3, [])
    assert snapshot(shop_db) == before


def test_every_kind_of_bad_row_is_refused_with_its_reason(shop_db):
    with shop_db.write_session() as session:
        session.execute(
            Product.__table__.update().where(Product.sku == "SKU-C").values(sales_status=SalesStatus.DISCONTINUED.value)
        )
    report = run(
        shop_db,
        "orders",
        HEADER + "SO-200,C-1,,,,web,BER,2026-11-20,SKU-Z,1,5,\n"  # 2: unknown SKU
        "SO-201,C-77,Nobody,,,web,BER,2026-11-20,SKU-A,1,5,\n"  # 3: new customer without e-mail
        "SO-202,C-1,,,,web,BER,2026-12-01,SKU-A,1,5,\n"  # 4: ordered in the future
        "SO-203,C-1,,,,web,BER,2026-11-20,SKU-A,0,5,\n"  # 5: qty 0
        "SO-204,C-1,,,,phone,BER,2026-11-20,SKU-A,1,5,\n"  # 6: unknown channel
        "SO-205,C-1,,,,web,MUC,2026-11-20,SKU-A,1,5,\n"  # 7: unknown warehouse
        "SO-206,C-1,,,,web,BER,2026-11-20,SKU-A,1,5,2026-11-19\n"  # 8: promised before ordered
        "SO-207,C-1,,,,web,BER,2026-11-20,SKU-A,1,5,\n"  # 9: fine
        "SO-207,C-1,,,,b2b,BER,2026-11-20,SKU-B,1,5,2026-12-24\n"  # 10: disagrees with row 9
        "SO-1,C-1,,,,web,BER,2026-11-25 10:00,SKU-A,5,20,\n"  # 11: existing line, other qty
        "SO-1,C-1,,,,web,BER,2026-11-25 10:00,SKU-C,4,20,\n"  # 12: existing line, same: unchanged
        "SO-208,C-1,,,,web,BER,2026-11-20,SKU-C,1,5,2026-12-24\n"  # 13: discontinued SKU
        "SO-209,C-1,Ann Other,,,web,BER,2026-11-20,SKU-A,1,5,\n"  # 14: renames C-1 …
        "SO-210,C-1,Ann Lee,,,web,BER,2026-11-20,SKU-A,1,5,\n",  # 15: … and this row disagrees
    )
    assert problems(report) == [
        (2, "sku"),
        (3, "customer_code"),
        (4, "ordered_at"),
        (5, "qty"),
        (6, "channel"),
        (7, "warehouse_code"),
        (8, "promised_date"),
        (10, "channel"),
        (11, "qty"),
        (13, "sku"),
        (15, "customer_name"),
    ]
    assert "no such SKU" in reason(report, 2) and "give customer_email" in reason(report, 3)
    assert "in the future" in reason(report, 4) and "below the minimum of 1" in reason(report, 5)
    assert "use one of: web, marketplace, b2b" in reason(report, 6) and "before the order date" in reason(report, 8)
    assert "SO-207 has web in row 9" in reason(report, 10)
    assert "already has SKU-A × 3" in reason(report, 11) and "discontinued" in reason(report, 13)
    assert "customer C-1 has Ann Other on row 14" in reason(report, 15)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 1)  # row 14 is a new line
    assert line(shop_db, "SO-1", "SKU-A").qty == 3
    assert scalar(shop_db, select(Customer.name).where(Customer.code == "C-1")) == "Ann Other"


def test_a_line_nothing_covers_is_promised_by_the_policy_not_refused(shop_db):
    report = run(
        shop_db,
        "orders",
        HEADER + "SO-300,C-1,,,,web,BER,2026-11-20,SKU-A,9,20,\n"  # 7 free: 2 wait with no supply
        "SO-301,C-1,,,,web,BER,2026-11-21,SKU-A,6,20,\n",  # behind it: all 6 wait
    )
    assert report.rejected == [] and report.created == 2
    first, second = line(shop_db, "SO-300", "SKU-A"), line(shop_db, "SO-301", "SKU-A")
    # Design §4: the last day of the SKU's maximum backorder wait (21 days by default) after the order.
    assert (first.status, first.qty_allocated, first.promised_date) == (LineStatus.BACKORDERED, 7, day(14))
    assert (second.status, second.qty_allocated, second.promised_date) == (LineStatus.BACKORDERED, 0, day(15))
    assert allocated(shop_db, "SKU-A") == 10


def test_the_policy_promise_follows_the_skus_own_maximum_wait_and_a_given_date_wins(shop_db):
    with shop_db.write_session() as session:
        session.execute(update(Product).where(Product.sku == "SKU-A").values(max_backorder_days=5))
    report = run(
        shop_db,
        "orders",
        HEADER + "SO-302,C-1,,,,web,BER,2026-11-10,SKU-A,9,20,\n"  # already past its promise: shown late
        "SO-303,C-1,,,,web,BER,2026-11-26,SKU-A,1,20,2027-01-15\n",
    )
    assert report.rejected == []
    assert line(shop_db, "SO-302", "SKU-A").promised_date == dt.date(2026, 11, 15)
    assert line(shop_db, "SO-303", "SKU-A").promised_date == day(49)


def test_vip_customers_get_the_stock_first_as_in_the_allocation_queue(shop_db):
    run(
        shop_db,
        "orders",
        HEADER + "SO-400,C-1,,,,web,BER,2026-11-20,SKU-A,7,20,2027-01-10\n"
        "SO-401,C-2,,,,web,BER,2026-11-24,SKU-A,7,20,\n",
    )
    assert line(shop_db, "SO-401", "SKU-A").status is LineStatus.ALLOCATED  # VIP, though ordered later
    normal = line(shop_db, "SO-400", "SKU-A")
    assert (normal.status, normal.qty_allocated) == (LineStatus.BACKORDERED, 0)


def test_metrics_and_kpis_rebuild_after_an_order_import(shop_db):
    report = run(shop_db, "orders", GOOD)
    refresh_metrics(shop_db, TODAY, rebuild_kpis=report.needs_kpi_rebuild)
    waiting = rows(shop_db, select(OrderLine.id).where(OrderLine.status == LineStatus.BACKORDERED))
    assert len(waiting) == 3


def test_orders_from_a_workbook_with_typed_cells(shop_db):
    book = Workbook()
    book.active.append(HEADER.strip().split(","))
    book.active.append(
        ["SO-500", "C-1", None, None, None, "web", "BER", dt.datetime(2026, 11, 26, 15, 30), "SKU-A", 2, 20.5, None]
    )
    book.active.append(
        [
            "SO-500",
            "C-1",
            None,
            None,
            None,
            "web",
            "BER",
            dt.datetime(2026, 11, 26, 15, 30),
            "SKU-B",
            1.0,
            20,
            dt.datetime(2026, 12, 30),
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(shop_db, "orders", buffer.getvalue(), "orders.xlsx")
    assert report.rejected == [] and report.created == 2
    assert scalar(shop_db, select(SalesOrder.ordered_at).where(SalesOrder.number == "SO-500")) == dt.datetime(
        2026, 11, 26, 15, 30, tzinfo=dt.UTC
    )
    assert line(shop_db, "SO-500", "SKU-B").promised_date == day(33)


def test_a_big_file_reads_whole_tables_instead_of_key_lists_with_the_same_result(shop_db, monkeypatch):
    monkeypatch.setattr(common, "SCAN_KEYS", 0)  # what a file of more than 20,000 keys does
    run(shop_db, "stock", "sku,warehouse_code,on_hand\nSKU-A,BER,11\n")
    report = run(shop_db, "orders", GOOD)
    assert report.rejected == [] and report.created == 3
    assert (line(shop_db, "SO-100", "SKU-A").status, line(shop_db, "SO-100", "SKU-B").promised_date) == (
        LineStatus.ALLOCATED,
        day(12),
    )
    assert allocated(shop_db, "SKU-A") == 5
    assert run(shop_db, "orders", GOOD).unchanged == 3


def customer(db, code: str) -> tuple | None:
    found = rows(db, select(Customer.name, Customer.email, Customer.priority).where(Customer.code == code))
    return tuple(found[0]) if found else None


ANN = ("Ann Lee", "ann@example.com", CustomerPriority.NORMAL)


def test_a_refused_rows_customer_details_are_not_written_by_a_later_good_row(shop_db):
    report = run(
        shop_db,
        "orders",
        HEADER + "SO-1,C-1,Mallory,mallory@evil.example,vip,marketplace,BER,2026-11-25,SKU-B,1,20,\n"  # 2: SO-1 is web
        "SO-600,C-1,,,,web,BER,2026-11-26,SKU-A,1,20,\n"  # 3: fine, names no details
        "SO-601,C-50,Nia Park,nia@example.com,,web,HAM,2026-11-26,SKU-Z,1,20,\n"  # 4: unknown SKU
        "SO-602,C-50,,,,web,BER,2026-11-26,SKU-A,1,20,\n",  # 5: C-50 is still unknown: row 4 does not count
    )
    assert problems(report) == [(2, "channel"), (4, "sku"), (5, "customer_code")]
    assert "give customer_name and customer_email" in reason(report, 5)
    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    assert customer(shop_db, "C-1") == ANN and customer(shop_db, "C-50") is None
    assert line(shop_db, "SO-600", "SKU-A").status is LineStatus.ALLOCATED


def test_a_good_row_after_a_refused_one_gives_its_own_customer_details(shop_db):
    report = run(
        shop_db,
        "orders",
        HEADER + "SO-1,C-1,,mallory@evil.example,,web,BER,2026-11-26,SKU-A,3,20,\n"  # 2: order day differs
        "SO-1,C-1,,ann.lee@example.com,,web,BER,2026-11-25 10:00,SKU-C,4,20,\n"  # 3: existing line, new e-mail
        "SO-603,C-1,Ann Lee-Berg,,,web,BER,2026-11-26,SKU-A,1,20,\n",  # 4: new line, new name
    )
    assert problems(report) == [(2, "ordered_at")]
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert customer(shop_db, "C-1") == ("Ann Lee-Berg", "ann.lee@example.com", CustomerPriority.NORMAL)


def test_a_line_nothing_covers_names_its_new_customer_and_makes_them_a_vip(shop_db):
    report = run(
        shop_db,
        "orders",
        HEADER + "SO-700,C-50,Nia Park,nia@example.com,vip,web,BER,2026-11-24,SKU-A,9,20,\n"  # 2 of 9 uncovered
        "SO-700,C-50,,,,web,BER,2026-11-24,SKU-B,1,20,\n"  # C-50 was only named on row 2
        "SO-701,C-60,Per Holm,per@example.com,,web,BER,2026-11-20,SKU-A,7,20,\n",  # earlier, but not a VIP
    )
    assert report.rejected == [] and report.created == 3
    assert customer(shop_db, "C-50") == ("Nia Park", "nia@example.com", CustomerPriority.VIP)
    assert line(shop_db, "SO-700", "SKU-A").qty_allocated == 7 and line(shop_db, "SO-701", "SKU-A").qty_allocated == 0
