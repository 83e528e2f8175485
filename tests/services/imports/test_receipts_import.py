"""Receipt imports: one delivery is booked once — repeated in a file, imported again, or with a long note."""

import pytest
from sqlalchemy import select, update

from dashboard.db.models import POLine, Product, PurchaseOrder, StockLevel, StockMovement
from dashboard.domain.codes import MovementKind
from dashboard.services import imports as importing
from dashboard.services.inbound import receiving
from tests.services.imports.import_data import (
    MIA,
    TODAY,
    ledger_is_true,
    problems,
    reason,
    rows,
    run,
    scalar,
    snapshot,
)

HEADER = "po_number,sku,qty,reference\n"
LONG_PO = "PO-2026-11-EXAMPLE-SUPPLIER-0001"  # 32 characters, the most a PO number may have
ROOM = 64 - len(" (cross-dock)") - len(f"{LONG_PO} / ")  # 16: the longest note that fits whole beside it


def received(db, po: str = "PO-1") -> int:
    return scalar(db, select(POLine.qty_received).join(PurchaseOrder).where(PurchaseOrder.number == po))


def on_hand(db, sku: str = "SKU-B") -> int:
    return scalar(db, select(StockLevel.on_hand).join(Product).where(Product.sku == sku))


def receipts(db) -> list[tuple]:
    return rows(
        db,
        select(StockMovement.quantity, StockMovement.reference)
        .where(StockMovement.kind == MovementKind.RECEIPT, StockMovement.reference.is_not(None))
        .order_by(StockMovement.id),
    )


@pytest.fixture
def long_po_db(shop_db):
    """The shop with PO-1 renumbered to a PO number of the greatest length."""
    with shop_db.write_session() as session:
        session.execute(update(PurchaseOrder).where(PurchaseOrder.number == "PO-1").values(number=LONG_PO))
    return shop_db


def test_the_same_delivery_twice_in_one_file_is_booked_once(shop_db):
    content = HEADER + "PO-1,SKU-B,5,DN-100\nPO-1,SKU-B,5,DN-100\nPO-1,SKU-B,3,DN-101\n"
    report = run(shop_db, "receipts", content)
    assert (report.created, report.unchanged) == (2, 0)
    assert problems(report) == [(3, "reference")]
    assert "repeats row 2" in reason(report, 3)
    assert received(shop_db) == 8 and on_hand(shop_db) == 8
    assert receipts(shop_db) == [(5, "PO-1 / DN-100"), (3, "PO-1 / DN-101")]
    assert ledger_is_true(shop_db)
    before = snapshot(shop_db)
    again = run(shop_db, "receipts", content)
    assert (again.created, again.unchanged, problems(again)) == (0, 2, [(3, "reference")])
    assert snapshot(shop_db) == before


def test_long_delivery_notes_are_refused_rather_than_cut_into_one_delivery(long_po_db):
    first = "DELIVERY-NOTE-WAREHOUSE-BERLIN-2026-11-27-000001"  # 48 characters; differs from the next at the end
    second = "DELIVERY-NOTE-WAREHOUSE-BERLIN-2026-11-27-000002"
    before = snapshot(long_po_db)
    just_over = "N" * (ROOM + 1)  # fits beside the PO number, but not with the cross-dock suffix too
    content = f"{HEADER}{LONG_PO},SKU-B,5,{first}\n{LONG_PO},SKU-B,7,{second}\n{LONG_PO},SKU-B,1,{just_over}\n"
    report = run(long_po_db, "receipts", content)
    assert (report.created, report.unchanged) == (0, 0)
    assert problems(report) == [(2, "reference"), (3, "reference"), (4, "reference")]
    assert f"at most {ROOM} characters" in reason(report, 2) and "too long" in reason(report, 3)
    assert snapshot(long_po_db) == before


def test_notes_that_fit_are_filed_whole_and_kept_apart(long_po_db):
    with long_po_db.write_session() as session:
        session.execute(update(POLine).values(cross_dock=True))  # the longest reference: with the suffix
    first, second = "D" * (ROOM - 1) + "1", "D" * (ROOM - 1) + "2"
    report = run(long_po_db, "receipts", f"{HEADER}{LONG_PO},SKU-B,5,{first}\n{LONG_PO},SKU-B,7,{second}\n")
    assert (report.created, report.rejected) == (2, [])
    assert receipts(long_po_db) == [
        (5, f"{LONG_PO} / {first} (cross-dock)"),
        (7, f"{LONG_PO} / {second} (cross-dock)"),
    ]
    assert all(len(reference) == 64 for _qty, reference in receipts(long_po_db))
    assert received(long_po_db, LONG_PO) == 12 and ledger_is_true(long_po_db)
    again = run(long_po_db, "receipts", f"{HEADER}{LONG_PO},SKU-B,5,{first}\n{LONG_PO},SKU-B,7,{second}\n")
    assert (again.created, again.unchanged, again.rejected) == (0, 2, [])


def test_receiving_refuses_a_delivery_note_it_cannot_file_whole(long_po_db):
    before, refusal = snapshot(long_po_db), ""
    with long_po_db.write_session() as session:  # committed: the refusal comes before any change
        try:
            receiving.receive(session, MIA, LONG_PO, TODAY, 2, {"SKU-B": 5}, reference="N" * (ROOM + 1))
        except receiving.ReceiveError as exc:
            refusal = str(exc)
    assert "too long" in refusal and f"at most {ROOM} characters" in refusal
    assert snapshot(long_po_db) == before
    assert receiving.movement_reference(LONG_PO, None) == LONG_PO
    assert receiving.movement_reference("PO-1", "DN-1") == "PO-1 / DN-1"


def test_a_receipt_needs_its_delivery_note(shop_db):
    assert importing.describe("receipts")[3]["name"] == "reference"
    assert importing.describe("receipts")[3]["required"] is True
    before = snapshot(shop_db)
    with pytest.raises(importing.ImportFileError, match="lacks the column"):
        run(shop_db, "receipts", "po_number,sku,qty\nPO-1,SKU-B,5\n")
    report = run(shop_db, "receipts", HEADER + "PO-1,SKU-B,5,\nPO-1,SKU-B,5,  \n")
    assert (report.created, problems(report)) == (0, [(2, "reference"), (3, "reference")])
    assert reason(report, 2) == "required"
    assert snapshot(shop_db) == before
