// @ts-check
// The hall display: a 1920x1080 TV left running for days.  Latest calls, large, the
// newest flashing; or one column per counter (?layout=counters).  Each call chimes and
// is then said in the centre's language and, when the citizen chose another at the
// kiosk, in that one.  The pace is hall_pace.js's: a call is said at most
// `max_delay_seconds` late or not at all, and the big panel shows each call at least
// `min_show_seconds`, so neither falls behind on a busy morning.

import { bookedBadge } from "./booked_badge.js";
import { Api, ApiError, centreInfo, el, option, pageToken, runClock, $ } from "./common.js";
import { Live, showBanner } from "./live.js";
import { AnnouncementQueue, CallPanel } from "./hall_pace.js";
import {
  loadCatalogs, onLanguageChange, t, localized, formatTime, formatDate, setTimeZone,
} from "./i18n.js";

/** @typedef {import('./messages.js').CallMessage} CallMessage */
/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').Counter} Counter */
/** @typedef {import('./messages.js').Hello} Hello */
/** @typedef {import('./messages.js').VoiceStatus} VoiceStatus */
/** The server's voice, or the lack of one when it could not be asked (unreachable) or
 * would not answer this display (refused: its token, which the live banner names).
 * @typedef {Pick<VoiceStatus, "available" | "reason" | "languages"> & { unreachable?: boolean, refused?: boolean }} Voice */

const MAX_CALLS = 8;
const FLASH_MS = 12000;
const CHIME = "/static/sounds/chime.wav";

/** The page's clock for the pace, in milliseconds, never going back (a clock set back
 * by a few seconds must not hold the panel).  Date.now rather than performance.now:
 * tests drive it with Playwright's fake clock, whose performance.now is unreliable here. */
let lastNow = 0;
const now = () => (lastNow = Math.max(lastNow, Date.now()));

/** Says calls one at a time, chime then each phrase, in the order and within the delay
 * the pace allows; none is cut short. */
class Speaker {
  /** @param {AnnouncementQueue} pace */
  constructor(pace) {
    this.pace = pace;
    this.playing = false;
    this.blocked = false;
    this.audio = new Audio();
    this.audio.preload = "auto";
  }

  /** @param {CallMessage} call */
  push(call) {
    if (state.voice?.unreachable) voiceReady = loadVoice(); // the server was down at boot
    this.pace.push(call, now());
    if (!this.playing) this.drain();
  }

  /** A new day: calls not yet announced are yesterday's; none is said now. */
  clear() {
    this.pace.clear();
  }

  async drain() {
    this.playing = true;
    for (let next; (next = this.pace.next(now())); ) {
      const { call } = next;
      document.body.dataset.announcing = call.number;
      // The phrases are made and fetched while the chime plays.
      const phrases = voiceReady.then(() => spokenLanguages(call).map((lang) => this.fetchPhrase(lang, call)));
      await this.play(CHIME);
      for (const phrase of await phrases) {
        const url = await phrase;
        if (url) {
          await this.play(url);
          URL.revokeObjectURL(url);
        }
      }
      document.body.dataset.announced = String(call.seq);
      document.body.dataset.unsaid = String(this.pace.skipped);
      delete document.body.dataset.announcing;
    }
    this.playing = false;
  }

  /**
   * A phrase's audio as an object URL; null when the server could not say it.
   * @param {string} lang
   * @param {CallMessage} call
   * @returns {Promise<string | null>}
   */
  async fetchPhrase(lang, call) {
    try {
      const blob = await api.get(`/api/v1/announcements/${lang}/${encodeURIComponent(`${call.number}-${call.counter}`)}`);
      return URL.createObjectURL(blob);
    } catch (error) {
      // One phrase that failed (a timeout) must not silence the hall for days: ask the
      // server whether the voice as a whole still works, and follow its answer.
      if (error instanceof ApiError && error.status === 503) voiceReady = loadVoice();
      return null;
    }
  }

  /**
   * @param {string} src
   * @returns {Promise<void>}
   */
  play(src) {
    return new Promise((resolve) => {
      const audio = this.audio;
      const done = () => {
        audio.onended = audio.onerror = null;
        clearTimeout(guard);
        resolve();
      };
      // A file that never ends (a broken decoder) must not stop the queue forever.
      const guard = setTimeout(done, 30000);
      audio.onended = done;
      audio.onerror = done;
      audio.src = src;
      audio.play().then(
        () => {
          if (this.blocked) {
            this.blocked = false;
            renderVoiceNote();
          }
        },
        (error) => {
          if (error.name === "NotAllowedError") {
            this.blocked = true;
            renderVoiceNote();
          }
          done();
        },
      );
    });
  }
}

