"""Imports from the /import page: keep the uploaded file, run its import as a job, keep what it did.

The page uploads a file once (:func:`store_upload`) and from then on passes only its token:
the preview, the import job and the refused-rows download all read the file back from the
database, checking that the token belongs to the user asking. The job (:func:`run_upload`)
imports in one transaction, records the outcome on the upload in a second one (also when the
import fails), and then refreshes metrics — rebuilding the KPI tables when the import moved
history they were built from.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.engine import Database
from dashboard.db.failures import DatabaseFailure, classify
from dashboard.db.models import AuditEvent, ImportUpload, User, Warehouse
from dashboard.domain.codes import Role
from dashboard.domain.inputs import RefusedError
from dashboard.services import imports as importing
from dashboard.services.audit.trail import Actor
from dashboard.services.derived.refresh import refresh_metrics

# A 200,000-row CSV export is 15–25 MB; a file this big is not an inventory export.
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
# Uploads (and their reports) older than this are purged when the next file is uploaded.
KEEP_UPLOADS = dt.timedelta(days=1)
# Refused rows kept on the upload for the page to show; the CSV download has them all.
SHOWN_REFUSED = 200
# The job reports progress at most this often (each report is a write to the job store).
PROGRESS_EVERY_S = 0.5
IMPORTERS = (Role.MANAGER, Role.ADMIN)
# Times a job tries again when SQLite's single writer lock stays taken (15 s each): about 5 minutes.
BUSY_RETRIES = 20
log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


class UploadError(RefusedError):
    """The upload cannot be used (unknown, someone else's, too big); the message says why."""


@dataclass(frozen=True)
class Upload:
    """What the page knows about an uploaded file."""

    token: str
    file_name: str
    size: int
    header: list[str]
    head: importing.Table


def store_upload(
    session: Session,
    actor: Actor,
    file_name: str,
    data: bytes,
    preview_rows: int = 20,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> Upload:
    """Check ``data`` is a readable CSV or XLSX table and keep it; returns its token and first rows.

    :class:`importing.ImportFileError` (nothing kept) when the file is not a table we can read.
    """
    name = Path(str(file_name or "upload")).name[:200]
    if len(data) > max_bytes:
        raise UploadError(f"{name} is {len(data):,} bytes; the limit is {max_bytes:,} bytes ({max_bytes // 2**20} MB).")
    head = importing.read_table(data, name, limit=preview_rows)
    session.execute(delete(ImportUpload).where(ImportUpload.created_at < utcnow() - KEEP_UPLOADS))
    token = secrets.token_urlsafe(32)
    session.add(ImportUpload(token=token, user_id=actor.user_id, file_name=name, size=len(data), content=data))
    session.flush()
    return Upload(token, name, len(data), head.header, head)


def _token_shaped(token: object) -> bool:
    return isinstance(token, str) and 20 <= len(token) <= 64


def _upload(session: Session, token: object) -> ImportUpload:
    if not _token_shaped(token):
        raise UploadError("Upload the file first.")
    upload = session.get(ImportUpload, token)
    if upload is None:
        raise UploadError("That upload is gone (uploads are kept for a day); upload the file again.")
    return upload


def get_upload(session: Session, token: object, actor: Actor) -> ImportUpload:
    """The upload ``token`` if ``actor`` uploaded it; :class:`UploadError` otherwise."""
    upload = _upload(session, token)
    if upload.user_id != actor.user_id:
        raise UploadError("That upload is gone (uploads are kept for a day); upload the file again.")
    return upload


def upload_head(session: Session, token: object, actor: Actor, rows: int = 20) -> importing.Table:
    """The uploaded file's header and first ``rows`` rows (for the mapping form and the preview)."""
    upload = get_upload(session, token, actor)
    return importing.read_table(upload.content, upload.file_name, limit=rows)


@dataclass(frozen=True)
class Request:
    """One import as the page asks for it (all of it checked again by the job)."""

    token: str
    kind: str
    mapping: dict[str, str] | None = None
    warehouse_code: str | None = None


def importer(session: Session, user_id: int) -> Actor:
    """The user as the actor of an import, if they still may import (checked when the job starts)."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.role not in IMPORTERS:
        raise UploadError("Only managers may import data.")
    return Actor(user.username, user.id)


def run_upload(
    db: Database,
    request: Request,
    *,
    today: dt.date,
    handling_days: int,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Import the upload as its uploader, record the outcome on it, refresh metrics (and KPIs).

    The uploader acts (the job has no request to take a user from), and must still be an active
    manager when the job starts; their token is the only handle to the file.

    Progress runs 0–80 % for the import and 80–100 % for the refresh. A file-level problem (a
    mapping naming a missing column, a file that changed meaning) or a database that stays busy
    leaves the database as it was and comes back as ``{"error": message}``.
    """
    report = _throttled(progress)
    report(0, "Reading the file…")
    try:
        summary, result = _when_free(report, lambda: _import(db, request, today, handling_days, report))
    except (importing.ImportFileError, importing.MappingError, UploadError) as exc:
        summary = {"error": str(exc), "file": _file_name(db, request.token)}
        with db.write_session() as session:
            upload = session.get(ImportUpload, request.token) if _token_shaped(request.token) else None
            if upload is not None:
                _finish(upload, "failed", summary, None)
        report(100, "Nothing was imported.")
        return summary
    except (DBAPIError, sqlite3.Error) as exc:
        log.warning("import of upload %s could not write: %s", str(request.token)[:8], exc)
        report(100, "Nothing was imported.")
        return {
            "error": "The database could not be written (it is unavailable, or another change held it too long). "
            "Nothing was imported; try again in a minute."
        }
    if result.applied:
        what = "metrics and KPIs" if result.needs_kpi_rebuild else "metrics"
        report(80, f"Refreshing {what}…")
        try:
            _when_free(
                report,
                lambda: refresh_metrics(
                    db,
                    today,
                    handling_days=handling_days,
                    rebuild_kpis=result.needs_kpi_rebuild,
                    progress=lambda _stage, done, total: report(80 + 20 * done / max(total, 1), f"Refreshing {what}…"),
                ),
            )
            summary["refreshed"] = what
        except (DBAPIError, sqlite3.Error) as exc:
            # The import is in; only the figures lag. The next refresh (or `refresh --kpis`) catches up.
            log.warning("refresh after import failed: %s", exc)
            summary["refresh_failed"] = what
    report(100, "Done.")
    return summary


def _import(
    db: Database, request: Request, today: dt.date, handling_days: int, report: Progress
) -> tuple[dict[str, Any], importing.ImportReport]:
    """The import itself: one transaction, the outcome recorded on the upload within it."""
    with db.write_session() as session:
        upload = _upload(session, request.token)
        actor = importer(session, upload.user_id)
        table = importing.read_table(upload.content, upload.file_name, max_rows=importing.max_rows(request.kind))
        result = importing.run_import(
            session,
            actor,
            request.kind,
            table,
            today=today,
            handling_days=handling_days,
            mapping=request.mapping or None,
            warehouse_code=request.warehouse_code or None,
            progress=lambda done, total: report(80 * done / max(total, 1), f"Importing {len(table):,} rows…"),
        )
        summary = _summary(result)
        _finish(upload, "done", summary, result.rejected_csv() if result.rejected else None)
    return summary, result


T = TypeVar("T")


def _when_free(report: Progress, work: Callable[[], T]) -> T:
    """``work()``, run again while it conflicts with another writer (SQLite's lock, a deadlock).

    SQLite has one writer at a time and gives up after its busy timeout (15 s); a background
    job can wait longer than a click, so it tries again, up to :data:`BUSY_RETRIES` times. A
    PostgreSQL deadlock or serialization failure rolled the whole attempt back, so it may retry too.
    """
    for attempt in range(BUSY_RETRIES):
        try:
            return work()
        # The lock is refused in our BEGIN IMMEDIATE hook, which SQLAlchemy does not wrap: catch both.
        except (DBAPIError, sqlite3.Error) as exc:
            if classify(exc) is not DatabaseFailure.CONFLICT or attempt == BUSY_RETRIES - 1:
                raise
            report(0, "Waiting for another change to the database to finish…")
    raise AssertionError("unreachable")


def _summary(result: importing.ImportReport) -> dict[str, Any]:
    return {
        "file": result.file_name,
        "kind": result.kind,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "ignored": result.ignored,
        "rejected_rows": result.rejected_rows,
        "problems": len(result.rejected),
        "refused": [
            {"row": r.row, "column": r.column, "value": r.value, "reason": r.reason}
            for r in sorted(result.rejected, key=lambda r: r.row)[:SHOWN_REFUSED]
        ],
    }


def _finish(upload: ImportUpload, state: str, summary: dict[str, Any], rejected_csv: str | None) -> None:
    upload.state = state
    upload.kind = summary.get("kind")
    upload.summary = summary
    upload.rejected_csv = rejected_csv
    upload.finished_at = utcnow()


def _file_name(db: Database, token: str) -> str:
    with db.read_session() as session:
        upload = session.get(ImportUpload, token) if _token_shaped(token) else None
        return upload.file_name if upload else ""


def _throttled(progress: Progress | None) -> Progress:
    """``progress`` called at most every :data:`PROGRESS_EVERY_S` (always for 0 and 100 %)."""
    last = [0.0]

    def report(percent: float, label: str) -> None:
        now = time.monotonic()
        if progress and (percent in (0, 100) or now - last[0] >= PROGRESS_EVERY_S):
            last[0] = now
            progress(min(max(percent, 0.0), 100.0), label)

    return report


def rejected_csv(session: Session, token: object, actor: Actor) -> tuple[str, str]:
    """(file name, CSV) of the rows the upload's import refused; :class:`UploadError` when there are none."""
    upload = get_upload(session, token, actor)
    if not upload.rejected_csv:
        raise UploadError("That import refused no rows.")
    return f"{Path(upload.file_name).stem}-refused.csv", upload.rejected_csv


def recent_imports(session: Session, limit: int = 10) -> list[dict[str, Any]]:
    """The latest imports from the audit log: when, who, which file and kind, how many rows in and refused."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "import")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    out = []
    for event in events:
        after = event.after or {}
        out.append(
            {
                "at": event.at,
                "actor": event.actor,
                "file": after.get("file", event.entity_id),
                "kind": after.get("kind", event.action.removeprefix("import_")),
                "rows": after.get("rows"),
                "applied": after.get("applied"),
                "unchanged": after.get("unchanged"),
                "rejected": after.get("rejected"),
            }
        )
    return out


def warehouse_options(session: Session) -> list[dict[str, str]]:
    """Warehouses by code, for the warehouse a shop export's stock is in."""
    rows = session.execute(select(Warehouse.code, Warehouse.name).order_by(Warehouse.code))
    return [{"label": f"{code} · {name}", "value": code} for code, name in rows]


def upload_state(session: Session, token: object, actor: Actor) -> str:
    """Where the upload's import stands: ``uploaded`` (not run, or rolled back), ``done`` or ``failed``."""
    return get_upload(session, token, actor).state
