"""Aggregate revenue and units per product category over a directory of monthly sales exports.

Usage: ``python3 aggregate_sales.py DIRECTORY`` (``make_sales_files.py`` writes a test set).
Each ``sales-*.csv`` file is parsed and summarised on its own; the per-file summaries are then
merged in file-name order, so categories are listed in the order they were first seen. Amounts
are integer cents: the totals are exact.
"""

import csv
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

FISCAL_YEAR = 2023


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
    if len(sys.argv) != 2:
        sys.exit("usage: aggregate_sales.py DIRECTORY")
    paths = sorted(Path(sys.argv[1]).glob("sales-*.csv"))
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
