// @ts-check
// The kiosk at the door: pick a service (search ignores diacritics), an optional
// priority, take a ticket; the ticket prints, and the screen shows it, then resets,
// back to the centre's language too: the next citizen must not meet the last one's.
// Outside the opening hours it shows a closed centre instead, and when it opens (asked
// at load and every minute, and told by a refused ticket), in the citizen's language.
// While none of its printers can print it is out of order and sends citizens to the
// reception desk (told over /ws as the server finds its printers down, and by a refused
// ticket); where the centre allows it, a citizen with a phone may still take the ticket
// on screen.

import { Api, ApiError, centreInfo, el, option, pageToken, $, $of } from "./common.js";
import { Live } from "./live.js";
import { bookingScreen, isBookingScan } from "./kiosk_booking.js";
import { ScanDetector } from "./scanner.js";
import { OnScreenKeyboard } from "./keyboard.js";
import { askFinder, followSearch, lineFacts, servicesFor } from "./service_search.js";
import { drawTicketCard, fillTicketCard } from "./ticket_card.js";
import {
  loadCatalogs, languageButtons, onLanguageChange, t, localized, fold, formatTime,
  formatWeekday, errorText, language, setLanguage, setTimeZone,
} from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').Device} Device */
/** @typedef {import('./messages.js').IssuedTicket} IssuedTicket */
/** @typedef {import('./messages.js').Service} Service */
/** @typedef {import('./messages.js').Services} Services */
/** @typedef {import('./messages.js').FoundService} FoundService */

const SHOW_TICKET_S = 12;
const SHOW_UNPRINTED_S = 40;
const IDLE_RESET_S = Number(option("idle")) || 60;
/** How often to ask whether the centre is open (?recheck= seconds, for tests). */
const RECHECK_S = Number(option("recheck")) || 60;

/**
 * @type {{
 *   centre: Centre | null, services: Map<string, Service>, priority: string | null,
 *   query: string, countdown: ReturnType<typeof setInterval> | undefined,
 *   idle: ReturnType<typeof setTimeout> | undefined, spoken: string | null,
 *   closed: boolean, opensAt: string | null, printing: Device | null, onScreen: boolean,
 *   storeDown: boolean, found: Map<string, FoundService> | null, searches: number,
 *   papers: string[]
 * }}
 */
const state = {
  centre: null, services: new Map(), priority: null, query: "", countdown: undefined, idle: undefined,
  spoken: null, closed: false, opensAt: null, printing: null, onScreen: false, storeDown: false,
  found: null, searches: 0, papers: [],
};
const voice = new Audio();
const api = new Api({ token: pageToken("kiosk") });

await loadCatalogs("kiosk");
drawTicketCard();
languageButtons($("#languages"));
const centre = (state.centre = await centreInfo());
setTimeZone(centre.timezone);
setLanguage(homeLanguage(), { remember: false });
renderCentre();
onLanguageChange(() => {
  renderCentre();
  renderKeyboard();
  renderPriorities();
  renderServices();
  renderClosed();
});
renderPriorities();
showHours(centre.open_now, centre.opens_at);
setInterval(recheckHours, RECHECK_S * 1000);

/** @type {Live<"kiosk">} */
const live = new Live(() => ({ role: "kiosk", token: api.token, view: "kiosk" }));
live.on("snapshot", (m) => {
  state.storeDown = false;
  state.services = new Map(m.services.map((s) => [s.code, s]));
  renderServices();
  showPrinting(m.kiosk ?? null);
});
live.on("device", (m) => {
  if (m.device.kind === "kiosk") showPrinting(m.device);
});
live.on("service", (m) => {
  state.services.set(m.service.code, m.service);
  renderServices();
});
if (api.token) live.start();
else showError(t("kiosk.no_token"));
// Without the live feed (no token yet) the tiles still show, from the public list.
new Api().get("/api/v1/services").then((/** @type {Services} */ body) => {
  if (state.services.size === 0) {
    state.services = new Map(body.services.map((s) => [s.code, s]));
    renderServices();
  }
});

const search = $of(HTMLInputElement, "#search");
const keyboard = new OnScreenKeyboard($("#keyboard"), search);
renderKeyboard();
followSearch(
  search,
  (text) => {
    state.query = fold(text);
    renderServices();
  },
  findProcedures,
);
$("#ticket-done").addEventListener("click", reset);
$("#screen-ticket").addEventListener("click", () => {
  state.onScreen = true; // this citizen only: the next one is told again
  showHome();
});
const booking = bookingScreen({
  api, enabled: centre.appointments?.enabled ?? false, onTicket: showTicket, onClosed: (at) => showHours(false, at), home: showHome,
});
$("#ticket-listen").addEventListener("click", () => say(state.spoken));
listenForScans();
// A citizen who walks away mid-choice leaves the screen as it was: after a quiet minute
// it starts afresh, in the centre's language.
for (const kind of ["pointerdown", "keydown", "input"]) {
  document.addEventListener(kind, restartIdleTimer, { capture: true });
}

/**
 * A booking's QR code held to the USB scanner on the home screen checks it in at once
 * (js/scanner.js tells a scanner's fast keys from a person's).  What the scanner typed
 * into the search field is taken back out.
 */
