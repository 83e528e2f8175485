"""Declarative base, constraint naming convention and shared column types."""

from __future__ import annotations

import datetime as dt
from enum import Enum as PyEnum

from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names: Alembic can drop or alter them by name on PostgreSQL and SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; its metadata carries the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored as naive UTC, returned as aware UTC on every backend.

    SQLite has no time zones and drops them silently; storing UTC everywhere and
    attaching the zone on the way out keeps comparisons identical on both backends.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        """Convert an aware datetime to naive UTC; refuse naive ones (their zone is a guess)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        """Attach UTC to the stored naive value."""
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def code_enum(enum_cls: type[PyEnum], name: str) -> Enum:
    """Store a :class:`LabelledCode` as its string value with a CHECK constraint (no native enum).

    Native PostgreSQL enums need a migration for every new value; a checked VARCHAR does not.
    """
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def utcnow() -> dt.datetime:
    """Current time as aware UTC (the one place that reads the wall clock for timestamps)."""
    return dt.datetime.now(dt.UTC)
