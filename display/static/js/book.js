// @ts-check
// Booking a queue number ahead, on a phone: a service (found as at the kiosk), a day
// (the centre's today and the next days it books), a slot with places left, a phone
// number; confirmed, the booking's own page (/a/<code>) takes over.  The days count from
// the centre's date, not the phone's: a phone's clock set wrong must not offer a day the
// centre refuses.

import { Api, ApiError, centreInfo, el, option, $, $of } from "./common.js";
import {
  loadCatalogs, languageButtons, onLanguageChange, t, localized, formatTime, formatDate, errorText,
  language, setTimeZone,
} from "./i18n.js";
import { serviceMatches } from "./service_search.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').AppointmentSlot} AppointmentSlot */
/** @typedef {import('./messages.js').AppointmentSlots} AppointmentSlots */
/** @typedef {import('./messages.js').Appointment} Appointment */

const api = new Api();
/**
 * @type {{
 *   centre: Centre | null, query: string, service: string | null, day: string | null,
 *   slots: AppointmentSlot[], slot: string | null, busy: boolean
 * }}
 */
const state = { centre: null, query: "", service: null, day: null, slots: [], slot: null, busy: false };

const search = $of(HTMLInputElement, "#search");
const phone = $of(HTMLInputElement, "#phone");

await loadCatalogs("book");
languageButtons($("#languages"));
const centre = (state.centre = await centreInfo());
setTimeZone(centre.timezone);
onLanguageChange(render);
render();

search.addEventListener("input", () => {
  state.query = search.value;
  renderServices();
});
phone.addEventListener("input", renderConfirm);
$("#book-form").addEventListener("submit", (event) => {
  event.preventDefault();
  book();
});

/** Services that take bookings: some place in a slot. */
function bookable() {
  const places = state.centre?.appointments.places ?? {};
  return (state.centre?.services ?? []).filter((s) => (places[s.code] ?? 0) > 0);
}

/** The days offered: the centre's today and the next `days_ahead`, as ISO dates.
 * @returns {string[]} */
function days() {
  const rules = state.centre?.appointments;
  if (!rules?.enabled) return [];
  const first = new Date(`${rules.today}T12:00:00Z`); // midday: no zone moves it a day
  return Array.from({ length: rules.days_ahead + 1 }, (_, i) =>
    new Date(first.getTime() + i * 86400000).toISOString().slice(0, 10),
  );
}

function render() {
  $("#centre-name").textContent = localized(state.centre?.name);
  $("#book-off").hidden = Boolean(state.centre?.appointments.enabled);
  $("#book-form").hidden = !state.centre?.appointments.enabled;
  renderServices();
  renderDays();
  renderSlots();
  renderConfirm();
}

/**
 * A radio-like button of a choice group: big, one pressed at a time.
 * @param {string} label
 * @param {boolean} pressed
 * @param {Record<string, string>} dataset
 * @param {() => void} choose
 * @param {boolean} [disabled]
 */
function choice(label, pressed, dataset, choose, disabled = false) {
  return el(
    "button",
    { type: "button", class: "choice", role: "radio", "aria-checked": String(pressed), dataset, disabled, onclick: choose },
    label,
  );
}

function renderServices() {
  const shown = bookable().filter((s) => serviceMatches(state.query, s));
  $("#services").replaceChildren(
    ...shown.map((s) =>
      choice(localized(s.name), s.code === state.service, { service: s.code }, () => {
        state.service = s.code;
        state.slot = null;
        renderServices();
        loadSlots();
      }),
    ),
  );
  $("#no-match").hidden = shown.length > 0;
  $of(HTMLFieldSetElement, "#day-step").disabled = !state.service;
}

function renderDays() {
  $("#days").replaceChildren(
    ...days().map((day) =>
      choice(formatDate(new Date(`${day}T12:00:00Z`)), day === state.day, { day }, () => {
        state.day = day;
        state.slot = null;
        renderDays();
        loadSlots();
      }),
    ),
  );
}

async function loadSlots() {
  const { service, day } = state;
  state.slots = [];
  renderSlots();
  if (!service || !day) return;
  try {
    /** @type {AppointmentSlots} */
    const answer = await api.get(`/api/v1/appointments/slots?service=${encodeURIComponent(service)}&date=${day}`);
    if (state.service === service && state.day === day) state.slots = answer.slots;
  } catch (error) {
    showError(errorText(error));
  }
  renderSlots();
}

function renderSlots() {
  const open = state.slots.filter((s) => s.free > 0);
  $("#slots").replaceChildren(
    ...open.map((s) =>
      choice(
        `${formatTime(new Date(s.start))}–${formatTime(new Date(s.end))} · ${t("book.places", { free: s.free })}`,
        s.start === state.slot,
        { start: s.start },
        () => {
          state.slot = s.start;
          renderSlots();
        },
      ),
    ),
  );
  const chosen = Boolean(state.service && state.day);
  $of(HTMLFieldSetElement, "#slot-step").disabled = !chosen;
  $("#no-slot").hidden = !chosen || open.length > 0;
  $of(HTMLFieldSetElement, "#phone-step").disabled = !state.slot;
  renderConfirm();
}

function renderConfirm() {
  const ready = Boolean(state.service && state.slot && phone.value.trim()) && !state.busy;
  $of(HTMLButtonElement, "#confirm").disabled = !ready;
}

/** @param {string} text */
function showError(text) {
  $("#book-error").textContent = text;
  $("#book-error").hidden = !text;
}

async function book() {
  if (!state.service || !state.slot) return;
  showError("");
  state.busy = true;
  renderConfirm();
  try {
    /** @type {Appointment} */
    const booked = await api.post("/api/v1/appointments", {
      service: state.service, start: state.slot, phone: phone.value, lang: language(),
    });
    const poll = option("poll"); // the booking page's pace of asking (tests set it short)
    location.assign(`/a/${encodeURIComponent(booked.code)}${poll ? `#poll=${encodeURIComponent(poll)}` : ""}`);
  } catch (error) {
    showError(errorText(error));
    // A slot taken meanwhile: show what is left.
    if (error instanceof ApiError && error.code === "slot_full") {
      state.slot = null;
      loadSlots();
    }
  } finally {
    state.busy = false;
    renderConfirm();
  }
}
