// Outpost dashboard: plain JavaScript over the runtime's JSON API. The credential (an API key or a
// JWT) lives in sessionStorage and goes in a header on every call; nothing is fetched without it.
"use strict";

const CREDENTIAL = "outpost.credential";
const STATUSES = ["queued", "running", "succeeded", "failed", "cancelled", "dead_lettered"];
const TERMINAL = new Set(["succeeded", "failed", "cancelled", "dead_lettered"]);
// Browsers allow six connections per host over HTTP/1.1: keep room for the page's other calls.
const MAX_STREAMS = 3;
const REFRESH_MS = 2000;

const $ = (id) => document.getElementById(id);

// MARK: credentials and calls

function credential() {
  try { return JSON.parse(sessionStorage.getItem(CREDENTIAL) || "null"); } catch { return null; }
}

function authHeaders() {
  const c = credential();
  if (!c) return {};
  return c.kind === "jwt" ? { Authorization: "Bearer " + c.value } : { "X-API-Key": c.value };
}

class APIError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
  if (!response.ok) {
    let code = "http_" + response.status, message = response.statusText;
    try { const body = await response.json(); code = body.error.code; message = body.error.message; } catch { /* not JSON */ }
    throw new APIError(response.status, code, message);
  }
  return response.json();
}

function showError(error) {
  $("app-error").textContent = error ? (error.message || String(error)) : "";
}

// MARK: small DOM helpers (text only: nothing from the API is parsed as HTML)

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  return node;
}

function row(cells, attrs = {}) {
  return el("tr", attrs, ...cells.map((c) => el("td", {}, c)));
}

function bytes(n) {
  if (n == null) return "–";
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}

function seconds(s) {
  if (s == null) return "–";
  if (s < 120) return s.toFixed(1) + " s";
  if (s < 7200) return (s / 60).toFixed(1) + " min";
  return (s / 3600).toFixed(1) + " h";
}

function time(iso) { return iso ? new Date(iso).toLocaleTimeString() : "–"; }

function statusBadge(status) { return el("span", { class: "status status-" + status }, status); }

// MARK: sign in

async function signIn(event) {
  event.preventDefault();
  const kind = document.querySelector("input[name=kind]:checked").value;
  sessionStorage.setItem(CREDENTIAL, JSON.stringify({ kind, value: $("credential").value.trim() }));
  $("credential").value = "";
  await start();
}

function signOut() {
  sessionStorage.removeItem(CREDENTIAL);
  location.reload();
}

async function start() {
  $("login-error").textContent = "";
  if (!credential()) { showOnly("login"); return; }
  let me;
  try {
    me = await api("/api/me");
  } catch (error) {
    sessionStorage.removeItem(CREDENTIAL);
    showOnly("login");
    $("login-error").textContent = error.status === 401 ? "That key or token was not accepted: " + error.message : "Sign-in failed: " + error.message;
    return;
  }
  $("who").textContent = `${me.id} (${me.role})`;
  $("sign-out").hidden = false;
  if (me.role !== "admin") {
    $("forbidden-text").textContent = `This page is for admins only. You are signed in as ${me.id}, whose role is ${me.role}: sign out, then sign in with an admin key or token.`;
    showOnly("forbidden");
    return;
  }
  showOnly("app");
  await setUpFilters();
  showView("jobs");
}

function showOnly(id) {
  for (const section of ["login", "forbidden", "app"]) $(section).hidden = section !== id;
}

// MARK: views

let currentView = null;
let refreshTimer = null;
const views = {
  jobs: refreshJobs,
  queues: refreshQueues,
  instances: refreshInstances,
  costs: refreshCosts,
  objects: refreshObjects,
  storage: refreshStorage,
};
// Views that change by themselves are refreshed while shown; storage is browsed by hand.
const autoRefresh = new Set(["jobs", "queues", "instances", "costs", "objects"]);

function showView(name) {
  currentView = name;
  for (const button of document.querySelectorAll("#tabs button")) button.classList.toggle("active", button.dataset.view === name);
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== "view-" + name;
  clearTimeout(refreshTimer);
  refresh();
}

