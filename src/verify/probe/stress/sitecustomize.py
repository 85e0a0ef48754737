"""concur verify's stress tracer: forces thread switches at the racy sites concur's analysis names.

A stress run of `concur verify` puts a directory holding a copy of this file first on
PYTHONPATH and names a plan in CONCUR_STRESS_PLAN, so every Python process of the run (the
command, and the Pythons it starts) imports it at start-up as `sitecustomize`. Standard library only, Python 3.8 to 3.13.
Without CONCUR_STRESS_PLAN, importing it does nothing.

It only ever waits (sleeps, and blocking waits on a lock of its own, both without the GIL): it
never changes a value, an order of evaluation or a code object, so a correct program computes
what it computes without it. What it
does, in each process:

- shrinks the switch interval (`sys.setswitchinterval`), so that the GIL changes hands often;
- looks at each code object once, when it first runs, and watches only those of the plan's
  files that hold a switch point: on 3.12 and later through `sys.monitoring` (instruction and
  line events of those code objects alone), before through a trace function (`sys.settrace`,
  and `threading.settrace` for threads started later; every other call costs a dictionary
  lookup);
- pauses at each switch point, when another thread is alive (alone, a pause forces nothing),
  until another thread reaches a switch point or the site's `wait` is over, at most
  `wait_budget` seconds in all per process (see `pause`), then the site's `pause` more:
    store        just before a store opcode on the lines of a read-modify-write: the value has
                 been read and computed, not yet written (`total += 1`, `d[k] = d.get(k, 0) + 1`);
    line         when a line starts: the act of a check-then-act on a line of its own, or the
                 inner acquisition of a lock-order inversion (the outer lock is held);
    after-check  just after the conditional jump of a check-then-act written on one line;
    with-entry   before each `with` acquisition of a line holding both (`with a, b:`);
  each site pauses at most `budget` times per process, then once every `sample_every` passes,
  so that a hot loop stays affordable;
- logs to CONCUR_STRESS_OUT/stress-<pid>.log: `active <pid> <version>` at start, `fired <site>`
  at a site's first pause, `count <site> <pauses> <passes>` at exit;
- registers faulthandler on SIGUSR1 (all threads, to CONCUR_STRESS_OUT/hang-<pid>.txt): concur
  sends SIGUSR1 to a run that does not finish in time, just before killing it, to say where
  each thread waits;
- then runs the `sitecustomize` it shadows, if there is one, and takes its own directory off
  sys.path, so that the program sees the path it would have seen.

Python started with -I, -E or -S does not read PYTHONPATH or sitecustomize: it runs untraced,
and concur reports that the tracer never started.
"""
import os
import sys

STORE_OPS = frozenset(["STORE_GLOBAL", "STORE_NAME", "STORE_DEREF", "STORE_FAST", "STORE_ATTR", "STORE_SUBSCR", "STORE_SLICE"])
NAME_STORE_OPS = frozenset(["STORE_GLOBAL", "STORE_NAME", "STORE_DEREF", "STORE_FAST"])
WITH_OPS = frozenset(["SETUP_WITH", "BEFORE_WITH"])
# Code objects whose stores on a racy line are the comprehension's or lambda's own (3.8 to 3.11).
NESTED_NAMES = frozenset(["<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>", "<lambda>"])


def instruction_lines(code):
    """(instruction, line) for each instruction of `code`, in offset order (line may be None)."""
    import dis

    line = None
    for instruction in dis.get_instructions(code):
        if hasattr(instruction, "line_number"):  # 3.13: starts_line is a bool
            line = instruction.line_number
        elif instruction.starts_line is not None:
            line = instruction.starts_line
        yield instruction, line


def _is_conditional_jump(opname):
    return "JUMP_IF" in opname or opname.startswith("POP_JUMP")


def _root_name(target):
    """`total` for `total`; None for `self.n`, `counts[k]`."""
    return target if target and target.isidentifier() else None


def _last_attribute(target):
    """`n` for `self.n` and `Stats.hits`; None otherwise."""
    if not target or "." not in target or "[" in target:
        return None
    last = target.rsplit(".", 1)[1]
    return last if last.isidentifier() else None


