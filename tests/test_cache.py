"""The view cache: a view is computed once per data version, shared through Redis, and a cache outage is no outage."""

import secrets

import flask
import pytest

from dashboard.cache import ViewCache
from dashboard.services.derived import freshness


class Counter:
    """A view that says how often it was computed."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> dict:
        self.calls += 1
        return {"computed": self.calls}


def change(db) -> None:
    """A data change as every service records it, in its own transaction."""
    with db.write_session() as session:
        freshness.mark_changed(session)


def view(cache: ViewCache, db, compute, params=("2026-11-27",)):
    with db.read_session() as session:
        return cache.versioned(session, "overview", params, compute)


def test_a_view_is_computed_once_per_data_version(db):
    cache, compute = ViewCache(flask.Flask("a"), None), Counter()
    assert view(cache, db, compute) == view(cache, db, compute) == {"computed": 1}
    assert view(cache, db, compute, ("another day",)) == {"computed": 2}
    change(db)
    assert view(cache, db, compute) == {"computed": 3}
    assert view(cache, db, compute) == {"computed": 3}


def test_workers_share_views_through_redis_and_all_see_a_change(db, redis_url):
    # Two workers: separate processes in production, separate Flask apps and clients here.
    prefix = secrets.token_hex(4)
    first, second = ViewCache(flask.Flask("first"), redis_url), ViewCache(flask.Flask("second"), redis_url)
    first_compute, second_compute = Counter(), Counter()
    params = (prefix,)
    assert view(first, db, first_compute, params) == {"computed": 1}
    assert view(second, db, second_compute, params) == {"computed": 1} and second_compute.calls == 0

    change(db)  # made "in the first worker"
    assert view(second, db, second_compute, params) == {"computed": 1} and second_compute.calls == 1
    assert view(first, db, first_compute, params) == {"computed": 1} and first_compute.calls == 1  # second's result


def test_a_cache_that_does_not_answer_only_costs_the_computation(db, caplog):
    cache, compute = ViewCache(flask.Flask("down"), "redis://127.0.0.1:1/0"), Counter()
    assert view(cache, db, compute) == {"computed": 1}
    assert view(cache, db, compute) == {"computed": 2}
    assert "view cache unavailable" in caplog.text


@pytest.mark.parametrize("shared", [False, True])
def test_the_cache_says_whether_it_is_shared(shared):
    assert ViewCache(flask.Flask("x"), "redis://127.0.0.1:6379/0" if shared else None).shared is shared