async function refresh() {
  const name = currentView;
  try {
    await views[name]();
    showError(null);
  } catch (error) {
    showError(error);
  }
  if (autoRefresh.has(name) && name === currentView) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, REFRESH_MS);
  }
}

// MARK: jobs

const jobs = new Map();        // id → latest job JSON
const timelines = new Map();   // id → [{at, event, status, stage, progress, attempts}]
const streams = new Map();     // id → AbortController of its event stream
let selectedJob = null;

async function setUpFilters() {
  const status = $("filter-status");
  if (status.options.length === 1) for (const s of STATUSES) status.append(el("option", { value: s }, s));
  const type = $("filter-type");
  if (type.options.length === 1) {
    const queues = await api("/api/containers/queues");
    for (const t of Object.keys(queues.types).sort()) type.append(el("option", { value: t }, t));
  }
}

function filtersQuery() {
  const q = new URLSearchParams({ limit: "50" });
  if ($("filter-status").value) q.set("status", $("filter-status").value);
  if ($("filter-type").value) q.set("type", $("filter-type").value);
  return q.toString();
}

function matchesFilters(job) {
  return (!$("filter-status").value || job.status === $("filter-status").value)
      && (!$("filter-type").value || job.type === $("filter-type").value);
}

async function refreshJobs() {
  const page = await api("/api/containers/jobs?" + filtersQuery());
  const shown = [];
  for (const job of page.jobs) {
    // A streamed update may be newer than the list: keep whichever has more progress in time.
    const known = jobs.get(job.id);
    if (!known || !streams.has(job.id)) remember(job, "list");
    shown.push(job.id);
  }
  renderJobs(shown);
  followLiveJobs(shown);
  if (selectedJob && jobs.has(selectedJob)) renderDetail();
}

/// Stores a job and adds a timeline entry when its status, stage, attempt or progress moved.
/// `source` says where the change was seen: "sse:status" / "sse:progress" (the job's event
/// stream), "list" (the periodic list) or "cancel" (the answer to a cancel).
function remember(job, source) {
  jobs.set(job.id, job);
  const timeline = timelines.get(job.id) || [];
  const last = timeline[timeline.length - 1];
  if (!last || last.status !== job.status || last.stage !== job.stage || last.attempts !== job.attempts || last.progress !== job.progress) {
    timeline.push({ at: new Date(), source, status: job.status, stage: job.stage, progress: job.progress, attempts: job.attempts });
  }
  timelines.set(job.id, timeline);
}

let listedIds = [];
function renderJobs(ids) {
  listedIds = ids;
  const body = $("jobs-table").tBodies[0];
  body.replaceChildren(...ids.map((id) => {
    const job = jobs.get(id);
    const tr = row([
      el("code", {}, job.id), job.type, statusBadge(job.status), job.priority,
      el("progress", { max: "1", value: String(job.progress) }), job.stage || "", `${job.attempts}/${job.maxAttempts}`, time(job.createdAt),
    ], { class: "clickable" + (id === selectedJob ? " selected" : ""), dataset: { jobId: id, status: job.status, live: streams.has(id) ? "yes" : "no" } });
    tr.addEventListener("click", () => selectJob(id));
    return tr;
  }));
  $("live-state").textContent = `${ids.length} jobs shown, ${streams.size} followed live`;
}

/// Opens an event stream for the selected job and the newest unfinished ones (up to MAX_STREAMS).
function followLiveJobs(ids) {
  const wanted = [];
  if (selectedJob && jobs.has(selectedJob) && !TERMINAL.has(jobs.get(selectedJob).status)) wanted.push(selectedJob);
  for (const id of ids) {
    if (wanted.length >= MAX_STREAMS) break;
    if (!wanted.includes(id) && !TERMINAL.has(jobs.get(id).status)) wanted.push(id);
  }
  for (const [id, controller] of streams) if (!wanted.includes(id)) { controller.abort(); streams.delete(id); }
  for (const id of wanted) if (!streams.has(id)) follow(id);
  renderJobs(ids);
}

