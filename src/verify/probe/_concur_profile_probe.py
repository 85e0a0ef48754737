"""concur profile's probe: measures the loops of a program that concur instrumented.

`concur profile` copies the project, rewrites the candidate loops of the copy so that they call
this module (on the same lines and columns as before, so that tracebacks and line numbers do not
move), puts this file's directory on PYTHONPATH and runs the user's command there. Standard
library only, for Python 3.8 to 3.13. The instrumented code calls:

    loop(site, iterable)           for TARGET in loop(7, ITERABLE):  /  [... for x in loop(8, xs)]
    element(site, value)           the element of a comprehension (its value is returned as is)
    pausing(sites, value)          around a `yield` in a loop body: the generator is suspended,
    resumed(sites, value)          and the time until it resumes is not the loop's

`loop` returns an iterator over the same items, fetched one at a time when the loop asks (never
ahead), and records per loop ("site"): entries, iterations, wall and CPU time (thread CPU time)
per iteration, the pickled size of sampled items and of the values the map stage hands to the
commit stage, and how much the process's peak RSS grew while it ran. A sampler thread sleeps
1 ms at a time and measures how late it wakes up: while a thread runs pure Python it holds the
GIL and the sampler waits about the switch interval (5 ms); while it waits on I/O or runs
native code that releases the GIL, the sampler wakes at once. Each sample is charged to the
loops running at that moment.

Cheap loops would be slowed down by timing each iteration, so a loop whose iterations (or
entries) prove cheap is switched to counting only: its iterations are counted with len() when
it runs over a list, tuple, str, range, dict... to the end, and estimated from the timed entries
otherwise; its time is extrapolated from the timed part.

Every process writes its own file to $CONCUR_PROFILE_DIR: at exit (atexit; in multiprocessing
workers, their exit finalizers), and every second from the sampler thread in case the process
is killed or leaves through os._exit. Forked children start from empty figures.

    python3 _concur_profile_probe.py --measure-pools

prints, as JSON, what starting pools costs on this machine: a thread pool and a process pool of
one worker per CPU (and a spawn pool, which the hybrid rewrite uses), the hand-off cost per item
and per byte, and how well pure-Python work (processes) and GIL-releasing native work (threads)
scale over the CPUs here.
"""
import atexit
import os
import pickle
import sys
import threading
import time

_now = time.perf_counter
_cpu = time.thread_time
_ident = threading.get_ident

# A timed loop costs about 0.3 microseconds per iteration and a few per entry (thread CPU time
# is a system call): below these means, counting is enough.
_CHEAP_ITERATION = 6e-6
_CHEAP_ENTRY = 60e-6
_TIMED_ITERATIONS = 1000
_TIMED_ENTRIES = 50
# Iterations shorter than this on average are timed one in _STRIDE (thread CPU time is a system
# call of about a microsecond); the others are only counted.
_CHEAP_TIMING = 20e-6
_STRIDE = 64
_KEEP = 256
_SIZE_SAMPLES = 32
_PICKLE_BUDGET = 0.05
_SAMPLE_SLEEP = 0.001
_FLUSH_EVERY = 1.0
_SIZED = frozenset([list, tuple, str, bytes, bytearray, range, dict, set, frozenset, type({}.keys()), type({}.values()), type({}.items())])


class _Sample(object):
    """Up to 2 * _KEEP values spread evenly over all the values seen (every stride-th one)."""

    __slots__ = ("values", "stride", "seen")

    def __init__(self):
        self.values = []
        self.stride = 1
        self.seen = 0

    def add(self, value):
        self.seen += 1
        if self.seen % self.stride == 0:
            self.values.append(value)
            if len(self.values) >= 2 * _KEEP:
                self.values = self.values[1::2]
                self.stride *= 2


