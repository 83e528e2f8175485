"""Backorder Desk: an operations dashboard for e-commerce backorders and stockouts."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import dash
import dash_bootstrap_components as dbc  # noqa: F401 - registers the component library with Dash
import flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard import context, errors
from dashboard.api.availability import bp as api_bp
from dashboard.api.exports import bp as exports_bp
from dashboard.api.health import bp as health_bp
from dashboard.api.imports import bp as imports_bp
from dashboard.api.supplier import bp as supplier_bp
from dashboard.auth import login
from dashboard.auth.gate import make_gate
from dashboard.auth.headers import configure_cookies, make_header_hook
from dashboard.auth.pages import guard_page_layouts
from dashboard.auth.session import init_login_manager
from dashboard.cache import ViewCache
from dashboard.config import PROJECT_ROOT, ConfigurationError, Settings
from dashboard.db.engine import Database
from dashboard.domain.inputs import RefusedError
from dashboard.jobs import make_job_manager
from dashboard.pages import _frame as frame
from dashboard.services.comms.delivery import sender_for
from dashboard.services.comms.outbox import BackgroundSender
from dashboard.services.derived.background import BackgroundRefresher
from dashboard.services.setup import prepare_database

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
    settings = settings or Settings.from_env()
    problems = settings.production_problems()
    if problems:
        raise ConfigurationError("refusing to start in production: " + "; ".join(problems))
    db = Database(settings.database_url)
    if prepare:
        try:
            prepare_database(settings, db, echo=True)
        except DBAPIError as exc:
            log.warning("database not reachable at start-up; pages will say so until it is: %s", exc)

    # The server comes first so the job manager can hand background jobs its app context.
    server = flask.Flask(__name__)
    jobs = make_job_manager(server, settings.job_dir, settings.redis_url, settings.job_queue)
    app = dash.Dash(
        __name__,
        server=server,
        background_callback_manager=jobs,
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        assets_path_ignore=["vendor"],
        external_stylesheets=VENDOR_CSS,
        suppress_callback_exceptions=True,
        title="Backorder Desk",
        update_title=None,
        compress=False,
        on_error=errors.on_callback_error,
    )
    # Screen readers pick their voice from the page's language (axe: html-has-lang).
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    if settings.trusted_proxies:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)
    server.secret_key = settings.session_secret()
    configure_cookies(server, settings)
    refresher = BackgroundRefresher(db, settings.today, settings.metrics_max_age, settings.handling_days)
    outbox = BackgroundSender(db, lambda: sender_for(settings.smtp_url, settings.outbox_dir))
    context.install(
        server,
        context.AppContext(
            settings=settings,
            db=db,
            metrics=refresher,
            outbox=outbox,
            jobs=jobs,
            cache=ViewCache(server, settings.redis_url),
        ),
    )
    init_login_manager(server)
    # Failed sign-ins are counted per client address; Redis shares the count between workers.
    limiter = Limiter(
        get_remote_address,
        app=server,
        storage_uri=settings.redis_url or "memory://",
        strategy="moving-window",
        key_prefix="backorder-desk",
    )
    server.register_error_handler(429, login.too_many_attempts)
    server.register_error_handler(RefusedError, errors.refused)
    # Outages answer 503, conflicts and refused writes 409; SQLite's lock wait fails in an engine hook
    # that SQLAlchemy does not wrap, so its bare driver error is handled too.
    for database_error in (errors.DatabaseUnavailableError, SQLAlchemyError, sqlite3.Error):
        server.register_error_handler(database_error, errors.database_error)
    # A request for a component bundle that does not exist is a 404, not a server error.
    server.register_error_handler(dash.exceptions.DependencyException, errors.not_found)
    server.register_blueprint(login.make_blueprint(limiter))
    server.register_blueprint(health_bp)
    server.register_blueprint(exports_bp)
    server.register_blueprint(imports_bp)
    server.register_blueprint(api_bp)
    server.register_blueprint(supplier_bp)
    server.before_request(make_gate(app))
    server.after_request(make_header_hook(app, settings))
    app.layout = frame.serve_layout
    frame.register(app)
    guard_page_layouts()
    return app
