"""Export customer records to one JSON file each, validating them on the way.

The fifth record has an invalid date: validation raises ``ValueError``, the export stops there,
and the program reports how far it got, which files it wrote, and exits with status 1.
"""

import hashlib
import json
import sys
import tempfile
from datetime import date
from pathlib import Path

RECORDS = [
    {"id": 101, "name": "Ada Lovelace", "joined": "2021-03-14", "plan": "pro"},
    {"id": 102, "name": "Alan Turing", "joined": "2020-06-23", "plan": "free"},
    {"id": 103, "name": "Grace Hopper", "joined": "2019-12-09", "plan": "team"},
    {"id": 104, "name": "Edsger Dijkstra", "joined": "2022-05-11", "plan": "pro"},
    {"id": 105, "name": "Barbara Liskov", "joined": "2022-02-30", "plan": "team"},
    {"id": 106, "name": "Donald Knuth", "joined": "2018-01-10", "plan": "free"},
    {"id": 107, "name": "Frances Allen", "joined": "2023-08-04", "plan": "pro"},
    {"id": 108, "name": "John Backus", "joined": "2021-11-27", "plan": "team"},
    {"id": 109, "name": "Margaret Hamilton", "joined": "2020-09-17", "plan": "pro"},
    {"id": 110, "name": "Ken Thompson", "joined": "2019-04-02", "plan": "free"},
]
PLANS = {"free", "pro", "team"}


def validate(record):
    """A normalised copy of ``record``; raises ValueError naming the record if it is invalid."""
    try:
        joined = date.fromisoformat(record["joined"])
    except ValueError:
        raise ValueError(f"record {record['id']}: bad date {record['joined']!r}") from None
    if record["plan"] not in PLANS:
        raise ValueError(f"record {record['id']}: unknown plan {record['plan']!r}")
    return {"id": record["id"], "name": record["name"].strip(), "joined": joined.isoformat(), "plan": record["plan"]}


def export(record, directory):
    """Writes the validated record to ``directory/<id>.json``; returns the path."""
    clean = validate(record)
    path = directory / f"customer-{clean['id']}.json"
    path.write_text(json.dumps(clean, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main():
    with tempfile.TemporaryDirectory(prefix="exception-midway-") as tmp:
        directory = Path(tmp)
        exported = []
        status = 0
        try:
            for record in RECORDS:
                exported.append(export(record, directory))
        except ValueError as error:
            print(f"export stopped after {len(exported)} of {len(RECORDS)} records: {error}")
            status = 1
        for path in sorted(directory.iterdir()):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            print(f"wrote {path.name} ({path.stat().st_size} bytes, sha256 {digest})")
    return status


if __name__ == "__main__":
    sys.exit(main())
