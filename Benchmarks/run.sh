#!/usr/bin/env bash
# `make bench`: every benchmark, each beside its baseline in the same run, reported as ratios.
# Suites to run can be limited with SUITES="http kv …".
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)
SUITES=${SUITES:-"http kv durable-objects queues containers video video-ops platform s3 media documents code ai backup reports gdpr noop coldstart groupcommit"}
DURATION=${DURATION:-10s}

# One release build directory (Benchmarks/.build) holds the bench tools and the `outpost` binary.
# SwiftPM does not notice source files added to the root package (a path dependency here) once
# the build plan exists: drop the plan so it is made again.
rm -f .build/release.yaml
swift build -c release 2>&1 | { grep -E "error|Build complete" || true; } | tail -3
swift build -c release --product outpost 2>&1 | { grep -E "error" || true; } | tail -3
# `outpost dev` (the http, media, documents and ai suites) checks every container image wrangler.toml
# names at boot, and the platform suite boots the Pitchey app in-process: every image goes beside
# outpost and outpost-bench, in release.
for image in $(sed -n 's/^image *= *"\(.*\)"/\1/p' "$ROOT/wrangler.toml" | sort -u); do
  swift build -c release --product "$image" 2>&1 | { grep -E "error" || true; } | tail -3
done
BIN=$(swift build -c release --show-bin-path)
OUTPOST_BIN=$BIN/outpost
# The container launcher and test service link only libseccomp: build them in the root package.
for product in outpost-sandbox container-fixture; do
  swift build -c release --package-path "$ROOT" --product "$product" 2>&1 | { grep -E "error" || true; } | tail -3
done
export OUTPOST_BIN_DIR=$(swift build -c release --package-path "$ROOT" --show-bin-path)
ln -sf "$OUTPOST_BIN_DIR/outpost-sandbox" "$BIN/outpost-sandbox"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 300); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1"; return 1; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/"$1"/status; }

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