class _Site(object):
    __slots__ = (
        "id", "names", "generator", "entries", "timed_entries", "light", "sized_ok", "counted_iterations",
        "light_sized_iterations", "light_unsized_entries", "early", "unfinished", "outer_wall", "outer_cpu",
        "timed_wall", "iter_wall_sum", "iter_count", "iter_wall_max", "iter_cpu_sum", "iter_cpu_count",
        "walls", "cpus", "cheap", "iter_delay_sum", "delays_measured", "item_sizes", "result_sizes", "unpicklable", "pickle_seconds",
        "gil_samples", "gil_period", "gil_held", "threads", "rss_peak", "rss_growth", "comprehension",
    )

    def __init__(self, site_id, names, generator, comprehension):
        self.id = site_id
        self.names = names
        # Its iterations may be suspended (generator expressions, `yield` in the body).
        self.generator = generator
        # Its element reports the values a comprehension builds (`element`).
        self.comprehension = comprehension
        self.entries = 0
        self.timed_entries = 0
        self.light = False
        self.sized_ok = True
        self.counted_iterations = 0
        self.light_sized_iterations = 0
        self.light_unsized_entries = 0
        self.early = 0
        self.unfinished = 0
        self.outer_wall = 0.0
        self.outer_cpu = 0.0
        self.timed_wall = 0.0
        self.iter_wall_sum = 0.0
        self.iter_count = 0
        self.iter_wall_max = 0.0
        self.iter_cpu_sum = 0.0
        self.iter_cpu_count = 0
        self.walls = _Sample()
        self.cpus = _Sample()
        self.cheap = False
        self.iter_delay_sum = 0.0
        self.delays_measured = 0
        self.item_sizes = []
        self.result_sizes = []
        self.unpicklable = {}
        self.pickle_seconds = 0.0
        self.gil_samples = 0
        self.gil_period = 0.0
        self.gil_held = 0.0
        self.threads = set()
        self.rss_peak = 0
        self.rss_growth = 0


class _Entry(object):
    """One execution of a loop, from `loop()` until its iterator is exhausted or closed."""

    __slots__ = (
        "site", "active", "outer", "start", "start_cpu", "thread", "iterating", "iter_start", "iter_cpu",
        "mark", "mark_cpu", "pause", "pause_cpu", "suspended", "suspended_cpu", "suspended_total",
        "suspended_cpu_total", "overhead", "overhead_cpu", "rss", "iter_delay", "delay_total", "start_delay", "timed_wall", "count",
        "pause_delay", "mark_delay", "suspended_delay",
    )

    def __init__(self, site):
        self.site = site
        self.active = True
        self.outer = True
        self.iterating = False
        self.iter_start = 0.0
        self.iter_cpu = None
        self.mark = 0.0
        self.mark_cpu = None
        self.pause = 0.0
        self.pause_cpu = None
        self.suspended = 0.0
        self.suspended_cpu = 0.0
        self.suspended_total = 0.0
        self.suspended_cpu_total = 0.0
        self.overhead = 0.0
        self.overhead_cpu = 0.0
        self.rss = None
        self.iter_delay = None
        self.delay_total = 0.0
        self.start_delay = 0.0
        self.timed_wall = 0.0
        # Iterations so far (updated on timed ones), for a flush while the loop runs.
        self.count = 0
        # Waiting for a CPU while suspended is the consumer's: read at pauses and marks too.
        self.pause_delay = None
        self.mark_delay = None
        self.suspended_delay = 0.0


def _load_sites():
    path = os.environ.get("CONCUR_PROFILE_SITES")
    sites = []
    if not path:
        return sites
    try:
        import json

        with open(path, "r", encoding="utf-8") as handle:
            table = json.load(handle)
    except (OSError, ValueError):
        return sites
    for number, entry in enumerate(table):
        sites.append(_Site(number, tuple(entry.get("names") or ()), bool(entry.get("generator")), entry.get("kind", "for") != "for"))
    return sites


_sites = _load_sites()
# Per site: an iteration is being timed, so its element (comprehensions) reports to it.
_watching = [False] * len(_sites)
_stacks = {}
_local = threading.local()
_state = {"pid": os.getpid(), "started": time.time(), "started_at": _now(), "sampler": None, "stopping": False, "flushed_final": False, "samples": 0}
_reinit_needed = False


def _maxrss():
    try:
        import resource

        scale = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    except Exception:
        return 0


_SCHEDSTAT = "/proc/thread-self/schedstat" if os.path.exists("/proc/thread-self/schedstat") else None
_sched_fds = {}


