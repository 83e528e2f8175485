"""Database errors are told apart by their codes: real errors from real SQLite and PostgreSQL databases."""

import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import DBAPIError

from dashboard.db.engine import Database
from dashboard.db.failures import DatabaseFailure, classify
from dashboard.db.migrate import upgrade
from dashboard.db.models import AuditEvent, Product, Supplier, User
from dashboard.domain.codes import Role, SalesStatus, Substitutability
from tests.conftest import drop_postgres_database, fresh_postgres_database

OUTAGE, CONFLICT, REFUSED = DatabaseFailure.OUTAGE, DatabaseFailure.CONFLICT, DatabaseFailure.REFUSED


def raised(work) -> BaseException:
    """The exception ``work()`` raises (it must raise one)."""
    try:
        work()
    except BaseException as exc:  # whatever the driver raises is what is classified
        return exc
    raise AssertionError("expected an error")


@pytest.fixture
def pg_db():
    """A migrated PostgreSQL database of its own, for what only PostgreSQL does (skipped without one)."""
    url = fresh_postgres_database()
    database = Database(url)
    upgrade(database.engine)
    yield database
    database.dispose()
    drop_postgres_database(url)


def add_user(session, username: str = "ann") -> User:
    user = User(username=username, password_hash="x", role=Role.MANAGER, active=True)
    session.add(user)
    session.flush()
    return user


# -- refused writes: the database's rules, on both backends ------------------------------------------------
def test_a_duplicate_username_is_a_refused_write(db):
    with db.write_session() as session:
        add_user(session)

    def again():
        with db.write_session() as session:
            add_user(session)

    assert classify(raised(again)) is REFUSED


def test_a_check_and_a_foreign_key_violation_are_refused_writes(db):
    def bad_lead_time():
        with db.write_session() as session:
            session.add(Supplier(code="S1", name="S", country="DE", quoted_lead_time_days=-1))
            session.flush()

    def unknown_user():
        with db.write_session() as session:
            session.add(AuditEvent(user_id=999, actor="x", entity_type="t", entity_id="1", action="a"))
            session.flush()

    assert classify(raised(bad_lead_time)) is REFUSED
    assert classify(raised(unknown_user)) is REFUSED


# -- conflicts: another change at the same moment --------------------------------------------------------
def test_a_row_whose_version_moved_on_is_a_conflict(db):
    with db.write_session() as session:
        session.add(
            Product(
                sku="A-1",
                name="A",
                category="c",
                unit_price=1,
                unit_cost=1,
                substitutability=Substitutability.STANDARD,
                sales_status=SalesStatus.IN_STOCK,
            )
        )

    def stale_update():
        with db.write_session() as session:
            product = session.scalar(select(Product).where(Product.sku == "A-1"))
            # Someone else's UPDATE, which the ORM object read a moment ago does not know of.
            session.execute(text("UPDATE product SET version = version + 1"))
            product.name = "B"
            session.flush()

    assert classify(raised(stale_update)) is CONFLICT


def test_sqlite_database_is_locked_is_a_conflict_bare_or_wrapped(tmp_path):
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    database = Database(url)

    @event.listens_for(database.engine, "connect")
    def _impatient(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout = 50")  # not the app's 15 s: the test waits for it

    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))

    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:

        def write():
            with database.write_session() as session:
                session.execute(text("INSERT INTO t VALUES (1)"))

        # The app's BEGIN IMMEDIATE runs in an engine hook, so the driver's error arrives unwrapped.
        bare = raised(write)
        assert isinstance(bare, sqlite3.OperationalError) and bare.sqlite_errorcode == sqlite3.SQLITE_BUSY
        assert classify(bare) is CONFLICT

        def deferred_write():
            with database.read_connection() as connection:  # BEGIN DEFERRED, so the INSERT asks for the lock
                connection.execute(text("INSERT INTO t VALUES (1)"))

        wrapped = raised(deferred_write)
        assert isinstance(wrapped, DBAPIError)
        assert classify(wrapped) is CONFLICT
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        database.dispose()


def test_postgresql_serialization_failure_lock_timeout_and_deadlock_are_conflicts(pg_db):
    with pg_db.write_session() as session:
        add_user(session, "ann")
        add_user(session, "bob")
    engine = pg_db.engine

    # A serialization failure: two REPEATABLE READ transactions update the same row.
    first = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    second = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with first, second:
        first.begin()
        second.begin()
        second.execute(text('SELECT count(*) FROM "user"'))  # takes its snapshot
        first.execute(text("UPDATE \"user\" SET active = false WHERE username = 'ann'"))
        first.commit()
        serialization = raised(lambda: second.execute(text("UPDATE \"user\" SET active = true WHERE username = 'ann'")))
        second.rollback()
    assert getattr(serialization.orig, "sqlstate", None) == "40001"
    assert classify(serialization) is CONFLICT

    # A lock not granted within lock_timeout.
    with engine.connect() as holder:
        holder.begin()
        holder.execute(text('LOCK TABLE "user" IN ACCESS EXCLUSIVE MODE'))

        def waits():
            with pg_db.write_session() as session:
                session.execute(text("SET LOCAL lock_timeout = '100ms'"))
                session.execute(text('SELECT count(*) FROM "user"'))

        assert classify(raised(waits)) is CONFLICT
        holder.rollback()

    # A deadlock: each transaction holds the row the other wants next.
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def cross(mine: str, theirs: str) -> None:
        try:
            with pg_db.write_session() as session:
                session.execute(text('UPDATE "user" SET active = true WHERE username = :u'), {"u": mine})
                barrier.wait(timeout=10)
                session.execute(text('UPDATE "user" SET active = true WHERE username = :u'), {"u": theirs})
        except DBAPIError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=cross, args=pair) for pair in (("ann", "bob"), ("bob", "ann"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(errors) == 1, errors
    assert getattr(errors[0].orig, "sqlstate", None) == "40P01"
    assert classify(errors[0]) is CONFLICT


# -- outages: the database does not answer ---------------------------------------------------------------
def test_a_database_that_cannot_be_opened_is_an_outage(tmp_path):
    sqlite_directory = Database(f"sqlite:///{tmp_path}")  # a directory, not a database file
    assert classify(raised(lambda: sqlite_directory.ping())) is OUTAGE
    sqlite_directory.dispose()


def test_a_postgresql_server_that_cannot_be_reached_is_an_outage():
    nobody = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert classify(raised(nobody.ping)) is OUTAGE
    nobody.dispose()


def test_a_lost_connection_and_a_statement_timeout_are_outages(pg_db):
    admin = create_engine(pg_db.url, isolation_level="AUTOCOMMIT")
    try:

        def cut_off():
            with pg_db.write_session() as session:
                pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
                with admin.connect() as connection:
                    connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                time.sleep(0.2)
                session.execute(text("SELECT 1"))

        assert classify(raised(cut_off)) is OUTAGE
    finally:
        admin.dispose()

    def too_slow():
        with pg_db.write_session() as session:
            session.execute(text("SET LOCAL statement_timeout = '50ms'"))
            session.execute(text("SELECT pg_sleep(1)"))

    assert classify(raised(too_slow)) is OUTAGE


# -- everything else is left to the general handling -----------------------------------------------------
def test_a_bad_query_is_none_of_the_three(db):
    def missing_table():
        with db.read_session() as session:
            session.execute(text("SELECT * FROM no_such_table"))

    def syntax():
        with db.read_session() as session:
            session.execute(text("SELEC 1"))

    assert classify(raised(missing_table)) is None
    assert classify(raised(syntax)) is None
    assert classify(ValueError("not a database error")) is None
