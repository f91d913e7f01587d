// The dashboard of one regional round. It follows GET .../regions/{region}/events (Server-Sent Events: the document at
// once, then one per change) and falls back to polling the region GET with If-None-Match every 15 s when the stream
// is not available. ?asOf=YYYY-MM-DD replays a past day (no live updates then). Fields the API adds later (phase,
// forecast, timeline, last nudges) are shown when present and left out quietly when absent.
import {
  api, countryName, el, format, lang, loadCountries, milestones, objectiveLabel, onSignInChange, route, start, statuses, t,
  token,
} from "./gcm.js";

const { cycle, key: region } = route();
const base = `/api/cycles/${encodeURIComponent(cycle)}/regions/${encodeURIComponent(region)}`;
const statusRank = { "not-started": 0, "in-progress": 1, "completed": 2 };
const pollEvery = 15000;

let progress = null;
let etag = null;
let timeline = null;
let asOf = new URLSearchParams(location.search).get("asOf");
let sort = { column: "state", descending: false };
let stream = null;
let pollTimer = null;
let retryTimer = null;

const byId = id => document.getElementById(id);

function regionUrl() {
  return asOf ? `${base}?asOf=${encodeURIComponent(asOf)}` : base;
}

// ---- rendering ----

function render() {
  if (!progress) return;
  document.title = t("dash.pageTitle", { name: progress.name });
  byId("title").textContent = progress.name;
  renderHeader();
  renderSummary();
  renderCounts();
  renderLagging();
  renderObjectives();
  renderMembers();
  renderBurnup();
  byId("as-of").textContent = t("dash.asOf", { date: format.date(progress.asOf), version: format.number(progress.version) });
  renderToolbar();
  byId("content").hidden = false;
}

function renderHeader() {
  const c = progress.conference;
  const dates = !c.start ? t("common.notSet")
    : c.end && c.end !== c.start ? t("dash.conferenceDates", { start: format.date(c.start), end: format.date(c.end) })
    : format.date(c.start);
  byId("conference").textContent = t("dash.conference", { dates, modality: t(`modality.${c.modality}`) });
  byId("organizers").textContent = t("dash.organizers", { names: format.list(progress.coOrganizers), cycle: progress.cycle });
  const phase = byId("phase");
  phase.hidden = !progress.phase;
  if (progress.phase) {
    phase.textContent = t(`phase.${progress.phase}`);
    phase.dataset.phase = progress.phase;
  }
  const concluded = byId("concluded");
  concluded.hidden = !progress.concludedOn;
  if (progress.concludedOn) concluded.textContent = t("dash.concludedOn", { date: format.date(progress.concludedOn) });
  // What members recorded after the round concluded (the document shows them as they were on that day).
  const late = byId("late-updates");
  const updates = progress.lateUpdates ?? [];
  late.hidden = updates.length === 0;
  late.querySelector("ul").replaceChildren(...updates.map(u => el("li", { "data-country": u.country },
    `${countryName(u.country)} · ${milestones.includes(u.field) ? t(`milestone.${u.field}`) : u.field}: `
    + `${statuses.includes(u.then) ? t(`status.${u.then}`) : u.then} → ${statuses.includes(u.now) ? t(`status.${u.now}`) : u.now}`)));
  const report = byId("last-report");
  report.hidden = !progress.lastReport;
  if (progress.lastReport) report.textContent = t("dash.lastReport", { date: format.date(progress.lastReport.date), source: progress.lastReport.source });
}

function setFigure(id, value, text) {
  const node = byId(id);
  node.textContent = text;
  node.dataset.value = String(value);
}

