"""Pages per role: the navbar lists only a user's pages; opening another page says so plainly."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html
from flask_login import current_user

from dashboard.auth.roles import describe_roles, page_roles
from dashboard.domain.codes import Role

GUARD_ATTR = "_role_guarded"


def current_role() -> Role | None:
    """The signed-in user's role for this request (None when nobody is signed in)."""
    return current_user.role if current_user and current_user.is_authenticated else None


def visible_pages(role: Role | None) -> list[dict[str, Any]]:
    """Registered pages this role may open, in registry order."""
    if role is None:
        return []
    return [page for page in dash.page_registry.values() if role in page_roles(page)]


def make_forbidden(page: dict[str, Any], role: Role | None) -> dbc.Alert:
    """What a user sees instead of a page that is not theirs: which roles it is for, and who they are."""
    who = f"You are signed in as {current_user.username} ({role.label.lower()})." if role else "You are not signed in."
    return dbc.Alert(
        [
            html.H4(
                [html.I(className="bi bi-shield-lock me-2"), f"{page['name']} is not available to you"],
                className="alert-heading",
            ),
            html.P(f"This page is for {describe_roles(page_roles(page))}. {who}"),
            html.A("Back to the overview", href="/", className="alert-link"),
        ],
        color="warning",
        id="page-forbidden",
    )


def _guard(page: dict[str, Any], layout: Callable[..., Any] | Any) -> Callable[..., Any]:
    @functools.wraps(layout if callable(layout) else _guard)
    def guarded(**kwargs: Any) -> Any:
        role = current_role()
        if role not in page_roles(page):
            return make_forbidden(page, role)
        return layout(**kwargs) if callable(layout) else layout

    setattr(guarded, GUARD_ATTR, True)
    return guarded


def guard_page_layouts() -> None:
    """Wrap every registered page's layout with its role check (idempotent)."""
    for page in dash.page_registry.values():
        if not getattr(page["layout"], GUARD_ATTR, False):
            page["layout"] = _guard(page, page["layout"])
