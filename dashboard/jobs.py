"""Background jobs for long callbacks (an import): where they run and what they can reach.

Dash runs a ``background=True`` callback in a separate process and polls it for progress. The
process is forked from the web worker, so it has the app's objects but no Flask app context and
an engine whose pooled connections belong to the parent. :class:`AppJobManager` gives every
job a fresh connection pool and the app context, so a job calls the same services, through
``context.current()``, as any callback. It must not rely on the request: no ``current_user``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask
from dash import DiskcacheManager

from dashboard import context

# Results a browser never collected (a closed tab) are dropped after this many seconds.
RESULT_EXPIRE_S = 24 * 3600


class AppJobManager(DiskcacheManager):
    """A diskcache job manager whose jobs run inside ``server``'s app context."""

    def __init__(self, server: flask.Flask, cache: Any, **kwargs: Any) -> None:
        super().__init__(cache, **kwargs)
        self._server = server

    def call_job_fn(self, key, job_fn, args, context_value):
        """Start the job as Dash does, inside the app context and with its own connections."""
        server = self._server

        def in_app(*job_args: Any) -> None:
            # The forked child must not share the parent's pooled connections (SQLAlchemy's rule
            # for fork: dispose without closing the parent's sockets).
            context.current_for(server).db.engine.dispose(close=False)
            with server.app_context():
                job_fn(*job_args)

        return super().call_job_fn(key, in_app, args, context_value)


def make_job_manager(server: flask.Flask, job_dir: Path) -> AppJobManager:
    """The job manager for ``server``, keeping progress and results under ``job_dir``."""
    import diskcache

    job_dir.mkdir(parents=True, exist_ok=True)
    return AppJobManager(server, diskcache.Cache(str(job_dir)), expire=RESULT_EXPIRE_S)
