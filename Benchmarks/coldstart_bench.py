"""`make bench` suite `coldstart`: where each millisecond of a cold start goes (issue 19 item 5).

Usage: coldstart_bench.py BIN_DIR SANDBOX STATE_DIR

BIN_DIR holds the release `outpost-noop`, `noop-service` and `video-processor`; SANDBOX is the
release `outpost-sandbox` launcher (with `outpost-sandbox-no-isolation` linked beside it by this
script for the baseline). Every figure is p50 / p90 over `COLD_STARTS` (default 20) cold starts,
the variants of one row group alternating start by start so machine noise hits them alike.

Launcher level (no runtime; each start is a fresh process, its own scratch directory):
- `/bin/true` bare, through the launcher without isolation, and through the full sandbox (also
  without seccomp, and with its own network namespace): fork/exec of the launcher and the
  sandbox's set-up (user/mount/pid/ipc/uts namespaces, the filesystem view, seccomp), to exit;
- each service bare with `PORT=x` (it exits in main at the configuration check): exec → main,
  which holds the dynamic loader; and the loader alone from `LD_DEBUG=statistics` (its rdtsc
  cycles at the TSC's rate from /proc/cpuinfo);
- each service started bare (the baseline) and in the full sandbox, to its "listening" log line
  (stdout, written once the socket listens), to the moment readiness is seen, and to the first
  answer of a request after that. Readiness is seen either as the runtime's ReadinessProbe does
  it (GET /ping every 5 ms until one answers) or by notification (the runtime's pipe, the
  `OUTPOST_READY_FD` byte ServiceKit writes once it listens).

Platform level (`outpost-noop dev`, the no-op class with CONTAINER_SLEEP_AFTER=0.2 so each job
finds the image stopped): POST /api/noop/run?wait=30 → the service's "listening" line (its time
from the instance's log file) → the answer, beside the same submit with the instance warm.
"""
import datetime
import glob
import http.client
import json
import os
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from bench_support import descendants, free_port, start_outpost_noop

COLD_STARTS = int(os.environ.get("COLD_STARTS", "20"))
API = {"Content-Type": "application/json", "X-API-Key": "bench-key"}
READY_FD_ENV = "OUTPOST_READY_FD"


def tsc_hz():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1]) * 1e6
    return 1e9


def pct(values, q):
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def ms(seconds):
    return seconds * 1000.0


def run_to_exit(argv, env, bare=True):
    # A bare process gets its own session, as the launcher's setsid gives every instance (the
    # launcher itself must not be a session leader already): with the scheduler's autogroups
    # (kernel.sched_autogroup_enabled) a session is what gets a fair share of the CPU, so a bare
    # baseline left in this script's session would share one share with everything in it.
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   start_new_session=bare)
    return time.perf_counter() - t0


def loader_seconds(exe, extra_env=None):
    """The dynamic loader's own startup time (LD_DEBUG=statistics, rdtsc cycles)."""
    env = {"PORT": "x", "LD_DEBUG": "statistics"}
    env.update(extra_env or {})
    r = subprocess.run([exe], env=env, stdin=subprocess.DEVNULL, start_new_session=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in r.stderr.splitlines():
        if "total startup time in dynamic loader" in line:
            return int(line.split(":")[-1].split()[0]) / tsc_hz()
    raise SystemExit("no LD_DEBUG statistics from %s: %s" % (exe, r.stderr[-300:]))


def ping(port, timeout=2.0):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", "/ping", headers={"user-agent": "coldstart-bench"})
        r = c.getresponse()
        r.read()
        return True
    finally:
        c.close()


def probe_until_ready(port, proc, interval=0.005):
    """As ReadinessProbe: GET /ping, a refused connect means try again `interval` later."""
    while True:
        if proc.poll() is not None:
            raise SystemExit("the service exited (%s) before answering" % proc.returncode)
        try:
            if ping(port):
                return time.perf_counter()
        except OSError:
            pass
        time.sleep(interval)


class Start:
    """One cold start of a service to its first answer; the process is stopped after."""

    def __init__(self, argv, env, port, ready, pass_fds=(), cwd=None):
        self.argv, self.env, self.port, self.ready, self.pass_fds, self.cwd = argv, env, port, ready, pass_fds, cwd

    def run(self, notify_read=None):
        listened = {}
        t0 = time.perf_counter()
        proc = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, pass_fds=self.pass_fds, start_new_session=self.cwd is not None,
                                cwd=self.cwd)
        for fd in self.pass_fds:
            os.close(fd)

        def read_lines():
            for line in proc.stdout:
                if b'"listening"' in line and "t" not in listened:
                    listened["t"] = time.perf_counter()
        reader = threading.Thread(target=read_lines, daemon=True)
        reader.start()
        try:
            if self.ready == "notify":
                while True:
                    r, _, _ = select.select([notify_read], [], [], 30)
                    if not r:
                        raise SystemExit("no readiness notification within 30 s")
                    if os.read(notify_read, 1):
                        break
                    raise SystemExit("the notification pipe closed without a byte (the service does not notify)")
                t_ready = time.perf_counter()
            else:
                t_ready = probe_until_ready(self.port, proc)
            ping(self.port)
            t_first = time.perf_counter()
        finally:
            if notify_read is not None:
                os.close(notify_read)
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            reader.join(timeout=5)
        t_listen = listened.get("t", t_ready)
        return {"listen": t_listen - t0, "ready": t_ready - t0, "first": t_first - t0,
                "probe delay": t_ready - t_listen}


