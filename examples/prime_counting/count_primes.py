"""Count the primes in 16 consecutive ranges by trial division, in pure Python.

A script in the plain style: the work runs at import time, at module level, with no
``if __name__ == "__main__":`` guard.
"""

RANGE_COUNT = 16
RANGE_WIDTH = 50_000


def is_prime(n):
    """Trial division by 2 and by every odd number up to the square root."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    divisor = 3
    while divisor * divisor <= n:
        if n % divisor == 0:
            return False
        divisor += 2
    return True


def count_primes(start, stop):
    """How many primes are in ``range(start, stop)``."""
    return sum(1 for n in range(start, stop) if is_prime(n))


ranges = [(start, start + RANGE_WIDTH) for start in range(0, RANGE_COUNT * RANGE_WIDTH, RANGE_WIDTH)]
total = 0
for start, stop in ranges:
    count = count_primes(start, stop)
    total += count
    print(f"[{start:>7}, {stop:>7}): {count:>5} primes")
print(f"total: {total} primes below {ranges[-1][1]}")