for suite in $SUITES; do
  case "$suite" in
  http)
    # GET /health on outpost dev beside: the same server recording no metrics (what metrics cost),
    # the Pitchey Worker behind a lean SwiftNIO pipeline (nio-front, a measurement prototype: what
    # a leaner front would win), a bare Hummingbird hello (the framework outpost's front sits on),
    # a bare SwiftNIO hello (the floor under both) and Deno.serve (the issue's anchor).
    STATE=$(mktemp -d)
    printf 'const port = Number(Deno.args[0]);\nDeno.serve({ port, hostname: "127.0.0.1", onListen() {} }, () => new Response("Hello, world!"));\n' > "$STATE/hello.js"
    declare -A PORT
    for target in out off nio hb bare deno; do PORT[$target]=$(free_port); done
    "$OUTPOST_BIN" dev --config "$ROOT/wrangler.toml" --persist-to "$STATE/out" --port "${PORT[out]}" --s3-port 0 --log-level warning 2>/dev/null & OUT_PID=$!; PIDS+=("$OUT_PID")
    "$OUTPOST_BIN" dev --config "$ROOT/wrangler.toml" --persist-to "$STATE/off" --port "${PORT[off]}" --s3-port 0 --no-metrics --log-level warning 2>/dev/null & PIDS+=("$!")
    "$BIN/nio-front" "${PORT[nio]}" "$ROOT/wrangler.toml" "$STATE/nio" 2>/dev/null & PIDS+=("$!")
    "$BIN/hello-hummingbird" "${PORT[hb]}" >/dev/null 2>&1 & PIDS+=("$!")
    "$BIN/hello-nio" "${PORT[bare]}" >/dev/null 2>&1 & PIDS+=("$!")
    /opt/deno/bin/deno run --allow-net "$STATE/hello.js" "${PORT[deno]}" >/dev/null 2>&1 & PIDS+=("$!")
    for target in out off nio hb bare deno; do wait_http "http://127.0.0.1:${PORT[$target]}/health"; done
    sleep 1
    IDLE_RSS=$(rss_mb "$OUT_PID")
    # Warm up each, then alternate runs so drift on a shared machine hits every side alike.
    for target in out off nio hb bare deno; do wrk -t2 -c64 -d2s "http://127.0.0.1:${PORT[$target]}/health" >/dev/null; done
    RESULTS=""
    for round in 1 2 3; do
      for target in out off nio hb bare deno; do
        res=$(wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:${PORT[$target]}/health")
        RESULTS+="$target $(echo "$res" | awk '/Requests\/sec/ {print $2}') $(echo "$res" | awk '$1=="99%" {print $2}')"$'\n'
      done
    done
    LOADED_RSS=$(rss_mb "$OUT_PID")
    cleanup; PIDS=()
    rm -rf "$STATE"
    python3 - "$RESULTS" "$IDLE_RSS" "$LOADED_RSS" <<'PY'
import sys, statistics
def ms(v):
    for suffix, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(suffix): return float(v[:-len(suffix)]) * scale
    return float(v)
rps, p99 = {}, {}
for line in sys.argv[1].split("\n"):
    if not line.strip(): continue
    target, r, p = line.split()
    rps.setdefault(target, []).append(float(r)); p99.setdefault(target, []).append(ms(p))
m = {t: statistics.median(v) for t, v in rps.items()}
names = {"out": "outpost dev", "off": "outpost dev --no-metrics", "nio": "Pitchey Worker on a lean NIO front",
         "hb": "bare Hummingbird hello", "bare": "bare SwiftNIO hello", "deno": "Deno.serve hello"}
print("\n## HTTP front: GET /health, wrk -t2 -c64, medians of 3 alternating runs")
print(f"{'server':40}{'req/s':>10}{'p99 ms':>10}{'÷ outpost':>11}{'÷ Deno':>9}")
for t in ("out", "off", "nio", "hb", "bare", "deno"):
    print(f"{names[t]:40}{m[t]:>10.0f}{statistics.median(p99[t]):>10.2f}{m[t]/m['out']:>11.2f}{m[t]/m['deno']:>9.2f}")
print(f"{'outpost RSS idle after boot / after load (MB)':52}{sys.argv[2]} / {sys.argv[3]}")
print(f"{'outpost ÷ Hummingbird hello':52}{m['out']/m['hb']:.2f}")
print(f"{'metrics on ÷ --no-metrics':52}{m['out']/m['off']:.2f}  [target >= 0.97]  {'PASS' if m['out']/m['off'] >= 0.97 else 'MISS'}")
print(f"{'outpost ÷ Deno.serve':52}{m['out']/m['deno']:.2f}  [step >= 0.5, goal >= 1.0]  {'PASS' if m['out']/m['deno'] >= 0.5 else 'MISS'}")
print(f"{'lean NIO front ÷ outpost (adopt at >= 1.5)':52}{m['nio']/m['out']:.2f}")
PY
    ;;
  s3)
    # The test app's Worker has a plain R2 route (/r2/<key>): the baseline for the same objects.
    swift build -c release --package-path "$ROOT" --product outpost-testapp 2>&1 | { grep -E "error" || true; } | tail -3
    TESTAPP="$OUTPOST_BIN_DIR/outpost-testapp"
    STATE=$(mktemp -d)
    printf 'name = "s3-bench"\n[[r2_buckets]]\nbinding = "BUCKET"\nbucket_name = "bench"\n' > "$STATE/wrangler.toml"
    KEY=$("$TESTAPP" r2 credentials create --name bench --persist-to "$STATE/state")
    P1=$(free_port); P2=$(free_port)
    "$TESTAPP" dev --config "$STATE/wrangler.toml" --persist-to "$STATE/state" --port "$P1" --s3-port "$P2" --log-level warning 2>/dev/null & OUT_PID=$!; PIDS+=("$OUT_PID")
    for _ in $(seq 1 300); do curl -s "http://127.0.0.1:$P2/" >/dev/null 2>&1 && break; sleep 0.1; done
    python3 "$(pwd)/s3_bench.py" "http://127.0.0.1:$P2" "http://127.0.0.1:$P1" \
      "$(echo "$KEY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessKeyId"])')" \
      "$(echo "$KEY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secretAccessKey"])')" "$OUT_PID" "$STATE"
    kill "$OUT_PID"; wait "$OUT_PID" 2>/dev/null || true
    rm -rf "$STATE"
    ;;
  media)
    # The HLS ladder beside the ffmpeg CLI, and time to the first playable segment through `outpost dev`.
    STATE=$(mktemp -d)
    python3 "$(pwd)/media_bench.py" "$BIN/media-transcoder" "$OUTPOST_BIN" "$ROOT/wrangler.toml" "$STATE"
    rm -rf "$STATE"
    ;;
  documents)
    # The release document-processor beside poppler-utils and tesseract, and behind `outpost dev`.
    STATE=$(mktemp -d)
    python3 "$(pwd)/documents_bench.py" "$BIN/document-processor" "$OUTPOST_BIN" "$ROOT" "$STATE"
    rm -rf "$STATE"
    ;;
  video-ops)
    # The video-processor's transcode, memory and thumbnail figures against the ffmpeg CLI and
    # single-time jobs: video_ops_bench.py starts the release service itself (a fresh one per input).
    STATE=$(mktemp -d)
    python3 "$(pwd)/video_ops_bench.py" "$BIN/video-processor" "$STATE"
    rm -rf "$STATE"
    ;;
  code)
    # The code-executor as a sandboxed instance (outpost-sandbox --nested, per-run cgroups), driven by a script.
    swift build -c release --package-path "$ROOT" --product code-executor 2>&1 | { grep -E "error" || true; } | tail -3
    python3 "$(pwd)/code_bench.py" "$OUTPOST_BIN_DIR/outpost-sandbox" "$OUTPOST_BIN_DIR/code-executor"
    ;;
  noop)
    # The platform's own cost per job with a service that does nothing (Tests/Fixtures/noop-service),
    # through `outpost-noop` (`outpost` with that service's class; Pitchey's registry and wrangler.toml
    # stay without it), beside the service called directly; and video.analyze whole path ÷ direct.
    for product in outpost-noop noop-service video-processor; do
      swift build -c release --product "$product" 2>&1 | { grep -E "error" || true; } | tail -3
    done
    STATE=$(mktemp -d)
    python3 "$(pwd)/noop_bench.py" "$BIN" "$STATE" "$ROOT/fixtures/sample.mp4"
    rm -rf "$STATE"
    ;;
  groupcommit)
    # KV puts with 1 and 16 concurrent writers and fsyncs per put (group commit in SQLiteDatabase.write),
    # through outpost-bench kv-writers; GROUPCOMMIT_BASELINE names an outpost-bench built from another
    # commit (e.g. main before group commit) to alternate with, round by round.
    python3 "$(pwd)/groupcommit_bench.py" "$BIN/outpost-bench" ${GROUPCOMMIT_BASELINE:+"$GROUPCOMMIT_BASELINE"}
    ;;
  coldstart)
    # Where each millisecond of a cold start goes: launcher, sandbox, loader, service init,
    # readiness, platform dispatch (coldstart_bench.py), for the no-op service and video-processor.
    for product in outpost-noop noop-service video-processor; do
      swift build -c release --product "$product" 2>&1 | { grep -E "error" || true; } | tail -3
    done
    STATE=$(mktemp -d)
    python3 "$(pwd)/coldstart_bench.py" "$BIN" "$OUTPOST_BIN_DIR/outpost-sandbox" "$STATE" || { rm -rf "$STATE"; exit 1; }
    rm -rf "$STATE"
    ;;
  ai)
    # The release ai-inference service beside outpost (the instance image outpost dev starts); the
    # script starts the services and outpost dev itself (see ai_bench.py for what each figure compares).
    python3 "$(pwd)/ai_bench.py" "$BIN" "$ROOT"
    ;;
  backup)
    # `outpost backup create` of a live node (10k jobs, 2 GB of R2) beside cp -a, and the write
    # latency it adds (backup_bench.py; BACKUP_BENCH_JOBS / _R2_MB / _ROUNDS shrink it for a quick try).
    STATE=$(mktemp -d)
    python3 "$(pwd)/backup_bench.py" "$OUTPOST_BIN" "$ROOT" "$STATE" || { rm -rf "$STATE"; exit 1; }
    rm -rf "$STATE"
    ;;
  gdpr)
    # A GDPR export of a user with 1 GB of uploads beside zip -0 of the same files, and the
    # backup-service's peak RSS (gdpr_bench.py; GDPR_BENCH_MB / _FILES / _ROUNDS shrink it).
    STATE=$(mktemp -d)
    python3 "$(pwd)/gdpr_bench.py" "$OUTPOST_BIN" "$ROOT" "$STATE" || { rm -rf "$STATE"; exit 1; }
    rm -rf "$STATE"
    ;;
  reports)
    # A platform PDF report over 100k jobs beside one over 10k (report_bench.py; REPORT_BENCH_JOBS
    # / _ROUNDS shrink it).
    STATE=$(mktemp -d)
    python3 "$(pwd)/report_bench.py" "$OUTPOST_BIN" "$ROOT" "$STATE" || { rm -rf "$STATE"; exit 1; }
    rm -rf "$STATE"
    ;;
  *)
    "$BIN/outpost-bench" "$suite"
    ;;
  esac
done