def sandbox_argv(launcher, scratch, env, program, extra=()):
    args = [launcher, "--dir", scratch, "--rlimit", "fsize=%d" % (8 << 30), "--rlimit", "nofile=65536",
            "--rlimit", "core=0"]
    for k, v in sorted(env.items()):
        args += ["--env", "%s=%s" % (k, v)]
    return args + list(extra) + ["--"] + program


def service_start(kind, launcher, baseline, exe, ready, state):
    """A Start of `exe`: bare, or through the full sandbox (the runtime's launcher flags)."""
    port = free_port()
    env = {"PORT": str(port), "LOG_LEVEL": "info"}
    pass_fds, notify_read = (), None
    if ready == "notify":
        r, w = os.pipe()
        os.set_inheritable(w, True)
        env[READY_FD_ENV] = str(w)
        pass_fds, notify_read = (w,), r
    scratch = tempfile.mkdtemp(dir=state)
    os.chmod(scratch, 0o700)
    if kind == "bare":
        # A fresh scratch directory as its working directory and TMPDIR, as in the sandbox.
        argv, full_env = [exe], dict(env, TMPDIR=scratch)
    else:
        env.pop(READY_FD_ENV, None)  # --ready-fd names it in the service's environment
        argv = sandbox_argv(launcher, scratch, env, [exe], ["--ready-fd", str(pass_fds[0])] if pass_fds else [])
        full_env = {}
    return Start(argv, full_env, port, ready, pass_fds, cwd=scratch if kind == "bare" else None), notify_read


def launcher_level(launcher, baseline, exes, state):
    rows = []
    true = shutil.which("true")
    variants = [
        ("bare", lambda: run_to_exit([true], {})),
        ("launcher, no isolation", lambda: run_to_exit([baseline, "--dir", state, "--", true], {}, bare=False)),
        ("full sandbox", lambda: run_to_exit(sandbox_argv(launcher, tempfile.mkdtemp(dir=state), {}, [true]), {}, bare=False)),
        ("full sandbox, no seccomp", lambda: run_to_exit(sandbox_argv(launcher, tempfile.mkdtemp(dir=state), {}, [true], ["--no-seccomp"]), {}, bare=False)),
        ("full sandbox, own network namespace", lambda: run_to_exit(sandbox_argv(launcher, tempfile.mkdtemp(dir=state), {}, [true], ["--no-network"]), {}, bare=False)),
    ]
    times = {name: [] for name, _ in variants}
    for i in range(COLD_STARTS):
        order = variants if i % 2 == 0 else list(reversed(variants))
        for name, fn in order:
            times[name].append(fn())
    for name, _ in variants:
        rows.append(("/bin/true to exit: " + name, times[name]))
    base = times["bare"]
    derived = {
        "launcher fork/exec (no isolation − bare)": [a - b for a, b in zip(times["launcher, no isolation"], base)],
        "sandbox set-up (full − no isolation)": [a - b for a, b in zip(times["full sandbox"], times["launcher, no isolation"])],
        "  of which seccomp (full − no seccomp)": [a - b for a, b in zip(times["full sandbox"], times["full sandbox, no seccomp"])],
        "  own network namespace (extra)": [a - b for a, b in zip(times["full sandbox, own network namespace"], times["full sandbox"])],
    }
    rows += list(derived.items())

    for exe in exes:
        name = os.path.basename(exe)
        to_main, loader, bind_now = [], [], []
        for _ in range(COLD_STARTS):
            to_main.append(run_to_exit([exe], {"PORT": "x"}))
            loader.append(loader_seconds(exe))
            bind_now.append(loader_seconds(exe, {"LD_BIND_NOW": "1"}))
        rows.append(("%s: exec → main → exit (PORT=x), bare" % name, to_main))
        rows.append(("%s: dynamic loader (LD_DEBUG=statistics), as run (LD_BIND_NOW unset)" % name, loader))
        rows.append(("%s: dynamic loader with LD_BIND_NOW=1 (every symbol bound at start)" % name, bind_now))
        modes = [("bare", "probe"), ("sandbox", "probe")]
        if supports_notify(launcher, baseline, exe, state):
            modes += [("bare", "notify"), ("sandbox", "notify")]
        results = {m: [] for m in modes}
        for i in range(COLD_STARTS):
            for mode in (modes if i % 2 == 0 else list(reversed(modes))):
                start, notify_read = service_start(mode[0], launcher, baseline, exe, mode[1], state)
                results[mode].append(start.run(notify_read))
        for mode in modes:
            label = "%s, %s, readiness by %s" % (name, mode[0], "polling GET /ping" if mode[1] == "probe" else "notification")
            rs = results[mode]
            rows.append((label + ": start → listening", [r["listen"] for r in rs]))
            rows.append((label + ": listening → ready seen", [r["probe delay"] for r in rs]))
            rows.append((label + ": start → first answer", [r["first"] for r in rs]))
        rows.append(("%s: service init, main → listening (bare listening − exec→main)" % name,
                     [r["listen"] - m for r, m in zip(results[("bare", "probe")], to_main)]))
    return rows


