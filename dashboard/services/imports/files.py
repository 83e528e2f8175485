"""Reading an uploaded file into a header and numbered rows; refusing, as a whole, what is not a table.

CSV (UTF-8, with or without BOM; comma, semicolon or tab separated, guessed from the header)
and XLSX (the first sheet; formulas are never evaluated — openpyxl gives the value the
spreadsheet last saved). Anything else, a binary file wearing a ``.csv`` name, an empty file or
one longer than :data:`MAX_ROWS` raises :class:`ImportFileError` with a message for the user.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dashboard.domain.inputs import RefusedError

MAX_ROWS = 500_000
# Sales history is many lines per SKU: a file of it may be twice as long (see ``run.max_rows``).
MAX_HISTORY_ROWS = 1_000_000
# An XLSX cell is cut to this length (CSV cells are limited by the csv module, 128 KiB).
MAX_CELL_CHARS = 100_000
DELIMITERS = (",", ";", "\t")


class ImportFileError(RefusedError):
    """The file as a whole cannot be imported (format, encoding, columns, size); nothing was changed."""


@dataclass(frozen=True)
class Table:
    """A file's header as written and its non-blank rows, each with its row number in the file.

    The header is the first non-blank row (usually row 1); rows are numbered as a spreadsheet shows them.
    """

    name: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]

    def __len__(self) -> int:
        """Number of data rows."""
        return len(self.rows)


def read_table(
    source: Path | bytes, name: str | None = None, limit: int | None = None, max_rows: int | None = None
) -> Table:
    """Read a CSV or XLSX file (a path, or uploaded bytes with their file ``name``).

    With ``limit`` only the first ``limit`` rows are read (the page's upload check and preview);
    problems further down the file are then found by the import itself. A file of more than
    ``max_rows`` rows (default :data:`MAX_ROWS`) is refused whole.
    """
    max_rows = MAX_ROWS if max_rows is None else max_rows
    if isinstance(source, Path):
        name = name or source.name
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise ImportFileError(f"{name} cannot be read ({exc.strerror}).") from None
    else:
        data = source
    name = name or "upload"
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        values = _xlsx_rows(data, name)
    elif suffix == ".csv":
        values = _csv_rows(data, name)
    else:
        raise ImportFileError(f"{name}: use a .csv or .xlsx file.")
    # The header is the first row with anything in it (exports often start with a blank line or two).
    header_line, header_row = 0, None
    for header_line, row in enumerate(values, start=1):  # noqa: B007 - the line is used after the loop
        if any(str(cell or "").strip() for cell in row):
            header_row = row
            break
    if header_row is None:
        raise ImportFileError(f"{name} is empty.")
    header = [_header_cell(cell) for cell in header_row]
    rows: list[tuple[int, list[Any]]] = []
    for number, row in enumerate(values, start=header_line + 1):
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row):
            continue
        if len(rows) >= max_rows:
            raise ImportFileError(f"{name} has more than {max_rows:,} rows; split it into smaller files.")
        rows.append((number, list(row)))
        if limit is not None and len(rows) >= limit:
            break
    if not rows:
        raise ImportFileError(f"{name} has a header but no rows to import.")
    return Table(name, header, rows)


def _header_cell(cell: Any) -> str:
    text = "" if cell is None else str(cell).strip()
    return text[:200]


def _csv_rows(data: bytes, name: str):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(f'{name} is UTF-16 text (Excel\'s "Unicode text"); save it as CSV UTF-8.')
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(f"{name} is an Excel workbook, not CSV text; save it as .xlsx or export CSV.")
    if b"\x00" in data[:65536]:
        raise ImportFileError(f"{name} is a binary file, not CSV text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"{name} is not UTF-8 text; save it as CSV UTF-8.") from None
    if "\x00" in text:
        raise ImportFileError(f"{name} is a binary file, not CSV text.")
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _checked(reader, name)


def _checked(reader, name: str):
    # csv refuses a cell longer than its field size limit (128 KiB): no real cell is that long.
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(f"{name} is not well-formed CSV near line {reader.line_num}: {exc}.") from None
        yield row


def _xlsx_rows(data: bytes, name: str):
    # openpyxl takes ~0.3 s to import; only XLSX files need it.
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; they do not matter for the data.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(f"{name} is not a readable XLSX workbook ({type(exc).__name__}).") from None
    return _sheet_rows(book, name)


def _sheet_rows(book, name: str):
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return
        try:
            for row in sheet.iter_rows(values_only=True):
                yield [_xlsx_cell(cell) for cell in row]
        except Exception as exc:
            raise ImportFileError(f"{name} is a damaged XLSX workbook ({type(exc).__name__}).") from None
    finally:
        book.close()


def _xlsx_cell(cell: Any) -> Any:
    if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
        return cell[:MAX_CELL_CHARS]
    return cell