def _run_delay():
    """Seconds this thread has spent runnable but waiting for a CPU (Linux), 0.0 elsewhere.

    On a busy machine a thread is often ready to run but not running: that is neither the
    loop's work nor its waiting, so it is taken out of its times."""
    if _SCHEDSTAT is None:
        return 0.0
    thread = _ident()
    fd = _sched_fds.get(thread)
    for _ in range(2):
        try:
            if fd is None:
                fd = _sched_fds[thread] = os.open(_SCHEDSTAT, os.O_RDONLY)
            return int(os.pread(fd, 128, 0).split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            # Closed by the program (its number may now be another file's: leave it alone).
            _sched_fds.pop(thread, None)
            fd = None
    return 0.0


def _start_sampler():
    if _state["sampler"] is not None or _state["stopping"]:
        return
    thread = threading.Thread(target=_sample, name="concur-profile-sampler", daemon=True)
    _state["sampler"] = thread
    try:
        thread.start()
    except RuntimeError:
        # Interpreter shutting down: no more threads.
        pass


def _sample():
    """Wake-up latency of a sleeping thread, charged to the loops running meanwhile."""
    try:
        switch = sys.getswitchinterval()
        held_after = max(0.0015, 0.5 * switch)
        last = _now()
        next_flush = last + _FLUSH_EVERY
        pid = os.getpid()
        while not _state["stopping"] and os.getpid() == pid:
            delay = _run_delay()
            started = _now()
            time.sleep(_SAMPLE_SLEEP)
            woke = _now()
            # Late because another thread kept the GIL, not because the machine had no CPU free.
            held = (woke - started - _SAMPLE_SLEEP) - (_run_delay() - delay) >= held_after
            period = woke - last
            last = woke
            _state["samples"] += 1
            for stack in tuple(_stacks.values()):
                for entry in tuple(stack):
                    if entry.active:
                        site = entry.site
                        site.gil_samples += 1
                        site.gil_period += period
                        if held:
                            site.gil_held += period
            if woke >= next_flush:
                next_flush = woke + _FLUSH_EVERY
                _flush(final=False)
    except Exception:
        # The probe must never disturb the program: a failing sampler just stops sampling.
        pass


def _reinit():
    """In a forked child: the parent's figures are the parent's."""
    global _reinit_needed, _sites, _stacks, _local, _watching
    _reinit_needed = False
    _sites = [_Site(s.id, s.names, s.generator, s.comprehension) for s in _sites]
    _watching = [False] * len(_sites)
    _stacks = {}
    _local = threading.local()
    _state.update(pid=os.getpid(), started=time.time(), started_at=_now(), sampler=None, stopping=False, flushed_final=False, samples=0)
    # multiprocessing's forked workers leave through os._exit after running their finalizers.
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        try:
            util.Finalize(None, _final_flush, exitpriority=-100)
        except Exception:
            pass


def _after_fork():
    global _reinit_needed
    _reinit_needed = True
    # Those files are the parent's threads'.
    _sched_fds.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def loop(site_id, iterable):
    """The items of `iterable`, measured as iterations of loop `site_id`."""
    if _reinit_needed:
        _reinit()
    try:
        site = _sites[site_id]
    except IndexError:
        return iterable
    site.entries += 1
    if site.light:
        if site.sized_ok and type(iterable) in _SIZED:
            site.light_sized_iterations += len(iterable)
        else:
            site.light_unsized_entries += 1
        return iterable
    iterator = iter(iterable)
    entry = _Entry(site)
    thread = _ident()
    entry.thread = thread
    site.threads.add(thread)
    stack = _stacks.get(thread)
    if stack is None:
        stack = _stacks[thread] = []
    for other in stack:
        if other.site is site:
            entry.outer = False
            break
    stack.append(entry)
    if _state["sampler"] is None:
        _start_sampler()
    if site.timed_entries < _TIMED_ENTRIES or site.timed_wall >= _CHEAP_ENTRY * site.timed_entries * 20:
        entry.rss = _maxrss()
    entry.start_delay = _run_delay()
    entry.start = _now()
    entry.start_cpu = _cpu()
    return _timed(site, iterator, entry)


def _size_of(value):
    """Bytes of `value` pickled; (None, type name) when it does not pickle."""
    kind = type(value)
    if kind is bytes or kind is bytearray:
        return len(value) + 5, None
    if kind is str and len(value) > 256:
        return len(value.encode("utf-8", "surrogatepass")) + 5, None
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)), None
    except Exception:
        return None, kind.__name__


def _record_size(site, sizes, value):
    """Sample the pickled size of one value; returns its time (wall, CPU): the probe's, not the loop's."""
    started = _now()
    started_cpu = _cpu()
    size, unpicklable = _size_of(value)
    if size is not None:
        sizes.append(size)
    else:
        site.unpicklable[unpicklable] = site.unpicklable.get(unpicklable, 0) + 1
    spent = _now() - started
    site.pickle_seconds += spent
    return spent, _cpu() - started_cpu


