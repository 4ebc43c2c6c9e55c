// @ts-check
// The admin page: live counters and queues, the server's parts (voice, connected
// displays and devices, with a warning banner while one needs a hand), the last printed
// tickets as the printers were sent them, the daily report (js/report.js), staff accounts
// and machine tokens.

import { Api, el, waitingAt, $, $of } from "./common.js";
import { Live } from "./live.js";
import { loginForm } from "./login.js";
import { renderReport, renderReportError } from "./report.js";
import { renderBookedDay } from "./booked_slots.js";
import {
  loadCatalogs, languageButtons, onLanguageChange, t, localized, formatWait, errorText,
  language,
} from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').Counter} Counter */
/** @typedef {import('./messages.js').DailyReport} DailyReport */
/** @typedef {import('./messages.js').BookedDay} BookedDay */
/** @typedef {import('./messages.js').Device} Device */
/** @typedef {import('./messages.js').NewToken} NewToken */
/** @typedef {import('./messages.js').PrintedTicket} PrintedTicket */
/** @typedef {import('./messages.js').ServerStatus} ServerStatus */
/** @typedef {import('./messages.js').Service} Service */
/** @typedef {import('./messages.js').Session} Session */
/** @typedef {import('./messages.js').TokenInfo} TokenInfo */
/** @typedef {import('./messages.js').User} User */
/** The server's status, or why it could not be asked.
 * @typedef {Partial<ServerStatus> & { error?: string }} StatusShown */
/**
 * What the page says about one device (describeDevice).
 * @typedef {object} DeviceShown
 * @property {number} order printers first, then serial lines, then the others
 * @property {string} label
 * @property {string} [name]
 * @property {string} level ok, warn, bad or unknown
 * @property {string} state
 * @property {string} since
 * @property {string[]} details
 * @property {string} alert the banner's warning, empty when none
 */

const STATUS_EVERY_MS = 10000;
const PRINTED_URL = "/api/v1/devices/printers/tickets";
const REPORT_URL = "/api/v1/reports/daily";
const BOOKINGS_URL = "/api/v1/appointments/day";
/** Appointment events change today's slots: asked again this long after the last one. */
const BOOKINGS_SETTLE_MS = 500;
/** @type {Intl.DateTimeFormatOptions} */
const CLOCK = { hour: "2-digit", minute: "2-digit" };
/** @type {Intl.DateTimeFormatOptions} */
const DAY = { day: "2-digit", month: "2-digit", year: "numeric" };
const api = new Api();
/**
 * @type {{
 *   centre: Centre | null, session: Session | null, counters: Map<number, Counter>,
 *   services: Map<string, Service>, issued: number, status: StatusShown | null,
 *   devices: Map<string, Device>, printed: PrintedTicket[], users: User[], tokens: TokenInfo[],
 *   live: Live<"admin"> | null, lineTotals: Map<string, number>,
 *   report: DailyReport | null, reportError: unknown, bookings: BookedDay | null
 * }}
 */
const state = {
  centre: null, session: null, counters: new Map(), services: new Map(), issued: 0,
  status: null, devices: new Map(), printed: [], users: [], tokens: [], live: null,
  lineTotals: new Map(),
  report: null, reportError: null, bookings: null,
};
// Only the last report asked for is shown (a quick change of day answers out of order).
let reportAsked = 0;
let bookingsAsked = 0;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let bookingsPause;
// When each device's last "device" message came: a status answer asked before it is older.
/** @type {Map<string, number>} */
const deviceToldAt = new Map();
// The last printed tickets are fetched one request at a time; events meanwhile ask again.
let printedLoading = false;
let printedAgain = false;
// The thumbnails' <img> by record id, kept across renders so a new ticket does not make
// the page fetch every other image again (they are served with no-store).
/** @type {Map<number, HTMLImageElement>} */
const thumbnails = new Map();

