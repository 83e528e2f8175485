"""Engines and sessions: one place that knows how SQLite and PostgreSQL are tuned.

Use :func:`write_session` for a user action (one transaction, committed on success, rolled
back on any error) and :func:`read_session` for pages (:func:`read_connection` where Core is
enough). On SQLite a write transaction starts with ``BEGIN IMMEDIATE`` so it takes the write
lock up front and waits ``busy_timeout`` for it; a deferred transaction that later writes fails
at once with "database is locked". Reads must therefore go through the read-only variants: a
plain ``engine.connect()`` also begins IMMEDIATE and would queue behind any writer.
"""

from __future__ import annotations

import hashlib
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000
READ_ONLY = "backorder_desk_read_only"


def normalise_url(url: str) -> str:
    """Map a bare ``postgresql://`` or ``postgres://`` URL onto the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the per-backend settings this app relies on."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself instead of pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        # Straight on the DB-API connection: every request begins at least one transaction, and a full
        # SQLAlchemy execution of "BEGIN" costs several times what SQLite needs for it. (So the engine's
        # echo log shows "BEGIN (implicit)" but not which kind.)
        connection.connection.dbapi_connection.execute("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


def _close_pool(engine: Engine, creator_pid: int) -> None:
    # In a forked child (a gunicorn worker, a job) the sockets are shared with the parent: let go
    # of them without the goodbye that would end the parent's sessions too.
    engine.dispose(close=os.getpid() == creator_pid)


class Database:
    """An engine plus its two session factories; one per app (and per worker after fork)."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        """Connect lazily to ``url``."""
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self._read_engine = self.engine.execution_options(**{READ_ONLY: True})
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self._read_engine, expire_on_commit=False)
        # A Database dropped without dispose() (a test's app, a short-lived CLI helper) closes its
        # pooled connections instead of leaving them to the garbage collector, which warns about
        # each one (ResourceWarning: sqlite3 on Python 3.13+, psycopg always).
        weakref.finalize(self, _close_pool, self.engine, os.getpid())

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite backend."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """One transaction for one user action: commit on success, roll back on any error."""
        with self._writer.begin() as session:
            yield session

    @contextmanager
    def exclusive(self, name: str, *, wait: bool = True) -> Iterator[bool]:
        """Hold the lock ``name`` across every process using this database; yields whether it is held.

        PostgreSQL: a session advisory lock on a connection of its own (autocommit, so it holds no
        snapshot while the work runs); with ``wait=False`` it is only tried. SQLite: always held;
        its single writer already serialises the transactions inside.
        """
        if self.is_sqlite:
            yield True
            return
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if wait:
                connection.exec_driver_sql("SELECT pg_advisory_lock(%s)", (key,))
                held = True
            else:
                held = bool(connection.exec_driver_sql("SELECT pg_try_advisory_lock(%s)", (key,)).scalar())
            try:
                yield held
            finally:
                if held:
                    with suppress(DBAPIError):  # the connection is gone, and its session lock with it
                        connection.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (key,))

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reading; on SQLite it never takes the write lock."""
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A Core connection in a read-only transaction, for per-request reads that need no ORM session."""
        with self._read_engine.connect() as connection, connection.begin():
            yield connection

    def ping(self) -> None:
        """Run a trivial query; raises if the database does not answer."""
        # Read-only, so a readiness probe answers during a long write (a metrics refresh) instead of queueing.
        with self.read_connection() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        """Drop pooled connections (after fork, or when shutting down)."""
        self.engine.dispose()
