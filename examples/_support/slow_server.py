"""A local HTTP server with a fixed latency, for the I/O-bound examples and their benchmarks.

Every GET waits ``latency`` seconds and then answers with a body derived only from the
request path (no clock, no randomness), so a program that downloads from it prints the
same thing on every run while spending its time waiting on the network, like a real client.

Two ways to run it:

* as a subprocess: ``python3 slow_server.py [--latency 0.05] [--port 0]``; the first line on
  stdout is the base URL (``http://127.0.0.1:PORT``), printed once the socket is listening.
  SIGTERM or Ctrl-C stops it cleanly (exit status 0).
* in-process, on a background thread::

      from slow_server import serve_in_background
      with serve_in_background(latency=0.05) as base_url:
          ...  # fetch f"{base_url}/files/001.bin"

Bodies: ``/anything?size=N`` returns N bytes (0 <= N <= 16 MiB); without ``size`` the length is
derived from the path (512 to 8191 bytes). Standard library only, Python 3.8+.
"""

import argparse
import contextlib
import hashlib
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEFAULT_LATENCY = 0.05
MAX_SIZE = 16 * 1024 * 1024


def body_for(path, size=None):
    """The deterministic body served for ``path`` (the path part of the URL, without query)."""
    seed = hashlib.sha256(path.encode("utf-8")).digest()
    if size is None:
        size = 512 + int.from_bytes(seed[:2], "big") % 7680
    blocks = []
    produced = 0
    counter = 0
    while produced < size:
        block = hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        blocks.append(block)
        produced += len(block)
        counter += 1
    return b"".join(blocks)[:size]


class SlowHandler(BaseHTTPRequestHandler):
    """Answers every GET after the server's fixed latency."""

    server_version = "SlowServer/1.0"

    def do_GET(self):
        url = urlsplit(self.path)
        size = None
        sizes = parse_qs(url.query).get("size")
        if sizes:
            try:
                size = int(sizes[0])
            except ValueError:
                size = -1
            if not 0 <= size <= MAX_SIZE:
                self.send_error(400, "size must be an integer from 0 to %d" % MAX_SIZE)
                return
        time.sleep(self.server.latency)
        body = body_for(url.path, size)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        # Quiet: the examples' output must stay deterministic, and stderr clean.
        pass


class SlowServer(ThreadingHTTPServer):
    """A thread per request, so concurrent clients overlap their waits."""

    daemon_threads = True
    # The default backlog of 5 makes bursts of concurrent connections wait for SYN retries.
    request_queue_size = 128

    def __init__(self, host="127.0.0.1", port=0, latency=DEFAULT_LATENCY):
        if latency < 0:
            raise ValueError("latency must not be negative")
        self.latency = latency
        super().__init__((host, port), SlowHandler)

    @property
    def base_url(self):
        host, port = self.server_address[:2]
        return "http://%s:%d" % (host, port)


@contextlib.contextmanager
def serve_in_background(latency=DEFAULT_LATENCY, host="127.0.0.1", port=0):
    """Runs a SlowServer on a background thread; yields its base URL, stops it on exit."""
    server = SlowServer(host, port, latency)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="slow-server", daemon=True)
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _stop(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serve deterministic bodies after a fixed latency.")
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY,
                        help="seconds to wait before each response (default: %(default)s)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    args = parser.parse_args(argv)
    if args.latency < 0:
        parser.error("--latency must not be negative")

    server = SlowServer(args.host, args.port, args.latency)
    signal.signal(signal.SIGTERM, _stop)
    print(server.base_url, flush=True)
    try:
        server.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
