"""Alembic glue: build the config in code so the CLI works from any directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Backend-specific search structures of migration 0004 that no model describes (see db/text_search.py):
# the SQLite FTS5 table with its shadow tables, and the PostgreSQL pg_trgm expression indexes.
UNMODELLED = frozenset(
    {"sku_metrics_fts", *(f"sku_metrics_fts_{shadow}" for shadow in ("data", "idx", "docsize", "config"))}
    | {f"ix_sku_metrics_{column}_trgm" for column in ("sku", "product_name", "supplier_name")}
)


def include_object(_obj: Any, name: str | None, _type: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic ``include_object``: leave :data:`UNMODELLED` out of autogenerate's model comparison."""
    return not (reflected and compare_to is None and name in UNMODELLED)


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs migrations on ``engine``'s database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (the newest by default)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    """Whether the schema is at the newest revision."""
    return current_revision(engine) == head_revision(engine)
