"""`make bench` suite `noop`: the platform's own cost per job, with a service that does nothing.

Usage: noop_bench.py BIN_DIR STATE_DIR [SAMPLE_MP4]

BIN_DIR holds the release `outpost-noop` (`outpost` with the no-op service's class added; Pitchey's
registry and the repository's wrangler.toml know nothing of it), `noop-service`, `video-processor`
and the `outpost-sandbox` launcher. The script writes its own wrangler.toml (the platform's
bindings, the no-op service and the video-processor, one instance each with the whole machine)
into STATE_DIR and starts `outpost-noop dev` and both services itself.

Rows, each beside its baseline in the same run (alternating rounds, medians of the rounds):
- no-op jobs/s through the whole path (POST /api/noop/run?wait=30: route → orchestrator →
  container → result → status in the answer) against POST /jobs/run on the no-op service
  process directly, with 1, 3 and 12 keep-alive clients (one process each);
- the same jobs submitted 100 at a time (POST /api/containers/jobs/batch), each job's end read
  with GET /api/containers/jobs/{id}, 3 clients;
- per platform job: the runtime process's user+sys CPU (/proc/PID/stat) and its threads'
  context switches (voluntary + nonvoluntary over /proc/PID/task/*/status), with the service's
  own CPU per job (called directly) beside it;
- fsync + fdatasync per job: a separate pass of jobs under `strace -f -c` attached to the
  runtime (perf's syscall tracepoints count nothing in this machine's container);
- video.analyze on SAMPLE_MP4, 3 clients: whole path ÷ the video-processor directly (the
  issue's "where it stands" row).

`BENCH_SECONDS` sets each round's length (default 3).
"""
import http.client
import json
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

from bench_support import free_port, start_outpost_noop, strace_fsyncs

ROUNDS = 3
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
API = {"Content-Type": "application/json", "X-API-Key": "bench-key"}
TICKS = os.sysconf("SC_CLK_TCK")

class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method, path, body=None, headers=None):
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            r = self.conn.getresponse()
            return r.status, r.read()
        except (http.client.HTTPException, OSError):
            # The server closed an idle connection: one fresh try.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.conn.request(method, path, body=body, headers=headers or {})
            r = self.conn.getresponse()
            return r.status, r.read()


def platform_job(client, seq):
    status, body = client.request("POST", "/api/noop/run?wait=30", json.dumps({"label": "j%d" % seq}).encode(), API)
    job = json.loads(body)
    assert status == 200 and job.get("status") == "succeeded" and job["result"]["label"] == "j%d" % seq, (status, body[:300])
    return 1


def direct_job(client, seq):
    status, body = client.request("POST", "/jobs/run", json.dumps({"params": {"label": "j%d" % seq}}).encode(),
                                  {"Content-Type": "application/json"})
    assert status == 200 and json.loads(body)["result"]["label"] == "j%d" % seq, (status, body[:300])
    return 1


def batch_jobs(client, seq):
    """100 jobs in one batch, then each one's end read back by id."""
    entries = [{"type": "noop.run", "params": {"label": "b%d-%d" % (seq, i)}} for i in range(100)]
    status, body = client.request("POST", "/api/containers/jobs/batch", json.dumps({"jobs": entries}).encode(), API)
    assert status == 202, (status, body[:300])
    ids = [job["id"] for job in json.loads(body)["jobs"]]
    for i, job_id in enumerate(reversed(ids)):
        while True:
            status, body = client.request("GET", "/api/containers/jobs/" + job_id, None, API)
            job = json.loads(body)
            assert status == 200, (status, body[:300])
            if job["status"] in ("succeeded", "failed", "cancelled", "dead"):
                assert job["status"] == "succeeded", body[:300]
                break
            time.sleep(0.002)
    return len(ids)


def analyze_platform(key):
    def run(client, seq):
        status, body = client.request("POST", "/api/video/analyze?wait=60", json.dumps({"key": key}).encode(), API)
        assert status == 200 and json.loads(body).get("status") == "succeeded", (status, body[:300])
        return 1
    return run