const api = new Api({ token: pageToken("hall") });
const layout = option("layout") === "counters" ? "counters" : "list";
const shown = (option("counters") || "").split(",").map(Number).filter(Boolean);
/**
 * @type {{
 *   centre: Centre | null, calls: CallMessage[], counters: Map<number, Counter>,
 *   voice: Voice | null, flashTimer: ReturnType<typeof setTimeout> | undefined,
 *   panelTimer: ReturnType<typeof setTimeout> | undefined
 * }}
 */
const state = {
  centre: null, calls: [], counters: new Map(), voice: null, flashTimer: undefined, panelTimer: undefined,
};

// No language buttons: nobody touches a hall TV.  Its language is the address's ?lang=.
await loadCatalogs("hall");
const centre = (state.centre = await centreInfo());
setTimeZone(centre.timezone);
document.body.dataset.layout = layout;
renderStatic();
runClock($("#clock"), $("#date"), { time: formatTime, date: formatDate });
onLanguageChange(() => {
  renderStatic();
  renderCalls();
  renderColumns();
  renderVoiceNote();
});

const maxDelayMs = (centre.hall?.max_delay_seconds ?? 20) * 1000;
const announcer = new Speaker(new AnnouncementQueue(maxDelayMs));
const panel = new CallPanel((centre.hall?.min_show_seconds ?? 4) * 1000, maxDelayMs);
let voiceReady = loadVoice();

/** @type {Live<"hall">} */
const live = new Live(() => {
  /** @type {Hello} */
  const hello = { role: "display", token: api.token, view: "hall" };
  if (shown.length) hello.counters = shown;
  return hello;
});
live.on("snapshot", (m) => {
  for (const counter of m.counters) state.counters.set(counter.id, counter);
  // Calls of another day (kept across midnight, or from before a long absence) go:
  // numbering starts again every day, and yesterday's A001 must not stand beside today's.
  state.calls = state.calls.filter((call) => !m.day || !call.at || call.at.slice(0, 10) === m.day);
  if (!m.resumed || state.calls.length === 0) {
    // A fresh start (or too much missed): show the recent calls without announcing them.
    const known = new Set(state.calls.map((c) => c.seq));
    for (const call of m.calls) if (!known.has(call.seq)) state.calls.push(call);
    state.calls.sort((a, b) => b.seq - a.seq);
    state.calls = state.calls.slice(0, MAX_CALLS);
    live.lastCallSeq = Math.max(live.lastCallSeq, ...m.calls.map((c) => c.seq), 0);
    if (!panel.shown) panel.show(state.calls[0] ?? null, now());
  }
  renderCalls();
  renderColumns();
});
live.on("counter", (m) => {
  state.counters.set(m.counter.id, m.counter);
  renderColumns();
});
live.on("day", () => {
  state.calls = [];
  announcer.clear();
  panel.clear();
  clearTimeout(state.panelTimer);
  renderCalls();
  renderColumns();
});
live.on("call", (call) => {
  // A recall moves its number to the top; it never stands twice.
  const same = (/** @type {CallMessage} */ c) => c.number === call.number && c.counter === call.counter;
  state.calls = [call, ...state.calls.filter((c) => c.seq !== call.seq && !same(c))].slice(0, MAX_CALLS);
  const up = panel.push(call, now());
  renderCalls(Boolean(up));
  if (!up) waitForPanel();
  renderColumns(call);
  announcer.push(call);
});
if (api.token) live.start();
else showBanner(t("hall.no_token"));

function renderStatic() {
  $("#centre-name").textContent = localized(state.centre?.name);
  const notice = localized(state.centre?.notice);
  const ticker = $("#notice");
  ticker.textContent = notice;
  if (ticker.parentElement) ticker.parentElement.hidden = !notice;
  // Scroll at a steady speed whatever the length: about 120 px per second.
  const seconds = Math.max(20, Math.round((notice.length * 28 + 1920) / 120));
  ticker.style.animationDuration = `${seconds}s`;
}

