// @ts-check
// What several pages share: their credentials, calling the API, small DOM helpers.

import { t } from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').Counter} Counter */
/** @typedef {import('./messages.js').ErrorBody} ErrorBody */

/**
 * A machine token from the address's fragment (#token=...), remembered per page.
 * @param {string} pageName
 * @returns {string | null}
 */
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

/**
 * A page option from ?name= or #name=.
 * @param {string} name
 * @returns {string | null}
 */
export function option(name) {
  const hash = new URLSearchParams(location.hash.slice(1));
  return new URLSearchParams(location.search).get(name) ?? hash.get(name);
}

export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status; 0 when the server could not be reached
   * @param {Partial<ErrorBody> | undefined} error the body's `error`
   */
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code || `http_${status}`;
    /** centre_closed: when the centre next opens (ISO, with offset); null otherwise. */
    this.opensAt = error?.opens_at ?? null;
  }
}

/** Calls the JSON API with a bearer token or the session cookie (and its CSRF token). */
export class Api {
  /** @param {{ token?: string | null }} options */
  constructor({ token = null } = {}) {
    this.token = token;
    /** @type {string | null} */
    this.csrf = null;
  }

  /**
   * @param {string} method
   * @param {boolean} json
   */
  headers(method, json) {
    /** @type {Record<string, string>} */
    const headers = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (this.csrf && method !== "GET") headers["X-CSRF-Token"] = this.csrf;
    if (json) headers["Content-Type"] = "application/json";
    return headers;
  }

  /**
   * The answer's JSON (typed by the caller: the API's shapes are in messages.js), a Blob
   * for other content, null for 204.  Throws ApiError.
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<any>}
   */
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

  /**
   * @param {string} path
   * @returns {Promise<any>}
   */
  get(path) {
    return this.request("GET", path);
  }

  /**
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<any>}
   */
  post(path, body) {
    return this.request("POST", path, body ?? {});
  }
}

/**
 * The centre as the pages show it (public).  Asked without the page's token: a revoked
 * token must not leave a blank screen, but one that says why it cannot go live.
 * @returns {Promise<Centre>}
 */
export function centreInfo() {
  return new Api().get("/api/v1/centre");
}

/**
 * How many wait for a counter: the totals of its own line and its services' lines, from
 * the live "waiting" messages.  (A counter's own view is re-sent when the counter acts,
 * not each time a kiosk issues a ticket, so its `waiting` lags; the lines do not.)
 * @param {Counter | null | undefined} counter
 * @param {Map<string, number>} lineTotals the total of each line, by its key as a string
 * @returns {number}
 */
export function waitingAt(counter, lineTotals) {
  if (!counter) return 0;
  return [String(counter.id), ...counter.services].reduce(
    (sum, key) => sum + (lineTotals.get(String(key)) ?? 0),
    0,
  );
}

/**
 * A new element: attributes (`class`, `dataset`, `on<event>` listeners; null, undefined
 * and false leave one out, true sets it empty) and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [attributes]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(
    .../** @type {(Node | string)[]} */ (children.filter((c) => c !== null && c !== undefined && c !== false)),
  );
  return node;
}

/**
 * The element a selector names in the page's own markup: it must be there (a page whose
 * markup lacks it is broken, and says which element, rather than a null's TypeError).
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {HTMLElement}
 */
export function $(selector, root = document) {
  const node = root.querySelector(selector);
  if (!node) throw new Error(`no element ${selector} on this page`);
  return /** @type {HTMLElement} */ (node);
}

/**
 * `$`, for an element of a given kind (an input, a dialog...), checked.
 * @template {Element} T
 * @param {{ new (): T, prototype: T }} kind e.g. HTMLInputElement
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {T}
 */
export function $of(kind, selector, root = document) {
  const node = root.querySelector(selector);
  if (!(node instanceof kind)) throw new Error(`no ${kind.name} ${selector} on this page`);
  return node;
}

/**
 * Keep a live clock in an element, updated on the minute.
 * @param {HTMLElement} timeNode
 * @param {HTMLElement | null} dateNode
 * @param {{ time: (date: Date) => string, date: (date: Date) => string }} format
 */
export function runClock(timeNode, dateNode, format) {
  const tick = () => {
    const now = new Date();
    timeNode.textContent = format.time(now);
    if (dateNode) dateNode.textContent = format.date(now);
    setTimeout(tick, 60000 - (now.getSeconds() * 1000 + now.getMilliseconds()) + 50);
  };
  tick();
}