def analyze_direct(client, seq):
    global SAMPLE
    status, body = client.request("POST", "/jobs/analyze", SAMPLE, {"Content-Type": "video/mp4"})
    assert status == 200, (status, body[:300])
    return 1


SAMPLE = b""


def client_loop(port, job, seconds, start, out, index):
    client = Client(port)
    start.wait()
    done, seq, end = 0, index * 10_000_000, time.perf_counter() + seconds
    try:
        while time.perf_counter() < end:
            done += job(client, seq)
            seq += 1
        out.put((done, None))
    except BaseException as error:  # noqa: BLE001 — reported to the parent
        out.put((done, repr(error)))


def run_clients(port, job, clients, seconds):
    """Jobs per second of `clients` processes, each with one keep-alive connection."""
    start, out = multiprocessing.Event(), multiprocessing.Queue()
    procs = [multiprocessing.Process(target=client_loop, args=(port, job, seconds, start, out, i)) for i in range(clients)]
    for p in procs:
        p.start()
    t0 = time.perf_counter()
    start.set()
    results = [out.get() for _ in procs]
    elapsed = time.perf_counter() - t0
    for p in procs:
        p.join()
    errors = [e for _, e in results if e]
    if errors:
        raise SystemExit("a client failed: %s" % errors[0])
    jobs = sum(n for n, _ in results)
    return jobs / elapsed, jobs


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def context_switches(pid):
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def wait_http(port, path, proc):
    while True:
        if proc.poll() is not None:
            raise SystemExit("%s exited %s" % (proc.args[0], proc.returncode))
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)