def switch_points(code, sites):
    """Where `code` pauses for `sites` (plan entries of its file): ({offset: [site ids]}, {line: [site ids]}).

    Offsets are byte offsets into co_code, as frame.f_lasti reports them; lines are the lines
    whose start (a 'line' trace event) pauses.
    """
    offsets = {}
    lines = {}
    first = code.co_firstlineno
    instructions = None
    for site in sites:
        kind = site["switch"]
        line = site["line"]
        end = site.get("end_line", line)
        if kind == "line":
            # A line of this code object only: the function's own lines (nested functions have theirs).
            if instructions is None:
                instructions = list(instruction_lines(code))
            if any(l == line for _, l in instructions):
                lines.setdefault(line, []).append(site["id"])
            continue
        if instructions is None:
            instructions = list(instruction_lines(code))
        if kind == "store":
            if code.co_name in NESTED_NAMES or end < first:
                continue
            on_lines = [(i, l) for i, l in instructions if l is not None and line <= l <= end and i.opname in STORE_OPS]
            target = site.get("target")
            root = _root_name(target)
            attribute = _last_attribute(target)

            def matches(instruction):
                if instruction.opname in NAME_STORE_OPS:
                    return root is not None and instruction.argval == root
                if instruction.opname == "STORE_ATTR":
                    return attribute is not None and instruction.argval == attribute
                return "[" in (target or "[")  # an item store: the container's

            chosen = [i for i, _ in on_lines if matches(i)]
            if not chosen:
                # The target is written some other way: any store but a local's.
                chosen = [i for i, _ in on_lines if i.opname != "STORE_FAST"]
            for instruction in chosen:
                offsets.setdefault(instruction.offset, []).append(site["id"])
        elif kind == "after-check":
            jumped = False
            for instruction, l in instructions:
                if l != line:
                    continue
                if jumped:
                    offsets.setdefault(instruction.offset, []).append(site["id"])
                    break
                jumped = _is_conditional_jump(instruction.opname)
        elif kind == "with-entry":
            for instruction, l in instructions:
                if l == line and instruction.opname in WITH_OPS:
                    offsets.setdefault(instruction.offset, []).append(site["id"])
    return offsets, lines


class _Tracer(object):
    """The trace functions and the pause bookkeeping of one process."""

    def __init__(self, plan, out_dir):
        import threading
        import time

        self.sleep = time.sleep
        self.clock = time.monotonic
        self.active_count = threading.active_count
        # The rendezvous (see pause): switch-point arrivals so far, signalled through a condition
        # (a waiting thread blocks without the GIL instead of polling for it, which under load
        # starved the thread that was to start the others), and, after a wait no other thread
        # ended, how many threads were alive then (0: none).
        self.condition = threading.Condition(threading.Lock())
        self.arrivals = 0
        self.lonely_with = 0
        # Seconds spent in rendezvous waits, and the most a process may spend (then pauses are plain).
        self.waited = 0.0
        self.wait_budget = float(plan.get("wait_budget", 2.0))
        self.out_dir = out_dir
        self.sample_every = max(1, int(plan.get("sample_every", 64)))
        self.sites = {}
        self.by_file = {}
        for site in plan.get("sites", []):
            self.sites[site["id"]] = site
            self.by_file.setdefault(os.path.normcase(site["file"]), []).append(site)
        self.start_cwd = os.getcwd()
        self.files = {}  # co_filename -> the plan's sites of that file, or None
        self.codes = {}  # code object -> its local trace function, or None
        self.counts = {}  # site id -> [pauses, passes]
        self.log = None

    # --- logging --------------------------------------------------------------------------

    def open_log(self):
        try:
            self.log = open(os.path.join(self.out_dir, "stress-%d.log" % os.getpid()), "a", buffering=1)
            self.log.write("active %d %d.%d\n" % ((os.getpid(),) + tuple(sys.version_info[:2])))
        except OSError:
            self.log = None

    def write(self, line):
        if self.log is not None:
            try:
                self.log.write(line + "\n")
            except (OSError, ValueError):
                pass

    def write_counts(self):
        for site_id, (pauses, passes) in sorted(self.counts.items()):
            self.write("count %d %d %d" % (site_id, pauses, passes))

    def after_fork(self):
        import threading

        self.counts = {}
        self.condition = threading.Condition(threading.Lock())  # the parent's may be held by a thread the child lacks
        self.waited = 0.0
        self.lonely_with = 0
        self.open_log()

    # --- tracing --------------------------------------------------------------------------

    def sites_of(self, filename):
        if filename in self.files:
            return self.files[filename]
        sites = None
        if filename and not filename.startswith("<"):
            absolute = filename if os.path.isabs(filename) else os.path.join(self.start_cwd, filename)
            sites = self.by_file.get(os.path.normcase(os.path.realpath(absolute)))
        self.files[filename] = sites
        return sites

    def points_for(self, code):
        """switch_points of `code`, or None when it has none."""
        sites = self.sites_of(code.co_filename)
        if not sites:
            return None
        try:
            offsets, lines = switch_points(code, sites)
        except Exception:  # an unusual code object: leave it alone rather than break the program
            return None
        if not offsets and not lines:
            return None
        return offsets, lines

    # sys.settrace, 3.8 to 3.11: a local trace function for the frames of code with switch points.

    def local_for(self, code):
        points = self.points_for(code)
        if points is None:
            return None
        offsets, lines = points
        pause = self.pause

        def local(frame, event, arg):
            if event == "opcode":
                ids = offsets.get(frame.f_lasti)
                if ids is not None:
                    pause(ids)
            elif event == "line":
                ids = lines.get(frame.f_lineno)
                if ids is not None:
                    pause(ids)
            return local

        local.wants_opcodes = bool(offsets)
        local.wants_lines = bool(lines)
        return local

    def global_trace(self, frame, event, arg):
        code = frame.f_code
        try:
            local = self.codes[code]
        except KeyError:
            local = self.codes[code] = self.local_for(code)
        if local is None:
            return None
        frame.f_trace_lines = local.wants_lines
        if local.wants_opcodes:
            frame.f_trace_opcodes = True
        return local

    # sys.monitoring, 3.12 and later: instruction and line events for code with switch points only.
    # (settrace's per-frame f_trace_opcodes is unreliable on 3.12 once threads start: measured
    # here, 4 of 40 runs of a racy program never paused.) Every event a location does not need
    # is disabled after its first firing, so untouched code runs at full speed.

    def install_monitoring(self):
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is None:
            return False
        tool = next((t for t in (3, 4) if monitoring.get_tool(t) is None), None)
        if tool is None:
            return False
        monitoring.use_tool_id(tool, "concur verify stress")
        events = monitoring.events
        disable = monitoring.DISABLE
        points = {}

        def on_start(code, offset):
            if code not in points:
                found = points[code] = self.points_for(code)
                if found is not None:
                    offsets, lines = found
                    wanted = (events.INSTRUCTION if offsets else 0) | (events.LINE if lines else 0)
                    monitoring.set_local_events(tool, code, wanted)
            return disable

        def on_instruction(code, offset):
            found = points.get(code)
            ids = found[0].get(offset) if found is not None else None
            if ids is None:
                return disable
            self.pause(ids)

        def on_line(code, line):
            found = points.get(code)
            ids = found[1].get(line) if found is not None else None
            if ids is None:
                return disable
            self.pause(ids)

        monitoring.register_callback(tool, events.PY_START, on_start)
        monitoring.register_callback(tool, events.INSTRUCTION, on_instruction)
        monitoring.register_callback(tool, events.LINE, on_line)
        monitoring.set_events(tool, events.PY_START)
        return True

    def pause(self, ids):
        """Waits at a switch point, other threads running meanwhile.

        A rendezvous rather than a fixed sleep: the thread waits, at least the site's pause,
        until another thread reaches a switch point too (it has then read the same value, made
        the same check, or taken its first lock), at most the site's `wait`. Threads started a
        little apart, or slowed by a loaded machine, still meet at the racy site. A wait that
        times out (no other thread comes: the others are done, or not started yet) makes the
        next ones plain pauses until a new thread starts; and the waits of a process add up to
        at most `wait_budget` seconds, so that a stress run takes a bounded time longer.
        """
        longest = 0.0
        wait = 0.0
        alive = self.active_count()
        for site_id in ids:
            counts = self.counts.get(site_id)
            if counts is None:
                counts = self.counts[site_id] = [0, 0]
            counts[1] += 1
            if alive < 2:
                continue
            site = self.sites[site_id]
            if counts[0] >= site.get("budget", 1000) and counts[1] % self.sample_every:
                continue
            counts[0] += 1
            if counts[0] == 1:
                self.write("fired %d" % site_id)
            longest = max(longest, site.get("pause", 0.0001))
            wait = max(wait, site.get("wait", 0.0))
        if longest <= 0:
            return
        if alive > self.lonely_with:
            self.lonely_with = 0
        with self.condition:
            self.arrivals += 1
            mine = self.arrivals
            self.condition.notify_all()
            if not self.lonely_with and wait > longest and self.waited < self.wait_budget:
                started = self.clock()
                deadline = started + wait
                while self.arrivals == mine:
                    remaining = deadline - self.clock()
                    if remaining <= 0:
                        self.lonely_with = alive
                        break
                    self.condition.wait(remaining)
                self.waited += self.clock() - started
        self.sleep(longest)


