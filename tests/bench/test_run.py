"""`backorder-desk bench` runs end to end on a small generated database and reports every figure."""

import json

import pytest
from click.testing import CliRunner

from dashboard.cli import main
from dashboard.config import Settings
from tests.conftest import TODAY


def test_bench_times_the_replenishment_triage_kpi_and_supplier_callbacks_and_writes_json(tmp_path):
    report = tmp_path / "bench.json"
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}", auto_demo=False, today_override=TODAY)
    args = ["bench", "--skus", "60", "--repeat", "3", "--db", str(tmp_path / "bench.db"), "--json", str(report)]
    result = CliRunner().invoke(main, args, obj={"settings": settings})
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert data["dataset"]["skus"] == 60
    assert data["dataset"]["order_lines"] > 0
    assert data["database"] == "sqlite"
    names = [r["name"] for r in data["results"]]
    assert any(n.startswith("replenishment grid") for n in names)
    assert any(n.startswith("replenishment cards + chart") for n in names)
    assert any(n.startswith("triage grid") for n in names)
    assert any(n.startswith("triage aging chart + cards") for n in names)
    assert any(n.startswith("KPI report") for n in names)
    assert any(n.startswith("KPI breakdown") for n in names)
    assert any(n.startswith("supplier scorecard") for n in names)
    assert any(n.startswith("supplier detail") for n in names)
    for row in data["results"]:
        assert row["p50_ms"] > 0 and row["p95_ms"] >= row["p50_ms"]
        assert row["floor_ms"] > 0 and row["naive_ms"] > 0
        assert row["ratio"] == pytest.approx(row["p50_ms"] / row["floor_ms"], abs=0.01)
    # A second run reuses the generated database instead of building it again.
    again = CliRunner().invoke(main, args, obj={"settings": settings})
    assert again.exit_code == 0
    assert "generating" not in again.output
