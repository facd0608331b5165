"""The s3 suite of `make bench`: R2's S3 API beside the same objects through a Worker route on the
R2 binding, and a 1 GiB multipart upload beside `cp`. Run by run.sh, which starts the server.

argv: s3-endpoint worker-base-url key-id secret server-pid scratch-dir
"""
import hashlib
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.client import Config

endpoint, worker, key_id, secret, pid, scratch = sys.argv[1:7]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret,
                  region_name="auto", config=Config(signature_version="s3v4"))
BUCKET = "bench"  # bound to the Worker as BUCKET in run.sh's wrangler.toml
MIB = 1024 * 1024
OBJECTS, THREADS, REQUESTS = 32, 8, int(os.environ.get("S3_BENCH_REQUESTS", "400"))
BIG_MB = int(os.environ.get("S3_BENCH_BIG_MB", "1024"))
body = os.urandom(MIB)


def status_kb(field):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def run(method, urls, data=None):
    """REQUESTS requests over THREADS keep-alive connections; returns MB/s and p99 ms."""
    latencies, lock, counter = [], threading.Lock(), [0]

    def worker_loop():
        conns = {}
        while True:
            with lock:
                i = counter[0]
                counter[0] += 1
            if i >= REQUESTS:
                return
            u = urllib.parse.urlsplit(urls[i % len(urls)])
            conn = conns.get(u.netloc) or http.client.HTTPConnection(u.netloc, timeout=60)
            conns[u.netloc] = conn
            t = time.perf_counter()
            conn.request(method, u.path + ("?" + u.query if u.query else ""), body=data)
            r = conn.getresponse()
            got = r.read()
            assert r.status == 200, (r.status, got[:300])
            assert method != "GET" or len(got) == MIB
            with lock:
                latencies.append(time.perf_counter() - t)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker_loop) for _ in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return REQUESTS * MIB / MIB / elapsed, latencies[int(len(latencies) * 0.99) - 1] * 1000


keys = ["obj/%d" % i for i in range(OBJECTS)]
s3_put = [s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": k}, ExpiresIn=3600) for k in keys]
s3_get = [s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": k}, ExpiresIn=3600) for k in keys]
w_urls = ["%s/r2/%s" % (worker, k) for k in keys]

# Warm up both, then alternate rounds so drift on a shared machine hits both sides alike.
run("PUT", s3_put, body); run("PUT", w_urls, body)
rows = {"PUT": ([], [], [], []), "GET": ([], [], [], [])}
for _ in range(3):
    for method in ["PUT", "GET"]:
        s_rate, s_p99 = run(method, s3_put if method == "PUT" else s3_get, body if method == "PUT" else None)
        w_rate, w_p99 = run(method, w_urls, body if method == "PUT" else None)
        rows[method][0].append(s_rate); rows[method][1].append(w_rate); rows[method][2].append(s_p99); rows[method][3].append(w_p99)

print("\n## S3 API: 1 MiB objects, %d requests over %d connections, median of 3 alternating rounds" % (REQUESTS, THREADS))
print(f"{'measure':44}{'S3 (presigned)':16}{'Worker R2':14}ratio (≥ 0.8)")
for method in ["PUT", "GET"]:
    s, w, sp, wp = (statistics.median(x) for x in rows[method])
    print(f"{method + ' MB/s':44}{s:<16.1f}{w:<14.1f}{s / w:.2f}")
    print(f"{method + ' p99 latency (ms)':44}{sp:<16.1f}{wp:<14.1f}{sp / wp:.2f}")

# 1 GiB multipart upload with boto3 (16 MiB parts, 4 at a time) against cp of the same file.
src = os.path.join(scratch, "1GiB.bin")
with open(src, "wb") as f:
    for _ in range(BIG_MB):
        f.write(os.urandom(MIB))
subprocess.run(["sync"])
rss_before = status_kb("VmRSS")
t = time.perf_counter()
shutil.copyfile(src, src + ".copy")
with open(src + ".copy", "rb+") as f:
    os.fsync(f.fileno())
cp_secs = time.perf_counter() - t
os.remove(src + ".copy")
peak = [0]
done = threading.Event()


def sample():
    while not done.is_set():
        peak[0] = max(peak[0], status_kb("VmRSS"))
        time.sleep(0.05)


sampler = threading.Thread(target=sample)
sampler.start()
t = time.perf_counter()
s3.upload_file(src, BUCKET, "big/1GiB.bin", Config=TransferConfig(multipart_threshold=16 * MIB, multipart_chunksize=16 * MIB, max_concurrency=4))
up_secs = time.perf_counter() - t
done.set()
sampler.join()
head = s3.head_object(Bucket=BUCKET, Key="big/1GiB.bin")
assert head["ContentLength"] == BIG_MB * MIB
os.remove(src)
print(f"\n## S3 API: {BIG_MB} MiB multipart upload (boto3, 16 MiB parts, 4 in flight) against cp + fsync on the same disk")
print(f"{'measure':44}{'S3 upload':16}{'cp':14}ratio")
print(f"{'MB/s':44}{BIG_MB / up_secs:<16.1f}{BIG_MB / cp_secs:<14.1f}{cp_secs / up_secs:.2f}")
print(f"{'outpost RSS before (MB)':44}{rss_before / 1024:.1f}")
print(f"{'outpost peak RSS during the upload (MB)':44}{peak[0] / 1024:.1f}")
