"""The media suite of `make bench` (issue 13): the HLS ladder beside the ffmpeg CLI, the time
to the first playable segment through the whole platform beside the whole job's time, and a live
stream's glass-to-playlist latency through the whole platform beside its target (2 segments).

Run by run.sh. argv: media-transcoder-binary outpost-binary wrangler.toml scratch-dir
Environment: MEDIA_BENCH_SECONDS (clip length, default 30), MEDIA_BENCH_ROUNDS (default 3),
MEDIA_BENCH_PARTS ("ladder platform live" by default), MEDIA_BENCH_LIVE_SECONDS (the live
ingest's length, default 120).
"""
import http.client
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.request

from bench_support import free_port, proc_status_mb

service_bin, outpost_bin, config, scratch = sys.argv[1:5]
SECONDS = int(os.environ.get("MEDIA_BENCH_SECONDS", "30"))
ROUNDS = int(os.environ.get("MEDIA_BENCH_ROUNDS", "3"))
PARTS = os.environ.get("MEDIA_BENCH_PARTS", "ladder platform live").split()
LIVE_SECONDS = int(os.environ.get("MEDIA_BENCH_LIVE_SECONDS", "120"))
LIVE_SEGMENT = 2
RATE = 30
QUALITIES = ["mobile", "low", "medium", "high"]
# The ladder as services/media-transcoder/MediaTranscoding/Ladder/Rendition.swift declares it.
LADDER = {"mobile": (426, 240, 400_000), "low": (640, 360, 800_000), "medium": (854, 480, 1_400_000), "high": (1280, 720, 2_800_000)}
SEGMENT = 6
GOP = SEGMENT * RATE
processes = []


def wait_http(url):
    for _ in range(600):
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit("no answer from " + url)


def make_clip(path):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=%d:duration=%d" % (RATE, SECONDS),
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=%d" % SECONDS,
                    "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-g", "60", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "128k", "-shortest", path], check=True)


