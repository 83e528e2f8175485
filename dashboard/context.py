"""Per-app state (settings and database) stored on the Flask app, found from any request."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import flask

from dashboard.config import Settings
from dashboard.db.engine import Database
from dashboard.services.audit.trail import Actor
from dashboard.services.comms.outbox import BackgroundSender
from dashboard.services.derived.background import BackgroundRefresher
from dashboard.services.unit_of_work import UnitOfWork, unit_of_work

EXTENSION_KEY = "backorder_desk"


@dataclass
class AppContext:
    """What callbacks and routes need: the settings and the database of *this* app."""

    settings: Settings
    db: Database
    metrics: BackgroundRefresher
    outbox: BackgroundSender
    # The background-job manager (an import): Dash's diskcache manager with the app context.
    jobs: Any = None
    # The view cache (dashboard.cache.ViewCache): Redis with REDIS_URL, else per process.
    cache: Any = None

    def unit_of_work(self, actor: Actor | Callable[[Any], Actor]) -> AbstractContextManager[UnitOfWork]:
        """One write action in this app: committed, then the metrics follow if the data changed."""
        return unit_of_work(
            self.db,
            actor,
            self.settings.today(),
            self.settings.handling_days,
            on_data_change=[self.metrics.after_change],
        )


def install(server: flask.Flask, context: AppContext) -> None:
    """Attach ``context`` to ``server`` so request handlers can reach it."""
    server.extensions[EXTENSION_KEY] = context


def current() -> AppContext:
    """The context of the app handling the current request."""
    return flask.current_app.extensions[EXTENSION_KEY]


def current_for(server: flask.Flask) -> AppContext:
    """The context of ``server`` outside a request (tests, command line)."""
    return server.extensions[EXTENSION_KEY]
