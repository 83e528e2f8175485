"""The backtest on the demo data: every figure is computed, per ABC class and method (issue 20 item 4).

Its values are the demo's and are written up in docs/forecasting.md; here the report's shape, that
nothing is missing or NaN, and the invariants that do not depend on the data are asserted.
"""

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dashboard.cli import main
from dashboard.config import Settings
from dashboard.services.derived.backtest import _flag_scores, _position_and_shortage, format_report, run_backtest
from dashboard.services.derived.metrics import DailyHistory
from tests.conftest import TODAY

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(demo_db):
    with demo_db.read_session() as session:
        return run_backtest(session, TODAY, weeks=6)


def test_every_group_has_every_figure(report):
    assert len(report.cutoffs) == 6 and report.observations > 0
    by = {(row["by"], row["group"]) for row in report.groups}
    assert ("all", "all") in by and {("abc_class", c) for c in "ABC"} <= by
    for kind in ("method", "forecast_method", "pattern"):
        assert any(k == kind for k, _ in by), kind
    # The demo's history chooses more than the moving average somewhere.
    assert len({g for k, g in by if k == "forecast_method"}) >= 2
    for row in report.groups:
        assert row["observations"] > 0
        measured = ["target_service_level"]
        assert 0 <= row["observable"] <= row["observations"]
        if row["observable"]:  # demand was seen for at least half the lead time somewhere in the group
            measured += ["achieved_service_level", "achieved_with_textbook_rule"]
        if row["actual_units"] > 0:  # forecast error is relative to what sold
            measured += ["wape", "bias", "wape_moving_average"]
        for name in measured:
            assert row[name] is not None and math.isfinite(row[name]), (row, name)
        assert row["achieved_service_level"] is None or 0 <= row["achieved_service_level"] <= 1
        if row["by"] in ("all", "abc_class"):  # every class has flags and shortages on the demo
            for name in ("flag_precision", "flag_recall", "flag_f1", "flag_f1_textbook_rule"):
                assert row[name] is not None and 0 <= row[name] <= 1, (row, name)
    # Each grouping covers every observation once.
    for kind in ("all", "abc_class", "method", "forecast_method", "pattern"):
        assert sum(r["observations"] for r in report.groups if r["by"] == kind) == report.observations


def test_promises_kept_are_counted_by_class(report):
    promises = report.promises
    assert promises["due"] > 0 and 0 <= promises["kept"] <= 1
    assert sum(c["due"] for c in promises["by_abc_class"].values()) == promises["due"]
    weighted = sum(c["due"] * c["kept"] for c in promises["by_abc_class"].values()) / promises["due"]
    assert weighted == pytest.approx(promises["kept"])


def test_the_command_prints_the_table_and_writes_json(demo_db, tmp_path):
    path = tmp_path / "backtest.json"
    settings = Settings(database_url=demo_db.url, auto_demo=False, today_override=TODAY)
    result = CliRunner().invoke(main, ["backtest", "--weeks", "4", "--json", str(path)], obj={"settings": settings})
    assert result.exit_code == 0, result.output
    assert "4 weekly cutoffs" in result.output and "abc_class A" in result.output
    written = json.loads(path.read_text())
    assert written["weeks"] == 4 and len(written["cutoffs"]) == 4 and written["groups"]
    assert "first promises kept" in result.output and written["promises"]["due"] > 0
    assert format_report(run_backtest_from(demo_db, 4))[0] in result.output


def run_backtest_from(db, weeks):
    with db.read_session() as session:
        return run_backtest(session, TODAY, weeks)


def test_position_and_shortage_at_a_cutoff_from_the_ledger_and_the_lines():
    """Two pairs over 12 days, cutoff at the end of day 5, lead time 3 days (days 6–8)."""
    on_hand = np.array([[9] * 12, [4, 4, 4, 4, 4, 4, 3, 1, 0, 0, 5, 5]], float)
    history = DailyHistory(
        pd.DataFrame(),
        np.zeros((2, 12)),
        np.zeros(2),
        np.ones((2, 12), bool),
        np.ones(12, bool),
        on_hand,
        np.full(2, -1),
    )
    nan = float("nan")
    lines = pd.DataFrame(
        {
            "pair": [0, 0, 0, 1],
            "qty": [2, 3, 5, 1],
            "backordered": [2, 3, 1, 9],  # pair 1's line goes on backorder on day 9: after the lead time
            "shipped": [nan, 4, nan, nan],  # shipped on day 4: no longer waiting at the cutoff
            "cancelled": [nan, nan, 5, nan],  # cancelled on day 5: not waiting either
        }
    )
    po = pd.DataFrame(
        {
            "pair": [0, 1, 1],
            "qty": [10, 6, 10],
            "qty_received": [0, 6, 4],
            "ordered": [1, 2, 1],
            "received": [nan, 3, 2],  # pair 1's second line: 4 of 10 received on day 2, 6 still to come
        }
    )
    position, short = _position_and_shortage(5, np.array([3, 3]), history, lines, po, 2)
    # Pair 0: 9 on hand − 2 waiting + 10 on order; pair 1: 3 on hand (day 6 began with 3) − 0 + 6 still owed.
    assert list(position) == [17, 9]
    # Pair 1's day 8 began with nothing on hand: short within the lead time; pair 0 never was.
    assert list(short) == [False, True]
    scores = _flag_scores(pd.Series([True, True, False]), pd.Series([True, False, True]), "")
    assert scores == {"flag_precision": 0.5, "flag_recall": 0.5, "flag_f1": 0.5}