// A printer's state (devices/escpos/protocol.py PrinterState): its colour, its words, and
// the warning the banner shows while it lasts.
/** @type {Record<string, { level: string, label: string, alert?: string }>} */
const PRINTER_STATES = {
  online: { level: "ok", label: "admin.printer.online" },
  paper_near_end: { level: "warn", label: "admin.printer.paper_near_end", alert: "admin.alert.paper_near_end" },
  paper_out: { level: "bad", label: "admin.printer.paper_out", alert: "admin.alert.paper_out" },
  cover_open: { level: "bad", label: "admin.printer.cover_open", alert: "admin.alert.cover_open" },
  offline: { level: "bad", label: "admin.printer.offline", alert: "admin.alert.offline" },
  not_answering: { level: "bad", label: "admin.printer.not_answering", alert: "admin.alert.not_answering" },
  unknown: { level: "unknown", label: "admin.printer.unknown" },
};
// Serial lines (devices/lines.py): what they are called, what hangs on them, the warning.
/**
 * @type {Record<string, {
 *   label: string, alert: string, units?: { text: string, online: string, total: string }
 * }>}
 */
const LINE_KINDS = {
  "keypad-line": {
    label: "admin.kind.keypad_line", alert: "admin.alert.keypad_line_offline",
    units: { text: "admin.keypads_online", online: "keypads_online", total: "keypads" },
  },
  "rf-receiver": { label: "admin.kind.rf_receiver", alert: "admin.alert.rf_receiver_offline" },
  "led-display-line": {
    label: "admin.kind.led_display_line", alert: "admin.alert.led_display_line_offline",
    units: { text: "admin.displays_online", online: "displays_online", total: "displays" },
  },
};

const username = $of(HTMLInputElement, "#username");
const reportDay = $of(HTMLSelectElement, "#report-day");
const ticketDialog = $of(HTMLDialogElement, "#ticket-dialog");
const userForm = $of(HTMLFormElement, "#user-form");
const tokenForm = $of(HTMLFormElement, "#token-form");

await loadCatalogs("admin");
languageButtons($("#languages"));
/** @type {Centre} */
const centre = await api.get("/api/v1/centre");
state.centre = centre;
onLanguageChange(renderAll);
$("#centre-name").textContent = localized(centre.name);

try {
  begin(await api.get("/api/v1/session"));
} catch {
  showLogin();
}

loginForm(api, begin);

reportDay.addEventListener("change", () => loadReport(reportDay.value));
$("#bookings-refresh").addEventListener("click", () => loadBookings());
$("#report-refresh").addEventListener("click", () => {
  // The newest day is asked as "the latest", so a refresh after midnight shows the new day.
  const day = reportDay.value;
  loadReport(day && day !== state.report?.days[0] ? day : null);
});

// The enlarged ticket closes with its button, Escape, or a click anywhere on it.
ticketDialog.addEventListener("click", () => ticketDialog.close());

$("#logout").addEventListener("click", async () => {
  try {
    await api.post("/api/v1/logout");
  } finally {
    location.reload();
  }
});

/**
 * A form's field as text ("" when the form has no such field).
 * @param {FormData} form
 * @param {string} name
 */
function field(form, name) {
  return String(form.get(name) ?? "");
}

userForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(userForm);
  await guarded(async () => {
    await api.post("/api/v1/users", {
      username: field(form, "username").trim(),
      name: field(form, "name").trim(),
      password: field(form, "password"),
      role: field(form, "role"),
      counters: field(form, "counters")
        .split(/[ ,]+/)
        .filter(Boolean)
        .map(Number),
    });
    userForm.reset();
    await loadAccounts();
  });
});

tokenForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(tokenForm);
  await guarded(async () => {
    /** @type {{ name: string, role: string, counter?: number }} */
    const body = { name: field(form, "name").trim(), role: field(form, "role") };
    if (form.get("counter")) body.counter = Number(form.get("counter"));
    /** @type {NewToken} */
    const made = await api.post("/api/v1/tokens", body);
    tokenForm.reset();
    showNewToken(made);
    await loadAccounts();
  });
});

function showLogin() {
  $("#dashboard").hidden = true;
  $("#login").hidden = false;
  username.focus();
}

