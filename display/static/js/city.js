// @ts-check
// The city's view of every centre (`/city`): one row each, sortable, a row amber or red
// when someone has waited past the city's waits, kept live by the city service's
// websocket (rows pushed as the centres' events land in PostgreSQL).

import { Api, el, $, $of } from "./common.js";
import { loadCatalogs, languageButtons, onLanguageChange, t, errorText, formatTime, setTimeZone } from "./i18n.js";
import { formatDuration } from "./durations.js";
import { liveRows, longestWaitNow, waitClass, formatShare, formatLag } from "./city_live.js";

/** @typedef {import('./city_live.js').CityRow} CityRow */
/** @typedef {import('./city_live.js').CitySession} CitySession */
/** @typedef {import('./city_live.js').CitySettings} CitySettings */
/** @typedef {keyof CityRow} SortKey */

const api = new Api();
/** @type {{ rows: Map<string, { row: CityRow, at: number }>, sort: SortKey, descending: boolean, settings: CitySettings | null }} */
const state = { rows: new Map(), sort: "centre_id", descending: false, settings: null };

await loadCatalogs("city");
languageButtons($("#languages"));
onLanguageChange(render);

try {
  begin(await api.get("/api/v1/city/session"));
} catch {
  $("#login").hidden = false;
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = $("#login-error");
  box.hidden = true;
  const password = $of(HTMLInputElement, "#password");
  try {
    /** @type {CitySession} */
    const session = await api.post("/api/v1/city/login", {
      username: $of(HTMLInputElement, "#username").value.trim(),
      password: password.value,
    });
    password.value = "";
    begin(session);
  } catch (error) {
    box.textContent = errorText(error);
    box.hidden = false;
  }
});

$("#logout").addEventListener("click", async () => {
  try {
    await api.post("/api/v1/city/logout");
  } finally {
    location.reload();
  }
});

for (const button of document.querySelectorAll("th button[data-sort]")) {
  button.addEventListener("click", () => {
    const key = /** @type {SortKey} */ (/** @type {HTMLElement} */ (button).dataset.sort);
    state.descending = state.sort === key ? !state.descending : key !== "centre_id";
    state.sort = key;
    for (const th of document.querySelectorAll("th")) th.removeAttribute("aria-sort");
    button.parentElement?.setAttribute("aria-sort", state.descending ? "descending" : "ascending");
    render();
  });
}

/** @param {CitySession} session */
async function begin(session) {
  api.csrf = session.csrf;
  state.settings = await api.get("/api/v1/city/settings");
  setTimeZone(state.settings?.timezone);
  $("#login").hidden = true;
  $("#board").hidden = false;
  $("#who").textContent = session.username;
  $("#logout").hidden = false;
  liveRows(
    (rows) => {
      const now = Date.now();
      for (const row of rows) state.rows.set(row.centre_id, { row, at: now });
      render();
    },
    (live) => {
      const pill = $("#live-state");
      pill.className = `pill ${live ? "ok" : "bad"}`;
      pill.textContent = t(live ? "city.live" : "city.offline");
    },
  );
  setInterval(tick, 1000);
}

function render() {
  const settings = state.settings;
  if (!settings) return;
  $("#day").textContent = settings.today;
  $("#amber-text").textContent = t("city.amber", { minutes: settings.amber_minutes });
  $("#red-text").textContent = t("city.red", { minutes: settings.red_minutes });
  const now = Date.now();
  const entries = [...state.rows.values()].sort((a, b) => compare(a.row, b.row, now, a.at, b.at));
  $("#centres").replaceChildren(...entries.map(({ row, at }) => rowFor(row, at, now, settings)));
  $("#no-centres").hidden = entries.length > 0;
}

/**
 * @param {CityRow} a @param {CityRow} b @param {number} now @param {number} aAt @param {number} bAt
 */
function compare(a, b, now, aAt, bAt) {
  const key = state.sort;
  const value = (/** @type {CityRow} */ row, /** @type {number} */ at) =>
    key === "longest_wait_s" ? longestWaitNow(row, at, now) : row[key];
  const x = value(a, aAt);
  const y = value(b, bAt);
  if (x === y) return a.centre_id.localeCompare(b.centre_id);
  if (x === null) return 1; // nothing to show: last, whichever way
  if (y === null) return -1;
  const order = typeof x === "string" ? x.localeCompare(String(y)) : Number(x) - Number(y);
  return state.descending ? -order : order;
}

/**
 * @param {CityRow} row @param {number} at @param {number} now @param {CitySettings} settings
 */
function rowFor(row, at, now, settings) {
  const wait = longestWaitNow(row, at, now);
  const link = el("a", { href: `/city/centre/${encodeURIComponent(row.centre_id)}` }, row.centre_id);
  const tr = el(
    "tr",
    { "data-centre": row.centre_id },
    el("td", { class: "name" }, link),
    el("td", { class: "open" }, String(row.open_counters)),
    el("td", { class: "waiting" }, String(row.waiting)),
    el("td", {}, el("span", { class: "wait" }, wait === null ? "—" : formatDuration(wait))),
    el("td", { class: "served" }, String(row.served)),
    el("td", { class: "median" }, row.median_wait_s === null ? "—" : formatDuration(row.median_wait_s)),
    el("td", { class: "share" }, formatShare(row.satisfied_share)),
    el("td", { class: "lag", title: t("city.last_event", { time: formatTime(new Date(row.last_event_at)) }) },
      formatLag(row.lag_s)),
  );
  tr.className = waitClass(wait, settings);
  return tr;
}

/** The longest waits grow by the second: redrawn from the rows held, nothing asked. */
function tick() {
  const settings = state.settings;
  if (!settings) return;
  const now = Date.now();
  for (const tr of document.querySelectorAll("#centres tr")) {
    const entry = state.rows.get(/** @type {HTMLElement} */ (tr).dataset.centre || "");
    if (!entry) continue;
    const wait = longestWaitNow(entry.row, entry.at, now);
    const cell = tr.querySelector(".wait");
    if (cell) cell.textContent = wait === null ? "—" : formatDuration(wait);
    tr.className = waitClass(wait, settings);
  }
}
