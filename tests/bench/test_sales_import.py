"""`backorder-desk bench-sales` writes a history file, imports it twice and reports both times."""

import csv

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.bench import sales_import
from dashboard.cli import main
from dashboard.config import Settings
from dashboard.db.engine import Database
from dashboard.db.models import SalesLine
from tests.conftest import TODAY


def test_the_bench_imports_the_file_then_finds_every_line_unchanged(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}", auto_demo=False, today_override=TODAY)
    url, path = f"sqlite:///{tmp_path / 'bench.db'}", tmp_path / "sales.csv"
    args = ["bench-sales", "--lines", "300", "--skus", "40", "--url", url, "--file", str(path)]
    result = CliRunner().invoke(main, args, obj={"settings": settings})
    assert result.exit_code == 0, result.output
    assert "300 row(s); 300 new, 0 updated, 0 unchanged, 0 refused" in result.output
    assert "300 row(s); 0 new, 0 updated, 300 unchanged, 0 refused" in result.output
    assert "first import:" in result.output and "same file again:" in result.output
    with path.open() as handle:
        assert len(list(csv.reader(handle))) == 301
    database = Database(url)
    with database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(SalesLine)) > 0
    database.dispose()
    # A database with data in it is not the bench's to fill.
    with pytest.raises(RuntimeError, match="already has products"):
        sales_import.prepare_database(url, 40)
