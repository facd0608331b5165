"""The code suite of `make bench`: the code-executor's figures, each beside a baseline measured in
the same run. Run by run.sh with the release `code-executor` and `outpost-sandbox`.

The service is started the way the runtime starts a `CodeExecutor` instance (standard-2): through
outpost-sandbox with `--nested`, its own uid, and cgroups made here the way the runtime makes them
(memory, pids, cpu under the caller's own groups), which the launcher delegates to the instance so
every run gets a cgroup of its own.

- Overhead per run: `print("hi")` through POST /jobs/execute on a warm instance against bare
  `/usr/bin/python3 -c 'print("hi")'` on the host, alternating, medians.
- Throughput: 200 mixed-language runs (python, javascript, typescript, sql, go, rust; compile
  caches warm) from 10 concurrent clients, beside the same 200 programs run bare on the host by
  10 threads (go and rust as binaries compiled once on the host).
- Peak memory of the instance (its memory cgroup's max_usage_in_bytes, and the sum of resident
  memory over its processes) while the 10 clients run, beside the idle instance.

argv: outpost-sandbox code-executor

CODE_BENCH_BEFORE=/path/to/an/older/code-executor[,another…] also starts each as an instance of
its own and adds it to the overhead rounds (alternating with the others): a before/after of a
change in one run.
"""
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from bench_support import free_port

launcher, executor = sys.argv[1:3]
ROUNDS = int(os.environ.get("CODE_BENCH_ROUNDS", "30"))
RUNS, CLIENTS = 200, 10
# standard-2, the CodeExecutor class's instance type: 1 vCPU (the runtime's cpu.cfs_quota_us), 6 GiB.
VCPU = float(os.environ.get("CODE_BENCH_VCPU", "1"))

PROGRAMS = {
    "python": ("print(sum(range(1000)))", "499500\n"),
    "javascript": ("console.log([1, 2, 3].map(x => x * 2).join(','))", "2,4,6\n"),
    "typescript": ("const n: number = 21\nconsole.log(n * 2)", "42\n"),
    "sql": ("SELECT 6 * 7 AS answer;", None),
    "go": ('package main\nimport "fmt"\nfunc main() { fmt.Println(42) }\n', "42\n"),
    "rust": ('fn main() { println!("42"); }\n', "42\n"),
}


def own_cgroup(controller):
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, names, path = line.rstrip("\n").split(":", 2)
            if controller in names.split(","):
                return "" if path == "/" else path
    return None


def make_cgroups(tag):
    """The instance's groups, as the runtime makes them (ContainerCgroup: standard-2 = 6 GiB)."""
    name = "outpost-bench-code-%d-%s" % (os.getpid(), tag)
    made = {}
    for controller, limits in (("memory", {"memory.limit_in_bytes": str(6 << 30)}), ("pids", {"pids.max": "1024"}),
                               ("cpu", {"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": str(int(VCPU * 100000))})):
        own = own_cgroup(controller)
        root = "/sys/fs/cgroup/" + controller
        if own is None or not os.path.exists(root + "/tasks"):
            continue
        d = root + own + "/" + name
        try:
            os.mkdir(d)
            for k, v in limits.items():
                with open(d + "/" + k, "w") as f:
                    f.write(v)
        except OSError as e:
            print("cgroup %s: %s (runs without it)" % (controller, e))
            continue
        made[controller] = d
    return made


def remove_tree(d):
    for name in os.listdir(d):
        if os.path.isdir(os.path.join(d, name)):
            remove_tree(os.path.join(d, name))
    for _ in range(500):
        try:
            os.rmdir(d)
            return
        except OSError:
            time.sleep(0.01)


def request(port, method, path, body=None, timeout=300):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def execute(port, language, code):
    status, data = request(port, "POST", "/jobs/execute", {"params": {"language": language, "code": code}})
    if status != 200:
        return None, "HTTP %d %s" % (status, data[:200])
    return json.loads(data)["result"], None


def ok(language, result):
    if result is None or result.get("exitCode") != 0 or result.get("compileError"):
        return False
    expected = PROGRAMS[language][1]
    return expected is None or result.get("stdout") == expected


def tree_rss_kb(root):
    total, pending, seen = 0, [root], 0
    while pending and seen < 4096:
        pid = pending.pop()
        seen += 1
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS"):
                        total += int(line.split()[1])
            for tid in os.listdir("/proc/%d/task" % pid):
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    pending += [int(p) for p in f.read().split()]
        except OSError:
            pass
    return total


