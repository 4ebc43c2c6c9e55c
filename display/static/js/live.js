// @ts-check
// The one client of /ws for every page: hello (with the last seq seen, so a reconnect
// resumes), client heartbeats, reconnect with backoff, and a visible "reconnecting" state.
//
//   const live = new Live(() => ({ role: "display", token, view: "hall" }));
//   live.on("call", (message) => ...);  live.on("snapshot", ...);  live.start();
//
// Messages whose seq is not newer than what the page holds are dropped here: calls
// by their own seq, state messages against the latest snapshot.

import { t, onLanguageChange } from "./i18n.js";

/** @typedef {import('./messages.js').Hello} Hello */
/** @typedef {import('./messages.js').LiveState} LiveState */
/** @typedef {import('./messages.js').ServerMessage} ServerMessage */
/** @typedef {import('./messages.js').ViewName} ViewName */

const PING_EVERY_MS = 15000;
const PONG_WITHIN_MS = 10000;
const BACKOFF_MS = [250, 500, 1000, 2000, 3000, 5000];
const REFUSED = new Set([4400, 4401, 4403, 4404]);
/** Refusals not worth a retry: 4401 (no valid credential: a revoked token, a logout, a
 * changed password, even while connected) and 4404 (no such ticket today). */
const FINAL = new Set([4401, 4404]);

/**
 * A live feed for one view: V names the view, and so the snapshot its handlers get; the
 * page says which where it makes one, with a `@type {Live<"hall">}` comment.
 * @template {ViewName} V
 */
export class Live {
  /**
   * @param {() => Hello} hello the hello to send, less `type` and `protocol`
   * @param {{ banner?: boolean }} options
   */
  constructor(hello, { banner = true } = {}) {
    this.hello = hello;
    /** @type {Map<string, ((message: any) => void)[]>} */
    this.handlers = new Map();
    /** @type {number | null} */
    this.lastSeq = null;
    this.lastCallSeq = 0;
    this.snapshotSeq = 0;
    this.attempt = 0;
    /** @type {LiveState} */
    this.state = "connecting";
    /** @type {string} */
    this.reason = "";
    /** @type {number | null} */
    this.code = null;
    /** @type {WebSocket | null} */
    this.socket = null;
    this.timers = [];
    this.stopped = false;
    this.banner = banner ? ensureBanner() : null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.pingTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.pongTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    onLanguageChange(() => this.showState());
  }

  /**
   * @template {keyof import('./messages.js').LiveEvents<V>} K
   * @param {K} type
   * @param {(message: import('./messages.js').LiveEvents<V>[K]) => void} handler
   * @returns {this}
   */
  on(type, handler) {
    let handlers = this.handlers.get(type);
    if (!handlers) this.handlers.set(type, (handlers = []));
    handlers.push(handler);
    return this;
  }

