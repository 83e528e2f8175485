"""Sales-period imports: periods per row or a snapshot's nested windows, never overlapping, refused row by row."""

import datetime as dt

import pytest
from sqlalchemy import select, text

from dashboard.db.models import Product, SalesPeriod, Warehouse
from dashboard.services import imports as importing
from tests.services.imports.import_data import DATA_TABLES, problems, reason, rows, run, scalar

D = dt.date
LONG = "sku,warehouse_code,period_start,period_end,month,week,quantity,days_out_of_stock\n"
WIDE = "sku,warehouse_code,as_of,sold_last_1_month,units_sold_last_3_months,last_6_months,sold_9m\n"


def stored(db) -> list[tuple]:
    """(sku, warehouse, start, end, qty, days out) of every stored period, in order."""
    return [
        tuple(row)
        for row in rows(
            db,
            select(
                Product.sku,
                Warehouse.code,
                SalesPeriod.period_start,
                SalesPeriod.period_end,
                SalesPeriod.qty,
                SalesPeriod.days_out_of_stock,
            )
            .join(Product, Product.id == SalesPeriod.product_id)
            .join(Warehouse, Warehouse.id == SalesPeriod.warehouse_id)
            .order_by(Product.sku, Warehouse.code, SalesPeriod.period_start),
        )
    ]


def everything(db) -> dict[str, list[tuple]]:
    """Every row of every data table and of sales_period: equal means the import left no trace."""
    with db.read_session() as session:
        return {
            table: [tuple(row) for row in session.execute(text(f'SELECT * FROM "{table}" ORDER BY id'))]
            for table in (*DATA_TABLES, "sales_period")
        }


def test_months_weeks_and_ranges_become_periods(shop_db):
    content = (
        LONG + "SKU-A,BER,,,2026-03,,40,2\n"
        "SKU-A,BER,,,Apr 2026,,35,\n"
        "SKU-A,BER,,,2026-05-01,,0,0\n"
        "SKU-A,HAM,,,,2026-W09,7,\n"
        "SKU-B,BER,2026-10-01,2026-11-26,,,90,\n"
    )
    report = run(shop_db, "sales_periods", content)
    assert (report.created, report.rejected) == (5, [])
    assert stored(shop_db) == [
        ("SKU-A", "BER", D(2026, 3, 1), D(2026, 3, 31), 40, 2),
        ("SKU-A", "BER", D(2026, 4, 1), D(2026, 4, 30), 35, None),
        ("SKU-A", "BER", D(2026, 5, 1), D(2026, 5, 31), 0, 0),
        ("SKU-A", "HAM", D(2026, 2, 23), D(2026, 3, 1), 7, None),
        ("SKU-B", "BER", D(2026, 10, 1), D(2026, 11, 26), 90, None),
    ]
    source = scalar(shop_db, select(SalesPeriod.source).limit(1))
    assert source == "upload.csv"


def test_a_snapshot_s_nested_windows_become_disjoint_periods_with_the_differences(shop_db):
    content = WIDE + "SKU-A,BER,2026-10-31,5,12,30,40\nSKU-B,BER,2026-10-31,0,3,,9\n"
    report = run(shop_db, "sales_periods", content)
    assert (report.created, report.rejected) == (2, [])
    assert stored(shop_db) == [
        ("SKU-A", "BER", D(2026, 2, 1), D(2026, 4, 30), 10, None),
        ("SKU-A", "BER", D(2026, 5, 1), D(2026, 7, 31), 18, None),
        ("SKU-A", "BER", D(2026, 8, 1), D(2026, 9, 30), 7, None),
        ("SKU-A", "BER", D(2026, 10, 1), D(2026, 10, 31), 5, None),
        # A blank window is one the row does not give: 9 months minus 3, then 3 minus 1, then 1.
        ("SKU-B", "BER", D(2026, 2, 1), D(2026, 7, 31), 6, None),
        ("SKU-B", "BER", D(2026, 8, 1), D(2026, 9, 30), 3, None),
        ("SKU-B", "BER", D(2026, 10, 1), D(2026, 10, 31), 0, None),
    ]