def start(executable, tag):
    """One instance as the runtime starts it; returns (process, port, groups, scratch)."""
    groups = make_cgroups(tag)
    scratch = tempfile.mkdtemp(prefix="code-bench-")
    os.chmod(scratch, 0o700)
    port = free_port()
    args = [launcher, "--dir", scratch, "--env", "PORT=%d" % port, "--env", "TMPDIR=/scratch", "--env", "JOB_CONCURRENCY=10",
            "--rlimit", "fsize=%d" % (16 << 30), "--rlimit", "nofile=65536", "--rlimit", "core=0"]
    for d in groups.values():
        args += ["--cgroup-procs", d + "/cgroup.procs"]
    if not groups:
        args += ["--rlimit", "data=%d" % (6 << 30)]
    args += ["--nested"] + (["--ro-bind", "/opt/deno"] if os.path.exists("/opt/deno") else []) + ["--", executable]
    service = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if request(port, "GET", "/ping", timeout=2)[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        raise SystemExit("the code-executor did not answer /ping")
    return service, port, groups, scratch


def stop(service, groups, scratch):
    service.terminate()
    try:
        service.wait(timeout=30)
    except subprocess.TimeoutExpired:
        service.kill()
        service.wait()
    shutil.rmtree(scratch, ignore_errors=True)
    for d in groups.values():
        remove_tree(d)


def main():
    instances = []
    hostdir = tempfile.mkdtemp(prefix="code-bench-host-")
    try:
        service, port, groups, scratch = start(executor, "now")
        instances.append((service, groups, scratch))
        befores = [p for p in os.environ.get("CODE_BENCH_BEFORE", "").split(",") if p]
        before_ports = []
        for index, before in enumerate(befores):
            b_service, b_port, b_groups, b_scratch = start(before, "before%d" % index)
            instances.append((b_service, b_groups, b_scratch))
            before_ports.append(b_port)
            for _ in range(3):
                execute(b_port, "python", 'print("hi")')
        status, data = request(port, "GET", "/security-policies")
        delegated = json.loads(data).get("cgroupPerRun", {}).get("delegated") if status == 200 else None

        # Warm: every language once (the first Go compile builds the standard library into the cache).
        for language, (code, _) in PROGRAMS.items():
            result, error = execute(port, language, code)
            if not ok(language, result):
                raise SystemExit("warm-up %s failed: %s %s" % (language, error, result))

        # Overhead per run.
        bare, served, wall = [], [], []
        served_before = [[] for _ in before_ports]
        for _ in range(3):
            subprocess.run(["/usr/bin/python3", "-c", 'print("hi")'], capture_output=True)
            execute(port, "python", 'print("hi")')
        for _ in range(ROUNDS):
            t = time.perf_counter()
            out = subprocess.run(["/usr/bin/python3", "-c", 'print("hi")'], capture_output=True).stdout
            bare.append((time.perf_counter() - t) * 1000)
            assert out == b"hi\n"
            t = time.perf_counter()
            result, error = execute(port, "python", 'print("hi")')
            served.append((time.perf_counter() - t) * 1000)
            assert result and result["stdout"] == "hi\n", (result, error)
            wall.append(result["wallMs"])
            for index, b_port in enumerate(before_ports):
                t = time.perf_counter()
                result, error = execute(b_port, "python", 'print("hi")')
                served_before[index].append((time.perf_counter() - t) * 1000)
                assert result and result["stdout"] == "hi\n", (result, error)
        b, s = statistics.median(bare), statistics.median(served)

        # Host baseline programs: go and rust compiled once here.
        host_cmd = {}
        with open(hostdir + "/main.go", "w") as f:
            f.write(PROGRAMS["go"][0])
        subprocess.run(["go", "build", "-o", hostdir + "/go-main", hostdir + "/main.go"], check=True, capture_output=True,
                       env=dict(os.environ, GO111MODULE="off", CGO_ENABLED="0"))
        with open(hostdir + "/main.rs", "w") as f:
            f.write(PROGRAMS["rust"][0])
        rustc = "/usr/bin/rustc" if os.path.exists("/usr/bin/rustc") else "rustc"
        subprocess.run([rustc, "--edition", "2021", "-O", "-o", hostdir + "/rust-main", hostdir + "/main.rs"], check=True, capture_output=True)
        with open(hostdir + "/main.ts", "w") as f:
            f.write(PROGRAMS["typescript"][0])
        deno = "/opt/deno/bin/deno" if os.path.exists("/opt/deno/bin/deno") else "deno"
        host_cmd = {
            "python": ["/usr/bin/python3", "-c", PROGRAMS["python"][0]],
            "javascript": ["node", "-e", PROGRAMS["javascript"][0]],
            "typescript": [deno, "run", "--no-prompt", "--quiet", "--no-remote", hostdir + "/main.ts"],
            "sql": ["/usr/bin/python3", "-c", "import sqlite3; print(sqlite3.connect(':memory:').execute('SELECT 6 * 7 AS answer').fetchall())"],
            "go": [hostdir + "/go-main"],
            "rust": [hostdir + "/rust-main"],
        }
        languages = list(PROGRAMS)
        plan = [languages[i % len(languages)] for i in range(RUNS)]

        def mixed(run_one):
            counter, lock, failures = [0], threading.Lock(), []

            def client():
                while True:
                    with lock:
                        i = counter[0]
                        counter[0] += 1
                    if i >= RUNS:
                        return
                    error = run_one(plan[i])
                    if error:
                        with lock:
                            failures.append(error)

            threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
            t = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            return RUNS / (time.perf_counter() - t), failures

        def bare_one(language):
            p = subprocess.run(host_cmd[language], capture_output=True)
            return None if p.returncode == 0 else "%s exit %d" % (language, p.returncode)

        def served_one(language):
            result, error = execute(port, language, PROGRAMS[language][0])
            return None if ok(language, result) else "%s: %s %s" % (language, error, json.dumps(result)[:300] if result else "")

        mem = groups.get("memory")
        idle_rss = tree_rss_kb(service.pid) / 1024
        idle_charged = int(open(mem + "/memory.usage_in_bytes").read()) / 2**20 if mem else None
        if mem:
            with open(mem + "/memory.max_usage_in_bytes", "w") as f:
                f.write("0")
        peak_rss = [0.0]
        sampling = [True]

        def sampler():
            while sampling[0]:
                peak_rss[0] = max(peak_rss[0], tree_rss_kb(service.pid) / 1024)
                time.sleep(0.02)

        bare_rps, bare_failures = mixed(bare_one)
        sample_thread = threading.Thread(target=sampler)
        sample_thread.start()
        served_rps, served_failures = mixed(served_one)
        sampling[0] = False
        sample_thread.join()
        peak_charged = int(open(mem + "/memory.max_usage_in_bytes").read()) / 2**20 if mem else None
        bare_rps2, _ = mixed(bare_one)
        served_rps2, served_failures2 = mixed(served_one)

        print("\n## Code executor (release, sandboxed instance: outpost-sandbox --nested, per-run cgroups delegated: %s)" % delegated)
        print("Overhead per run: print(\"hi\") in Python, %d alternating rounds, medians" % ROUNDS)
        print(f"{'measure':52}{'executor':14}{'bare host':14}difference")
        print(f"{'ms per run (POST /jobs/execute vs python3 -c)':52}{s:<14.1f}{b:<14.1f}{s - b:.1f} ms  [aim <= 30 ms]  {'PASS' if s - b <= 30 else 'MISS'}")
        print(f"{'  of which the sandboxed process (wallMs)':52}{statistics.median(wall):<14.1f}")
        for before, samples in zip(befores, served_before):
            sb = statistics.median(samples)
            label = "ms per run, " + os.path.basename(before)
            print(f"{label:52}{sb:<14.1f}{b:<14.1f}{sb - b:.1f} ms  (this build: {s - b:.1f} ms)")
        print("Throughput: %d mixed runs (%s), %d concurrent clients, 2 alternating rounds; the instance has %g vCPU (cgroup quota), the bare host runs use every core (%d)"
              % (RUNS, ", ".join(languages), CLIENTS, VCPU, os.cpu_count()))
        rps, brps = statistics.median([served_rps, served_rps2]), statistics.median([bare_rps, bare_rps2])
        print(f"{'runs/s':52}{rps:<14.1f}{brps:<14.1f}ratio {rps / brps:.2f}")
        nfail = len(served_failures) + len(served_failures2)
        print(f"{'failed runs (of %d)' % (2 * RUNS):52}{nfail:<14}{len(bare_failures):<14}{'PASS' if nfail == 0 else 'MISS'}")
        for failure in (served_failures + served_failures2)[:5]:
            print("  " + failure)
        print("Peak memory of the instance at %d concurrent runs, beside the idle instance" % CLIENTS)
        if mem:
            print(f"{'memory cgroup charge, MiB (max_usage_in_bytes)':52}{peak_charged:<14.1f}{idle_charged:<14.1f}(idle)")
        print(f"{'resident memory over its processes, MiB (sampled)':52}{peak_rss[0]:<14.1f}{idle_rss:<14.1f}(idle)")
    finally:
        for service, groups, scratch in instances:
            stop(service, groups, scratch)
        shutil.rmtree(hostdir, ignore_errors=True)


main()
