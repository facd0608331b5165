"""The backup suite of `make bench`: `outpost backup create` of a live node's state directory, beside
`cp -a` of the same directory (not a consistent copy, but the speed anchor), and what a backup adds
to the latency of writes the node takes while it runs. Run by run.sh.

The state is made at bench time through the release `outpost dev` on the repository's wrangler.toml:
- BACKUP_BENCH_JOBS (10,000) job rows through POST /api/containers/jobs/batch (100 a request, four
  callers), NDAs delayed by a day (the most allowed) so none runs: real rows in the orchestrator's
  SQLite, plus their release timers in the scheduler's;
- BACKUP_BENCH_R2_MB (2048) MB of R2 objects of BACKUP_BENCH_OBJECT_MB (32) MB of random bytes,
  through POST /api/containers/uploads (the Worker's streaming upload into the MEDIA bucket).

Figures, with the node up:
1. backup create vs cp -a: wall time, BACKUP_BENCH_ROUNDS (3) alternating rounds after one
   untimed warm-up of each, medians; no write load. Both read a warm page cache; the backup goes to
   the same filesystem, so it hard-links the blobs (and reads each once for its SHA-256) and fsyncs
   what it writes, where cp -a writes every byte again into the page cache: the `sync` after it is
   timed apart (a second row: cp -a then sync, as durable as the backup). Every step starts after a
   `sync` (untimed), so one side's writeback does not land in the other's time.
2. the write load: one client uploading 4 KiB objects back to back (an R2 PUT through the Worker:
   a blob file and a metadata commit), its p50/p99 latency while `backup create` runs vs over a
   window as long without a backup, BACKUP_BENCH_LOAD_ROUNDS (5) rounds alternating which goes
   first. The last backup taken under load is checked with `outpost backup verify`.

argv: outpost-binary repository-root scratch-dir
"""
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import http.client
import json

from bench_support import api, outpost_dev, percentile, stop, submit_delayed_jobs

outpost_bin, root, scratch = sys.argv[1:4]
JOBS = int(os.environ.get("BACKUP_BENCH_JOBS", "10000"))
R2_MB = int(os.environ.get("BACKUP_BENCH_R2_MB", "2048"))
OBJECT_MB = int(os.environ.get("BACKUP_BENCH_OBJECT_MB", "32"))
ROUNDS = int(os.environ.get("BACKUP_BENCH_ROUNDS", "3"))
LOAD_ROUNDS = int(os.environ.get("BACKUP_BENCH_LOAD_ROUNDS", "5"))
WRITE_BYTES = 4096
KEYS = {"admin": ("admin", "bench-admin"), **{"user%d" % i: ("user", "bench-user-%d" % i) for i in range(4)}}
USER_KEYS = [key for name, (role, key) in KEYS.items() if role == "user"]


def fill_r2(port):
    """Uploads R2_MB of random objects; returns (objects, seconds)."""
    objects, start = 0, time.perf_counter()
    remaining = R2_MB
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    while remaining > 0:
        size = min(OBJECT_MB, remaining)
        status, body = api(port, USER_KEYS[objects % len(USER_KEYS)], "POST", "/api/containers/uploads",
                           os.urandom(size << 20), "application/octet-stream", connection=connection)
        if status != 201 or body["size"] != size << 20:
            raise SystemExit("upload: %s %s" % (status, str(body)[:300]))
        objects += 1
        remaining -= size
    connection.close()
    return objects, time.perf_counter() - start


def tree_bytes(path):
    total = 0
    for directory, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(directory, name)).st_size
            except OSError:
                pass
    return total


def timed_backup(state, backups):
    """`outpost backup create`: (seconds, the summary it prints)."""
    start = time.perf_counter()
    done = subprocess.run([outpost_bin, "backup", "create", "--persist-to", state, "--to", backups],
                          check=True, capture_output=True, text=True)
    return time.perf_counter() - start, json.loads(done.stdout)


def timed_copy(state, target):
    """`cp -a`, then `sync`: (seconds of the copy, seconds of the sync)."""
    start = time.perf_counter()
    subprocess.run(["cp", "-a", state, target], check=True)
    copied = time.perf_counter()
    os.sync()
    return copied - start, time.perf_counter() - copied


def settle():
    """Writes back what the last step left dirty, so it is not in the next step's time."""
    os.sync()


class WriteLoad:
    """One client PUTting 4 KiB objects back to back (POST /api/containers/uploads), recording
    each request's latency (ms) into the list `into` while set."""

    def __init__(self, port):
        self.port, self.into, self.failures = port, None, []
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        body = os.urandom(WRITE_BYTES)
        while self.running:
            start = time.perf_counter()
            status, reply = api(self.port, USER_KEYS[0], "POST", "/api/containers/uploads", body,
                                "application/octet-stream", connection=connection)
            elapsed = (time.perf_counter() - start) * 1000
            if status != 201:
                self.failures.append((status, str(reply)[:200]))
            elif self.into is not None:
                self.into.append(elapsed)
        connection.close()

    def record(self, into):
        self.into = into

    def pause(self):
        self.into = None

    def close(self):
        self.running = False
        self.thread.join()


