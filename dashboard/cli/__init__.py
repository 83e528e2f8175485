"""The `backorder-desk` command line (also `python -m dashboard`).

Each subcommand lives in its own module and imports only :mod:`dashboard.cli.common`, never
another subcommand; this module gathers them under one group.
"""

from __future__ import annotations

import click

from dashboard.cli import access, actions, bench, data, imports, notify, purchasing, server
from dashboard.cli.common import CommandGroup
from dashboard.config import Settings


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Backorder Desk: stock, backorders and honest promises. DATABASE_URL picks the database."""
    ctx.ensure_object(dict)
    ctx.obj.setdefault("settings", Settings.from_env())


for command in (
    data.db,
    data.demo,
    data.refresh,
    data.backtest,
    bench.bench,
    bench.bench_sales,
    bench.bench_refresh,
    bench.bench_purchasing,
    access.users,
    access.tokens_group,
    server.check_command,
    server.serve_command,
    actions.eta_command,
    actions.status_command,
    actions.receive_command,
    purchasing.po_group,
    imports.import_command,
    notify.notify_command,
):
    main.add_command(command)
