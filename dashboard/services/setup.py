"""Getting a database ready to serve: migrations, and demo data for the embedded default."""

from __future__ import annotations

import logging

from dashboard.config import Settings
from dashboard.db.engine import Database
from dashboard.db.migrate import current_revision, head_revision, upgrade
from dashboard.services.demo import generate_demo, has_data
from dashboard.services.derived.refresh import refresh_metrics

log = logging.getLogger(__name__)


class SchemaOutOfDateError(RuntimeError):
    """The database schema is behind the code; ``backorder-desk db upgrade`` fixes it."""


def prepare_database(settings: Settings, db: Database, *, echo: bool = False) -> None:
    """Make ``db`` ready: the embedded default migrates and fills itself; others are only checked."""
    if settings.auto_demo:
        upgrade(db.engine)
        if not has_data(db):
            if echo:
                print("First start: building the demo database (about 400 SKUs, 18 months)…")  # noqa: T201
            summary = generate_demo(db, today=settings.today())
            refresh_metrics(db, settings.today(), handling_days=settings.handling_days, rebuild_kpis=True)
            log.info("demo data created: %s", summary)
        return
    current, head = current_revision(db.engine), head_revision(db.engine)
    if current != head:
        raise SchemaOutOfDateError(
            f"database schema is at {current or 'nothing'}, code expects {head}: run `backorder-desk db upgrade`"
        )
