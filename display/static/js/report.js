// @ts-check
// The daily report on the admin page: what the centre's head reads at a glance, drawn
// from GET /api/v1/reports/daily alone (no fetching here, so admin.js owns the wiring).
// Figures the server could not compute (null) show as "—"; numbers follow the page's
// language and sit in left-to-right islands, so "08:00–09:00" reads the same in Arabic.

import { el, $, $of } from "./common.js";
import { t, localized, language, errorText } from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').DailyReport} DailyReport */
/** @typedef {import('./messages.js').Rating} Rating */
/** @typedef {import('./messages.js').Satisfaction} Satisfaction */
/** @typedef {number | null | undefined} Figure a figure the server could not compute is null */

const NONE = "—";
const CSV_URL = "/api/v1/reports/daily.csv";
const LEVELS = ["rating.very_satisfied", "rating.satisfied", "rating.neutral", "rating.dissatisfied"];

/**
 * Fill the report section `root` (admin.html #report) from one day's report.
 * @param {HTMLElement} root
 * @param {DailyReport} report
 * @param {Centre} centre
 */
export function renderReport(root, report, centre) {
  const select = $of(HTMLSelectElement, "#report-day", root);
  select.replaceChildren(...report.days.map((day) => el("option", { value: day }, dayName(day))));
  select.value = report.day;
  select.disabled = false;
  const csv = $of(HTMLAnchorElement, "#report-csv", root);
  csv.href = `${CSV_URL}?day=${encodeURIComponent(report.day)}`;
  csv.hidden = false;
  const staffCsv = $of(HTMLAnchorElement, "#report-csv-staff", root);
  staffCsv.href = `${CSV_URL}?day=${encodeURIComponent(report.day)}&rows=staff`;
  staffCsv.hidden = false;
  showNote(root, report.complete ? "" : t("report.partial"));
  $("#report-body", root).replaceChildren(
    headline(report),
    el(
      "div",
      { class: "report-grid" },
      block("report.by_service", servicesTable(report.services, centre), "wide"),
      block("report.by_counter", countersTable(report.counters, centre), "wide"),
      block("report.by_staff", staffTable(report.staff), "wide"),
      block("report.satisfaction", satisfactionBars(report.satisfaction)),
      block("report.priority_vs_normal", priorityTable(report.priority)),
      centre.appointments?.enabled || report.booking.appointments.booked || report.booking.booked.issued
        ? block("report.booked_vs_walk_in", bookingTable(report.booking), "wide")
        : null,
      block("report.by_hour", hoursTable(report.hours)),
    ),
  );
}

/**
 * No report to show: no day in the log yet (404 with no days), or the request failed.
 * @param {HTMLElement} root
 * @param {unknown} error an ApiError, or whatever else was thrown
 */
export function renderReportError(root, error) {
  const none = /** @type {{ code?: string } | null | undefined} */ (error)?.code === "unknown_day";
  $of(HTMLSelectElement, "#report-day", root).replaceChildren();
  $of(HTMLSelectElement, "#report-day", root).disabled = true;
  for (const link of ["#report-csv", "#report-csv-staff"]) {
    $(link, root).hidden = true;
    $(link, root).removeAttribute("href");
  }
  showNote(root, none ? t("report.no_day") : errorText(error));
  $("#report-body", root).replaceChildren();
}

/**
 * @param {HTMLElement} root
 * @param {string} text
 */
function showNote(root, text) {
  const note = $("#report-note", root);
  note.textContent = text;
  note.hidden = !text;
}

// ---- numbers ----

function locale() {
  return language() === "ar" ? "ar-u-nu-latn" : language(); // the page's clocks use these digits
}

/** @param {Figure} n */
function count(n) {
  return n === null || n === undefined ? NONE : new Intl.NumberFormat(locale()).format(n);
}

/**
 * Whole seconds as minutes and seconds ("3:24"), as people count a wait.
 * @param {Figure} s
 */
