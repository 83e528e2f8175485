"""`python app.py`: the development server, with the address and demo sign-ins printed."""

from __future__ import annotations

import dash

from dashboard import context
from dashboard.services.demo import DEMO_USERS, demo_password


def run(app: dash.Dash) -> None:
    """Serve ``app`` on HOST:PORT and say where, and how to sign in to the demo."""
    settings = app.server.extensions[context.EXTENSION_KEY].settings
    print(f"Backorder Desk is running on http://{settings.host}:{settings.port}/")  # noqa: T201
    if settings.auto_demo:
        sign_ins = ", ".join(f"{role.value} / {demo_password(role.value)}" for role in DEMO_USERS)
        print(f"Demo sign-ins (user / password): {sign_ins}")  # noqa: T201
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
