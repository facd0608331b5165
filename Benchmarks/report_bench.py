"""The reports suite of `make bench`: a `platform` PDF report (report-generator's generate-analytics)
over REPORT_BENCH_JOBS (100,000) jobs, beside the same report over a tenth of them (the baseline), in
the same run, alternating rounds, medians. Run by run.sh.

Two release `outpost dev` nodes on the repository's wrangler.toml, one per job count, both up for the
whole run, each with its own report-generator instance. The job rows:
- are stored through the platform: POST /api/containers/jobs/batch (100 a request, ten callers,
  NDAs and reports alternating), delayed by a day so none runs;
- then, bench-only, the node stopped, one SQL UPDATE on the orchestrator's SQLite spreads their
  creation over 30 days and gives them what running them would have (a status — 85% succeeded, 8%
  failed, 4% cancelled, 1% dead-lettered, 2% still queued — started/finished times, attempts), so
  the report has days, durations and queue waits to compute over every row; the node is started
  again on that state.

Figures per report (submit with ?wait=60 → the job succeeded): seconds; peak RSS (VmHWM, reset
before each report with clear_refs) of the report-generator instance process and of the runtime,
and the runtime's RSS after against before. The report must count every job (`totals.jobs`) and
its PDF must open in `pdfinfo` (poppler-utils, which we did not write).

argv: outpost-binary repository-root scratch-dir
"""
import datetime
import glob
import os
import sqlite3
import statistics
import subprocess
import sys
import time

from bench_support import (NDA_JOB, REPORT_JOB, api, outpost_dev, proc_status_mb, processes_named, request,
                           reset_peak_rss, stop, submit_delayed_jobs)

outpost_bin, root, scratch = sys.argv[1:4]
JOBS = int(os.environ.get("REPORT_BENCH_JOBS", "100000"))
BASELINE_JOBS = JOBS // 10
ROUNDS = int(os.environ.get("REPORT_BENCH_ROUNDS", "3"))
DAYS = 30
KEYS = {"admin": ("admin", "bench-admin"), **{"user%d" % i: ("user", "bench-user-%d" % i) for i in range(10)}}
USER_KEYS = [key for name, (role, key) in KEYS.items() if role == "user"]
TODAY = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
FIRST_DAY = TODAY - datetime.timedelta(days=DAYS)
PERIOD = {"from": FIRST_DAY.date().isoformat(), "to": (TODAY - datetime.timedelta(days=1)).date().isoformat()}


def orchestrator_database(state):
    """The SQLite file of the ContainerOrchestrator Durable Object: the one with a `jobs` table."""
    for path in glob.glob(os.path.join(state, "**", "*.sqlite"), recursive=True):
        db = sqlite3.connect(path)
        try:
            if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'").fetchone():
                return path
        finally:
            db.close()
    raise SystemExit("no database with a jobs table under %s" % state)


def age_jobs(state, count):
    """Bench-only: the jobs of `state` (node stopped) as if created over DAYS days and run."""
    db = sqlite3.connect(orchestrator_database(state))
    start_ms = int(FIRST_DAY.timestamp() * 1000)
    span_ms = DAYS * 86400 * 1000
    with db:
        # r: a fixed pseudo-random 0…99 per row; wait/run: queue wait and run time in ms. not_before
        # stays a day ahead, so the queued ones still wait for their release.
        db.execute("""
            WITH j AS (SELECT seq, (seq * 7919) % 100 AS r, 200 + (seq * 37) % 5000 AS wait,
                              1000 + (seq * 131) % 60000 AS run, ? + (seq - 1) * ? / ? AS created FROM jobs)
            UPDATE jobs SET
                created_at = (SELECT created FROM j WHERE j.seq = jobs.seq),
                status = (SELECT CASE WHEN r < 85 THEN 'succeeded' WHEN r < 93 THEN 'failed' WHEN r < 97 THEN 'cancelled'
                                      WHEN r < 98 THEN 'dead_lettered' ELSE 'queued' END FROM j WHERE j.seq = jobs.seq),
                attempts = (SELECT CASE WHEN r < 93 THEN 1 WHEN r < 97 THEN 0 WHEN r < 98 THEN 3 ELSE 0 END FROM j WHERE j.seq = jobs.seq),
                started_at = (SELECT CASE WHEN r < 93 OR (r >= 97 AND r < 98) THEN created + wait END FROM j WHERE j.seq = jobs.seq),
                finished_at = (SELECT CASE WHEN r < 93 OR (r >= 97 AND r < 98) THEN created + wait + run
                                           WHEN r < 97 THEN created + wait END FROM j WHERE j.seq = jobs.seq)
            """, (start_ms, span_ms, count))
    rows = db.execute("SELECT count(*), min(created_at), max(created_at) FROM jobs").fetchone()
    db.close()
    assert rows[0] == count, rows


