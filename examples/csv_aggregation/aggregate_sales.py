"""Aggregate revenue and units per product category over a set of monthly sales exports.

Eight CSV files are generated first, in a temporary directory, from a fixed seed (about 20,000
rows each, a few of them malformed as in real exports). Each file is parsed and summarised on
its own; the per-file summaries are then merged in file order, so categories are listed in the
order they were first seen. Amounts are integer cents: the totals are exact.
"""

import csv
import random
import tempfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path

FILE_COUNT = 8
ROWS_PER_FILE = 20_000
SEED = 7
CATEGORIES = ["Garden", "Kitchen", "Toys", "Books", "Outdoor", "Office", "Pets", "Tools", "Audio", "Bath"]
STORES = ["berlin", "lisbon", "oslo", "porto", "riga", "turin"]
FISCAL_YEAR = 2023


def make_sales_files(directory, count=FILE_COUNT, rows=ROWS_PER_FILE, seed=SEED):
    """Writes ``count`` CSV exports into ``directory``; returns their paths in order."""
    rng = random.Random(seed)
    paths = []
    for month in range(1, count + 1):
        path = directory / f"sales-{FISCAL_YEAR}-{month:02d}.csv"
        lines = ["date,store,category,sku,quantity,unit_price\n"]
        for _ in range(rows):
            bits = rng.getrandbits(64)
            day = 1 + bits % 28
            # About 2% of the rows belong to the next year and 0.5% are malformed: both are skipped.
            year = FISCAL_YEAR + 1 if (bits >> 5) % 50 == 0 else FISCAL_YEAR
            category = CATEGORIES[(bits >> 11) % len(CATEGORIES)]
            if (bits >> 15) % 10 == 0:
                category = f" {category.upper()} "
            quantity = "n/a" if (bits >> 19) % 200 == 0 else str(1 + (bits >> 27) % 11)
            store = STORES[(bits >> 31) % len(STORES)]
            sku = (bits >> 34) % 100_000
            price = 99 + (bits >> 51)  # 0.99 to 82.90
            lines.append(f"{year}-{month:02d}-{day:02d},{store},{category},SKU-{sku:05d},{quantity},"
                         f"{price // 100}.{price % 100:02d}\n")
        path.write_text("".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def parse_cents(text):
    """'19.9' -> 1990; raises ValueError on anything that is not a non-negative decimal."""
    whole, _, fraction = text.strip().partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()) or len(fraction) > 2:
        raise ValueError(f"not a price: {text!r}")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def summarize(path):
    """Revenue (cents) and units per category in one export, and the number of rows skipped."""
    revenue = defaultdict(int)
    units = defaultdict(int)
    skipped = 0
    with open(path, newline="", encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            try:
                sold_on = datetime.strptime(row["date"], "%Y-%m-%d")
                quantity = int(row["quantity"])
                cents = parse_cents(row["unit_price"])
            except ValueError:
                skipped += 1
                continue
            if sold_on.year != FISCAL_YEAR:
                skipped += 1
                continue
            category = row["category"].strip().lower()
            revenue[category] += quantity * cents
            units[category] += quantity
    return dict(revenue), dict(units), skipped


def main():
    with tempfile.TemporaryDirectory(prefix="csv-aggregation-") as tmp:
        paths = make_sales_files(Path(tmp))
        revenue = defaultdict(int)
        units = defaultdict(int)
        skipped = 0
        for path in paths:
            file_revenue, file_units, file_skipped = summarize(path)
            for category, cents in file_revenue.items():
                revenue[category] += cents
            for category, count in file_units.items():
                units[category] += count
            skipped += file_skipped
    for category, cents in revenue.items():
        print(f"{category:<8} {units[category]:>7} units {cents // 100:>11}.{cents % 100:02d}")
    total = sum(revenue.values())
    print(f"total: {len(paths)} files, {sum(units.values())} units, {total // 100}.{total % 100:02d}, {skipped} rows skipped")


if __name__ == "__main__":
    main()
