// The co-organizers' console of a round: edit the round (GET it, change it, PUT it back with If-Match; the API's
// validation errors are shown at the field they name), nudge chosen or all lagging States with a preview of who
// gets it and who is throttled, and the nudge history as the round's document has it.
import {
  api, countryCodes, countryName, el, format, lang, loadCountries, milestones, onSignInChange, problemText, route, start,
  t, who,
} from "./gcm.js";

const { cycle, key: region } = route();
const base = `/api/cycles/${encodeURIComponent(cycle)}/regions/${encodeURIComponent(region)}`;
const modalities = ["in-person", "virtual", "hybrid", "undecided"];
// A region nudges a State at most once a day (NudgeRules); the preview says who that holds back.
const throttleMs = 24 * 3600 * 1000;

let round = null;
let etag = null;
let members = new Set();
const sent = [];

const byId = id => document.getElementById(id);

function mayWrite() {
  const caller = who();
  return caller && (caller.role === "admin" || (caller.role === "coorganizer" && caller.scope === region));
}

// ---- rendering ----

function render() {
  if (!round) return;
  document.title = t("con.pageTitle", { name: round.name });
  byId("title").textContent = t("con.title", { name: round.name });
  byId("summary").textContent = `${t("dash.lagging")}: ${format.number(round.lagging.length)} · ${t("dash.submitted")}: ${format.number(round.submitted)} / ${format.number(round.participating)}`;
  byId("dashboard-link").href = `/dashboard/${cycle}/${region}?lang=${lang()}`;
  const access = byId("access");
  access.hidden = !!mayWrite();
  access.textContent = t("con.signIn");
  const modality = byId("conf-modality");
  const chosen = modality.value;
  modality.replaceChildren(...modalities.map(m => el("option", { value: m }, t(`modality.${m}`))));
  modality.value = chosen || round.conference.modality;
  byId("deadlines").replaceChildren(...milestones.map(slug => {
    const previous = byId(`deadline-${slug}`)?.value;
    return el("div", { class: "field", "data-field": `deadline-${slug}` },
      el("label", { for: `deadline-${slug}` }, t(`milestone.${slug}`)),
      el("input", { id: `deadline-${slug}`, type: "date", value: previous ?? round.deadlines[slug] ?? "" }));
  }));
  renderMembers();
  renderNudgeCountries();
  renderHistory();
  byId("content").hidden = false;
}

function renderMembers() {
  const filter = byId("members-filter").value.trim().toLocaleLowerCase(lang());
  const codes = countryCodes().map(code => ({ code, name: countryName(code) }))
    .filter(c => members.has(c.code) || !filter || c.name.toLocaleLowerCase(lang()).includes(filter) || c.code.toLowerCase().includes(filter.toLowerCase()))
    .sort((a, b) => Number(members.has(b.code)) - Number(members.has(a.code)) || a.name.localeCompare(b.name, lang()));
  // Without a filter, the members and nothing else (the catalogue has 245 entries).
  const shown = filter ? codes : codes.filter(c => members.has(c.code));
  byId("members").replaceChildren(...shown.map(c => {
    const box = el("input", { type: "checkbox", id: `member-${c.code}`, value: c.code, checked: members.has(c.code) });
    box.addEventListener("change", () => {
      if (box.checked) members.add(c.code);
      else members.delete(c.code);
      byId("members-count").textContent = t("con.membersCount", { count: format.number(members.size) });
    });
    return el("label", { for: `member-${c.code}` }, box, `${c.name} (${c.code})`);
  }));
  byId("members-count").textContent = t("con.membersCount", { count: format.number(members.size) });
}

function renderNudgeCountries() {
  const chosen = new Set([...document.querySelectorAll("#nudge-countries input:checked")].map(i => i.value));
  byId("nudge-countries").replaceChildren(...round.members.map(m => {
    const box = el("input", { type: "checkbox", id: `nudge-${m.country}`, value: m.country, checked: chosen.has(m.country) });
    return el("label", { for: `nudge-${m.country}` }, box, `${countryName(m.country, m.name)}${m.lagging ? ` · ${t("dash.behind", { days: format.number(m.daysBehind) })}` : ""}`);
  }));
}