/// Reads `GET /api/containers/jobs/{id}/events` with fetch (EventSource cannot send the
/// credential header), parsing `event:` / `data:` blocks as they arrive.
async function follow(id) {
  const controller = new AbortController();
  streams.set(id, controller);
  try {
    const response = await fetch(`/api/containers/jobs/${encodeURIComponent(id)}/events`, { headers: authHeaders(), signal: controller.signal });
    if (!response.ok) throw new APIError(response.status, "stream", `The event stream of ${id} answered ${response.status}.`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (data) onJobEvent(name, JSON.parse(data));
      }
    }
  } catch (error) {
    if (error.name !== "AbortError") showError(error);
  } finally {
    if (streams.get(id) === controller) streams.delete(id);
  }
}

function onJobEvent(name, job) {
  remember(job, "sse:" + name);
  if (currentView === "jobs") {
    const ids = listedIds.includes(job.id) ? listedIds : (matchesFilters(job) ? [job.id, ...listedIds] : listedIds);
    renderJobs(ids);
    if (selectedJob === job.id) renderDetail();
  }
}

function selectJob(id) {
  selectedJob = id;
  renderJobs(listedIds);
  renderDetail();
  followLiveJobs(listedIds);
}

function renderDetail() {
  const job = jobs.get(selectedJob);
  if (!job) return;
  $("job-detail").hidden = false;
  $("detail-id").textContent = job.id;
  $("detail-status").replaceChildren(statusBadge(job.status));
  $("detail-status").dataset.status = job.status;
  $("cancel-job").hidden = TERMINAL.has(job.status);
  const fields = [
    ["Type", job.type], ["Priority", job.priority], ["Attempts", `${job.attempts} of ${job.maxAttempts}`],
    ["Progress", `${Math.round(job.progress * 100)} %`], ["Stage", job.stage || "–"],
    ["Created", job.createdAt], ["Started", job.startedAt || "–"], ["Finished", job.finishedAt || "–"],
    ["Input", job.input ? job.input.key : "–"], ["Params", JSON.stringify(job.params)],
  ];
  if (job.notBefore) fields.push(["Not before", job.notBefore]);
  if (job.error) fields.push(["Error", `${job.error.code}: ${job.error.message}`]);
  $("detail-fields").replaceChildren(...fields.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));
  // The job's own times and every change the page saw, in time order.
  const entries = [{ at: new Date(job.createdAt), text: `${time(job.createdAt)} created`, cls: "" }];
  if (job.startedAt) entries.push({ at: new Date(job.startedAt), text: `${time(job.startedAt)} started (latest attempt)`, cls: "" });
  for (const t of timelines.get(job.id) || []) {
    entries.push({ at: t.at, cls: "timeline-entry",
      text: `${t.at.toLocaleTimeString()} ${t.source} → ${t.status}` + (t.stage ? `, ${t.stage}` : "") + `, ${Math.round(t.progress * 100)} %, attempt ${t.attempts}` });
  }
  if (job.finishedAt) entries.push({ at: new Date(job.finishedAt), text: `${time(job.finishedAt)} finished: ${job.status}`, cls: "" });
  entries.sort((a, b) => a.at - b.at);
  $("detail-timeline").replaceChildren(...entries.map((e) => el("li", { class: e.cls }, e.text)));
  $("detail-outputs").replaceChildren(...(job.outputs.length ? job.outputs.map((o) =>
    el("li", { class: "output" }, el("a", { onclick: () => download(o) }, o.name), ` ${o.contentType}, ${bytes(o.size)}`)) : [el("li", {}, "none")]));
  $("detail-result").textContent = job.result == null ? "–" : JSON.stringify(job.result, null, 2);
}

