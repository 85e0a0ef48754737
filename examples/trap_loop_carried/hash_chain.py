"""Seal an append-only audit log with a hash chain.

Each entry's seal is the SHA-256 of the previous seal followed by the entry, so changing any
entry changes every seal after it. The log is 1,000 entries of 16 KiB generated from a seed.
"""

import hashlib
import random

ENTRY_COUNT = 1_000
ENTRY_SIZE = 16 * 1024
GENESIS = bytes(32)


def make_entries(count=ENTRY_COUNT, size=ENTRY_SIZE, seed=99):
    """Deterministic log entries: slices of one random pool, each prefixed with its number."""
    rng = random.Random(seed)
    pool_size = 1 << 20
    pool = rng.getrandbits(8 * pool_size).to_bytes(pool_size, "little")
    step = (pool_size - size) // count
    return [index.to_bytes(8, "big") + pool[index * step:index * step + size] for index in range(count)]


def main():
    entries = make_entries()
    digest = GENESIS
    seals = []
    for entry in entries:
        digest = hashlib.sha256(digest + entry).digest()
        seals.append(digest.hex())
    for number in range(0, len(seals), 100):
        print(f"entry {number:>4}: {seals[number]}")
    print(f"head after {len(seals)} entries: {digest.hex()}")


if __name__ == "__main__":
    main()