def supports_notify(launcher, baseline, exe, state):
    """True when the service writes the readiness byte and the launcher passes the pipe on."""
    try:
        start, notify_read = service_start("sandbox", launcher, baseline, exe, "notify", state)
        start.run(notify_read)
        return True
    except SystemExit as e:
        print("  (%s: no readiness notification: %s)" % (os.path.basename(exe), e))
        return False


def job(conn, label):
    conn.request("POST", "/api/noop/run?wait=30", json.dumps({"label": label}).encode(), API)
    r = conn.getresponse()
    body = r.read()
    out = json.loads(body)
    assert r.status == 200 and out.get("status") == "succeeded", (r.status, body[:300])


def listening_times(state):
    """Wall-clock times of every "listening" line in the instances' log files."""
    times = []
    for path in glob.glob(os.path.join(state, "**", "logs", "**", "*.log"), recursive=True):
        with open(path, errors="replace") as f:
            for line in f:
                if '"listening"' in line:
                    try:
                        t = json.loads(line)["time"]
                    except (ValueError, KeyError):
                        continue
                    times.append(datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp())
    return sorted(times)


def platform_level(bin_dir, state):
    outpost, port = start_outpost_noop(bin_dir, state, "coldstart-bench", variables=["CONTAINER_SLEEP_AFTER:0.2"])
    runtime_state = os.path.join(state, "state")
    try:
        while True:
            if outpost.poll() is not None:
                raise SystemExit("outpost-noop exited with %s" % outpost.returncode)
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)

        def service_running():
            for pid in descendants(outpost.pid):
                try:
                    if os.path.basename(os.readlink("/proc/%d/exe" % pid)) == "noop-service":
                        return True
                except OSError:
                    pass
            return False

        def wait_stopped():
            while service_running():
                time.sleep(0.01)
            time.sleep(0.05)  # the supervisor records the exit

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        job(conn, "warm-up")
        cold, cold_listen, warm = [], [], []
        for i in range(COLD_STARTS):
            wait_stopped()
            seen = len(listening_times(runtime_state))
            wall, t0 = time.time(), time.perf_counter()
            job(conn, "cold-%d" % i)
            cold.append(time.perf_counter() - t0)
            listens = listening_times(runtime_state)
            if len(listens) > seen:
                cold_listen.append(listens[-1] - wall)
            t0 = time.perf_counter()
            job(conn, "warm-%d" % i)
            warm.append(time.perf_counter() - t0)
        return [("platform: cold submit → job answered (?wait=)", cold),
                ("platform: cold submit → the service's listening line (log time, ms resolution)", cold_listen),
                ("platform: warm submit → job answered (baseline)", warm),
                ("platform: cold − warm (the cold start inside the platform)", [c - w for c, w in zip(cold, warm)])]
    finally:
        outpost.terminate()
        try:
            outpost.wait(timeout=30)
        except subprocess.TimeoutExpired:
            outpost.kill()
            outpost.wait()


def main():
    bin_dir, launcher, state = sys.argv[1], sys.argv[2], sys.argv[3]
    baseline = os.path.join(state, "outpost-sandbox-no-isolation")
    os.symlink(launcher, baseline)
    # The sandboxed service runs as another user: it must be able to reach its scratch directories.
    os.chmod(state, 0o755)
    exes = [os.path.join(bin_dir, "noop-service"), os.path.join(bin_dir, "video-processor")]
    only = os.environ.get("COLDSTART_ONLY", "")
    rows = []
    if only in ("", "launcher"):
        rows += launcher_level(launcher, baseline, exes, state)
    if only in ("", "platform"):
        rows += platform_level(bin_dir, state)
    print("\n## Cold start breakdown (%d cold starts each, alternating; ms, p50 / p90)" % COLD_STARTS)
    print("%-100s %8s %8s" % ("measure", "p50", "p90"))
    for name, values in rows:
        print("%-100s %8.2f %8.2f" % (name, ms(pct(values, 0.5)), ms(pct(values, 0.9))))


if __name__ == "__main__":
    main()