/// Outputs need the credential header too: fetch the bytes, then hand the browser a blob URL.
async function download(output) {
  try {
    const response = await fetch(output.url, { headers: authHeaders() });
    if (!response.ok) throw new APIError(response.status, "output", `The output answered ${response.status}.`);
    const url = URL.createObjectURL(await response.blob());
    const a = el("a", { href: url, download: output.name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) { showError(error); }
}

async function cancelSelected() {
  try {
    const job = await api(`/api/containers/jobs/${encodeURIComponent(selectedJob)}`, { method: "DELETE" });
    remember(job, "cancel");
    renderJobs(listedIds);
    renderDetail();
  } catch (error) { showError(error); }
}

// MARK: queues, instances, costs, objects

async function refreshQueues() {
  const q = await api("/api/containers/queues");
  $("queues-summary").textContent = `${q.totalQueued} queued, ${q.running} running.`;
  $("queues-table").tBodies[0].replaceChildren(...Object.keys(q.types).sort().map((type) => {
    const t = q.types[type];
    return row([type, t.queued.high, t.queued.normal, t.queued.low, t.running, t.deadLettered], { dataset: { type } });
  }));
}

let logsOf = null;
async function refreshInstances() {
  const report = await api("/api/containers/instances");
  $("instances-table").tBodies[0].replaceChildren(...report.instances.map((i) => row([
    i.class, i.name, el("span", { class: "state" }, i.state), i.pid ?? "–", bytes(i.memoryBytes), seconds(i.uptimeSeconds), i.jobsInFlight, i.starts,
    el("button", { type: "button", class: "show-logs", onclick: () => showLogs(i) }, "Logs"),
  ], { dataset: { instanceId: i.id, class: i.class } })));
  $("scaling-table").tBodies[0].replaceChildren(...report.scalingEvents.map((e) =>
    row([time(e.at), e.class, e.action, e.instances, e.reason])));
  if (logsOf) await loadLogs();
}

async function showLogs(instance) {
  logsOf = instance;
  $("logs-panel").hidden = false;
  $("logs-title").textContent = `${instance.class}/${instance.name}`;
  await loadLogs().catch(showError);
}

async function loadLogs() {
  try {
    const tail = await api(`/api/dashboard/instances/${encodeURIComponent(logsOf.class)}/${encodeURIComponent(logsOf.id)}/logs?lines=200`);
    $("logs").textContent = tail.lines.join("\n") || "(empty)";
    $("logs").dataset.loaded = logsOf.id;
  } catch (error) {
    $("logs").textContent = error.message;
    $("logs").dataset.loaded = "";
  }
}

async function refreshCosts() {
  const c = await api("/api/containers/costs");
  $("costs-table").tBodies[0].replaceChildren(...c.classes.map((k) =>
    row([k.class, k.instanceType ?? "–", k.instanceSeconds.toFixed(1), k.hourlyPriceUSD, k.costUSD.toFixed(6)], { dataset: { class: k.class } })));
  $("costs-total").textContent = `${c.totalCostUSD.toFixed(6)} ${c.currency}`;
}

let objectsClass = null;
async function refreshObjects() {
  const report = await api("/api/dashboard/objects");
  $("objects-table").tBodies[0].replaceChildren(...report.classes.map((k) => {
    const tr = row([k.class, k.binding, k.container ? "yes" : "no", k.count, bytes(k.bytes)], { class: "clickable", dataset: { class: k.class } });
    tr.addEventListener("click", () => { objectsClass = k.class; renderObjects(k); });
    return tr;
  }));
  const open = report.classes.find((k) => k.class === objectsClass);
  if (open) renderObjects(open);
}

function renderObjects(k) {
  $("objects-detail").hidden = false;
  $("objects-class").textContent = k.class;
  $("objects-list").tBodies[0].replaceChildren(...k.objects.map((o) => row([el("code", {}, o.id), o.name ?? "–", bytes(o.bytes), o.alarm ?? "–"])));
}

// MARK: KV and R2, read-only

let browsing = null;   // {kind: "kv"|"r2", binding, cursor}

async function refreshStorage() {
  const [kv, r2] = await Promise.all([api("/api/dashboard/kv"), api("/api/dashboard/r2")]);
  $("kv-namespaces").replaceChildren(...kv.namespaces.map((n) =>
    el("li", {}, el("a", { class: "kv-namespace", onclick: () => browse("kv", n.binding) }, n.binding), ` (${n.id})`)));
  $("r2-buckets").replaceChildren(...r2.buckets.map((b) =>
    el("li", {}, el("a", { class: "r2-bucket", onclick: () => browse("r2", b.binding) }, b.binding), ` (${b.bucket})`)));
}

async function browse(kind, binding, prefix = "") {
  browsing = { kind, binding, cursor: null };
  $("storage-browser").hidden = false;
  $("browse-title").textContent = `${kind === "kv" ? "KV namespace" : "R2 bucket"} ${binding}`;
  $("browse-prefix").value = prefix;
  $("browse-list").replaceChildren();
  $("item-title").textContent = "";
  $("item-body").textContent = "";
  await listPage().catch(showError);
}

async function listPage() {
  const b = browsing;
  const q = new URLSearchParams({ limit: "100" });
  if ($("browse-prefix").value) q.set("prefix", $("browse-prefix").value);
  if (b.cursor) q.set("cursor", b.cursor);
  const page = await api(`/api/dashboard/${b.kind}/${encodeURIComponent(b.binding)}?${q}`);
  const items = [];
  if (b.kind === "kv") {
    for (const k of page.keys) items.push(el("li", {}, el("a", { class: "kv-key", onclick: () => showValue(k.name) }, k.name)));
  } else {
    const prefix = $("browse-prefix").value;
    if (prefix && !b.cursor) {
      const parent = prefix.replace(/[^/]*\/?$/, "");
      items.push(el("li", {}, el("a", { class: "r2-up", onclick: () => browse("r2", b.binding, parent) }, "↑ " + (parent || "(top)"))));
    }
    for (const p of page.prefixes) items.push(el("li", {}, el("a", { class: "r2-prefix", onclick: () => browse("r2", b.binding, p) }, p)));
    for (const o of page.objects) items.push(el("li", {}, el("a", { class: "r2-object", onclick: () => showObject(o.key) }, o.key), ` ${bytes(o.size)}`));
  }
  if (!items.length && !b.cursor) items.push(el("li", { class: "muted" }, "(empty)"));
  $("browse-list").append(...items);
  b.cursor = page.cursor;
  $("browse-more").hidden = !page.cursor;
}

async function showValue(key) {
  try {
    const v = await api(`/api/dashboard/kv/${encodeURIComponent(browsing.binding)}/value?key=${encodeURIComponent(key)}`);
    $("item-title").textContent = `${key} (${bytes(v.bytes)}${v.truncated ? ", first 64 KiB" : ""})`;
    let text = v.text ?? "(not UTF-8 text)";
    try { text = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON */ }
    $("item-body").textContent = text + (v.metadata ? "\n\nmetadata: " + JSON.stringify(v.metadata) : "");
  } catch (error) { showError(error); }
}

async function showObject(key) {
  try {
    const o = await api(`/api/dashboard/r2/${encodeURIComponent(browsing.binding)}/object?key=${encodeURIComponent(key)}`);
    $("item-title").textContent = key;
    $("item-body").textContent = JSON.stringify(o, null, 2);
  } catch (error) { showError(error); }
}

// MARK: wiring

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  for (const button of document.querySelectorAll("#tabs button")) button.addEventListener("click", () => showView(button.dataset.view));
  for (const id of ["filter-status", "filter-type"]) $(id).addEventListener("change", () => { clearTimeout(refreshTimer); refresh(); });
  $("job-filters").addEventListener("submit", (e) => e.preventDefault());
  $("cancel-job").addEventListener("click", cancelSelected);
  $("logs-refresh").addEventListener("click", () => loadLogs());
  $("browse-form").addEventListener("submit", (e) => { e.preventDefault(); browse(browsing.kind, browsing.binding, $("browse-prefix").value); });
  $("browse-more").addEventListener("click", () => listPage().catch(showError));
  start();
});
