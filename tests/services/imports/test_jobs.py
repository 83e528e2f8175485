"""Imports from the page: the kept upload, the import job and what it records — on both databases."""

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from dashboard.db.base import utcnow
from dashboard.db.models import AuditEvent, ImportUpload, KpiDaily, SkuMetrics, StockLevel, User
from dashboard.domain.codes import Role
from dashboard.services import imports as importing
from dashboard.services.audit.trail import Actor
from dashboard.services.imports import jobs as import_jobs
from dashboard.services.imports.jobs import Request, UploadError
from dashboard.services.users.accounts import create_user
from tests.services.imports.import_data import TODAY, build_shop, scalar, snapshot

# A WMS count: semicolons, its own column names (matched by alias), one SKU we do not sell.
WMS = "Item No;Location;Qty On Hand\nSKU-A;BER;12\nSKU-B;BER;5\nNOPE;BER;1\n"


@pytest.fixture
def shop_db(db):
    """The import tests' small shop (warehouses BER and HAM, SKU-A/B/C, one open order)."""
    with db.write_session() as session:
        build_shop(session)
    return db


@pytest.fixture
def people(shop_db) -> dict[str, Actor]:
    """Mia (manager) and sam (support), as actors."""
    with shop_db.write_session() as session:
        made = {
            name: create_user(session, Actor("admin"), name, "a-long-test-password", role)
            for name, role in (("mia", "manager"), ("sam", "support"))
        }
        return {name: Actor(user.username, user.id) for name, user in made.items()}


def store(db, actor: Actor, content: str | bytes, name: str = "count.csv", **options) -> import_jobs.Upload:
    data = content.encode() if isinstance(content, str) else content
    with db.write_session() as session:
        return import_jobs.store_upload(session, actor, name, data, **options)


def job(db, token: str, kind: str = "stock", progress=None, **request) -> dict:
    return import_jobs.run_upload(db, Request(token, kind, **request), today=TODAY, handling_days=2, progress=progress)


def uploads(db) -> int:
    return scalar(db, select(func.count()).select_from(ImportUpload))


def on_hand(db, sku: str) -> int:
    from dashboard.db.models import Product, Warehouse

    return scalar(
        db,
        select(StockLevel.on_hand)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(Product.sku == sku, Warehouse.code == "BER"),
    )


def test_an_upload_is_kept_for_its_uploader_and_nobody_else(shop_db, people):
    upload = store(shop_db, people["mia"], WMS, preview_rows=2)
    assert (upload.file_name, upload.header) == ("count.csv", ["Item No", "Location", "Qty On Hand"])
    assert [number for number, _ in upload.head.rows] == [2, 3]
    with shop_db.read_session() as session:
        assert import_jobs.get_upload(session, upload.token, people["mia"]).content == WMS.encode()
        with pytest.raises(UploadError, match="upload the file again"):
            import_jobs.get_upload(session, upload.token, people["sam"])
        with pytest.raises(UploadError, match="upload the file again"):
            import_jobs.get_upload(session, "x" * 43, people["mia"])
        with pytest.raises(UploadError, match="Upload the file first"):
            import_jobs.get_upload(session, {"token": upload.token}, people["mia"])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("count.csv", b"", "is empty"),
        ("count.csv", b"\x00\x01\x02binary", "binary file"),
        ("count.txt", b"sku,on_hand\nA,1\n", "use a .csv or .xlsx file"),
        ("count.xlsx", b"PK\x03\x04 not really a workbook", "not a readable XLSX"),
        ("count.csv", "sku;qty\n".encode("utf-16"), "UTF-16 text"),
    ],
)
def test_a_file_that_is_not_a_table_is_refused_and_not_kept(shop_db, people, name, content, message):
    with pytest.raises(importing.ImportFileError, match=message):
        store(shop_db, people["mia"], content, name)
    assert uploads(shop_db) == 0


def test_a_file_over_the_size_limit_is_refused_and_not_kept(shop_db, people):
    with pytest.raises(UploadError, match="the limit is 10 bytes"):
        store(shop_db, people["mia"], WMS, max_bytes=10)
    assert uploads(shop_db) == 0


def test_uploads_older_than_a_day_are_purged_when_the_next_arrives(shop_db, people):
    old = store(shop_db, people["mia"], WMS)
    with shop_db.write_session() as session:
        two_days_ago = utcnow() - dt.timedelta(days=2)
        session.execute(update(ImportUpload).where(ImportUpload.token == old.token).values(created_at=two_days_ago))
    new = store(shop_db, people["mia"], WMS)
    with shop_db.read_session() as session:
        assert [u.token for u in session.scalars(select(ImportUpload))] == [new.token]


