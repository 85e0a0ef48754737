"""Price a batch of orders in place and keep running statistics in a shared object.

``price_order`` writes ``subtotal``, ``discount`` and ``total`` into each order dict and
records the order in ``stats``; the caller reads both after the loop.
"""

import random

ORDER_COUNT = 1_000
REGIONS = ["north", "south", "east", "west"]


class OrderStats:
    """Counts orders and sums totals per region (plain attributes, no lock)."""

    def __init__(self):
        self.orders = 0
        self.revenue_by_region = {}

    def record(self, order):
        self.orders += 1
        region = order["region"]
        self.revenue_by_region[region] = self.revenue_by_region.get(region, 0) + order["total"]


def make_orders(count=ORDER_COUNT, seed=2024):
    rng = random.Random(seed)
    orders = []
    for number in range(count):
        lines = [(rng.randrange(1, 6), rng.randrange(100, 20_000)) for _ in range(rng.randrange(50, 150))]
        orders.append({"id": f"ord-{number:04d}", "region": rng.choice(REGIONS), "lines": lines})
    return orders


def discount_for(order):
    """Volume discount in cents: 1% per 10 units over 100 units, at most 15%."""
    units = sum(quantity for quantity, _ in order["lines"])
    percent = min(15, max(0, (units - 100) // 10))
    return order["subtotal"] * percent // 100


def price_order(order, stats):
    """Fills in the order's subtotal, discount and total (cents, VAT included); records it."""
    subtotal = 0
    for quantity, unit_cents in order["lines"]:
        for _ in range(quantity):  # unit by unit, as the legacy rounding rules require
            subtotal += unit_cents - unit_cents // 97
    order["subtotal"] = subtotal
    order["discount"] = discount_for(order)
    net = order["subtotal"] - order["discount"]
    order["total"] = net + (net * 21 + 50) // 100
    stats.record(order)


def main():
    orders = make_orders()
    stats = OrderStats()
    for order in orders:
        price_order(order, stats)
    for order in orders[:5]:
        print(f"{order['id']}: subtotal {order['subtotal']}, discount {order['discount']}, total {order['total']}")
    print(f"orders priced: {stats.orders}, grand total {sum(order['total'] for order in orders)}")
    for region in REGIONS:
        print(f"{region:<6} {stats.revenue_by_region.get(region, 0)}")


if __name__ == "__main__":
    main()