function duration(s) {
  if (s === null || s === undefined) return NONE;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

/**
 * Whole seconds as hours and minutes ("1:05"), as people count a working day.
 * @param {Figure} s
 */
function hours(s) {
  if (s === null || s === undefined) return NONE;
  const total = Math.round(s / 60);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/** @param {Figure} s */
function share(s) {
  if (s === null || s === undefined) return NONE;
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(s);
}

/**
 * A number in a cell, kept left to right inside right-to-left text.
 * @param {string} text
 */
function num(text) {
  return el("span", { dir: "ltr", class: "num" }, text);
}

/** @param {string} day YYYY-MM-DD */
function dayName(day) {
  const [y, m, d] = day.split("-").map(Number);
  /** @type {Intl.DateTimeFormatOptions} */
  const format = { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" };
  return new Intl.DateTimeFormat(locale(), format).format(new Date(Date.UTC(y, m - 1, d)));
}

// ---- parts ----

/** @param {DailyReport} report */
function headline(report) {
  const { tickets, wait_minutes: wait, satisfaction } = report;
  /**
   * @param {string} name
   * @param {string} label
   * @param {string} value
   * @param {string} [note]
   */
  const figure = (name, label, value, note = "") =>
    el(
      "div",
      { class: "figure", dataset: { figure: name } },
      el("span", { class: "figure-label" }, t(label)),
      el("strong", { class: "figure-value" }, num(value)),
      note ? el("span", { class: "figure-note" }, note) : null,
    );
  const inMinutes = (/** @type {Figure} */ m) => (m === null || m === undefined ? "" : t("report.minutes"));
  return el(
    "div",
    { class: "report-headline" },
    el(
      "div",
      { class: "figures" },
      figure("issued", "report.issued", count(tickets.issued)),
      figure("served", "report.served", count(tickets.served)),
      figure("no_show", "report.no_show", count(tickets.no_show)),
      figure("wait_median", "report.wait_median", duration(wait.median_s), inMinutes(wait.median_s)),
      figure("wait_ninetieth", "report.wait_ninetieth", duration(wait.p90_s), inMinutes(wait.p90_s)),
      figure("wait_longest", "report.wait_longest", duration(wait.max_s), inMinutes(wait.max_s)),
      figure(
        "within_target",
        "report.within_target",
        share(report.wait_target?.within_share),
        t("report.target_minutes", { minutes: count(report.wait_target?.minutes) }),
      ),
      figure(
        "satisfied",
        "report.satisfied_share",
        share(satisfaction.satisfied_share),
        t("report.rated_count", { count: count(satisfaction.rated) }),
      ),
    ),
    el(
      "p",
      { class: "muted report-others" },
      t("report.others", {
        cancelled: count(tickets.cancelled),
        expired: count(tickets.expired),
        ended: count(tickets.ended_unstarted),
        open: count(tickets.open),
      }),
    ),
  );
}

/**
 * @param {string} title
 * @param {HTMLElement} content
 * @param {string} [wide]
 */
function block(title, content, wide = "") {
  return el("section", { class: `report-block ${wide}` }, el("h3", {}, t(title)), content);
}

/**
 * A table whose first column is words and the others numbers.
 * @param {string} className
 * @param {string[]} headers catalog keys
 * @param {HTMLElement[]} rows
 */
function table(className, headers, rows) {
  return el(
    "table",
    { class: `report-table ${className}` },
    el("thead", {}, el("tr", {}, ...headers.map((key, i) => el("th", { class: i ? "n" : null }, t(key))))),
    el("tbody", {}, ...rows),
  );
}

/**
 * @param {Record<string, string>} dataset
 * @param {string} name
 * @param {...string} figures
 */
function row(dataset, name, ...figures) {
  return el("tr", { dataset }, el("td", {}, name), ...figures.map((f) => el("td", { class: "n" }, num(f))));
}

/**
 * @param {DailyReport["services"]} services
 * @param {Centre} centre
 */
function servicesTable(services, centre) {
  const names = new Map(centre.services.map((s) => [s.code, localized(s.name)]));
  return table(
    "report-services",
    [
      "report.col_service", "report.col_issued", "report.col_served", "report.col_no_show",
      "report.col_wait_median", "report.col_wait_ninetieth", "report.col_service_median",
      "report.col_satisfied",
    ],
    services.map((s) =>
      row(
        { service: s.code },
        names.get(s.code) || s.code,
        count(s.issued),
        count(s.served),
        count(s.no_show),
        duration(s.wait_minutes.median_s),
        duration(s.wait_minutes.p90_s),
        duration(s.service_minutes.median_s),
        share(s.satisfaction.satisfied_share),
      ),
    ),
  );
}

/**
 * @param {DailyReport["counters"]} counters
 * @param {Centre} centre
 */
function countersTable(counters, centre) {
  const named = new Map(centre.counters.map((c) => [c.id, localized(c.name)]));
  return table(
    "report-counters",
    [
      "report.col_counter", "report.col_called", "report.col_served", "report.col_service_median",
      "report.col_rated", "report.col_satisfied",
    ],
    counters.map((c) =>
      row(
        { counter: String(c.id) },
        named.get(c.id) || t("common.counter_n", { counter: c.id }),
        count(c.called),
        count(c.served),
        duration(c.service_minutes.median_s),
        count(c.satisfaction.rated),
        share(c.satisfaction.satisfied_share),
      ),
    ),
  );
}

/**
 * One row per person signed in at a counter today, by account name: whatever happened at
 * their counter while they held it, pressed on the console, the keypad or the radio button.
 * @param {DailyReport["staff"]} people
 */
function staffTable(people) {
  if (!people.length) return el("p", { class: "muted report-no-staff" }, t("report.no_staff"));
  return table(
    "report-staff",
    [
      "report.col_staff", "report.col_counters", "report.col_served", "report.col_service_median",
      "report.col_service_ninetieth", "report.col_no_show", "report.col_satisfied",
      "report.col_open", "report.col_paused",
    ],
    people.map((p) =>
      row(
        { staff: p.staff },
        p.staff,
        p.counters.join(", "),
        count(p.served),
        duration(p.service_minutes.median_s),
        duration(p.service_minutes.p90_s),
        count(p.no_show),
        share(p.satisfaction.satisfied_share),
        hours(p.open_s),
        hours(p.paused_s),
      ),
    ),
  );
}

/** A bar whose length is `part` of its track (0..1), drawn through CSSOM: the page's
 * Content-Security-Policy forbids style attributes, not style properties set by script.
 * @param {number} part
 */
function bar(part) {
  const fill = el("span", { class: "bar" });
  fill.style.setProperty("--part", String(Math.max(0, Math.min(1, part || 0))));
  return el("span", { class: "bar-track", "aria-hidden": "true" }, fill);
}

/** @param {Satisfaction} satisfaction */
function satisfactionBars(satisfaction) {
  const rated = satisfaction.rated;
  const items = LEVELS.map((key) => {
    const level = /** @type {Rating} */ (key.slice("rating.".length));
    const n = satisfaction[level] ?? 0;
    return el(
      "li",
      { dataset: { level } },
      el("span", { class: "bar-label" }, t(key)),
      bar(rated ? n / rated : 0),
      el("span", { class: "bar-count" }, num(count(n))),
    );
  });
  return el(
    "div",
    {},
    el("ul", { class: "plain-list report-bars" }, ...items),
    el("p", { class: "muted" }, t("report.rated_count", { count: count(rated) })),
  );
}

/** @param {DailyReport["priority"]} priority */
function priorityTable(priority) {
  /**
   * @param {"priority" | "normal"} name
   * @param {string} label
   */
  const group = (name, label) => {
    const g = priority[name];
    return row({ group: name }, t(label), count(g.issued), count(g.served), duration(g.wait_minutes.median_s));
  };
  return table(
    "report-priority",
    ["report.col_group", "report.col_issued", "report.col_served", "report.col_wait_median"],
    [group("priority", "report.priority"), group("normal", "report.normal")],
  );
}

/**
 * Booked against walk-in tickets (a late check-in waited as a walk-in, so counts as one),
 * and what became of the day's bookings: the no-shows of bookings are the missed ones.
 * @param {DailyReport["booking"]} booking
 */
function bookingTable(booking) {
  /**
   * @param {"booked" | "walk_in"} name
   * @param {string} label
   */
  const group = (name, label) => {
    const g = booking[name];
    return row(
      { group: name },
      t(label),
      count(g.issued),
      count(g.served),
      count(g.no_show),
      duration(g.wait_minutes.median_s),
      duration(g.wait_minutes.p90_s),
    );
  };
  const a = booking.appointments;
  return el(
    "div",
    {},
    table(
      "report-booking",
      [
        "report.col_group", "report.col_issued", "report.col_served", "report.col_no_show",
        "report.col_wait_median", "report.col_wait_ninetieth",
      ],
      [group("booked", "report.booked"), group("walk_in", "report.walk_in")],
    ),
    el(
      "p",
      { class: "muted report-bookings" },
      t("report.bookings", {
        share: share(booking.booked_share),
        booked: count(a.booked),
        cancelled: count(a.cancelled),
        checked_in: count(a.checked_in),
        late: count(a.checked_in_late),
        missed: count(a.missed),
      }),
    ),
  );
}

/** Every hour from the first arrival to the last, the quiet ones (lunch) included. */
/** @param {DailyReport["hours"]} hours */
function hoursTable(hours) {
  const given = new Map(hours.map((h) => [h.hour, h]));
  /** @type {{ hour: number, issued: number, wait_minutes: { median_s: number | null } }[]} */
  const all = [];
  if (hours.length) {
    for (let hour = hours[0].hour; hour <= hours[hours.length - 1].hour; hour += 1) {
      all.push(given.get(hour) ?? { hour, issued: 0, wait_minutes: { median_s: null } });
    }
  }
  const most = Math.max(1, ...all.map((h) => h.issued));
  const clock = (/** @type {number} */ hour) => `${String(hour).padStart(2, "0")}:00`;
  return table(
    "report-hours",
    ["report.col_hour", "report.col_issued", "report.col_wait_median"],
    all.map((h) =>
      el(
        "tr",
        { dataset: { hour: String(h.hour) } },
        el("td", {}, num(`${clock(h.hour)}–${clock(h.hour + 1)}`)),
        el("td", { class: "n" }, el("div", { class: "with-bar" }, bar(h.issued / most), num(count(h.issued)))),
        el("td", { class: "n" }, num(duration(h.wait_minutes.median_s))),
      ),
    ),
  );
}
