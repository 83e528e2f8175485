"""The demo generator's invariants, on SQLite and PostgreSQL, and its determinism."""

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select, text

from dashboard.db.migrate import upgrade
from dashboard.db.models import (
    ContactLog,
    Notification,
    OrderLine,
    Product,
    PurchaseOrder,
    RestockSubscription,
    StockLevel,
    StockMovement,
    Supplier,
    User,
    Warehouse,
)
from dashboard.domain.codes import LineStatus, SalesStatus, Substitutability
from dashboard.services.demo import DatabaseNotEmptyError, generate_demo
from dashboard.services.users.passwords import verify_password
from tests.conftest import TODAY


class TestStockAgreesWithHistory:
    def test_on_hand_equals_the_sum_of_movements(self, demo_db):
        with demo_db.read_session() as session:
            moved = (
                select(
                    StockMovement.product_id,
                    StockMovement.warehouse_id,
                    func.sum(StockMovement.quantity).label("total"),
                )
                .group_by(StockMovement.product_id, StockMovement.warehouse_id)
                .subquery()
            )
            mismatches = session.scalar(
                select(func.count())
                .select_from(StockLevel)
                .outerjoin(
                    moved,
                    (moved.c.product_id == StockLevel.product_id) & (moved.c.warehouse_id == StockLevel.warehouse_id),
                )
                .where(func.coalesce(moved.c.total, 0) != StockLevel.on_hand)
            )
            assert session.scalar(select(func.count()).select_from(StockLevel)) > 400
        assert mismatches == 0

    def test_allocated_never_exceeds_on_hand_and_matches_the_lines(self, demo_db):
        with demo_db.read_session() as session:
            assert session.scalar(select(func.count()).where(StockLevel.allocated > StockLevel.on_hand)) == 0
            reserved = (
                select(OrderLine.product_id, OrderLine.warehouse_id, func.sum(OrderLine.qty_allocated).label("qty"))
                .group_by(OrderLine.product_id, OrderLine.warehouse_id)
                .subquery()
            )
            off = session.scalar(
                select(func.count())
                .select_from(StockLevel)
                .outerjoin(
                    reserved,
                    (reserved.c.product_id == StockLevel.product_id)
                    & (reserved.c.warehouse_id == StockLevel.warehouse_id),
                )
                .where(func.coalesce(reserved.c.qty, 0) != StockLevel.allocated)
            )
        assert off == 0

    def test_every_backordered_line_has_a_promised_date(self, demo_db):
        with demo_db.read_session() as session:
            waiting = session.scalar(select(func.count()).where(OrderLine.status == LineStatus.BACKORDERED))
            without = session.scalar(
                select(func.count()).where(
                    OrderLine.backordered_at.is_not(None), OrderLine.original_promised_date.is_(None)
                )
            )
        assert waiting > 0
        assert without == 0

    def test_shipped_lines_shipped_everything_and_hold_nothing(self, demo_db):
        with demo_db.read_session() as session:
            bad = session.scalar(
                select(func.count()).where(
                    OrderLine.status == LineStatus.SHIPPED,
                    (OrderLine.qty_shipped != OrderLine.qty) | (OrderLine.qty_allocated != 0),
                )
            )
        assert bad == 0


