"""Print a SHA-256 manifest (the format of ``sha256sum``) for a directory of files.

The files are generated first, in a temporary directory, from a fixed seed: 200 files of a few
hundred kilobytes each. Each file is read in chunks, as a checksum tool must do for files that
do not fit in memory.
"""

import hashlib
import random
import tempfile
from functools import partial
from pathlib import Path

FILE_COUNT = 200
CHUNK_SIZE = 64 * 1024
SEED = 20240601


def make_files(directory, count=FILE_COUNT, seed=SEED):
    """Writes ``count`` files of 200-600 KB into ``directory``; returns their paths in order."""
    rng = random.Random(seed)
    pool_size = 1 << 20
    pool = rng.getrandbits(8 * pool_size).to_bytes(pool_size, "little")
    paths = []
    for index in range(count):
        size = rng.randrange(200_000, 600_000)
        offset = rng.randrange(pool_size - size)
        path = directory / f"part-{index:03d}.dat"
        path.write_bytes(index.to_bytes(4, "big") + pool[offset:offset + size])
        paths.append(path)
    return paths


def sha256_file(path):
    """The hex SHA-256 of the file at ``path``, read CHUNK_SIZE bytes at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(partial(stream.read, CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main():
    with tempfile.TemporaryDirectory(prefix="file-hashing-") as tmp:
        paths = make_files(Path(tmp))
        total_bytes = 0
        for path in paths:
            checksum = sha256_file(path)
            total_bytes += path.stat().st_size
            print(f"{checksum}  {path.name}")
        print(f"total: {len(paths)} files, {total_bytes} bytes")


if __name__ == "__main__":
    main()
