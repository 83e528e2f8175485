"""One date form everywhere: "3 Dec 2026" in Python builders and in AG Grid cells alike."""

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from dashboard.components import formats

ASSET = Path(__file__).resolve().parents[2] / "assets" / "dashAgGridFunctions.js"


def test_python_forms():
    assert formats.day(dt.date(2026, 12, 3)) == "3 Dec 2026"
    assert formats.day(dt.date(2026, 12, 3), year=False) == "3 Dec"
    assert formats.day(None) == "—"
    assert formats.weekday(dt.date(2026, 12, 3)) == "Thursday 3 Dec 2026"
    assert formats.stamp(dt.datetime(2026, 12, 3, 14, 5, 9, tzinfo=dt.UTC)) == "3 Dec 2026 14:05 UTC"
    assert formats.period(dt.date(2026, 11, 9), dt.date(2026, 11, 22)) == "9 Nov – 22 Nov 2026"
    assert formats.period(dt.date(2025, 12, 29), dt.date(2026, 1, 4)) == "29 Dec 2025 – 4 Jan 2026"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (the browser suite covers the grid)")
def test_the_grid_cells_read_like_the_python_forms():
    script = (
        ASSET.read_text()
        + """
const f = window.dashAgGridFunctions;
console.log(JSON.stringify([f.formatDay("2026-12-03"), f.formatDay("2026-01-09 07:00:00"), f.formatDay(null),
  f.formatStamp("2026-12-03 14:05:09.123"), f.formatStamp("2026-12-03")]));
"""
    )
    out = subprocess.run(["node", "-e", "var window = {};\n" + script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == '["3 Dec 2026","9 Jan 2026","","3 Dec 2026 14:05","3 Dec 2026"]'


def test_no_page_or_message_formats_a_date_by_hand():
    """Issue 22: '29 Oct', '2026-10-29' and '03 Dec 2026' on different pages. Every date goes through dates/formats."""
    root = Path(__file__).resolve().parents[2] / "dashboard"
    by_hand = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        if path.name != "dates.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if "%d %b" in line or "%a %d" in line or "slice(0, 10)" in line or "slice(0, 16)" in line
    ]
    assert by_hand == []