function renderSummary() {
  const days = progress.daysToConference;
  if ((days === null || days === undefined) && progress.phase) {
    // No date to count to (concluded, postponed, not yet set): the card says where the round stands instead.
    setFigure("days-to-conference", "", t(`phase.${progress.phase}`));
    byId("days-label").textContent = t("dash.phase");
  } else {
    setFigure("days-to-conference", days ?? "", days === null || days === undefined ? "–" : format.number(Math.abs(days)));
    byId("days-label").textContent = days !== null && days < 0 ? t("dash.daysSince") : t("dash.daysTo");
  }
  setFigure("submitted", progress.submitted, `${format.number(progress.submitted)} / ${format.number(progress.participating)}`);
  setFigure("lagging-count", progress.lagging.length, format.number(progress.lagging.length));
  setFigure("participating", progress.participating, `${format.number(progress.participating)} / ${format.number(progress.members.length)}`);
}

function renderCounts() {
  byId("counts").tBodies[0].replaceChildren(...milestones.map(slug => {
    const n = progress.counts[slug];
    const total = n["completed"] + n["in-progress"] + n["not-started"] || 1;
    const done = el("span", { class: "completed" });
    const doing = el("span", { class: "in-progress" });
    done.style.width = `${100 * n["completed"] / total}%`;   // through the CSSOM: allowed by the page's CSP
    doing.style.width = `${100 * n["in-progress"] / total}%`;
    const bar = el("div", { class: "bar", role: "img", "aria-label": t("dash.bar", { completed: format.number(n["completed"]), inProgress: format.number(n["in-progress"]) }) }, done, doing);
    const cell = (kind, value) => el("td", { class: kind, "data-label": t(`status.${kind}`), "data-value": value }, format.number(value));
    return el("tr", { "data-milestone": slug },
      el("th", { scope: "row" }, t(`milestone.${slug}`)),
      el("td", { "data-label": t("dash.deadline") }, format.date(progress.deadlines[slug])),
      cell("completed", n["completed"]), cell("in-progress", n["in-progress"]), cell("not-started", n["not-started"]),
      el("td", { "data-label": t("dash.progress"), class: "bar-cell" }, bar));
  }));
}

function memberName(member) {
  return countryName(member.country, member.name);
}

function renderLagging() {
  const members = new Map(progress.members.map(m => [m.country, m]));
  const lagging = progress.lagging.map(code => members.get(code)).filter(Boolean)
    .sort((a, b) => b.daysBehind - a.daysBehind || memberName(a).localeCompare(memberName(b), lang()));
  const list = byId("lagging-list");
  if (lagging.length === 0) {
    list.replaceChildren(el("li", {}, t("dash.noneLagging")));
  } else {
    list.replaceChildren(...lagging.map(m => el("li", { "data-country": m.country },
      el("strong", {}, memberName(m)), " · ",
      el("span", { class: "behind" }, t("dash.behind", { days: format.number(m.daysBehind) })),
      // members[].lastNudge comes with the time issue's document; without it, nothing is said of nudges.
      "lastNudge" in m ? el("span", { class: "sep" }, " · ") : null,
      "lastNudge" in m ? el("span", { class: "muted last-nudge" },
        m.lastNudge ? t("dash.lastNudge", { date: format.date(m.lastNudge) }) : t("dash.neverNudged")) : null)));
  }
  const effect = byId("nudge-effect");
  const e = progress.nudgeEffect;
  effect.hidden = !e;
  if (e) effect.textContent = t("dash.nudgeEffect", { nudged: format.number(e.nudged), days: format.number(e.windowDays), followed: format.number(e.followed) });
}

function renderObjectives() {
  const coverage = progress.objectiveCoverage ?? {};
  const most = Math.max(1, ...Object.values(coverage));
  const items = [];
  for (let n = 1; n <= 23; n++) {
    const count = coverage[n] ?? 0;
    const fill = el("span");
    fill.style.width = `${100 * count / most}%`;
    items.push(el("li", { "data-objective": n, "data-value": count },
      el("span", { class: "objective-label" }, `${format.number(n)}. ${objectiveLabel(n)}`),
      el("span", { class: "meter", "aria-hidden": "true" }, fill),
      el("span", { class: "objective-count" }, format.number(count))));
  }
  byId("objectives").replaceChildren(...items);
}

