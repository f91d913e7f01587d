// What every page of the web app shares: the language (catalogue, direction, formats), the sign-in (a token in
// session storage, handed over by a sign-in link's fragment), calls to the API (bearer token, problem details), and
// State names in the reader's language. Every value goes into a page as text, never as HTML.
import { messages, objectives } from "./messages.js";

export const languages = ["ar", "en", "fr"];
export const milestones = ["coordination-body-appointed", "template-shared", "data-collected", "approved", "submitted"];
export const statuses = ["not-started", "in-progress", "completed"];

const languageKey = "gcm-lang";
const tokenKey = "gcm-token";
let current = "en";
const listeners = [];

// ---- language ----

export function lang() {
  return current;
}

/** The language from ?lang= (remembered), else the remembered one, else the browser's, else English. */
function chooseLanguage() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (languages.includes(asked)) {
    localStorage.setItem(languageKey, asked);
    return asked;
  }
  const remembered = localStorage.getItem(languageKey);
  if (languages.includes(remembered)) return remembered;
  const browser = (navigator.language || "en").slice(0, 2);
  return languages.includes(browser) ? browser : "en";
}

export function t(key, params = {}) {
  const text = messages[current][key] ?? messages.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

export function objectiveLabel(number) {
  return objectives[current][number - 1] ?? String(number);
}

/** Sets the language: the catalogue's texts, lang and dir on the page, the switch, ?lang= in the address. */
export function setLanguage(language) {
  current = language;
  localStorage.setItem(languageKey, language);
  document.documentElement.lang = language;
  document.documentElement.dir = language === "ar" ? "rtl" : "ltr";
  const url = new URL(location.href);
  url.searchParams.set("lang", language);
  history.replaceState(history.state, "", url);
  applyTexts();
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === language));
  }
  for (const listener of listeners) listener(language);
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

/** Fills every element marked with data-i18n (its text) and data-i18n-{attribute} (that attribute). */
export function applyTexts(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const attribute of ["placeholder", "aria-label", "title"]) {
    const data = "i18n" + attribute.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase());
    for (const node of root.querySelectorAll(`[data-i18n-${attribute}]`)) node.setAttribute(attribute, t(node.dataset[data]));
  }
}

// English dates and numbers as UN documents write them ("13 August 2020"), not the US way.
const locale = () => (current === "en" ? "en-GB" : current);

export const format = {
  date(iso) {
    if (!iso) return t("common.notSet");
    const day = iso.length === 10 ? new Date(iso + "T00:00:00Z") : new Date(iso);
    return day.toLocaleDateString(locale(), { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  },
  dateTime(iso) {
    return iso ? new Date(iso).toLocaleString(locale(), { dateStyle: "medium", timeStyle: "short" }) : t("common.notSet");
  },
  number(n) {
    return new Intl.NumberFormat(locale()).format(n);
  },
  percent(share) {
    return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(share);
  },
  list(items) {
    return new Intl.ListFormat(locale(), { type: "conjunction" }).format(items);
  },
};

// ---- countries ----

let countries = new Map();

/** The country catalogue (ISO3 to alpha-2 and English name), once per page. */
export async function loadCountries() {
  if (countries.size > 0) return countries;
  const answer = await api("/api/countries");
  if (answer.ok) countries = new Map(answer.data.map(c => [c.code, c]));
  return countries;
}

export function countryCodes() {
  return [...countries.keys()];
}

/** A State's name in the page's language (Intl.DisplayNames from its alpha-2 code), else its English name. */
export function countryName(code, fallback) {
  const entry = countries.get(code);
  if (entry?.alpha2) {
    try {
      const name = new Intl.DisplayNames([current], { type: "region", fallback: "none" }).of(entry.alpha2);
      if (name) return name;
    } catch {
      // an engine without display names: the English name below
    }
  }
  return entry?.name ?? fallback ?? code;
}

// ---- sign-in ----

/** A sign-in link carries the token in its fragment (#token=...), which browsers never send: keep it, then drop it. */
function takeTokenFromLink() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get("token");
  if (token) {
    sessionStorage.setItem(tokenKey, token);
    history.replaceState(history.state, "", location.pathname + location.search);
  }
  return !!token;
}

// At once, before any call to the API, so that the first calls already carry it; and again when a link is opened in a
// tab already on this page (only the fragment changes, so the page does not load again).
takeTokenFromLink();
window.addEventListener("hashchange", () => {
  if (takeTokenFromLink()) {
    renderSignIn();
    for (const listener of signInListeners) listener(who());
  }
});

export function token() {
  return sessionStorage.getItem(tokenKey);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(tokenKey, value);
  else sessionStorage.removeItem(tokenKey);
}

/** The signed-in caller as the token says (role, scope, sub, exp), or null. The server checks; this only shows. */
export function who() {
  const value = token();
  if (!value) return null;
  try {
    const payload = value.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), c => c.charCodeAt(0))));
    return { role: claims.role, scope: claims.scope, sub: claims.sub, expires: claims.exp ? new Date(claims.exp * 1000) : null };
  } catch {
    return null;
  }
}

