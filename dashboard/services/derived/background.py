"""Refreshes in the background: when a page finds the derived tables stale, or after a change."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from dashboard.db.base import utcnow
from dashboard.db.engine import Database
from dashboard.services.derived.freshness import last_changed, last_refreshed
from dashboard.services.derived.refresh import refresh_metrics
from dashboard.services.derived.triage import DEFAULT_HANDLING_DAYS


class BackgroundRefresher:
    """Runs a refresh in a thread when the metrics are stale; at most one at a time per process.

    Pages call :meth:`ensure_fresh`; services call :meth:`after_change` after imports,
    receipts, ETA and status changes. Neither blocks the request that triggers it.
    """

    def __init__(
        self,
        db: Database,
        today: Callable[[], dt.date],
        max_age: dt.timedelta,
        handling_days: int = DEFAULT_HANDLING_DAYS,
    ) -> None:
        """Refresh ``db`` when older than ``max_age``."""
        self.db, self.today, self.max_age, self.handling_days = db, today, max_age, handling_days
        self._lock = threading.Lock()
        self._pending = False
        self.thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether a refresh is in progress in this process."""
        return self.thread is not None and self.thread.is_alive()

    def ensure_fresh(self) -> bool:
        """Start a refresh if the metrics are missing, older than ``max_age`` or older than the last change.

        True if one started.
        """
        with self.db.read_session() as session:
            refreshed = last_refreshed(session)
            changed = last_changed(session)
        current = refreshed is not None and utcnow() - refreshed < self.max_age
        if current and (changed is None or changed <= refreshed):
            return False
        return self.after_change()

    def after_change(self) -> bool:
        """Refresh soon because data changed; coalesces bursts into one follow-up run."""
        with self._lock:
            if self.running:
                self._pending = True
                return False
            self.thread = threading.Thread(target=self._run, name="metrics-refresh", daemon=True)
            self.thread.start()
            return True

    def _run(self) -> None:
        while True:
            # Another process refreshing already does this one's work: skip rather than queue behind it.
            refresh_metrics(self.db, self.today(), handling_days=self.handling_days, wait=False)
            with self._lock:
                if not self._pending:
                    return
                self._pending = False
