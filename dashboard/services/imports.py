"""File imports: read CSV or XLSX, check every row, apply the good ones in one transaction, report the rest.

Receipts are the first kind (a WMS's goods-received export): one row per PO, SKU and delivery,
booked through :func:`dashboard.services.receiving.receive`, so an imported receipt serves
waiting customers exactly as one entered on /inbound. A row's ``reference`` (the delivery note)
makes a re-import of the same file a no-op instead of a second receipt.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import Product, StockMovement
from dashboard.domain.codes import MovementKind
from dashboard.services import audit, receiving
from dashboard.services.audit import Actor

TEMPLATES = {"receipts": ["po_number", "sku", "qty", "reference"]}
MAX_ROWS = 500_000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong format, missing columns)."""


@dataclass(frozen=True)
class Rejected:
    """One bad row: where, which column, what it held and why it was refused."""

    row: int
    column: str
    value: str
    reason: str


@dataclass
class ImportReport:
    """What an import did."""

    kind: str
    rows: int = 0
    applied: int = 0
    skipped: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def rejected_csv(self) -> str:
        """The refused rows as CSV (row, column, value, reason), for the user to fix and re-import."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["row", "column", "value", "reason"])
        writer.writerows([r.row, r.column, r.value, r.reason] for r in self.rejected)
        return buffer.getvalue()


def template(kind: str) -> str:
    """The CSV header a file of ``kind`` needs."""
    return ",".join(TEMPLATES[kind]) + "\n"


def read_rows(path: Path, required: list[str]) -> list[dict[str, Any]]:
    """Rows of a CSV or XLSX file as dicts keyed by lower-cased header; row numbers start at 2 (after the header)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(path, read_only=True, data_only=True).active
        except Exception as exc:
            raise ImportFileError(f"{path.name} is not a readable XLSX workbook ({type(exc).__name__}).") from None
        values = list(sheet.iter_rows(values_only=True))
    elif suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError(f"{path.name} is not UTF-8 text; save it as CSV UTF-8.") from None
        values = list(csv.reader(io.StringIO(text)))
    else:
        raise ImportFileError(f"{path.name}: use a .csv or .xlsx file.")
    if not values:
        raise ImportFileError(f"{path.name} is empty.")
    header = [str(cell or "").strip().lower() for cell in values[0]]
    missing = [column for column in required if column not in header]
    if missing:
        raise ImportFileError(
            f"{path.name} lacks the column(s): {', '.join(missing)} (expected {', '.join(required)})."
        )
    if len(values) - 1 > MAX_ROWS:
        raise ImportFileError(f"{path.name} has more than {MAX_ROWS:,} rows.")
    return [
        {name: row[i] if i < len(row) else None for i, name in enumerate(header)}
        for row in values[1:]
        if any(cell not in (None, "") for cell in row)
    ]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _quantity(value: Any) -> int | None:
    text = _text(value)
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and number > 0 else None


def import_receipts(
    session: Session, actor: Actor, rows: list[dict[str, Any]], today: dt.date, handling_days: int, file_name: str
) -> ImportReport:
    """Book every good receipt row (one transaction, the caller's); report the bad ones with their reason."""
    report = ImportReport("receipts", rows=len(rows))
    by_po: dict[str, list[tuple[int, str, int, str]]] = defaultdict(list)
    for number, row in enumerate(rows, start=2):
        po, sku, reference = _text(row.get("po_number")), _text(row.get("sku")), _text(row.get("reference"))
        qty = _quantity(row.get("qty"))
        if not po:
            report.rejected.append(Rejected(number, "po_number", "", "a PO number is required"))
        elif not sku:
            report.rejected.append(Rejected(number, "sku", "", "a SKU is required"))
        elif qty is None:
            report.rejected.append(Rejected(number, "qty", _text(row.get("qty")), "a whole number of at least 1"))
        elif reference and _already_booked(session, po, sku, reference):
            report.skipped += 1  # this delivery was imported before: importing the file again changes nothing
        else:
            by_po[po].append((number, sku, qty, reference))
    for po, items in sorted(by_po.items()):
        for number, sku, qty, reference in items:
            # One savepoint per row: a refused row leaves no trace, the others still go in.
            savepoint = session.begin_nested()
            try:
                receiving.receive(session, actor, po, today, handling_days, {sku: qty}, reference=reference or None)
                savepoint.commit()
                report.applied += 1
            except receiving.ReceiveError as exc:
                savepoint.rollback()
                report.rejected.append(
                    Rejected(
                        number, "qty" if "unit" in str(exc) else "po_number / sku", f"{po} / {sku} / {qty}", str(exc)
                    )
                )
    audit.record(
        session,
        actor,
        "import",
        file_name[:64],
        "import_receipts",
        None,
        {"rows": report.rows, "applied": report.applied, "skipped": report.skipped, "rejected": len(report.rejected)},
        None,
    )
    return report


def _already_booked(session: Session, po: str, sku: str, delivery: str) -> bool:
    """Whether this PO's SKU already has a receipt filed under this delivery note."""
    reference = receiving.movement_reference(po, delivery)
    return (
        session.scalar(
            select(StockMovement.id)
            .join(Product, Product.id == StockMovement.product_id)
            .where(
                Product.sku == sku,
                StockMovement.kind == MovementKind.RECEIPT,
                StockMovement.reference.in_([reference, f"{reference} (cross-dock)"]),
            )
            .limit(1)
        )
        is not None
    )
