"""Role checks for plain Flask routes (exports, later the API): the same rule as for callbacks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask_login import current_user

from dashboard.auth.gate import deny
from dashboard.auth.roles import describe_roles
from dashboard.domain.codes import Role


def roles_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Allow a view only to signed-in users with one of ``roles`` (admins always); 401/403 otherwise."""
    allowed = frozenset(roles) | {Role.ADMIN}

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return deny(401, "Sign in first.")
            if current_user.role not in allowed:
                return deny(403, f"Only {describe_roles(allowed)} may do this.")
            return view(*args, **kwargs)

        return wrapper

    return decorate