/** @param {Session} session */
function begin(session) {
  if (!["admin", "supervisor"].includes(session.role)) {
    showLogin();
    const box = $("#login-error");
    box.textContent = t("admin.managers_only");
    box.hidden = false;
    return;
  }
  api.csrf = session.csrf_token;
  state.session = session;
  $("#who").textContent = session.name || session.user;
  $("#logout").hidden = false;
  $("#login").hidden = true;
  $("#dashboard").hidden = false;
  const isAdmin = session.role === "admin";
  $("#users-panel").hidden = !isAdmin;
  $("#tokens-panel").hidden = !isAdmin;
  /** @type {Live<"admin">} */
  const live = new Live(() => ({ role: session.role, view: "admin" }));
  state.live = live;
  live.on("snapshot", (m) => {
    state.counters = new Map(m.counters.map((c) => [c.id, c]));
    state.services = new Map(m.services.map((s) => [s.code, s]));
    state.lineTotals = new Map((m.waiting ?? []).map((w) => [String(w.line), w.total]));
    state.issued = m.issued_today ?? 0;
    for (const device of m.devices ?? []) state.devices.set(`${device.kind ?? "device"}:${device.name ?? ""}`, device);
    renderAll();
    loadPrinted();  // at the start and after a reconnect: tickets may have printed meanwhile
  });
  live.on("counter", (m) => {
    state.counters.set(m.counter.id, m.counter);
    renderCounters();
  });
  live.on("service", (m) => {
    state.services.set(m.service.code, m.service);
    renderServices();
  });
  live.on("waiting", (m) => {
    state.lineTotals.set(String(m.waiting.line), m.waiting.total);
    renderCounters();
  });
  live.on("events", (m) => {
    for (const event of m.events) {
      if (event.type === "TicketIssued") {
        state.issued += 1;
      } else if (event.type === "TicketPrinted" || event.type === "TicketPrintFailed") {
        loadPrinted();  // the print service kept the ticket and its image before telling
      } else if (event.type.startsWith("Appointment")) {
        clearTimeout(bookingsPause);
        bookingsPause = setTimeout(loadBookings, BOOKINGS_SETTLE_MS);
      }
    }
    $("#issued-today").textContent = String(state.issued);
  });
  // Device reports from the printers, keypads and display agents, whatever their kind.
  live.on("device", (m) => {
    const device = m.device;
    const key = `${device.kind ?? "device"}:${device.name ?? device.id ?? ""}`;
    state.devices.set(key, device);
    deviceToldAt.set(key, performance.now());
    renderDevices();
  });
  live.on("refused", (m) => {
    if (m.code !== 4401) return;
    live.stop(); // logged out (here or elsewhere), or the password changed: log in again
    showLogin();
  });
  live.start();
  refreshStatus();
  setInterval(refreshStatus, STATUS_EVERY_MS);
  if (isAdmin) loadAccounts();
  loadReport(null);
  $("#bookings").hidden = !centre.appointments?.enabled;
  if (centre.appointments?.enabled) loadBookings();
}

/** Today's slots per service (the centre's today: the server decides). */
async function loadBookings() {
  const asked = ++bookingsAsked;
  try {
    /** @type {BookedDay} */
    const day = await api.get(BOOKINGS_URL);
    if (asked !== bookingsAsked) return;
    state.bookings = day;
    $("#bookings-error").hidden = true;
    renderBookingsPanel();
  } catch (error) {
    if (asked !== bookingsAsked) return;
    $("#bookings-error").textContent = errorText(error);
    $("#bookings-error").hidden = false;
  }
}

function renderBookingsPanel() {
  if (state.bookings) renderBookedDay($("#bookings"), state.bookings, centre);
}

/**
 * Run an admin's change; show why it failed, if it did.
 * @param {() => Promise<void>} action
 */
async function guarded(action) {
  const box = $("#admin-error");
  box.hidden = true;
  try {
    await action();
  } catch (error) {
    box.textContent = errorText(error);
    box.hidden = false;
  }
}

async function refreshStatus() {
  const asked = performance.now();
  try {
    /** @type {ServerStatus} */
    const status = await api.get("/api/v1/status");
    state.status = status;
    for (const device of status.devices ?? []) {
      const key = `${device.kind ?? "device"}:${device.name ?? ""}`;
      if ((deviceToldAt.get(key) ?? -1) < asked) state.devices.set(key, device);
    }
  } catch (error) {
    state.status = { error: errorText(error) };
  }
  renderStatus();
  renderDevices();
}

async function loadPrinted() {
  if (printedLoading) {
    printedAgain = true;
    return;
  }
  printedLoading = true;
  try {
    do {
      printedAgain = false;
      try {
        state.printed = (await api.get(PRINTED_URL)).tickets;
      } catch {
        continue;  // kept as it was; the next event or reconnect asks again
      }
      renderPrinted();
    } while (printedAgain);
  } finally {
    printedLoading = false;
  }
}

