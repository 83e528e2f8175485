"""The first import API (receipts only), kept for its callers; the rest is :mod:`dashboard.services.importing`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dashboard.services.audit import Actor
from dashboard.services.importing import (
    MAX_ROWS,
    TEMPLATES,
    ImportFileError,
    ImportReport,
    Rejected,
    Table,
    read_table,
    run_import,
    template,
)

ROW = "#row"

__all__ = [
    "MAX_ROWS",
    "TEMPLATES",
    "ImportFileError",
    "ImportReport",
    "Rejected",
    "import_receipts",
    "read_rows",
    "template",
]


def read_rows(path: Path, required: list[str]) -> list[dict[str, Any]]:
    """Rows of a CSV or XLSX file as dicts keyed by lower-cased header, each with its file row number under ``#row``."""
    table = read_table(path)
    header = [column.lower() for column in table.header]
    missing = [column for column in required if column not in header]
    if missing:
        raise ImportFileError(
            f"{path.name} lacks the column(s): {', '.join(missing)} (expected {', '.join(required)})."
        )
    return [
        {ROW: number, **{name: cells[i] if i < len(cells) else None for i, name in enumerate(header) if name}}
        for number, cells in table.rows
    ]


def import_receipts(
    session: Session, actor: Actor, rows: list[dict[str, Any]], today: dt.date, handling_days: int, file_name: str
) -> ImportReport:
    """Book every good receipt row (one transaction, the caller's); report the bad ones with their reason."""
    header = [name for name in TEMPLATES["receipts"] if any(name in row for row in rows)]
    table = Table(
        file_name,
        header,
        [(row.get(ROW, n), [row.get(name) for name in header]) for n, row in enumerate(rows, start=2)],
    )
    return run_import(session, actor, "receipts", table, today=today, handling_days=handling_days)
