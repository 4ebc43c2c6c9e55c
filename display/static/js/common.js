// What several pages share: their credentials, calling the API, small DOM helpers.

import { t } from "./i18n.js";

/** A machine token from the address's fragment (#token=...), remembered per page. */
export function pageToken(pageName) {
  const hash = new URLSearchParams(location.hash.slice(1));
  const key = `qs.token.${pageName}`;
  const token = hash.get("token");
  if (token) {
    localStorage.setItem(key, token);
    return token;
  }
  return localStorage.getItem(key);
}

/** A page option from ?name= or #name=. */
export function option(name) {
  const hash = new URLSearchParams(location.hash.slice(1));
  return new URLSearchParams(location.search).get(name) ?? hash.get(name);
}

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code || `http_${status}`;
  }
}

/** Calls the JSON API with a bearer token or the session cookie (and its CSRF token). */
export class Api {
  constructor({ token = null } = {}) {
    this.token = token;
    this.csrf = null;
  }

  headers(method, json) {
    const headers = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (this.csrf && method !== "GET") headers["X-CSRF-Token"] = this.csrf;
    if (json) headers["Content-Type"] = "application/json";
    return headers;
  }

  async request(method, path, body) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: this.headers(method, body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch {
      throw new ApiError(0, { code: "network", message: t("error.network") });
    }
    if (response.status === 204) return null;
    const type = response.headers.get("Content-Type") || "";
    const payload = type.includes("json") ? await response.json() : await response.blob();
    if (!response.ok) throw new ApiError(response.status, payload?.error);
    return payload;
  }

  get(path) {
    return this.request("GET", path);
  }

  post(path, body) {
    return this.request("POST", path, body ?? {});
  }
}

/**
 * The centre as the pages show it (public).  Asked without the page's token: a revoked
 * token must not leave a blank screen, but one that says why it cannot go live.
 */
export function centreInfo() {
  return new Api().get("/api/v1/centre");
}

/**
 * How many wait for a counter: the totals of its own line and its services' lines, from
 * the live "waiting" messages.  (A counter's own view is re-sent when the counter acts,
 * not each time a kiosk issues a ticket, so its `waiting` lags; the lines do not.)
 */
export function waitingAt(counter, lineTotals) {
  if (!counter) return 0;
  return [String(counter.id), ...counter.services].reduce(
    (sum, key) => sum + (lineTotals.get(String(key)) ?? 0),
    0,
  );
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/** Keep a live clock in an element, updated on the minute. */
export function runClock(timeNode, dateNode, format) {
  const tick = () => {
    const now = new Date();
    timeNode.textContent = format.time(now);
    if (dateNode) dateNode.textContent = format.date(now);
    setTimeout(tick, 60000 - (now.getSeconds() * 1000 + now.getMilliseconds()) + 50);
  };
  tick();
}
