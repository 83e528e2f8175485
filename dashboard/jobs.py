"""Background jobs for long callbacks (an import): where they run and what they can reach.

Dash runs a ``background=True`` callback outside the request and polls it for progress:
with Redis (``REDIS_URL``) as a Celery task on a worker (`celery -A dashboard.worker:celery worker`),
shared by every web worker and host; without it in a process forked from the web worker, with
diskcache under ``JOB_DIR`` (design §8). Either way the job has no request and, after a fork,
an engine whose pooled connections belong to another process. Both managers here run every job
inside the app context with a fresh connection pool, so a job calls the same services, through
``context.current()``, as any callback. It must not rely on the request: no ``current_user``.
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask
from dash import CeleryManager, DiskcacheManager

from dashboard import context

# Results a browser never collected (a closed tab) are dropped after this many seconds.
RESULT_EXPIRE_S = 24 * 3600
# Which process last gave each engine a fresh pool (by id of the engine).
_POOL_OWNER: dict[int, int] = {}


def in_app(server: flask.Flask, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run inside ``server``'s app context, on connections of the process it runs in."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        engine = context.current_for(server).db.engine
        # Forked (a diskcache job, a Celery pool process): never use the parent's pooled sockets. Once
        # per process: a Celery pool process runs many jobs and keeps its own pool between them.
        if _POOL_OWNER.get(id(engine)) != os.getpid():
            engine.dispose(close=False)
            _POOL_OWNER[id(engine)] = os.getpid()
        with server.app_context():
            return fn(*args, **kwargs)

    return run


class AppJobManager(DiskcacheManager):
    """Jobs in a forked process, progress and results in diskcache, inside the app context."""

    def __init__(self, server: flask.Flask, cache: Any, **kwargs: Any) -> None:
        self._server = server
        super().__init__(cache, **kwargs)

    def make_job_fn(self, fn, progress, key=None):
        """Dash's job function around ``fn`` run in the app."""
        return super().make_job_fn(in_app(self._server, fn), progress, key)


class AppCeleryManager(CeleryManager):
    """Jobs as Celery tasks (Redis broker and results), inside the worker's app context."""

    def __init__(self, server: flask.Flask, celery_app: Any, **kwargs: Any) -> None:
        self._server = server
        super().__init__(celery_app, **kwargs)

    def make_job_fn(self, fn, progress, key=None):
        """Dash's Celery task around ``fn`` run in the app."""
        return super().make_job_fn(in_app(self._server, fn), progress, key)


def make_celery(redis_url: str, queue: str) -> Any:
    """The Celery app: Redis as broker and result store, our own queue name."""
    # Celery (with kombu and billiard) takes ~0.5 s to import; only deployments with REDIS_URL use it.
    from celery import Celery

    celery_app = Celery("backorder_desk", broker=redis_url, backend=redis_url)
    celery_app.conf.update(
        task_default_queue=queue,
        result_expires=RESULT_EXPIRE_S,
        broker_connection_retry_on_startup=True,
        # An import holds its transaction for a minute: hand out one task at a time per process.
        worker_prefetch_multiplier=1,
        task_acks_late=False,
    )
    return celery_app


def make_job_manager(server: flask.Flask, job_dir: Path, redis_url: str | None = None, queue: str = "backorder-desk"):
    """Celery when ``redis_url`` is set, else diskcache under ``job_dir``."""
    if redis_url:
        return AppCeleryManager(server, make_celery(redis_url, queue), expire=RESULT_EXPIRE_S)
    # diskcache is only the job store of a single host without Redis.
    import diskcache

    job_dir.mkdir(parents=True, exist_ok=True)
    cache = diskcache.Cache(str(job_dir))
    manager = AppJobManager(server, cache, expire=RESULT_EXPIRE_S)
    # The store's connection is opened here; close it with the manager rather than leave it to the
    # garbage collector (which warns on Python 3.13+). Other threads' connections end with the thread.
    weakref.finalize(manager, cache.close)
    return manager
