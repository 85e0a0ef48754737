"""Storage helpers. They are synchronous: fine in scripts, a problem on the event loop."""
import json
import sqlite3
import time


def _read_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_profile(path):
    # Called from async handlers: this blocks the whole event loop while the disk works.
    return _read_json(path)


def wait_for_lock_file(path, attempts=3):
    for _ in range(attempts):
        time.sleep(0.1)
    return path


class Store:
    def __init__(self, database):
        self.conn = sqlite3.connect(database)

    def count(self):
        return self.conn.execute("select count(*) from sqlite_master").fetchone()[0]
