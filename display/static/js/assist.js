// @ts-check
// The volunteers' tablet: a volunteer in the hall finds the service for the citizen in
// front of them with the procedure finder (their own words: "lam so do"), chooses the
// priority class and the citizen's language, and issues the ticket.  It prints on the
// hall's printer the volunteer picks; with none (or one that could not print) the
// ticket shows big on the tablet, in the citizen's language, with its QR code to
// photograph.  Beside it, every line's waiting count and wait, live (the kiosk's view).

import { Api, ApiError, el, $, $of } from "./common.js";
import { Live } from "./live.js";
import { sessionPage } from "./login.js";
import { askFinder, followSearch, lineFacts, servicesFor } from "./service_search.js";
import { drawTicketCard, fillTicketCard } from "./ticket_card.js";
import {
  loadCatalogs, languageButtons, onLanguageChange, t, localized, fold, formatWait, errorText, language,
  selfName, setLanguage, setTimeZone,
} from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').FoundService} FoundService */
/** @typedef {import('./messages.js').IssuedTicket} IssuedTicket */
/** @typedef {import('./messages.js').Printers} Printers */
/** @typedef {import('./messages.js').PrinterView} PrinterView */
/** @typedef {import('./messages.js').Service} Service */
/** @typedef {import('./messages.js').Session} Session */

/** Who may use the tablet: volunteers, and the managers who train them. */
const TABLET_ROLES = new Set(["volunteer", "supervisor", "admin"]);
/** The printers' states are asked again this often (and after each ticket). */
const PRINTERS_EVERY_MS = 20000;
const ON_TABLET = "";

const api = new Api();
/**
 * @type {{
 *   services: Map<string, Service>, found: Map<string, FoundService> | null, query: string,
 *   searches: number, chosen: string | null, priority: string | null, ticketLang: string,
 *   printers: PrinterView[], printer: string, live: Live<"kiosk"> | null, ownLang: string | null
 * }}
 */
const state = {
  services: new Map(), found: null, query: "", searches: 0, chosen: null, priority: null,
  ticketLang: "vi", printers: [], printer: ON_TABLET, live: null, ownLang: null,
};

await loadCatalogs("assist");
drawTicketCard();
languageButtons($("#languages"));
/** @type {Centre} */
const centre = await api.get("/api/v1/centre");
setTimeZone(centre.timezone);
state.ticketLang = centre.languages[0] ?? "vi";
$("#centre-name").textContent = localized(centre.name);
const search = $of(HTMLInputElement, "#search");
const printerSelect = $of(HTMLSelectElement, "#printer");
onLanguageChange(() => {
  $("#centre-name").textContent = localized(centre.name);
  if ($("#ticket").hidden) renderAll();
});

const showLogin = sessionPage(api, {
  roles: TABLET_ROLES, refusal: "assist.volunteers_only", board: "#desk", start: begin,
});
followSearch(
  search,
  (text) => {
    state.query = fold(text);
    renderServices();
  },
  findProcedures,
);
printerSelect.addEventListener("change", () => (state.printer = printerSelect.value));
$("#issue").addEventListener("click", issue);
$("#ticket-done").addEventListener("click", nextCitizen);
setInterval(() => {
  if (!$("#desk").hidden) loadPrinters();
}, PRINTERS_EVERY_MS);

/** Once logged in: the live waits and the hall's printers.
 * @param {Session} session */
function begin(session) {
  state.live?.stop();
  /** @type {Live<"kiosk">} */
  const live = new Live(() => ({ role: session.role, view: "kiosk" }));
  state.live = live;
  live.on("snapshot", (m) => {
    state.services = new Map(m.services.map((s) => [s.code, s]));
    renderServices();
    renderWaits();
  });
  live.on("service", (m) => {
    state.services.set(m.service.code, m.service);
    renderServices();
    renderWaits();
  });
  live.on("refused", () => {
    // The session ended elsewhere (logged out, password changed): log in again.
    live.stop();
    showLogin();
  });
  live.start();
  loadPrinters();
  renderAll();
}

function renderAll() {
  renderServices();
  renderChoices();
  renderPrinters();
  renderWaits();
}

/**
 * The finder's services for the volunteer's words, best first (only the latest answer
 * counts; without one the tiles filter on names).
 * @param {string} text
 */
async function findProcedures(text) {
  const asked = ++state.searches;
  let found = null;
  try {
    found = text.trim() ? await askFinder(text, language()) : null;
  } catch {
    // Rate-limited or offline: the names still filter.
  }
  if (asked !== state.searches) return;
  state.found = found;
  renderServices();
}

function renderServices() {
  const tiles = servicesFor(state.query, state.query ? state.found : null, [...state.services.values()]).map(
    (service) => {
      const procedure = state.query ? state.found?.get(service.code)?.procedure : null;
      const tile = el(
        "button",
        {
          type: "button",
          class: "tile",
          "aria-pressed": String(service.code === state.chosen),
          dataset: { service: service.code },
          onclick: () => choose(service.code),
        },
        el("span", { class: "tile-name" }, localized(service.name)),
        procedure ? el("span", { class: "tile-procedure" }, procedure.name) : null,
        el("span", { class: "tile-facts" }, lineFacts(service)),
      );
      return el("div", { class: "tile-item", role: "listitem" }, tile);
    },
  );
  $("#services").replaceChildren(...tiles);
  $("#no-match").hidden = tiles.length > 0 || state.services.size === 0;
}

/** @param {string} code */
function choose(code) {
  state.chosen = code;
  showError("");
  renderServices();
  renderChoices();
}

