"""The request gate: sign-in for everything not public, and role checks before Dash dispatches."""

from __future__ import annotations

from collections.abc import Callable

import dash
import flask
from flask import jsonify, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from dashboard.auth.roles import cancel_roles, declared_roles, declares_writes, describe_roles
from dashboard.errors import note_callback

PUBLIC_PATHS = frozenset({"/login", "/logout", "/healthz", "/readyz", "/favicon.ico", "/_favicon.ico"})
# Static files (ours and Dash's component bundles), the token-authenticated API, and the supplier's
# confirmation page (its signed link is its authentication).
API_PREFIX = "/api/v1/"
API_BLUEPRINT = "api"
SUPPLIER_PREFIX = "/supplier/confirm/"
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", API_PREFIX, SUPPLIER_PREFIX)
DASH_UPDATE = "/_dash-update-component"
# Dash's own page-routing callbacks render page layouts (each layout checks its page's roles);
# matched exactly, so an undeclared callback cannot slip through by naming a similar output.
DASH_ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
DASH_INTERNAL_OUTPUTS = frozenset({DASH_ROUTER_OUTPUT, "_pages_dummy.children"})


def _wants_json() -> bool:
    accept = request.accept_mimetypes
    return request.is_json or request.method != "GET" or (accept.best == "application/json")


def deny(status: int, message: str) -> Response:
    """A JSON 401/403/400 with a message a person can act on."""
    response = jsonify({"error": "unauthorized" if status == 401 else "forbidden", "message": message})
    response.status_code = status
    return response


def _routable(body: dict) -> bool:
    """Whether Dash's page router may take this body: its location values are a path and a query string.

    The router is Dash's own code, so it cannot refuse odd values itself; a forged pathname that is
    not a path (a number, a list, "²") would otherwise end in an exception inside Dash.
    """
    values = [item.get("value") for item in body.get("inputs") or [] if isinstance(item, dict)]
    if body["output"] != DASH_ROUTER_OUTPUT:
        return True
    if len(values) != 2:
        return False
    pathname, search = values
    return isinstance(pathname, str) and pathname.startswith("/") and (search is None or isinstance(search, str))


def make_gate(app: dash.Dash) -> Callable[[], Response | None]:
    """A ``before_request`` hook for ``app``: None lets the request through."""

    def gate() -> Response | None:
        path = request.path
        if path.startswith(API_PREFIX) and request.blueprint != API_BLUEPRINT:
            # Only the token-authenticated API blueprint lives here; never Dash's catch-all page.
            response = jsonify({"error": "not_found", "message": f"No API endpoint at {path}."})
            response.status_code = 404
            return response
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        if not current_user.is_authenticated:
            if _wants_json():
                return deny(401, "Sign in first.")
            return redirect(url_for("auth.login_form", next=request.full_path.rstrip("?")))
        if path == DASH_UPDATE and request.method == "POST":
            return _check_callback(app)
        return None

    return gate


def _check_callback(app: dash.Dash) -> Response | None:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return deny(400, "Malformed callback request.")
    entry = app.callback_map.get(body["output"])
    if entry is None or "callback" not in entry:
        return deny(400, "Unknown callback.")
    roles = declared_roles(entry["callback"]) or cancel_roles(body["output"])
    if roles is None:
        if body["output"] in DASH_INTERNAL_OUTPUTS:
            return None if _routable(body) else deny(400, "Malformed page request.")
        flask.current_app.logger.error("callback %s has no role declaration; refused", body["output"])
        return deny(403, "This action has no role declaration and is refused.")
    if current_user.role not in roles:
        return deny(
            403,
            f"Only {describe_roles(roles)} may do this; you are signed in as "
            f"{current_user.username} ({current_user.role.label.lower()}).",
        )
    note_callback(writes=declares_writes(entry["callback"]))
    return None
