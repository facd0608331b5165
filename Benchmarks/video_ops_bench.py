"""The video-ops suite of `make bench`: the video-processor's own operations, each beside a
baseline measured in the same run (run.sh builds the release service and passes its path).

1. Transcode speed: `process` (mp4, quality high) on a 1080p clip against the `ffmpeg` CLI doing
   the same encode: libx264 preset medium CRF 20 (the service's `high`, TranscodeRequest.Quality),
   AAC 160 kbit/s, threads auto (0) for decoder and encoder as the service sets them, no scaling,
   +faststart. The two sides alternate over ROUNDS rounds; medians.
2. Peak RSS (VmHWM) of a fresh service process after one such transcode of a 10 s and a 60 s input.
3. Thumbnails at 10 times of a 720p file: one job with `timestamps` against 10 single-timestamp
   jobs in a row.

The service is driven the way the platform drives it (services/CONTRACT.md): the input posted as
the body of `POST /jobs/<operation>` with parameters in the query string, outputs pulled from its
outbox (`X-Output-Delivery: pull`, then `GET /outputs/<job>/<i>`, `DELETE /outputs/<job>`). Every
output is checked with ffprobe (frame count, codecs) or its image signature, so a fast wrong answer
cannot pass for a fast one.

argv: video-processor-binary scratch-dir
env: VIDEO_OPS_ROUNDS (3), VIDEO_OPS_SHORT_SECONDS (10), VIDEO_OPS_LONG_SECONDS (60)
"""
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse

from bench_support import free_port, proc_status_mb

service_bin, scratch = sys.argv[1:3]
ROUNDS = int(os.environ.get("VIDEO_OPS_ROUNDS", "3"))
SHORT = int(os.environ.get("VIDEO_OPS_SHORT_SECONDS", "10"))
LONG = int(os.environ.get("VIDEO_OPS_LONG_SECONDS", "60"))
FPS = 30
# The service's `quality=high` for mp4 (services/video-processor/VideoProcessing/Transcode/TranscodeRequest.swift):
# libx264 preset medium, CRF 20, AAC 160 kbit/s, max height 1080 (so a 1080p input is not scaled).
PRESET, CRF, AUDIO_BITRATE = "medium", 20, "160k"
THUMB_TIMES = [1.5, 4.2, 7.9, 10.0, 12.6, 15.3, 18.8, 21.1, 24.4, 27.7]


def make_clip(path, width, height, seconds):
    """A synthetic clip: testsrc2 (moving, detailed picture) + a sine tone, H.264 + AAC in MP4."""
    subprocess.run([
        "ffmpeg", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={FPS}:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart", path,
    ], check=True)


def probe(path):
    """(video frames, video codec, audio codec, width, height) as ffprobe reads them."""
    out = subprocess.run([
        "ffprobe", "-v", "error", "-count_packets", "-show_entries",
        "stream=codec_type,codec_name,width,height,nb_read_packets", "-of", "json", path,
    ], check=True, capture_output=True, text=True).stdout
    streams = json.loads(out)["streams"]
    video = next(s for s in streams if s["codec_type"] == "video")
    audio = next((s for s in streams if s["codec_type"] == "audio"), {})
    return int(video["nb_read_packets"]), video["codec_name"], audio.get("codec_name"), video["width"], video["height"]


class Service:
    """A fresh release video-processor process on a free port, its scratch in `scratch`."""

    def __init__(self, tag):
        self.port = free_port()
        self.tmp = os.path.join(scratch, "service-" + tag)
        os.makedirs(self.tmp, exist_ok=True)
        env = dict(os.environ, PORT=str(self.port), TMPDIR=self.tmp, LOG_LEVEL="warning", JOB_CONCURRENCY="1")
        self.process = subprocess.Popen([service_bin], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120  # a generous wait for readiness on a loaded machine
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"video-processor exited with {self.process.returncode} before answering /ping")
            try:
                status, _, _ = self.request("GET", "/ping")
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("video-processor did not answer /ping")
            time.sleep(0.05)

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=3600)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read(), r.getheaders()
        finally:
            conn.close()

    def job(self, operation, params, input_path):
        """Posts `input_path` to `/jobs/<operation>?params`, pulls every output; returns them as bytes."""
        with open(input_path, "rb") as f:
            body = f.read()
        query = urllib.parse.urlencode(params)
        status, data, _ = self.request("POST", f"/jobs/{operation}?{query}", body,
                                       {"Content-Type": "video/mp4", "X-Output-Delivery": "pull"})
        if status != 200:
            raise SystemExit(f"{operation} answered {status}: {data[:300]!r}")
        answer = json.loads(data)
        outputs = []
        for output in answer.get("outputs", []):
            got, content, _ = self.request("GET", output["pull"])
            assert got == 200 and len(content) == output["size"], (got, len(content), output)
            outputs.append(content)
        self.request("DELETE", "/outputs/" + urllib.parse.quote(answer["jobId"], safe=""))
        return outputs

    def peak_rss_mb(self):
        return proc_status_mb(self.process.pid, "VmHWM")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def service_transcode(clip, tag):
    """One `process` job on a fresh service: (seconds, output path, VmHWM in MB)."""
    service = Service(tag)
    try:
        start = time.perf_counter()
        outputs = service.job("process", {"outputFormat": "mp4", "quality": "high"}, clip)
        seconds = time.perf_counter() - start
        rss = service.peak_rss_mb()
    finally:
        service.stop()
    assert len(outputs) == 1
    path = os.path.join(scratch, f"service-{tag}.mp4")
    with open(path, "wb") as f:
        f.write(outputs[0])
    return seconds, path, rss


