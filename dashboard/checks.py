"""`backorder-desk check`: is this configuration fit to serve, and does everything it names answer?

Problems stop production (the app refuses to start with them); warnings are choices a
production deployment should make on purpose. Each line says what to change.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

import redis
from sqlalchemy.exc import DBAPIError

from dashboard.config import Settings
from dashboard.db.engine import Database
from dashboard.db.migrate import current_revision, head_revision
from dashboard.jobs import make_celery
from dashboard.services.comms.delivery import SmtpSender

OK, WARNING, PROBLEM = "ok", "warning", "problem"
TIMEOUT_S = 3


@dataclass(frozen=True)
class Check:
    """One finding: which part, how bad, and what to do."""

    part: str
    level: str
    message: str


def configuration(settings: Settings) -> list[Check]:
    """What the settings alone say (no connections)."""
    found = [Check("settings", PROBLEM, problem) for problem in settings.production_problems()]
    if not settings.is_production:
        found.append(Check("settings", WARNING, "BACKORDER_DESK_ENV is not production: no Secure cookies, no HSTS"))
        return found
    if settings.is_sqlite:
        found.append(
            Check(
                "database",
                WARNING,
                "DATABASE_URL is SQLite: one writer at a time for every worker; use PostgreSQL in production",
            )
        )
    if not settings.redis_url:
        found.append(
            Check(
                "redis",
                WARNING,
                "REDIS_URL is not set: each worker keeps its own view cache and sign-in limits, and background "
                "jobs run as forked processes on this host; set REDIS_URL and run a Celery worker",
            )
        )
    if not settings.smtp_url:
        found.append(
            Check("smtp", WARNING, f"SMTP_URL is not set: customer notices are written to {settings.outbox_dir}")
        )
    return found


def connections(settings: Settings) -> list[Check]:
    """Whether the database (and its schema), Redis, the Celery workers and the SMTP server answer."""
    return [_database(settings), *_redis(settings), *_smtp(settings)]


def _database(settings: Settings) -> Check:
    options = {} if settings.is_sqlite else {"connect_args": {"connect_timeout": TIMEOUT_S}}
    db = Database(settings.database_url, **options)
    try:
        current, head = current_revision(db.engine), head_revision(db.engine)
    except DBAPIError as exc:
        return Check("database", PROBLEM, f"cannot connect: {str(exc.orig).splitlines()[0][:200]}")
    finally:
        db.dispose()
    if current != head:
        return Check("database", PROBLEM, f"schema at {current or 'nothing'}, code expects {head}: run `db upgrade`")
    return Check("database", OK, f"{db.engine.dialect.name}, schema at {head}")


def _redis(settings: Settings) -> list[Check]:
    if not settings.redis_url:
        return []
    try:
        redis.Redis.from_url(settings.redis_url, socket_connect_timeout=TIMEOUT_S).ping()
    except redis.RedisError as exc:
        return [Check("redis", PROBLEM, f"{settings.redis_url} does not answer: {exc}")]
    found = [Check("redis", OK, "answers PING")]
    queues = make_celery(settings.redis_url, settings.job_queue).control.inspect(timeout=TIMEOUT_S).active_queues()
    serving = [name for name, taken in (queues or {}).items() if any(q["name"] == settings.job_queue for q in taken)]
    if serving:
        found.append(Check("celery", OK, f"{len(serving)} worker(s) take jobs from {settings.job_queue!r}"))
    else:
        found.append(
            Check(
                "celery",
                PROBLEM,
                f"no Celery worker takes jobs from {settings.job_queue!r}: imports would wait forever; run "
                "`celery -A dashboard.worker:celery worker` with the same environment",
            )
        )
    return found


def _smtp(settings: Settings) -> list[Check]:
    if not settings.smtp_url:
        return []
    try:
        sender = SmtpSender(settings.smtp_url, timeout=TIMEOUT_S)
    except ValueError as exc:
        return [Check("smtp", PROBLEM, str(exc))]
    client_class = smtplib.SMTP_SSL if sender.ssl else smtplib.SMTP
    try:
        with client_class(sender.host, sender.port, timeout=TIMEOUT_S) as client:
            client.noop()
    except (TimeoutError, OSError, smtplib.SMTPException) as exc:
        return [Check("smtp", PROBLEM, f"{sender.host}:{sender.port} does not answer: {exc}")]
    return [Check("smtp", OK, f"{sender.host}:{sender.port} answers")]
