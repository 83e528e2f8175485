"""`backorder-desk check`: what the settings say, and whether the database, Redis, Celery and SMTP answer."""

import dataclasses

import pytest
from click.testing import CliRunner

from dashboard.checks import OK, PROBLEM, WARNING, configuration, connections
from dashboard.cli import main
from dashboard.config import Settings

STRONG = "k" * 40


def levels(found) -> dict[str, str]:
    return {check.part: check.level for check in found}


def test_development_is_told_it_is_not_production():
    assert [(c.part, c.level) for c in configuration(Settings())] == [("settings", WARNING)]


def test_production_on_sqlite_without_redis_or_smtp_is_warned_of_each():
    found = configuration(Settings(env="production", secret_key=STRONG))
    assert levels(found) == {"database": WARNING, "redis": WARNING, "smtp": WARNING}
    assert "use PostgreSQL" in found[0].message and "Celery worker" in found[1].message


def test_a_weak_secret_is_a_problem():
    found = configuration(Settings(env="production", secret_key="short"))
    assert found[0] == next(c for c in found if c.level == PROBLEM)
    assert "use at least 32" in found[0].message


def test_a_migrated_database_answers_and_an_empty_one_needs_upgrading(db, tmp_path):
    good = connections(Settings(database_url=db.url))
    assert (good[0].part, good[0].level) == ("database", OK)
    bad = connections(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    assert bad[0].level == PROBLEM and "run `db upgrade`" in bad[0].message


def test_a_database_that_does_not_answer_is_a_problem():
    found = connections(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    assert found[0].level == PROBLEM and "cannot connect" in found[0].message


def test_redis_without_a_celery_worker_is_a_problem(db, redis_url):
    found = connections(Settings(database_url=db.url, redis_url=redis_url, job_queue="nobody-takes-this"))
    assert levels(found) == {"database": OK, "redis": OK, "celery": PROBLEM}
    assert "nobody-takes-this" in found[-1].message


@pytest.mark.parametrize(
    ("settings", "part", "message"),
    [
        ({"redis_url": "redis://127.0.0.1:1/0"}, "redis", "does not answer"),
        ({"smtp_url": "smtp://127.0.0.1:1"}, "smtp", "does not answer"),
        ({"smtp_url": "http://mail.example.com"}, "smtp", "SMTP_URL must look like"),
    ],
)
def test_services_that_do_not_answer_are_problems(db, settings, part, message):
    found = {c.part: c for c in connections(Settings(database_url=db.url, **settings))}
    assert found[part].level == PROBLEM and message in found[part].message


def test_the_command_fails_on_problems_and_says_ready_otherwise(db):
    runner = CliRunner()
    ready = runner.invoke(main, ["check"], obj={"settings": Settings(database_url=db.url)})
    assert ready.exit_code == 0 and "ready to serve" in ready.output
    weak = dataclasses.replace(Settings(database_url=db.url), env="production", secret_key="short")
    refused = runner.invoke(main, ["check"], obj={"settings": weak})
    assert refused.exit_code == 1 and "PROBLEM  settings" in refused.output and "1 problem(s)" in refused.output
    offline = runner.invoke(main, ["check", "--offline"], obj={"settings": weak})
    assert "schema at" not in offline.output and offline.exit_code == 1  # no connection was opened