function listenForScans() {
  if (!centre.appointments?.enabled) return;
  const scans = new ScanDetector();
  document.addEventListener(
    "keydown",
    (event) => {
      if ($("#start").hidden || !$("#booking").hidden || !$("#ticket").hidden) return;
      const text = scans.key(event.key, event.timeStamp);
      if (text === null || !isBookingScan(text)) return;
      event.preventDefault();
      // The scanner typed at the search's end: the code, or the page's address whole.
      let typed = search.value.endsWith(text) ? search.value.slice(0, -text.length) : search.value;
      typed = typed.replace(/https?:\/\/\S*$/, "");
      if (typed !== search.value) {
        search.value = typed;
        search.dispatchEvent(new Event("input"));
      }
      keyboard.close();
      booking.scanned(text);
    },
    { capture: true },
  );
}

/** The language a citizen meets: ?lang= of the kiosk's address, else the centre's first. */
function homeLanguage() {
  return option("lang") || state.centre?.languages?.[0] || "vi";
}

function restartIdleTimer() {
  clearTimeout(state.idle);
  state.idle = setTimeout(() => {
    const touched = state.query || state.priority !== null || language() !== homeLanguage();
    if ($("#ticket").hidden && touched) reset();
  }, IDLE_RESET_S * 1000);
}

function renderCentre() {
  $("#centre-name").textContent = localized(state.centre?.name);
}

function renderKeyboard() {
  keyboard.render({ space: t("kiosk.key_space"), backspace: t("kiosk.key_backspace"), close: t("kiosk.key_close") });
}

function renderPriorities() {
  const box = $("#priorities");
  /** @type {{ code: string | null, label: string, atDesk: boolean }[]} */
  const choices = [
    { code: null, label: t("kiosk.priority_none"), atDesk: false },
    ...(state.centre?.priority_classes ?? []).map((p) => ({
      code: p.code,
      label: localized(p.name),
      atDesk: Boolean(p.at_desk),
    })),
  ];
  box.replaceChildren(
    ...choices.map((choice) =>
      el(
        "button",
        {
          type: "button",
          class: choice.atDesk ? "priority-choice at-desk" : "priority-choice",
          "aria-pressed": String(choice.code === state.priority),
          dataset: { priority: choice.code ?? "" },
          onclick: () => {
            // A class a person checks (a card): the citizen takes a ticket and shows it
            // at the reception desk, which gives the ticket its class.
            if (choice.atDesk) {
              showError(t("kiosk.priority_at_desk", { name: choice.label }));
              return;
            }
            state.priority = choice.code;
            renderPriorities();
          },
        },
        choice.label,
      ),
    ),
  );
}

/**
 * Ask the procedure finder (the citizen's own words: "lam so do", "gcn") which services
 * and procedures fit; tiles follow its ranking.  Only the latest answer counts; without
 * one (rate-limited, offline) the tiles filter on names as before.
 * @param {string} text
 */
async function findProcedures(text) {
  const asked = ++state.searches;
  if (!text.trim()) {
    state.found = null;
    renderServices();
    return;
  }
  try {
    const found = await askFinder(text, language());
    if (asked !== state.searches) return;
    state.found = found;
  } catch {
    if (asked === state.searches) state.found = null;
  }
  renderServices();
}

function renderServices() {
  const box = $("#services");
  const tiles = [];
  for (const service of servicesFor(state.query, state.query ? state.found : null, [...state.services.values()])) {
    const procedure = state.query ? state.found?.get(service.code)?.procedure : null;
    // A service nobody serves now, where the centre does not issue for it: shown, not taken.
    const refused = service.open_counters === 0 && state.centre?.queue?.without_open_counter === "refuse";
    const tile = el(
      "button",
      {
        type: "button",
        class: refused ? "tile unavailable" : "tile",
        "aria-disabled": refused ? "true" : undefined,
        dataset: { service: service.code },
        onclick: () => {
          keyboard.close();
          if (refused) showError(t("kiosk.no_counter_refused", { service: localized(service.name) }));
          else take(service.code, procedure ?? null);
        },
      },
      el("span", { class: "tile-name" }, localized(service.name)),
      procedure ? el("span", { class: "tile-procedure" }, procedure.name) : null,
      el("span", { class: "tile-description" }, localized(service.description)),
      el("span", { class: "tile-facts" }, lineFacts(service)),
    );
    // A button may not be a list item itself (axe: aria-allowed-role): it sits in one.
    tiles.push(el("div", { class: "tile-item", role: "listitem" }, tile));
  }
  box.replaceChildren(...tiles);
  $("#no-match").hidden = tiles.length > 0 || state.services.size === 0;
}

/**
 * Whether the centre takes tickets now; when not, the closed screen says when it opens.
 * A ticket on screen stays until its countdown ends.
 * @param {boolean} open
 * @param {string | null} opensAt when it next opens (ISO, with offset)
 */
function showHours(open, opensAt) {
  state.closed = open === false;
  state.opensAt = state.closed ? opensAt : null;
  renderClosed();
  if ($("#ticket").hidden) showHome();
}