def _register_hang_dump(out_dir):
    import faulthandler
    import signal

    if not hasattr(signal, "SIGUSR1"):
        return
    try:
        handle = open(os.path.join(out_dir, "hang-%d.txt" % os.getpid()), "w")
    except OSError:
        return
    _register_hang_dump.handle = handle  # kept open: faulthandler writes to its descriptor
    faulthandler.register(signal.SIGUSR1, file=handle, all_threads=True, chain=False)


def install(plan, out_dir):
    import atexit
    import threading

    tracer = _Tracer(plan, out_dir)
    tracer.open_log()
    interval = plan.get("switch_interval")
    if interval:
        sys.setswitchinterval(float(interval))
    _register_hang_dump(out_dir)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=lambda: (tracer.after_fork(), _register_hang_dump(out_dir)))
    atexit.register(tracer.write_counts)
    if tracer.sites and not (sys.version_info >= (3, 12) and tracer.install_monitoring()):
        sys.settrace(tracer.global_trace)
        threading.settrace(tracer.global_trace)
    return tracer


def _run_shadowed_sitecustomize():
    """Takes this directory off sys.path, then runs the sitecustomize it hid, if any."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]
    import importlib.machinery
    import importlib.util

    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


def _main():
    plan_path = os.environ.get("CONCUR_STRESS_PLAN")
    out_dir = os.environ.get("CONCUR_STRESS_OUT")
    if not plan_path or not out_dir:
        return
    try:
        import json

        with open(plan_path, encoding="utf-8") as handle:
            plan = json.load(handle)
    except (OSError, ValueError):
        plan = None
    if plan is not None:
        install(plan, out_dir)
    if __name__ == "sitecustomize":
        _run_shadowed_sitecustomize()


_main()
