"""Manager actions from the command line (for scripts and ERP hooks): the same services as the UI.

`backorder-desk eta PO_NUMBER YYYY-MM-DD --cause CODE [--confirmed] [--note TEXT] --user USERNAME`
`backorder-desk status SKU STATUS --reason TEXT --user USERNAME [--override-reason TEXT] [--backorders cancel|keep]`
`backorder-desk import KIND FILE --user USERNAME [--mapping NAME] [--warehouse CODE] [--rejected BAD.csv]`
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain.codes import CauseCode, Role
from dashboard.services.audit import Actor

MANAGING_ROLES = (Role.MANAGER, Role.ADMIN)


def _database(ctx: click.Context):
    from dashboard.cli import _database as database  # the group's shared engine

    return database(ctx)


def _actor(session: Session, username: str) -> Actor:
    """The named user, who must be an active manager or admin: the CLI acts in their name."""
    from dashboard.db.models import User

    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(f"no active user named {username!r}")
    if user.role not in MANAGING_ROLES:
        raise click.ClickException(f"{username} is {user.role.label.lower()}; only managers and admins may do this")
    return Actor(user.username, user.id)


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
    from dashboard.services import eta

    settings = ctx.find_root().obj["settings"]
    database = _database(ctx)
    try:
        request = eta.EtaRequest.parse(po_number, new_eta, confirmed, cause, note)
        with database.write_session() as session:
            actor = _actor(session, username)
            if dry_run:
                impact = eta.preview(session, request, settings.today(), settings.handling_days)
            else:
                impact = eta.revise_eta(session, actor, request, settings.today(), settings.handling_days)
    except eta.EtaError as exc:
        raise click.ClickException(str(exc)) from exc
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
    from dashboard.services import status

    settings = ctx.find_root().obj["settings"]
    try:
        with _database(ctx).write_session() as session:
            actor = _actor(session, username)
            [result] = status.set_status(
                session,
                actor,
                [status.StatusChange(sku, new_status)],
                reason,
                settings.today(),
                settings.handling_days,
                override_reason=override_reason,
                backorder_action=backorder_action,
            )
    except status.StatusError as exc:
        raise click.ClickException(str(exc)) from exc
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
    from dashboard.services import receiving

    if (sku is None) != (qty is None):
        raise click.ClickException("--sku and --qty go together (or leave both out to receive everything open)")
    settings = ctx.find_root().obj["settings"]
    try:
        with _database(ctx).write_session() as session:
            actor = _actor(session, username)
            result = receiving.receive(
                session, actor, po_number, settings.today(), settings.handling_days, {sku: qty} if sku else None
            )
    except receiving.ReceiveError as exc:
        raise click.ClickException(str(exc)) from exc
    received = ", ".join(f"{units} × {code}" for code, units in result.received.items())
    click.echo(
        f"{result.po_number}: received {received}; {result.lines_completed} waiting line(s) now ready to ship, "
        f"{len(result.allocations)} allocated in all; {result.promises_moved} promise(s) re-dated; "
        f"PO {result.po_status.label.lower()}"
    )


IMPORT_KINDS = (
    "warehouses",
    "suppliers",
    "products",
    "product_suppliers",
    "stock",
    "orders",
    "purchase_orders",
    "receipts",
    "shopify",
    "woocommerce",
)
# Files at least this long get a progress bar on stderr.
PROGRESS_ROWS = 5_000


@click.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--template", "want_template", is_flag=True, help="Print the CSV header this kind needs, and stop.")
@click.option("--user", "username", default=None, help="The manager in whose name the rows are imported.")
@click.option("--mapping", "mapping_name", default=None, help="A saved column mapping (see --save-mapping).")
@click.option("--map", "pairs", multiple=True, metavar="FIELD=COLUMN", help="Map one of our fields to a column.")
@click.option("--save-mapping", "save_as", default=None, help="Save the mapping used under this name.")
@click.option("--warehouse", "warehouse_code", default=None, help="Warehouse a shop export's stock is in.")
@click.option(
    "--rejected",
    "rejected_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the refused rows (row, column, value, reason) to this CSV.",
)
@click.option("--no-refresh", is_flag=True, help="Do not refresh metrics and KPIs after the import.")
@click.pass_context
def import_command(
    ctx, kind, file, want_template, username, mapping_name, pairs, save_as, warehouse_code, rejected_path, no_refresh
) -> None:
    """Import a CSV or XLSX file of KIND: good rows in one transaction, bad rows reported with the reason.

    `products` recognises Shopify and WooCommerce product exports by their header.
    """
    from dashboard.services import importing

    if want_template:
        if kind in importing.SHOPS:
            raise click.ClickException(f"a {kind} file is the shop's own product export; there is no template")
        click.echo(importing.template(kind), nl=False)
        return
    if file is None or username is None:
        raise click.ClickException("give the FILE to import and --user (or --template for the header)")
    settings = ctx.find_root().obj["settings"]
    database = _database(ctx)
    try:
        table = importing.read_table(file)
        kind = importing.resolve_kind(kind, table)
        with database.write_session() as session, _progress(len(table)) as progress:
            actor = _actor(session, username)
            mapping = importing.load_mapping(session, kind, mapping_name) if mapping_name else {}
            mapping |= _parse_pairs(pairs)
            if save_as:
                importing.save_mapping(session, actor, kind, save_as, mapping, replace=True)
            report = importing.run_import(
                session,
                actor,
                kind,
                table,
                today=settings.today(),
                handling_days=settings.handling_days,
                mapping=mapping or None,
                warehouse_code=warehouse_code,
                progress=progress,
            )
    except (importing.ImportFileError, importing.MappingError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_summary(file.name, report))
    for bad in report.rejected[:20]:
        click.echo(f"  row {bad.row} [{bad.column}] {bad.value}: {bad.reason}", err=True)
    if len(report.rejected) > 20:
        click.echo(f"  … and {len(report.rejected) - 20} more", err=True)
    if rejected_path and report.rejected:
        rejected_path.write_text(report.rejected_csv(), encoding="utf-8")
        click.echo(f"refused rows written to {rejected_path}")
    if report.applied and not no_refresh:
        from dashboard.services.metrics import refresh_metrics

        what = "metrics and KPIs (rebuilt)" if report.needs_kpi_rebuild else "metrics"
        refresh_metrics(
            database, settings.today(), handling_days=settings.handling_days, rebuild_kpis=report.needs_kpi_rebuild
        )
        click.echo(f"{what} refreshed")


def _parse_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise click.ClickException(f"--map takes FIELD=COLUMN, not {pair!r}")
        mapping[field.strip()] = column.strip()
    return mapping


@contextmanager
def _progress(rows: int):
    """A progress callback drawing a bar on stderr for big files (none for small ones)."""
    if rows < PROGRESS_ROWS:
        yield None
        return
    with click.progressbar(length=3 * rows, label="importing", file=sys.stderr) as bar:
        shown = 0

        def advance(done: int, _total: int) -> None:
            nonlocal shown
            bar.update(done - shown)
            shown = done

        yield advance


def _summary(name: str, report) -> str:
    refused = report.rejected_rows
    if report.kind == "receipts":
        return (
            f"{name}: {report.rows} row(s); {report.applied} booked, {report.unchanged} already imported, "
            f"{refused} refused"
        )
    ignored = f", {report.ignored} ignored" if report.ignored else ""
    return (
        f"{name} ({report.kind}): {report.rows} row(s); {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {refused} refused{ignored}"
    )


@click.command("notify")
@click.option("--once", is_flag=True, help="One pass over the due outbox rows, then exit (for cron).")
@click.option("--interval", default=30, show_default=True, type=click.IntRange(min=1), help="Seconds between passes.")
@click.option("--batch", default=100, show_default=True, type=click.IntRange(min=1), help="Rows per pass.")
@click.pass_context
def notify_command(ctx, once, interval, batch) -> None:
    """Deliver pending customer notices: through SMTP_URL, or as .eml files under data/outbox/ without it."""
    import time

    from dashboard.services import delivery

    settings = ctx.find_root().obj["settings"]
    try:
        sender = delivery.sender_for(settings.smtp_url, settings.outbox_dir)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    where = "SMTP" if settings.smtp_url else f"{settings.outbox_dir}/*.eml"
    from dashboard.services.reminders import queue_reminders

    while True:
        with _database(ctx).write_session() as session:
            reminded = queue_reminders(session, settings.today(), settings.reminder_days)
        report = delivery.deliver_once(_database(ctx), sender, batch=batch)
        if once or report.claimed or reminded:
            click.echo(
                f"{reminded} reminder(s) queued; {report.sent} sent via {where}, "
                f"{report.failed} to retry, {report.dead} dead"
            )
        if once:
            return
        time.sleep(0 if report.claimed == batch else interval)


@click.group("tokens")
def tokens_group() -> None:
    """API tokens for /api/v1 (the storefront feed and notify-me subscriptions)."""


@tokens_group.command("create")
@click.argument("name")
@click.pass_context
def tokens_create(ctx, name) -> None:
    """Create a token and print it once (only its hash is stored)."""
    from dashboard.services import storefront

    try:
        with _database(ctx).write_session() as session:
            token = storefront.create_token(session, name)
    except storefront.StorefrontError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(token)
    click.echo(f"token {name!r} created; store it now, it cannot be shown again", err=True)


@tokens_group.command("revoke")
@click.argument("name")
@click.pass_context
def tokens_revoke(ctx, name) -> None:
    """Revoke the token(s) of that name; requests with it get 401 from now on."""
    from dashboard.services import storefront

    try:
        with _database(ctx).write_session() as session:
            count = storefront.revoke_token(session, name)
    except storefront.StorefrontError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"revoked {count} token(s) named {name!r}")
