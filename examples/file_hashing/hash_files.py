"""Print a SHA-256 manifest (the format of ``sha256sum``) of the files in a directory.

Usage: ``python3 hash_files.py DIRECTORY`` (``make_files.py`` writes a test set). Each file is
read in chunks, as a checksum tool must do for files that do not fit in memory.
"""

import hashlib
import sys
from functools import partial
from pathlib import Path

CHUNK_SIZE = 64 * 1024


def files_in(directory):
    """The regular files directly in ``directory``, by name."""
    return sorted((path for path in Path(directory).iterdir() if path.is_file()), key=lambda path: path.name)


def sha256_file(path):
    """The hex SHA-256 of the file at ``path``, read CHUNK_SIZE bytes at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(partial(stream.read, CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: hash_files.py DIRECTORY")
    paths = files_in(sys.argv[1])
    total_bytes = 0
    for path in paths:
        checksum = sha256_file(path)
        total_bytes += path.stat().st_size
        print(f"{checksum}  {path.name}")
    print(f"total: {len(paths)} files, {total_bytes} bytes")


if __name__ == "__main__":
    main()
