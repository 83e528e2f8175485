"""`backorder-desk serve`: the app under gunicorn with several workers (design §8).

The app is built once in the master (``preload_app``): migrations and the demo's first fill run
once, not once per worker, and a bad configuration stops the master before any worker starts.
Each worker is a fork of it, so ``post_fork`` gives the worker its own database connections and
job-store handle; nothing else is per process (sign-in limits and, with ``REDIS_URL``, the job
store live outside the workers).
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication

from dashboard import context
from dashboard.jobs import AppJobManager

DEFAULT_THREADS = 4
# A worker that answers nothing for this long is killed and replaced by the master.
DEFAULT_TIMEOUT_S = 120


def default_workers() -> int:
    """Gunicorn's rule of thumb, 2 × cores + 1, capped at 8 (each worker holds its own pool)."""
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def _post_fork(_arbiter: Any, worker: Any) -> None:
    """In a new worker: its own database connections and job-store handle, not the master's."""
    app_context = context.current_for(worker.app.dash_app.server)
    app_context.db.engine.dispose(close=False)  # drop the master's pool without closing its sockets
    if isinstance(app_context.jobs, AppJobManager):  # diskcache; Celery's clients connect per process already
        app_context.jobs.handle.close()  # it reconnects on next use, in this process


class GunicornServer(BaseApplication):
    """Gunicorn, configured in code, serving ``dash_app``'s Flask server."""

    def __init__(self, dash_app: Any, options: dict[str, Any]) -> None:
        self.dash_app = dash_app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply our options (gunicorn's own names)."""
        for key, value in self.options.items():
            if key in self.cfg.settings:  # a setting this gunicorn does not know (older versions) is skipped
                self.cfg.set(key, value)

    def load(self) -> Any:
        """The WSGI application: the app's Flask server."""
        return self.dash_app.server


def options(bind: str, workers: int, threads: int, timeout: int) -> dict[str, Any]:
    """Gunicorn settings for the app."""
    return {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 30,
        # Longer than a user's pause between clicks: a client reusing a connection the server has just
        # closed sees "connection reset" (gunicorn's default is 2 s).
        "keepalive": 10,
        "preload_app": True,
        "post_fork": _post_fork,
        "accesslog": "-",
        # The worker's pid on every line: which process served what, when one misbehaves.
        "access_log_format": '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms pid=%(p)s',
        "errorlog": "-",
        "proc_name": "backorder-desk",
        # gunicorn ≥ 24 opens a control socket at one fixed path per user; two servers would share it.
        "control_socket_disable": True,
    }


def serve(dash_app: Any, bind: str, workers: int, threads: int = DEFAULT_THREADS, timeout: int = DEFAULT_TIMEOUT_S):
    """Run gunicorn until it is stopped (SIGTERM / Ctrl-C)."""
    GunicornServer(dash_app, options(bind, workers, threads, timeout)).run()