async function recheckHours() {
  try {
    const info = await centreInfo();
    showHours(info.open_now, info.opens_at);
  } catch {
    // The server is out of reach: the live banner says so; keep what is shown.
  }
}

/**
 * Whether this kiosk can print, as the server last said ("kiosk" device; null: no printers).
 * @param {Device | null} printing
 */
function showPrinting(printing) {
  state.printing = printing;
  $("#screen-ticket").hidden = !printing?.screen_tickets;
  if ($("#ticket").hidden) showHome();
}

/** No ticket can be had here now: the server cannot record one (its log cannot be written:
 * a full disk), or no printer of this kiosk can print and the citizen did not ask for the
 * ticket on screen. */
function outOfOrder() {
  return state.storeDown || (state.printing !== null && !state.printing.up && !state.onScreen);
}

/** The tiles, or the closed or out-of-order screen in their place. */
function showHome() {
  const out = !state.closed && outOfOrder();
  $("#start").hidden = state.closed || out;
  $("#closed").hidden = !state.closed;
  $("#out-of-order").hidden = !out;
}

function renderClosed() {
  const line = $("#closed-opens");
  const opens = state.opensAt ? new Date(state.opensAt) : null;
  line.textContent = opens ? t("kiosk.closed_opens", { day: formatWeekday(opens), time: formatTime(opens) }) : "";
  line.hidden = !opens;
}

/** @param {string} text */
function showError(text) {
  const box = $("#kiosk-error");
  box.textContent = text;
  box.hidden = !text;
}

/**
 * @param {string} code the service's
 * @param {FoundService["procedure"]} [procedure] the one the finder named: the ticket
 *   carries it, so the paper ticket and the status page list its papers too
 */
async function take(code, procedure = null) {
  showError("");
  state.papers = procedure?.papers ?? [];
  $("#issuing").hidden = false;
  try {
    /** @type {{ service: string, lang: string, priority?: string, procedure?: string }} */
    const body = { service: code, lang: language() };
    if (state.priority) body.priority = state.priority;
    if (procedure) body.procedure = procedure.code;
    /** @type {IssuedTicket} */
    const ticket = await api.post("/api/v1/tickets", body);
    showTicket(ticket);
  } catch (error) {
    if (error instanceof ApiError && error.code === "centre_closed") showHours(false, error.opensAt);
    else if (error instanceof ApiError && error.code === "store_unavailable") {
      // Until the server is restarted (the live feed's next snapshot says it is back).
      state.storeDown = true;
      showHome();
    } else if (error instanceof ApiError && error.code === "kiosk_out_of_order") {
      showPrinting({ ...(state.printing ?? { name: "", kind: "kiosk" }), up: false, screen_tickets: false });
    } else showError(errorText(error));
  } finally {
    $("#issuing").hidden = true;
  }
}

/** @param {IssuedTicket} ticket */
function showTicket(ticket) {
  const service = state.services.get(ticket.service);
  const ok = fillTicketCard(ticket, { centre: state.centre, service, papers: state.papers });
  $("#ticket").hidden = false;
  $("#start").hidden = true;
  $("#closed").hidden = true;
  $("#out-of-order").hidden = true;
  countdown(ok ? SHOW_TICKET_S : SHOW_UNPRINTED_S);
  speak(ticket);
}

/** Say the number aloud, in the citizen's language: for those who read with difficulty.
 * The tap that took the ticket lets the browser play sound.
 * @param {IssuedTicket} ticket
 */
async function speak(ticket) {
  $("#ticket-listen").hidden = true;
  if (state.spoken) URL.revokeObjectURL(state.spoken);
  state.spoken = null;
  try {
    const wav = await api.get(`/api/v1/tickets/${encodeURIComponent(ticket.tracking_code)}/voice`);
    if ($("#ticket").hidden) return; // the screen closed meanwhile
    state.spoken = URL.createObjectURL(wav);
    $("#ticket-listen").hidden = false;
    say(state.spoken);
  } catch {
    // No voice (none installed, or off): the ticket is on paper and on screen.
  }
}

/** @param {string | null} url */
function say(url) {
  if (!url) return;
  voice.src = url;
  voice.play().catch(() => {});
}

/** @param {number} seconds */
function countdown(seconds) {
  clearInterval(state.countdown);
  let left = seconds;
  const show = () => ($("#ticket-countdown").textContent = `(${left})`);
  show();
  state.countdown = setInterval(() => {
    left -= 1;
    if (left <= 0) reset();
    else show();
  }, 1000);
}

function reset() {
  clearInterval(state.countdown);
  voice.pause();
  $("#ticket-listen").hidden = true;
  clearTimeout(state.idle);
  if (language() !== homeLanguage()) setLanguage(homeLanguage(), { remember: false });
  $("#ticket").hidden = true;
  state.onScreen = false;
  showHome();
  booking.close();
  state.priority = null;
  state.query = "";
  state.found = null;
  state.papers = [];
  state.searches += 1; // an answer still on its way is for the last citizen
  search.value = "";
  keyboard.close();
  renderPriorities();
  renderServices();
}
