"""What every import kind's planner and writer share: the context, the plan, bulk reads and bulk writes.

Planning reads the existing records for the file's keys in a few queries (never one per
row), compares in Python and decides per row: ``new``, ``update``, ``unchanged`` or refused.
Writing is bulk: new rows through :func:`dashboard.db.bulk.insert_rows` (COPY on PostgreSQL),
changed rows through :mod:`.bulk_update`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import Select, Table, select
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.bulk import insert_rows
from dashboard.db.models import Product, Warehouse
from dashboard.services.audit.trail import Actor
from dashboard.services.imports.report import Rejected

# Keys per IN (…) query: well inside SQLite's and PostgreSQL's bound-parameter limits.
CHUNK = 5_000
# Looking up more keys than this reads the whole table once instead.
SCAN_KEYS = 20_000
NEW, UPDATE, UNCHANGED = "new", "update", "unchanged"


@dataclass
class Context:
    """One import run: where, who, when, and how to report progress."""

    session: Session
    actor: Actor
    today: dt.date
    handling_days: int
    file_name: str
    warehouse_code: str | None = None
    tick: Callable[[int], None] = lambda _n: None
    now: dt.datetime = field(default_factory=utcnow)

    @property
    def reference(self) -> str:
        """What stock movements and status changes written by this import are filed under."""
        return f"import {self.file_name}"[:64]


@dataclass
class Plan:
    """What an import would do, row by row, before anything is written; ``data`` is the kind's own."""

    outcomes: dict[int, str] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    ignored: int = 0
    data: Any = None
    # What the person should know beyond the counts (rows left out on purpose, and why).
    notes: list[str] = field(default_factory=list)

    def refuse(self, row: int, column: str, value: object, reason: str) -> None:
        """Refuse ``row`` for ``reason``."""
        self.rejected.append(Rejected(row, column, "" if value is None else str(value)[:200], reason))

    def count(self, outcome: str) -> int:
        """Rows with ``outcome``."""
        return sum(1 for o in self.outcomes.values() if o == outcome)

    @property
    def changes(self) -> int:
        """Rows that create or change something."""
        return self.count(NEW) + self.count(UPDATE)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """``items`` in slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def restricted(query: Select, column: Any, keys: Iterable[Any]) -> Iterable[Select]:
    """``query`` limited to ``keys`` of ``column``: chunked ``IN`` for a few keys, the whole query for many.

    With many keys the caller gets rows for other keys too and keeps the ones it wants.
    """
    wanted = sorted(set(keys))
    if len(wanted) > SCAN_KEYS:
        yield query
        return
    for part in chunks(wanted):
        yield query.where(column.in_(part))


def rows_by_key(session: Session, columns: Sequence[Any], key_column: Any, keys: Iterable[Any]) -> dict[Any, Any]:
    """``{key: row}`` of ``select(*columns)`` for the given ``keys`` of ``key_column`` (see :func:`restricted`)."""
    wanted = set(keys)
    found: dict[Any, Any] = {}
    if not wanted:
        return found
    session.flush()
    connection = session.connection()  # Core rows: several times cheaper than the ORM's for big reads
    position = [c.key for c in columns].index(key_column.key)
    for query in restricted(select(*columns), key_column, wanted):
        for row in connection.execute(query).all():
            if row[position] in wanted:
                found[row[position]] = row
    return found


def product_ids(session: Session, skus: Iterable[str]) -> dict[str, int]:
    """``{sku: product id}`` for the SKUs that exist."""
    return {sku: row.id for sku, row in rows_by_key(session, [Product.id, Product.sku], Product.sku, skus).items()}


def warehouse_ids(session: Session) -> dict[str, int]:
    """``{code: warehouse id}`` of every warehouse (a short table)."""
    return dict(session.execute(select(Warehouse.code, Warehouse.id)).all())


def first_seen(plan: Plan, seen: dict[Any, int], key: Any, number: int, column: str, value: object) -> bool:
    """Whether ``key`` is new in this file; otherwise refuse the row as a repeat of an earlier one."""
    earlier = seen.get(key)
    if earlier is not None:
        plan.refuse(number, column, value, f"repeats row {earlier}; each key may appear once per file")
        return False
    seen[key] = number
    return True


def raw_value(value: Any, postgres: bool) -> Any:
    """A Python value as the DB-API driver takes it for a bulk insert (no ORM type processing)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool) and not postgres:
        return int(value)
    return value


def insert_new(session: Session, table: Table, records: list[dict[str, Any]]) -> int:
    """Insert ``records`` (dicts with the same keys) into ``table`` in bulk."""
    if not records:
        return 0
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    columns = list(records[0])
    rows = ([raw_value(record[c], postgres) for c in columns] for record in records)
    return insert_rows(connection, table, columns, rows)


def differences(current: Any, values: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    """``{column: new value}`` for the fields in ``values`` whose column differs on the ``current`` row."""
    changed = {}
    for name, column in columns.items():
        if name in values and getattr(current, column) != values[name]:
            changed[column] = values[name]
    return changed
