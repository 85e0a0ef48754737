"""Write the files that ``hash_files.py`` hashes: 200 files of 0.5 to 1.5 MB (200 MB in all).

Usage: ``python3 make_files.py DIRECTORY``. The contents come from a fixed seed, so the manifest
``hash_files.py`` prints is the same on every machine (``expected_output.txt``).
"""

import random
import sys
from pathlib import Path

FILE_COUNT = 200
SEED = 20240601


def make_files(directory, count=FILE_COUNT, seed=SEED):
    """Writes ``count`` files into ``directory`` and returns their paths in order."""
    rng = random.Random(seed)
    pool_size = 4 << 20
    pool = rng.getrandbits(8 * pool_size).to_bytes(pool_size, "little")
    paths = []
    for index in range(count):
        size = rng.randrange(500_000, 1_500_000)
        offset = rng.randrange(pool_size - size)
        path = directory / f"part-{index:03d}.dat"
        path.write_bytes(index.to_bytes(4, "big") + pool[offset:offset + size])
        paths.append(path)
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_files.py DIRECTORY")
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    make_files(target)
