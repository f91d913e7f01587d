// A ministry's page for its State's review: milestones and history, the form that records a milestone with its
// evidence (the API's problems, e.g. a 409 from the workflow rules, are shown at the form), the nudge inbox with
// acknowledgement and delivery status, and the webhook registration (its generated secret shown once).
import {
  api, countryName, el, format, loadCountries, milestones, objectiveLabel, onSignInChange, problemText, route, start,
  statuses, t, who,
} from "./gcm.js";

const { cycle, key } = route();
const country = key.toUpperCase();
const base = `/api/cycles/${encodeURIComponent(cycle)}/reviews/${country}`;
const kinds = ["ministry", "ngo", "academia", "private-sector", "un-agency", "other"];

let review = null;
let etag = null;
let history = [];
let nextHistory = null;
let inbox = null;
let webhook = undefined;   // undefined: not read (no access); null: none registered
let stakeholders = [];

const byId = id => document.getElementById(id);

function mayWrite() {
  const caller = who();
  return caller && (caller.role === "admin" || (caller.role === "ministry" && caller.scope === country));
}

// ---- rendering ----

function render() {
  if (!review) return;
  const name = countryName(country, review.name);
  document.title = t("min.pageTitle", { name });
  byId("title").textContent = t("min.title", { name });
  byId("regions").textContent = `${cycle} · ${review.regions.join(", ")}`;
  byId("dashboard-link").href = review.regions.length ? `/dashboard/${cycle}/${review.regions[0]}` : "/";
  renderAccess();
  renderMilestones();
  renderFormOptions();
  renderStakeholders();
  renderHistory();
  renderInbox();
  renderWebhook();
  byId("content").hidden = false;
}

function renderAccess() {
  const caller = who();
  const access = byId("access");
  const other = caller?.role === "ministry" && caller.scope !== country;
  access.hidden = !!mayWrite();
  access.textContent = other
    ? t("min.otherState", { scope: countryName(caller.scope), country: countryName(country) })
    : t("min.readOnly");
  access.dataset.reason = other ? "other-state" : "read-only";
  // Another State's token keeps the form, so that the API's refusal is what the ministry sees; no token, no form.
  byId("record-fields").disabled = !caller;
}

function renderMilestones() {
  byId("milestones").tBodies[0].replaceChildren(...milestones.map(slug => {
    const m = review.milestones[slug];
    const details = [];
    if (m.updatedAt) details.push(el("span", { class: "muted" }, t("min.updated", { date: format.dateTime(m.updatedAt) })));
    if (m.note) details.push(el("div", {}, m.note));
    if (m.reopenReason) details.push(el("div", { class: "muted" }, t("min.reopened", { reason: m.reopenReason })));
    return el("tr", { "data-milestone": slug },
      el("th", { scope: "row" }, t(`milestone.${slug}`)),
      el("td", { class: `status ${m.status}`, "data-label": t("min.status") }, el("span", { class: "mark", "aria-hidden": "true" }), t(`status.${m.status}`)),
      el("td", { "data-label": t("min.note") }, ...details));
  }));
}

function fill(select, values, label) {
  const chosen = select.value;
  select.replaceChildren(...values.map(v => el("option", { value: v }, label(v))));
  if (chosen) select.value = chosen;
}

function renderFormOptions() {
  fill(byId("milestone"), milestones, slug => t(`milestone.${slug}`));
  fill(byId("status"), statuses, slug => t(`status.${slug}`));
  const chosen = new Set([...document.querySelectorAll("#objectives input:checked")].map(i => Number(i.value)));
  const initial = chosen.size === 0 && !byId("objectives").dataset.filled ? new Set(review.evidence.objectives) : chosen;
  byId("objectives").dataset.filled = "true";
  const boxes = [];
  for (let n = 1; n <= 23; n++) {
    const input = el("input", { type: "checkbox", id: `objective-${n}`, value: n, checked: initial.has(n) });
    boxes.push(el("label", { for: `objective-${n}` }, input, `${format.number(n)}. ${objectiveLabel(n)}`));
  }
  byId("objectives").replaceChildren(...boxes);
}

