"""`make bench` suite `groupcommit`: KV puts with 1 and 16 concurrent writers, and the fsyncs each
put costs, through the release `outpost-bench kv-writers` (KVStore on a fresh kv.sqlite).

Usage: groupcommit_bench.py OUTPOST_BENCH [BASELINE_OUTPOST_BENCH]

With a baseline (`outpost-bench` built from another commit, e.g. main before group commit), the
two binaries alternate round by round so machine noise hits both alike, and each row prints
this build beside the baseline; without one, only this build's figures print.

Rows: puts/s (median of ROUNDS runs of a fixed number of puts), and fsync+fdatasync per put from
a separate run under `strace -f -c` (strace slows the process, so no rates from that run).
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from bench_support import strace_fsyncs

ROUNDS = int(os.environ.get("GROUPCOMMIT_ROUNDS", "5"))
PUTS = int(os.environ.get("GROUPCOMMIT_PUTS", "1600"))  # per run, split over the writers


def run(binary, writers, strace_summary=None):
    env = dict(os.environ, KV_WRITERS=str(writers), KV_PUTS_PER_WRITER=str(PUTS // writers))
    cmd = [binary, "kv-writers"]
    if strace_summary:
        cmd = ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", strace_summary] + cmd
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("kv-writers "))
    fields = dict(part.split("=") for part in line.split()[1:])
    return int(fields["puts"]), float(fields["seconds"])


def main():
    sides = [("this build", sys.argv[1])]
    if len(sys.argv) > 2:
        sides.append(("baseline", sys.argv[2]))
    rates = {(label, w): [] for label, _ in sides for w in (1, 16)}
    for label, binary in sides:  # warm the page cache and the binaries
        run(binary, 1)
    for _ in range(ROUNDS):
        for writers in (1, 16):
            for label, binary in sides:
                puts, seconds = run(binary, writers)
                rates[(label, writers)].append(puts / seconds)
    per_put = {}
    if shutil.which("strace"):
        with tempfile.TemporaryDirectory() as scratch:
            summary = os.path.join(scratch, "strace.txt")
            for writers in (1, 16):
                for label, binary in sides:
                    puts, _ = run(binary, writers, summary)
                    per_put[(label, writers)] = strace_fsyncs(summary) / puts
    print("\n## KV puts, group commit (KVStore, 256-byte values, %d puts per run; medians of %d alternating runs)" % (PUTS, ROUNDS))
    print(f"{'measure':52}{'this build':14}{'baseline':14}ratio")
    for writers in (1, 16):
        row = [statistics.median(rates[(label, writers)]) for label, _ in sides]
        base = f"{row[1]:<14.0f}{row[0] / row[1]:.2f}" if len(row) > 1 else "-"
        print(f"{'puts/s, %2d concurrent writers' % writers:52}{row[0]:<14.0f}{base}")
    for writers in (1, 16):
        if (sides[0][0], writers) not in per_put:
            print("fsyncs per put: strace not installed (make bench-deps installs it)")
            break
        row = [per_put[(label, writers)] for label, _ in sides]
        base = f"{row[1]:<14.2f}{row[0] / row[1]:.2f}" if len(row) > 1 else "-"
        print(f"{'fsync+fdatasync per put, %2d concurrent writers' % writers:52}{row[0]:<14.2f}{base}")


if __name__ == "__main__":
    main()
