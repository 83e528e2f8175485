"""Write a consistent set of large import files, to measure imports at size.

    python scripts/make_import_sample.py --rows 200000 --out /tmp/import-200k

writes ``warehouses.csv``, ``suppliers.csv``, ``products.csv`` (ROWS SKUs), ``stock.csv`` (ROWS
rows: every SKU in BER), ``purchase_orders.csv`` (supply for the SKUs with no stock) and
``orders.csv`` (ROWS open order lines over the last 30 days, some with a promised date). Import
them in that order into an empty database, e.g.::

    export DATABASE_URL=sqlite:////tmp/import-200k/inventory.db
    backorder-desk db upgrade
    echo secret-password | backorder-desk users create mia --role manager --password-stdin
    for kind in warehouses suppliers products stock purchase_orders orders; do
        time backorder-desk import $kind /tmp/import-200k/$kind.csv --user mia --no-refresh
    done
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from pathlib import Path

CATEGORIES = ["Apparel", "Footwear", "Kitchen", "Garden", "Toys", "Books", "Lighting", "Outdoor", "Bath", "Office"]
SUPPLIERS = 20


def write(path: Path, header: list[str], rows) -> int:
    """Write ``rows`` under ``header``; returns the row count."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def main() -> None:
    """Generate the files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    n, today = args.rows, args.today
    skus = [f"SKU-{i:07d}" for i in range(1, n + 1)]
    stock = [0 if rng.random() < 0.1 else rng.randint(1, 60) for _ in skus]

    write(
        out / "warehouses.csv",
        ["code", "name", "timezone"],
        [["BER", "Berlin", "Europe/Berlin"], ["HAM", "Hamburg", "Europe/Berlin"]],
    )
    write(
        out / "suppliers.csv",
        ["code", "name", "country", "email", "quoted_lead_time_days"],
        (
            [f"SUP-{i:02d}", f"Supplier {i}", "DE", f"orders@sup{i}.example", rng.randint(7, 45)]
            for i in range(SUPPLIERS)
        ),
    )
    write(
        out / "products.csv",
        ["sku", "name", "category", "unit_price", "unit_cost", "substitutability", "sales_status"],
        (
            [
                sku,
                f"Product {sku[4:]}",
                CATEGORIES[i % len(CATEGORIES)],
                f"{p:.2f}",
                f"{p * 0.45:.2f}",
                "standard",
                "in_stock" if stock[i] else "out_of_stock",
            ]
            for i, sku in enumerate(skus)
            for p in [rng.uniform(3, 300)]
        ),
    )
    write(
        out / "stock.csv", ["sku", "warehouse_code", "on_hand"], ([sku, "BER", stock[i]] for i, sku in enumerate(skus))
    )
    ordered = today - dt.timedelta(days=20)
    write(
        out / "purchase_orders.csv",
        ["po_number", "supplier_code", "warehouse_code", "ordered_at", "eta", "eta_confirmed", "sku", "qty"],
        (
            [
                f"PO-{i // 50:06d}",
                f"SUP-{(i // 50) % SUPPLIERS:02d}",
                "BER",
                ordered.isoformat(),
                (today + dt.timedelta(days=10 + (i // 50) % 20)).isoformat(),
                "true",
                sku,
                100,
            ]
            for i, sku in enumerate(s for s, units in zip(skus, stock, strict=True) if units == 0)
        ),
    )
    start = dt.datetime.combine(today - dt.timedelta(days=30), dt.time(8))

    def lines():
        for i in range(n):
            order = i // 2
            at = start + dt.timedelta(minutes=order * 30 * 24 * 60 // max(n // 2, 1))
            promised = (today + dt.timedelta(days=rng.randint(2, 30))).isoformat() if rng.random() < 0.3 else ""
            sku = skus[rng.randrange(n)]
            yield [
                f"SO-{order:07d}",
                f"C-{order % (n // 10 or 1):06d}",
                f"Customer {order % (n // 10 or 1)}",
                f"c{order % (n // 10 or 1)}@example.com",
                "web",
                "BER",
                at.isoformat(sep=" ", timespec="minutes"),
                sku,
                rng.randint(1, 3),
                "19.99",
                promised,
            ]

    write(
        out / "orders.csv",
        [
            "order_number",
            "customer_code",
            "customer_name",
            "customer_email",
            "channel",
            "warehouse_code",
            "ordered_at",
            "sku",
            "qty",
            "unit_price",
            "promised_date",
        ],
        lines(),
    )
    print(f"wrote {n:,} products, stock rows and order lines to {out}")


if __name__ == "__main__":
    main()
