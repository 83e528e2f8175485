"""The delivery worker against a real SMTP server (aiosmtpd on 127.0.0.1) and the .eml fallback."""

import datetime as dt
import email
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from dashboard.db.models import Notification
from dashboard.domain.codes import NotificationStatus
from dashboard.services.comms import delivery

T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()


def queue(db, *keys):
    with db.write_session() as session:
        for key in keys:
            session.add(
                Notification(
                    idempotency_key=key,
                    kind="promise_revised",
                    recipient=f"{key}@example.com",
                    subject=f"About {key}",
                    body_text=f"Plain text for {key}",
                    body_html=f"<p>HTML for {key}</p>",
                    status=NotificationStatus.PENDING,
                    attempts=0,
                    created_at=T0,
                )
            )


def rows(db) -> dict[str, Notification]:
    with db.read_session() as session:
        return {row.idempotency_key: row for row in session.scalars(select(Notification))}


def clock(start=T0):
    now = [start]
    return now, lambda: now[0]


def test_pending_notices_are_sent_once_with_a_stable_message_id(db, smtp):
    inbox, url = smtp
    queue(db, "a", "b")
    report = delivery.deliver_once(db, delivery.SmtpSender(url))
    assert (report.sent, report.failed, report.dead) == (2, 0, 0)
    assert sorted(m["To"] for m in inbox.messages) == ["a@example.com", "b@example.com"]
    first = next(m for m in inbox.messages if m["To"] == "a@example.com")
    assert first["Message-ID"] == delivery.message_id("a") and first["Subject"] == "About a"
    assert [part.get_content_type() for part in first.walk()][1:] == ["text/plain", "text/html"]
    assert {row.status for row in rows(db).values()} == {NotificationStatus.SENT}
    assert delivery.deliver_once(db, delivery.SmtpSender(url)).claimed == 0  # nothing is sent twice


def test_a_worker_that_dies_after_sending_resends_the_same_message_once_the_lease_ends(db, smtp):
    inbox, url = smtp
    queue(db, "crash")
    real = delivery.SmtpSender(url)

    class DiesAfterSending:
        def send(self, message):
            real.send(message)
            raise KeyboardInterrupt  # the process is killed before it can record the send

    now, tick = clock()
    with pytest.raises(KeyboardInterrupt):
        delivery.deliver_once(db, DiesAfterSending(), now=tick)
    assert delivery.deliver_once(db, real, now=tick).claimed == 0  # still leased: nobody sends it meanwhile
    now[0] = T0 + delivery.LEASE + dt.timedelta(seconds=1)
    assert delivery.deliver_once(db, real, now=tick).sent == 1
    assert len(inbox.messages) == 2 and len({m["Message-ID"] for m in inbox.messages}) == 1
    row = rows(db)["crash"]
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 2)


def test_failures_back_off_then_go_dead_with_the_error_kept(db):
    queue(db, "nowhere")
    closed = delivery.SmtpSender(f"smtp://127.0.0.1:{free_port()}", timeout=2)
    now, tick = clock()
    report = delivery.deliver_once(db, closed, now=tick, max_attempts=3)
    row = rows(db)["nowhere"]
    assert report.failed == 1 and row.status is NotificationStatus.FAILED
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at == T0 + delivery.backoff(1)
    assert delivery.deliver_once(db, closed, now=tick, max_attempts=3).claimed == 0  # not due yet
    for _ in range(2):
        now[0] = rows(db)["nowhere"].next_attempt_at
        delivery.deliver_once(db, closed, now=tick, max_attempts=3)
    row = rows(db)["nowhere"]
    assert (row.status, row.attempts, row.next_attempt_at) == (NotificationStatus.DEAD, 3, None)
    assert "ConnectionRefusedError" in row.last_error


def test_without_smtp_messages_become_eml_files_one_per_notice(db, tmp_path):
    queue(db, "file")
    sender = delivery.sender_for(None, tmp_path / "outbox")
    assert delivery.deliver_once(db, sender).sent == 1
    [written] = list((tmp_path / "outbox").glob("*.eml"))
    message = email.message_from_bytes(written.read_bytes())
    assert message["Message-ID"] == delivery.message_id("file") and message["To"] == "file@example.com"
    sender.send(delivery.build_message(rows(db)["file"]))  # sending again rewrites the same file
    assert len(list((tmp_path / "outbox").iterdir())) == 1


def test_backoff_doubles_and_is_capped():
    assert [delivery.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert delivery.backoff(30) == delivery.MAX_RETRY


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "mail.example.com:25"])
def test_bad_smtp_urls_are_refused(url):
    with pytest.raises(ValueError, match="SMTP_URL"):
        delivery.SmtpSender(url)