def test_a_snapshot_without_warehouse_or_as_of_columns_takes_them_for_the_whole_file(shop_db):
    content = "sku,national_inv,forecast_3_month,sales_1_month,sales_3_month\nSKU-A,10,99,4,10\n"
    report = run(shop_db, "sales_periods", content, warehouse_code="HAM", values={"as_of": "2026-09-30"})
    assert (report.created, report.rejected) == (1, [])
    assert stored(shop_db) == [
        ("SKU-A", "HAM", D(2026, 7, 1), D(2026, 8, 31), 6, None),
        ("SKU-A", "HAM", D(2026, 9, 1), D(2026, 9, 30), 4, None),
    ]
    # Without as_of the windows end today.
    again = run(shop_db, "sales_periods", "sku,sold_last_7_days\nSKU-B,3\n", warehouse_code="BER")
    assert again.created == 1
    assert stored(shop_db)[-1] == ("SKU-B", "BER", D(2026, 11, 21), D(2026, 11, 27), 3, None)


def test_importing_the_same_file_again_changes_nothing_and_a_new_total_replaces_the_old(shop_db):
    long = LONG + "SKU-A,BER,,,2026-03,,40,2\nSKU-A,BER,,,2026-04,,35,\n"
    wide = WIDE + "SKU-B,BER,2026-10-31,5,12,30,40\n"
    assert run(shop_db, "sales_periods", long).created == 2
    assert run(shop_db, "sales_periods", wide).created == 1
    before = everything(shop_db)
    for content in (long, wide):
        again = run(shop_db, "sales_periods", content)
        assert (again.applied, again.unchanged, again.rejected) == (0, again.rows, [])
    assert everything(shop_db) == before
    changed = run(shop_db, "sales_periods", LONG + "SKU-A,BER,,,2026-03,,41,\nSKU-A,BER,,,2026-04,,35,1\n")
    assert (changed.updated, changed.unchanged) == (2, 0)
    # A blank days_out_of_stock keeps what was stored; a given one replaces it.
    assert stored(shop_db)[:2] == [
        ("SKU-A", "BER", D(2026, 3, 1), D(2026, 3, 31), 41, 2),
        ("SKU-A", "BER", D(2026, 4, 1), D(2026, 4, 30), 35, 1),
    ]


CASES = [
    # (row in the file, column, value, reason fragment)
    ("SKU-A,BER,2026-02-01,2026-02-30,,,5,", "period_end", "2026-02-30", "is not a real date"),
    ("SKU-A,BER,2026-03-10,2026-03-01,,,5,", "period_end", "2026-03-01", "is before period_start 2026-03-10"),
    ("SKU-A,BER,,,2026-03,,-4,", "quantity", "-4", "below the minimum of 0"),
    ("SKU-A,BER,,,2026-02,,4,29", "days_out_of_stock", "29", "more than the 28 day(s) of the period"),
    ("SKU-X,BER,,,2026-03,,4,", "sku", "SKU-X", "no such SKU"),
    ("SKU-A,PAR,,,2026-03,,4,", "warehouse_code", "PAR", "no such warehouse; known: BER, HAM"),
    ("SKU-A,BER,,,2026-11,,4,", "month", "2026-11-01–2026-11-30", "ends after today (2026-11-27)"),
    ("SKU-A,BER,,,2026-13,,4,", "month", "2026-13", "months run from 01 to 12"),
    ("SKU-A,BER,,,,2025-W53,4,", "week", "2025-W53", "weeks 1 to 52"),
    ("SKU-A,BER,,,2026-03,2026-W10,4,", "week", "", "give one period per row, not month and week"),
    ("SKU-A,BER,2026-03-01,,,,4,", "period_end", "", "required with period_start"),
    ("SKU-A,BER,,,,,4,", "period_start", "", "required: give period_start and period_end, a month or an ISO week"),
    ("SKU-A,BER,,,2026-03,,,", "quantity", "", "required"),
]