function renderStakeholders() {
  byId("stakeholders").replaceChildren(...stakeholders.map((s, index) => {
    const name = el("input", { type: "text", id: `stakeholder-name-${index}`, value: s.name, maxlength: 200 });
    name.addEventListener("input", () => { s.name = name.value; });
    const kind = el("select", { id: `stakeholder-kind-${index}` }, ...kinds.map(k => el("option", { value: k, selected: k === s.kind }, t(`kind.${k}`))));
    kind.addEventListener("change", () => { s.kind = kind.value; });
    const remove = el("button", { type: "button" }, t("min.removeStakeholder"));
    remove.addEventListener("click", () => {
      stakeholders.splice(index, 1);
      renderStakeholders();
    });
    return el("li", { class: "row" },
      el("div", { class: "field" }, el("label", { for: `stakeholder-name-${index}` }, t("min.stakeholderName")), name),
      el("div", { class: "field" }, el("label", { for: `stakeholder-kind-${index}` }, t("min.stakeholderKind")), kind),
      remove);
  }));
}

function describeChange(entry) {
  const field = entry.field.startsWith("milestones.") ? t(`milestone.${entry.field.split(".")[1]}`) : entry.field;
  const value = v => (v && statuses.includes(v) ? t(`status.${v}`) : v ?? "–");
  return `${field}: ${t("min.historyChange", { from: value(entry.from), to: value(entry.to) })}${entry.note ? ` (${entry.note})` : ""}`;
}

function renderHistory() {
  byId("history").tBodies[0].replaceChildren(...history.map(entry => el("tr", { "data-sequence": entry.sequence },
    el("td", { "data-label": t("min.historyWhen") }, format.dateTime(entry.at)),
    el("td", { "data-label": t("min.historyWho") }, entry.actor),
    el("td", { "data-label": t("min.historyWhat") }, describeChange(entry)))));
  byId("history-more").hidden = !nextHistory;
}

function renderInbox() {
  const holder = byId("inbox");
  if (inbox === null) {
    holder.replaceChildren(el("p", { class: "muted" }, t("min.signInToSee")));
    return;
  }
  if (inbox.length === 0) {
    holder.replaceChildren(el("p", { class: "muted" }, t("min.inboxEmpty")));
    return;
  }
  holder.replaceChildren(...[...inbox].reverse().map(nudge => {
    const item = el("article", { class: `nudge${nudge.acknowledgedAt ? "" : " unread"}`, "data-nudge": nudge.id },
      el("p", {}, nudge.message),
      el("p", { class: "muted" }, t("min.from", { from: nudge.from, date: format.dateTime(nudge.sentAt) })));
    if (nudge.delivery) {
      item.append(el("p", { class: "muted", "data-delivery": nudge.delivery.status },
        t("min.delivery", { status: t(`min.delivery.${nudge.delivery.status}`) })));
      if (nudge.delivery.status === "failed") item.append(action(t("min.resend"), () => nudgeAction(nudge, "resend")));
    }
    if (nudge.acknowledgedAt) {
      item.append(el("p", { class: "muted" }, t("min.acked", { date: format.dateTime(nudge.acknowledgedAt), who: nudge.acknowledgedBy })));
    } else {
      item.append(action(t("min.ack"), () => nudgeAction(nudge, "acknowledge")));
    }
    return item;
  }));
}

function action(label, run) {
  const button = el("button", { type: "button" }, label);
  button.addEventListener("click", run);
  return button;
}

function renderWebhook() {
  const form = byId("webhook-form");
  form.hidden = webhook === undefined;
  byId("webhook-current").textContent = webhook === undefined ? t("min.signInToSee")
    : webhook ? t("min.webhookCurrent", { url: webhook.url }) : t("min.webhookNone");
  byId("webhook-delete").hidden = !webhook;
}

// ---- data ----

async function loadReview() {
  const answer = await api(base);
  if (!answer.ok) {
    showError(problemText(answer));
    return;
  }
  review = answer.data;
  etag = answer.headers.get("ETag");
  const evidence = review.evidence;
  byId("body-name").value = evidence.coordinationBody?.name ?? "";
  byId("body-lead").value = evidence.coordinationBody?.leadMinistry ?? "";
  byId("challenges").value = evidence.challenges.join(", ");
  stakeholders = evidence.stakeholders.map(s => ({ ...s }));
  byId("objectives").dataset.filled = "";
  for (const box of document.querySelectorAll("#objectives input")) box.checked = false;
  showError("");
}