def test_the_job_imports_as_the_uploader_keeps_the_outcome_and_refreshes_metrics(shop_db, people):
    upload = store(shop_db, people["mia"], WMS)
    seen: list[float] = []
    summary = job(shop_db, upload.token, progress=lambda percent, _label: seen.append(percent))

    assert {k: summary[k] for k in ("kind", "rows", "created", "updated", "unchanged", "rejected_rows")} == {
        "kind": "stock",
        "rows": 3,
        "created": 0,
        "updated": 2,
        "unchanged": 0,
        "rejected_rows": 1,
    }
    assert [(r["row"], r["column"], r["value"]) for r in summary["refused"]] == [(4, "sku", "NOPE")]
    assert (on_hand(shop_db, "SKU-A"), on_hand(shop_db, "SKU-B")) == (12, 5)
    assert seen[0] == 0 and seen[-1] == 100 and seen == sorted(seen)
    assert summary["refreshed"] == "metrics"
    assert scalar(shop_db, select(func.count()).select_from(SkuMetrics)) > 0

    with shop_db.read_session() as session:
        kept = session.get(ImportUpload, upload.token)
        assert (kept.state, kept.kind, kept.summary["updated"]) == ("done", "stock", 2)
        event = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "import")).one()
        assert (event.actor, event.user_id, event.action) == ("mia", people["mia"].user_id, "import_stock")
        assert event.after | {"file": "count.csv"} == {
            "file": "count.csv",
            "kind": "stock",
            "rows": 3,
            "applied": 2,
            "unchanged": 0,
            "rejected": 1,
        }
        name, csv_text = import_jobs.rejected_csv(session, upload.token, people["mia"])
        assert name == "count-refused.csv"
        assert csv_text.splitlines()[0] == "row,column,value,reason"
        assert csv_text.splitlines()[1].startswith("4,sku,NOPE,")
        with pytest.raises(UploadError):
            import_jobs.rejected_csv(session, upload.token, people["sam"])

    again = job(shop_db, store(shop_db, people["mia"], WMS).token)
    assert (again["updated"], again["unchanged"], again["rejected_rows"]) == (0, 2, 1)
    assert "refreshed" not in again  # nothing applied, nothing to refresh
    with shop_db.read_session() as session:
        history = import_jobs.recent_imports(session)
    assert [(h["actor"], h["kind"], h["rows"], h["applied"], h["unchanged"]) for h in history] == [
        ("mia", "stock", 3, 0, 2),
        ("mia", "stock", 3, 2, 0),
    ]


def test_an_import_that_moves_history_rebuilds_the_kpis(shop_db, people):
    products = "sku,name,category,unit_price,unit_cost\nSKU-N,New thing,Garden,12.50,5\n"
    summary = job(shop_db, store(shop_db, people["mia"], products, "products.csv").token, "products")
    assert (summary["created"], summary["refreshed"]) == (1, "metrics and KPIs")
    # The shop's open order (SO-1) was counted by the rebuild; nothing had built the counters before.
    assert scalar(shop_db, select(func.count()).select_from(KpiDaily)) > 0


def test_a_mapping_naming_a_missing_column_imports_nothing(shop_db, people):
    upload = store(shop_db, people["mia"], WMS)
    before = snapshot(shop_db)
    summary = job(shop_db, upload.token, mapping={"on_hand": "Counted"})
    assert "no column 'Counted'" in summary["error"]
    assert snapshot(shop_db) == before
    assert scalar(shop_db, select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == "import")) == 0
    with shop_db.read_session() as session:
        assert session.get(ImportUpload, upload.token).state == "failed"


def test_an_uploader_who_is_no_longer_a_manager_imports_nothing(shop_db, people):
    upload = store(shop_db, people["mia"], WMS)
    with shop_db.write_session() as session:
        session.execute(update(User).where(User.username == "mia").values(role=Role.SUPPORT))
    before = snapshot(shop_db)
    assert job(shop_db, upload.token)["error"] == "Only managers may import data."
    assert snapshot(shop_db) == before


@pytest.mark.parametrize(
    ("token", "kind", "message"),
    [
        ("forged-token-" + "x" * 30, "stock", "upload the file again"),
        (["a list"], "stock", "Upload the file first"),
        (None, "stock", "Upload the file first"),
        ("REAL", "nonsense", "Unknown import kind"),
        ("REAL", "shopify", "does not look like a shopify product export"),
    ],
)
def test_a_forged_job_request_imports_nothing(shop_db, people, token, kind, message):
    upload = store(shop_db, people["mia"], WMS)
    before = snapshot(shop_db)
    summary = job(shop_db, upload.token if token == "REAL" else token, kind)
    assert message in summary["error"]
    assert snapshot(shop_db) == before
