#!/usr/bin/env python3
"""Drives the Outpost dashboard in headless Chromium (Debian's chromium and chromium-driver)
through Selenium, against a running `outpost dev`. Run by DashboardBrowserTests.

    dashboard_check.py BASE_URL ADMIN_KEY USER_KEY JWT_SECRET STATE_DIR VIDEO_FILE ARTIFACT_DIR

Checks, in order: the page without a session shows the sign-in form and no data; a non-admin key
gets "Admins only" (and 403 from the admin APIs); an admin signed in with a JWT sees a job appear and finish live over
its event stream, with its timeline and outputs; cancels a long job; opens an instance's logs
(compared with the log file on disk); the queues, costs, Durable Objects and KV/R2 views; and
signing in again with the admin API key.
Screenshots go to ARTIFACT_DIR. Waits are WebDriverWait on DOM conditions, never fixed sleeps.
Exits non-zero with the reason (and a failure screenshot) when a check fails.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE, ADMIN_KEY, USER_KEY, JWT_SECRET, STATE_DIR, VIDEO, ARTIFACTS = sys.argv[1:8]
# Generous: a loaded 2-core machine builds and starts containers slowly.
WAIT = 180


def call(method, path, key=None, body=None, content_type=None):
    """One API call with urllib (independent of the page): (status, parsed JSON or bytes)."""
    request = urllib.request.Request(BASE + path, method=method, data=body)
    if key:
        request.add_header("X-API-Key", key)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, data = error.code, error.read()
    try:
        return status, json.loads(data)
    except ValueError:
        return status, data


def admin_jwt():
    """An HS256 JWT for an admin, made here with hmac (not by the code under test)."""
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps({"sub": "ops-jwt", "role": "admin", "exp": int(time.time()) + 3600}).encode())
    signature = hmac.new(JWT_SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def submit(job):
    status, body = call("POST", "/api/containers/jobs", ADMIN_KEY, json.dumps(job).encode(), "application/json")
    check(status == 202, f"submit answered {status}: {body}")
    return body["id"]


def main(driver):
    # The page re-renders its tables as data arrives, so an element found a moment ago may be gone.
    wait = WebDriverWait(driver, WAIT, poll_frequency=0.2, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException])
    shots = []

    def shot(name):
        path = os.path.join(ARTIFACTS, name + ".png")
        check(driver.save_screenshot(path), f"screenshot {path} was not written")
        shots.append(path)

    def visible(element_id):
        return driver.find_element(By.ID, element_id).is_displayed()

    def click(css):
        """Clicks the first element matching `css`, once it exists (retrying if a re-render replaced it)."""
        def attempt(d):
            d.find_element(By.CSS_SELECTOR, css).click()
            return True
        wait.until(attempt)

    def read(fn):
        """fn(driver), retried if a re-render replaced an element it was reading."""
        result = []
        def attempt(d):
            result[:] = [fn(d)]
            return True
        wait.until(attempt)
        return result[0]

    def attribute(css, name):
        return wait.until(lambda d: d.find_element(By.CSS_SELECTOR, css).get_attribute(name))

    def open_tab(view):
        click(f"#tabs button[data-view='{view}']")
        wait.until(lambda d: visible("view-" + view))

    def sign_in(key, kind="key"):
        driver.find_element(By.CSS_SELECTOR, f"input[name=kind][value={kind}]").click()
        field = driver.find_element(By.ID, "credential")
        field.clear()
        field.send_keys(key)
        driver.find_element(By.ID, "sign-in").click()

    # Data exists before anyone opens the page: a long (delayed) job, later cancelled.
    with open(VIDEO, "rb") as f:
        status, upload = call("POST", "/api/containers/uploads", ADMIN_KEY, f.read(), "video/mp4")
    check(status == 201, f"upload answered {status}: {upload}")
    long_job = submit({"type": "video.thumbnail", "input": {"key": upload["key"]}, "params": {"timestamp": 1.0}, "delaySeconds": 3600})

    # 1. No session: the sign-in form, and no data (the page asks for none without a credential).
    driver.get(BASE + "/dashboard")
    wait.until(lambda d: visible("login"))
    check(not visible("app") and not visible("forbidden"), "without a session only the sign-in form shows")
    check(long_job not in driver.page_source, "the page shows job data without a session")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#jobs-table tbody tr")) == 0, "job rows without a session")
    requested = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    check(not any("/api/" in url for url in requested), f"the page called the API without a session: {requested}")
    shot("01-login")

    # 2. A non-admin key: "Admins only", no data; the admin APIs answer 403 to it.
    sign_in(USER_KEY)
    wait.until(lambda d: visible("forbidden"))
    check("Admins only" in driver.find_element(By.ID, "forbidden").text, "the forbidden message says admins only")
    check(not visible("app"), "a non-admin sees no dashboard")
    check(long_job not in driver.page_source, "a non-admin sees job data")
    shot("02-admins-only")
    for path in ["/api/containers/instances", "/api/containers/costs", "/api/dashboard/objects", "/api/dashboard/kv",
                 "/api/dashboard/r2", "/api/dashboard/kv/AUTH_KV", "/api/dashboard/instances/VideoProcessor/x/logs"]:
        status, body = call("GET", path, USER_KEY)
        check(status == 403 and body["error"]["code"], f"{path} with a user key answered {status}: {body}")
    # Another user's job's event stream is not theirs to open: 404, as for any job of another caller.
    status, body = call("GET", f"/api/containers/jobs/{long_job}/events", USER_KEY)
    check(status == 404, f"a user opened the admin's job events: {status} {body}")
    status, body = call("GET", "/api/dashboard/objects")
    check(status == 401, f"the dashboard API without credentials answered {status}")
    driver.find_element(By.ID, "sign-out").click()
    wait.until(lambda d: visible("login"))
    check(driver.execute_script("return sessionStorage.length") == 0, "signing out clears the session")

    # 3. An admin, with a JWT: the jobs view; a job submitted now appears and finishes live.
    sign_in(admin_jwt(), kind="jwt")
    wait.until(lambda d: visible("app"))
    check("ops-jwt (admin)" in driver.find_element(By.ID, "who").text, "signed in as the JWT's subject")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#jobs-table tr[data-job-id='{long_job}']"))
    # Queued for a while, so the page lists it unfinished and follows its event stream.
    live_job = submit({"type": "video.thumbnail", "input": {"key": upload["key"]}, "params": {"timestamp": 1.0}, "delaySeconds": 15})
    appeared_as = attribute(f"#jobs-table tr[data-job-id='{live_job}']", "data-status")
    check(appeared_as in ("queued", "running"), f"the job appeared as {appeared_as}")
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"#jobs-table tr[data-job-id='{live_job}']").get_attribute("data-live") == "yes"
               or d.find_element(By.CSS_SELECTOR, f"#jobs-table tr[data-job-id='{live_job}']").get_attribute("data-status") == "succeeded")
    click(f"#jobs-table tr[data-job-id='{live_job}']")
    wait.until(lambda d: d.find_element(By.ID, "detail-id").text == live_job)
    shot("03-job-appeared")
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"#jobs-table tr[data-job-id='{live_job}']").get_attribute("data-status") == "succeeded")
    wait.until(lambda d: d.find_element(By.ID, "detail-status").get_attribute("data-status") == "succeeded")
    timeline = read(lambda d: [li.text for li in d.find_elements(By.CSS_SELECTOR, "#detail-timeline li.timeline-entry")])
    # The stream's first event (the job as it was) and its end; changes between may be coalesced.
    check(any("sse:status → queued" in t or "sse:status → running" in t for t in timeline), f"the job was followed before it ended: {timeline}")
    check(any("sse:status → succeeded" in t for t in timeline), f"the end came over the event stream: {timeline}")
    status, job = call("GET", f"/api/containers/jobs/{live_job}", ADMIN_KEY)
    check(status == 200 and job["status"] == "succeeded", f"the API says {job}")
    shown_outputs = read(lambda d: [li.text for li in d.find_elements(By.CSS_SELECTOR, "#detail-outputs li.output")])
    check(job["outputs"] and sorted(o["name"] for o in job["outputs"]) == sorted(t.split(" ")[0] for t in shown_outputs),
          f"outputs shown {shown_outputs} vs the API's {job['outputs']}")
    check(f"{job['attempts']} of {job['maxAttempts']}" in read(lambda d: d.find_element(By.ID, "detail-fields").text), "attempts shown")
    shot("04-job-finished")

    # 4. Cancel the long job from the page.
    click(f"#jobs-table tr[data-job-id='{long_job}']")
    wait.until(lambda d: d.find_element(By.ID, "detail-id").text == long_job and d.find_element(By.ID, "cancel-job").is_displayed())
    click("#cancel-job")
    wait.until(lambda d: d.find_element(By.ID, "detail-status").get_attribute("data-status") == "cancelled")
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"#jobs-table tr[data-job-id='{long_job}']").get_attribute("data-status") == "cancelled")
    status, job = call("GET", f"/api/containers/jobs/{long_job}", ADMIN_KEY)
    check(status == 200 and job["status"] == "cancelled", f"the API says the cancelled job is {job}")
    check(not driver.find_element(By.ID, "cancel-job").is_displayed(), "no cancel button on an ended job")
    shot("05-job-cancelled")

    # Filters: only cancelled jobs.
    Select(driver.find_element(By.ID, "filter-status")).select_by_value("cancelled")
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, f"#jobs-table tr[data-job-id='{live_job}']"))
    statuses = read(lambda d: [r.get_attribute("data-status") for r in d.find_elements(By.CSS_SELECTOR, "#jobs-table tbody tr")])
    check(statuses and all(s == "cancelled" for s in statuses), f"the status filter shows only cancelled jobs: {statuses}")
    shot("06-jobs-filtered")
    Select(driver.find_element(By.ID, "filter-status")).select_by_value("")

    # 5. Instances: the one that ran the job, and its logs, as in the log file on disk.
    open_tab("instances")
    instance_id = attribute("#instances-table tr[data-class='VideoProcessor']", "data-instance-id")
    click(f"#instances-table tr[data-instance-id='{instance_id}'] button.show-logs")
    wait.until(lambda d: d.find_element(By.ID, "logs").get_attribute("data-loaded") == instance_id)
    def normal(line):
        return " ".join(line.split())
    shown = [normal(line) for line in read(lambda d: d.find_element(By.ID, "logs").text).split("\n") if line.strip()]
    with open(os.path.join(STATE_DIR, "containers", "logs", "VideoProcessor", instance_id + ".log"), encoding="utf-8", errors="replace") as f:
        on_disk = set(normal(line) for line in f.read().split("\n"))
    check(shown, "the log view shows lines")
    missing = [line for line in shown if line not in on_disk]
    check(not missing, f"log lines shown that the log file lacks: {missing[:3]}")
    shot("07-instance-logs")

    # 6. Queues, costs, Durable Objects.
    # A low-priority job waiting an hour: the page's counts match the API's.
    submit({"type": "video.thumbnail", "input": {"key": upload["key"]}, "params": {"timestamp": 1.0}, "priority": "low", "delaySeconds": 3600})
    status, queues = call("GET", "/api/containers/queues", ADMIN_KEY)
    expected = queues["types"]["video.thumbnail"]
    check(status == 200 and expected["queued"]["low"] >= 1, f"the API counts the queued job: {queues}")
    open_tab("queues")
    cells = lambda d: [td.text for td in d.find_elements(By.CSS_SELECTOR, "#queues-table tr[data-type='video.thumbnail'] td")]
    wait.until(lambda d: cells(d) == ["video.thumbnail", str(expected["queued"]["high"]), str(expected["queued"]["normal"]),
                                      str(expected["queued"]["low"]), str(expected["running"]), str(expected["deadLettered"])])
    shot("08-queues")
    open_tab("costs")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#costs-table tr[data-class='VideoProcessor']"))
    check("USD" in driver.find_element(By.ID, "costs-total").text, "the total cost is shown")
    shot("09-costs")
    open_tab("objects")
    click("#objects-table tr[data-class='ContainerOrchestrator']")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#objects-list tbody tr"))
    check("global" in driver.find_element(By.ID, "objects-list").text, "the orchestrator object is named global")
    shot("10-durable-objects")

    # 7. KV and R2, read-only: the job's cached status and the upload.
    open_tab("storage")
    kv = wait.until(lambda d: [a for a in d.find_elements(By.CSS_SELECTOR, "a.kv-namespace") if a.text == "JOB_STATUS_KV"])[0]
    kv.click()
    key = wait.until(lambda d: [a for a in d.find_elements(By.CSS_SELECTOR, "a.kv-key") if a.text == "job:" + live_job])[0]
    key.click()
    wait.until(lambda d: live_job in d.find_element(By.ID, "item-body").text and "succeeded" in d.find_element(By.ID, "item-body").text)
    shot("11-kv-value")
    [a for a in driver.find_elements(By.CSS_SELECTOR, "a.r2-bucket") if a.text == "MEDIA"][0].click()
    # Keys are grouped by "/": walk down prefixes until the upload's key is listed.
    target = upload["key"]
    for _ in range(10):
        found = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "a.r2-object, a.r2-prefix"))
        objects = [a for a in found if a.text == target]
        if objects:
            objects[0].click()
            break
        prefixes = [a.text for a in found if "r2-prefix" in a.get_attribute("class") and target.startswith(a.text)]
        check(prefixes, f"no prefix of {target} among {[a.text for a in found]}")
        [a for a in found if a.text == prefixes[0]][0].click()
        wait.until(lambda d: d.find_element(By.ID, "browse-prefix").get_attribute("value") == prefixes[0])
    wait.until(lambda d: target in d.find_element(By.ID, "item-body").text and "video/mp4" in d.find_element(By.ID, "item-body").text)
    shot("12-r2-object")

    # 8. Sign out, and in again with the admin API key: the jobs are there.
    click("#sign-out")
    wait.until(lambda d: visible("login"))
    sign_in(ADMIN_KEY)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#jobs-table tr[data-job-id='{live_job}'][data-status='succeeded']"))
    check("root (admin)" in driver.find_element(By.ID, "who").text, "signed in as the key's caller")
    return shots


if __name__ == "__main__":
    os.makedirs(ARTIFACTS, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="dashboard-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                     "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile]:
        options.add_argument(argument)
    # The Debian driver, never a download (Selenium Manager is not used when a path is given, and is told to stay offline).
    os.environ.setdefault("SE_OFFLINE", "true")
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(WAIT)
    code = 0
    try:
        shots = main(driver)
        print(json.dumps({"ok": True, "screenshots": shots}))
    except Exception as error:  # report any failure with the page as it was
        code = 1
        try:
            driver.save_screenshot(os.path.join(ARTIFACTS, "failure.png"))
            with open(os.path.join(ARTIFACTS, "failure.html"), "w") as f:
                f.write(driver.page_source)
        except Exception:
            pass
        print(f"FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        traceback.print_exc(limit=3)
    finally:
        driver.quit()  # stops chromium and chromedriver
        shutil.rmtree(profile, ignore_errors=True)
    sys.exit(code)
