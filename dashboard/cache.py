"""The view cache: results of expensive page reads, shared by every worker through Redis.

Keys carry the data version (:func:`freshness.data_version`): every service that changes data
moves the version in its own transaction, and every refresh of the derived tables moves it
too. A worker therefore never serves a view computed before a change it can see, whichever
worker or process made the change, and nothing has to be invalidated by hand. Without
``REDIS_URL`` each process keeps its own small cache. The cache only saves work: when Redis does
not answer, the view is computed as if nothing were cached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import flask
from flask_caching import Cache
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from dashboard.services.derived.freshness import data_version

log = logging.getLogger(__name__)
T = TypeVar("T")
# A cached view lives at most this long even if nothing changes (the clock moves "today").
TIMEOUT_S = 300
KEY_PREFIX = "backorder-desk:view:"


class ViewCache:
    """Versioned get-or-compute over Flask-Caching."""

    def __init__(self, server: flask.Flask, redis_url: str | None) -> None:
        """Redis when ``redis_url`` is set, else an in-process cache."""
        config: dict[str, Any] = {"CACHE_DEFAULT_TIMEOUT": TIMEOUT_S, "CACHE_KEY_PREFIX": KEY_PREFIX}
        if redis_url:
            config |= {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url}
        else:
            config |= {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 500}
        self.shared = bool(redis_url)
        self._cache = Cache(config=config)
        self._cache.init_app(server, config=config)

    def versioned(self, session: Session, name: str, params: tuple, compute: Callable[[], T]) -> T:
        """``compute()``'s result for ``name`` and ``params`` at the current data version."""
        key = f"{name}:{params!r}:{data_version(session)}"
        try:
            found = self._cache.get(key)
        except RedisError as exc:  # a cache outage must not become a page outage
            log.warning("view cache unavailable (%s); computing %s", exc, name)
            return compute()
        if found is not None:
            return found
        value = compute()
        try:
            self._cache.set(key, value)
        except RedisError as exc:
            log.warning("view cache unavailable (%s); %s not kept", exc, name)
        return value