/** @param {string | null} day YYYY-MM-DD; null: the latest */
async function loadReport(day) {
  const asked = ++reportAsked;
  let report = null;
  let error = null;
  try {
    report = await api.get(day ? `${REPORT_URL}?day=${encodeURIComponent(day)}` : REPORT_URL);
  } catch (failure) {
    error = failure;
  }
  if (asked !== reportAsked) return;
  state.report = report;
  state.reportError = error;
  renderReportPanel();
}

async function loadAccounts() {
  const [users, tokens] = await Promise.all([api.get("/api/v1/users"), api.get("/api/v1/tokens")]);
  state.users = users.users;
  state.tokens = tokens.tokens;
  renderAccounts();
}

function renderAll() {
  $("#centre-name").textContent = localized(centre.name);
  renderCounters();
  renderServices();
  renderStatus();
  renderDevices();
  renderPrinted();
  renderAccounts();
  renderReportPanel();
  renderBookingsPanel();
}

function renderReportPanel() {
  if (state.report) renderReport($("#report"), state.report, centre);
  else if (state.reportError) renderReportError($("#report"), state.reportError);
}

/** @param {string} code */
function serviceName(code) {
  const service = centre.services.find((s) => s.code === code);
  return service ? localized(service.name) : code;
}

function renderCounters() {
  const rows = [...state.counters.values()].sort((a, b) => a.id - b.id).map((c) =>
    el(
      "tr",
      { dataset: { counter: String(c.id) } },
      el("td", {}, t("common.counter_n", { counter: c.id })),
      el("td", {}, el("span", { class: `pill ${c.status}` }, t(`counter.status.${c.status}`))),
      el("td", { class: "mono" }, c.current ? `${c.current.number} (${t(`ticket.status.${c.current.status}`)})` : "—"),
      el("td", {}, c.services.map(serviceName).join(", ")),
      el("td", {}, String(waitingAt(c, state.lineTotals))),
    ),
  );
  $("#counters").replaceChildren(...rows);
}

function renderServices() {
  const rows = [...state.services.values()].map((s) =>
    el(
      "tr",
      { dataset: { service: s.code } },
      el("td", {}, localized(s.name)),
      el("td", {}, String(s.waiting)),
      el("td", {}, String(s.waiting_priority ?? 0)),
      el("td", {}, s.open_counters ? formatWait(s.estimated_wait_s) : t("kiosk.no_counter_open")),
      el("td", {}, String(s.open_counters)),
    ),
  );
  $("#services").replaceChildren(...rows);
  $("#issued-today").textContent = String(state.issued);
}

function renderStatus() {
  const status = state.status;
  const voice = status?.voice;
  const box = $("#voice");
  if (!status) {
    box.textContent = "";
  } else if (status.error) {
    box.textContent = status.error;
  } else if (voice?.available) {
    box.textContent = t("admin.voice_ok", { languages: voice.languages.join(", "), engine: voice.engine ?? "" });
    box.dataset.available = "true";
  } else {
    box.textContent = t("admin.voice_off", { reason: voice?.reason ?? "" });
    box.dataset.available = "false";
  }
  const connections = Object.entries(status?.connections ?? {});
  $("#connections").replaceChildren(
    ...(connections.length
      ? connections.map(([view, count]) => el("li", {}, t("admin.connected", { view: t(`view.${view}`), count })))
      : [el("li", { class: "muted" }, t("admin.nobody_connected"))]),
  );
}

/**
 * A name or code inside a sentence, kept in its own direction (Latin names in Arabic).
 * @param {string} text
 */
function isolate(text) {
  return `\u2068${text}\u2069`;
}

function locale() {
  return language() === "ar" ? "ar-u-nu-latn" : language();
}

/**
 * A moment as the centre's clocks (and its printed tickets) show it: in the offset the
 * server wrote (2026-11-28T08:15:02+07:00 is 08:15 wherever the page is opened).
 * @param {string | null | undefined} iso
 * @param {Intl.DateTimeFormatOptions} options
 * @param {Date} [date] the moment, when not `iso` itself
 */
