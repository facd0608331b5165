"""The gdpr suite of `make bench`: a GDPR export (backup-service `backup-user-data`) of a user with
GDPR_BENCH_MB (1024) MB of uploads, beside `zip -0` of the same files from disk (the baseline), in
the same run, alternating rounds, medians. Run by run.sh.

A release `outpost dev` on the repository's wrangler.toml; one user uploads GDPR_BENCH_FILES (16)
files of random bytes through POST /api/containers/uploads, and the same files are written to a
directory for `zip -0 -r -q`. Figures: MB/s of user data (submit with ?wait= → the job succeeded,
for the export; the command's wall time for zip), and the peak RSS (VmHWM, reset before each
export) of the backup-service instance process, and the peak of its scratch directory (every file
under `<state>/containers/scratch/BackupService-*`, summed by a thread every 10 ms while the export
runs: a sample, so a file that lives less than that can be missed). The last export is checked with Python's
`zipfile.testzip` (CRCs), which we did not write.

argv: outpost-binary repository-root scratch-dir
"""
import os
import statistics
import subprocess
import sys
import threading
import time
import zipfile

from bench_support import api, outpost_dev, proc_status_mb, processes_named, request, reset_peak_rss, stop

outpost_bin, root, scratch = sys.argv[1:4]
TOTAL_MB = int(os.environ.get("GDPR_BENCH_MB", "1024"))
FILES = int(os.environ.get("GDPR_BENCH_FILES", "16"))
ROUNDS = int(os.environ.get("GDPR_BENCH_ROUNDS", "3"))
KEYS = {"alice": ("user", "bench-alice")}
KEY = KEYS["alice"][1]


def make_files(directory):
    """FILES files of random bytes, TOTAL_MB in all, on disk."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    size = TOTAL_MB * 1024 * 1024 // FILES
    for i in range(FILES):
        path = os.path.join(directory, "upload-%02d.bin" % i)
        with open(path, "wb") as f:
            for _ in range(size // (1 << 20)):
                f.write(os.urandom(1 << 20))
        paths.append(path)
    return paths


def upload(port, path):
    with open(path, "rb") as f:
        status, body = api(port, KEY, "POST", "/api/containers/uploads", f.read(), content_type="application/octet-stream")
    if status != 201:
        raise SystemExit("upload: %s %s" % (status, body))


def scratch_bytes(state):
    """The bytes of every file in the backup-service instances' scratch directories."""
    root = os.path.join(state, "containers", "scratch")
    total = 0
    try:
        tops = [os.path.join(root, name) for name in os.listdir(root) if name.startswith("BackupService-")]
    except OSError:
        return 0
    for top in tops:
        for directory, _, files in os.walk(top):
            for name in files:
                try:
                    total += os.lstat(os.path.join(directory, name)).st_size
                except OSError:
                    pass
    return total


class ScratchSampler(threading.Thread):
    """Samples scratch_bytes every 10 ms until stopped; `peak` is the largest sample."""

    def __init__(self, state):
        super().__init__(daemon=True)
        self.state, self.peak, self.done = state, 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, scratch_bytes(self.state))
            time.sleep(0.01)


def export(port, outpost_pid, state):
    """One export: (seconds, peak RSS MB of the service instance, the job, scratch peak MB)."""
    services = processes_named(outpost_pid, "backup-service")
    sampler = ScratchSampler(state)
    sampler.start()
    for pid in services:
        reset_peak_rss(pid)
    start = time.perf_counter()
    status, job = api(port, KEY, "POST", "/api/backup/backup-user-data?wait=60", {})
    while status in (200, 202) and job["status"] not in ("succeeded", "failed", "cancelled", "dead_lettered"):
        time.sleep(0.05)
        status, job = api(port, KEY, "GET", "/api/containers/jobs/" + job["id"])
    seconds = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    if job.get("status") != "succeeded":
        raise SystemExit("export: %s %s" % (status, str(job)[:400]))
    services = services or processes_named(outpost_pid, "backup-service")
    peak = max((proc_status_mb(pid, "VmHWM") for pid in services), default=0.0)
    return seconds, peak, job, sampler.peak / (1 << 20)


def zip_baseline(directory, target):
    if os.path.exists(target):
        os.remove(target)
    start = time.perf_counter()
    subprocess.run(["zip", "-0", "-r", "-q", target, "."], cwd=directory, check=True)
    return time.perf_counter() - start


def main():
    files_dir = os.path.join(scratch, "files")
    paths = make_files(files_dir)
    state = os.path.join(scratch, "state")
    process, port = outpost_dev(outpost_bin, root, state, KEYS)
    try:
        start = time.perf_counter()
        for path in paths:
            upload(port, path)
        print("uploads: %d files, %d MB in %.1f s" % (FILES, TOTAL_MB, time.perf_counter() - start))
        # Warm the instance (and the page cache on both sides), untimed.
        _, _, job, _ = export(port, process.pid, state)
        zip_baseline(files_dir, os.path.join(scratch, "baseline.zip"))
        exports, peaks, zips, scratch_peaks = [], [], [], []
        for _ in range(ROUNDS):
            seconds, peak, job, scratch_peak = export(port, process.pid, state)
            exports.append(seconds)
            peaks.append(peak)
            scratch_peaks.append(scratch_peak)
            zips.append(zip_baseline(files_dir, os.path.join(scratch, "baseline.zip")))
        # The last export, read by Python's zipfile: every CRC.
        url = job["outputs"][0]["url"]
        status, data = request(port, "GET", url, headers={"X-API-Key": KEY})
        if status != 200:
            raise SystemExit("download: %s" % status)
        with open(os.path.join(scratch, "export.zip"), "wb") as f:
            f.write(data)
        del data
        with zipfile.ZipFile(os.path.join(scratch, "export.zip")) as z:
            bad = z.testzip()
            uploads = sum(1 for name in z.namelist() if name.startswith("uploads/"))
    finally:
        stop(process)
    export_s, zip_s = statistics.median(exports), statistics.median(zips)
    print()
    print("## GDPR export (backup-user-data) of a user with %d MB of uploads (%d files) vs zip -0 of the same files, "
          "%d alternating rounds, medians" % (TOTAL_MB, FILES, ROUNDS))
    print("%-52s%-16s%-16s%s" % ("measure", "export", "zip -0", "ratio"))
    print("%-52s%-16.1f%-16.1f%.2f" % ("MB/s of user data", TOTAL_MB / export_s, TOTAL_MB / zip_s, zip_s / export_s))
    print("%-52s%-16.2f%-16.2f" % ("wall time (s)", export_s, zip_s))
    print("%-52s%-16.1f" % ("backup-service peak RSS (MB, VmHWM)", max(peaks)))
    print("%-52s%-16.1f" % ("backup-service scratch peak (MB, sampled / 10 ms)", max(scratch_peaks)))
    print("rounds (s): export %s; zip -0 %s" % (["%.2f" % s for s in exports], ["%.2f" % s for s in zips]))
    print("last export: %d uploads in it, zipfile.testzip: %s" % (uploads, "ok" if bad is None else "BAD " + bad))
    if bad is not None or uploads != FILES:
        sys.exit(1)


main()