def _due(site, sizes, n):
    """Whether iteration `n` (1-based) is sampled for sizes: 1, 2, 3, 4, 6, 8, 12, 16, 24, ..."""
    if len(sizes) >= _SIZE_SAMPLES or site.pickle_seconds >= _PICKLE_BUDGET:
        return False
    if n <= 4:
        return True
    high = 1 << (n.bit_length() - 1)
    return n == high or n == high + (high >> 1)


def _record_results(site, frame):
    local = frame.f_locals
    values = []
    for name in site.names:
        try:
            values.append(local[name])
        except KeyError:
            return 0.0, 0.0
    if not values:
        return 0.0, 0.0
    return _record_size(site, site.result_sizes, values[0] if len(values) == 1 else tuple(values))


def _add_overhead(entry, spent):
    entry.overhead += spent[0]
    entry.overhead_cpu += spent[1]


_seed = [12345]


def _gap():
    """1 to 2 * _STRIDE - 1, pseudo-random: a fixed stride would time every other item of a
    loop whose odd and even items differ (trial division of odd and even numbers)."""
    _seed[0] = (_seed[0] * 1103515245 + 12345) & 0x7FFFFFFF
    return 1 + (_seed[0] >> 8) % (2 * _STRIDE - 1)


def _timed(site, iterator, entry):
    n = 0
    due = 0
    complete = False
    watch = site.generator or site.comprehension
    number = site.id
    try:
        for item in iterator:
            n += 1
            if n < due and site.cheap:
                # Cheap iterations: counted, and one in about _STRIDE timed.
                yield item
                continue
            due = n + _gap()
            entry.count = n
            if _due(site, site.item_sizes, n):
                _add_overhead(entry, _record_size(site, site.item_sizes, item))
            entry.suspended = 0.0
            entry.suspended_cpu = 0.0
            entry.mark = 0.0
            entry.mark_cpu = None
            entry.mark_delay = None
            entry.suspended_delay = 0.0
            if watch:
                _current()[number] = entry
                _watching[number] = True
            entry.iterating = True
            entry.active = True
            # Waiting for a CPU is worth a system call only in iterations long enough to suffer it.
            entry.iter_delay = _run_delay() if site.delays_measured < 8 or site.iter_wall_sum >= 200e-6 * site.iter_count else None
            entry.iter_cpu = _cpu()
            entry.iter_start = _now()
            yield item
            ended = _now()
            _watching[number] = False
            _end_iteration(site, entry, ended)
            if site.names and _due(site, site.result_sizes, n):
                _add_overhead(entry, _record_results(site, sys._getframe(1)))
        complete = True
    finally:
        _watching[number] = False
        _end_entry(site, entry, n, complete)


def _current():
    try:
        return _local.current
    except AttributeError:
        _local.current = {}
        return _local.current


def _end_iteration(site, entry, ended):
    entry.iterating = False
    if entry.mark:
        # A generator expression: the element was ready at the mark; from there until the
        # consumer asked for the next one, the generator was suspended.
        entry.suspended_total += ended - entry.mark
        ended_cpu = entry.mark_cpu
        ended = entry.mark
    else:
        ended_cpu = None
    wall = ended - entry.iter_start - entry.suspended
    now_cpu = _cpu()
    if ended_cpu is None:
        ended_cpu = now_cpu
    else:
        entry.suspended_cpu_total += now_cpu - ended_cpu
    cpu = ended_cpu - entry.iter_cpu - entry.suspended_cpu
    if cpu < 0.0:
        cpu = 0.0
    if entry.iter_delay is not None:
        # Read around the iteration, so it can exceed it: never more than its time off the CPU.
        end_delay = entry.mark_delay if entry.mark and entry.mark_delay is not None else _run_delay()
        delay = min(end_delay - entry.iter_delay - entry.suspended_delay, wall - cpu)
        if delay > 0.0:
            wall -= delay
            entry.delay_total += delay
            site.iter_delay_sum += delay
        site.delays_measured += 1
    elif site.cheap and wall > 1e-3 and wall > 50.0 * site.iter_wall_sum / site.iter_count and wall > cpu:
        # A cheap iteration that took a thousand times its usual time was most likely
        # descheduled (a busy machine): count its CPU time only.
        entry.delay_total += wall - cpu
        site.iter_delay_sum += wall - cpu
        wall = cpu
    if wall < 0.0:
        wall = 0.0
    entry.timed_wall += wall
    site.iter_wall_sum += wall
    site.iter_count += 1
    if wall > site.iter_wall_max:
        site.iter_wall_max = wall
    site.walls.add(wall)
    site.iter_cpu_sum += cpu
    site.iter_cpu_count += 1
    site.cpus.add(cpu)
    if not site.cheap and site.iter_count >= 32 and site.iter_wall_sum < _CHEAP_TIMING * site.iter_count:
        site.cheap = True


