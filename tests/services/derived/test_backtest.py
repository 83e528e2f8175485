"""The backtest on the demo data: every figure is computed, per ABC class and method (issue 20 item 4).

Its values are the demo's and are written up in docs/forecasting.md; here the report's shape, that
nothing is missing or NaN, and the invariants that do not depend on the data are asserted.
"""

import json
import math

import pytest
from click.testing import CliRunner

from dashboard.cli import main
from dashboard.config import Settings
from dashboard.services.derived.backtest import format_report, run_backtest
from tests.conftest import TODAY

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(demo_db):
    with demo_db.read_session() as session:
        return run_backtest(session, TODAY, weeks=6)


def test_every_group_has_every_figure(report):
    assert len(report.cutoffs) == 6 and report.observations > 0
    by = {(row["by"], row["group"]) for row in report.groups}
    assert {("abc_class", c) for c in "ABC"} <= by
    assert any(kind == "method" for kind, _ in by)
    for row in report.groups:
        assert row["observations"] > 0
        for name in ("wape", "bias", "target_service_level", "achieved_service_level", "achieved_with_normal_formula"):
            assert row[name] is not None and math.isfinite(row[name]), (row, name)
        assert 0 <= row["achieved_service_level"] <= 1 and row["wape"] >= 0
    # Each grouping covers every observation once.
    for kind in ("abc_class", "method"):
        assert sum(r["observations"] for r in report.groups if r["by"] == kind) == report.observations


def test_the_command_prints_the_table_and_writes_json(demo_db, tmp_path):
    path = tmp_path / "backtest.json"
    settings = Settings(database_url=demo_db.url, auto_demo=False, today_override=TODAY)
    result = CliRunner().invoke(main, ["backtest", "--weeks", "4", "--json", str(path)], obj={"settings": settings})
    assert result.exit_code == 0, result.output
    assert "4 weekly cutoffs" in result.output and "abc_class A" in result.output
    written = json.loads(path.read_text())
    assert written["weeks"] == 4 and len(written["cutoffs"]) == 4 and written["groups"]
    assert format_report(run_backtest_from(demo_db, 4))[0] in result.output


def run_backtest_from(db, weeks):
    with db.read_session() as session:
        return run_backtest(session, TODAY, weeks)
