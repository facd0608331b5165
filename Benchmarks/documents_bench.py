"""The documents suite of `make bench`: the release document-processor beside the tools a user would
otherwise run, in the same run, alternating rounds, medians. Run by run.sh.

- native text extraction (pages/s) of a 50-page PDF against the `pdftotext` CLI;
- OCR (s/page) of one 300 dpi page image against the `tesseract` CLI, both OMP_THREAD_LIMIT=1;
- generate-nda through the whole platform (`outpost dev`, ?wait=) against the same job posted
  straight to the service process, both warm: p50 latency;
- peak RSS (VmHWM) of a fresh service process extracting 500 pages against 50 pages.

The PDFs are made here with Ghostscript (Times and Helvetica text, A4), the page image by `pdftoppm`.

argv: document-processor-binary outpost-binary repository-root scratch-dir
"""
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
import urllib.parse

from bench_support import free_port, proc_status_mb

service_bin, outpost_bin, root, scratch = sys.argv[1:5]
ROUNDS = int(os.environ.get("DOC_BENCH_ROUNDS", "5"))
OCR_ROUNDS = int(os.environ.get("DOC_BENCH_OCR_ROUNDS", "3"))
NDA_REQUESTS = int(os.environ.get("DOC_BENCH_NDA_REQUESTS", "10"))  # per side per round
NDA = {"disclosing_party": "Aurora Pictures Ltd", "receiving_party": "Northwind Capital LLC",
       "effective_date": "3 June 2027", "jurisdiction": "the State of New York"}
processes = []


def make_pdf(pages, path):
    """A text PDF of `pages` A4 pages (a heading, 52 lines of 14 words, a footer each), by Ghostscript."""
    rng = random.Random(14)
    words = ("the producer agrees that confidential information disclosed by either party shall remain "
             "property of disclosing party and receiving party will not use it except for evaluating the "
             "pitch treatment screenplay budget schedule financing distribution rights territory term").split()
    ps = ["%!PS", "/body /Times-Roman findfont 10.5 scalefont def", "/head /Helvetica-Bold findfont 14 scalefont def"]
    for page in range(1, pages + 1):
        ps.append("<< /PageSize [595 842] >> setpagedevice")
        ps.append(f"head setfont 72 780 moveto (Section {page}: Terms of the agreement) show body setfont")
        for y in range(756, 80, -13):
            ps.append(f"72 {y} moveto ({' '.join(rng.choice(words) for _ in range(14))}) show")
        ps.append(f"280 50 moveto (Page {page} of {pages}) show showpage")
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", "-sOutputFile=" + path, "-"],
                   input="\n".join(ps).encode(), check=True)


def wait_ready(port, path, pid_process):
    for _ in range(600):
        if pid_process.poll() is not None:
            sys.exit(f"{os.path.basename(pid_process.args[0])} exited with {pid_process.returncode} before answering")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            if c.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"no answer on port {port}")


