// The dashboard of one regional round: polls GET /api/cycles/{cycle}/regions/{region} with If-None-Match,
// so an unchanged document costs a 304. Every value goes into the page as text, never as HTML.
"use strict";

const milestones = [
  ["coordination-body-appointed", "Coordination body appointed"],
  ["template-shared", "Template shared"],
  ["data-collected", "Data collected"],
  ["approved", "Approved"],
  ["submitted", "Submitted"],
];
const statusText = { "completed": "✔ completed", "in-progress": "● in progress", "not-started": "○ not started" };
const [, , cycle, region] = location.pathname.split("/");
const api = `/api/cycles/${encodeURIComponent(cycle)}/regions/${encodeURIComponent(region)}`;
let etag = null;
let token = sessionStorage.getItem("gcm-token");

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function formatDate(iso) {
  return iso ? new Date(iso + "T00:00:00Z").toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }) : "not set";
}

function render(progress) {
  document.title = `${progress.name}: GCM review progress`;
  document.getElementById("title").textContent = progress.name;
  const c = progress.conference;
  document.getElementById("conference").textContent =
    `Regional review conference: ${formatDate(c.start)}${c.end && c.end !== c.start ? " to " + formatDate(c.end) : ""} (${c.modality.replace("-", " ")})`;
  document.getElementById("organizers").textContent = `Co-organizers: ${progress.coOrganizers.join(", ")} · cycle ${progress.cycle}`;
  const days = progress.daysToConference;
  document.getElementById("days-to-conference").textContent = days === null ? "–" : Math.abs(days);
  document.getElementById("days-label").textContent = days !== null && days < 0 ? "days since the conference" : "days to the conference";
  document.getElementById("submitted").textContent = `${progress.submitted} / ${progress.participating}`;
  document.getElementById("lagging-count").textContent = progress.lagging.length;
  document.getElementById("participating").textContent = `${progress.participating} / ${progress.members.length}`;
  document.getElementById("as-of").textContent = `As of ${formatDate(progress.asOf)}, version ${progress.version}`;

  const counts = document.querySelector("#counts tbody");
  counts.replaceChildren(...milestones.map(([slug, label]) => {
    const n = progress.counts[slug];
    const total = n["completed"] + n["in-progress"] + n["not-started"] || 1;
    const done = el("span", { class: "completed" });
    const doing = el("span", { class: "in-progress" });
    done.style.width = `${100 * n["completed"] / total}%`;   // through the CSSOM: allowed by the page's CSP
    doing.style.width = `${100 * n["in-progress"] / total}%`;
    const bar = el("div", { class: "bar", role: "img", "aria-label": `${n["completed"]} completed, ${n["in-progress"]} in progress` }, done, doing);
    return el("tr", { "data-milestone": slug },
      el("th", { scope: "row" }, label), el("td", {}, formatDate(progress.deadlines[slug])),
      el("td", { class: "completed" }, String(n["completed"])), el("td", { class: "in-progress" }, String(n["in-progress"])),
      el("td", { class: "not-started" }, String(n["not-started"])), el("td", {}, bar));
  }));

  const members = document.querySelector("#members tbody");
  members.replaceChildren(...progress.members.map(m => {
    const row = el("tr", { "data-country": m.country, class: m.lagging ? "lagging" : "" },
      el("th", { scope: "row" }, `${m.name} (${m.country})${m.participation === "not-participating" ? " · not participating" : ""}`),
      ...milestones.map(([slug]) => el("td", { class: `status ${m.milestones[slug]}` }, statusText[m.milestones[slug]])),
      el("td", { class: m.lagging ? "behind" : "" }, m.lagging ? `${m.daysBehind} days` : "on time"));
    return row;
  }));
}

function showError(message) {
  const error = document.getElementById("error");
  error.textContent = message;
  error.hidden = !message;
}

async function refresh() {
  const headers = {};
  if (etag) headers["If-None-Match"] = etag;
  if (token) headers["Authorization"] = `Bearer ${token}`;
  try {
    const response = await fetch(api, { headers, cache: "no-cache" });
    if (response.status === 304) return;
    if (response.status === 401) {
      document.getElementById("token-form").hidden = false;
      showError(token ? "The token was refused." : "");
      return;
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      showError(problem.detail || problem.title || `The server answered ${response.status}.`);
      return;
    }
    etag = response.headers.get("ETag");
    render(await response.json());
    showError("");
    document.getElementById("token-form").hidden = true;
    document.getElementById("content").hidden = false;
  } catch {
    showError("The server cannot be reached; retrying.");
  }
}

document.querySelector("#token-form form").addEventListener("submit", event => {
  event.preventDefault();
  token = document.getElementById("token").value.trim();
  sessionStorage.setItem("gcm-token", token);
  etag = null;
  refresh();
});

refresh();
setInterval(refresh, 15000);