function centreTime(iso, options, date = new Date(/** @type {string} */ (iso))) {
  const offset = /([+-]\d\d:\d\d)$/.exec(iso ?? "")?.[1];
  try {
    return new Intl.DateTimeFormat(locale(), { ...options, hour12: false, timeZone: offset }).format(date);
  } catch {
    return new Intl.DateTimeFormat(locale(), { ...options, hour12: false }).format(date);
  }
}

/**
 * "08:15 (25 minutes ago)", with the date when it was not today.
 * @param {string | null | undefined} iso
 */
function sinceText(iso) {
  const date = iso ? new Date(iso) : null;
  if (!date || Number.isNaN(date.getTime())) return "";
  const now = new Date();
  const today = centreTime(iso, DAY, date) === centreTime(iso, DAY, now);
  const time = centreTime(iso, today ? CLOCK : { day: "2-digit", month: "2-digit", ...CLOCK }, date);
  const seconds = Math.max(0, (now.getTime() - date.getTime()) / 1000);
  const relative = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  const ago =
    seconds < 60
      ? relative.format(0, "second")
      : seconds < 3600
        ? relative.format(-Math.floor(seconds / 60), "minute")
        : seconds < 86400
          ? relative.format(-Math.floor(seconds / 3600), "hour")
          : relative.format(-Math.floor(seconds / 86400), "day");
  return t("admin.since_time", { time, ago });
}

/**
 * What the page says about one device: its colour, state, details and any warning.
 * @param {Device} device
 * @returns {DeviceShown}
 */
function describeDevice(device) {
  if (device.kind === "printer") {
    const known = PRINTER_STATES[device.state ?? ""] ?? PRINTER_STATES.unknown;
    return {
      order: 0,
      label: t("admin.kind.printer"),
      level: known.level,
      state: t(known.label),
      since: sinceText(device.since),
      details: [
        device.paper_mm ? t("admin.paper_width", { mm: device.paper_mm }) : "",
        device.connection ?? "",
      ],
      alert: known.alert ? t(known.alert, { printer: isolate(device.name) }) : "",
    };
  }
  const line = LINE_KINDS[device.kind];
  if (line) {
    const name = device.line ?? device.name;
    const details = [];
    if (line.units) {
      details.push(t(line.units.text, { online: device[line.units.online] ?? 0, total: device[line.units.total] ?? 0 }));
    }
    if (device.codes !== undefined) details.push(t("admin.codes_heard", { count: device.codes }));
    if (device.corrupt_frames !== undefined) details.push(t("admin.corrupt_frames", { count: device.corrupt_frames }));
    return {
      order: 1,
      label: t(line.label),
      name,
      level: device.up ? "ok" : "bad",
      state: t(device.up ? "admin.line.online" : "admin.line.offline"),
      since: "",
      details,
      alert: device.up ? "" : t(line.alert, { line: isolate(name) }),
    };
  }
  return { order: 2, label: device.kind ?? "", level: device.up ? "ok" : "bad", state: device.up ? "✓" : "✗", since: "", details: [], alert: "" };
}

function renderDevices() {
  const devices = [...state.devices.values()]
    .map((device) => ({ device, shown: describeDevice(device) }))
    .sort((a, b) => a.shown.order - b.shown.order || String(a.device.name).localeCompare(String(b.device.name)));
  const rows = devices.map(({ device, shown }) =>
    el(
      "tr",
      {
        dataset: { device: `${device.kind ?? ""}:${device.name ?? ""}`, state: device.state ?? (device.up ? "online" : "offline"), level: shown.level },
        title: device.detail || null,
      },
      el("td", {}, el("strong", { class: "mono" }, shown.name ?? device.name ?? ""), el("div", { class: "muted small" }, shown.label)),
      el("td", {}, el("span", { class: `pill device-state ${shown.level}` }, shown.state)),
      el("td", { class: "since" }, shown.since || "—"),
      el("td", { class: "small" }, shown.details.filter(Boolean).join(" · ")),
    ),
  );
  $("#devices").replaceChildren(...rows);
  $("#devices-empty").hidden = rows.length > 0;
  // The banner: every device that needs a hand, the ones that stop work first.
  const alerts = devices
    .filter(({ shown }) => shown.alert)
    .sort((a, b) => (a.shown.level === "bad" ? 0 : 1) - (b.shown.level === "bad" ? 0 : 1))
    .map(({ device, shown }) =>
      el(
        "p",
        { class: `device-alert ${shown.level}`, dataset: { device: `${device.kind ?? ""}:${device.name ?? ""}`, level: shown.level } },
        el("span", { class: "device-alert-icon", "aria-hidden": "true" }, "⚠"),
        " ",
        shown.alert,
      ),
    );
  const banner = $("#device-alerts");
  banner.replaceChildren(...alerts);
  banner.hidden = alerts.length === 0;
}