// ---- the member table: sorts and filters ----

const columns = [
  { id: "state", label: () => t("dash.state"), value: m => memberName(m) },
  ...milestones.map(slug => ({ id: slug, label: () => t(`milestone.${slug}`), value: m => statusRank[m.milestones[slug]] })),
  { id: "behind", label: () => t("dash.behindCol"), value: m => (m.lagging ? m.daysBehind : -1) },
];

function renderMembers() {
  const head = byId("members").tHead.rows[0];
  head.replaceChildren(...columns.map(column => {
    const sorted = sort.column === column.id;
    const button = el("button", { type: "button", class: "sort", "data-sort": column.id }, column.label());
    button.addEventListener("click", () => {
      sort = { column: column.id, descending: sort.column === column.id ? !sort.descending : column.id !== "state" };
      renderMembers();
      document.querySelector(`button[data-sort="${column.id}"]`).focus();
    });
    return el("th", { scope: "col", "aria-sort": sorted ? (sort.descending ? "descending" : "ascending") : "none" }, button);
  }));

  const text = byId("member-filter").value.trim().toLocaleLowerCase(lang());
  const show = byId("member-show").value;
  const column = columns.find(c => c.id === sort.column);
  const rows = progress.members
    .filter(m => !text || memberName(m).toLocaleLowerCase(lang()).includes(text) || m.country.toLowerCase().includes(text)
      || m.name.toLowerCase().includes(text))
    .filter(m => show === "all"
      || (show === "lagging" && m.lagging)
      || (show === "on-time" && !m.lagging && m.participation === "participating")
      || (show === "submitted" && m.milestones["submitted"] === "completed")
      || (show === "not-participating" && m.participation === "not-participating"))
    .sort((a, b) => {
      const x = column.value(a), y = column.value(b);
      const order = typeof x === "string" ? x.localeCompare(y, lang()) : x - y;
      return (sort.descending ? -order : order) || a.country.localeCompare(b.country);
    });
  byId("members").tBodies[0].replaceChildren(...rows.map(m => el("tr", { "data-country": m.country, class: m.lagging ? "lagging" : "" },
    el("th", { scope: "row" }, `${memberName(m)} (${m.country})`,
      m.participation === "not-participating" ? el("span", { class: "muted" }, ` · ${t("participation.not-participating")}`) : null),
    ...milestones.map(slug => el("td", { class: `status ${m.milestones[slug]}`, "data-label": t(`milestone.${slug}`) },
      el("span", { class: "mark", "aria-hidden": "true" }), t(`status.${m.milestones[slug]}`))),
    el("td", { class: m.lagging ? "behind" : "", "data-label": t("dash.behindCol") },
      m.lagging ? t("dash.behind", { days: format.number(m.daysBehind) }) : t("dash.onTime")))));
  byId("members-shown").textContent = t("dash.shown", { shown: format.number(rows.length), total: format.number(progress.members.length) });
}

// ---- burn-up chart (hand-written SVG) from the timeline ----

const svgNs = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child);
  return node;
}

