"""App-wide error handling: log with the traceback, tell the user plainly, change nothing more."""

from __future__ import annotations

import logging

import dash
import flask
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)


class DatabaseUnavailableError(RuntimeError):
    """The database did not answer while serving a request."""


def on_callback_error(error: Exception) -> None:
    """Dash ``on_error``: the callback's outputs stay as they were; a toast says what happened."""
    if isinstance(error, DBAPIError):
        # Which error (a lost connection, a deadlock, a timeout) matters to whoever runs the system.
        log.warning("callback failed on the database: %s", str(error.orig).splitlines()[0][:300])
        message = "The database is unavailable right now. Nothing was changed; try again shortly."
    else:
        log.exception("callback failed", exc_info=error)
        message = "Something went wrong and it has been logged. Nothing was changed."
    dash.set_props("global-error", {"is_open": True, "children": message})


def database_unavailable(_error: Exception) -> flask.Response:
    """A 503 for plain requests when the database is down (no traceback)."""
    return flask.Response("Database unavailable. Try again shortly.\n", status=503, mimetype="text/plain")


def not_found(_error: Exception) -> flask.Response:
    """A plain 404 for requests that name something that does not exist."""
    return flask.Response("Not found.\n", status=404, mimetype="text/plain")
