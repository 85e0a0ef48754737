"""Run commands and measure them: wall time, CPU time and peak memory of each one's process tree.

`concur verify` needs CPU time and memory of the user's command, which Node's child_process does
not report. Standard library only, for Python 3.8 to 3.13. Two ways to use it:

    python3 -I -S run_measured.py RESULT.json -- CMD [ARG...]

runs CMD once, with this launcher's working directory, environment, stdin, stdout and stderr,
writes one JSON object to RESULT.json (to a temporary name, then renamed) and exits with CMD's
status (128 + N when signal N killed it, 127 when it could not start).

    python3 -I -S run_measured.py --serve

is what concur verify uses: one launcher for all the runs, so that no run pays for starting a
Python interpreter. It reads one JSON request per line on stdin,

    {"argv": [...], "cwd": "...", "env": {...}, "stdout": "FILE", "stderr": "FILE"}

starts the command in a new process group of its own (its pid is the group id) with stdin
/dev/null and stdout and stderr written to those files, answers {"pid": N} at once (so that the
caller can kill the group on a timeout), then the result object when the command has ended. It
exits at the end of its stdin.

The result object:

    wall_seconds        from just before the command is started until it has been reaped
    user_seconds,       CPU time of the command and of every descendant it waited for
    sys_seconds         (os.wait4's rusage; a process nobody waited for is not counted)
    max_rss_bytes       the largest peak resident set of any one of those processes (ru_maxrss)
    tree_rss_bytes      the largest sum of the resident sets of the processes in the command's
                        process group, from /proc samples (Linux only; 0 elsewhere): a lower
                        bound of the real peak
    samples             how many samples that took
    exit_code, signal   how the command ended (one of them is null)
    error               set instead when the command could not be started

The samples are spread out (0.05 s, 0.15 s and 0.3 s after the start, then every 0.5 s) so that
reading /proc costs the measured program next to nothing.
"""
import os
import select
import sys
import time

try:
    import _signal as signal  # the C module: `signal` imports enum, which slows every start
except ImportError:  # pragma: no cover - other implementations
    import signal

# Fields of /proc/PID/stat after the command name: state is field 3; pgrp 5, rss 24 (in pages).
_PGRP = 5 - 3
_RSS = 24 - 3
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_SAMPLE_AT = (0.05, 0.15, 0.3)
_SAMPLE_EVERY = 0.5
# Python ignores SIGPIPE (and SIGXFSZ); the command gets the defaults, as from a shell.
_DEFAULT_SIGNALS = [signal.SIGPIPE] + ([signal.SIGXFSZ] if hasattr(signal, "SIGXFSZ") else [])
_SAMPLE_PROC = os.path.isdir("/proc/self")


def _group_rss(group, own_pid):
    """The summed resident set (bytes) of the processes in `group`, except this launcher."""
    total = 0
    try:
        names = os.listdir("/proc")
    except OSError:
        return 0
    for name in names:
        if not name.isdigit() or int(name) == own_pid:
            continue
        try:
            with open("/proc/" + name + "/stat", "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        fields = data[data.rfind(b")") + 2 :].split()
        try:
            if int(fields[_PGRP]) == group:
                total += int(fields[_RSS]) * _PAGE
        except (IndexError, ValueError):
            continue
    return total


def _json(value):
    """JSON for the few kinds of value written here (importing json would slow every start)."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = "".join(c if ord(c) >= 32 and c not in '"\\' else "\\u%04x" % ord(c) for c in value)
        return '"' + escaped + '"'
    if isinstance(value, dict):
        return "{" + ", ".join(_json(str(k)) + ": " + _json(v) for k, v in value.items()) + "}"
    raise TypeError(type(value))


def _status(status):
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status), None
    return None, None


def _wakeup_pipe():
    """SIGCHLD writes to this pipe, so that select() sees the end of a command without polling."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda number, frame: None)
    return wake_read


def measure(argv, env, group_of_command, wake_read, file_actions=(), on_start=None):
    """Starts argv, waits for it and returns the result object (see the module's docstring).

    group_of_command: True to start the command in a new process group (its pid), False to keep
    it in this launcher's group (whose processes, this one excepted, are then sampled).
    """
    own_pid = os.getpid()
    started = time.perf_counter()
    try:
        options = {"setpgroup": 0} if group_of_command else {}
        pid = os.posix_spawnp(argv[0], argv, env, file_actions=list(file_actions), setsigdef=_DEFAULT_SIGNALS, **options)
    except OSError as error:
        return {"error": "cannot start %s: %s" % (argv[0], error.strerror or error)}
    if on_start is not None:
        on_start(pid)
    group = pid if group_of_command else os.getpgrp()

    tree_rss = 0
    samples = 0
    schedule = list(_SAMPLE_AT)
    while True:
        waited, status, usage = os.wait4(pid, os.WNOHANG)
        if waited == pid:
            break
        elapsed = time.perf_counter() - started
        due = schedule[0] if schedule else (samples - len(_SAMPLE_AT) + 1) * _SAMPLE_EVERY + _SAMPLE_AT[-1]
        if _SAMPLE_PROC and elapsed >= due:
            tree_rss = max(tree_rss, _group_rss(group, own_pid))
            samples += 1
            if schedule:
                schedule.pop(0)
            continue
        try:
            select.select([wake_read], [], [], max(0.0, due - elapsed) if _SAMPLE_PROC else None)
        except InterruptedError:
            pass
        try:
            while os.read(wake_read, 512):
                pass
        except (BlockingIOError, InterruptedError):
            pass
    wall = time.perf_counter() - started

    exit_code, killed_by = _status(status)
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return {
        "wall_seconds": wall,
        "user_seconds": usage.ru_utime,
        "sys_seconds": usage.ru_stime,
        "max_rss_bytes": usage.ru_maxrss * scale,
        "tree_rss_bytes": tree_rss,
        "samples": samples,
        "exit_code": exit_code,
        "signal": killed_by,
    }


def _write(path, result):
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8", errors="replace") as handle:
        handle.write(_json(result))
    os.replace(temporary, path)


def run_once(result_path, command):
    if os.getpgrp() != os.getpid():
        # Lead a group of our own, so that the samples see only the command's processes.
        try:
            os.setpgid(0, 0)
        except OSError:
            pass
    result = measure(command, dict(os.environ), False, _wakeup_pipe())
    _write(result_path, result)
    if "error" in result:
        return 127
    if result["signal"] is not None:
        return 128 + result["signal"]
    return result["exit_code"] if result["exit_code"] is not None else 1


def serve():
    import json  # only here: the one-shot mode starts faster without it

    wake_read = _wakeup_pipe()
    out = sys.stdout

    def answer(obj):
        out.write(_json(obj) + "\n")
        out.flush()

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
            (os.POSIX_SPAWN_OPEN, 2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        ]
        try:
            # posix_spawn has no working-directory action before 3.14: the launcher moves there
            # (relative program paths are then found from there too, as from a shell).
            os.chdir(request["cwd"])
        except OSError as error:
            answer({"error": "cannot enter %s: %s" % (request["cwd"], error.strerror or error)})
            continue
        result = measure(request["argv"], request["env"], True, wake_read, actions, lambda pid: answer({"pid": pid}))
        answer(result)
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--serve":
        return serve()
    if len(argv) < 4 or argv[2] != "--":
        sys.stderr.write("usage: run_measured.py RESULT.json -- CMD [ARG...]\n       run_measured.py --serve\n")
        return 2
    return run_once(argv[1], argv[3:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