function renderBurnup() {
  const holder = byId("burnup");
  const points = timeline?.points ?? [];
  if (points.length < 2) {
    holder.replaceChildren(el("p", { class: "muted" }, t("dash.noTimeline")));
    byId("burnup-caption").hidden = true;
    byId("forecast").hidden = true;
    return;
  }
  const width = 640, height = 260, left = 36, right = 12, top = 12, bottom = 28;
  const time = p => Date.parse(p + "T00:00:00Z");
  const first = time(points[0].date);
  // A forecast with figures: the deadline still open and a pace observed (else the API leaves them null).
  const forecast = progress.forecast?.deadline && progress.forecast.expected !== null && progress.forecast.expected !== undefined
    ? progress.forecast : null;
  const last = Math.max(time(points[points.length - 1].date), forecast?.deadline ? time(forecast.deadline) : 0);
  const most = Math.max(1, ...points.map(p => p.participating ?? 0), progress.participating);
  const x = d => left + (width - left - right) * (time(d) - first) / Math.max(1, last - first);
  const y = n => top + (height - top - bottom) * (1 - n / most);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "burnup-title", dir: "ltr", class: "burnup" });
  chart.append(svg("title", { id: "burnup-title" }, t("dash.burnupCaption")));
  for (const n of [0, Math.round(most / 2), most]) {
    chart.append(svg("line", { x1: left, x2: width - right, y1: y(n), y2: y(n), class: "grid" }));
    chart.append(svg("text", { x: left - 6, y: y(n) + 4, "text-anchor": "end", class: "axis" }, format.number(n)));
  }
  chart.append(svg("text", { x: left, y: height - 8, class: "axis" }, format.date(points[0].date)));
  chart.append(svg("text", { x: width - right, y: height - 8, "text-anchor": "end", class: "axis" }, format.date(new Date(last).toISOString().slice(0, 10))));
  if (forecast) {
    chart.append(svg("rect", {
      x: x(forecast.deadline) - 5, width: 10, y: y(forecast.high), height: Math.max(2, y(forecast.low) - y(forecast.high)),
      class: "band", "data-series": "forecast",
    }, svg("title", {}, t("dash.forecastBand"))));
    const end = points[points.length - 1];
    chart.append(svg("line", { x1: x(end.date), y1: y(end.counts.submitted?.completed ?? end.submitted ?? 0), x2: x(forecast.deadline), y2: y(forecast.expected), class: "forecast-line" }));
  }
  milestones.forEach((slug, index) => {
    const line = points.map(p => `${x(p.date).toFixed(1)},${y(p.counts?.[slug]?.completed ?? 0).toFixed(1)}`).join(" ");
    chart.append(svg("polyline", { points: line, class: `series s${index}`, "data-series": slug }, svg("title", {}, t(`milestone.${slug}`))));
  });
  const legend = el("ul", { class: "legend plain" }, ...milestones.map((slug, index) =>
    el("li", {}, el("span", { class: `swatch s${index}`, "aria-hidden": "true" }), t(`milestone.${slug}`))));
  holder.replaceChildren(chart, legend);
  byId("burnup-caption").hidden = false;
  const text = byId("forecast");
  text.hidden = !forecast;
  if (forecast) {
    text.textContent = t("dash.forecast", { expected: format.number(forecast.expected), low: format.number(forecast.low), high: format.number(forecast.high) });
  }
}

async function loadTimeline() {
  // From the round's first day (the API's default) to the replayed day, the conclusion, or today.
  const to = asOf ?? progress?.concludedOn ?? new Date().toISOString().slice(0, 10);
  const years = (Date.parse(to) - Date.parse(`${cycle}-01-01`)) / (365 * 864e5);
  const step = years > 3 ? "month" : "week";
  const answer = await api(`${base}/timeline?to=${to}&step=${step}`);
  timeline = answer.ok ? answer.data : null;
  renderBurnup();
}

// ---- toolbar: round picker, replay, export, print ----

function renderToolbar() {
  const language = `lang=${lang()}`;
  byId("export-csv").href = `${base}?format=csv${asOf ? `&asOf=${asOf}` : ""}`;
  byId("export-json").href = `${base}?format=json${asOf ? `&asOf=${asOf}` : ""}`;
  byId("as-of-picker").value = asOf ?? progress?.asOf ?? "";
  byId("as-of-picker").max = new Date().toISOString().slice(0, 10);
  const notice = byId("replaying");
  notice.hidden = !asOf;
  if (asOf) notice.textContent = t("dash.replaying", { date: format.date(asOf) });
  for (const option of byId("round-picker").options) option.dataset.lang = language;
}

