"""Security headers on every response, and cookie settings."""

from __future__ import annotations

from collections.abc import Callable

import dash
import flask

from dashboard.config import Settings


def configure_cookies(server: flask.Flask, settings: Settings) -> None:
    """Session cookies: HttpOnly, SameSite=Lax, and Secure in production (HTTPS only)."""
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.is_production,
    )


def make_header_hook(app: dash.Dash, settings: Settings) -> Callable[[flask.Response], flask.Response]:
    """An ``after_request`` hook adding CSP and friends; the CSP admits Dash's own inline scripts."""
    csp_cache: list[str] = []

    def policy() -> str:
        # Hashes are computed on first use, after every clientside callback is registered.
        if not csp_cache:
            directives = {
                "default-src": ["'self'"],
                "script-src": ["'self'", *app.csp_hashes()],
                # Dash and Plotly set inline style attributes on the elements they render.
                "style-src": ["'self'", "'unsafe-inline'"],
                "img-src": ["'self'", "data:"],
                "font-src": ["'self'", "data:"],
                "connect-src": ["'self'"],
                "frame-ancestors": ["'none'"],
                "form-action": ["'self'"],
                "base-uri": ["'self'"],
                "object-src": ["'none'"],
            }
            csp_cache.append("; ".join(f"{name} {' '.join(values)}" for name, values in directives.items()))
        return csp_cache[0]

    def add_headers(response: flask.Response) -> flask.Response:
        response.headers.setdefault("Content-Security-Policy", policy())
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if settings.is_production:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    return add_headers