export function whoText(caller) {
  if (!caller) return t("auth.notSignedIn");
  const scope = caller.role === "ministry" && caller.scope ? countryName(caller.scope) : caller.scope;
  return t("auth.signedInAs", { who: t(`auth.role.${caller.role}`, { scope }) });
}

/** The sign-in bar: who is signed in and a sign-out button, or a field to paste a token. */
function renderSignIn() {
  const bar = document.getElementById("signin");
  if (!bar) return;
  const caller = who();
  const expired = caller?.expires && caller.expires < new Date();
  const status = el("span", { id: "signed-in", "data-role": caller?.role ?? "", "data-scope": caller?.scope ?? "" },
    expired ? t("auth.expired") : whoText(caller));
  if (caller) {
    const out = el("button", { type: "button", id: "sign-out" }, t("auth.signOut"));
    out.addEventListener("click", () => {
      setToken(null);
      renderSignIn();
      for (const listener of signInListeners) listener(null);
    });
    bar.replaceChildren(status, " ", out);
    return;
  }
  if (webConfig.oidc) {
    const oidc = el("button", { type: "button", id: "oidc-sign-in" }, t("auth.oidc"));
    oidc.addEventListener("click", () => startOidcSignIn());
    bar.replaceChildren(status, " ", oidc);
    return;
  }
  const input = el("input", { id: "token-input", type: "password", autocomplete: "off", "aria-label": t("auth.tokenLabel") });
  const form = el("form", { id: "token-form", class: "inline" },
    el("details", {}, el("summary", {}, t("auth.signIn")), el("p", { class: "hint" }, t("auth.tokenHint")), input, " ",
      el("button", { type: "submit" }, t("auth.signIn"))));
  form.addEventListener("submit", event => {
    event.preventDefault();
    setToken(input.value.trim());
    renderSignIn();
    for (const listener of signInListeners) listener(who());
  });
  bar.replaceChildren(status, " ", form);
}

const signInListeners = [];

// ---- OpenID Connect: authorization code flow with PKCE (a public client, no secret) ----

const oidcKey = "gcm-oidc";
let webConfig = { oidc: null };

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(length) {
  return base64url(crypto.getRandomValues(new Uint8Array(length)));
}

async function discovery(authority) {
  const response = await fetch(`${authority}/.well-known/openid-configuration`, { cache: "no-cache" });
  if (!response.ok) throw new Error(`discovery: ${response.status}`);
  return response.json();
}

/** The scope a page asks for: its State (ministry page) or its round (console); the dashboard only reads. */
function oidcScope() {
  const { page, key } = route();
  return page === "ministry" ? key.toUpperCase() : page === "console" ? key : "openid";
}

