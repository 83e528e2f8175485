"""Receipt imports: good rows booked through receiving, bad rows reported, the same file twice changes nothing."""

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from dashboard.db.models import AuditEvent, OrderLine, POLine, PurchaseOrder, StockMovement
from dashboard.domain.codes import LineStatus
from dashboard.services import imports, triage
from dashboard.services.audit import Actor
from tests.services import triage_data as data
from tests.services.triage_data import L2, L3, TODAY

MIA = Actor("mia", None)
GOOD_AND_BAD = (
    "PO_Number,SKU,Qty,Reference\n"
    "PO-A,SKU-1,6,DN-100\n"  # row 2: books, serves L3 and L2
    "PO-B,SKU-1,99,DN-101\n"  # row 3: more than is open
    "PO-B,SKU-9,1,DN-102\n"  # row 4: not on the PO
    "PO-B,SKU-1,two,DN-103\n"  # row 5: not a number
    ",SKU-1,1,DN-104\n"  # row 6: no PO
)


@pytest.fixture
def import_db(db):
    with db.write_session() as session:
        data.build(session)
    triage.refresh_triage(db, TODAY)
    return db


def run(db, path):
    rows = imports.read_rows(path, imports.TEMPLATES["receipts"])
    with db.write_session() as session:
        return imports.import_receipts(session, MIA, rows, TODAY, 2, path.name)


def received(db, po) -> int:
    with db.read_session() as session:
        return session.scalar(
            select(func.sum(POLine.qty_received)).join(PurchaseOrder).where(PurchaseOrder.number == po)
        )


def test_good_rows_go_in_and_bad_rows_are_reported_with_row_column_and_reason(import_db, tmp_path):
    path = tmp_path / "wms.csv"
    path.write_text(GOOD_AND_BAD)
    report = run(import_db, path)
    assert (report.rows, report.applied, report.skipped) == (5, 1, 0)
    assert [(r.row, r.column) for r in report.rejected] == [
        (5, "qty"),
        (6, "po_number"),
        (3, "qty"),
        (4, "po_number / sku"),
    ]
    assert "Only 4 unit(s)" in report.rejected[2].reason and "not on PO-B" in report.rejected[3].reason
    assert report.rejected_csv().splitlines()[0] == "row,column,value,reason"
    assert received(import_db, "PO-A") == 6 and received(import_db, "PO-B") == 0
    with import_db.read_session() as session:
        assert session.get(OrderLine, L3).status is LineStatus.ALLOCATED
        assert session.get(OrderLine, L2).status is LineStatus.ALLOCATED
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "import_receipts"))
    assert event.actor == "mia" and event.entity_id == "wms.csv"
    assert event.after == {
        "file": "wms.csv",
        "kind": "receipts",
        "rows": 5,
        "applied": 1,
        "unchanged": 0,
        "rejected": 4,
    }


def test_importing_the_same_file_again_changes_nothing(import_db, tmp_path):
    path = tmp_path / "wms.csv"
    path.write_text("po_number,sku,qty,reference\nPO-B,SKU-1,2,DN-7\n")
    assert run(import_db, path).applied == 1
    again = run(import_db, path)
    assert (again.applied, again.skipped, again.rejected) == (0, 1, [])
    assert received(import_db, "PO-B") == 2
    with import_db.read_session() as session:
        assert session.scalar(select(StockMovement.reference).where(StockMovement.quantity == 2)) == "PO-B / DN-7"


def test_xlsx_files_are_read_too(import_db, tmp_path):
    book = Workbook()
    book.active.append(["po_number", "sku", "qty", "reference"])
    book.active.append(["PO-B", "SKU-1", 4, "DN-9"])
    path = tmp_path / "receipts.xlsx"
    book.save(path)
    assert run(import_db, path).applied == 1 and received(import_db, "PO-B") == 4


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.csv", "po,sku\nPO-A,SKU-1\n", "lacks the column"),
        ("x.txt", "po_number,sku,qty\n", "use a .csv or .xlsx"),
        ("x.csv", "", "is empty"),
        ("x.xlsx", "not a workbook", "not a readable XLSX"),
    ],
)
def test_unreadable_files_are_refused_whole(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(imports.ImportFileError, match=message):
        imports.read_rows(path, imports.TEMPLATES["receipts"])
