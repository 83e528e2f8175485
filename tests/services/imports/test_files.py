"""Reading files: CSV and XLSX in, anything forged or malformed refused whole, refused rows written back safely."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from dashboard.services import imports as importing
from dashboard.services.imports import files
from dashboard.services.imports.report import ImportReport, Rejected


def xlsx_bytes(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class TestReading:
    def test_csv_with_bom_semicolons_and_blank_rows_keeps_the_file_s_row_numbers(self):
        data = "\ufeffItem No;Qty\r\nA-1;3\r\n;\r\n\r\nA-2;4\r\n".encode()
        table = importing.read_table(data, "wms.csv")
        assert table.header == ["Item No", "Qty"]
        assert table.rows == [(2, ["A-1", "3"]), (5, ["A-2", "4"])]

    def test_a_header_below_blank_rows_is_found_and_rows_keep_their_numbers(self):
        table = importing.read_table(xlsx_bytes([None, None], [], ["sku", "on_hand"], ["A-1", 3]), "count.xlsx")
        assert table.header == ["sku", "on_hand"] and table.rows == [(4, ["A-1", 3])]
        table = importing.read_table(b"\n,,\nsku,on_hand\nA-1,3\n", "count.csv")
        assert table.header == ["sku", "on_hand"] and table.rows == [(4, ["A-1", "3"])]

    def test_only_the_first_rows_are_read_when_asked(self):
        table = importing.read_table(b"sku,on_hand\nA,1\nB,2\nC,3\n", "count.csv", limit=2)
        assert [number for number, _ in table.rows] == [2, 3]

    def test_a_path_is_read_like_an_upload(self, tmp_path):
        path = tmp_path / "stock.csv"
        path.write_text("sku,on_hand\nA,1\n")
        assert importing.read_table(path).name == "stock.csv" and len(importing.read_table(path)) == 1

    def test_xlsx_cells_come_typed_and_formulas_are_never_evaluated(self):
        data = xlsx_bytes(["sku", "on_hand", "note"], ["A-1", 5, "=1+1"], ["A-2", 7.0, '=HYPERLINK("http://x")'])
        table = importing.read_table(data, "stock.xlsx")
        assert table.rows[0][1][:2] == ["A-1", 5] and table.rows[1][1][1] == 7.0
        # openpyxl wrote the formulas without a cached result: the value read is None, not "2".
        assert table.rows[0][1][2] is None and table.rows[1][1][2] is None

    def test_a_formula_in_a_csv_cell_is_just_text(self):
        table = importing.read_table(b"sku,name\nA,=cmd|' /C calc'!A0\n", "x.csv")
        assert table.rows[0][1][1] == "=cmd|' /C calc'!A0"


class TestRefusedWhole:
    @pytest.mark.parametrize(
        ("name", "data", "message"),
        [
            ("garbage.csv", bytes(range(256)) * 4, "binary file"),
            ("utf8-nul.csv", b"sku,name\nA,\x00\x00\n", "binary file"),
            ("latin1.csv", "sku,name\nA,Crème brûlée\n".encode("latin-1"), "not UTF-8"),
            ("unicode.csv", "sku\tname\nA\tB\n".encode("utf-16"), "UTF-16 text .*save it as CSV UTF-8"),
            ("book.csv", b"PK\x03\x04" + b"\x00" * 40, "Excel workbook"),
            ("fake.xlsx", b"sku,qty\nA,1\n", "not a readable XLSX"),
            ("truncated.xlsx", xlsx_bytes(["sku"], ["A"])[:300], "not a readable XLSX"),
            ("notes.txt", b"sku\nA\n", "use a .csv or .xlsx"),
            ("old.xls", b"\xd0\xcf\x11\xe0", "use a .csv or .xlsx"),
            ("empty.csv", b"", "is empty"),
            ("blank.csv", b"\n\n ,\n", "is empty"),
            ("header.csv", b"sku,on_hand\n", "no rows to import"),
            ("huge.csv", b"sku,name\nA," + b"x" * 200_000 + b"\n", "not well-formed CSV"),
        ],
    )
    def test_files_that_are_not_tables_are_refused_with_a_message(self, name, data, message):
        with pytest.raises(importing.ImportFileError, match=message):
            importing.read_table(data, name)

    def test_more_rows_than_the_limit_are_refused(self, monkeypatch):
        monkeypatch.setattr(files, "MAX_ROWS", 3)
        importing.read_table(b"sku\nA\nB\nC\n", "ok.csv")
        with pytest.raises(importing.ImportFileError, match="more than 3 rows"):
            importing.read_table(b"sku\nA\nB\nC\nD\n", "big.csv")

    def test_a_missing_file_is_a_file_error(self, tmp_path):
        with pytest.raises(importing.ImportFileError, match="cannot be read"):
            importing.read_table(Path(tmp_path / "nope.csv"))


class TestRejectedCsv:
    def test_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text(self):
        report = ImportReport("products")
        report.rejected = [
            Rejected(3, "name", "=cmd|' /C calc'!A0", "longer than 200 characters"),
            Rejected(2, "unit_price", "-5", "'-5' is negative"),
            Rejected(4, "sku", "+1", "no such SKU"),
            Rejected(5, "sku", "@SUM(A1:A2)", "=SUM(1)"),
            Rejected(6, "sku", "plain", "fine"),
        ]
        written = list(csv.reader(io.StringIO(report.rejected_csv())))
        assert written[0] == ["row", "column", "value", "reason"]
        assert [row[0] for row in written[1:]] == ["2", "3", "4", "5", "6"]  # in row order
        assert written[1][2] == "'-5" and written[2][2] == "'=cmd|' /C calc'!A0" and written[3][2] == "'+1"
        assert written[4][2:] == ["'@SUM(A1:A2)", "'=SUM(1)"] and written[5][2:] == ["plain", "fine"]
        assert not any(cell.startswith(("=", "+", "-", "@")) for row in written for cell in row)

    def test_rows_are_counted_once_however_many_problems_they_have(self):
        report = ImportReport("stock", rejected=[Rejected(2, "sku", "", "required"), Rejected(2, "qty", "x", "bad")])
        assert report.rejected_rows == 1
