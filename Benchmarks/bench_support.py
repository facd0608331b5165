"""What the `make bench` scripts share: a free port on 127.0.0.1, a process's memory figures, and for the
platform suites (backup, reports) `outpost dev` on the repository's wrangler.toml, API calls, batch job
submission and finding the processes under the runtime."""
import http.client
import json
import math
import os
import socket
import subprocess
import time


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status_mb(pid, field):
    """A memory field of /proc/<pid>/status (VmRSS, VmHWM, …) in MB, 0 if the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def outpost_dev(outpost_bin, root, state, keys):
    """`outpost dev` on the repository's wrangler.toml (run.sh builds every image it names beside
    outpost) with `keys` ({name: (role, key)}) as API_KEYS and a rate limit the bench stays under;
    returns (process, port) once /health answers."""
    port = free_port()
    api_keys = ",".join("%s:%s:%s" % (name, role, key) for name, (role, key) in keys.items())
    process = subprocess.Popen([outpost_bin, "dev", "--config", os.path.join(root, "wrangler.toml"), "--persist-to", state,
                                "--port", str(port), "--s3-port", "0", "--log-level", "warning",
                                "--var", "API_KEYS:" + api_keys, "--var", "RATE_LIMIT_PER_MINUTE:100000000",
                                "--var", "RATE_LIMIT_BURST:10000000"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        if process.poll() is not None:
            raise SystemExit("outpost dev exited with %s before answering" % process.returncode)
        try:
            if request(port, "GET", "/health", timeout=5)[0] == 200:
                return process, port
        except OSError:
            pass
        time.sleep(0.1)


def stop(process):
    """Terminates `process` (SIGTERM, then SIGKILL after 30 s) and reaps it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def request(port, method, path, body=None, headers=None, timeout=600, connection=None):
    """One HTTP request to 127.0.0.1:port (on `connection` if given, kept open): (status, body bytes)."""
    c = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    if connection is None:
        c.close()
    return r.status, data


def api(port, key, method, path, body=None, content_type="application/json", connection=None):
    """An API call with `key`: (status, parsed JSON or None); a dict/list body is sent as JSON."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    headers = {"X-API-Key": key}
    if body is not None:
        headers["Content-Type"] = content_type
    status, data = request(port, method, path, body, headers, connection=connection)
    try:
        return status, json.loads(data) if data else None
    except ValueError:
        return status, data


# A job type whose submission costs nothing but a row: an NDA, its parameters checked at submit.
NDA_JOB = {"type": "document.generate-nda",
           "params": {"disclosing_party": "Aurora Pictures Ltd", "receiving_party": "Northwind Capital LLC",
                      "effective_date": "3 June 2027", "jurisdiction": "the State of New York"}}
REPORT_JOB = {"type": "reports.generate-analytics", "params": {"report": "jobs", "format": "json"}}


def submit_delayed_jobs(port, keys, count, kinds=(NDA_JOB,), delay_seconds=86400):
    """Stores `count` real job rows through POST /api/containers/jobs/batch (100 a request, one
    orchestrator commit each), round-robin over the callers `keys` and the job `kinds`, delayed by
    `delay_seconds` so none runs during the bench. Returns the seconds it took."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    made = 0
    while made < count:
        size = min(100, count - made)
        jobs = [dict(kinds[(made + i) % len(kinds)], delaySeconds=delay_seconds) for i in range(size)]
        key = keys[(made // 100) % len(keys)]
        status, body = api(port, key, "POST", "/api/containers/jobs/batch", {"jobs": jobs}, connection=connection)
        if status != 202 or len(body["jobs"]) != size:
            raise SystemExit("batch submit: %s %s" % (status, str(body)[:300]))
        made += size
    connection.close()
    return time.perf_counter() - start


def descendants(pid):
    """Every process under `pid` (children, their children, …)."""
    kids = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                kids.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                pass
    found, todo = [], [pid]
    while todo:
        for kid in kids.get(todo.pop(), []):
            found.append(kid)
            todo.append(kid)
    return found


def processes_named(root_pid, executable):
    """The processes under `root_pid` running the executable named `executable` (its file name)."""
    found = []
    for pid in descendants(root_pid):
        try:
            if os.path.basename(os.readlink("/proc/%d/exe" % pid)) == executable:
                found.append(pid)
        except OSError:
            pass
    return found


def reset_peak_rss(pid):
    """Resets the process's peak resident set size (VmHWM) to its current RSS (clear_refs 5)."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
    except OSError:
        pass


def percentile(values, p):
    """Nearest-rank percentile of `values` (p in 0…100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def noop_platform_config(name, video=False):
    """The wrangler.toml of the suites that run `outpost-noop dev` (noop, coldstart): the platform's
    bindings and the no-op service, with the video-processor too when `video`; one instance each,
    with the whole machine."""
    classes = ["ContainerOrchestrator", "JobScheduler", "Noop"] + (["VideoProcessor"] if video else [])
    containers = [("Noop", "noop-service")] + ([("VideoProcessor", "video-processor")] if video else [])
    toml = 'name = "%s"\ncompatibility_date = "2026-11-01"\n' % name
    for binding, namespace in (("JOB_STATUS_KV", "job-status"), ("AUTH_KV", "auth"), ("TEMPLATES_KV", "document-templates")):
        toml += '\n[[kv_namespaces]]\nbinding = "%s"\nid = "%s"\n' % (binding, namespace)
    toml += '\n[[r2_buckets]]\nbinding = "MEDIA"\nbucket_name = "pitchey-media"\n'
    for binding, cls in [("ORCHESTRATOR", "ContainerOrchestrator"), ("SCHEDULER", "JobScheduler")] + \
            [("NOOP" if c == "Noop" else "VIDEO_PROCESSOR", c) for c, _ in containers]:
        toml += '\n[[durable_objects.bindings]]\nname = "%s"\nclass_name = "%s"\n' % (binding, cls)
    toml += '\n[[migrations]]\ntag = "v1"\nnew_sqlite_classes = [%s]\n' % ", ".join('"%s"' % c for c in classes)
    for cls, image in containers:
        toml += '\n[[containers]]\nclass_name = "%s"\nimage = "%s"\nmax_instances = 1\ninstance_type = "standard-3"\n' % (cls, image)
    return toml


def start_outpost_noop(bin_dir, state, name, video=False, variables=()):
    """Writes `noop_platform_config` into STATE and starts the release `outpost-noop dev` on it, with
    the bench API key, no rate limit and `variables` ("NAME:value"); returns (process, port). The
    caller waits for /health."""
    config = os.path.join(state, "wrangler.toml")
    with open(config, "w") as f:
        f.write(noop_platform_config(name, video))
    port = free_port()
    argv = [os.path.join(bin_dir, "outpost-noop"), "dev", "--config", config,
            "--persist-to", os.path.join(state, "state"), "--port", str(port), "--s3-port", "0",
            "--log-level", "warning", "--var", "API_KEYS:bench:admin:bench-key",
            "--var", "RATE_LIMIT_PER_MINUTE:100000000", "--var", "RATE_LIMIT_BURST:1000000"]
    for variable in variables:
        argv += ["--var", variable]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return process, port


def strace_fsyncs(summary):
    """The calls column of the fsync and fdatasync rows of an `strace -c` summary file."""
    total = 0
    with open(summary) as f:
        for line in f:
            parts = line.split()
            if parts and parts[-1] in ("fsync", "fdatasync"):
                # % time, seconds, usecs/call, calls, [errors], syscall
                total += int(parts[3])
    return total
