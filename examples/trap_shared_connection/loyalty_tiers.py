"""Assign a loyalty tier to every customer from their order history in a SQLite database.

One connection serves the whole run: for each customer the program queries the orders table,
computes the tier and inserts it into the tiers table. The database (20,000 orders for 300
customers) is built first in a temporary directory from a fixed seed.
"""

import random
import sqlite3
import tempfile
from pathlib import Path

CUSTOMER_COUNT = 300
ORDER_COUNT = 20_000
TIERS = [(260_000, "platinum"), (230_000, "gold"), (200_000, "silver"), (0, "bronze")]


def build_database(path, seed=31):
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, cents INTEGER NOT NULL)")
    conn.execute("CREATE INDEX orders_customer ON orders (customer)")
    conn.execute("CREATE TABLE tiers (customer TEXT PRIMARY KEY, orders INTEGER, cents INTEGER, tier TEXT)")
    conn.executemany(
        "INSERT INTO orders (customer, cents) VALUES (?, ?)",
        [(f"cust-{rng.randrange(CUSTOMER_COUNT):03d}", rng.randrange(500, 6_000)) for _ in range(ORDER_COUNT)],
    )
    conn.commit()
    return conn


def tier_for(spent_cents):
    for threshold, name in TIERS:
        if spent_cents >= threshold:
            return name
    return "none"


def main():
    with tempfile.TemporaryDirectory(prefix="shared-connection-") as tmp:
        conn = build_database(str(Path(tmp) / "shop.db"))
        customers = [f"cust-{number:03d}" for number in range(CUSTOMER_COUNT)]
        for customer in customers:
            count, spent = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(cents), 0) FROM orders WHERE customer = ?", (customer,)
            ).fetchone()
            conn.execute(
                "INSERT INTO tiers (customer, orders, cents, tier) VALUES (?, ?, ?, ?)",
                (customer, count, spent, tier_for(spent)),
            )
        conn.commit()
        rows = conn.execute("SELECT tier, COUNT(*), SUM(cents) FROM tiers GROUP BY tier ORDER BY MIN(rowid)").fetchall()
        top = conn.execute("SELECT customer, cents FROM tiers ORDER BY cents DESC, customer LIMIT 3").fetchall()
        conn.close()
    for tier, members, cents in rows:
        print(f"{tier:<9} {members:>3} customers {cents:>10} cents")
    for customer, cents in top:
        print(f"top: {customer} {cents}")


if __name__ == "__main__":
    main()