def _end_entry(site, entry, n, complete):
    ended = _now()
    ended_cpu = _cpu()
    if entry.iterating:
        # Left by break, return or an exception, or a generator closed mid-iteration.
        _end_iteration(site, entry, ended)
    entry.active = False
    stack = _stacks.get(entry.thread)
    if stack is not None:
        for index in range(len(stack) - 1, -1, -1):
            if stack[index] is entry:
                del stack[index]
                break
    wall = ended - entry.start - entry.suspended_total - entry.overhead - entry.delay_total
    cpu = max(0.0, ended_cpu - entry.start_cpu - entry.suspended_cpu_total - entry.overhead_cpu)
    # Waiting for a CPU that the iterations did not measure themselves (they are short): taken
    # out of the entry, and out of the timed iterations in proportion to their share of it. Not
    # for generators: their consumer's waits fall in their suspensions.
    if not site.generator:
        residual = min(_run_delay() - entry.start_delay - entry.delay_total, wall - cpu)
        if residual > 0.0:
            share = min(1.0, entry.timed_wall / wall)
            site.iter_wall_sum = max(0.0, site.iter_wall_sum - residual * share)
            site.iter_delay_sum += residual * share
            wall -= residual
    if wall < 0.0:
        wall = 0.0
    if cpu < 0.0:
        cpu = 0.0
    site.timed_entries += 1
    site.counted_iterations += n
    site.timed_wall += wall
    if entry.outer:
        site.outer_wall += wall
        site.outer_cpu += cpu
    if not complete:
        site.early += 1
        site.sized_ok = False
    if entry.rss is not None:
        peak = _maxrss()
        if peak > site.rss_peak:
            site.rss_peak = peak
        if peak - entry.rss > site.rss_growth:
            site.rss_growth = peak - entry.rss
    if (site.iter_count >= _TIMED_ITERATIONS and site.iter_wall_sum < _CHEAP_ITERATION * site.iter_count) or (
        site.timed_entries >= _TIMED_ENTRIES and site.timed_wall < _CHEAP_ENTRY * site.timed_entries
    ):
        site.light = True


def element(site_id, value):
    """The element of a comprehension: marks when a generator expression's item is ready."""
    try:
        if not _watching[site_id]:
            return value
    except IndexError:
        return value
    site = _sites[site_id]
    entry = _current().get(site_id)
    if entry is not None and entry.iterating:
        if site.generator:
            entry.mark = _now()
            entry.mark_cpu = _cpu()
            if entry.iter_delay is not None:
                entry.mark_delay = _run_delay()
            entry.active = False
        if _due(site, site.result_sizes, site.iter_count + 1):
            spent = _record_size(site, site.result_sizes, value)
            if not site.generator:
                # Within the iteration: not the element's time. (A generator expression's
                # iteration ended at the mark; the time after it is already left out.)
                _add_overhead(entry, spent)
                entry.iter_start += spent[0]
                entry.iter_cpu += spent[1]
    return value


def _entries_of(sites):
    current = _current()
    return [current.get(site_id) for site_id in sites]


def pausing(sites, value):
    """Before a `yield` in the body of loops `sites`: they stop running until `resumed`."""
    now = _now()
    for entry in _entries_of(sites):
        if entry is not None and entry.iterating:
            entry.pause = now
            entry.pause_cpu = _cpu()
            if entry.iter_delay is not None:
                entry.pause_delay = _run_delay()
            entry.active = False
    return value


