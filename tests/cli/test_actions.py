"""`backorder-desk eta`, `status` and `receive`: the UI's services, checks and audit from a script."""

import pytest
from sqlalchemy import func, select

from dashboard.db.models import (
    AuditEvent,
    EtaRevision,
    Notification,
    Product,
    PurchaseOrder,
)
from dashboard.domain.codes import SalesStatus
from tests.cli.conftest import run, scalar
from tests.services.triage_data import day


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
