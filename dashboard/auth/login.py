"""`/login` and `/logout`: plain Flask routes with CSRF-protected forms, and rate-limited failed sign-ins.

Signing out is a POST with a CSRF token too: a GET that signed out would let any page on any site
sign a user out with a link or an image. A GET of /logout only offers the button.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

import flask
from flask import Blueprint, redirect, render_template, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import ValidationError

from dashboard import context
from dashboard.auth.session import SignedInUser
from dashboard.db.models import User
from dashboard.domain.codes import Role
from dashboard.services.demo import DEMO_USERS, demo_password, is_demo_database
from dashboard.services.users.passwords import hash_password, verify_password

# The sixth failed sign-in from one address within a minute is refused with 429; so is the
# eleventh against one username from anywhere (guessing one account from many addresses).
FAILED_SIGN_IN_LIMIT = "5 per minute"
FAILED_SIGN_IN_PER_USER_LIMIT = "10 per minute"


def _submitted_username() -> str:
    return "user:" + request.form.get("username", "").strip().lower()[:64]


DEMO_ROLE_SUMMARY = {
    Role.MANAGER: "stock, ETAs, statuses, receiving",
    Role.SUPPORT: "backorder triage, customer contact",
    Role.EXECUTIVE: "KPIs and suppliers (read only)",
    Role.ADMIN: "everything, users and tokens",
}


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: an open redirect would make the login page a phishing tool."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _demo_sign_ins() -> list[tuple[str, str, str]]:
    with context.current().db.read_session() as session:
        if not is_demo_database(session):
            return []
    return [(role.value, demo_password(role.value), DEMO_ROLE_SUMMARY[role]) for role in DEMO_USERS]


def _page(status: int = 200, *, error: str | None = None, throttled: bool = False) -> Response:
    html = render_template(
        "login.html",
        error=error,
        throttled=throttled,
        username=request.form.get("username", ""),
        next_url=_safe_next(request.values.get("next")),
        csrf_token=generate_csrf(),
        demo_sign_ins=_demo_sign_ins(),
    )
    return flask.make_response(html, status)


def _sign_out_page(status: int = 200, *, error: str | None = None) -> Response:
    html = render_template("logout.html", error=error, username=current_user.username, csrf_token=generate_csrf())
    return flask.make_response(html, status)


@functools.cache
def _dummy_hash() -> str:
    return hash_password("no-such-user-placeholder")


def _authenticate(username: str, password: str) -> SignedInUser | None:
    with context.current().db.read_session() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        # Hash something even for an unknown name, so timing does not reveal which names exist.
        matches = verify_password(user.password_hash if user else _dummy_hash(), password)
        if user is None or not user.active or not matches:
            return None
        return SignedInUser(user.id, user.username, user.role)


def make_blueprint(limiter: Limiter) -> Blueprint:
    """The sign-in routes, with ``limiter`` counting failed attempts per client address."""
    bp = Blueprint("auth", __name__, template_folder="../templates")

    @bp.get("/login")
    def login_form() -> Response:
        return _page()

    @bp.post("/login")
    @limiter.limit(
        FAILED_SIGN_IN_LIMIT, key_func=get_remote_address, deduct_when=lambda response: response.status_code == 401
    )
    @limiter.limit(
        FAILED_SIGN_IN_PER_USER_LIMIT,
        key_func=_submitted_username,
        deduct_when=lambda response: response.status_code == 401,
    )
    def login() -> Response:
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            return _page(400, error="The form expired. Please sign in again.")
        user = _authenticate(request.form.get("username", ""), request.form.get("password", ""))
        if user is None:
            return _page(401, error="Wrong username or password, or the account is deactivated.")
        flask.session.clear()
        login_user(user)
        return redirect(_safe_next(request.form.get("next")))

    @bp.get("/logout")
    def logout_form() -> Response:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login_form"))
        return _sign_out_page()

    @bp.post("/logout")
    def logout() -> Response:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login_form"))
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            # Mostly a page left open past the token's time limit: a fresh button, one more press.
            message = "The sign-out form was out of date (or not from this site), so you are still signed in."
            return _sign_out_page(400, error=message)
        logout_user()
        flask.session.clear()
        return redirect(url_for("auth.login_form"))

    return bp


def too_many_attempts(_error: Exception) -> Response:
    """429 page: the form again, saying why and for how long."""
    return _page(429, error="Too many failed sign-ins from your address. Wait a minute and try again.", throttled=True)
