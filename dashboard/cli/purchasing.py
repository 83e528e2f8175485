"""`backorder-desk po …`: purchase orders from the command line, for scripts and ERP hooks (issue 21).

`backorder-desk po draft [--supplier CODE] [--warehouse CODE] --user USERNAME`
`backorder-desk po send NUMBER --user USERNAME`
`backorder-desk po cancel NUMBER --reason TEXT --user USERNAME [--cause CODE] [--dry-run] [--yes]`
"""

from __future__ import annotations

import click

from dashboard.cli.common import action, database_of, settings_of
from dashboard.domain.codes import CauseCode
from dashboard.domain.inputs import RefusedError
from dashboard.services.derived.partial import refresh_products
from dashboard.services.purchasing import cancelling, drafts, sending
from dashboard.services.replenishment.queries import ReplenishmentFilters


@click.group("po")
def po_group() -> None:
    """Draft purchase orders from the reorder suggestions and send them to the suppliers."""


@po_group.command("draft")
@click.option("--supplier", "supplier_code", default=None, help="Only this supplier's suggestions (its code).")
@click.option("--warehouse", "warehouse_code", default=None, help="Only this warehouse's suggestions (its code).")
@click.option("--user", "username", required=True, help="The manager in whose name the drafts are made.")
@click.pass_context
def draft_command(ctx, supplier_code, warehouse_code, username) -> None:
    """Draft one PO per supplier and warehouse from every suggestion to reorder now (in whole packs, at cost)."""
    try:
        with action(ctx, username) as work:
            filters = ReplenishmentFilters(
                warehouse_id=drafts.warehouse_id(work.session, warehouse_code),
                supplier_id=drafts.supplier_id(work.session, supplier_code),
                condition="below_rop",
            )
            result = drafts.create_drafts(work.session, work.actor, work.today, drafts.DraftScope(filters))
            database, today = database_of(ctx), work.today
            # The drafted pairs' position now counts the drafts: recompute them so nothing is proposed twice.
            work.after_commit(lambda: refresh_products(database, today, result.product_ids))
    except RefusedError as error:
        raise click.ClickException(str(error)) from error
    for po in result.purchase_orders:
        unpriced = f", {po.unpriced} line(s) without a cost" if po.unpriced else ""
        click.echo(
            f"{po.number}: {po.supplier} → {po.warehouse}, {len(po.lines)} line(s), {po.units:,} units, "
            f"${po.value:,.2f}{unpriced}; expected {po.eta} if sent today"
        )
    if result.skipped:
        click.echo(f"left out, already on a PO drafted or placed since the last refresh: {', '.join(result.skipped)}")


@po_group.command("send")
@click.argument("number")
@click.option("--user", "username", required=True, help="The manager in whose name the PO is sent.")
@click.pass_context
def send_command(ctx, number, username) -> None:
    """Send a draft PO to its supplier by email (CSV and HTML attached); it becomes placed, awaiting confirmation."""
    try:
        with action(ctx, username) as work:
            sent = sending.send_po(work.session, work.actor, number, work.today, settings_of(ctx).base_url())
    except RefusedError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"{sent.number}: sent to {sent.supplier} <{sent.recipient}>, {sent.lines} line(s), "
        f"expected {sent.eta}; attached {', '.join(sent.attachments)}"
    )


@po_group.command("cancel")
@click.argument("number")
@click.option("--reason", required=True, help="Why (kept in the audit log and told to re-promised customers).")
@click.option("--cause", type=click.Choice(CauseCode.values()), default=CauseCode.OTHER.value, show_default=True,
              help="Why the supply is gone (the delay-cause Pareto counts it).")  # fmt: skip
@click.option("--user", "username", required=True, help="The manager in whose name the PO is cancelled.")
@click.option("--dry-run", is_flag=True, help="Show what cancelling does to waiting customers; change nothing.")
@click.option("--yes", "acknowledged", is_flag=True, help="Cancel even though waiting customers count on the PO.")
@click.pass_context
def cancel_command(ctx, number, reason, cause, username, dry_run, acknowledged) -> None:
    """Cancel a PO; customers waiting on it get a later promise or a "no restock date" notice (--yes)."""
    try:
        with action(ctx, username) as work:
            if dry_run:
                effect = cancelling.impact(work.session, number, work.today, work.handling_days)
            else:
                done = cancelling.cancel_po(
                    work.session, work.actor, number, reason, work.today, work.handling_days,
                    cause=CauseCode(cause), acknowledged=acknowledged,
                )  # fmt: skip
                database, today = database_of(ctx), work.today
                work.after_commit(lambda: refresh_products(database, today, done.product_ids))
    except RefusedError as error:
        hint = "" if dry_run or acknowledged else " (see it with --dry-run; confirm with --yes)"
        raise click.ClickException(f"{error}{hint}") from error
    if dry_run:
        click.echo(
            f"{effect.number}: cancelling would give {len(effect.repromised)} waiting line(s) a later promise and "
            f"leave {len(effect.without_date)} without a restock date; {effect.customers} customer(s) to tell, "
            f"${effect.value_at_risk:,.2f} at stake"
        )
        for line in effect.repromised:
            click.echo(
                f"  {line.order_number} {line.sku} × {line.qty_waiting}: promise {line.promised} → {line.new_promise}"
            )
        for line in effect.without_date:
            click.echo(
                f"  {line.order_number} {line.sku} × {line.qty_waiting}: promise {line.promised}, no restock date"
            )
        return
    told = (
        f"; {done.repromised} promise(s) moved, {done.without_date} told no date"
        if done.repromised or done.without_date
        else ""
    )
    click.echo(f"{done.number}: cancelled (was {done.was.label.lower()}){told}")
