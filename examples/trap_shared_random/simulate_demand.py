"""Monte Carlo estimate of stock-outs for 16 inventory policies, from one seeded random stream.

``random.seed(42)`` makes the whole run reproducible: each policy draws its simulated daily
demand from the module-level generator, after the policies before it.
"""

import random

DAYS = 50_000
POLICIES = [(reorder_point, order_size) for reorder_point in (4, 8, 12, 16) for order_size in (20, 40, 60, 80)]


def simulate(reorder_point, order_size, days=DAYS):
    """Days out of stock and average stock level for one reorder policy."""
    stock = order_size
    pending = 0
    out_of_stock = 0
    stock_days = 0
    for _ in range(days):
        stock += pending
        pending = 0
        demand = int(random.random() * 10) + int(random.random() * 10)
        if demand > stock:
            out_of_stock += 1
            stock = 0
        else:
            stock -= demand
        if stock < reorder_point:
            pending = order_size
        stock_days += stock
    return out_of_stock, stock_days / days


def main():
    random.seed(42)
    for reorder_point, order_size in POLICIES:
        out_of_stock, average_stock = simulate(reorder_point, order_size)
        print(f"reorder at {reorder_point:>3}, order {order_size:>3}: "
              f"{out_of_stock:>5} days out of stock, average stock {average_stock:8.3f}")


if __name__ == "__main__":
    main()
