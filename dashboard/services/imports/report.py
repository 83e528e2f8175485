"""What an import did: counts, the refused rows with their reasons, and those rows as a safe CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from dashboard.domain.import_values import cell_text

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection):
# the refused-rows file is opened in Excel, so such cells are written with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_VALUE_CHARS = 200


def safe_cell(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet will show as text, never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def clip(raw: object) -> str:
    """A cell's text, cut to a length a report can show."""
    text = cell_text(raw)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


@dataclass(frozen=True)
class Rejected:
    """One problem on one row: where, which column, what it held and why it was refused."""

    row: int
    column: str
    value: str
    reason: str


@dataclass
class ImportReport:
    """What an import did; ``rows = applied + unchanged + ignored + rejected_rows``."""

    kind: str
    rows: int = 0
    applied: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    file_name: str = ""
    created: int = 0
    updated: int = 0
    # Rows that are not ours to import (a shop export's image-only rows, variable-product parents).
    ignored: int = 0
    # Orders, purchase orders and catalog changes move history the KPI tables were built from:
    # the caller runs ``refresh_metrics(db, today, rebuild_kpis=True)`` after the commit.
    needs_kpi_rebuild: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Rows already in the database as they are in the file (the receipts import's older name)."""
        return self.unchanged

    @property
    def rejected_rows(self) -> int:
        """How many rows were refused (a row may have several problems)."""
        return len({r.row for r in self.rejected})

    def rejected_csv(self) -> str:
        """The refused rows as CSV (row, column, value, reason) for the user to fix and re-import."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["row", "column", "value", "reason"])
        writer.writerows(
            [r.row, safe_cell(r.column), safe_cell(r.value), safe_cell(r.reason)]
            for r in sorted(self.rejected, key=lambda r: r.row)
        )
        return buffer.getvalue()

    def audit_after(self) -> dict:
        """The counts the audit event keeps."""
        counts = {
            "file": self.file_name,
            "kind": self.kind,
            "rows": self.rows,
            "applied": self.applied,
            "unchanged": self.unchanged,
            "rejected": self.rejected_rows,
        }
        return counts | ({"ignored": self.ignored} if self.ignored else {})
