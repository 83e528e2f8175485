"""User administration: one transaction per change, each with its audit event."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import User
from dashboard.domain.codes import Role
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit import trail as audit
from dashboard.services.audit.trail import Actor
from dashboard.services.users.passwords import hash_password

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10


class UserError(RefusedError):
    """A user change that cannot be made; the message says why."""


def _audit(
    session: Session,
    actor: Actor,
    user: User,
    action: str,
    before: dict | None,
    after: dict | None,
    reason: str | None = None,
) -> None:
    audit.record(session, actor, "user", user.username, action, before, after, reason)


def _get(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserError(f"no user named {username!r}")
    return user


def create_user(session: Session, actor: Actor, username: str, password: str, role: str) -> User:
    """Add a user with a hashed password; usernames are lower-case and unique."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise UserError("username must be 2–64 characters: lower-case letters, digits, '.', '_' or '-'")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    parsed = Role.parse(role)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"a user named {username!r} already exists")
    user = User(username=username, password_hash=hash_password(password), role=parsed, active=True)
    session.add(user)
    session.flush()
    _audit(session, actor, user, "create_user", None, {"role": parsed.value, "active": True})
    return user


def set_role(session: Session, actor: Actor, username: str, role: str) -> User:
    """Change a user's role; it applies from their next request."""
    parsed = Role.parse(role)
    user = _get(session, username)
    before = user.role.value
    user.role = parsed
    _audit(session, actor, user, "set_role", {"role": before}, {"role": parsed.value})
    return user


def set_active(session: Session, actor: Actor, username: str, active: bool) -> User:
    """Deactivate (or reactivate) a user; a deactivated user is signed out on their next request."""
    user = _get(session, username)
    before = user.active
    user.active = active
    _audit(session, actor, user, "activate" if active else "deactivate", {"active": before}, {"active": active})
    return user


def list_users(session: Session) -> list[User]:
    """All users, by username."""
    return list(session.scalars(select(User).order_by(User.username)))