function renderHistory() {
  const lagging = round.members.filter(m => m.lagging || m.lastNudge);
  byId("nudge-history").tBodies[0].replaceChildren(...lagging.map(m => el("tr", { "data-country": m.country },
    el("th", { scope: "row" }, countryName(m.country, m.name)),
    el("td", { "data-label": t("dash.behindCol") }, m.lagging ? t("dash.behind", { days: format.number(m.daysBehind) }) : t("dash.onTime")),
    el("td", { "data-label": t("con.historyLast") }, "lastNudge" in m ? (m.lastNudge ? format.dateTime(m.lastNudge) : t("dash.neverNudged")) : "–"))));
  const effect = byId("nudge-effect");
  effect.hidden = !round.nudgeEffect;
  if (round.nudgeEffect) {
    const e = round.nudgeEffect;
    effect.textContent = t("dash.nudgeEffect", { nudged: format.number(e.nudged), days: format.number(e.windowDays), followed: format.number(e.followed) });
  }
  byId("sent-log").replaceChildren(...sent.map(s => el("li", {}, `${format.dateTime(s.at)} · ${s.summary}`)));
}

// ---- data ----

async function load() {
  const answer = await api(base);
  if (!answer.ok) {
    byId("error").textContent = problemText(answer);
    byId("error").hidden = false;
    return;
  }
  byId("error").hidden = true;
  round = answer.data;
  etag = answer.headers.get("ETag");
  byId("round-name").value = round.name;
  byId("round-coorganizers").value = round.coOrganizers.join("\n");
  byId("conf-start").value = round.conference.start ?? "";
  byId("conf-end").value = round.conference.end ?? "";
  byId("conf-modality").value = round.conference.modality;
  byId("conf-postponed").checked = !!round.conference.postponed;
  byId("round-conclusion").value = round.conclusion ?? "";
  for (const slug of milestones) byId(`deadline-${slug}`)?.remove();
  members = new Set(round.members.map(m => m.country));
  const policy = round.nudgePolicy;
  byId("policy-automatic").checked = !!policy?.automatic;
  byId("policy-every").value = policy?.everyDays ?? 7;
  byId("policy-message").value = policy?.message ?? "";
  render();
}

// ---- the round form ----

/** The field a validation problem names (the API's details name the JSON property), to show it there. */
function fieldOf(detail) {
  const deadline = detail.match(/the '([a-z-]+)' deadline is before/);
  if (deadline) return `deadline-${deadline[1]}`;
  if (/^name\b/.test(detail)) return "name";
  if (/coOrganizers/.test(detail)) return "coOrganizers";
  if (/conclusion/.test(detail)) return "conclusion";
  if (/conference/.test(detail)) return "conference";
  if (/members|country code|State twice|regional rounds/.test(detail)) return "members";
  if (/nudgePolicy/.test(detail)) return "nudgePolicy";
  if (/deadline/.test(detail)) return "deadlines";
  return null;
}

function clearFieldErrors(form) {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const node of form.querySelectorAll(".invalid")) {
    node.classList.remove("invalid");
    for (const input of node.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  }
}

function showFieldError(form, field, message) {
  const holder = field && form.querySelector(`[data-field="${field}"]`);
  if (!holder) return false;
  holder.classList.add("invalid");
  const id = `error-${field}`;
  holder.append(el("p", { class: "field-error", id, role: "alert" }, t("con.field", { detail: message })));
  for (const input of holder.querySelectorAll("input, select, textarea")) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", id);
  }
  return true;
}

