"""Manager actions from the command line (for scripts and ERP hooks): the same services as the UI.

`backorder-desk eta PO_NUMBER YYYY-MM-DD --cause CODE [--confirmed] [--note TEXT] --user USERNAME`
`backorder-desk status SKU STATUS --reason TEXT --user USERNAME [--override-reason TEXT] [--backorders cancel|keep]`
`backorder-desk receive PO_NUMBER [--sku SKU --qty N] --user USERNAME`
"""

from __future__ import annotations

import click

from dashboard.cli.common import action
from dashboard.domain.codes import CauseCode
from dashboard.services.catalog import status
from dashboard.services.inbound import eta, receiving


@click.command("eta")
@click.argument("po_number")
@click.argument("new_eta")
@click.option("--cause", required=True, type=click.Choice(CauseCode.values()), help="Why the date moves.")
@click.option("--confirmed", is_flag=True, help="The supplier confirmed the new date.")
@click.option("--note", default=None, help="Free text kept with the revision.")
@click.option("--user", "username", required=True, help="The manager in whose name the change is made.")
@click.option("--dry-run", is_flag=True, help="Show the impact without changing anything.")
@click.pass_context
def eta_command(ctx, po_number, new_eta, cause, confirmed, note, username, dry_run) -> None:
    """Revise a purchase order's ETA; waiting customers whose promise breaks get a new date and a notice."""
    request = eta.EtaRequest.parse(po_number, new_eta, confirmed, cause, note)
    with action(ctx, username) as work:
        if dry_run:
            impact = eta.preview(work.session, request, work.today, work.handling_days)
        else:
            impact = eta.revise_eta(work.session, work.actor, request, work.today, work.handling_days)
    verb = "would move" if dry_run else "moved"
    click.echo(
        f"{impact.po_number}: ETA {impact.old_eta} → {impact.new_eta}; {verb} {impact.moved} waiting line(s), "
        f"{len(impact.revised)} new promise(s) ({impact.newly_past} newly late), "
        f"${impact.value_at_risk:,.2f} at risk, {impact.customers} customer(s) {'to tell' if dry_run else 'notified'}"
    )
    for line in impact.revised:
        click.echo(
            f"  {line.order_number} {line.sku} × {line.qty_waiting}: promise {line.promised} → {line.new_promise}"
        )


@click.command("status")
@click.argument("sku")
@click.argument("new_status", metavar="STATUS")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
@click.option("--user", "username", required=True, help="The manager in whose name the change is made.")
@click.option("--override-reason", default=None, help="Needed to put a SKU on backorder without a confirmed ETA.")
@click.option(
    "--backorders",
    "backorder_action",
    type=click.Choice(["cancel", "keep"]),
    default=None,
    help="When discontinuing: cancel open backorders (and notify) or keep them.",
)
@click.pass_context
def status_command(ctx, sku, new_status, reason, username, override_reason, backorder_action) -> None:
    """Set a SKU's sales status (in_stock, backorder, out_of_stock, discontinued) with the UI's checks."""
    with action(ctx, username) as work:
        [result] = status.set_status(
            work.session,
            work.actor,
            [status.StatusChange(sku, new_status)],
            reason,
            work.today,
            work.handling_days,
            override_reason=override_reason,
            backorder_action=backorder_action,
        )
    extra = f"; {result.cancelled_lines} backorder(s) cancelled" if result.cancelled_lines else ""
    click.echo(f"{result.sku}: {result.old.value} → {result.new.value}; {result.notices} subscriber notice(s){extra}")


@click.command("receive")
@click.argument("po_number")
@click.option("--sku", default=None, help="Receive only this SKU (with --qty); without it, everything still open.")
@click.option("--qty", type=int, default=None, help="Units of --sku that arrived.")
@click.option("--user", "username", required=True, help="The manager in whose name the receipt is booked.")
@click.pass_context
def receive_command(ctx, po_number, sku, qty, username) -> None:
    """Book a receipt; the units go to waiting customers first (pin, VIP, order time), the rest to the shelf."""
    if (sku is None) != (qty is None):
        raise click.ClickException("--sku and --qty go together (or leave both out to receive everything open)")
    with action(ctx, username) as work:
        result = receiving.receive(
            work.session, work.actor, po_number, work.today, work.handling_days, {sku: qty} if sku else None
        )
    received = ", ".join(f"{units} × {code}" for code, units in result.received.items())
    click.echo(
        f"{result.po_number}: received {received}; {result.lines_completed} waiting line(s) now ready to ship, "
        f"{len(result.allocations)} allocated in all; {result.promises_moved} promise(s) re-dated; "
        f"PO {result.po_status.label.lower()}"
    )
