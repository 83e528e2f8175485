"""App-wide error handling: tell the user plainly what happened, log what whoever runs the system needs.

A database error is one of three things (:mod:`dashboard.db.failures`), and each is said as it is:
an **outage** ("the database is unavailable"), a **conflict** with a change made at the same time,
or a write the database **refused** (a duplicate key, a broken rule). Only an outage answers a plain
request with 503, the status the page's database-down banner (``assets/db-status.js``) shows itself
for; a conflict or a refused write is a 409 and never raises that banner.

In a callback the wording also follows the callback's declaration (``@allow_roles(..., writes=True)``,
noted for the request by the gate through :func:`note_callback`): a write says nothing was saved,
a read says what it could not load.
"""

from __future__ import annotations

import logging

import dash
import flask

from dashboard.db.failures import DatabaseFailure, classify
from dashboard.domain.inputs import RefusedError

log = logging.getLogger(__name__)

# Where the gate notes, for the callback request it let through, whether that callback writes.
_WRITES_KEY = "backorder_desk_callback_writes"

UNAVAILABLE_WRITE = "The database is unavailable right now. Nothing was saved; try again shortly."
UNAVAILABLE_READ = "The database is unavailable right now, so this could not be loaded; try again shortly."
CONFLICT_WRITE = (
    "This change conflicted with another one made at the same time and was not saved; reload and try again."
)
CONFLICT_READ = "This could not be loaded while another change was being saved; try again."
REFUSED_WRITE = (
    "The database refused this change: it clashes with data already saved, perhaps by someone else just now. "
    "Nothing was saved; reload and try again."
)
UNEXPECTED_WRITE = "Something went wrong and it has been logged. Nothing was saved."
UNEXPECTED_READ = "Something went wrong and it has been logged, so this could not be loaded."

_CALLBACK_MESSAGES: dict[tuple[DatabaseFailure | None, bool], str] = {
    (DatabaseFailure.OUTAGE, True): UNAVAILABLE_WRITE,
    (DatabaseFailure.OUTAGE, False): UNAVAILABLE_READ,
    (DatabaseFailure.CONFLICT, True): CONFLICT_WRITE,
    (DatabaseFailure.CONFLICT, False): CONFLICT_READ,
    # A read that trips a constraint has written something after all; the write wording is the true one.
    (DatabaseFailure.REFUSED, True): REFUSED_WRITE,
    (DatabaseFailure.REFUSED, False): REFUSED_WRITE,
    (None, True): UNEXPECTED_WRITE,
    (None, False): UNEXPECTED_READ,
}


class DatabaseUnavailableError(RuntimeError):
    """The database did not answer while serving a request."""


def failure_of(error: BaseException) -> DatabaseFailure | None:
    """The kind of database failure ``error`` is (ours included), or None for any other error."""
    if isinstance(error, DatabaseUnavailableError):
        return DatabaseFailure.OUTAGE
    return classify(error)


def _cause(error: BaseException) -> str:
    """The driver's error in one line, with its code: what whoever runs the system searches for."""
    cause = getattr(error, "orig", None) or error
    code = getattr(cause, "sqlstate", None) or getattr(cause, "sqlite_errorname", None)
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}{f' [{code}]' if code else ''}: {lines[0][:300] if lines else ''}"


def _log(failure: DatabaseFailure | None, error: BaseException, where: str) -> None:
    # Outages and refused writes are expected in a running system: which one and why, without a traceback.
    if failure is DatabaseFailure.OUTAGE:
        log.warning("%s: the database is unavailable: %s", where, _cause(error))
    elif failure is DatabaseFailure.CONFLICT:
        log.warning("%s: the write conflicted with another change and was rolled back: %s", where, _cause(error))
    elif failure is DatabaseFailure.REFUSED:
        log.warning("%s: the database refused the write: %s", where, _cause(error))
    else:
        log.error("%s failed", where, exc_info=error)


def note_callback(*, writes: bool) -> None:
    """Remember, for this request, whether the callback being served changes data (called by the gate)."""
    setattr(flask.g, _WRITES_KEY, writes)


def callback_writes() -> bool:
    """Whether the callback of this request declared ``writes=True`` (False outside a callback request)."""
    return bool(flask.g.get(_WRITES_KEY, False)) if flask.has_app_context() else False


def callback_message(error: BaseException) -> str:
    """What the user is told when a callback raised ``error`` (and the failure is logged)."""
    # A refusal (dashboard.domain.inputs.RefusedError) carries its own message for the user.
    if isinstance(error, RefusedError):
        return str(error)
    failure = failure_of(error)
    _log(failure, error, "callback")
    return _CALLBACK_MESSAGES[failure, callback_writes()]


def on_callback_error(error: Exception) -> None:
    """Dash ``on_error``: the callback's outputs stay as they were; a toast says what happened."""
    if isinstance(error, RefusedError):
        # A forged or odd value, or a rule that says no: the person gets the reason, the log a line.
        log.info("callback refused: %s", error)
        dash.set_props(
            "global-error", {"is_open": True, "header": "Not done", "icon": "warning", "children": str(error)}
        )
        return
    message = callback_message(error)
    dash.set_props(
        "global-error", {"is_open": True, "header": "Something went wrong", "icon": "danger", "children": message}
    )


def refused(error: RefusedError) -> flask.Response:
    """A 400 with the reason for a route's request that was refused (a forged or odd parameter, a rule)."""
    log.info("request refused: %s", error)
    response = flask.jsonify({"error": "bad_request", "message": str(error)})
    response.status_code = 400
    return response


def database_error(error: Exception) -> flask.Response:
    """Plain requests: 503 for an outage (no traceback), 409 for a conflict or a refused write.

    Any other database error is raised again, for Flask to log with its traceback and answer 500.
    """
    failure = failure_of(error)
    if failure is None:
        raise error
    _log(failure, error, f"{flask.request.method} {flask.request.path}")
    if failure is DatabaseFailure.OUTAGE:
        return flask.Response("Database unavailable. Try again shortly.\n", status=503, mimetype="text/plain")
    return flask.Response(
        "This change was refused by the database (it conflicted with another change or with data already saved). "
        "Nothing was saved; reload and try again.\n",
        status=409,
        mimetype="text/plain",
    )


def not_found(_error: Exception) -> flask.Response:
    """A plain 404 for requests that name something that does not exist."""
    return flask.Response("Not found.\n", status=404, mimetype="text/plain")
