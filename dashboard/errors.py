"""App-wide error handling: log with the traceback, tell the user plainly, change nothing more."""

from __future__ import annotations

import logging

import dash
import flask
from sqlalchemy.exc import DBAPIError

from dashboard.domain.inputs import RefusedError

log = logging.getLogger(__name__)


class DatabaseUnavailableError(RuntimeError):
    """The database did not answer while serving a request."""


def on_callback_error(error: Exception) -> None:
    """Dash ``on_error``: the callback's outputs stay as they were; a toast says what happened."""
    if isinstance(error, RefusedError):
        # A forged or odd value, or a rule that says no: the person gets the reason, the log a line.
        log.info("callback refused: %s", error)
        dash.set_props(
            "global-error", {"is_open": True, "header": "Not done", "icon": "warning", "children": str(error)}
        )
        return
    if isinstance(error, DBAPIError):
        # Which error (a lost connection, a deadlock, a timeout) matters to whoever runs the system.
        log.warning("callback failed on the database: %s", str(error.orig).splitlines()[0][:300])
        message = "The database is unavailable right now. Nothing was changed; try again shortly."
    else:
        log.exception("callback failed", exc_info=error)
        message = "Something went wrong and it has been logged. Nothing was changed."
    dash.set_props(
        "global-error", {"is_open": True, "header": "Something went wrong", "icon": "danger", "children": message}
    )


def refused(error: RefusedError) -> flask.Response:
    """A 400 with the reason for a route's request that was refused (a forged or odd parameter, a rule)."""
    log.info("request refused: %s", error)
    response = flask.jsonify({"error": "bad_request", "message": str(error)})
    response.status_code = 400
    return response


def database_unavailable(_error: Exception) -> flask.Response:
    """A 503 for plain requests when the database is down (no traceback)."""
    return flask.Response("Database unavailable. Try again shortly.\n", status=503, mimetype="text/plain")


def not_found(_error: Exception) -> flask.Response:
    """A plain 404 for requests that name something that does not exist."""
    return flask.Response("Not found.\n", status=404, mimetype="text/plain")
