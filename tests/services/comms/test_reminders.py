"""Still-waiting reminders: to customers who heard nothing for 10 days, with the window, never twice per window."""

from sqlalchemy import select

from dashboard.db.models import Notification
from dashboard.services.comms import reminders
from dashboard.services.derived import triage
from tests.services import triage_data as data
from tests.services.triage_data import L2, TODAY, day


def test_only_quiet_lines_with_a_window_are_reminded_once_per_window(db):
    with db.write_session() as session:
        data.build(session)
    triage.refresh_triage(db, TODAY)
    with db.write_session() as session:
        # L2 last heard from us 10 days ago; L1 was called 3 days ago; L3 and L4 went on backorder
        # less than 10 days ago (and nothing covers L4, so it has no honest window to give).
        assert reminders.queue_reminders(session, TODAY) == 1
    with db.write_session() as session:
        assert reminders.queue_reminders(session, TODAY) == 0  # the same window is not announced twice
    with db.read_session() as session:
        notice = session.scalar(select(Notification).where(Notification.kind == "still_waiting"))
    assert notice.order_line_id == L2 and notice.recipient == "vera@example.com"
    # PO-A lands at +5; the supplier's P50/P80 delays (2 and 5 days) and 2 handling days give +9 to +12.
    assert f"between {day(9):%A %d %B} and {day(12):%A %d %B %Y} (9–12 days)" in notice.body_text
    assert "still on its way" in notice.subject


def test_a_shorter_quiet_period_reaches_more_customers(db):
    with db.write_session() as session:
        data.build(session)
    triage.refresh_triage(db, TODAY)
    with db.write_session() as session:
        # L2, L3 (5 days quiet) and L1 (called 3 days ago)
        assert reminders.queue_reminders(session, TODAY, quiet_days=2) == 3
