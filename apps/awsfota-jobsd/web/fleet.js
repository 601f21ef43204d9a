// awsfota-jobsd's live fleet view: polls /ui/api/jobs and /ui/api/jobs/JOB and draws them.
// Everything a device sent (statusDetails) is set as text, never as HTML.
"use strict";

const STATUS_COLOR = {
  QUEUED: "--queued", IN_PROGRESS: "--in-progress", SUCCEEDED: "--succeeded", FAILED: "--failed",
  TIMED_OUT: "--timed-out", REJECTED: "--rejected", REMOVED: "--removed", CANCELED: "--canceled",
};
// Stacking order of the chart, bottom up: what has ended, then what runs, then what waits.
const STACK = ["SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "CANCELED", "REMOVED", "IN_PROGRESS", "QUEUED"];
const params = new URLSearchParams(location.search);
const intervalMs = Math.max(200, Number(params.get("interval")) || 1000);
let polls = 0;

const $ = (id) => document.getElementById(id);
function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
const color = (status) => getComputedStyle(document.documentElement).getPropertyValue(STATUS_COLOR[status]).trim();
const clock = (ms) => new Date(ms).toISOString().slice(11, 19) + "Z";
const failures = (c) => c.FAILED + c.TIMED_OUT + c.REJECTED;

async function getJson(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return r.json();
}

function selectedJob(jobs) {
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted && jobs.some((j) => j.jobId === wanted)) return wanted;
  return jobs.length ? jobs[0].jobId : null;
}

function renderJobs(jobs, selected) {
  const body = $("jobs").tBodies[0];
  body.replaceChildren();
  for (const j of jobs) {
    const row = el("tr", null, { "data-job": j.jobId });
    if (j.jobId === selected) row.className = "selected";
    row.append(el("td", j.jobId), el("td", j.status),
               el("td", j.counts.SUCCEEDED + " / " + failures(j.counts) + " / " + j.targets));
    row.addEventListener("click", () => { location.hash = encodeURIComponent(j.jobId); poll(); });
    body.append(row);
  }
  $("no-jobs").hidden = jobs.length > 0;
}

function renderCounts(job) {
  const head = $("counts").tHead.rows[0], row = $("counts").tBodies[0].rows[0];
  head.replaceChildren(el("th", "targets"), el("th", "waiting"));
  row.replaceChildren(el("td", job.targets, { "data-status": "targets" }),
                      el("td", job.waiting, { "data-status": "waiting" }));
  for (const s of Object.keys(STATUS_COLOR)) {
    head.append(el("th", s));
    row.append(el("td", job.counts[s], { "data-status": s }));
  }
}

function svg(tag, attrs) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

// A stacked step chart of the series: x is time, y the number of things in each status.
function renderChart(series, targets) {
  const W = 800, H = 240, L = 40, R = 10, T = 10, B = 24;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none",
                            "data-points": series.points.length });
  const column = Object.fromEntries(series.statuses.map((s, i) => [s, i + 1]));
  const span = Math.max(1, series.end - series.start);
  const top = Math.max(1, targets, ...series.points.map((p) => p.slice(1).reduce((a, b) => a + b, 0)));
  const x = (t) => L + ((t - series.start) / span) * (W - L - R);
  const y = (n) => H - B - (n / top) * (H - T - B);
  let below = series.points.map(() => 0);
  for (const s of STACK) {
    const above = series.points.map((p, i) => below[i] + p[column[s]]);
    if (above.every((v, i) => v === below[i])) continue;
    // Each point is the count at its time, drawn over the step that ends there, so the right edge is now.
    let d = `M${x(series.points[0][0])},${y(above[0])}`;
    series.points.forEach((p, i) => { if (i) d += `V${y(above[i])}H${x(p[0])}`; });
    for (let i = series.points.length - 1; i > 0; --i) d += `V${y(below[i])}H${x(series.points[i - 1][0])}`;
    d += `V${y(below[0])}`;
    root.append(svg("path", { d: d + "Z", fill: color(s), "data-status": s }));
    below = above;
  }
  root.append(svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#888" }),
              svg("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#888" }));
  const label = (text, attrs) => { const t = svg("text", Object.assign({ "font-size": 11, fill: "#555" }, attrs)); t.textContent = text; root.append(t); };
  label(String(top), { x: 4, y: T + 10 });
  label("0", { x: 4, y: H - B });
  label(clock(series.start), { x: L, y: H - 6 });
  label(clock(series.end), { x: W - R, y: H - 6, "text-anchor": "end" });
  $("chart").replaceChildren(root);
  $("legend").replaceChildren(...STACK.map((s) => {
    const item = el("span", s); const swatch = el("i"); swatch.style.background = color(s); item.prepend(swatch); return item;
  }));
}