async function loadRounds() {
  const picker = byId("round-picker");
  const cycles = await api("/api/cycles");
  if (!cycles.ok) return;
  const rounds = (await Promise.all(cycles.data.map(c => api(`/api/cycles/${c.cycle}/regions`))))
    .filter(a => a.ok).flatMap(a => a.data);
  picker.replaceChildren(...rounds.map(r => el("option", {
    value: `/dashboard/${r.cycle}/${r.region}`, selected: r.cycle === cycle && r.region === region,
  }, `${r.cycle} · ${r.name}`)));
}

function wireToolbar() {
  byId("round-picker").addEventListener("change", event => {
    location.assign(`${event.target.value}?lang=${lang()}`);
  });
  byId("as-of-picker").addEventListener("change", event => replay(event.target.value || null));
  byId("today").addEventListener("click", () => replay(null));
  byId("print").addEventListener("click", () => print());
  byId("member-filter").addEventListener("input", renderMembers);
  byId("member-show").addEventListener("change", renderMembers);
}

async function replay(day) {
  const today = new Date().toISOString().slice(0, 10);
  asOf = day && day < today ? day : null;
  const url = new URL(location.href);
  if (asOf) url.searchParams.set("asOf", asOf);
  else url.searchParams.delete("asOf");
  history.replaceState(history.state, "", url);
  etag = null;
  stopLive();
  await refresh();
  loadTimeline();
  if (!asOf) follow();
}

// ---- data: live stream, else polling ----

function show(document, tag) {
  progress = document;
  etag = tag;
  showError("");
  render();
}

function showError(message) {
  const error = byId("error");
  error.textContent = message;
  error.hidden = !message;
}

function setLive(mode) {
  const status = byId("live-status");
  status.dataset.live = mode;
  status.textContent = mode === "live" ? t("dash.live") : mode === "polling" ? t("dash.polling") : "";
}

async function refresh() {
  const headers = etag ? { "If-None-Match": etag } : {};
  const answer = await api(regionUrl(), { headers });
  if (answer.status === 304) return;
  if (!answer.ok) {
    showError(answer.status === 401 ? t("common.unauthorized") : answer.problem?.detail ?? t("common.serverSaid", { status: answer.status }));
    if (answer.status === 0) showError(t("common.unreachable"));
    return;
  }
  show(answer.data, answer.headers.get("ETag"));
}

function startPolling() {
  setLive("polling");
  if (!pollTimer) pollTimer = setInterval(refresh, pollEvery);
}

function stopLive() {
  stream?.abort();
  stream = null;
  clearInterval(pollTimer);
  pollTimer = null;
  clearTimeout(retryTimer);
  setLive(asOf ? "off" : "polling");
}

/** Reads the event stream with fetch (so that a bearer token can go with it) and shows each document it sends. */
async function follow() {
  if (asOf || stream) return;
  const controller = new AbortController();
  stream = controller;
  const headers = { Accept: "text/event-stream" };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  try {
    const response = await fetch(`${base}/events`, { headers, signal: controller.signal, cache: "no-store" });
    if (!response.ok || !response.body) throw new Error(String(response.status));
    clearInterval(pollTimer);
    pollTimer = null;
    setLive("live");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split("\n").filter(line => line.startsWith("data:")).map(line => line.slice(5).replace(/^ /, "")).join("\n");
        if (data && !asOf) {
          const message = JSON.parse(data);
          show(message.document, message.etag);
        }
      }
    }
  } catch (error) {
    if (controller.signal.aborted) return;
  }
  if (stream !== controller) return;
  // The stream ended or could not start: poll, and try the stream again in a while.
  stream = null;
  startPolling();
  retryTimer = setTimeout(follow, 2 * pollEvery);
}

await loadCountries();
wireToolbar();
await start(render);
onSignInChange(() => {
  etag = null;
  stopLive();
  refresh().then(() => follow());
});
await refresh();
loadRounds();
loadTimeline();
follow();