class TestRealism:
    def test_the_catalogue_covers_what_the_pages_need(self, demo_db):
        with demo_db.read_session() as session:
            assert session.scalar(select(func.count()).select_from(Warehouse)) == 3
            assert session.scalar(select(func.count()).select_from(Product)) == 400
            assert session.scalar(select(func.count(func.distinct(Product.category)))) >= 5
            assert set(session.scalars(select(Product.substitutability).distinct())) == set(Substitutability)
            assert set(session.scalars(select(Product.sales_status).distinct())) == set(SalesStatus)
            assert session.scalar(select(func.count()).select_from(Supplier)) >= 5

    def test_history_runs_eighteen_months_and_ends_today(self, demo_db):
        with demo_db.read_session() as session:
            first, last = session.execute(
                select(func.min(StockMovement.at), func.max(StockMovement.at)).where(StockMovement.kind == "shipment")
            ).one()
        assert (TODAY - first.date()).days >= 500
        assert last.date() == TODAY

    def test_open_backorders_of_every_age_some_past_their_promise(self, demo_db):
        with demo_db.read_session() as session:
            waiting = session.execute(
                select(OrderLine.backordered_at, OrderLine.promised_date).where(
                    OrderLine.status == LineStatus.BACKORDERED
                )
            ).all()
        ages = [(TODAY - at.date()).days for at, _ in waiting]
        buckets = {
            "0-7": [a for a in ages if a <= 7],
            "8-14": [a for a in ages if 8 <= a <= 14],
            "15-30": [a for a in ages if 15 <= a <= 30],
            "31-60": [a for a in ages if 31 <= a <= 60],
            "60+": [a for a in ages if a > 60],
        }
        assert all(buckets.values()), {k: len(v) for k, v in buckets.items()}
        assert any(promised < TODAY for _, promised in waiting)

    def test_support_contacts_are_on_backordered_lines_within_their_wait(self, demo_db):
        with demo_db.read_session() as session:
            contacts = session.execute(
                select(ContactLog.at, OrderLine.backordered_at, OrderLine.status, User.role)
                .join(OrderLine, OrderLine.id == ContactLog.order_line_id)
                .join(User, User.id == ContactLog.user_id)
            ).all()
            waiting = session.scalar(
                select(func.count()).select_from(OrderLine).where(OrderLine.status == LineStatus.BACKORDERED)
            )
        assert contacts, "the triage page needs some contacted lines"
        assert all(backordered is not None and at >= backordered for at, backordered, _, _ in contacts)
        assert {role for *_, role in contacts} == {"support"}
        # Some waiting customers were called, others never were (the "quiet" lines triage surfaces).
        called_waiting = [at for at, _, status, _ in contacts if status == LineStatus.BACKORDERED]
        assert 0 < len(called_waiting) < waiting

    def test_purchase_orders_mix_confirmed_unconfirmed_revised_and_late(self, demo_db):
        with demo_db.read_session() as session:
            open_pos = session.execute(
                select(PurchaseOrder.eta_confirmed, PurchaseOrder.eta, PurchaseOrder.id).where(
                    PurchaseOrder.status.in_(["open", "partially_received"])
                )
            ).all()
            revised = session.scalar(text("SELECT count(DISTINCT po_id) FROM eta_revision"))
            received = session.scalar(select(func.count()).where(PurchaseOrder.status == "received"))
        assert {confirmed for confirmed, _, _ in open_pos} == {True, False}
        assert any(eta < TODAY for _, eta, _ in open_pos)
        assert revised > 0 and received > 0

    def test_suppliers_differ_in_reliability(self, demo_db):
        with demo_db.read_session() as session:
            late_share = session.execute(
                text(
                    "SELECT p.supplier_id, AVG(CASE WHEN r.po_id IS NULL THEN 0.0 ELSE 1.0 END) "
                    "FROM purchase_order p LEFT JOIN (SELECT DISTINCT po_id FROM eta_revision) r ON r.po_id = p.id "
                    "GROUP BY p.supplier_id HAVING COUNT(*) >= 20"
                )
            ).all()
        shares = [share for _, share in late_share]
        assert max(shares) - min(shares) > 0.2

    def test_notify_me_subscribers_and_demo_users_exist(self, demo_db):
        with demo_db.read_session() as session:
            assert session.scalar(select(func.count()).select_from(RestockSubscription)) > 0
            users = {u.username: u for u in session.scalars(select(User))}
        assert set(users) == {"admin", "manager", "support", "executive"}
        assert verify_password(users["manager"].password_hash, "demo-manager")
        assert not verify_password(users["manager"].password_hash, "manager")
        assert users["executive"].role == "executive"