function facts(dl, pairs) {
  dl.replaceChildren();
  for (const [k, v] of pairs) dl.append(el("dt", k), el("dd", v, { "data-fact": k }));
}

function renderRollout(job) {
  const r = job.rollout;
  const rate = r.currentRatePerMinute || r.maximumPerMinute;
  const pairs = [["rate", rate ? rate + " / minute" : "no limit"]];
  if (r.exponentialRate) {
    const e = r.exponentialRate, c = e.rateIncreaseCriteria || {};
    const after = c.numberOfNotifiedThings ? c.numberOfNotifiedThings + " notified"
                                           : c.numberOfSucceededThings + " succeeded";
    pairs.push(["exponential", `from ${e.baseRatePerMinute} / minute, x${e.incrementFactor} for every ${after}`],
               ["increases", `${r.rateIncreases || 0} so far`]);
    if (r.maximumPerMinute) pairs.push(["maximum", r.maximumPerMinute + " / minute"]);
  }
  if (r.windowCount !== undefined) pairs.push(["this window", r.windowCount + " queued since " + clock(r.windowStart)]);
  pairs.push(["waiting", r.waiting + " things not yet queued"]);
  facts($("rollout"), pairs);
}

// abortConfig's rules and whether one tripped (the service then canceled the job, saying why).
function renderAbort(job) {
  const a = job.abort || { criteriaList: [] };
  const pairs = a.criteriaList.map((c) => [c.failureType,
      `${c.action} at ${c.thresholdPercentage} % of at least ${c.minNumberOfExecutedThings} things`]);
  if (!pairs.length) pairs.push(["rules", "none"]);
  pairs.push(["state", a.aborted ? "ABORTED" : job.status === "CANCELED" ? "canceled by hand" : "not tripped"]);
  if (a.reason) pairs.push(["reason", a.reason]);
  facts($("abort"), pairs);
}

function renderFailed(job) {
  const body = $("failed").tBodies[0];
  body.replaceChildren();
  for (const f of job.failed) {
    const reason = Object.entries(f.statusDetails).map(([k, v]) => k + "=" + v).join(", ");
    const row = el("tr", null, { "data-thing": f.thingName });
    row.append(el("td", f.thingName), el("td", f.status), el("td", clock(f.lastUpdatedAt)), el("td", reason));
    body.append(row);
  }
  $("failed-total").textContent = job.failedTotal > job.failed.length
      ? `(${job.failed.length} newest of ${job.failedTotal})` : `(${job.failedTotal})`;
  $("no-failed").hidden = job.failed.length > 0;
}

function renderJob(job) {
  $("job").hidden = false;
  $("job-id").textContent = job.jobId;
  $("job-status").textContent = job.status;
  $("job-status").className = "badge " + job.status;
  const reason = [job.reasonCode, job.comment].filter(Boolean).join(": ");
  $("job-reason").textContent = reason;
  $("job-reason").hidden = !reason;
  renderCounts(job);
  renderChart(job.series, job.targets);
  renderRollout(job);
  renderAbort(job);
  renderFailed(job);
}

let timer = null;
async function poll() {
  clearTimeout(timer);
  try {
    const list = await getJson("/ui/api/jobs");
    const selected = selectedJob(list.jobs);
    renderJobs(list.jobs, selected);
    if (selected) renderJob(await getJson("/ui/api/jobs/" + encodeURIComponent(selected)));
    else $("job").hidden = true;
    ++polls;
    document.body.dataset.polls = String(polls);
    $("updated").textContent = `updated ${clock(list.generatedAt)}, every ${intervalMs / 1000} s`;
  } catch (e) {
    $("updated").textContent = "cannot reach awsfota-jobsd: " + e.message + " (retrying)";
  }
  timer = setTimeout(poll, intervalMs);
}
window.addEventListener("hashchange", poll);
poll();
