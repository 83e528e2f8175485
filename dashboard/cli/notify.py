"""`notify`: deliver the customer notices waiting in the outbox, and queue due reminders."""

from __future__ import annotations

import time

import click

from dashboard.cli.common import database_of, settings_of
from dashboard.services.comms import delivery
from dashboard.services.comms.reminders import queue_reminders


@click.command("notify")
@click.option("--once", is_flag=True, help="One pass over the due outbox rows, then exit (for cron).")
@click.option("--interval", default=30, show_default=True, type=click.IntRange(min=1), help="Seconds between passes.")
@click.option("--batch", default=100, show_default=True, type=click.IntRange(min=1), help="Rows per pass.")
@click.pass_context
def notify_command(ctx, once, interval, batch) -> None:
    """Deliver pending customer notices: through SMTP_URL, or as .eml files under data/outbox/ without it."""
    settings = settings_of(ctx)
    try:
        sender = delivery.sender_for(settings.smtp_url, settings.outbox_dir)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    where = "SMTP" if settings.smtp_url else f"{settings.outbox_dir}/*.eml"
    while True:
        with database_of(ctx).write_session() as session:
            reminded = queue_reminders(session, settings.today(), settings.reminder_days)
        report = delivery.deliver_once(database_of(ctx), sender, batch=batch)
        if once or report.claimed or reminded:
            click.echo(
                f"{reminded} reminder(s) queued; {report.sent} sent via {where}, "
                f"{report.failed} to retry, {report.dead} dead"
            )
        if once:
            return
        time.sleep(0 if report.claimed == batch else interval)
