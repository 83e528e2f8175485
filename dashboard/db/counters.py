"""Add to counter rows atomically: ``INSERT … ON CONFLICT (key) DO UPDATE SET c = c + excluded.c``.

The KPI tables are sums that many transactions bump at once (two workers shipping lines of the
same category on the same day). A read-modify-write in Python would lose one of the updates under
PostgreSQL's READ COMMITTED; the upsert adds in the database, under the row lock, so both land.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

# Statements carry at most this many rows (SQLite's bound-parameter limit is 32766).
CHUNK = 400


def key_columns(table: Table) -> list[str]:
    """The columns of ``table``'s unique constraint: what a counter row is keyed by."""
    [unique] = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
    return [column.name for column in unique.columns]


def counter_columns(table: Table) -> list[str]:
    """Every column that is neither the id nor part of the key."""
    keys = set(key_columns(table))
    return [c.name for c in table.columns if c.name != "id" and c.name not in keys]


def add_counters(session: Session, table: Table, rows: Mapping[tuple, Mapping[str, float]]) -> int:
    """Add ``rows`` (``{key tuple: {counter: amount}}``) to ``table``; returns the number of keys touched."""
    if not rows:
        return 0
    keys, counters = key_columns(table), counter_columns(table)
    # Sorted, so two transactions bumping the same rows lock them in the same order (no deadlock).
    values = [
        {**dict(zip(keys, key, strict=True)), **{c: amounts.get(c, 0) for c in counters}}
        for key, amounts in sorted(rows.items(), key=lambda item: tuple(str(part) for part in item[0]))
    ]
    for start in range(0, len(values), CHUNK):
        session.execute(_upsert(session, table, keys, counters, values[start : start + CHUNK]))
    return len(values)


def _upsert(session: Session, table: Table, keys: Sequence[str], counters: Iterable[str], values: list[dict[str, Any]]):
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(values)
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: table.c[c] + statement.excluded[c] for c in counters},
    )
