"""Write derived rows by key: ``INSERT … ON CONFLICT (primary key) DO UPDATE SET every column``.

Derived tables (the triage queue, status advice) are rebuilt by deleting a set of rows and
writing them again. Two transactions doing that for the same rows at once — a background refresh
and an ETA confirm touching the same queue — would both insert the same key under PostgreSQL's
READ COMMITTED and one would fail on the primary key. Written as upserts, the later one simply
overwrites what the earlier one wrote, each row whole.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

# Rows per statement: SQLite allows 32,766 bound parameters, and these tables have up to ~35 columns.
CHUNK = 400


def dialect_insert(session: Session):
    """``insert`` of the session's dialect, which has ``on_conflict_do_update``."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def upsert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table``, replacing any row with the same primary key (in key order: no deadlock)."""
    if not rows:
        return
    keys = [column.name for column in table.primary_key.columns]
    ordered = sorted(rows, key=lambda row: tuple(row[k] for k in keys))
    insert = dialect_insert(session)
    for start in range(0, len(ordered), CHUNK):
        statement = insert(table).values(ordered[start : start + CHUNK])
        others = [name for name in ordered[start] if name not in keys]
        session.execute(
            statement.on_conflict_do_update(index_elements=keys, set_={c: statement.excluded[c] for c in others})
        )
