"""REQUIRE_* switches: in CI a missing browser, PostgreSQL or Redis fails instead of skipping."""

import pytest

from tests.conftest import require_or_skip


@pytest.mark.parametrize("variable", ["REQUIRE_BROWSER", "REQUIRE_POSTGRES", "REQUIRE_REDIS"])
def test_missing_service_fails_when_required(monkeypatch, variable):
    monkeypatch.setenv(variable, "1")
    with pytest.raises(pytest.fail.Exception, match=variable):
        require_or_skip(variable, "service missing")


@pytest.mark.parametrize("variable", ["REQUIRE_BROWSER", "REQUIRE_POSTGRES", "REQUIRE_REDIS"])
def test_missing_service_skips_otherwise(monkeypatch, variable):
    monkeypatch.delenv(variable, raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_or_skip(variable, "service missing")


def test_redis_answers_when_configured(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
    finally:
        client.close()