def main():
    global SAMPLE
    bin_dir, state = sys.argv[1], sys.argv[2]
    sample_path = sys.argv[3] if len(sys.argv) > 3 else None
    children = []

    def stop_all():
        for p in children:
            if p.poll() is None:
                p.terminate()
        for p in children:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    try:
        outpost, port = start_outpost_noop(bin_dir, state, "noop-bench", video=True)
        children.append(outpost)
        noop_port = free_port()
        scratch = os.path.join(state, "noop-scratch")
        os.makedirs(scratch)
        noop = subprocess.Popen([os.path.join(bin_dir, "noop-service")],
                                env=dict(os.environ, PORT=str(noop_port), TMPDIR=scratch, LOG_LEVEL="error"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        children.append(noop)
        wait_http(port, "/health", outpost)
        wait_http(noop_port, "/ping", noop)

        # The first job starts the instance; a few more warm both sides.
        warm = Client(port)
        for i in range(20):
            platform_job(warm, i)
            direct_job(Client(noop_port), i)

        print("\n## no-op jobs: the platform's own cost (outpost-noop, 1 instance, 16 job slots; "
              "medians of %d alternating rounds of %.0f s)" % (ROUNDS, SECONDS))
        print(f"{'measure':64}{'platform':12}{'direct':12}ratio")
        per_job = {}
        for clients in (1, 3, 12):
            plat, direct = [], []
            cpu = switches = jobs = 0.0
            service_cpu = service_jobs = 0.0
            for _ in range(ROUNDS):
                c0, s0 = cpu_seconds(outpost.pid), context_switches(outpost.pid)
                rate, n = run_clients(port, platform_job, clients, SECONDS)
                cpu += cpu_seconds(outpost.pid) - c0
                switches += context_switches(outpost.pid) - s0
                jobs += n
                plat.append(rate)
                d0 = cpu_seconds(noop.pid)
                rate, n = run_clients(noop_port, direct_job, clients, SECONDS)
                service_cpu += cpu_seconds(noop.pid) - d0
                service_jobs += n
                direct.append(rate)
            p, d = statistics.median(plat), statistics.median(direct)
            per_job[clients] = (cpu / jobs * 1000, switches / jobs, service_cpu / service_jobs * 1000)
            print(f"{'jobs/s, %2d clients, ?wait= vs /jobs/run' % clients:64}{p:<12.0f}{d:<12.0f}{p / d:.2f}")
        for clients, (ms, cs, service_ms) in per_job.items():
            print(f"{'CPU ms per job, %2d clients (runtime vs service direct)' % clients:64}{ms:<12.3f}{service_ms:<12.3f}{ms / service_ms:.1f}")
        for clients, (ms, cs, _) in per_job.items():
            print(f"{'runtime thread context switches per job, %2d clients' % clients:64}{cs:<12.1f}")

        # Batch submit beside single submits with ?wait=, the same 3 clients, alternating.
        batch, single = [], []
        cpu = jobs = 0.0
        for _ in range(ROUNDS):
            c0 = cpu_seconds(outpost.pid)
            rate, n = run_clients(port, batch_jobs, 3, SECONDS)
            cpu += cpu_seconds(outpost.pid) - c0
            jobs += n
            batch.append(rate)
            single.append(run_clients(port, platform_job, 3, SECONDS)[0])
        b, s = statistics.median(batch), statistics.median(single)
        print(f"{'jobs/s, 3 clients, batches of 100 vs single ?wait= submits':64}{b:<12.0f}{s:<12.0f}{b / s:.2f}")
        print(f"{'CPU ms per job, batches of 100 (runtime)':64}{cpu / jobs * 1000:<12.3f}")

        # fsyncs per job: a pass of its own under strace (which slows the runtime, so no rates here).
        if shutil.which("strace"):
            summary = os.path.join(state, "strace.txt")
            tracer = subprocess.Popen(["strace", "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", summary, "-p", str(outpost.pid)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # strace prints "Process N attached" per thread on stderr; give it the first line.
            tracer.stderr.readline()
            time.sleep(0.5)
            counts = {}
            for label, job, n_clients in (("single ?wait= submits, 3 clients", platform_job, 3),
                                          ("batches of 100, 1 client", batch_jobs, 1)):
                _, n = run_clients(port, job, n_clients, SECONDS)
                counts[label] = n
            tracer.send_signal(signal.SIGINT)
            tracer.wait(timeout=60)
            total = strace_fsyncs(summary)
            jobs = sum(counts.values())
            print(f"{'fsync+fdatasync per job (strace -f -c, %d jobs, both kinds)' % jobs:64}{total / jobs:<12.2f}")
        else:
            print("fsyncs per job: strace not installed (make bench-deps installs it)")

        if sample_path:
            SAMPLE = open(sample_path, "rb").read()
            video_port = free_port()
            vscratch = os.path.join(state, "video-scratch")
            os.makedirs(vscratch)
            video = subprocess.Popen([os.path.join(bin_dir, "video-processor")],
                                     env=dict(os.environ, PORT=str(video_port), TMPDIR=vscratch, LOG_LEVEL="error"),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            children.append(video)
            wait_http(video_port, "/ping", video)
            up = Client(port)
            status, body = up.request("POST", "/api/containers/uploads", SAMPLE, {"Content-Type": "video/mp4", "X-API-Key": "bench-key"})
            assert status == 201, (status, body[:300])
            key = json.loads(body)["key"]
            job = analyze_platform(key)
            for i in range(5):
                job(up, i)
                analyze_direct(Client(video_port), i)
            plat, direct = [], []
            for _ in range(ROUNDS):
                plat.append(run_clients(port, job, 3, SECONDS)[0])
                direct.append(run_clients(video_port, analyze_direct, 3, SECONDS)[0])
            p, d = statistics.median(plat), statistics.median(direct)
            print(f"{'video.analyze jobs/s, 3 clients, whole path vs direct':64}{p:<12.1f}{d:<12.1f}{p / d:.2f}  [target >= 0.8]  {'PASS' if p / d >= 0.8 else 'MISS'}")
    finally:
        stop_all()


if __name__ == "__main__":
    main()