/** Put the next waiting call on the big panel once the one shown has had its time. */
function waitForPanel() {
  clearTimeout(state.panelTimer);
  const due = panel.dueAt;
  if (due === null) return;
  state.panelTimer = setTimeout(() => {
    if (panel.next(now())) renderCalls(true);
    waitForPanel();
  }, Math.max(0, due - now()));
}

/**
 * The big panel shows the call its pace allows; the list below, the other recent calls
 * (a call waiting for the panel stands there at once).
 * @param {boolean} [flash] a call just went up on the panel: make it flash
 */
function renderCalls(flash = false) {
  const latest = panel.shown;
  $("#latest-number").replaceChildren(latest ? latest.number : "—", bookedBadge(latest?.booked));
  $("#latest-counter").textContent = latest ? t("hall.counter_n", { counter: latest.counter }) : "";
  $("#latest").dataset.seq = latest ? String(latest.seq) : "";
  $("#latest-recall").hidden = !latest?.recall;
  if (flash) {
    const box = $("#latest");
    box.classList.remove("flash");
    void box.offsetWidth; // restart the animation
    box.classList.add("flash");
    clearTimeout(state.flashTimer);
    state.flashTimer = setTimeout(() => box.classList.remove("flash"), FLASH_MS);
  }
  const onPanel = (/** @type {CallMessage} */ c) =>
    latest !== null && c.number === latest.number && c.counter === latest.counter;
  $("#calls").replaceChildren(
    ...state.calls.filter((call) => !onPanel(call)).slice(0, MAX_CALLS - 1).map((call) =>
      el(
        "li",
        { class: "call", dataset: { seq: String(call.seq), number: call.number } },
        el("span", { class: "call-number" }, call.number, bookedBadge(call.booked)),
        el(
          "span",
          { class: "call-counter" },
          t("hall.counter_n", { counter: call.counter }),
          call.recall ? el("span", { class: "call-recall recall-mark" }, t("hall.recall")) : null,
        ),
      ),
    ),
  );
}

/** @param {CallMessage | null} [newCall] */
function renderColumns(newCall = null) {
  const box = $("#columns");
  box.hidden = layout !== "counters";
  $(".calls-section").hidden = layout === "counters";
  if (layout !== "counters") return;
  const counters = [...state.counters.values()].sort((a, b) => a.id - b.id);
  // Any number of counters fits: about five across, more as they grow (keeping the boxes
  // wider than tall), and the type scales with the boxes (hall.css).
  const columns = Math.min(Math.max(counters.length, 1), Math.max(5, Math.ceil(Math.sqrt(counters.length * 1.5))));
  box.style.setProperty("--columns", String(columns));
  box.style.setProperty("--rows", String(Math.max(2, Math.ceil(counters.length / columns))));
  box.replaceChildren(
    ...counters.map((counter) =>
      el(
        "div",
        {
          class: `column ${counter.status}${newCall?.counter === counter.id ? " flash" : ""}`,
          dataset: { counter: String(counter.id) },
        },
        el("span", { class: "column-counter" }, t("hall.counter_n", { counter: counter.id })),
        el("span", { class: "column-number" }, counter.current?.number ?? "—"),
        el("span", { class: "column-state" }, counter.status === "open" ? "" : t(`counter.status.${counter.status}`)),
      ),
    ),
  );
}

/**
 * The languages a call is said in: the centre's, then the one its citizen chose at the
 * kiosk if it is another; only those the server can say.
 * @param {CallMessage} call
 * @returns {string[]}
 */
function spokenLanguages(call) {
  const speakable = state.voice?.available ? state.voice.languages : [];
  const wanted = [state.centre?.languages[0] ?? "vi", call.lang];
  return [...new Set(wanted)].filter((lang) => speakable.includes(lang));
}

async function loadVoice() {
  try {
    state.voice = await api.get("/api/v1/voice");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // A refused token is no fault of the speaker: the live banner says what is wrong.
    const refused = error instanceof ApiError && (error.status === 401 || error.status === 403);
    state.voice = { available: false, reason, languages: [], unreachable: !refused, refused };
  }
  renderVoiceNote();
}

function renderVoiceNote() {
  const note = $("#voice-note");
  if (!api.token) return; // the banner says what is wrong
  const silent = state.voice && !state.voice.available && !state.voice.refused;
  note.hidden = !silent && !announcer.blocked;
  note.textContent = announcer.blocked ? t("hall.sound_blocked") : silent ? t("hall.voice_off") : "";
}