@pytest.mark.parametrize(("line", "column", "value", "why"), CASES, ids=[c[3][:30] for c in CASES])
def test_bad_rows_are_refused_with_row_column_value_and_reason_and_leave_no_trace(shop_db, line, column, value, why):
    before = everything(shop_db)
    report = run(shop_db, "sales_periods", LONG + line + "\n")
    assert [(r.row, r.column) for r in report.rejected] == [(2, column)]
    bad = report.rejected[0]
    assert why in bad.reason, bad.reason
    if value:
        assert bad.value == value
    assert report.applied == 0
    assert everything(shop_db) == before


def test_a_bad_row_does_not_stop_the_good_ones(shop_db):
    content = LONG + "SKU-A,BER,,,2026-03,,40,\nSKU-A,BER,,,2026-04,,-1,\nSKU-A,BER,,,2026-05,,9,\n"
    report = run(shop_db, "sales_periods", content)
    assert (report.created, problems(report)) == (2, [(3, "quantity")])
    assert [row[2].month for row in stored(shop_db)] == [3, 5]


def test_a_snapshot_window_selling_fewer_than_one_inside_it_refuses_the_whole_row(shop_db):
    before = everything(shop_db)
    report = run(shop_db, "sales_periods", WIDE + "SKU-A,BER,2026-10-31,12,10,30,40\nSKU-B,BER,2026-10-31,,,,\n")
    assert problems(report) == [(2, "units_sold_last_3_months"), (3, "sold_last_1_month")]
    assert "10 units sold in the last 3 months is fewer than the 12 sold in the last 1 month" in reason(report, 2)
    assert "required: a total in at least one of" in reason(report, 3)
    assert everything(shop_db) == before


def test_periods_that_overlap_in_the_file_are_refused_naming_the_earlier_row(shop_db):
    content = (
        LONG + "SKU-A,BER,,,2026-03,,40,\n"
        "SKU-A,BER,2026-03-15,2026-04-15,,,10,\n"  # straddles March and April
        "SKU-A,BER,,,2026-03,,40,\n"  # March again
        "SKU-A,HAM,2026-03-15,2026-04-15,,,10,\n"  # another warehouse: its own periods
        "SKU-A,BER,,,,2026-W11,3,\n"  # a week inside March
    )
    report = run(shop_db, "sales_periods", content)
    assert report.created == 2
    assert problems(report) == [(3, "period_end"), (4, "month"), (6, "week")]
    assert "2026-03-15–2026-04-15 overlaps 2026-03-01–2026-03-31 of row 2" in reason(report, 3)
    assert "repeats row 2: the same period" in reason(report, 4)
    assert "overlaps 2026-03-01–2026-03-31 of row 2" in reason(report, 6)


def test_periods_overlapping_stored_ones_other_than_identically_are_refused(shop_db):
    run(shop_db, "sales_periods", LONG + "SKU-A,BER,,,2026-03,,40,\nSKU-A,BER,,,2026-04,,30,\n", name="months.csv")
    before = everything(shop_db)
    content = (
        LONG + "SKU-A,BER,2026-03-20,2026-04-10,,,9,\n"  # partly over both months
        "SKU-A,BER,2026-01-01,2026-06-30,,,99,\n"  # contains them
        "SKU-A,BER,,,,2026-W11,3,\n"  # inside March
    )
    report = run(shop_db, "sales_periods", content)
    assert problems(report) == [(2, "period_end"), (3, "period_end"), (4, "week")]
    # One stored period it overlaps is named (the latest starting before its end).
    assert "2026-03-20–2026-04-10 overlaps the stored period 2026-04-01–2026-04-30 (30 units, from months.csv)" in (
        reason(report, 2)
    )
    assert "overlaps the stored period 2026-04-01–2026-04-30" in reason(report, 3)
    assert "overlaps the stored period 2026-03-01–2026-03-31 (40 units" in reason(report, 4)
    assert "only the identical period can be imported again" in reason(report, 4)
    assert everything(shop_db) == before