def cli_transcode(clip, tag):
    """The same encode with the ffmpeg CLI: (seconds, output path)."""
    path = os.path.join(scratch, f"cli-{tag}.mp4")
    start = time.perf_counter()
    subprocess.run([
        "ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-threads", "0", "-i", clip,
        "-map", "0:v:0", "-map", "0:a:0",
        "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p", "-threads", "0",
        "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-movflags", "+faststart", path,
    ], check=True)
    return time.perf_counter() - start, path


def check_same_encode(service_path, cli_path, frames):
    s, c = probe(service_path), probe(cli_path)
    assert s[0] == frames and c[0] == frames, f"frame counts: service {s[0]}, cli {c[0]}, source {frames}"
    assert s[1:] == c[1:] == ("h264", "aac", 1920, 1080), (s, c)


short_clip = os.path.join(scratch, f"1080p-{SHORT}s.mp4")
long_clip = os.path.join(scratch, f"1080p-{LONG}s.mp4")
thumb_clip = os.path.join(scratch, "720p-30s.mp4")
make_clip(short_clip, 1920, 1080, SHORT)
make_clip(long_clip, 1920, 1080, LONG)
make_clip(thumb_clip, 1280, 720, 30)
short_frames = probe(short_clip)[0]

# 1. Transcode speed, alternating sides, a fresh service each round (its VmHWM is the 10 s figure).
service_fps, cli_fps, short_rss, sizes = [], [], [], ([], [])
for round_ in range(ROUNDS):
    order = ["service", "cli"] if round_ % 2 == 0 else ["cli", "service"]
    for side in order:
        if side == "service":
            seconds, path, rss = service_transcode(short_clip, f"short-{round_}")
            service_fps.append(short_frames / seconds)
            short_rss.append(rss)
            sizes[0].append(os.path.getsize(path))
            service_path = path
        else:
            seconds, path = cli_transcode(short_clip, f"short-{round_}")
            cli_fps.append(short_frames / seconds)
            sizes[1].append(os.path.getsize(path))
            cli_path = path
    check_same_encode(service_path, cli_path, short_frames)
    os.remove(service_path)
    os.remove(cli_path)

s_fps, c_fps = statistics.median(service_fps), statistics.median(cli_fps)
print(f"\n## video-processor transcode: 1080p{FPS} {SHORT} s H.264+AAC clip -> mp4 (libx264 {PRESET} CRF {CRF}, "
      f"AAC {AUDIO_BITRATE}, threads auto), median of {ROUNDS} alternating rounds")
print(f"{'measure':44}{'service':14}{'ffmpeg CLI':14}ratio")
print(f"{'frames/s (whole job: upload, encode, pull)':44}{s_fps:<14.1f}{c_fps:<14.1f}{s_fps / c_fps:.2f}  [target >= 0.9]  "
      f"{'PASS' if s_fps / c_fps >= 0.9 else 'MISS'}")
print(f"{'output size (MB)':44}{statistics.median(sizes[0]) / 1e6:<14.2f}{statistics.median(sizes[1]) / 1e6:<14.2f}"
      f"{statistics.median(sizes[0]) / statistics.median(sizes[1]):.2f}")
print(f"{'  per round, frames/s':44}{' '.join(f'{v:.1f}' for v in service_fps):<13} {' '.join(f'{v:.1f}' for v in cli_fps)}")

# 2. Peak RSS with a 6x longer input, on a fresh service.
long_frames = probe(long_clip)[0]
_, long_path, long_rss = service_transcode(long_clip, "long")
assert probe(long_path)[0] == long_frames
os.remove(long_path)
rss_short = statistics.median(short_rss)
print(f"\n## video-processor peak RSS (VmHWM of a fresh service after one 1080p `process` job)")
print(f"{'measure':44}{f'{SHORT} s input':14}{f'{LONG} s input':14}ratio")
print(f"{'peak RSS (MB)':44}{rss_short:<14.1f}{long_rss:<14.1f}{long_rss / rss_short:.2f}  [flat: <= 1.1]  "
      f"{'PASS' if long_rss / rss_short <= 1.1 else 'MISS'}")

# 3. Thumbnails: one job with 10 times against 10 single-time jobs, on one service, alternating.
service = Service("thumbs")
try:
    many, single = [], []
    for round_ in range(ROUNDS):
        for side in (["many", "single"] if round_ % 2 == 0 else ["single", "many"]):
            start = time.perf_counter()
            if side == "many":
                images = service.job("thumbnail", {"timestamps": ",".join(str(t) for t in THUMB_TIMES)}, thumb_clip)
                many.append(time.perf_counter() - start)
            else:
                images = [img for t in THUMB_TIMES for img in service.job("thumbnail", {"timestamp": t}, thumb_clip)]
                single.append(time.perf_counter() - start)
            assert len(images) == len(THUMB_TIMES) and all(i.startswith(b"\x89PNG\r\n\x1a\n") for i in images), side
finally:
    service.stop()
m, s = statistics.median(many), statistics.median(single)
print(f"\n## video-processor thumbnails: 10 times of a 720p{FPS} 30 s clip (PNG, full size), median of {ROUNDS} alternating rounds")
print(f"{'measure':44}{'1 job, 10 times':18}{'10 jobs, 1 each':18}speed-up")
print(f"{'wall time (ms)':44}{m * 1000:<18.0f}{s * 1000:<18.0f}{s / m:.2f}x")