def _digest(database) -> str:
    sha = hashlib.sha256()
    with database.engine.connect() as connection:
        for table in ("product", "order_line", "purchase_order", "stock_movement", "promise_revision"):
            for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id")):
                sha.update(repr(tuple(row)).encode())
    return sha.hexdigest()


class TestDeterminism:
    @pytest.mark.parametrize("backend", ["sqlite"])
    def test_same_seed_same_data_and_another_seed_differs(self, tmp_path, backend):
        from dashboard.db.engine import Database

        digests = []
        for name, seed in (("a", 7), ("b", 7), ("c", 8)):
            database = Database(f"sqlite:///{tmp_path / name}.db")
            upgrade(database.engine)
            generate_demo(database, skus=60, days=120, seed=seed, today=dt.date(2026, 3, 1))
            digests.append(_digest(database))
        assert digests[0] == digests[1]
        assert digests[0] != digests[2]


class TestSafety:
    def test_refuses_to_overwrite_existing_data_unless_asked(self, db):
        generate_demo(db, skus=40, days=90, today=TODAY)
        with pytest.raises(DatabaseNotEmptyError, match="--replace"):
            generate_demo(db, skus=40, days=90, today=TODAY)
        generate_demo(db, skus=50, days=90, today=TODAY, replace=True)
        with db.read_session() as session:
            assert session.scalar(select(func.count()).select_from(Product)) == 50

    def test_new_rows_after_a_demo_get_fresh_ids(self, db):
        generate_demo(db, skus=40, days=90, today=TODAY)
        with db.write_session() as session:
            session.add(Warehouse(code="NEW", name="New", timezone="UTC"))
            session.flush()
        with db.read_session() as session:
            assert session.scalar(select(Warehouse.id).where(Warehouse.code == "NEW")) == 4


class TestSmallestDemo:
    @pytest.mark.parametrize("seed", [1, 42, 123])
    def test_the_documented_minimum_size_generates_for_any_seed(self, tmp_path, seed):
        from dashboard.db.engine import Database

        database = Database(f"sqlite:///{tmp_path / 'small.db'}")
        upgrade(database.engine)
        summary = generate_demo(database, skus=20, days=60, seed=seed, today=TODAY)
        assert summary.products == 20
        assert summary.order_lines > 0


def test_the_demo_outbox_has_sent_and_pending_notices_with_real_text(demo_db):
    with demo_db.read_session() as session:
        rows = session.execute(select(Notification.kind, Notification.status, Notification.body_text)).all()
    assert {kind for kind, _, _ in rows} >= {"backorder_confirmed", "promise_revised"}
    assert {status for _, status, _ in rows} == {"sent", "pending"}
    confirmed = next(text for kind, _, text in rows if kind == "backorder_confirmed")
    assert "estimated shipping between" in confirmed and "{{" not in confirmed


EVENT_STAMPS = (
    ("sales_order", "ordered_at"),
    ("order_line", "backordered_at"),
    ("order_line", "cancelled_at"),
    ("stock_movement", "at"),
    ("purchase_order", "ordered_at"),
    ("purchase_order", "sent_at"),
    ("purchase_order", "confirmed_at"),
    ("purchase_order", "received_at"),
    ("eta_revision", "at"),
    ("promise_revision", "at"),
    ("contact_log", "at"),
    ("notification", "created_at"),
    ("audit_event", "at"),
)


def test_nothing_in_the_demo_happens_after_its_now(demo_db):
    # The demo's data ends at 08:00 UTC on its last day: a receipt at 12:56 or an ETA revision at
    # 14:00 that day would be news from the future on every page that shows times.
    now = dt.datetime.combine(TODAY, dt.time(8), dt.UTC)
    with demo_db.read_session() as session:
        for table, column in EVENT_STAMPS:
            latest = session.execute(text(f"SELECT MAX({column}) FROM {table}")).scalar()
            latest = dt.datetime.fromisoformat(str(latest)).replace(tzinfo=dt.UTC) if latest else None
            assert latest is not None and latest <= now, (table, column, latest)