def test_a_newer_snapshot_replaces_the_stored_totals_its_windows_touch(shop_db):
    run(shop_db, "sales_periods", LONG + "SKU-A,BER,,,2025-12,,7,\nSKU-A,BER,,,2026-03,,40,\n", name="months.csv")
    run(shop_db, "sales_periods", WIDE + "SKU-A,BER,2026-09-30,4,10,20,30\n", name="september.csv")
    # A month later: its windows straddle September's snapshot and the stored March; both give way.
    # December 2025 lies wholly before its oldest window and stays.
    report = run(shop_db, "sales_periods", WIDE + "SKU-A,BER,2026-10-31,5,12,30,40\n", name="october.csv")
    assert problems(report) == [] and report.updated == 1
    assert [row[2:5] for row in stored(shop_db)] == [
        (dt.date(2025, 12, 1), dt.date(2025, 12, 31), 7),
        (dt.date(2026, 2, 1), dt.date(2026, 4, 30), 10),
        (dt.date(2026, 5, 1), dt.date(2026, 7, 31), 18),
        (dt.date(2026, 8, 1), dt.date(2026, 9, 30), 7),
        (dt.date(2026, 10, 1), dt.date(2026, 10, 31), 5),
    ]
    again = run(shop_db, "sales_periods", WIDE + "SKU-A,BER,2026-10-31,5,12,30,40\n", name="october.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_files_that_are_neither_form_or_name_no_warehouse_are_refused_whole(shop_db):
    before = everything(shop_db)
    cases = [
        ("sku,warehouse_code,quantity\nSKU-A,BER,3\n", {}, "needs sku, warehouse_code, quantity and the period"),
        ("sku,month,quantity\nSKU-A,2026-03,3\n", {}, "lacks the column warehouse_code"),
        ("sku,warehouse_code,month,quantity\nSKU-A,BER,2026-03,3\n", {"warehouse_code": "BER"}, "has a warehouse"),
        ("sku,warehouse_code,month,quantity,sold_3m\nSKU-A,BER,2026-03,3,4\n", {}, "one form or the other"),
        ("sku,warehouse_code,sold_3m,sales_3_months\nSKU-A,BER,3,3\n", {}, "both hold the last 3 months"),
        ("sku,warehouse_code,month,quantity,as_of\nSKU-A,BER,2026-03,3,2026-03-31\n", {}, "as_of is for snapshot"),
    ]
    for content, options, message in cases:
        warehouse = options.get("warehouse_code")
        with pytest.raises(importing.ImportFileError, match=message):
            run(shop_db, "sales_periods", content, warehouse_code=warehouse)
    with pytest.raises(importing.MappingError, match="has a column for as_of"):
        run(shop_db, "sales_periods", WIDE + "SKU-A,BER,2026-10-31,1,2,3,4\n", values={"as_of": "2026-10-31"})
    with pytest.raises(importing.MappingError, match="is not a field of sales_periods"):
        run(shop_db, "sales_periods", WIDE + "SKU-A,BER,2026-10-31,1,2,3,4\n", values={"colour": "red"})
    assert everything(shop_db) == before


def test_a_set_value_is_checked_like_a_cell(shop_db):
    report = run(
        shop_db, "sales_periods", "sku,sold_3m\nSKU-A,4\n", warehouse_code="BER", values={"as_of": "2026-02-30"}
    )
    assert problems(report) == [(2, "as_of")] and "is not a real date" in reason(report, 2)
    late = run(shop_db, "sales_periods", "sku,sold_3m\nSKU-A,4\n", warehouse_code="BER", values={"as_of": "2026-12-01"})
    assert problems(late) == [(2, "as_of")] and "after today" in reason(late, 2)
    assert stored(shop_db) == []


def test_the_preview_shows_what_each_row_would_do(shop_db):
    table = importing.read_table(
        (WIDE + "SKU-A,BER,2026-10-31,5,12,30,40\nSKU-A,BER,2026-10-31,5,4,30,40\n").encode(), "s.csv"
    )
    with shop_db.read_session() as session:
        shown = importing.preview(session, "sales_periods", table, today=D(2026, 11, 27))
    assert [(r.row, r.outcome) for r in shown] == [(2, "new"), (3, "rejected")]
    assert shown[0].values["sold_9m"] == "40"
