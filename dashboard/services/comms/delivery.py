"""Delivering the outbox: SMTP when ``SMTP_URL`` is set, ``.eml`` files under the outbox folder otherwise.

At-least-once, made safe by the idempotency key:

1. *Claim* due rows in a short transaction (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so several
   workers never take the same row) and give each a lease (``next_attempt_at`` a few minutes
   ahead) and one more attempt.
2. *Send* outside any transaction. Every message carries a ``Message-ID`` derived from its
   idempotency key; an ``.eml`` file is named by it.
3. *Record* the outcome: ``sent``; or ``failed`` with the error and an exponential backoff; or
   ``dead`` once ``max_attempts`` is spent (the error is kept).

A worker that dies between 2 and 3 leaves the row leased; when the lease runs out another pass
sends it again with the same Message-ID (and overwrites the same ``.eml``), so the customer's
mail system sees one message per event and recipient, never two different ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.engine import Database
from dashboard.db.models import Notification
from dashboard.domain.codes import NotificationStatus

SENDER = formataddr(("Backorder Desk customer service", "no-reply@backorder-desk.invalid"))
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 6
FIRST_RETRY = dt.timedelta(minutes=1)
MAX_RETRY = dt.timedelta(hours=6)
MAX_ERROR = 2000


class Sender(Protocol):
    """Something that hands one message over for delivery (raises when it could not)."""

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` or raise."""


def message_id(idempotency_key: str) -> str:
    """A Message-ID that is the same for every attempt at the same notice."""
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]}@backorder-desk>"


def build_message(row: Notification, sender: str = SENDER) -> EmailMessage:
    """The email for one outbox row: plain text with an HTML alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Message-ID"] = message_id(row.idempotency_key)
    message["Date"] = format_datetime(row.created_at or utcnow())
    message["X-Backorder-Desk-Kind"] = row.kind
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    for attachment in row.attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        message.add_attachment(
            attachment["text"].encode("utf-8"), maintype=maintype, subtype=subtype, filename=attachment["filename"]
        )
    return message


class FileSender:
    """Writes each message to ``{folder}/{message id}.eml`` (the same notice always lands in the same file)."""

    def __init__(self, folder: Path) -> None:
        """Deliver into ``folder`` (created when missing)."""
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        """Write atomically: a crash never leaves half a message behind."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").split("@")[0] + ".eml"
        partial = self.folder / (name + ".part")
        partial.write_bytes(bytes(message))
        partial.replace(self.folder / name)


class SmtpSender:
    """Sends through ``smtp://[user:password@]host[:port][?starttls=1]`` or ``smtps://…``."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        """Parse ``url`` once; a connection is opened per batch."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:password@host:587?starttls=1 or smtps://host:465")
        self.ssl = parts.scheme == "smtps"
        self.host, self.port = parts.hostname, parts.port or (465 if self.ssl else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        """One SMTP session per message: simple, and a broken connection fails one notice, not a batch."""
        context = ssl.create_default_context()
        client_class = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        kwargs = {"context": context} if self.ssl else {}
        with client_class(self.host, self.port, timeout=self.timeout, **kwargs) as client:
            if self.starttls:
                client.starttls(context=context)
            if self.user:
                client.login(self.user, self.password or "")
            client.send_message(message)


def sender_for(smtp_url: str | None, outbox_dir: Path) -> Sender:
    """SMTP when configured, else ``.eml`` files (development and demos)."""
    return SmtpSender(smtp_url) if smtp_url else FileSender(outbox_dir)


def backoff(attempts: int) -> dt.timedelta:
    """Wait before retry ``attempts``: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


@dataclass
class DeliveryReport:
    """What one pass did."""

    sent: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def claimed(self) -> int:
        """Rows this pass took."""
        return self.sent + self.failed + self.dead


def _claim(session: Session, now: dt.datetime, batch: int) -> list[int]:
    due = or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now)
    query = (
        select(Notification)
        .where(Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.FAILED]), due)
        .order_by(Notification.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    rows = session.scalars(query).all()
    for row in rows:
        row.attempts = (row.attempts or 0) + 1
        row.next_attempt_at = now + LEASE
    return [row.id for row in rows]


def deliver_once(
    db: Database,
    sender: Sender,
    *,
    batch: int = 100,
    max_attempts: int = MAX_ATTEMPTS,
    now: Callable[[], dt.datetime] = utcnow,
) -> DeliveryReport:
    """One pass over the due outbox rows."""
    with db.write_session() as session:
        claimed = _claim(session, now(), batch)
    report = DeliveryReport()
    for notification_id in claimed:
        with db.read_session() as session:
            row = session.get(Notification, notification_id)
            message = build_message(row)
        try:
            sender.send(message)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
            with db.write_session() as session:
                row = session.get(Notification, notification_id)
                row.last_error = error
                if row.attempts >= max_attempts:
                    row.status, row.next_attempt_at = NotificationStatus.DEAD, None
                    report.dead += 1
                else:
                    row.status, row.next_attempt_at = NotificationStatus.FAILED, now() + backoff(row.attempts)
                    report.failed += 1
            continue
        with db.write_session() as session:
            row = session.get(Notification, notification_id)
            row.status, row.sent_at, row.next_attempt_at, row.last_error = NotificationStatus.SENT, now(), None, None
        report.sent += 1
    return report