def resumed(sites, value):
    """After that `yield`: the time the generator was suspended is not the loops' time."""
    now = _now()
    for entry in _entries_of(sites):
        if entry is not None and entry.pause:
            gap = now - entry.pause
            entry.suspended += gap
            entry.suspended_total += gap
            if entry.pause_cpu is not None:
                gap_cpu = _cpu() - entry.pause_cpu
                entry.suspended_cpu += gap_cpu
                entry.suspended_cpu_total += gap_cpu
            if entry.pause_delay is not None:
                entry.suspended_delay += _run_delay() - entry.pause_delay
                entry.pause_delay = None
            entry.pause = 0.0
            entry.pause_cpu = None
            entry.active = True
    return value


def _running(now):
    """Per site: entries still running, their iterations so far, and their time so far."""
    running = {}
    for stack in tuple(_stacks.values()):
        for entry in tuple(stack):
            figures = running.setdefault(entry.site.id, [0, 0, 0.0])
            figures[0] += 1
            figures[1] += entry.count
            if entry.outer:
                figures[2] += max(0.0, now - entry.start - entry.suspended_total - entry.overhead - entry.delay_total)
    return running


def _site_record(site, running):
    entries, iterations, wall = running.get(site.id, (0, 0, 0.0))
    return {
        "entries": site.entries,
        "timed_entries": site.timed_entries + entries,
        "counted_iterations": site.counted_iterations + iterations,
        "light_sized_iterations": site.light_sized_iterations,
        "light_unsized_entries": site.light_unsized_entries,
        "early": site.early,
        "unfinished": site.unfinished + entries,
        "outer_wall": site.outer_wall + wall,
        "outer_cpu": site.outer_cpu,
        "timed_wall": site.timed_wall,
        "iter_count": site.iter_count,
        "iter_wall_sum": site.iter_wall_sum,
        "iter_wall_max": site.iter_wall_max,
        "iter_cpu_count": site.iter_cpu_count,
        "iter_cpu_sum": site.iter_cpu_sum,
        "iter_delay_sum": site.iter_delay_sum,
        "walls": site.walls.values,
        "cpus": site.cpus.values,
        "item_sizes": site.item_sizes,
        "result_sizes": site.result_sizes,
        "unpicklable": site.unpicklable,
        "gil_samples": site.gil_samples,
        "gil_period": site.gil_period,
        "gil_held": site.gil_held,
        "threads": len(site.threads),
        "main_thread": threading.main_thread().ident in site.threads,
        "rss_peak": site.rss_peak,
        "rss_growth": site.rss_growth,
        "light": site.light,
    }


def _flush(final):
    directory = os.environ.get("CONCUR_PROFILE_DIR")
    if not directory:
        return
    import json

    pid = os.getpid()
    ended = _now()
    running = _running(ended)
    record = {
        "pid": pid,
        "ppid": os.getppid(),
        "executable": sys.executable,
        "version": "%d.%d.%d" % sys.version_info[:3],
        "gil": bool(getattr(sys, "_is_gil_enabled", lambda: True)()),
        "started": _state["started"],
        "seconds": ended - _state["started_at"],
        "cpu_seconds": time.process_time(),
        "max_rss_bytes": _maxrss(),
        "switch_interval": sys.getswitchinterval(),
        "gil_samples": _state["samples"],
        "run_delay_seconds": _run_delay() if threading.current_thread() is threading.main_thread() else None,
        "final": final,
        "sites": {str(site.id): _site_record(site, running) for site in _sites if site.entries},
    }
    name = "probe-%d-%d%s.json" % (pid, int(_state["started"] * 1e6), "" if final else ".partial")
    path = os.path.join(directory, name)
    temporary = "%s.%d.tmp" % (path, _ident())
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        os.replace(temporary, path)
    except OSError:
        pass


def _final_flush():
    if _state["flushed_final"] or _state["pid"] != os.getpid() or _reinit_needed:
        return
    _state["flushed_final"] = True
    _state["stopping"] = True
    # Loops still running (generators never finished, daemon threads cut off by the exit) are
    # reported with their figures so far: `_flush` adds them.
    _flush(final=True)


atexit.register(_final_flush)


# ---------------------------------------------------------------- --measure-pools


def _noop(value):
    return value


def _size(value):
    return len(value)


def _spin(rounds):
    """Pure-Python work; returns its wall time and the part of it spent waiting for a CPU."""
    delay = _run_delay()
    started = _now()
    total = 0
    for number in range(rounds):
        total += number % 7
    return _now() - started, _run_delay() - delay


