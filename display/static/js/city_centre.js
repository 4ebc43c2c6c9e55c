// @ts-check
// One centre's day as the city sees it (`/city/centre/<id>`): its figures now, tickets
// issued and the median wait by hour (Chart.js, from Debian's libjs-chart.js, served by
// the city service itself), and each service.  Drawn again when the city's websocket
// says this centre's events landed.

import { Api, ApiError, el, $ } from "./common.js";
import { loadCatalogs, languageButtons, onLanguageChange, t, errorText } from "./i18n.js";
import { formatDuration } from "./durations.js";
import { liveRows, formatShare, formatLag } from "./city_live.js";

/** @typedef {import('./city_live.js').CityRow} CityRow */
/**
 * @typedef {{ hour: number, issued: number, served: number, median_wait_s: number | null }} HourRow
 * @typedef {{ service: string, issued: number, waiting: number, served: number,
 *   median_wait_s: number | null, rated: number, satisfied_share: number | null }} ServiceRow
 * @typedef {{ day: string, centre: CityRow, hours: HourRow[], services: ServiceRow[] }} CentreDay
 */

const api = new Api();
const centreId = decodeURIComponent(location.pathname.split("/").pop() || "");
/** Chart.js's UMD build sets window.Chart (city_centre.html loads it first). */
const ChartJs = /** @type {any} */ (window).Chart;
/** @type {any} */
let chart = null;
/** @type {CentreDay | null} */
let shown = null;

await loadCatalogs("city");
languageButtons($("#languages"));
$("#centre-id").textContent = centreId;
onLanguageChange(() => shown && draw(shown));

await load();
liveRows(
  (rows) => {
    if (rows.some((row) => row.centre_id === centreId)) load();
  },
  () => {},
);

async function load() {
  try {
    draw(await api.get(`/api/v1/city/centres/${encodeURIComponent(centreId)}`));
    $("#error").hidden = true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      location.href = "/city"; // log in there, then come back
      return;
    }
    $("#error").textContent = errorText(error);
    $("#error").hidden = false;
  }
}

/** @param {number | null} seconds */
function duration(seconds) {
  return seconds === null ? "—" : formatDuration(seconds);
}

/** @param {CentreDay} day */
function draw(day) {
  shown = day;
  const row = day.centre;
  $("#day").textContent = day.day;
  /** @type {[string, string][]} */
  const figures = [
    ["city.open_counters", String(row.open_counters)],
    ["city.waiting", String(row.waiting)],
    ["city.longest_wait", duration(row.longest_wait_s)],
    ["city.served", String(row.served)],
    ["city.median_wait", duration(row.median_wait_s)],
    ["city.satisfaction", formatShare(row.satisfied_share)],
    ["city.link_lag", formatLag(row.lag_s)],
  ];
  $("#figures").replaceChildren(
    ...figures.map(([key, value]) => el("div", {}, el("dt", {}, t(key)), el("dd", { "data-figure": key }, value))),
  );
  $("#services").replaceChildren(
    ...day.services.map((s) =>
      el(
        "tr",
        { "data-service": s.service },
        el("td", {}, s.service),
        el("td", { class: "issued" }, String(s.issued)),
        el("td", {}, String(s.waiting)),
        el("td", { class: "served" }, String(s.served)),
        el("td", {}, duration(s.median_wait_s)),
        el("td", {}, formatShare(s.satisfied_share)),
      ),
    ),
  );
  drawChart(day.hours);
}

/**
 * Every hour from the first to the last with tickets, the quiet ones as zeros: a gap at
 * lunch shows as a gap, not as two bars side by side.
 * @param {HourRow[]} rows
 * @returns {HourRow[]}
 */
function everyHour(rows) {
  if (rows.length === 0) return [];
  const byHour = new Map(rows.map((row) => [row.hour, row]));
  const hours = [];
  for (let hour = rows[0].hour; hour <= rows[rows.length - 1].hour; hour++)
    hours.push(byHour.get(hour) ?? { hour, issued: 0, served: 0, median_wait_s: null });
  return hours;
}

/** @param {HourRow[]} rows */
function drawChart(rows) {
  const hours = everyHour(rows);
  const canvas = $("#hours-chart");
  canvas.dataset.issued = String(hours.reduce((sum, h) => sum + h.issued, 0));
  if (!ChartJs) return; // the library is missing: the figures and services still show
  const data = {
    labels: hours.map((h) => `${String(h.hour).padStart(2, "0")}:00`),
    datasets: [
      { type: "bar", label: t("city.issued"), data: hours.map((h) => h.issued), yAxisID: "count", backgroundColor: "#1c6dd0" },
      { type: "bar", label: t("city.served"), data: hours.map((h) => h.served), yAxisID: "count", backgroundColor: "#2e9e5b" },
      {
        type: "line",
        label: t("city.median_wait_minutes"),
        data: hours.map((h) => (h.median_wait_s === null ? null : Math.round(h.median_wait_s / 6) / 10)),
        yAxisID: "minutes",
        borderColor: "#c0392b",
        backgroundColor: "#c0392b",
      },
    ],
  };
  if (chart) {
    chart.data = data;
    chart.update();
    return;
  }
  chart = new ChartJs(canvas, {
    data,
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: {
        count: { type: "linear", position: "left", beginAtZero: true, ticks: { precision: 0 } },
        minutes: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false } },
      },
    },
  });
}