def ffmpeg_ladder(clip, out):
    """The same ladder with the ffmpeg CLI: one decode split to one bicubic scaler per rendition,
    libx264 veryfast with the service's rate control and closed GOPs, the same HLS muxer options."""
    os.makedirs(out, exist_ok=True)
    split = "[0:v]split=%d%s;" % (len(QUALITIES), "".join("[s%d]" % i for i in range(len(QUALITIES))))
    branches = ";".join("[s%d]scale=%d:%d:flags=bicubic,format=yuv420p[o%d]" % (i, LADDER[q][0], LADDER[q][1], i) for i, q in enumerate(QUALITIES))
    args = ["ffmpeg", "-v", "error", "-y", "-i", clip, "-filter_complex", split + branches]
    hls = lambda name: ["-f", "hls", "-hls_time", str(SEGMENT), "-hls_playlist_type", "vod", "-hls_list_size", "0", "-hls_segment_type", "mpegts",
                        "-hls_flags", "independent_segments", "-hls_segment_filename", "%s/%s-%%03d.ts" % (out, name), "%s/%s.m3u8" % (out, name)]
    for i, q in enumerate(QUALITIES):
        rate = LADDER[q][2]
        args += ["-map", "[o%d]" % i, "-c:v", "libx264", "-preset", "veryfast", "-b:v", str(rate), "-maxrate", str(rate * 11 // 10),
                 "-bufsize", str(rate * 2), "-g", str(GOP), "-keyint_min", str(GOP),
                 "-x264-params", "keyint=%d:min-keyint=%d:scenecut=0:open-gop=0" % (GOP, GOP), "-r", str(RATE)] + hls(q)
    args += ["-map", "0:a", "-c:a", "aac", "-b:a", "128000"] + hls("audio")
    start = time.monotonic()
    subprocess.run(args, check=True)
    return time.monotonic() - start


def first_playable(names):
    return "master" in names and all("%s-000" % q in names for q in QUALITIES + ["audio"])


def service_ladder(port, clip):
    """POST /jobs/hls-transcode as the platform's runner does (NDJSON, pulled outputs); returns
    (seconds to the result, seconds to the first playable set of outputs)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    with open(clip, "rb") as f:
        body = f.read()
    start = time.monotonic()
    connection.request("POST", "/jobs/hls-transcode?qualities=%s&segmentSeconds=%d" % (",".join(QUALITIES), SEGMENT), body=body,
                       headers={"Content-Type": "video/mp4", "Accept": "application/x-ndjson", "X-Output-Delivery": "pull"})
    response = connection.getresponse()
    names, first, job = set(), None, None
    for raw in response:
        line = json.loads(raw)
        if line["type"] == "output":
            names.add(line["output"]["name"])
            if first is None and first_playable(names):
                first = time.monotonic() - start
        elif line["type"] in ("result", "error"):
            if line["type"] == "error":
                raise SystemExit("the service failed: %s" % line)
            job = line
            break
    elapsed = time.monotonic() - start
    connection.close()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("DELETE", "/outputs/" + job["jobId"])
    connection.getresponse().read()
    return elapsed, first if first is not None else elapsed


def ladder_rows(clip):
    port = free_port()
    env = dict(os.environ, PORT=str(port), TMPDIR=scratch + "/service", LOG_LEVEL="warning")
    os.makedirs(env["TMPDIR"], exist_ok=True)
    service = subprocess.Popen([service_bin], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes.append(service)
    wait_http("http://127.0.0.1:%d/ping" % port)
    ours, cli, firsts = [], [], []
    for r in range(ROUNDS):
        cli.append(ffmpeg_ladder(clip, scratch + "/cli-%d" % r))
        elapsed, first = service_ladder(port, clip)
        ours.append(elapsed)
        firsts.append(first)
    hwm = proc_status_mb(service.pid, "VmHWM")
    # The largest child waited for so far: the ffmpeg CLI runs (the service is still running).
    cli_hwm = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    service.terminate()
    service.wait()
    frames = SECONDS * RATE
    o, c = statistics.median(ours), statistics.median(cli)
    print("\n## media-transcoder: HLS ladder (%s + AAC) of a %d s 1080p30 clip, %d alternating rounds, medians" % (",".join(QUALITIES), SECONDS, ROUNDS))
    print("%-52s%-14s%-14s%s" % ("measure", "service", "ffmpeg CLI", "ratio"))
    print("%-52s%-14.2f%-14.2f%.2f  (CLI time / service time) [target >= 0.9]  %s" % ("ladder wall time (s)", o, c, c / o, "PASS" if c / o >= 0.9 else "MISS"))
    print("%-52s%-14.1f%-14.1f%.2f" % ("source frames per second", frames / o, frames / c, c / o))
    print("%-52s%-14.2f%-14.2f%.2f" % ("service: first playable set published (s) vs end", statistics.median(firsts), o, statistics.median(firsts) / o))
    print("%-52s%-14.0f%-14.0f%.2f" % ("peak RSS (MB)", hwm, cli_hwm, hwm / cli_hwm))
    print("rounds: service %s; CLI %s" % (["%.2f" % x for x in ours], ["%.2f" % x for x in cli]))


def api(port, key, method, path, body=None, content_type="application/json"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"X-API-Key": key}
    if body is not None:
        headers["Content-Type"] = content_type
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data) if data else None


def start_platform(name):
    """`outpost dev` with a fresh state and an admin key: (port, key)."""
    state = scratch + "/" + name
    os.makedirs(state, exist_ok=True)
    created = subprocess.run([outpost_bin, "keys", "create", "--name", "bench", "--role", "admin", "--config", config, "--persist-to", state],
                             check=True, capture_output=True, text=True).stdout
    key = json.loads(created)["key"]
    port = free_port()
    server = subprocess.Popen([outpost_bin, "dev", "--config", config, "--persist-to", state, "--port", str(port), "--s3-port", "0", "--log-level", "warning"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes.append(server)
    wait_http("http://127.0.0.1:%d/health" % port)
    return server, port, key


def platform_rows(clip, warm_clip):
    server, port, key = start_platform("state")

    def upload(path):
        with open(path, "rb") as f:
            status, body = api(port, key, "POST", "/api/containers/uploads", f.read(), "video/mp4")
        assert status == 201, body
        return body["key"]

    def run(upload_key):
        """Submits the ladder and follows the job's server-sent events (each change of its record)."""
        start = time.monotonic()
        status, job = api(port, key, "POST", "/api/media/hls-transcode", json.dumps({"key": upload_key, "qualities": ",".join(QUALITIES)}).encode())
        assert status == 202, job
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        connection.request("GET", "/api/containers/jobs/%s/events" % job["id"], headers={"X-API-Key": key})
        response = connection.getresponse()
        first = None
        for raw in response:
            line = raw.decode().strip()
            if not line.startswith("data: "):
                continue
            record = json.loads(line[len("data: "):])
            names = {os.path.splitext(os.path.basename(o["key"]))[0] for o in record.get("outputs", [])}
            if first is None and record["status"] in ("running", "succeeded") and first_playable(names):
                first = time.monotonic() - start
            if record["status"] in ("succeeded", "failed", "cancelled", "dead_lettered"):
                assert record["status"] == "succeeded", record
                connection.close()
                return first, time.monotonic() - start
        raise SystemExit("the event stream ended before the job did")

    run(upload(warm_clip))  # starts the instance: the figures are with a warm one
    key_long = upload(clip)
    runs = [run(key_long) for _ in range(2)]
    server.terminate()
    server.wait()
    first, whole = statistics.median([r[0] for r in runs]), statistics.median([r[1] for r in runs])
    print("\n## Pitchey platform: hls-transcode of the same clip through `outpost dev` (warm instance), 2 runs, medians, followed by its server-sent events")
    print("%-52s%-14s%-14s%s" % ("measure", "first play", "whole job", "ratio"))
    print("%-52s%-14.2f%-14.2f%.2f" % ("submit -> first playable set / job end (s)", first, whole, first / whole))


def live_rows(warm_clip):
    """A live stream through `outpost dev`: create it (POST /api/media/live-stream, default
    mobile,low at 2 s segments), publish a LIVE_SECONDS clip with `ffmpeg -re` to its ingest URL,
    and read the media playlists through the playback route every 0.1 s as a player does. A
    segment's glass-to-playlist latency: from when its last frame was sent (publisher start +
    the segment's end in media time, as -re paces it; the start is taken before ffmpeg runs, so
    this counts its start-up too) to the first playlist read that lists it in every rendition."""
    clip = scratch + "/live-720p.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=%d:duration=%d" % (RATE, LIVE_SECONDS),
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=%d" % LIVE_SECONDS,
                    "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-g", str(RATE), "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "128k", "-shortest", clip], check=True)
    server, port, key = start_platform("live-state")
    # A first stream starts the instance: the figures are with a warm one.
    for warm in (True, False):
        status, job = api(port, key, "POST", "/api/media/live-stream", json.dumps({"segmentSeconds": LIVE_SEGMENT}).encode())
        assert status == 202, job
        base = "http://127.0.0.1:%d" % port
        token = job["playbackUrl"].split("token=")[1]
        start = time.monotonic()
        publisher = subprocess.Popen(["ffmpeg", "-v", "error", "-re", "-i", warm_clip if warm else clip, "-c", "copy", "-f", "mpegts", "-method", "POST",
                                      base + job["ingestUrl"]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(publisher)
        seen = {}        # (rendition, index) -> monotonic time first listed
        ends = {}        # index -> the segment's end in media time (s)
        renditions = ("mobile", "low")
        while publisher.poll() is None or (not warm and len(ends) < LIVE_SECONDS // LIVE_SEGMENT - 1 and time.monotonic() - start < LIVE_SECONDS + 30):
            for rendition in renditions:
                try:
                    text = urllib.request.urlopen("%s/streams/%s/%s.m3u8?token=%s" % (base, job["id"], rendition, token), timeout=5).read().decode()
                except Exception:
                    continue
                now = time.monotonic()
                sequence, duration = 0, None
                for line in text.splitlines():
                    if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
                        sequence = int(line.split(":")[1])
                    elif line.startswith("#EXTINF:"):
                        duration = float(line[len("#EXTINF:"):].split(",")[0])
                    elif line and not line.startswith("#"):
                        index = int(line.split("?")[0].rsplit("-", 1)[1].split(".")[0])
                        seen.setdefault((rendition, index), now)
                        if rendition == renditions[0] and index not in ends and (index == 0 or index - 1 in ends):
                            ends[index] = (ends[index - 1] if index else 0) + duration
            time.sleep(0.1)
        publisher.wait()
        if warm:
            continue
        latencies = []
        for index, end in sorted(ends.items()):
            listed = [seen.get((r, index)) for r in renditions]
            if None in listed:
                continue
            latencies.append(max(listed) - (start + end))
        target = 2 * LIVE_SEGMENT
        p50, worst = statistics.median(latencies), max(latencies)
        print("\n## Pitchey platform: live-stream through `outpost dev` (warm instance): a %d s 720p30 clip published with ffmpeg -re (MPEG-TS over a chunked POST), mobile,low, %d s segments, playlists read every 0.1 s through GET /streams/{id}/" % (LIVE_SECONDS, LIVE_SEGMENT))
        print("%-52s%-14s%-14s%s" % ("measure", "live", "target", "ratio"))
        print("%-52s%-14.2f%-14.2f%.2f  (latency / target) [target <= 1]  %s" % ("glass-to-playlist latency p50 (s)", p50, target, p50 / target, "PASS" if p50 <= target else "MISS"))
        print("%-52s%-14.2f%-14.2f%.2f  %s" % ("glass-to-playlist latency max (s)", worst, target, worst / target, "PASS" if worst <= target else "MISS"))
        print("segments measured: %d; latencies (s): %s" % (len(latencies), " ".join("%.2f" % x for x in latencies)))
    server.terminate()
    server.wait()


def main():
    os.makedirs(scratch, exist_ok=True)
    clip = scratch + "/ladder-1080p.mp4"
    if "ladder" in PARTS or "platform" in PARTS:
        make_clip(clip)
    warm = scratch + "/warm.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=2", "-f", "lavfi", "-i", "sine=duration=2",
                    "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", warm], check=True)
    try:
        if "ladder" in PARTS:
            ladder_rows(clip)
        if "platform" in PARTS:
            platform_rows(clip, warm)
        if "live" in PARTS:
            live_rows(warm)
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()


main()