/** Goes to the authority with a fresh state and PKCE challenge; the verifier stays in this tab's session storage. */
export async function startOidcSignIn() {
  const { authority, clientId } = webConfig.oidc;
  const meta = await discovery(authority);
  const verifier = randomText(32);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const state = randomText(16);
  sessionStorage.setItem(oidcKey, JSON.stringify({ verifier, state, back: location.pathname + location.search, tokenEndpoint: meta.token_endpoint }));
  location.assign(`${meta.authorization_endpoint}?${new URLSearchParams({
    response_type: "code", client_id: clientId, redirect_uri: `${location.origin}/signin`, scope: oidcScope(), state,
    code_challenge: challenge, code_challenge_method: "S256",
  })}`);
}

/** On /signin: checks the state, trades the code for a token, and answers the address to go back to. */
export async function finishOidcSignIn(query) {
  const pending = JSON.parse(sessionStorage.getItem(oidcKey) ?? "null");
  sessionStorage.removeItem(oidcKey);
  if (!pending || query.get("state") !== pending.state) throw new Error("state");
  if (query.get("error")) throw new Error(query.get("error"));
  const response = await fetch(pending.tokenEndpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", code: query.get("code"), redirect_uri: `${location.origin}/signin`,
      client_id: webConfig.oidc.clientId, code_verifier: pending.verifier,
    }),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok || !answer.access_token) throw new Error(answer.error ?? String(response.status));
  setToken(answer.access_token);
  return pending.back;
}

async function loadConfig() {
  const response = await fetch("/web/config", { cache: "no-cache" }).catch(() => null);
  if (response?.ok) webConfig = await response.json();
}

export function onSignInChange(listener) {
  signInListeners.push(listener);
}

// ---- API ----

/**
 * Calls the API with the signed-in token. Answers {status, ok, headers, data, problem}; a problem (RFC 9457) is parsed,
 * and a network failure is status 0. Never throws for an HTTP status.
 */
export async function api(path, { method = "GET", body, headers = {}, signal } = {}) {
  const sent = { Accept: "application/json", ...headers };
  const bearer = token();
  if (bearer) sent.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) sent["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-cache", signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    return { status: 0, ok: false, headers: new Headers(), data: null, problem: { detail: t("common.unreachable") } };
  }
  const type = response.headers.get("Content-Type") || "";
  const parsed = type.includes("json") ? await response.json().catch(() => null) : null;
  return {
    status: response.status,
    ok: response.ok,
    headers: response.headers,
    data: response.ok ? parsed : null,
    problem: response.ok || response.status === 304 ? null : (parsed ?? { status: response.status }),
  };
}

/** The text to show for a problem: the server's detail, else its title, else the status. */
export function problemText(answer) {
  const problem = answer.problem ?? {};
  if (answer.status === 401) return t("common.unauthorized");
  if (answer.status === 403) return t("common.forbidden", { detail: problem.detail ?? problem.title ?? "" });
  return problem.detail || problem.title || t("common.serverSaid", { status: answer.status });
}

// ---- DOM ----

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** The parts of /{page}/{cycle}/{key}. */
export function route() {
  const [, page, cycle, key] = location.pathname.split("/");
  return { page, cycle: decodeURIComponent(cycle ?? ""), key: decodeURIComponent(key ?? "") };
}

/** Starts a page: sign-in link, language switch, texts; then calls render(language) now and on every switch. */
export async function start(render) {
  await loadConfig();
  const switcher = document.getElementById("lang-switch");
  if (switcher) {
    switcher.replaceChildren(...languages.map(code => {
      const button = el("button", { type: "button", "data-lang": code, lang: code, "aria-pressed": "false" },
        new Intl.DisplayNames([code], { type: "language" }).of(code));
      button.addEventListener("click", () => setLanguage(code));
      return button;
    }));
  }
  onLanguageChange(() => {
    renderSignIn();
    render();
  });
  setLanguage(chooseLanguage());
}
