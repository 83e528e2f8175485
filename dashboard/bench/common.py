"""What every bench scenario is made of: the callback a user triggers, its SQL floor and a pandas baseline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from dashboard.db.engine import Database


@dataclass(frozen=True)
class Scenario:
    """One user action: the callback posted, and the SQL and pandas equivalents."""

    name: str
    output: str
    changed: str
    inputs: dict[str, Any]
    floor: Callable[[Any], None]
    naive: Callable[[Any], None]


def raw_sql(database: Database, statements: list[Select]) -> Callable[[Any], None]:
    """Run compiled SQL on the DB-API cursor: no ORM, no Dash, no JSON."""
    compiled = [stmt.compile(dialect=database.engine.dialect) for stmt in statements]

    def run(dbapi: Any) -> None:
        cursor = dbapi.cursor()
        for sql in compiled:
            params = sql.construct_params()
            ordered = [params[name] for name in sql.positiontup] if sql.positiontup else params
            cursor.execute(str(sql), ordered)
            cursor.fetchall()
        cursor.close()

    return run
