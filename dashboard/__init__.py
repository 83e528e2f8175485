"""Backorder Desk: an operations dashboard for e-commerce backorders and stockouts."""

from __future__ import annotations

import logging
from pathlib import Path

import dash
import dash_bootstrap_components as dbc  # noqa: F401 - registers the component library with Dash
from sqlalchemy.exc import DBAPIError

from dashboard.config import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

ASSETS_DIR = PROJECT_ROOT / "assets"
PAGES_DIR = Path(__file__).resolve().parent / "pages"
# Vendored CSS is listed explicitly so it loads before our own stylesheet (Dash would
# otherwise load files in the assets root first and let Bootstrap override them).
VENDOR_CSS = ["/assets/vendor/bootstrap.min.css", "/assets/vendor/bootstrap-icons.min.css"]


def create_app(settings: Settings | None = None, *, prepare: bool = True) -> dash.Dash:
    """Build the Dash app for ``settings`` (the environment when omitted).

    With ``prepare`` the database is migrated (and, for the embedded default, filled with
    demo data) before the app is returned; a database that is down is reported, not fatal.
    """
    from dashboard import context, shell_callbacks
    from dashboard.api.health import bp as health_bp
    from dashboard.components.shell import make_shell
    from dashboard.db.engine import Database
    from dashboard.services.setup import prepare_database

    settings = settings or Settings.from_env()
    db = Database(settings.database_url)
    if prepare:
        try:
            prepare_database(settings, db, echo=True)
        except DBAPIError as exc:
            log.warning("database not reachable at start-up; pages will say so until it is: %s", exc)

    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        assets_path_ignore=["vendor"],
        external_stylesheets=VENDOR_CSS,
        suppress_callback_exceptions=True,
        title="Backorder Desk",
        update_title=None,
        compress=False,
    )
    server = app.server
    server.config.update(SECRET_KEY=settings.secret_key)
    context.install(server, context.AppContext(settings=settings, db=db))
    server.register_blueprint(health_bp)
    app.layout = make_shell
    shell_callbacks.register(app)
    return app
