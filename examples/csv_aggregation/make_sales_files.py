"""Write the monthly sales exports that ``aggregate_sales.py`` summarises.

Usage: ``python3 make_sales_files.py DIRECTORY``: eight CSV files of 20,000 rows each, a few rows
malformed or from the wrong year as in real exports, from a fixed seed, so that the totals
``aggregate_sales.py`` prints are the same on every machine (``expected_output.txt``).
"""

import random
import sys
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


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_sales_files.py DIRECTORY")
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    make_sales_files(target)
