// @ts-check
// A booking's own page (/a/<code>, its QR code, the link in the calendar event): the code
// in big type to read aloud or scan at the kiosk, when, "add to calendar", cancel (asked
// twice); once checked in, the ticket's number and state, live over /ws as the status
// page follows a ticket.  Until then the booking is asked again now and then, politely:
// a check-in happens once, at the kiosk, and this page need not learn it at once.

import { Api, option, $, $of } from "./common.js";
import { Live } from "./live.js";
import {
  loadCatalogs, languageButtons, onLanguageChange, t, localized, formatTime, formatDate, errorText,
  setLanguage, setTimeZone,
} from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').Appointment} Appointment */
/** @typedef {import('./messages.js').PublicTicket} PublicTicket */
/** @typedef {import('./messages.js').GoneTicket} GoneTicket */

/** How often to ask about a booking not yet checked in (?poll= seconds, for tests). */
const POLL_S = Number(option("poll")) || 20;
const code = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() ?? "");
const api = new Api();
/**
 * @type {{
 *   centre: Centre | null, booking: Appointment | null, ticket: PublicTicket | GoneTicket | null,
 *   missing: boolean, live: Live<"citizen"> | null
 * }}
 */
const state = { centre: null, booking: null, ticket: null, missing: false, live: null };

await loadCatalogs("booking");
languageButtons($("#languages"));
state.centre = await api.get("/api/v1/centre");
setTimeZone(state.centre?.timezone);
onLanguageChange(render);
await refresh();

$("#cancel").addEventListener("click", () => showCancelQuestion(true));
$("#cancel-no").addEventListener("click", () => showCancelQuestion(false));
$("#cancel-yes").addEventListener("click", cancel);

async function refresh() {
  try {
    const first = !state.booking;
    state.booking = await api.get(`/api/v1/appointments/${encodeURIComponent(code)}`);
    if (first && state.booking && !option("lang") && !localStorage.getItem("qs.lang.booking")) {
      setLanguage(state.booking.lang ?? "vi", { remember: false }); // chosen when booking
    }
  } catch (error) {
    state.missing = /** @type {{ status?: number }} */ (error).status === 404;
    if (!state.missing) showError(errorText(error));
  }
  render();
  const booking = state.booking;
  if (booking?.tracking_code) follow(booking.tracking_code);
  else if (!state.missing && (!booking || booking.status === "booked")) setTimeout(refresh, POLL_S * 1000);
}

/** The ticket the check-in gave, followed live.
 * @param {string} trackingCode */
function follow(trackingCode) {
  if (state.live) return;
  /** @type {Live<"citizen">} */
  const live = new Live(() => ({ role: "citizen", tracking_code: trackingCode }));
  live.on("snapshot", (m) => update(m.ticket));
  live.on("ticket", (m) => update(m.ticket));
  live.start();
  state.live = live;
}

/** @param {PublicTicket | GoneTicket | null} ticket */
function update(ticket) {
  state.ticket = ticket;
  render();
}

/** @param {boolean} shown */
function showCancelQuestion(shown) {
  $("#cancel-confirm").hidden = !shown;
  $("#cancel").hidden = shown;
  if (shown) $("#cancel-no").focus();
}

async function cancel() {
  try {
    state.booking = await api.post(`/api/v1/appointments/${encodeURIComponent(code)}/cancel`);
  } catch (error) {
    showError(errorText(error));
  }
  showCancelQuestion(false);
  render();
}

/** @param {string} text */
function showError(text) {
  $("#booking-error").textContent = text;
  $("#booking-error").hidden = !text;
}

function render() {
  $("#centre-name").textContent = localized(state.centre?.name);
  const booking = state.booking;
  const status = state.missing ? "unknown" : (booking?.status ?? "loading");
  $("#main").dataset.status = status;
  $("#code").textContent = booking?.code ?? code.toUpperCase();
  const service = state.centre?.services.find((s) => s.code === booking?.service);
  $("#service").textContent = service ? localized(service.name) : "";
  $("#when").textContent = booking
    ? `${formatDate(new Date(booking.start))}, ${formatTime(new Date(booking.start))}–${formatTime(new Date(booking.end))}`
    : "";
  $("#status-text").textContent = status === "loading" ? t("status.loading") : t(`booking.status.${status}`);
  $("#phone").textContent = booking ? t("booking.phone", { phone: booking.phone }) : "";
  const ahead = status === "booked";
  $("#ahead").hidden = !ahead;
  if (ahead && booking) {
    const qr = $of(HTMLImageElement, "#qr");
    const src = `/a/${encodeURIComponent(booking.code)}/qr.svg`;
    if (qr.getAttribute("src") !== src) qr.src = src;
    $of(HTMLAnchorElement, "#calendar").href = booking.ics_url;
  }
  renderTicket();
}

function renderTicket() {
  const ticket = state.ticket;
  const number = state.booking?.ticket;
  $("#ticket").hidden = !number;
  $("#ticket-number").textContent = number ?? "";
  const whole = ticket && "number" in ticket ? ticket : null;
  const status = ticket?.status;
  const called = status === "called" || status === "serving";
  $("#called").hidden = !called;
  $("#called-counter").textContent = called ? t("booking.called", { counter: whole?.counter }) : "";
  $("#ticket-state").textContent = status && !called ? t(`ticket.status.${status}`) : "";
  $("#ticket").dataset.status = status ?? "";
}
