"""Data import (issue 10): CSV/XLSX files of every kind, column mapping, shop exports, one transaction each.

The path a file takes, and the functions the /import page and the command line call:

1. ``table = read_table(path_or_bytes, name)`` — file-level checks (:class:`ImportFileError`);
2. ``kind = resolve_kind("products", table)`` — a Shopify or WooCommerce export is recognised
   (product exports as ``products``, order exports as ``sales``; ``automatic_kind`` tells the page);
3. ``suggest_mapping(kind, table.header)`` / ``load_mapping(session, kind, name)`` — which
   column holds which field; ``describe(kind)`` lists the fields;
4. ``preview(session, kind, table, mapping=…, today=…)`` — the first rows as the import would
   treat them, nothing written;
5. ``run_import(session, actor, kind, table, mapping=…, warehouse_code=…, today=…,
   progress=…)`` inside ``db.write_session()`` — returns an :class:`ImportReport`
   (``rejected_csv()`` for the download; ``needs_kpi_rebuild`` tells the caller to run
   ``refresh_metrics(db, today, rebuild_kpis=True)`` after the commit).

Modules: ``files`` (reading), ``kinds`` (templates and cell checks), ``mapping`` (mapping and
saved mappings), ``shops`` (shop product exports), ``shop_orders`` (shop order exports as sales
history), ``catalog`` / ``products`` / ``stock`` / ``orders`` (+ ``order_queue``) / ``purchasing``
/ ``receipts`` / ``sales`` (one planner and writer per kind), ``shop_import``, ``run`` (the
orchestration), ``common`` and ``report``.
"""

from dashboard.services.imports.files import MAX_ROWS, ImportFileError, Table, read_table
from dashboard.services.imports.kinds import KINDS, TEMPLATES, describe, template
from dashboard.services.imports.mapping import (
    MappingError,
    apply_mapping,
    delete_mapping,
    list_mappings,
    load_mapping,
    save_mapping,
    suggest_mapping,
)
from dashboard.services.imports.report import ImportReport, Rejected
from dashboard.services.imports.run import (
    IMPORT_KINDS,
    PreviewRow,
    automatic_kind,
    import_file,
    max_rows,
    preview,
    resolve_kind,
    run_import,
)
from dashboard.services.imports.shop_orders import ORDER_EXPORTS, detect_order_export, order_columns
from dashboard.services.imports.shops import SHOPS, detect_shop, shop_columns

__all__ = [
    "IMPORT_KINDS",
    "KINDS",
    "MAX_ROWS",
    "ORDER_EXPORTS",
    "SHOPS",
    "TEMPLATES",
    "ImportFileError",
    "ImportReport",
    "MappingError",
    "PreviewRow",
    "Rejected",
    "Table",
    "apply_mapping",
    "automatic_kind",
    "delete_mapping",
    "describe",
    "detect_order_export",
    "detect_shop",
    "import_file",
    "list_mappings",
    "load_mapping",
    "max_rows",
    "order_columns",
    "preview",
    "read_table",
    "resolve_kind",
    "run_import",
    "save_mapping",
    "shop_columns",
    "suggest_mapping",
    "template",
]
