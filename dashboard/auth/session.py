"""Flask-Login wiring: the signed-in user is reloaded from the database on every request.

Reading the role and the active flag fresh each request is what makes a role change or a
deactivation take effect on the user's very next click.
"""

from __future__ import annotations

from dataclasses import dataclass

import flask
from flask_login import LoginManager, UserMixin
from sqlalchemy import bindparam, select, true
from sqlalchemy.exc import DBAPIError

from dashboard import context
from dashboard.db.models import User
from dashboard.domain.codes import Role
from dashboard.errors import DatabaseUnavailableError


@dataclass(frozen=True)
class SignedInUser(UserMixin):
    """A detached snapshot of the user row for this request."""

    user_id: int
    username: str
    role: Role

    def get_id(self) -> str:
        """Flask-Login stores this id in the session cookie."""
        return str(self.user_id)


# Built once: this runs on every request, and building a statement and its SQLAlchemy cache key
# costs more than SQLite takes to answer it.
ACTIVE_USER = select(User.id, User.username, User.role).where(User.id == bindparam("user_id"), User.active == true())


def _load_user(user_id: str) -> SignedInUser | None:
    if not user_id.isdigit():
        return None
    try:
        # A Core query in a read-only transaction: engine.connect() would begin IMMEDIATE on SQLite and
        # make every request wait for the write lock, e.g. for the whole of a metrics refresh.
        with context.current().db.read_connection() as connection:
            row = connection.execute(ACTIVE_USER, {"user_id": int(user_id)}).first()
        return SignedInUser(row.id, row.username, row.role) if row else None
    except DBAPIError as exc:
        raise DatabaseUnavailableError(str(exc)) from exc


def init_login_manager(server: flask.Flask) -> LoginManager:
    """Attach Flask-Login to ``server``."""
    manager = LoginManager()
    manager.user_loader(_load_user)
    manager.session_protection = "basic"
    manager.init_app(server)
    return manager
