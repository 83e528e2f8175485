"""`import KIND FILE`: a CSV or XLSX file into the database, as the named manager.

`backorder-desk import KIND FILE --user USERNAME [--mapping NAME] [--map FIELD=COLUMN …] [--set FIELD=VALUE …]
[--warehouse CODE] [--rejected BAD.csv]`
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from dashboard.cli.common import action, database_of, settings_of
from dashboard.services import imports as importing
from dashboard.services.derived.refresh import refresh_metrics

IMPORT_KINDS = (
    "warehouses",
    "suppliers",
    "products",
    "product_suppliers",
    "stock",
    "orders",
    "purchase_orders",
    "receipts",
    "sales",
    "sales_periods",
    "shopify",
    "woocommerce",
    "shopify_orders",
    "woocommerce_orders",
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
@click.option(
    "--set",
    "fixed",
    multiple=True,
    metavar="FIELD=VALUE",
    help="One value for every row, for a column the file lacks (read and checked like a cell).",
)
@click.option("--save-mapping", "save_as", default=None, help="Save the mapping used under this name.")
@click.option(
    "--warehouse",
    "warehouse_code",
    default=None,
    help="Warehouse a shop export's stock or orders are in; for other kinds the same as --set warehouse_code=CODE.",
)
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
    ctx,
    kind,
    file,
    want_template,
    username,
    mapping_name,
    pairs,
    fixed,
    save_as,
    warehouse_code,
    rejected_path,
    no_refresh,
) -> None:
    """Import a CSV or XLSX file of KIND: good rows in one transaction, bad rows reported with the reason.

    `products` recognises Shopify and WooCommerce product exports by their header, `sales` their order exports.
    """
    if want_template:
        if kind in importing.SHOPS:
            raise click.ClickException(f"a {kind} file is the shop's own product export; there is no template")
        if kind in importing.ORDER_EXPORTS:
            raise click.ClickException(f"a {kind} file is the shop's own orders export; there is no template")
        click.echo(importing.template(kind), nl=False)
        return
    if file is None or username is None:
        raise click.ClickException("give the FILE to import and --user (or --template for the header)")
    settings = settings_of(ctx)
    table = importing.read_table(file, max_rows=importing.max_rows(kind))
    kind = importing.resolve_kind(kind, table)
    with action(ctx, username) as work, _progress(len(table)) as progress:
        mapping = importing.load_mapping(work.session, kind, mapping_name) if mapping_name else {}
        mapping |= _sources(pairs, fixed)
        # A shop export (products or orders) takes --warehouse as its own; other kinds read it as --set.
        own = kind in importing.SHOPS or kind in importing.ORDER_EXPORTS
        if warehouse_code and not own and "warehouse_code" in importing.TEMPLATES[kind]:
            if "warehouse_code" in _sources(pairs, fixed):
                raise click.ClickException("--warehouse and a --map or --set of warehouse_code: give one of them")
            mapping["warehouse_code"] = {"set": warehouse_code}
        if save_as:
            importing.save_mapping(work.session, work.actor, kind, save_as, mapping, replace=True)
        report = importing.run_import(
            work.session,
            work.actor,
            kind,
            table,
            today=work.today,
            handling_days=work.handling_days,
            mapping=mapping or None,
            warehouse_code=warehouse_code,
            progress=progress,
        )
    click.echo(_summary(file.name, report))
    for note in report.notes:
        click.echo(f"  {note}")
    for bad in report.rejected[:20]:
        click.echo(f"  row {bad.row} [{bad.column}] {bad.value}: {bad.reason}", err=True)
    if len(report.rejected) > 20:
        click.echo(f"  … and {len(report.rejected) - 20} more", err=True)
    if rejected_path and report.rejected:
        rejected_path.write_text(report.rejected_csv(), encoding="utf-8")
        click.echo(f"refused rows written to {rejected_path}")
    if report.applied and not no_refresh:
        what = "metrics and KPIs (rebuilt)" if report.needs_kpi_rebuild else "metrics"
        refresh_metrics(
            database_of(ctx),
            settings.today(),
            handling_days=settings.handling_days,
            rebuild_kpis=report.needs_kpi_rebuild,
        )
        click.echo(f"{what} refreshed")


def _sources(pairs: tuple[str, ...], fixed: tuple[str, ...]) -> dict[str, str | dict[str, str]]:
    """``--map`` columns and ``--set`` values as a mapping; they win over a saved mapping's entries."""
    mapping: dict[str, str | dict[str, str]] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise click.ClickException(f"--map takes FIELD=COLUMN, not {pair!r}")
        mapping[field.strip()] = column.strip()
    for pair in fixed:
        # An empty VALUE is allowed: a blank cell in every row (an override column's "no override").
        field, sep, value = pair.partition("=")
        if not sep or not field.strip():
            raise click.ClickException(f"--set takes FIELD=VALUE, not {pair!r}")
        if field.strip() in mapping:
            raise click.ClickException(f"{field.strip()} is both mapped to a column and set; give one of the two")
        mapping[field.strip()] = {"set": value}
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