class Node:
    """One `outpost dev` state with `count` aged jobs."""

    def __init__(self, count, name):
        self.count, self.state = count, os.path.join(scratch, name)
        os.makedirs(self.state)
        self.process, self.port = outpost_dev(outpost_bin, root, self.state, KEYS)
        self.submit_seconds = submit_delayed_jobs(self.port, USER_KEYS, count, kinds=(NDA_JOB, REPORT_JOB))
        stop(self.process)
        age_jobs(self.state, count)
        self.process, self.port = outpost_dev(outpost_bin, root, self.state, KEYS)

    def report(self, params):
        """Runs generate-analytics with `params`; returns (seconds, the job)."""
        start = time.perf_counter()
        status, job = api(self.port, "bench-admin", "POST", "/api/reports/generate-analytics?wait=60", params)
        while status in (200, 202) and job["status"] not in ("succeeded", "failed", "cancelled", "dead_lettered"):
            time.sleep(0.05)
            status, job = api(self.port, "bench-admin", "GET", "/api/containers/jobs/" + job["id"])
        elapsed = time.perf_counter() - start
        if status not in (200, 202) or job["status"] != "succeeded":
            raise SystemExit("report over %d jobs: %s %s" % (self.count, status, str(job)[:500]))
        return elapsed, job

    def instances(self):
        return processes_named(self.process.pid, "report-generator")

    def measured_report(self):
        """The platform PDF over the period: (seconds, service peak MB, runtime peak MB, runtime RSS delta MB,
        PDF pages, PDF bytes, service RSS before MB)."""
        for pid in self.instances() + [self.process.pid]:
            reset_peak_rss(pid)
        service_before = max([proc_status_mb(pid, "VmRSS") for pid in self.instances()] or [0.0])
        before = proc_status_mb(self.process.pid, "VmRSS")
        seconds, job = self.report(dict(PERIOD, report="platform", format="pdf"))
        service_peak = max([proc_status_mb(pid, "VmHWM") for pid in self.instances()] or [0.0])
        runtime_peak = proc_status_mb(self.process.pid, "VmHWM")
        after = proc_status_mb(self.process.pid, "VmRSS")
        totals = job["result"]["totals"]
        if totals["jobs"] != self.count:
            raise SystemExit("the report over %d jobs counted %s" % (self.count, totals))
        pdf = os.path.join(scratch, "report-%d.pdf" % self.count)
        status, data = request(self.port, "GET", "/api/containers/jobs/%s/outputs/report" % job["id"], headers={"X-API-Key": "bench-admin"})
        assert status == 200, (status, data[:300])
        with open(pdf, "wb") as f:
            f.write(data)
        info = subprocess.run(["pdfinfo", pdf], check=True, capture_output=True, text=True).stdout
        pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
        return seconds, service_peak, runtime_peak, after - before, pages, len(data), service_before


def main():
    nodes = []
    try:
        small = Node(BASELINE_JOBS, "baseline")
        nodes.append(small)
        large = Node(JOBS, "large")
        nodes.append(large)
        # Start each node's instance with a report over an empty period (the figures are warm).
        for node in nodes:
            node.report({"report": "platform", "format": "pdf", "from": "2001-01-01", "to": "2001-01-01"})
            assert node.instances(), "no report-generator process under the node"
        figures = {small: [], large: []}
        for round_ in range(ROUNDS):
            for node in ((small, large) if round_ % 2 == 0 else (large, small)):
                figures[node].append(node.measured_report())
    finally:
        for node in nodes:
            stop(node.process)

    def med(node, i):
        return statistics.median(f[i] for f in figures[node])

    print("\n## report-generator: a `platform` PDF report over %d jobs (30 days, 10 users) vs over %d, %d alternating rounds, medians"
          % (JOBS, BASELINE_JOBS, ROUNDS))
    print("job rows made in: %.1f s (%d jobs) and %.1f s (%d jobs) through the batch API, then aged by SQL (bench-only)"
          % (large.submit_seconds, JOBS, small.submit_seconds, BASELINE_JOBS))
    print("%-56s%-14s%-14s%s" % ("measure", "%d jobs" % JOBS, "%d jobs" % BASELINE_JOBS, "ratio"))
    rows = [("report wall time, submit -> succeeded (s)", 0, "%.2f"), ("report-generator RSS before the report (MB)", 6, "%.1f"),
            ("report-generator peak RSS (MB, VmHWM)", 1, "%.1f"),
            ("runtime peak RSS during the report (MB, VmHWM)", 2, "%.1f"), ("runtime RSS after - before (MB)", 3, "%+.1f"),
            ("PDF pages (pdfinfo)", 4, "%d"), ("PDF bytes", 5, "%d")]
    for label, i, fmt in rows:
        a, b = med(large, i), med(small, i)
        ratio = "%.2f" % (a / b) if b else "-"
        print("%-56s%-14s%-14s%s" % (label, fmt % a, fmt % b, ratio))
    print("rounds (s): %d jobs %s; %d jobs %s" % (JOBS, ["%.2f" % f[0] for f in figures[large]],
                                                  BASELINE_JOBS, ["%.2f" % f[0] for f in figures[small]]))
    growth = med(large, 1) / med(small, 1)
    print("report-generator peak RSS over 10x the rows: x%.2f  [target: not ~10x; < 2]  %s" % (growth, "PASS" if growth < 2 else "MISS"))


if __name__ == "__main__":
    main()