/** The chosen service (and procedure), the priority classes, the citizen's language. */
function renderChoices() {
  const service = state.chosen ? state.services.get(state.chosen) : undefined;
  const procedure = state.chosen && state.query ? state.found?.get(state.chosen)?.procedure : null;
  $("#chosen").textContent = service
    ? [localized(service.name), procedure?.name].filter(Boolean).join(" — ")
    : t("assist.no_service");
  $of(HTMLButtonElement, "#issue").disabled = !service;
  /** @type {{ code: string | null, label: string }[]} */
  const classes = [
    { code: null, label: t("kiosk.priority_none") },
    // A class whose card a person checks is given at the reception desk, as at the kiosk.
    ...centre.priority_classes.filter((p) => !p.at_desk).map((p) => ({ code: p.code, label: localized(p.name) })),
  ];
  $("#priorities").replaceChildren(
    ...classes.map((choice) =>
      pressable(choice.label, choice.code === state.priority, () => {
        state.priority = choice.code;
        renderChoices();
      }, { priority: choice.code ?? "" }),
    ),
  );
  $("#ticket-languages").replaceChildren(
    ...centre.languages.map((lang) => {
      const button = pressable(selfName(lang), lang === state.ticketLang, () => {
        state.ticketLang = lang;
        renderChoices();
      }, { lang });
      button.lang = lang;
      return button;
    }),
  );
}

/**
 * @param {string} label
 * @param {boolean} pressed
 * @param {() => void} onclick
 * @param {Record<string, string>} dataset
 */
function pressable(label, pressed, onclick, dataset) {
  return el("button", { type: "button", class: "priority-choice", "aria-pressed": String(pressed), dataset, onclick }, label);
}

async function loadPrinters() {
  try {
    /** @type {Printers} */
    const answer = await api.get("/api/v1/devices/printers");
    state.printers = answer.printers;
  } catch {
    state.printers = [];
  }
  renderPrinters();
}

/** The hall's printers that can print, and "show it on this tablet"; a printer that went
 * down while chosen falls back to the tablet. */
function renderPrinters() {
  const working = state.printers.filter((p) => p.up);
  if (!working.some((p) => p.name === state.printer)) state.printer = ON_TABLET;
  const options = [
    el("option", { value: ON_TABLET }, t("assist.on_tablet")),
    ...working.map((p) => el("option", { value: p.name }, t("assist.print_on", { printer: p.name }))),
  ];
  printerSelect.replaceChildren(...options);
  printerSelect.value = state.printer;
}

function renderWaits() {
  const rows = [...state.services.values()].map((service) =>
    el(
      "tr",
      { dataset: { service: service.code } },
      el("td", { class: "line-name" }, localized(service.name)),
      el("td", {}, String(service.waiting)),
      el("td", {}, service.open_counters === 0 ? t("kiosk.no_counter_open") : service.waiting ? formatWait(service.estimated_wait_s) : "—"),
    ),
  );
  $("#waits").replaceChildren(...rows);
}

/** @param {string} text */
function showError(text) {
  $("#assist-error").textContent = text;
  $("#assist-error").hidden = !text;
}

async function issue() {
  const code = state.chosen;
  if (!code) return;
  showError("");
  $("#issuing").hidden = false;
  try {
    const papers = await papersToBring(code);
    /** @type {{ service: string, lang: string, priority?: string, printer?: string }} */
    const body = { service: code, lang: state.ticketLang };
    if (state.priority) body.priority = state.priority;
    if (state.printer) body.printer = state.printer;
    /** @type {IssuedTicket} */
    const ticket = await api.post("/api/v1/tickets", body);
    showTicket(ticket, papers);
  } catch (error) {
    showError(errorText(error));
    if (error instanceof ApiError && error.code === "unknown_printer") loadPrinters();
  } finally {
    $("#issuing").hidden = true;
  }
}

/**
 * The papers to bring for the procedure the finder named, in the citizen's language (the
 * tiles speak the volunteer's); none when no procedure was named or the finder is away.
 * @param {string} code the chosen service
 * @returns {Promise<string[]>}
 */
async function papersToBring(code) {
  const procedure = state.query ? state.found?.get(code)?.procedure : null;
  if (!procedure) return [];
  if (state.ticketLang === language()) return procedure.papers;
  try {
    const found = await askFinder(search.value, state.ticketLang);
    return found.get(code)?.procedure?.papers ?? [];
  } catch {
    return [];
  }
}

/**
 * The ticket, big, in the citizen's language: the volunteer turns the tablet to them.
 * @param {IssuedTicket} ticket
 * @param {string[]} papers
 */
function showTicket(ticket, papers) {
  state.ownLang = language();
  setLanguage(ticket.lang, { remember: false });
  fillTicketCard(ticket, { centre, service: state.services.get(ticket.service), papers });
  $("#print-ok").textContent = t("assist.printed_on", { printer: ticket.print.printer ?? "" });
  $("#ticket").hidden = false;
  $("#ticket-done").focus();
}

/** Back to the volunteer's language and a clean form for the next citizen. */
function nextCitizen() {
  $("#ticket").hidden = true;
  if (state.ownLang) setLanguage(state.ownLang, { remember: false });
  state.ownLang = null;
  state.chosen = null;
  state.priority = null;
  state.query = "";
  state.found = null;
  state.searches += 1;
  state.ticketLang = centre.languages[0] ?? "vi";
  search.value = "";
  renderAll();
  loadPrinters();
  search.focus();
}
