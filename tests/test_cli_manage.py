"""`backorder-desk eta` and `backorder-desk status`: the UI's services, checks and audit from a script."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.cli import main
from dashboard.config import Settings
from dashboard.db.models import (
    AuditEvent,
    EtaRevision,
    Notification,
    Product,
    PurchaseOrder,
    SkuMetrics,
    StockLevel,
    User,
)
from dashboard.domain.codes import Role, SalesStatus
from dashboard.services.metrics import refresh_metrics
from tests.services import triage_data as data
from tests.services.importing.import_data import build_shop
from tests.services.triage_data import TODAY, day


@pytest.fixture
def cli_db(db):
    with db.write_session() as session:
        data.build(session)
        session.add(User(username="mia", password_hash="x", role=Role.MANAGER, active=True))
        session.add(User(username="sam", password_hash="x", role=Role.SUPPORT, active=True))
    refresh_metrics(db, TODAY)
    return db


def run(db, *args):
    settings = Settings(database_url=db.url, auto_demo=False, today_override=TODAY)
    return CliRunner().invoke(main, list(args), obj={"settings": settings})


def scalar(db, stmt):
    with db.read_session() as session:
        return session.scalar(stmt)


def test_eta_revises_and_cascades_in_the_user_s_name(cli_db):
    result = run(cli_db, "eta", "PO-B", day(30).isoformat(), "--cause", "customs", "--confirmed", "--user", "mia")
    assert result.exit_code == 0, result.output
    assert "1 new promise(s) (1 newly late)" in result.output and "SO-1 SKU-1 × 5" in result.output
    assert scalar(cli_db, select(PurchaseOrder.eta).where(PurchaseOrder.number == "PO-B")) == day(30)
    assert scalar(cli_db, select(AuditEvent.actor).where(AuditEvent.action == "revise_eta")) == "mia"
    assert scalar(cli_db, select(func.count()).where(Notification.kind == "promise_revised")) == 1


def test_eta_dry_run_changes_nothing(cli_db):
    result = run(cli_db, "eta", "PO-B", day(30).isoformat(), "--cause", "customs", "--user", "mia", "--dry-run")
    assert result.exit_code == 0 and "would move 1" in result.output
    assert scalar(cli_db, select(func.count()).select_from(EtaRevision)) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["PO-B", "2026-02-30", "--cause", "customs", "--user", "mia"], "is not a date"),
        (["PO-B", day(-3).isoformat(), "--cause", "customs", "--user", "mia"], "in the past"),
        (["PO-B", day(30).isoformat(), "--cause", "customs", "--user", "sam"], "only managers and admins"),
        (["PO-B", day(30).isoformat(), "--cause", "customs", "--user", "nobody"], "no active user"),
        (["PO-B", day(30).isoformat(), "--cause", "gremlins", "--user", "mia"], "Invalid value for '--cause'"),
    ],
)
def test_eta_refuses_bad_input_with_a_message(cli_db, args, message):
    result = run(cli_db, "eta", *args)
    assert result.exit_code != 0 and message in result.output
    assert scalar(cli_db, select(func.count()).select_from(EtaRevision)) == 0


def test_status_sets_and_audits(cli_db):
    result = run(cli_db, "status", "SKU-1", "in_stock", "--reason", "Stock found in returns", "--user", "mia")
    assert result.exit_code == 0, result.output
    assert "SKU-1: backorder → in_stock" in result.output
    assert scalar(cli_db, select(Product.sales_status).where(Product.sku == "SKU-1")) is SalesStatus.IN_STOCK
    reason = scalar(cli_db, select(AuditEvent.reason).where(AuditEvent.action == "set_status"))
    assert reason == "Stock found in returns"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["SKU-1", "sold_out", "--reason", "x", "--user", "mia"], "Unknown sales status"),
        (["SKU-1", "discontinued", "--reason", "x", "--user", "mia"], "choose whether to cancel"),
        (["SKU-9", "in_stock", "--reason", "x", "--user", "mia"], "No SKU"),
    ],
)
def test_status_refuses_bad_input_with_a_message(cli_db, args, message):
    result = run(cli_db, "status", *args)
    assert result.exit_code != 0 and message in result.output
    assert scalar(cli_db, select(Product.sales_status).where(Product.sku == "SKU-1")) is SalesStatus.BACKORDER


def test_receive_books_the_units_and_serves_the_queue(cli_db):
    result = run(cli_db, "receive", "PO-A", "--user", "mia")
    assert result.exit_code == 0, result.output
    assert "received 6 × SKU-1; 2 waiting line(s) now ready to ship" in result.output
    assert scalar(cli_db, select(PurchaseOrder.status).where(PurchaseOrder.number == "PO-A")).value == "received"


def test_receive_part_of_a_line(cli_db):
    result = run(cli_db, "receive", "PO-B", "--sku", "SKU-1", "--qty", "2", "--user", "mia")
    assert result.exit_code == 0 and "partially received" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["PO-B", "--sku", "SKU-1", "--user", "mia"], "go together"),
        (["PO-B", "--sku", "SKU-1", "--qty", "99", "--user", "mia"], "Only 4 unit"),
        (["PO-B", "--user", "sam"], "only managers and admins"),
    ],
)
def test_receive_refuses_bad_input(cli_db, args, message):
    result = run(cli_db, "receive", *args)
    assert result.exit_code != 0 and message in result.output


def test_import_template_and_receipts(cli_db, tmp_path):
    assert run(cli_db, "import", "receipts", "--template").output == "po_number,sku,qty,reference\n"
    path = tmp_path / "in.csv"
    path.write_text("po_number,sku,qty,reference\nPO-A,SKU-1,6,DN-1\nPO-B,SKU-1,50,DN-2\n")
    bad = tmp_path / "bad.csv"
    result = run(cli_db, "import", "receipts", str(path), "--user", "mia", "--rejected", str(bad))
    assert result.exit_code == 0, result.output
    assert "2 row(s); 1 booked, 0 already imported, 1 refused" in result.output
    assert "Only 4 unit(s)" in bad.read_text()


def test_notify_once_writes_the_queued_notices_as_eml_files(cli_db, tmp_path):
    run(cli_db, "receive", "PO-A", "--user", "mia")  # queues two ready-to-ship notices and a good-news one
    settings = Settings(database_url=cli_db.url, auto_demo=False, today_override=TODAY, outbox_dir=tmp_path / "out")
    result = CliRunner().invoke(main, ["notify", "--once"], obj={"settings": settings})
    assert result.exit_code == 0, result.output
    assert "3 sent via" in result.output and ".eml" in result.output
    assert len(list((tmp_path / "out").glob("*.eml"))) == 3


# ---- imports of every kind -------------------------------------------------------------------
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture
def import_cli_db(db):
    with db.write_session() as session:
        build_shop(session)
        session.add(User(username="mia", password_hash="x", role=Role.MANAGER, active=True))
    return db


def test_import_offers_every_kind_the_service_knows():
    from dashboard.cli_manage import IMPORT_KINDS
    from dashboard.services import importing

    assert IMPORT_KINDS == importing.IMPORT_KINDS


def test_import_templates_print_each_kind_s_header(import_cli_db):
    assert run(import_cli_db, "import", "stock", "--template").output == (
        "sku,warehouse_code,on_hand,safety_stock,reorder_point\n"
    )
    assert run(import_cli_db, "import", "orders", "--template").output.startswith("order_number,customer_code,")
    result = run(import_cli_db, "import", "shopify", "--template")
    assert result.exit_code != 0 and "the shop's own product export" in result.output


def test_import_a_shop_export_recognised_from_products(import_cli_db):
    sample = str(SAMPLES / "shopify_products.csv")
    result = run(import_cli_db, "import", "products", sample, "--warehouse", "HAM", "--user", "mia")
    assert result.exit_code == 0, result.output
    assert "shopify_products.csv (shopify): 7 row(s); 6 new, 0 updated, 0 unchanged, 0 refused, 1 ignored" in (
        result.output
    )
    assert "metrics and KPIs (rebuilt) refreshed" in result.output
    assert scalar(import_cli_db, select(Product.sales_status).where(Product.sku == "MUG-OLD-12")).value == (
        "discontinued"
    )
    assert scalar(import_cli_db, select(func.count()).select_from(SkuMetrics)) > 0


def test_import_with_a_mapping_saved_and_reused_by_name(import_cli_db, tmp_path):
    path = tmp_path / "lager.csv"
    path.write_text("Artikel;Lager;Bestand\nSKU-A;BER;12\n")
    args = ["--map", "sku=Artikel", "--map", "warehouse_code=Lager", "--map", "on_hand=Bestand"]
    result = run(import_cli_db, "import", "stock", str(path), *args, "--save-mapping", "lager", "--user", "mia")
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output and "metrics refreshed" in result.output
    path.write_text("Artikel;Lager;Bestand\nSKU-A;BER;15\n")
    result = run(import_cli_db, "import", "stock", str(path), "--mapping", "lager", "--user", "mia", "--no-refresh")
    assert result.exit_code == 0 and "1 updated" in result.output and "refreshed" not in result.output
    assert scalar(import_cli_db, select(StockLevel.on_hand).join(Product).where(Product.sku == "SKU-A")) == 15
    result = run(import_cli_db, "import", "stock", str(path), "--mapping", "nope", "--user", "mia")
    assert result.exit_code != 0 and "No saved stock mapping named 'nope'" in result.output
    result = run(import_cli_db, "import", "stock", str(path), "--map", "sku", "--user", "mia")
    assert result.exit_code != 0 and "--map takes FIELD=COLUMN" in result.output


def test_import_writes_refused_rows_safely_and_shows_progress_for_big_files(import_cli_db, tmp_path, monkeypatch):
    from dashboard import cli_manage

    monkeypatch.setattr(cli_manage, "PROGRESS_ROWS", 1)
    path, bad = tmp_path / "products.csv", tmp_path / "bad.csv"
    path.write_text("sku,name,category,unit_price,unit_cost\nNEW-1,Mug,Kitchen,5,2\nNEW-2,=cmd|' /C calc'!A0,K,-1,2\n")
    result = run(import_cli_db, "import", "products", str(path), "--user", "mia", "--rejected", str(bad))
    assert result.exit_code == 0, result.output
    assert "importing" in result.output and "1 new, 0 updated, 0 unchanged, 1 refused" in result.output
    assert bad.read_text().splitlines()[1:] == ["3,unit_price,'-1,'-1' is negative; prices and costs are 0 or more"]


def test_import_refuses_a_file_that_is_not_a_table(import_cli_db, tmp_path):
    path = tmp_path / "stock.csv"
    path.write_bytes(bytes(range(256)))
    result = run(import_cli_db, "import", "stock", str(path), "--user", "mia")
    assert result.exit_code == 1 and "is a binary file, not CSV text" in result.output
