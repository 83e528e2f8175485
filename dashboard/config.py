"""Settings: read once from the environment, then passed around explicitly.

Order of precedence (as in Flask's tutorial): built-in defaults, then the environment,
then whatever a caller (a test) overrides with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'inventory.db'}"
MIN_SECRET_LENGTH = 32
_RANDOM_DEV_SECRET = secrets.token_hex(32)


class ConfigurationError(RuntimeError):
    """The settings are unsafe or incomplete for the chosen environment."""


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about its surroundings."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    smtp_url: str | None = None
    # None means "not configured": development then signs sessions with a random key per start.
    secret_key: str | None = None
    env: str = "development"
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    # Fill an empty embedded database with demo data on first start.
    auto_demo: bool = True
    # Tests and demos pin "today"; production leaves it unset and reads the real clock.
    today_override: dt.date | None = None
    outbox_dir: Path = DATA_DIR / "outbox"
    # Where background jobs (an import) keep their progress and results without Redis.
    job_dir: Path = DATA_DIR / "jobs"
    # The Celery queue background jobs go to when REDIS_URL is set (one per deployment sharing a Redis).
    job_queue: str = "backorder-desk"
    # Reverse proxies in front of the app (nginx, a load balancer): their X-Forwarded-For is
    # trusted this many hops deep, so rate limits see the client's address, not the proxy's.
    trusted_proxies: int = 0
    # Metrics older than this are recomputed in the background when a page needs them.
    metrics_max_age: dt.timedelta = dt.timedelta(hours=1)
    # Days from stock in the warehouse to a parcel leaving it; added to every projected ship window.
    handling_days: int = 2
    # A waiting customer who has heard nothing for this many days gets a "still waiting" reminder.
    reminder_days: int = 10
    # The address suppliers reach the app at (links in purchase order emails); default host:port.
    public_url: str | None = None

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        """Build settings from environment variables (names as in the README)."""
        env = os.environ if environ is None else environ
        defaults = cls()
        today = env.get("BACKORDER_DESK_TODAY")
        return cls(
            database_url=env.get("DATABASE_URL", defaults.database_url),
            redis_url=env.get("REDIS_URL") or None,
            smtp_url=env.get("SMTP_URL") or None,
            secret_key=env.get("SECRET_KEY") or None,
            env=env.get("BACKORDER_DESK_ENV", defaults.env),
            host=env.get("HOST", defaults.host),
            port=int(env.get("PORT", defaults.port)),
            debug=env.get("DASH_DEBUG", "").lower() in {"1", "true", "yes"},
            auto_demo="DATABASE_URL" not in env,
            today_override=dt.date.fromisoformat(today) if today else None,
            job_dir=Path(env["JOB_DIR"]) if env.get("JOB_DIR") else defaults.job_dir,
            job_queue=env.get("JOB_QUEUE") or defaults.job_queue,
            trusted_proxies=int(env.get("TRUSTED_PROXIES", "0")),
            metrics_max_age=dt.timedelta(minutes=int(env.get("METRICS_MAX_AGE_MINUTES", "60"))),
            handling_days=int(env.get("HANDLING_DAYS", defaults.handling_days)),
            reminder_days=int(env.get("REMINDER_DAYS", defaults.reminder_days)),
            public_url=(env.get("PUBLIC_URL") or "").rstrip("/") or None,
        )

    @property
    def is_production(self) -> bool:
        """Whether production checks and hardening apply."""
        return self.env == "production"

    def base_url(self) -> str:
        """Where people outside reach the app (``PUBLIC_URL``), else the address it serves on."""
        return self.public_url or f"http://{self.host}:{self.port}"

    def session_secret(self) -> str:
        """The key that signs session cookies (random per start when none is configured)."""
        return self.secret_key or _RANDOM_DEV_SECRET

    def production_problems(self) -> list[str]:
        """Why this configuration must not serve production traffic (empty when it may)."""
        if not self.is_production:
            return []
        problems = []
        if not self.secret_key:
            problems.append("SECRET_KEY is not set: set it to a random string of at least 32 characters")
        elif len(self.secret_key) < MIN_SECRET_LENGTH:
            problems.append(f"SECRET_KEY is {len(self.secret_key)} characters long: use at least {MIN_SECRET_LENGTH}")
        if self.debug:
            problems.append("debug mode is on (DASH_DEBUG): turn it off in production")
        return problems

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is SQLite."""
        return self.database_url.startswith("sqlite")

    def today(self) -> dt.date:
        """The business date: injected in tests, otherwise the local calendar date."""
        return self.today_override or dt.date.today()
