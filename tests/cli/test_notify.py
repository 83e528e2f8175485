"""`backorder-desk notify`: queued notices delivered (here as .eml files)."""

from click.testing import CliRunner

from dashboard.cli import main
from dashboard.config import Settings
from tests.cli.conftest import run
from tests.services.triage_data import TODAY


def test_notify_once_writes_the_queued_notices_as_eml_files(cli_db, tmp_path):
    run(cli_db, "receive", "PO-A", "--user", "mia")  # queues two ready-to-ship notices and a good-news one
    settings = Settings(database_url=cli_db.url, auto_demo=False, today_override=TODAY, outbox_dir=tmp_path / "out")
    result = CliRunner().invoke(main, ["notify", "--once"], obj={"settings": settings})
    assert result.exit_code == 0, result.output
    assert "3 sent via" in result.output and ".eml" in result.output
    assert len(list((tmp_path / "out").glob("*.eml"))) == 3