def main():
    state, backups = os.path.join(scratch, "state"), os.path.join(scratch, "backups")
    os.makedirs(state)
    node, port = outpost_dev(outpost_bin, root, state, KEYS)
    try:
        submit_seconds = submit_delayed_jobs(port, USER_KEYS, JOBS)
        status, listed = api(port, "bench-admin", "GET", "/api/containers/jobs?limit=1")
        assert status == 200, listed
        objects, upload_seconds = fill_r2(port)
        size_mb = tree_bytes(state) / (1 << 20)

        # 1. backup create vs cp -a, node idle; the first round is a warm-up.
        ours, theirs, syncs = [], [], []
        files = 0
        target = os.path.join(scratch, "copy")
        for round_ in range(ROUNDS + 1):
            for side in (("backup", "copy") if round_ % 2 == 0 else ("copy", "backup")):
                settle()
                if side == "backup":
                    seconds, summary = timed_backup(state, backups)
                    files = summary.get("files", files)
                    if round_:
                        ours.append(seconds)
                    shutil.rmtree(backups)
                else:
                    copied, synced = timed_copy(state, target)
                    if round_:
                        theirs.append(copied)
                        syncs.append(copied + synced)
                    shutil.rmtree(target)
        settle()

        # 2. write latency with and without a backup running.
        load = WriteLoad(port)
        quiet, during = [], []
        quiet_seconds = during_seconds = 0.0
        window = max(2.0, statistics.median(ours))
        last = None
        for round_ in range(LOAD_ROUNDS):
            for side in (("during", "quiet") if round_ % 2 == 0 else ("quiet", "during")):
                if side == "quiet":
                    load.record(quiet)
                    time.sleep(window)  # a window about as long as a backup takes
                    load.pause()
                    quiet_seconds += window
                else:
                    if last:
                        shutil.rmtree(last)
                        settle()
                    load.record(during)
                    seconds, summary = timed_backup(state, backups)
                    load.pause()
                    during_seconds += seconds
                    last = summary["path"]
                settle()
        load.close()
        if load.failures:
            raise SystemExit("writes failed during the bench: %s" % load.failures[:3])
        verified = subprocess.run([outpost_bin, "backup", "verify", last], capture_output=True, text=True)
    finally:
        stop(node)

    o, c = statistics.median(ours), statistics.median(theirs)
    print("\n## Whole-node backup: a live `outpost dev` state of %d jobs and %d MB of R2 (%d objects), %.0f MB on disk, %d alternating rounds, medians"
          % (JOBS, R2_MB, objects, size_mb, ROUNDS))
    print("state made in: %.1f s for the jobs (batch API), %.1f s for the uploads (%.0f MB/s)" % (submit_seconds, upload_seconds, R2_MB / upload_seconds))
    print("%-52s%-16s%-16s%s" % ("measure", "backup create", "cp -a", "ratio"))
    print("%-52s%-16.2f%-16.2f%.2f  (cp time / backup time)" % ("wall time (s)", o, c, c / o))
    print("%-52s%-16.0f%-16.0f%.2f" % ("MB/s of state", size_mb / o, size_mb / c, c / o))
    cs = statistics.median(syncs)
    print("%-52s%-16.2f%-16.2f%.2f" % ("wall time (s), cp -a + sync (durable)", o, cs, cs / o))
    print("backup: %s files in its manifest; rounds: backup %s; cp -a %s; cp -a + sync %s"
          % (files, ["%.2f" % x for x in ours], ["%.2f" % x for x in theirs], ["%.2f" % x for x in syncs]))
    q50, q99, d50, d99 = percentile(quiet, 50), percentile(quiet, 99), percentile(during, 50), percentile(during, 99)
    print("\n## Concurrent writes (4 KiB R2 PUTs through the Worker, one client back to back) while `backup create` runs, %d alternating rounds" % LOAD_ROUNDS)
    print("%-52s%-16s%-16s%s" % ("measure", "during backup", "no backup", "ratio"))
    print("%-52s%-16.2f%-16.2f%.2f" % ("p50 latency (ms)", d50, q50, d50 / q50))
    print("%-52s%-16.2f%-16.2f%.2f" % ("p99 latency (ms)", d99, q99, d99 / q99))
    print("%-52s%-16.2f%-16.2f%.2f" % ("max latency (ms)", max(during), max(quiet), max(during) / max(quiet)))
    print("%-52s%-16.0f%-16.0f%.2f" % ("writes acknowledged per second", len(during) / during_seconds, len(quiet) / quiet_seconds,
                                        len(during) / during_seconds / (len(quiet) / quiet_seconds)))
    print("backups under load: %s writes in %.1f s; quiet windows: %s writes in %.1f s" % (len(during), during_seconds, len(quiet), quiet_seconds))
    print("last backup taken under load, `outpost backup verify`: %s" %
          ("ok" if verified.returncode == 0 else "FAILED (%d): %s" % (verified.returncode, (verified.stdout + verified.stderr)[-300:])))


if __name__ == "__main__":
    main()