def start_service():
    port = free_port()
    env = dict(os.environ, PORT=str(port), TMPDIR=scratch, LOG_LEVEL="warning")
    p = subprocess.Popen([service_bin], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes.append(p)
    wait_ready(port, "/ping", p)
    return p, port


def stop(p):
    p.terminate()
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    processes.remove(p)


def post(port, path, body, content_type, headers=None):
    """One request on a fresh connection: (seconds, status, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    c.request("POST", path, body=body, headers={"Content-Type": content_type, **(headers or {})})
    r = c.getresponse()
    data = r.read()
    elapsed = time.perf_counter() - start
    c.close()
    if r.status != 200:
        sys.exit(f"POST {path}: {r.status} {data[:300]!r}")
    return elapsed, data


def timed(argv, env=None):
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def row(measure, ours, theirs, ratio, target):
    verdict = "PASS" if ratio >= target else "MISS"
    print(f"{measure:52}{ours:<16}{theirs:<16}{ratio:.2f}  [target >= {target}]  {verdict}")


def platform_config():
    """The repository's wrangler.toml, with the DocumentProcessor image named by the path of the very
    binary the direct side runs, and a rate limit the bench's requests stay under."""
    text = open(os.path.join(root, "wrangler.toml")).read()
    text = re.sub(r'^main = "([^"/][^"]*)"', lambda m: f'main = "{os.path.join(root, m.group(1))}"', text, flags=re.M)
    text = text.replace('image = "document-processor"', f'image = "{service_bin}"')
    text = re.sub(r'^RATE_LIMIT_PER_MINUTE = .*$', 'RATE_LIMIT_PER_MINUTE = "100000"', text, flags=re.M)
    text = re.sub(r'^RATE_LIMIT_BURST = .*$', 'RATE_LIMIT_BURST = "100000"', text, flags=re.M)
    assert service_bin in text
    path = os.path.join(scratch, "wrangler.toml")
    open(path, "w").write(text)
    return path


def nda_rounds(port, platform, direct):
    """generate-nda through `outpost dev` (Worker route, Durable Object, container instance, R2) and
    straight to the service on `port`, alternating rounds, both warm."""
    state = os.path.join(scratch, "state")
    config = platform_config()
    key = json.loads(subprocess.run([outpost_bin, "keys", "create", "--name", "bench", "--role", "user",
                                     "--config", config, "--persist-to", state],
                                    check=True, capture_output=True, text=True).stdout)["key"]
    outpost_port = free_port()
    outpost = subprocess.Popen([outpost_bin, "dev", "--config", config, "--persist-to", state,
                                "--port", str(outpost_port), "--s3-port", "0", "--log-level", "warning"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes.append(outpost)
    try:
        platform_rounds(outpost_port, key, port, platform, direct)
    finally:
        stop(outpost)


def platform_rounds(outpost_port, key, port, platform, direct):
    wait_ready(outpost_port, "/health", processes[-1])
    route = "/api/containers/document-generation/generate-nda?wait=60"
    nda_json = json.dumps(NDA).encode()
    direct_json = json.dumps({"params": NDA}).encode()
    auth = {"X-API-Key": key}
    for _ in range(3):  # the first starts the instance
        _, body = post(outpost_port, route, nda_json, "application/json", auth)
        job = json.loads(body)
        if job.get("status") != "succeeded":
            sys.exit(f"generate-nda through the platform: {job}")
        post(port, "/jobs/generate-nda", direct_json, "application/json")
    for _ in range(3):
        for _ in range(NDA_REQUESTS):
            elapsed, body = post(outpost_port, route, nda_json, "application/json", auth)
            if json.loads(body).get("status") != "succeeded":
                sys.exit(f"generate-nda through the platform: {body[:300]!r}")
            platform.append(elapsed * 1000)
        for _ in range(NDA_REQUESTS):
            direct.append(post(port, "/jobs/generate-nda", direct_json, "application/json")[0] * 1000)


def main():
    pdf50, pdf500 = os.path.join(scratch, "50.pdf"), os.path.join(scratch, "500.pdf")
    make_pdf(50, pdf50)
    make_pdf(500, pdf500)
    data50 = open(pdf50, "rb").read()
    out_txt = os.path.join(scratch, "out.txt")

    service, port = start_service()
    extract = "/jobs/extract-text?method=native"
    pages = json.loads(post(port, extract, data50, "application/pdf")[1])["result"]["metadata"]["pages"]
    assert pages == 50, pages
    timed(["pdftotext", pdf50, out_txt])
    ours, theirs = [], []
    for _ in range(ROUNDS):
        ours.append(pages / post(port, extract, data50, "application/pdf")[0])
        theirs.append(pages / timed(["pdftotext", pdf50, out_txt]))

    # One page image at 300 dpi, grey, read by both with one OpenMP thread.
    subprocess.run(["pdftoppm", "-r", "300", "-f", "1", "-l", "1", "-gray", "-png", "-singlefile", pdf50,
                    os.path.join(scratch, "page")], check=True)
    image = open(os.path.join(scratch, "page.png"), "rb").read()
    one_thread = dict(os.environ, OMP_THREAD_LIMIT="1")
    ocr_ours, ocr_theirs = [], []
    for _ in range(OCR_ROUNDS):
        ocr_ours.append(post(port, "/jobs/extract-text?method=ocr", image, "image/png")[0])
        ocr_theirs.append(timed(["tesseract", os.path.join(scratch, "page.png"), os.path.join(scratch, "ocr"), "-l", "eng"],
                                env=one_thread))

    platform, direct, failure = [], [], None
    try:
        nda_rounds(port, platform, direct)
    except (SystemExit, OSError, ValueError, subprocess.CalledProcessError) as error:
        failure = str(error)[:300]
    stop(service)

    # Peak RSS: a fresh process per extraction, alternating.
    data500 = open(pdf500, "rb").read()
    rss50, rss500 = [], []
    for _ in range(2):
        for data, into in ((data50, rss50), (data500, rss500)):
            p, fresh = start_service()
            post(fresh, extract, data, "application/pdf")
            into.append(proc_status_mb(p.pid, "VmHWM"))
            stop(p)

    o, t = statistics.median(ours), statistics.median(theirs)
    oo, ot = statistics.median(ocr_ours), statistics.median(ocr_theirs)
    r50, r500 = statistics.median(rss50), statistics.median(rss500)
    print(f"\n## Documents: document-processor (release) beside poppler-utils/tesseract CLIs, medians, alternating rounds")
    print(f"{'measure':52}{'service':16}{'baseline':16}ratio")
    row(f"extract-text native, 50 pages: pages/s ({ROUNDS} rounds)", f"{o:.0f}", f"{t:.0f} pdftotext", o / t, 0.9)
    row(f"OCR, one 300 dpi page: s/page ({OCR_ROUNDS} rounds)", f"{oo:.2f}", f"{ot:.2f} tesseract", ot / oo, 0.9)
    if failure:
        print(f"{'generate-nda p50 ms, platform ?wait= vs service':52}not measured: {failure}")
    else:
        p50p, p50d = statistics.median(platform), statistics.median(direct)
        print(f"{'generate-nda p50 ms, platform ?wait= vs service':52}{p50p:<16.1f}{p50d:<16.1f}{p50p / p50d:.2f}  "
              f"[aim p50 <= 50 ms]  {'PASS' if p50p <= 50 else 'MISS'}  ({len(platform)} + {len(direct)} requests, warm)")
    print(f"{'peak RSS (VmHWM MB), 500 vs 50 pages, fresh process':52}{r500:<16.1f}{r50:<16.1f}{r500 / r50:.2f}  "
          f"[flat: <= 1.25]  {'PASS' if r500 / r50 <= 1.25 else 'MISS'}")


try:
    main()
finally:
    for p in list(processes):
        p.kill()
        p.wait()
