"""Fast bulk loading for generated or imported data, inside the caller's transaction.

SQLite takes DB-API ``executemany``; PostgreSQL takes ``COPY``, several times faster than
multi-row INSERT. Values must already be plain Python (or strings for dates), which is what
the generators produce; this bypasses ORM type processing on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, text

CHUNK_ROWS = 50_000


def insert_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; return the number inserted.

    ``on_progress`` is called with the running count every ``CHUNK_ROWS`` rows.
    """
    dbapi = connection.connection.dbapi_connection
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
    name = connection.dialect.identifier_preparer.format_table(table)
    count = 0
    if connection.dialect.name == "postgresql":
        with dbapi.cursor() as cursor, cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
                if on_progress and count % CHUNK_ROWS == 0:
                    on_progress(count)
        return count
    # Index maintenance on millions of rows thrashes SQLite's default 2 MB page cache.
    dbapi.execute("PRAGMA cache_size=-262144")
    placeholders = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {name} ({quoted}) VALUES ({placeholders})"
    cursor = dbapi.cursor()
    try:
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK_ROWS:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
                if on_progress:
                    on_progress(count)
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    finally:
        cursor.close()
    return count


def reset_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """After loading explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" not in table.c:  # link tables (notification_line) have no sequence
            continue
        name = table.name
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {connection.dialect.identifier_preparer.quote(name)}), 0) + 1, false)"
            ),
            {"t": connection.dialect.identifier_preparer.quote(name)},
        )