def _hash_chunks(data, rounds):
    """GIL-releasing native work, as file hashing does it; returns like `_spin`."""
    import hashlib

    delay = _run_delay()
    started = _now()
    for _ in range(rounds):
        digest = hashlib.sha256()
        for start in range(0, len(data), 65536):
            digest.update(data[start:start + 65536])
    return _now() - started, _run_delay() - delay


def _cpu_count():
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _pool_startup(make, workers, repeats):
    """Seconds to create a pool, start every worker (one task each) and shut it down."""
    times = []
    for _ in range(repeats):
        started = _now()
        pool = make(workers)
        try:
            for future in [pool.submit(_noop, n) for n in range(workers)]:
                future.result()
        finally:
            pool.shutdown(wait=True)
        times.append(_now() - started)
    return _median(times)


def _per_item(pool, items, chunksize):
    started = _now()
    list(pool.map(_noop, items, chunksize=chunksize)) if chunksize else list(pool.map(_noop, items))
    return (_now() - started) / len(items)


def _scaling(run, workers):
    """How many times one worker's throughput `workers` workers reach together (1 to workers).

    `run(n)` runs the same work in n workers at once and returns each one's (wall time, time
    spent waiting for a CPU). Waiting for a CPU is left out, so that other programs keeping
    the machine busy do not pass for the work's own limits; and the best of three tries counts."""

    def effective(n):
        return min(max(wall - delay for wall, delay in run(n)) for _ in range(3))

    one = effective(1)
    many = effective(workers)
    if many <= 0.0:
        return float(workers)
    return max(1.0, min(float(workers), workers * one / many))


def measure_pools():
    import concurrent.futures as futures
    import multiprocessing

    workers = _cpu_count()
    result = {"cpus": workers, "python": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable}
    result["gil"] = bool(getattr(sys, "_is_gil_enabled", lambda: True)())

    threads = {"workers": workers, "startup_seconds": _pool_startup(futures.ThreadPoolExecutor, workers, 5)}
    with futures.ThreadPoolExecutor(workers) as pool:
        _per_item(pool, range(200), None)
        threads["per_item_seconds"] = _per_item(pool, range(2000), None)
    result["threads"] = threads

    method = multiprocessing.get_start_method()
    processes = {"workers": workers, "start_method": method}
    try:
        processes["startup_seconds"] = _pool_startup(futures.ProcessPoolExecutor, workers, 3)
        with futures.ProcessPoolExecutor(workers) as pool:
            _per_item(pool, range(50), 1)
            per_item = _per_item(pool, range(400), 1)
            processes["per_item_seconds"] = per_item
            blob = b"x" * 262144
            started = _now()
            list(pool.map(_size, [blob] * 32, chunksize=1))
            processes["per_byte_seconds"] = max(0.0, (_now() - started) / 32 - per_item) / len(blob)

            # Pure-Python work: one process alone, then one per CPU at once.
            rounds = 1
            while _spin(rounds)[0] < 0.03:
                rounds *= 2

            def spin(n):
                return [future.result() for future in [pool.submit(_spin, rounds) for _ in range(n)]]

            spin(workers)
            result["python_scaling"] = _scaling(spin, workers)
        if method != "spawn":
            spawn = multiprocessing.get_context("spawn")
            result["spawn"] = {
                "workers": workers,
                "startup_seconds": _pool_startup(lambda n: futures.ProcessPoolExecutor(n, mp_context=spawn), workers, 1),
            }
        else:
            result["spawn"] = {"workers": workers, "startup_seconds": processes["startup_seconds"]}
    except (OSError, NotImplementedError, RuntimeError) as error:
        processes["error"] = "%s: %s" % (type(error).__name__, error)
    result["processes"] = processes

    # GIL-releasing native work: sha256 over 64 KiB chunks, in one thread, then one per CPU.
    data = os.urandom(1 << 20)
    rounds = 1
    while _hash_chunks(data, rounds)[0] < 0.03:
        rounds *= 2
    with futures.ThreadPoolExecutor(workers) as pool:

        def hash_in(n):
            return [future.result() for future in [pool.submit(_hash_chunks, data, rounds) for _ in range(n)]]

        hash_in(workers)
        result["native_scaling"] = _scaling(hash_in, workers)
    return result


if __name__ == "__main__":
    if sys.argv[1:] == ["--measure-pools"]:
        import json

        print(json.dumps(measure_pools()))
    else:
        sys.stderr.write("usage: _concur_profile_probe.py --measure-pools\n")
        sys.exit(2)
