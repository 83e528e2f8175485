"""Engine tuning: SQLite pragmas, BEGIN IMMEDIATE for writes, and all-or-nothing transactions."""

import threading
import time

import pytest
from sqlalchemy import func, select, text

from dashboard.db.engine import Database, normalise_url
from dashboard.db.models import Warehouse


class TestUrls:
    @pytest.mark.parametrize("url", ["postgres://u@h/db", "postgresql://u@h/db"])
    def test_bare_postgres_urls_use_psycopg3(self, url):
        assert normalise_url(url) == "postgresql+psycopg://u@h/db"

    def test_other_urls_are_untouched(self):
        assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


class TestSqliteTuning:
    def test_wal_foreign_keys_and_busy_timeout_are_on(self, tmp_path):
        database = Database(f"sqlite:///{tmp_path / 'x.db'}")
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000

    def test_a_second_writer_waits_for_the_first_instead_of_failing(self, tmp_path):
        database = Database(f"sqlite:///{tmp_path / 'x.db'}")
        with database.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        first_has_lock = threading.Event()
        order = []

        def slow_writer():
            with database.write_session() as session:
                session.execute(text("INSERT INTO t VALUES (1)"))
                first_has_lock.set()
                time.sleep(0.5)
                order.append("first")

        thread = threading.Thread(target=slow_writer)
        thread.start()
        first_has_lock.wait(5)
        # BEGIN IMMEDIATE blocks here (busy_timeout) rather than failing with "database is locked".
        with database.write_session() as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            order.append("second")
        thread.join()
        assert order == ["first", "second"]

    def test_readers_are_not_blocked_by_a_writer(self, tmp_path):
        database = Database(f"sqlite:///{tmp_path / 'x.db'}")
        with database.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        with database.write_session() as writer:
            writer.execute(text("INSERT INTO t VALUES (1)"))
            started = time.monotonic()
            with database.read_session() as reader:
                assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
            with database.read_connection() as connection:
                assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
            database.ping()
            assert time.monotonic() - started < 1


class TestTransactions:
    def test_a_failed_write_leaves_no_trace(self, db):
        with pytest.raises(RuntimeError), db.write_session() as session:
            session.add(Warehouse(code="W1", name="First", timezone="UTC"))
            session.flush()
            raise RuntimeError("boom after the insert")
        with db.read_session() as session:
            assert session.scalar(select(func.count()).select_from(Warehouse)) == 0

    def test_ping_raises_when_the_database_is_down(self):
        database = Database("postgresql://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
        with pytest.raises(Exception, match=r"(?i)connect"):
            database.ping()


def test_an_exclusive_section_runs_in_one_process_at_a_time(db):
    """Another holder makes a try fail at once; the lock is free again when the holder leaves."""
    from dashboard.db.engine import Database

    other = Database(db.url)  # another worker: its own engine and connections
    try:
        with db.exclusive("refresh") as held:
            assert held
            with other.exclusive("refresh", wait=False) as also:
                assert also is db.is_sqlite  # SQLite's single writer serialises on its own
            with other.exclusive("another name", wait=False) as unrelated:
                assert unrelated
        with other.exclusive("refresh", wait=False) as later:
            assert later
    finally:
        other.dispose()


def test_a_refresh_already_running_elsewhere_is_not_queued_behind(db):
    import datetime as dt

    from dashboard.db.engine import Database
    from dashboard.services.derived.refresh import REFRESH_LOCK, refresh_metrics

    if db.is_sqlite:
        return  # no cross-process lock on SQLite: its writes queue on the database itself
    other = Database(db.url)
    try:
        with other.exclusive(REFRESH_LOCK):
            assert refresh_metrics(db, dt.date(2026, 11, 27), wait=False) is None
        assert refresh_metrics(db, dt.date(2026, 11, 27), wait=False) is not None
    finally:
        other.dispose()
