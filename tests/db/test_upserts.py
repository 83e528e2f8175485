"""Derived rows written by key: a later write replaces a row whole, and two rebuilds of the same key both commit.

The plain INSERT the rebuilds used before failed the second on PostgreSQL with a duplicate key.
"""

import threading

from sqlalchemy import Column, Integer, MetaData, String, Table, delete, select

from dashboard.db.upserts import upsert_rows

metadata = MetaData()
derived = Table(
    "test_derived", metadata, Column("id", Integer, primary_key=True), Column("a", String(8)), Column("b", Integer)
)


def test_a_row_is_replaced_whole_and_new_keys_are_inserted(db):
    metadata.create_all(db.engine)
    with db.write_session() as session:
        upsert_rows(session, derived, [{"id": 2, "a": "x", "b": 1}, {"id": 1, "a": "y", "b": 2}])
    with db.write_session() as session:
        upsert_rows(session, derived, [{"id": 2, "a": "z", "b": None}, {"id": 3, "a": "w", "b": 4}])
        upsert_rows(session, derived, [])
    with db.read_session() as session:
        assert session.execute(select(derived).order_by(derived.c.id)).all() == [
            (1, "y", 2),
            (2, "z", None),
            (3, "w", 4),
        ]


def test_two_rebuilds_of_the_same_rows_at_once_both_commit(db):
    metadata.create_all(db.engine)
    with db.write_session() as session:
        upsert_rows(session, derived, [{"id": 1, "a": "old", "b": 0}])
    errors: list[Exception] = []
    first_wrote, first_may_commit = threading.Event(), threading.Event()

    def rebuild(value: str, hold: bool) -> None:
        try:
            with db.write_session() as session:
                session.execute(delete(derived).where(derived.c.id == 1))
                upsert_rows(session, derived, [{"id": 1, "a": value, "b": 1}])
                if hold:
                    first_wrote.set()
                    first_may_commit.wait(10)
        except Exception as exc:
            errors.append(exc)

    first = threading.Thread(target=rebuild, args=("first", True))
    first.start()
    assert first_wrote.wait(10)
    # SQLite: the second waits for the writer lock; PostgreSQL: for the first's row, then finds its key taken.
    second = threading.Thread(target=rebuild, args=("second", False))
    second.start()
    second.join(0.5)
    first_may_commit.set()
    first.join(20)
    second.join(20)
    assert errors == []
    with db.read_session() as session:
        assert session.execute(select(derived.c.a)).scalars().all() == ["second"]
