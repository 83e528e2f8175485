"""`backorder-desk import sales_periods`: the samples end to end, --warehouse and --set for a snapshot."""

from pathlib import Path

from sqlalchemy import func, select

from dashboard.db.models import SalesPeriod
from tests.cli.conftest import run, scalar

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def periods(db) -> int:
    return scalar(db, select(func.count()).select_from(SalesPeriod))


def test_the_samples_import_as_documented_and_again_change_nothing(import_cli_db, tmp_path):
    warehouses = tmp_path / "warehouses.csv"
    warehouses.write_text("code,name\nNJ1,Newark\nTX1,Dallas\nCA1,Ontario\n")
    for args in (
        ("warehouses", str(warehouses)),
        ("products", str(SAMPLES / "shopify_products.csv"), "--warehouse", "NJ1"),
    ):
        result = run(import_cli_db, "import", *args, "--user", "mia", "--no-refresh")
        assert result.exit_code == 0, result.output
    monthly = ("sales_periods", str(SAMPLES / "monthly_sales.csv"), "--user", "mia")
    result = run(import_cli_db, "import", *monthly)
    assert result.exit_code == 0, result.output
    assert "monthly_sales.csv (sales_periods): 18 row(s); 18 new, 0 updated, 0 unchanged, 0 refused" in result.output
    assert "metrics refreshed" in result.output
    snapshot = (
        "sales_periods",
        str(SAMPLES / "sales_last_months.csv"),
        *("--warehouse", "CA1", "--set", "as_of=2026-10-31", "--user", "mia"),
    )
    result = run(import_cli_db, "import", *snapshot)
    assert result.exit_code == 0, result.output
    assert "5 row(s); 5 new, 0 updated, 0 unchanged, 0 refused" in result.output
    assert periods(import_cli_db) == 18 + 5 * 4
    # A snapshot's periods add up to its longest window: nothing counted twice, nothing lost.
    total = select(func.sum(SalesPeriod.qty)).where(SalesPeriod.source == "sales_last_months.csv")
    assert scalar(import_cli_db, total) == 390 + 111 + 17 + 40 + 15
    for args in (monthly, snapshot):
        again = run(import_cli_db, "import", *args)
        assert again.exit_code == 0 and " 0 new, 0 updated, " in again.output and "0 refused" in again.output
    assert periods(import_cli_db) == 38


def test_refused_rows_are_listed_and_written_and_file_problems_stop_the_import(import_cli_db, tmp_path):
    path, bad = tmp_path / "totals.csv", tmp_path / "bad.csv"
    path.write_text("sku,month,quantity\nSKU-A,2026-03,40\nSKU-A,2026-02-30,4\nSKU-A,2026-04,-2\n")
    result = run(import_cli_db, "import", "sales_periods", str(path), "--warehouse", "BER", "--user", "mia")
    assert result.exit_code == 0, result.output
    assert "3 row(s); 1 new, 0 updated, 0 unchanged, 2 refused" in result.output
    assert "row 3 [month] 2026-02-30: '2026-02-30' is not a month" in result.output
    result = run(import_cli_db, "import", "sales_periods", str(path), "--user", "mia", "--rejected", str(bad))
    assert result.exit_code != 0 and "lacks the column warehouse_code" in result.output
    snapshot = tmp_path / "snapshot.csv"
    snapshot.write_text("sku,sold_1m,sold_3m\nSKU-A,5,3\n")
    args = ("--warehouse", "BER", "--set", "as_of=2026-10-31", "--rejected", str(bad), "--user", "mia")
    result = run(import_cli_db, "import", "sales_periods", str(snapshot), *args)
    assert result.exit_code == 0 and "1 refused" in result.output
    assert "3 units sold in the last 3 months is fewer than the 5" in bad.read_text()
    result = run(import_cli_db, "import", "sales_periods", str(snapshot), "--set", "as_of", "--user", "mia")
    assert result.exit_code != 0 and "--set takes FIELD=VALUE" in result.output
    assert periods(import_cli_db) == 1