/** @param {PrintedTicket} ticket */
function thumbnail(ticket) {
  let image = thumbnails.get(ticket.id);
  if (!image) {
    image = el("img", { src: ticket.image_url, alt: "", decoding: "async" });
    thumbnails.set(ticket.id, image);
  }
  return image;
}

/**
 * When, and on which printer (or that none could print it).
 * @param {PrintedTicket} ticket
 */
function printedFacts(ticket) {
  return [centreTime(ticket.at, CLOCK), ticket.status === "printed" ? ticket.printer : t("admin.not_printed")];
}

/** @param {PrintedTicket} ticket */
function enlarge(ticket) {
  const image = $of(HTMLImageElement, "#ticket-dialog-image");
  image.src = ticket.image_url ?? "";
  image.alt = t("admin.ticket_image", { number: ticket.number });
  $("#ticket-dialog-caption").textContent = [ticket.number, ...printedFacts(ticket)].join(" · ");
  ticketDialog.showModal();
}

function renderPrinted() {
  const shown = new Set(state.printed.map((p) => p.id));
  for (const id of thumbnails.keys()) if (!shown.has(id)) thumbnails.delete(id);
  const items = state.printed.map((p) =>
    el(
      "li",
      {
        class: `printed-ticket ${p.status}`,
        dataset: { printed: String(p.id), status: p.status, number: p.number },
        title: p.status === "printed" ? null : t("admin.print_failed", { reason: p.reason }),
      },
      p.image_url
        ? el(
            "button",
            { type: "button", class: "thumb", "aria-label": t("admin.ticket_enlarge", { number: p.number }), onclick: () => enlarge(p) },
            thumbnail(p),
          )
        : el("span", { class: "thumb none", "aria-hidden": "true" }, "✗"),
      el("strong", { class: "printed-number mono" }, p.number),
      el("span", { class: "printed-meta" }, printedFacts(p).join(" · ")),
    ),
  );
  $("#printed").replaceChildren(...items);
  $("#printed-empty").hidden = items.length > 0;
}

function renderAccounts() {
  $("#users").replaceChildren(
    ...state.users.map((u) =>
      el(
        "tr",
        {},
        el("td", { class: "mono" }, u.username),
        el("td", {}, u.name),
        el("td", {}, t(`role.${u.role}`)),
        el("td", {}, u.counters.length ? u.counters.join(", ") : "—"),
      ),
    ),
  );
  $("#tokens").replaceChildren(
    ...state.tokens.map((token) =>
      el(
        "tr",
        { dataset: { token: token.name } },
        el("td", { class: "mono" }, token.name),
        el("td", {}, t(`role.${token.role}`)),
        el("td", {}, token.counter ? String(token.counter) : "—"),
        el(
          "td",
          {},
          token.revoked
            ? t("admin.revoked")
            : el(
                "button",
                {
                  type: "button",
                  class: "small-button",
                  onclick: () =>
                    guarded(async () => {
                      await api.post(`/api/v1/tokens/${encodeURIComponent(token.name)}/revoke`);
                      await loadAccounts();
                    }),
                },
                t("admin.revoke"),
              ),
        ),
      ),
    ),
  );
}

/** @param {NewToken} made */
function showNewToken(made) {
  $("#new-token").hidden = false;
  $("#new-token-value").textContent = made.token;
  const base = location.origin;
  const bound = made.info.counter; // a display bound to a counter: its display and its rating tablet
  /** @type {Record<string, string[]>} */
  const byRole = {
    kiosk: ["/kiosk"],
    display: bound
      ? [`/counter/${bound}`, `/rate/${bound}`]
      : ["/hall", ...centre.counters.map((c) => `/counter/${c.id}`)],
    device: [],
    admin: [],
  };
  const pages = byRole[made.info.role] ?? [];
  $("#new-token-links").replaceChildren(
    ...pages.map((path) => el("li", { class: "mono" }, `${base}${path}#token=${made.token}`)),
  );
}