  /**
   * @param {string} type
   * @param {unknown} payload
   */
  emit(type, payload) {
    for (const handler of this.handlers.get(type) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        console.error(`handler for ${type} failed`, error);
      }
    }
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    this.clearTimers();
    this.socket?.close(1000);
  }

  connect() {
    this.clearTimers();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/ws`);
    this.socket = socket;
    this.setState(this.lastSeq === null && this.attempt === 0 ? "connecting" : "reconnecting");
    socket.addEventListener("open", () => {
      /** @type {Hello & { type: "hello", protocol: number }} */
      const hello = { type: "hello", protocol: 1, ...this.hello() };
      if (this.lastSeq !== null) hello.last_seq = this.lastSeq;
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener("message", (event) => this.receive(event.data));
    socket.addEventListener("close", (event) => this.closed(socket, event));
    socket.addEventListener("error", () => {});
  }

  /** @param {string} data a text frame */
  receive(data) {
    /** @type {ServerMessage} */
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    this.alive();
    if (message.type === "welcome") {
      this.attempt = 0;
      this.emit("welcome", message);
      return;
    }
    if (message.type === "pong") return;
    if (message.type === "snapshot") {
      this.snapshotSeq = message.seq;
      this.lastSeq = Math.max(this.lastSeq ?? 0, message.seq);
      this.setState("live");
      this.emit("snapshot", message);
      return;
    }
    if (message.type === "call") {
      if (message.seq <= this.lastCallSeq) return;
      this.lastCallSeq = message.seq;
      this.lastSeq = Math.max(this.lastSeq ?? 0, message.seq);
      this.emit("call", message);
      return;
    }
    const seq = message.seq;
    if (typeof seq === "number" && message.type !== "device") {
      // Device reports are not events: they carry the current seq, and always count.
      if (seq <= this.snapshotSeq) return;
      this.lastSeq = Math.max(this.lastSeq ?? 0, seq);
    }
    this.emit(message.type, message);
  }

  alive() {
    clearTimeout(this.pongTimer);
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => this.ping(), PING_EVERY_MS);
  }

  ping() {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify({ type: "ping" }));
    this.pongTimer = setTimeout(() => this.socket?.close(4000, "no pong"), PONG_WITHIN_MS);
  }

  /**
   * @param {WebSocket} socket
   * @param {CloseEvent} event
   */
  closed(socket, event) {
    if (socket !== this.socket) return;
    this.clearTimers();
    if (this.stopped) return;
    if (FINAL.has(event.code)) {
      // An unknown ticket, or a credential that is not (or no longer) valid: the same
      // hello would be refused again. Say so and stop; the page asks for a login or a
      // new address (a token is revoked or replaced by an administrator).
      this.setState("refused", event.reason, event.code);
      this.emit("refused", { code: event.code, reason: event.reason });
      return;
    }
    if (REFUSED.has(event.code)) {
      // A wrong role or a bad hello: say so, and try again slowly (it may be fixed).
      this.setState("refused", event.reason, event.code);
      this.emit("refused", { code: event.code, reason: event.reason });
      this.retryTimer = setTimeout(() => this.connect(), 30000);
      return;
    }
    this.setState("reconnecting");
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    const delay = base * (0.75 + Math.random() * 0.5);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  clearTimers() {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    clearTimeout(this.retryTimer);
  }

  /**
   * @param {LiveState} state
   * @param {string} [reason]
   * @param {number | null} [code]
   */
  setState(state, reason = "", code = null) {
    this.state = state;
    this.reason = reason;
    this.code = code;
    document.documentElement.dataset.live = state;
    this.showState();
    this.emit("state", { state, reason });
  }

  showState() {
    if (!this.banner) return;
    const text =
      this.state === "live"
        ? ""
        : this.state === "refused"
          ? this.refusal()
          : t(this.state === "connecting" ? "live.connecting" : "live.reconnecting");
    this.banner.textContent = text;
    this.banner.title = this.state === "refused" ? this.reason : ""; // the server's words
    this.banner.hidden = this.state === "live";
  }

  /** Why the server refused, in the page's language (its English words for an IT officer
   * stay in the banner's tooltip); an unforeseen refusal shows them. */
  refusal() {
    const key = `live.refused_${this.code}`;
    const text = t(key);
    return text !== key ? text : t("live.refused", { reason: this.reason || "" });
  }
}

/**
 * Say something in the live banner without a connection: a screen given no token never
 * connects, and must say so where its connection's troubles are said.
 * @param {string} text
 */
export function showBanner(text) {
  const banner = ensureBanner();
  banner.textContent = text;
  banner.hidden = false;
}

function ensureBanner() {
  let banner = document.getElementById("live-banner");
  if (!banner) {
    banner = document.createElement("div");
    banner.id = "live-banner";
    banner.className = "live-banner";
    banner.setAttribute("role", "status");
    banner.setAttribute("aria-live", "polite");
    document.body.append(banner);
  }
  banner.hidden = true;
  return banner;
}
