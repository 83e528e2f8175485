"""Who may do what: role declarations for callbacks and pages.

Every server-side callback states its roles with :func:`allow_roles`. The request gate
(:mod:`dashboard.auth.gate`) reads the declaration *before* Dash dispatches, so a denial is a
real HTTP 403 whatever error handler the app has, and the callback body never runs. A
callback without a declaration is refused outright (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from dash import Input
from flask_login import current_user

from dashboard.domain.codes import Role
from dashboard.services.audit.trail import Actor

F = TypeVar("F", bound=Callable[..., Any])

ALL_ROLES = frozenset(Role)
READ_ROLES_ATTR = "allowed_roles"
WRITES_ATTR = "writes_data"


def allow_roles(*roles: Role, writes: bool = False) -> Callable[[F], F]:
    """Declare the roles that may trigger a callback; ``writes`` marks callbacks that change data.

    Put it *under* ``@callback`` so Dash's wrapper copies the declaration.
    Admins may always act: they run the system (design §1). When a callback fails, ``writes``
    decides what the user is told: a write says nothing was saved, a read that it could not
    load (:func:`dashboard.errors.callback_message`).
    """
    if not roles:
        raise ValueError("allow_roles needs at least one role")
    allowed = frozenset(roles) | {Role.ADMIN}

    def mark(func: F) -> F:
        setattr(func, READ_ROLES_ATTR, allowed)
        setattr(func, WRITES_ATTR, writes)
        return func

    return mark


def declared_roles(func: Callable[..., Any]) -> frozenset[Role] | None:
    """The roles a callback allows, or None when it has no declaration."""
    return getattr(func, READ_ROLES_ATTR, None)


def declares_writes(func: Callable[..., Any]) -> bool:
    """Whether a callback declared ``writes=True``: its failures then say that nothing was saved."""
    return bool(getattr(func, WRITES_ATTR, False))


# Cancel buttons of background callbacks: Dash generates their callback (output "<id>.id") itself,
# so it cannot carry @allow_roles; the gate looks the roles up here instead.
_CANCEL_ROLES: dict[str, frozenset[Role]] = {}


def allow_cancel(component_id: str, *roles: Role) -> Input:
    """The ``cancel=`` input of a background callback, cancellable by ``roles`` (admins always)."""
    if not roles:
        raise ValueError("allow_cancel needs at least one role")
    _CANCEL_ROLES[component_id] = frozenset(roles) | {Role.ADMIN}
    return Input(component_id, "n_clicks")


def cancel_roles(output: str) -> frozenset[Role] | None:
    """The roles of the generated cancel callback with this ``output`` key, or None if it is not one."""
    component_id, _, prop = output.rpartition(".")
    return _CANCEL_ROLES.get(component_id) if prop == "id" else None


def page_roles(page: dict[str, Any]) -> frozenset[Role]:
    """Roles that may open a registered page (``allowed_roles`` in ``register_page``; default all)."""
    roles: Iterable[Role] | None = page.get("allowed_roles")
    return ALL_ROLES if roles is None else frozenset(roles) | {Role.ADMIN}


def describe_roles(roles: Iterable[Role]) -> str:
    """'managers and executives' style wording for messages."""
    names = [f"{role.label.lower()}s" for role in Role if role in set(roles) and role is not Role.ADMIN]
    if not names:
        return "admins"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def user_may(*roles: Role) -> bool:
    """Whether the signed-in user holds one of ``roles`` (admins always): to show a form or hide it.

    Only presentation: the callback behind the form is still checked by the gate.
    """
    return bool(current_user.is_authenticated) and current_user.role in (set(roles) | {Role.ADMIN})


def current_actor() -> Actor:
    """The signed-in user as the actor of a change (audit events, contacts)."""
    return Actor(current_user.username, int(current_user.get_id()))