async function loadHistory(more = false) {
  const answer = await api(more && nextHistory ? nextHistory : `${base}/history?limit=50`);
  if (!answer.ok) return;
  history = more ? history.concat(answer.data) : answer.data;
  const link = answer.headers.get("Link");
  nextHistory = link?.match(/<([^>]+)>;\s*rel="next"/)?.[1] ?? null;
}

async function loadPrivate() {
  if (!who()) {
    inbox = null;
    webhook = undefined;
    return;
  }
  const [nudges, hook] = await Promise.all([api(`${base}/nudges`), api(`${base}/webhook`)]);
  inbox = nudges.ok ? nudges.data : null;
  webhook = hook.ok ? hook.data : hook.status === 404 ? null : undefined;
}

async function reload() {
  await Promise.all([loadReview(), loadHistory(), loadPrivate()]);
  render();
}

function showError(message) {
  byId("error").textContent = message;
  byId("error").hidden = !message;
}

// ---- actions ----

function formBody() {
  const status = byId("status").value;
  const body = { status };
  const note = byId("note").value.trim();
  const reason = byId("reason").value.trim();
  if (note) body.note = note;
  if (reason) body.reason = reason;
  const bodyName = byId("body-name").value.trim();
  if (bodyName) body.coordinationBody = { name: bodyName, leadMinistry: byId("body-lead").value.trim() || null };
  body.stakeholders = stakeholders.filter(s => s.name.trim()).map(s => ({ name: s.name.trim(), kind: s.kind }));
  body.objectives = [...document.querySelectorAll("#objectives input:checked")].map(i => Number(i.value));
  body.challenges = byId("challenges").value.split(",").map(c => c.trim()).filter(Boolean);
  return body;
}

async function record(event) {
  event.preventDefault();
  const error = byId("record-error");
  const result = byId("record-result");
  error.hidden = true;
  result.textContent = "";
  const milestone = byId("milestone").value;
  const answer = await api(`${base}/milestones/${milestone}`, { method: "POST", body: formBody(), headers: etag ? { "If-Match": etag } : {} });
  if (!answer.ok) {
    error.textContent = problemText(answer);
    error.dataset.status = String(answer.status);
    error.dataset.type = answer.problem?.type ?? "";
    error.hidden = false;
    error.focus?.();
    return;
  }
  const before = review.version;
  await reload();
  result.textContent = answer.data.version === before ? t("min.unchanged")
    : t("min.recorded", { milestone: t(`milestone.${milestone}`), status: t(`status.${answer.data.milestones[milestone].status}`), version: format.number(answer.data.version) });
  byId("note").value = "";
  byId("reason").value = "";
}

async function nudgeAction(nudge, verb) {
  const answer = await api(`${base}/nudges/${encodeURIComponent(nudge.id)}/${verb}`, { method: "POST" });
  if (!answer.ok) showError(problemText(answer));
  await loadPrivate();
  renderInbox();
}

async function registerWebhook(event) {
  event.preventDefault();
  const error = byId("webhook-error");
  error.hidden = true;
  const answer = await api(`${base}/webhook`, { method: "PUT", body: { url: byId("webhook-url").value.trim() } });
  if (!answer.ok) {
    error.textContent = problemText(answer);
    error.hidden = false;
    return;
  }
  webhook = answer.data;
  // Shown this once; the API never returns it again.
  byId("webhook-secret-value").textContent = answer.data.secret ?? "";
  byId("webhook-secret").hidden = !answer.data.secret;
  renderWebhook();
}

async function deleteWebhook() {
  const answer = await api(`${base}/webhook`, { method: "DELETE" });
  if (!answer.ok && answer.status !== 404) {
    byId("webhook-error").textContent = problemText(answer);
    byId("webhook-error").hidden = false;
    return;
  }
  webhook = null;
  byId("webhook-secret").hidden = true;
  renderWebhook();
}

await loadCountries();
byId("record-form").addEventListener("submit", record);
byId("add-stakeholder").addEventListener("click", () => {
  stakeholders.push({ name: "", kind: "ministry" });
  renderStakeholders();
  byId(`stakeholder-name-${stakeholders.length - 1}`).focus();
});
byId("history-more").addEventListener("click", async () => {
  await loadHistory(true);
  renderHistory();
});
byId("webhook-form").addEventListener("submit", registerWebhook);
byId("webhook-delete").addEventListener("click", deleteWebhook);
await start(render);
onSignInChange(() => reload());
await reload();
