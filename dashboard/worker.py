"""The Celery worker's entry point: `celery -A dashboard.worker:celery worker` (with REDIS_URL set).

It builds the app from the same environment as the web workers, so the same background
callbacks are registered as tasks, and runs them with the app's database and services.
"""

from __future__ import annotations

from dashboard import context, create_app
from dashboard.config import Settings

_settings = Settings.from_env()
if not _settings.redis_url:
    raise SystemExit("the Celery worker needs REDIS_URL (the broker the web workers send jobs to)")
# The web process migrates and fills the demo; the worker only builds the app to run its jobs.
# Not named `app`: Celery's -A looks for an attribute of that name first.
_dash_app = create_app(_settings, prepare=False)
celery = context.current_for(_dash_app.server).jobs.handle
