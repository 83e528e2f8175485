"""The command line: schema, demo data, and `python -m dashboard` being the same program."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.cli import main
from dashboard.config import Settings
from dashboard.db.engine import Database
from dashboard.db.migrate import head_revision
from dashboard.db.models import KpiDaily, KpiStockDaily, Product


def _run(args, url):
    return CliRunner().invoke(main, args, obj={"settings": Settings(database_url=url, auto_demo=False)})


def test_db_upgrade_then_demo_with_progress(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = _run(["db", "upgrade"], url)
    assert result.exit_code == 0, result.output
    assert f"database at revision {head_revision(Database(url).engine)}" in result.output
    result = _run(["demo", "--skus", "60", "--days", "90", "--seed", "3", "--today", "2026-11-27"], url)
    assert result.exit_code == 0, result.output
    assert "60 SKUs" in result.output
    assert "simulating days" in result.stderr
    with Database(url).read_session() as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 60


def test_refresh_kpis_rebuilds_the_counters_from_history(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _run(["demo", "--skus", "40", "--days", "60", "--today", "2026-11-27"], url).exit_code == 0
    database = Database(url)

    def counted():
        with database.read_session() as session:
            ordered = session.scalar(select(func.sum(KpiDaily.lines_ordered)))
            days = session.scalar(select(func.count(func.distinct(KpiStockDaily.day))))
            return ordered, days

    built = counted()
    assert built[0] > 0 and built[1] == 59  # every day of the demo but today is closed
    with database.write_session() as session:
        session.execute(KpiDaily.__table__.delete())
    assert counted()[0] is None
    settings = Settings(database_url=url, auto_demo=False, today_override=dt.date(2026, 11, 27))
    result = CliRunner().invoke(main, ["refresh", "--kpis"], obj={"settings": settings})
    assert result.exit_code == 0, result.output
    assert "KPI counters rebuilt from history" in result.output
    assert counted() == built


def test_demo_refuses_a_database_with_data_without_replace(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _run(["demo", "--skus", "40", "--days", "60"], url).exit_code == 0
    result = _run(["demo", "--skus", "40", "--days", "60"], url)
    assert result.exit_code == 1
    assert "--replace" in result.output


def test_bad_arguments_get_a_clear_message_and_change_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = _run(["demo", "--skus", "-5"], url)
    assert result.exit_code == 2
    assert "--skus" in result.output
    assert not (tmp_path / "cli.db").exists()


def test_python_dash_m_dashboard_is_the_same_command_line():
    module = subprocess.run([sys.executable, "-m", "dashboard", "--help"], capture_output=True, text=True, check=True)
    # The script sits next to this interpreter, whether or not its virtual environment is activated.
    script_path = Path(sys.executable).parent / "backorder-desk"
    script = subprocess.run([str(script_path), "--help"], capture_output=True, text=True, check=True)
    assert module.stdout == script.stdout
    assert "demo" in module.stdout and "db" in module.stdout
