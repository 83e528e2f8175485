"""What a database error means for the person who caused it: an outage, a conflict, or a refused write.

The answer comes from SQLAlchemy's exception classes and the driver's own error code (psycopg's
``sqlstate``, sqlite3's ``sqlite_errorcode``), never from the English text of a message: the
text changes with the server's version and locale, the codes do not.

- An **outage** is the database not answering: it cannot be reached, the connection was lost,
  it was shut down, or a statement ran out of time. Nothing was done; trying later may work.
- A **conflict** is another change made at the same moment: a serialization failure, a deadlock,
  a lock that was not granted in time (SQLite's "database is locked"), or a row whose version
  moved on. This change was rolled back; reloading and trying again usually works.
- A **refused** write broke one of the database's rules: a duplicate key, a check, a foreign
  key, a missing value. This change was rolled back; repeating it unchanged will fail again.

Anything else (a bad query, a missing table) is none of these and is left to the caller's
general handling, which logs it with its traceback.
"""

from __future__ import annotations

import enum
import sqlite3

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError


class DatabaseFailure(enum.Enum):
    """The kinds of database error a person can be told about plainly."""

    OUTAGE = "outage"
    CONFLICT = "conflict"
    REFUSED = "refused"


# PostgreSQL SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
# 08 connection exception, 53 insufficient resources (too many connections, disk full),
# 57 operator intervention (shutdown, "cannot connect now", statement timeout), 58 system (I/O) error.
_PG_OUTAGE_CLASSES = frozenset({"08", "53", "57", "58"})
# 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available (lock_timeout).
_PG_CONFLICT_CODES = frozenset({"40001", "40P01", "55P03"})
# 23 integrity constraint violation; 40002 is the same found at COMMIT (a deferred constraint).
_PG_REFUSED_CLASSES = frozenset({"23"})
_PG_REFUSED_CODES = frozenset({"40002"})

# SQLite primary result codes (the low byte of the extended code, https://sqlite.org/rescode.html).
_SQLITE_OUTAGE = frozenset({sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL})
_SQLITE_CONFLICT = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_SQLITE_REFUSED = frozenset({sqlite3.SQLITE_CONSTRAINT})


def classify(error: BaseException) -> DatabaseFailure | None:
    """The kind of database failure ``error`` is, or None when it is not one of the three.

    Accepts SQLAlchemy's wrapped errors and bare driver errors alike: SQLite's ``BEGIN IMMEDIATE``
    runs in an engine event hook, and SQLAlchemy does not wrap what is raised there.
    """
    if isinstance(error, StaleDataError):
        # An UPDATE matched no row at the version read: someone else's change landed first.
        return DatabaseFailure.CONFLICT
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        # No connection could be had from the pool in time, or it was found dead.
        return DatabaseFailure.OUTAGE
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return DatabaseFailure.OUTAGE
        driver_error: BaseException = error.orig
    else:
        driver_error = error
    if isinstance(driver_error, sqlite3.Error):
        return _classify_sqlite(driver_error)
    sqlstate = getattr(driver_error, "sqlstate", None)
    if isinstance(sqlstate, str):
        return _classify_sqlstate(sqlstate)
    if isinstance(error, sa_exc.IntegrityError):
        return DatabaseFailure.REFUSED
    if isinstance(error, sa_exc.OperationalError):
        # psycopg gives no SQLSTATE to errors libpq raises on the client side: it could not connect,
        # could not resolve the host, or the server closed the connection.
        return DatabaseFailure.OUTAGE
    return None


def _classify_sqlstate(sqlstate: str) -> DatabaseFailure | None:
    if sqlstate in _PG_CONFLICT_CODES:
        return DatabaseFailure.CONFLICT
    if sqlstate[:2] in _PG_REFUSED_CLASSES or sqlstate in _PG_REFUSED_CODES:
        return DatabaseFailure.REFUSED
    if sqlstate[:2] in _PG_OUTAGE_CLASSES:
        return DatabaseFailure.OUTAGE
    return None


def _classify_sqlite(error: sqlite3.Error) -> DatabaseFailure | None:
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary in _SQLITE_CONFLICT:
        return DatabaseFailure.CONFLICT
    if primary in _SQLITE_REFUSED:
        return DatabaseFailure.REFUSED
    if primary in _SQLITE_OUTAGE:
        return DatabaseFailure.OUTAGE
    return None
