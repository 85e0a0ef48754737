"""Request handlers, all `async def`."""
import asyncio
import time

import requests

from . import load_profile
from .storage import Store, wait_for_lock_file


async def audit(event):
    await asyncio.sleep(0)
    return event


async def profile_handler(path):
    profile = load_profile(path)  # blocks: load_profile -> _read_json -> open
    return profile


async def health_handler(url):
    time.sleep(0.05)  # a blocking pause on the event loop
    response = requests.get(url, timeout=5)
    return response.status_code


async def stats_handler(store: Store):
    wait_for_lock_file("/tmp/stats.lock")
    return store.count()


async def event_handler(event):
    audit(event)  # never awaited: the audit record is never written
    asyncio.create_task(audit(event))  # dropped: may be garbage-collected mid-flight
    return "ok"


async def offloaded_handler(path):
    # Correct: the blocking work runs in a worker thread.
    return await asyncio.to_thread(load_profile, path)