async function save(event) {
  event.preventDefault();
  const form = byId("round-form");
  clearFieldErrors(form);
  byId("round-error").hidden = true;
  byId("round-result").textContent = "";
  const deadlines = {};
  for (const slug of milestones) {
    const value = byId(`deadline-${slug}`).value;
    if (value) deadlines[slug] = value;
  }
  const automatic = byId("policy-automatic").checked;
  const message = byId("policy-message").value.trim();
  const body = {
    name: byId("round-name").value.trim(),
    coOrganizers: byId("round-coorganizers").value.split("\n").map(s => s.trim()).filter(Boolean),
    conference: {
      start: byId("conf-start").value || null, end: byId("conf-end").value || null, modality: byId("conf-modality").value,
      postponed: byId("conf-postponed").checked,
    },
    conclusion: byId("round-conclusion").value || null,
    // Not edited here: sent back as read, so that saving the form keeps it.
    lastReport: round.lastReport ?? null,
    deadlines,
    members: [...members].sort(),
    nudgePolicy: automatic || message ? { automatic, everyDays: Number(byId("policy-every").value), message } : null,
  };
  const answer = await api(base, { method: "PUT", body, headers: etag ? { "If-Match": etag } : {} });
  if (!answer.ok) {
    const detail = problemText(answer);
    if (answer.status === 412) {
      byId("round-error").textContent = t("con.stale");
    } else if (answer.status !== 400 || !showFieldError(form, fieldOf(answer.problem?.detail ?? ""), answer.problem?.detail ?? detail)) {
      byId("round-error").textContent = detail;
    } else {
      return;
    }
    byId("round-error").dataset.status = String(answer.status);
    byId("round-error").hidden = false;
    return;
  }
  await load();
  byId("round-result").textContent = t("con.saved", { version: format.number(answer.data.version) });
}

// ---- nudges ----

function targets() {
  if (byId("nudge-lagging").checked) return round.members.filter(m => m.lagging);
  const chosen = new Set([...document.querySelectorAll("#nudge-countries input:checked")].map(i => i.value));
  return round.members.filter(m => chosen.has(m.country));
}

function preview() {
  const now = Date.now();
  const all = targets();
  const known = all.some(m => "lastNudge" in m);
  const throttled = all.filter(m => m.lastNudge && now - Date.parse(m.lastNudge) < throttleMs);
  const gets = all.filter(m => !throttled.includes(m));
  const names = list => list.length ? format.list(list.map(m => countryName(m.country, m.name))) : t("common.none");
  byId("nudge-preview").replaceChildren(
    el("p", { id: "preview-gets", "data-count": gets.length }, t("con.previewGets", { count: format.number(gets.length), names: names(gets) })),
    known
      ? el("p", { id: "preview-throttled", "data-count": throttled.length }, t("con.previewThrottled", { count: format.number(throttled.length), names: names(throttled) }))
      : el("p", { class: "muted" }, t("con.previewUnknown")));
}

async function nudge(event) {
  event.preventDefault();
  const form = byId("nudge-form");
  clearFieldErrors(form);
  byId("nudge-error").hidden = true;
  const body = { message: byId("nudge-message").value.trim() };
  if (byId("nudge-chosen").checked) body.countries = targets().map(m => m.country);
  const answer = await api(`${base}/nudges`, { method: "POST", body });
  const deliveries = answer.data?.deliveries ?? [];
  if (!answer.ok && answer.status !== 429) {
    if (answer.status !== 400 || !showFieldError(form, "message", answer.problem?.detail ?? "")) {
      byId("nudge-error").textContent = problemText(answer);
      byId("nudge-error").hidden = false;
    }
    return;
  }
  const count = outcome => deliveries.filter(d => d.outcome === outcome).length;
  const summary = answer.ok
    ? t("con.sent", { delivered: format.number(count("delivered")), duplicate: format.number(count("duplicate")), throttled: format.number(count("throttled")) })
    : problemText(answer);
  byId("nudge-result").replaceChildren(el("p", { class: answer.ok ? "ok" : "error", id: "nudge-summary" }, summary),
    el("ul", { class: "plain" }, ...deliveries.map(d => el("li", { "data-country": d.country, "data-outcome": d.outcome },
      `${countryName(d.country)}: ${d.outcome === "throttled" ? t("con.outcome.throttled", { date: format.dateTime(d.retryAfter) }) : t(`con.outcome.${d.outcome}`)}`))));
  sent.unshift({ at: new Date().toISOString(), summary });
  await load();
}

await loadCountries();
byId("round-form").addEventListener("submit", save);
byId("members-filter").addEventListener("input", renderMembers);
byId("nudge-form").addEventListener("submit", nudge);
byId("nudge-preview-button").addEventListener("click", preview);
for (const radio of document.querySelectorAll("input[name=nudge-target]")) {
  radio.addEventListener("change", () => { byId("nudge-countries").hidden = !byId("nudge-chosen").checked; });
}
await start(render);
onSignInChange(() => render());
await load();
