"""Download a batch of files one by one and print a checksum manifest.

The files come from a local HTTP server with a fixed latency per response
(../_support/slow_server.py), started here on a background thread, unless the environment
variable CONCUR_EXAMPLE_SERVER gives the base URL of one that is already running.
"""

import contextlib
import hashlib
import os
import sys
import urllib.request

FILE_COUNT = 40
TIMEOUT_SECONDS = 10


def fetch(url):
    """The body of ``url``; raises on HTTP errors and timeouts."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        return response.read()


def file_server():
    """A context manager that yields the base URL of the file server."""
    base_url = os.environ.get("CONCUR_EXAMPLE_SERVER")
    if base_url:
        return contextlib.nullcontext(base_url.rstrip("/"))
    support = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "_support")
    sys.path.insert(0, os.path.normpath(support))
    from slow_server import serve_in_background

    return serve_in_background()


def main():
    with file_server() as base_url:
        names = [f"files/{number:03d}.bin" for number in range(FILE_COUNT)]
        total_bytes = 0
        for name in names:
            body = fetch(f"{base_url}/{name}")
            digest = hashlib.sha256(body).hexdigest()
            total_bytes += len(body)
            print(digest, len(body), name)
    print(f"total: {len(names)} files, {total_bytes} bytes")


if __name__ == "__main__":
    main()
