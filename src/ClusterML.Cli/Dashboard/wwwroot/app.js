// ClusterML dashboard: a page per campaign, NEP fit and the cluster, fed by the JSON API and refreshed by server-sent
// change events (the server looks for changes once a second; the page fetches only what changed). Charts: uPlot.
"use strict";

const main = document.getElementById("main");
const state = { info: null, events: null, charts: [], sort: {}, filter: {}, metric: {}, renderId: 0, data: {}, reuse: false };

// A render that a newer one has overtaken (the user moved on, or a change arrived) must not write its page.
class Stale extends Error {}
let currentRender = 0;

// The API's answer, or with state.reuse (re-sorting, a new chart metric) the last answer for the same path: no request.
async function get(path) {
  const mine = currentRender;
  const value = state.reuse && state.data[path] ? state.data[path] : await api(path);
  if (mine !== state.renderId) throw new Stale();
  state.data[path] = value;
  return value;
}

function redraw() {
  state.reuse = true;
  render().finally(() => { state.reuse = false; });
}

// ---- formatting -------------------------------------------------------------------------------------------------
function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
function fmt(v, digits = 4) {
  if (v === null || v === undefined || v === "") return "–";
  if (typeof v !== "number") return esc(v);
  if (!isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}
function dur(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${r} s` : `${r} s`;
}
function when(ms) { return ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "–"; }
function bytes(n) {
  if (n === null || n === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0, v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
function badge(status) { return `<span class="badge ${esc(status)}">${esc(status)}</span>`; }

// ---- API, token, events -----------------------------------------------------------------------------------------
async function api(path, options = {}) {
  const response = await fetch("/api" + path, { credentials: "same-origin", ...options });
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error || message; } catch { /* not JSON */ }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

async function unlock(token) {
  const response = await fetch("/api/session", { method: "POST", credentials: "same-origin", headers: { Authorization: "Bearer " + token } });
  await loadInfo();
  return response.ok;
}

async function loadInfo() {
  state.info = await api("/info").catch(e => ({ error: e.message, authorized: false, token_for_reading: e.status === 401 }));
  const form = document.getElementById("token-form");
  const label = document.getElementById("token-state");
  form.hidden = !!state.info.authorized;
  label.textContent = state.info.read_only ? "read-only" : state.info.authorized ? "unlocked: cancel and resume allowed" : "";
  document.getElementById("data-dir").textContent = state.info.data_dir ? `Data directory: ${state.info.data_dir}` : "";
}

function follow(topics, onChange) {
  if (state.events) state.events.close();
  const live = document.getElementById("live");
  const source = new EventSource("/api/events?" + topics.map(t => "topic=" + encodeURIComponent(t)).join("&"));
  source.addEventListener("subscribed", () => { live.textContent = "live"; live.classList.add("on"); });
  source.addEventListener("changed", e => onChange(e.data));
  source.onerror = () => { live.textContent = "reconnecting…"; live.classList.remove("on"); };
  state.events = source;
}

// ---- tables -----------------------------------------------------------------------------------------------------
// columns: { id, label, num, value(row) → what sorting uses, html(row) → cell }
function sortableTable(key, columns, rows, defaultSort) {
  const sort = state.sort[key] || defaultSort || { col: columns[0].id, dir: 1 };
  state.sort[key] = sort;
  const column = columns.find(c => c.id === sort.col) || columns[0];
  const sorted = rows.slice().sort((a, b) => {
    const x = column.value(a), y = column.value(b);
    const xm = x === null || x === undefined || (typeof x === "number" && isNaN(x));
    const ym = y === null || y === undefined || (typeof y === "number" && isNaN(y));
    if (xm || ym) return xm === ym ? 0 : xm ? 1 : -1; // missing values last, whichever the direction
    return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true })) * sort.dir;
  });
  const head = columns.map(c => `<th data-sort="${esc(c.id)}" class="${c.num ? "num" : ""} ${c.id === sort.col ? (sort.dir > 0 ? "sorted-asc" : "sorted-desc") : ""}">${esc(c.label)}</th>`).join("");
  const body = sorted.map(r => `<tr>${columns.map(c => `<td class="${c.num ? "num" : ""}">${c.html ? c.html(r) : fmt(c.value(r))}</td>`).join("")}</tr>`).join("");
  return `<div class="table-wrap"><table data-table="${esc(key)}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}
function wireSorting(container, rerender) {
  container.querySelectorAll("table[data-table] th[data-sort]").forEach(th => th.addEventListener("click", () => {
    const key = th.closest("table").dataset.table;
    const sort = state.sort[key];
    state.sort[key] = sort && sort.col === th.dataset.sort ? { col: sort.col, dir: -sort.dir } : { col: th.dataset.sort, dir: 1 };
    rerender();
  }));
}

// ---- charts -----------------------------------------------------------------------------------------------------
const palette = ["#2458c6", "#d23b3b", "#2e9b4f", "#e0a21b", "#7d4bc2", "#16a3b5", "#c2477f", "#6b7385", "#8a6d1f", "#1f6b4a"];

function clearCharts() { state.charts.forEach(c => c.destroy()); state.charts = []; }

function chartWidth(el) { return Math.max(320, el.clientWidth - 16); }

// Each chart to its box's width now (after the window was resized).
function fitCharts() {
  for (const chart of state.charts) {
    const box = chart.root.parentElement?.parentElement;
    if (box && box.isConnected && chartWidth(box) !== chart.width) chart.setSize({ width: chartWidth(box), height: chart.height });
  }
}

// A chart of series [{label, color, points: [[x, y], …], line}] on shared or separate x values. Scatter series are
// merged onto one sorted x axis (uPlot's aligned data) with gaps where a series has no point.
function plot(el, { title, xLabel, yLabel, yLog, xLog, series, xValues, height = 260, diagonal }) {
  const keep = (v, log) => v !== null && v !== undefined && isFinite(v) && (!log || v > 0);
  const cleaned = series.map(s => ({ ...s, points: s.points.filter(([x, y]) => keep(x, xLog) && keep(y, yLog)) }));
  const total = cleaned.reduce((n, s) => n + s.points.length, 0);
  el.innerHTML = `<div class="title">${esc(title)}</div>`;
  el.dataset.points = String(total);
  if (total === 0) {
    el.insertAdjacentHTML("beforeend", `<div class="empty">no points yet</div>`);
    return;
  }
  const xs = Array.from(new Set(cleaned.flatMap(s => s.points.map(p => p[0])))).sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const data = [xs];
  for (const s of cleaned) {
    const ys = new Array(xs.length).fill(null);
    for (const [x, y] of s.points) ys[index.get(x)] = y;
    data.push(ys);
  }
  const opts = {
    width: chartWidth(el), height,
    scales: { x: { time: false, distr: xLog ? 3 : 1 }, y: { distr: yLog ? 3 : 1 } },
    axes: [
      // uPlot's own tick labels (they take as many digits as the tick spacing needs); categories by name.
      xValues ? { label: xLabel, values: (u, ticks) => ticks.map(v => v === null ? "" : xValues(v)) } : { label: xLabel },
      { label: yLabel, size: 70 },
    ],
    legend: { show: true },
    series: [{ label: xLabel, value: (u, v) => v === null ? "–" : xValues ? xValues(v) : fmt(v) }].concat(cleaned.map((s, i) => ({
      label: s.label, stroke: s.color || palette[i % palette.length], width: s.line ? 1.5 : 0, spanGaps: !!s.line, dash: s.dash || undefined,
      paths: s.line ? undefined : () => null,
      points: { show: !s.line || s.points.length < 60, size: s.line ? 4 : 6, fill: s.color || palette[i % palette.length] },
      value: (u, v) => fmt(v),
    }))),
  };
  if (diagonal) {
    // y = x through the data's range: a perfect prediction.
    const lo = Math.min(...xs), hi = Math.max(...xs);
    opts.series.push({ label: "y = x", stroke: "#9aa3b5", width: 1, dash: [4, 4], points: { show: false }, spanGaps: true });
    data.push(xs.map(x => (x === lo || x === hi ? x : null)));
  }
  const holder = document.createElement("div");
  el.appendChild(holder);
  state.charts.push(new uPlot(opts, data, holder));
}

function chartBox(id) { return `<div class="chart" id="${esc(id)}"></div>`; }

function numericAxis(values) { return values.every(v => v === null || v === undefined || !isNaN(Number(v))); }

// ---- pages ------------------------------------------------------------------------------------------------------
async function campaignsPage() {
  follow(["campaigns"], () => render());
  const rows = await get("/campaigns");
  const filter = state.filter.campaigns || "";
  const status = state.filter.campaignStatus || "";
  const shown = rows.filter(r => (!filter || `${r.id} ${r.name} ${r.engine}`.toLowerCase().includes(filter.toLowerCase())) && (!status || r.status === status));
  const statuses = Array.from(new Set(rows.map(r => r.status))).sort();
  const columns = [
    { id: "id", label: "campaign", value: r => r.id, html: r => `<a href="#/campaign/${encodeURIComponent(r.id)}">${esc(r.id)}</a>` },
    { id: "name", label: "name", value: r => r.name, html: r => esc(r.name) },
    { id: "engine", label: "engine", value: r => r.engine, html: r => esc(r.engine) },
    { id: "status", label: "state", value: r => r.status, html: r => badge(r.status) + (r.status === "running" && !r.live ? ` <span class="muted" title="no live process drives it in this data directory">(no driver)</span>` : "") },
    { id: "completed", label: "completed", num: true, value: r => r.completed },
    { id: "failed", label: "failed", num: true, value: r => r.failed },
    { id: "stopped", label: "stopped", num: true, value: r => r.stopped },
    { id: "running", label: "running", num: true, value: r => r.running },
    { id: "pending", label: "pending", num: true, value: r => r.pending },
    { id: "planned", label: "planned", num: true, value: r => r.planned },
    { id: "best", label: "best", num: true, value: r => r.best_value, html: r => r.best_trial ? `${fmt(r.best_value)} <span class="muted">${esc(r.best_trial)}</span>` : "–" },
    { id: "objective", label: "objective", value: r => r.objective, html: r => `<span class="muted">${esc(r.objective)}</span>` },
    { id: "created", label: "started", value: r => r.created_ms, html: r => when(r.created_ms) },
    { id: "wall", label: "wall time", num: true, value: r => r.wall_seconds, html: r => dur(r.wall_seconds) },
  ];
  main.innerHTML = `<h1>Campaigns</h1>
    <div class="toolbar"><input id="filter" type="search" placeholder="filter by id, name or engine" value="${esc(filter)}">
      <select id="status"><option value="">every state</option>${statuses.map(s => `<option ${s === status ? "selected" : ""}>${esc(s)}</option>`).join("")}</select>
      <span class="muted">${shown.length} of ${rows.length} campaigns</span></div>
    ${rows.length === 0 ? `<p class="muted">No campaigns in this data directory yet: <code>clusterml campaign run config/campaigns/quickstart.yaml</code> starts one.</p>`
      : sortableTable("campaigns", columns, shown, { col: "created", dir: -1 })}`;
  const input = document.getElementById("filter");
  input.addEventListener("input", () => { state.filter.campaigns = input.value; state.reuse = true; render().finally(() => { state.reuse = false; }).then(() => { const i = document.getElementById("filter"); i.focus(); i.setSelectionRange(i.value.length, i.value.length); }); });
  document.getElementById("status").addEventListener("change", e => { state.filter.campaignStatus = e.target.value; redraw(); });
  wireSorting(main, redraw);
}

async function campaignPage(id) {
  follow([`campaign:${id}`], () => render());
  const [page, curves] = await Promise.all([get(`/campaigns/${encodeURIComponent(id)}`), get(`/campaigns/${encodeURIComponent(id)}/curves?top=5`)]);
  const c = page.campaign;
  const planned = Math.max(1, c.planned);
  const part = (n, cls) => n > 0 ? `<span class="${cls}" style="width:${(100 * n / planned).toFixed(2)}%" title="${cls}: ${n}"></span>` : "";
  const canCancel = !["completed", "cancelled", "timed-out"].includes(c.status);
  const canResume = canCancel && !c.live;
  const objectiveMetrics = page.objectives.map(o => o.replace(/ \((min|max)\)$/, ""));
  const columns = [
    { id: "rank", label: "#", num: true, value: t => t.rank },
    { id: "trial", label: "trial", value: t => t.index, html: t => `<a href="#/campaign/${encodeURIComponent(id)}/trial/${encodeURIComponent(t.trial_id)}">${esc(t.trial_id)}</a>` },
    { id: "status", label: "state", value: t => t.status, html: t => badge(t.status) },
  ];
  if (page.objectives.length > 1) columns.push({ id: "front", label: "front", num: true, value: t => t.front });
  for (const m of objectiveMetrics) {
    columns.push({ id: "obj:" + m, label: m, num: true, value: t => m === "loss" ? t.loss : t.metrics[m] });
  }
  if (!objectiveMetrics.includes("loss")) columns.push({ id: "loss", label: "loss", num: true, value: t => t.loss });
  for (const a of page.axes) {
    const numeric = numericAxis(page.trials.map(t => t.parameters[a]));
    columns.push({ id: "p:" + a, label: a, num: numeric, value: t => t.parameters[a] === undefined ? null : numeric ? Number(t.parameters[a]) : t.parameters[a], html: t => t.parameters[a] === undefined ? "–" : numeric ? fmt(Number(t.parameters[a]), 6) : esc(t.parameters[a]) });
  }
  // Metrics that repeat a hyperparameter (an engine reporting its own setting back) would be a second column of the same name.
  for (const m of page.metrics.filter(m => !objectiveMetrics.includes(m) && !page.axes.includes(m)).slice(0, 6)) {
    columns.push({ id: "m:" + m, label: m, num: true, value: t => t.metrics[m] });
  }
  columns.push(
    { id: "node", label: "node", value: t => t.node, html: t => `<span class="muted">${esc(t.node ?? "–")}</span>` },
    { id: "attempts", label: "attempts", num: true, value: t => t.attempts },
    { id: "duration", label: "time", num: true, value: t => t.ended_ms && t.started_ms ? (t.ended_ms - t.started_ms) / 1000 : null, html: t => dur(t.ended_ms && t.started_ms ? (t.ended_ms - t.started_ms) / 1000 : t.started_ms ? (Date.now() - t.started_ms) / 1000 : null) },
    { id: "files", label: "artifacts", num: true, value: t => t.files.length, html: t => t.files.length ? `<a href="#/campaign/${encodeURIComponent(id)}/trial/${encodeURIComponent(t.trial_id)}">${t.files.length} files</a>` : "–" },
  );
  // The buttons and their message live outside what each update redraws: a click never lands on a replaced button.
  const route = `campaign:${id}`;
  if (main.dataset.route !== route || !document.getElementById("c-head")) {
    main.dataset.route = route;
    main.innerHTML = `<div id="c-head"></div>${page.actions ? `<div class="card"><button id="cancel" class="danger">Cancel campaign</button>
      <button id="resume">Resume</button><span id="action-message" class="message"></span></div>` : ""}<div id="c-body"></div>`;
    if (page.actions) wireActions(id);
  }
  document.getElementById("c-head").innerHTML = `<h1>${esc(c.name)} <span class="muted">${esc(c.id)}</span> ${badge(c.status)}</h1>
    <div class="card">
      <div class="counts">
        <div><b>${c.completed}</b>completed</div><div><b>${c.failed}</b>failed</div><div><b>${c.stopped}</b>stopped early</div>
        <div><b id="running-count">${c.running ?? "–"}</b>running</div><div><b>${c.pending}</b>pending</div><div><b>${c.planned}</b>planned</div>
        <div><b>${dur(c.wall_seconds)}</b>wall time</div><div><b>${c.eta_seconds === null || c.eta_seconds === undefined ? "–" : dur(c.eta_seconds)}</b>time left (at the rate so far)</div>
      </div>
      <div class="bar" id="progress-bar">${part(c.completed, "completed")}${part(c.failed, "failed")}${part(c.stopped, "stopped")}${part(c.running || 0, "running")}</div>
      <div class="muted">engine ${esc(c.engine)} · objective ${esc(c.objective)} · started ${when(c.created_ms)}${c.ended_ms ? " · ended " + when(c.ended_ms) : ""}
        ${c.status === "running" && !c.live ? " · no live process drives it in this data directory (resume it)" : ""}
        ${c.best_trial ? ` · best <a href="#/campaign/${encodeURIComponent(id)}/trial/${encodeURIComponent(c.best_trial)}">${esc(c.best_trial)}</a> ${fmt(c.best_value)}` : ""}</div>
    </div>`;
  if (page.actions) {
    document.getElementById("cancel").disabled = !canCancel || state.busy;
    document.getElementById("resume").disabled = !canResume || state.busy;
  }
  const al = page.active;
  const lastActive = al ? [...al.rounds].reverse().find(r => r.arm === "active" && r.status === "completed" && r.round > 0) : null;
  // A potential's rounds (a NEP committee) have no R²: their error is the test force RMSE.
  const errorKey = !al ? "test_r2" : al.rounds.some(r => r.test_r2_log10 !== null) ? "test_r2_log10"
    : al.rounds.some(r => r.test_r2 !== null) || !al.rounds.some(r => r.test_rmse !== null) ? "test_r2" : "test_rmse";
  const errorLabel = { test_r2_log10: "test R² (log10)", test_r2: "test R²", test_rmse: "test RMSE" }[errorKey];
  document.getElementById("c-body").innerHTML = (al ? `
    <h2>Active learning</h2>
    <div class="card"><div class="counts">
      <div><b>${lastActive ? lastActive.round : 0} / ${al.rounds_planned}</b>rounds</div>
      <div><b>${al.oracle_calls} / ${al.budget}</b>oracle calls${al.failed_calls ? ` (${al.failed_calls} failed)` : ""}</div>
      ${al.random_calls ? `<div><b>${al.random_calls}</b>random-sampling calls</div>` : ""}
      <div><b>${lastActive ? fmt(lastActive[errorKey]) : "–"}</b>model ${errorLabel}</div>
      ${al.goal ? `<div><b>${lastActive ? fmt(lastActive.best_label) : "–"}</b>best ${esc(al.target)} found (${esc(al.goal)})</div>` : ""}
    </div></div>
    ${sortableTable("rounds:" + id, [
      { id: "round", label: "round", num: true, value: r => r.round, html: r => `<a href="#/campaign/${encodeURIComponent(id)}/trial/${encodeURIComponent(r.trial_id)}">${r.round}</a>` },
      { id: "arm", label: "arm", value: r => r.arm },
      { id: "status", label: "state", value: r => r.status, html: r => badge(r.status) },
      { id: "calls", label: "oracle calls", num: true, value: r => r.oracle_calls },
      { id: "labelled", label: "labelled", num: true, value: r => r.labelled },
      { id: "r2", label: "test R²", num: true, value: r => r.test_r2 },
      { id: "r2log", label: "test R² (log10)", num: true, value: r => r.test_r2_log10 },
      { id: "rmse", label: "test RMSE", num: true, value: r => r.test_rmse },
      { id: "sigma", label: "σ max (pool)", num: true, value: r => r.sigma_max },
      ...(al.goal ? [{ id: "best", label: "best found", num: true, value: r => r.best_label }] : []),
      { id: "picked", label: "picked", num: true, value: r => r.selected },
      { id: "stop", label: "stop", value: r => r.stop, html: r => r.stop ? esc(r.stop) : "" },
    ], al.rounds, { col: "round", dir: 1 })}
    <div class="grid">${chartBox("al-error")}${al.goal ? chartBox("al-best") : ""}</div>` : "") + `
    <h2>Leaderboard <span class="muted">(${page.finished_trials > page.trials.length ? `the best ${page.trials.length} of ${page.finished_trials} finished trials` : `${page.trials.length} trials`}; click a column to sort)</span></h2>
    ${sortableTable("trials:" + id, columns, page.trials, { col: "rank", dir: 1 })}
    <h2>Learning curves of the best trials</h2>
    <div class="toolbar"><label>metric <select id="curve-metric"></select></label></div>
    <div class="grid">${chartBox("curves")}</div>
    ${page.objectives.length > 1 ? `<h2>Pareto front</h2><div class="grid">${chartBox("pareto")}</div>` : ""}
    ${page.schedules.length ? `<h2>Population-based training</h2><div class="grid">${page.schedules.map((_, i) => chartBox("pbt-" + i)).join("")}</div>` : ""}
    ${al ? "" : `<h2>Objective against each hyperparameter</h2>
    <div class="grid">${page.axes.map((a, i) => chartBox("axis-" + i)).join("")}</div>`}
    <h2>Spec</h2><pre>${esc(page.spec_text)}</pre>`;
  wireSorting(main, redraw);

  clearCharts();
  // Learning curves: one metric at a time, every trial of the best five a line.
  const metrics = Array.from(new Set(curves.flatMap(cv => Object.keys(cv.series)))).sort();
  const preferred = state.metric[id] && metrics.includes(state.metric[id]) ? state.metric[id]
    : metrics.find(m => m === "validation_loss") || metrics.find(m => m.includes("loss")) || metrics[0];
  const select = document.getElementById("curve-metric");
  select.innerHTML = metrics.map(m => `<option ${m === preferred ? "selected" : ""}>${esc(m)}</option>`).join("");
  select.addEventListener("change", () => { state.metric[id] = select.value; redraw(); });
  // Stopped trials (early stopping) are dashed: their curves end where ASHA cut them off.
  const curveSeries = curves.map((cv, i) => ({ label: `${cv.trial_id} (${cv.status})`, color: palette[i % palette.length], line: true, dash: cv.status === "stopped" ? [5, 4] : null,
    points: (cv.series[preferred] || []).map((y, k) => [cv.epochs[k], y]) }));
  const positive = curveSeries.every(s => s.points.every(([, y]) => y === null || y > 0));
  plot(document.getElementById("curves"), { title: `${preferred ?? "metric"} per epoch${positive ? " (log scale)" : ""}`, xLabel: "epoch", yLabel: preferred ?? "", yLog: positive, series: curveSeries });

  if (al) {
    const arms = Array.from(new Set(al.rounds.filter(r => r.round > 0).map(r => r.arm)));
    const byArm = key => arms.map((arm, i) => ({ label: arm === "random" ? "random sampling" : "active learning", color: palette[i % palette.length], line: true,
      points: al.rounds.filter(r => r.arm === arm && r.round > 0 && r[key] !== null).map(r => [r.oracle_calls, r[key]]) }));
    plot(document.getElementById("al-error"), { title: `The model's ${errorKey === "test_r2_log10" ? "test R² of log10(target)" : errorLabel} against oracle calls`,
      xLabel: "oracle calls", yLabel: errorKey, series: byArm(errorKey) });
    if (al.goal) {
      plot(document.getElementById("al-best"), { title: `The best ${al.target} found against oracle calls`, xLabel: "oracle calls", yLabel: al.target, series: byArm("best_label") });
    }
  }
  page.schedules.forEach((chart, i) => plot(document.getElementById("pbt-" + i), {
    title: chart.title + (chart.log_y ? " (log scale)" : ""), xLabel: "epoch", yLabel: chart.y_label, yLog: chart.log_y,
    series: chart.series.map(m => ({ label: `member ${m.member}${m.exploited_at.length ? ` (took over at ${m.exploited_at.join(", ")})` : ""}`,
      color: palette[m.member % palette.length], line: true, points: m.points.map(p => [p[0], p[1]]) })),
  }));
  const objective = objectiveMetrics[0] || "loss";
  const valueOf = (t, m) => m === "loss" ? t.loss : t.metrics[m];
  const finished = page.trials.filter(t => t.status === "completed" || t.status === "stopped");
  if (page.objectives.length > 1) {
    const [m1, m2] = objectiveMetrics;
    const done = page.trials.filter(t => t.status === "completed");
    plot(document.getElementById("pareto"), { title: `${m1} against ${m2}`, xLabel: m1, yLabel: m2, series: [
      { label: "Pareto front", color: "#d23b3b", points: done.filter(t => t.front === 1).map(t => [valueOf(t, m1), valueOf(t, m2)]) },
      { label: "dominated", color: "#9aa3b5", points: done.filter(t => t.front !== 1).map(t => [valueOf(t, m1), valueOf(t, m2)]) },
    ] });
  }
  // An active-learning campaign's parameters are candidates and rounds, not hyperparameters: no objective-against-axis charts.
  (al ? [] : page.axes).forEach((a, i) => {
    const values = finished.map(t => t.parameters[a]);
    const numeric = numericAxis(values);
    const categories = numeric ? null : Array.from(new Set(values.filter(v => v !== undefined))).sort();
    const x = t => numeric ? Number(t.parameters[a]) : categories.indexOf(t.parameters[a]);
    const xs = finished.map(x).filter(v => isFinite(v));
    const xLog = numeric && xs.length > 1 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 100;
    const ys = finished.map(t => valueOf(t, objective)).filter(v => v !== null && v !== undefined);
    const yLog = ys.length > 0 && ys.every(v => v > 0);
    const scales = [xLog ? `${a} log` : "", yLog ? `${objective} log` : ""].filter(x => x).join(", ");
    plot(document.getElementById("axis-" + i), { title: `${objective} against ${a}${scales ? ` (${scales} scale)` : ""}`, xLabel: a, yLabel: objective,
      xLog, yLog, xValues: categories ? v => categories[Math.round(v)] ?? "" : null, series: [
        { label: "completed", color: "#2458c6", points: finished.filter(t => t.status === "completed").map(t => [x(t), valueOf(t, objective)]) },
        { label: "stopped early", color: "#e0a21b", points: finished.filter(t => t.status === "stopped").map(t => [x(t), valueOf(t, objective)]) },
      ] });
  });
}

function wireActions(id) {
  const message = document.getElementById("action-message");
  for (const action of ["cancel", "resume"]) {
    const button = document.getElementById(action);
    button.addEventListener("click", async () => {
      if (action === "cancel" && !confirm(`Cancel campaign ${id}? Running trials are stopped and it will not resume.`)) return;
      state.busy = true;
      document.getElementById("cancel").disabled = document.getElementById("resume").disabled = true;
      message.className = "message";
      message.textContent = action === "cancel" ? "cancelling…" : "resuming…";
      try {
        const outcome = await api(`/campaigns/${encodeURIComponent(id)}/${action}`, { method: "POST" });
        message.className = "message ok";
        message.textContent = outcome.message;
      } catch (e) {
        message.className = "message error";
        message.textContent = e.status === 401 ? "refused: enter the dashboard's token above (printed when it started)" : e.message;
      } finally {
        state.busy = false;
        redraw();
      }
    });
  }
}

async function trialPage(id, trialId) {
  follow([`campaign:${id}`], () => render());
  const page = await get(`/campaigns/${encodeURIComponent(id)}/trials/${encodeURIComponent(trialId)}`);
  const t = page.trial;
  const rows = (obj) => Object.keys(obj).sort().map(k => `<tr><td>${esc(k)}</td><td class="num">${fmt(obj[k], 6)}</td></tr>`).join("");
  main.innerHTML = `<h1><a href="#/campaign/${encodeURIComponent(id)}">${esc(id)}</a> / ${esc(t.trial_id)} ${badge(t.status)}</h1>
    <div class="grid">
      <div class="card"><h2>Configuration</h2><table class="kv">${rows(t.parameters)}<tr><td>seed</td><td class="num">${t.seed}</td></tr></table></div>
      <div class="card"><h2>Outcome</h2><table class="kv"><tr><td>loss</td><td class="num">${fmt(t.loss, 6)}</td></tr>${rows(t.metrics)}
        <tr><td>node</td><td>${esc(t.node ?? "–")}</td></tr><tr><td>attempts</td><td class="num">${t.attempts}</td></tr>
        <tr><td>started</td><td>${when(t.started_ms)}</td></tr><tr><td>ended</td><td>${when(t.ended_ms)}</td></tr></table>
        ${t.error ? `<h2>Error</h2><div class="error-text">${esc(t.error)}</div>` : ""}</div>
    </div>
    <h2>Per-epoch metrics</h2><div class="grid">${chartBox("trial-curve")}</div>
    <h2>Artifacts</h2>${t.files.length ? `<ul>${t.files.map(f => `<li><a href="/api/campaigns/${encodeURIComponent(id)}/trials/${encodeURIComponent(t.trial_id)}/files/${f.path.split("/").map(encodeURIComponent).join("/")}" download>${esc(f.path)}</a> <span class="muted">${bytes(f.bytes)}</span></li>`).join("")}</ul>` : `<p class="muted">none</p>`}
    <h2>Log (end)</h2>${page.log_tail ? `<pre id="log">${esc(page.log_tail)}</pre>` : `<p class="muted">no log stored</p>`}`;
  clearCharts();
  const names = Object.keys(page.curve.series).sort();
  const losses = names.filter(n => n.includes("loss") || n.includes("rmse"));
  const shown = losses.length ? losses : names;
  const series = shown.map((n, i) => ({ label: n, color: palette[i % palette.length], line: true, points: page.curve.series[n].map((y, k) => [page.curve.epochs[k], y]) }));
  const positive = series.every(s => s.points.every(([, y]) => y === null || y > 0));
  plot(document.getElementById("trial-curve"), { title: `metrics per epoch${positive ? " (log scale)" : ""}`, xLabel: "epoch", yLabel: "value", yLog: positive, series });
  const log = document.getElementById("log");
  if (log) log.scrollTop = log.scrollHeight;
}

async function fitsPage() {
  follow(["fits"], () => render());
  const fits = await get("/fits");
  const columns = [
    { id: "id", label: "fit", value: f => f.id, html: f => `<a href="#/fit/${encodeURIComponent(f.id)}">${esc(f.id)}</a>` },
    { id: "status", label: "state", value: f => f.status, html: f => badge(f.status) },
    { id: "optimizer", label: "optimizer", value: f => f.optimizer, html: f => esc(f.optimizer) },
    { id: "species", label: "species", value: f => f.species.join(" "), html: f => esc(f.species.join(" ")) },
    { id: "frames", label: "training frames", num: true, value: f => f.train_frames },
    { id: "distributed", label: "distributed", value: f => f.distributed ? "yes" : "no", html: f => f.distributed ? "yes" : "no" },
    { id: "started", label: "started", value: f => f.started_at_ms, html: f => when(f.started_at_ms) },
    { id: "out", label: "output", value: f => f.out_dir, html: f => `<span class="muted">${esc(f.out_dir)}</span>` },
  ];
  main.innerHTML = `<h1>NEP fits</h1>${fits.length ? sortableTable("fits", columns, fits, { col: "started", dir: -1 })
    : `<p class="muted">No NEP fit recorded in this data directory: <code>clusterml nep train …</code> records each fit here as it runs.</p>`}`;
  wireSorting(main, redraw);
}

async function fitPage(id) {
  follow([`fit:${id}`], () => render());
  const fit = await get(`/fits/${encodeURIComponent(id)}`);
  const f = fit.info, last = fit.progress[fit.progress.length - 1];
  const nodes = Array.from(new Set(fit.placement.map(p => p.node))).sort();
  main.innerHTML = `<h1>NEP fit <span class="muted">${esc(f.id)}</span> ${badge(f.status)}</h1>
    <div class="card"><div class="counts"><div><b>${last ? last.epoch : 0} / ${f.epochs}</b>epochs</div>
      <div><b>${last ? fmt(last.energy_train * 1000) : "–"}</b>energy RMSE (meV/atom)</div><div><b>${last ? fmt(last.force_train * 1000) : "–"}</b>force RMSE (meV/Å)</div>
      <div><b>${last && last.virial_train !== null ? fmt(last.virial_train * 1000) : "–"}</b>virial RMSE (meV/atom)</div><div><b>${last ? dur(last.seconds) : "–"}</b>wall time</div></div>
      <div class="muted">${esc(f.optimizer)} · ${esc(f.species.join(" "))} · ${f.train_frames} training frames${f.test_frames ? `, ${f.test_frames} test frames` : ""} · output ${esc(f.out_dir)} · started ${when(f.started_at_ms)}</div>
      ${f.error ? `<div class="error-text">${esc(f.error)}</div>` : ""}</div>
    <h2>RMSE per epoch</h2><div class="grid">${chartBox("rmse-energy")}${chartBox("rmse-force")}${chartBox("rmse-virial")}${chartBox("fit-loss")}</div>
    <h2>Parity</h2>${fit.parity.length ? `<div class="grid">${fit.parity.map((p, i) => chartBox("parity-" + i)).join("")}</div>` : `<p class="muted">written when the fit ends (energy/force/virial_train.out in its output folder)</p>`}
    ${fit.placement.length ? `<h2>Shards per worker</h2>${sortableTable("placement", [
      { id: "node", label: "worker", value: n => n.node, html: n => esc(n.node) },
      { id: "shards", label: "shards", num: true, value: n => n.shards },
      { id: "frames", label: "frames", num: true, value: n => n.frames },
      { id: "bytes", label: "resident", num: true, value: n => n.bytes, html: n => bytes(n.bytes) },
    ], nodes.map(n => { const mine = fit.placement.filter(p => p.node === n); return { node: n, shards: mine.length, frames: mine.reduce((s, p) => s + p.frames, 0), bytes: mine.reduce((s, p) => s + p.bytes, 0) }; }))}
    <h2>Step time per worker</h2><div class="grid">${chartBox("steps")}</div>` : ""}`;
  wireSorting(main, redraw);
  clearCharts();
  const curve = (key, scale) => fit.progress.map(p => [p.epoch, p[key] === null || p[key] === undefined ? null : p[key] * scale]);
  const rmse = (el, quantity, unit) => plot(document.getElementById(el), { title: `${quantity} RMSE (log scale)`, xLabel: "epoch", yLabel: `RMSE (${unit})`, yLog: true, series: [
    { label: "train", color: "#2458c6", line: true, points: curve(`${quantity}_train`, 1000) },
    { label: "test", color: "#d23b3b", line: true, points: curve(`${quantity}_test`, 1000) },
  ] });
  rmse("rmse-energy", "energy", "meV/atom");
  rmse("rmse-force", "force", "meV/Å");
  rmse("rmse-virial", "virial", "meV/atom");
  plot(document.getElementById("fit-loss"), { title: "loss λe·Le + λf·Lf + λv·Lv + λ1·L1 + λ2·L2 (log scale)", xLabel: "epoch", yLabel: "loss", yLog: true,
    series: [{ label: "loss", color: "#7d4bc2", line: true, points: fit.progress.map(p => [p.epoch, p.loss]) }] });
  fit.parity.forEach((p, i) => plot(document.getElementById("parity-" + i), {
    title: `${p.quantity} (${p.set}): RMSE ${fmt(p.rmse * 1000)} m${p.unit}, ${p.points} values`, xLabel: `reference ${p.quantity} (${p.unit})`, yLabel: `NEP ${p.quantity} (${p.unit})`,
    diagonal: true, series: [{ label: p.set, color: p.set === "train" ? "#2458c6" : "#d23b3b", points: p.reference.map((r, k) => [r, p.predicted[k]]) }] }));
  if (fit.placement.length) {
    plot(document.getElementById("steps"), { title: "compute per step, by worker", xLabel: "epoch", yLabel: "compute per epoch (s)", series: [
      ...nodes.map((n, i) => ({ label: n, color: palette[i % palette.length], line: true, points: fit.worker_steps.filter(w => w.node === n).map(w => [w.epoch, w.compute_seconds]) })),
      { label: "step (wall)", color: "#1d2330", line: true, points: Array.from(new Map(fit.worker_steps.map(w => [w.epoch, w.step_seconds])).entries()) },
    ] });
  }
}

async function clusterPage() {
  follow(["cluster"], () => render());
  const page = await get("/cluster");
  const columns = [
    { id: "address", label: "member", value: n => n.member.address, html: n => esc(n.member.address) + (n.member.self ? ` <span class="muted">(this dashboard's process)</span>` : "") },
    { id: "roles", label: "roles", value: n => n.member.roles.join(","), html: n => esc(n.member.roles.join(", ") || "observer") },
    { id: "status", label: "membership", value: n => n.member.status, html: n => esc(n.member.status) },
    { id: "reachable", label: "reachable", value: n => n.member.reachable ? 1 : 0, html: n => n.member.reachable ? "yes" : `<span class="error-text">no</span>` },
    { id: "slots", label: "slots in use", num: true, value: n => n.member.busy_slots, html: n => n.member.slots ? `${n.member.busy_slots} / ${n.member.slots}` : "–" },
    { id: "running", label: "running trials", num: true, value: n => n.trials.length, html: n => n.trials.length ? n.trials.map(t => `<a href="#/campaign/${encodeURIComponent(t.campaign_id)}/trial/${encodeURIComponent(t.trial_id)}">${esc(t.trial_id)}</a>`).join(" ") : "0" },
    { id: "device", label: "device", value: n => n.member.device, html: n => esc(n.member.device ?? "–") },
    { id: "host", label: "host / pid", value: n => n.member.host, html: n => n.member.host ? `${esc(n.member.host)} / ${n.member.process_id}` : "–" },
    { id: "blobs", label: "blob store", num: true, value: n => n.member.blob_bytes, html: n => bytes(n.member.blob_bytes) },
  ];
  const s = page.stores;
  main.innerHTML = `<h1>Cluster</h1>
    ${page.cluster ? `<p class="muted">${page.nodes.length} member${page.nodes.length === 1 ? "" : "s"}, as seen by ${esc(page.cluster.seen_from)} at ${when(page.cluster.updated_at_ms)}</p>${sortableTable("members", columns, page.nodes)}`
      : `<p class="muted">No cluster is running a campaign of this data directory now, and this dashboard is not a member of one (start it with --seed-nodes to watch a cluster).</p>`}
    <h2>Stores of ${esc(page.data_dir)}</h2>
    <table class="kv"><tr><td>input blobs</td><td>${s.blobs} blobs, ${bytes(s.blob_bytes)} (${bytes(s.pinned_bytes)} pinned by campaigns; cache limit ${bytes(s.cache_limit_bytes)})</td></tr>
      <tr><td>artifacts and exports</td><td>${bytes(s.artifact_bytes)}</td></tr><tr><td>journal and results databases</td><td>${bytes(s.database_bytes)}</td></tr></table>`;
  wireSorting(main, redraw);
}

// ---- routing ----------------------------------------------------------------------------------------------------
async function render() {
  const id = ++state.renderId;
  if (!location.hash.startsWith("#/campaign/") || location.hash.includes("/trial/")) delete main.dataset.route;
  currentRender = id;
  const parts = (location.hash.replace(/^#\/?/, "") || "").split("/").map(decodeURIComponent);
  const section = parts[0] === "campaign" ? "campaigns" : parts[0] === "fit" ? "fits" : parts[0] || "campaigns";
  document.querySelectorAll("nav a").forEach(a => a.classList.toggle("active", a.dataset.nav === section));
  try {
    if (parts[0] === "campaign" && parts[2] === "trial") await trialPage(parts[1], parts[3]);
    else if (parts[0] === "campaign") await campaignPage(parts[1]);
    else if (parts[0] === "fits") await fitsPage();
    else if (parts[0] === "fit") await fitPage(parts[1]);
    else if (parts[0] === "cluster") await clusterPage();
    else await campaignsPage();
    document.body.dataset.rendered = String(id);
  } catch (e) {
    if (e instanceof Stale || id !== state.renderId) return;
    main.innerHTML = e.status === 401
      ? `<p class="error-text">This dashboard needs its token: enter it above (it was printed when the dashboard started).</p>`
      : `<p class="error-text">${esc(e.message)}</p>`;
  }
}

async function start() {
  document.getElementById("token-form").addEventListener("submit", async e => {
    e.preventDefault();
    const input = document.getElementById("token-input");
    const ok = await unlock(input.value.trim());
    input.value = "";
    document.getElementById("token-state").textContent = ok ? "unlocked: cancel and resume allowed" : "wrong token";
    render();
  });
  // The address printed at start carries the token after '#': exchanged for a cookie, then removed from the address bar.
  const given = location.hash.match(/token=([^&]+)/);
  if (given) {
    await unlock(decodeURIComponent(given[1]));
    history.replaceState(null, "", location.pathname + "#/");
  }
  await loadInfo();
  window.addEventListener("hashchange", render);
  // Charts take their box's width: a resized window resizes them in place. Nothing else is rebuilt, so a click, a
  // selection or a hover is never lost to a resize (a full-page screenshot makes one).
  let resizeTimer;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(fitCharts, 200); });
  render();
}

start();
