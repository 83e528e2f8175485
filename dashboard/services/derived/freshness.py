"""When the derived tables fall behind: a marker every data-changing service writes in its transaction.

A change made anywhere — a page in another worker, the command line, an ERP hook — records the
moment here; the next page that asks for fresh metrics sees the marker is newer than the last
refresh and recomputes in the background. No process has to be told directly.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import AppSetting

CHANGED_KEY = "data_changed"
REFRESHED_KEY = "metrics_refreshed"
# Some pairs' metrics were recomputed between full refreshes: caches must not serve the old ones,
# but the next full refresh is still due (so it is not the refreshed marker).
PATCHED_KEY = "metrics_patched"


def _stamp(session: Session, key: str, value: dict) -> None:
    setting = session.scalar(select(AppSetting).where(AppSetting.key == key))
    if setting is None:
        session.add(AppSetting(key=key, value=value))
    else:
        setting.value = value


def mark_changed(session: Session) -> None:
    """Record, in the caller's transaction, that stock, supply or statuses changed now."""
    # Also noted on the session, so the action's unit of work can start a refresh once it commits.
    session.info[CHANGED_KEY] = True
    _stamp(session, CHANGED_KEY, {"at": utcnow().isoformat()})


def changed_in(session: Session) -> bool:
    """Whether this session's transaction marked the data as changed."""
    return bool(session.info.get(CHANGED_KEY))


def last_changed(session: Session) -> dt.datetime | None:
    """When data behind the metrics last changed (None if never recorded)."""
    value = session.scalar(select(AppSetting.value).where(AppSetting.key == CHANGED_KEY))
    return dt.datetime.fromisoformat(value["at"]) if value else None


def data_version(session: Session) -> str:
    """A token that changes whenever data changes or the derived tables are refreshed (cache keys)."""
    rows = session.execute(
        select(AppSetting.key, AppSetting.value).where(AppSetting.key.in_((CHANGED_KEY, REFRESHED_KEY, PATCHED_KEY)))
    ).all()
    found = {key: (value or {}).get("at", "") for key, value in rows}
    return f"{found.get(CHANGED_KEY, '')}|{found.get(REFRESHED_KEY, '')}|{found.get(PATCHED_KEY, '')}"


def mark_patched(session: Session) -> None:
    """Record, in the caller's transaction, that some pairs' metrics were recomputed now."""
    _stamp(session, PATCHED_KEY, {"at": utcnow().isoformat()})


def mark_refreshed(session: Session, at: dt.datetime, today: dt.date) -> None:
    """Record, in the refresh's transaction, that the metrics were computed at ``at`` for ``today``."""
    _stamp(session, REFRESHED_KEY, {"at": at.isoformat(), "today": today.isoformat()})


def last_refreshed(session: Session) -> dt.datetime | None:
    """When the metrics were last computed (None if never)."""
    value = session.scalar(select(AppSetting.value).where(AppSetting.key == REFRESHED_KEY))
    return dt.datetime.fromisoformat(value["at"]) if value else None
