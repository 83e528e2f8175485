"""Changing many existing rows at once, without overwriting a row someone else changed meanwhile.

An import plans on what it read, then writes. A versioned row (product, stock level) is only
updated if its ``version`` is still the one the plan read — optimistic concurrency, as every
edit in the app — and its version goes up by one, so a manager editing it from an older load is
told it changed. If any row moved on, :class:`ChangedMeanwhileError` ends the import (nothing of
it is written; importing again plans on the new data).

SQLite takes one executemany per set of changed columns. PostgreSQL, for large sets, gets the
new values by ``COPY`` into a temporary table and one ``UPDATE … FROM`` — an executemany of
200,000 statements costs many times more.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, bindparam, table, update
from sqlalchemy.orm import Session

from dashboard.db.bulk import insert_rows
from dashboard.services.imports.common import chunks, raw_value

# Below this many rows per statement, PostgreSQL also takes an executemany.
COPY_FROM = 2_000


class ChangedMeanwhileError(RuntimeError):
    """A row the import planned to change was changed by someone else first."""


def update_existing(
    session: Session,
    target: Table,
    changes: list[tuple[int, dict[str, Any]]],
    now: dt.datetime,
    versions: Mapping[int, int] | None = None,
) -> int:
    """Apply ``[(id, {column: value})]`` to ``target``; ``versions`` are the ids' versions the plan read."""
    groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for row_id, values in changes:
        if values:
            groups[tuple(sorted(values))].append((row_id, values))
    postgres = session.connection().dialect.name == "postgresql"
    total = 0
    for columns, rows in groups.items():
        if postgres and len(rows) >= COPY_FROM:
            done = _update_from_copy(session, target, columns, rows, now, versions)
        else:
            done = _update_many(session, target, columns, rows, now, versions)
        if versions is not None and done != len(rows):
            raise ChangedMeanwhileError(f"{len(rows) - done} {target.name} row(s) changed while importing")
        total += done
    return total


def _stamps(target: Table, now: dt.datetime) -> dict[str, Any]:
    stamps: dict[str, Any] = {}
    if "version" in target.c:
        stamps["version"] = target.c.version + 1
    if "updated_at" in target.c:
        stamps["updated_at"] = now
    return stamps


def _update_many(session, target, columns, rows, now, versions) -> int:
    statement = update(target).where(target.c.id == bindparam("_id"))
    if versions is not None:
        statement = statement.where(target.c.version == bindparam("_version"))
    statement = statement.values({c: bindparam(f"_{c}") for c in columns} | _stamps(target, now))
    params = [
        {"_id": row_id, **({"_version": versions[row_id]} if versions is not None else {})}
        | {f"_{c}": values[c] for c in columns}
        for row_id, values in rows
    ]
    done = 0
    for part in chunks(params):
        done += session.execute(statement, list(part)).rowcount
    return done


def _update_from_copy(session, target, columns, rows, now, versions) -> int:
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    staged = ["id", *columns] + (["version"] if versions is not None else [])
    name = f"import_staged_{target.name}"
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS "
        f"SELECT {', '.join(quote(c) for c in staged)} FROM {quote(target.name)} WITH NO DATA"
    )
    values = (
        [row_id, *(raw_value(v[c], True) for c in columns)] + ([versions[row_id]] if versions is not None else [])
        for row_id, v in rows
    )
    insert_rows(connection, table(name), staged, values)
    assignments = [f"{quote(c)} = s.{quote(c)}" for c in columns]
    if "version" in target.c:
        assignments.append("version = t.version + 1")
    if "updated_at" in target.c:
        assignments.append("updated_at = %(now)s")
    where = "t.id = s.id" + (" AND t.version = s.version" if versions is not None else "")
    result = connection.exec_driver_sql(
        f"UPDATE {quote(target.name)} AS t SET {', '.join(assignments)} FROM {name} AS s WHERE {where}",
        {"now": now.astimezone(dt.UTC).replace(tzinfo=None)},
    )
    connection.exec_driver_sql(f"DROP TABLE {name}")
    return result.rowcount
