// @ts-check
// "Today's bookings" on the admin page (GET /api/v1/appointments/day): per service its
// booking places against what its counters serve in a slot (walk-ins keep the rest), and
// per slot what became of the bookings: booked, checked in, no-show, cancelled, free,
// and what is left for walk-ins.  Only slots with a booking or a place are listed.

import { el, $ } from "./common.js";
import { t, localized } from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').BookedDay} BookedDay */
/** @typedef {import('./messages.js').BookedSlot} BookedSlot */

/** The per-slot figures, in the table's order: field of BookedSlot -> i18n key. */
const COLUMNS = /** @type {const} */ ([
  ["booked", "bookings.booked"],
  ["checked_in", "bookings.checked_in"],
  ["missed", "bookings.missed"],
  ["cancelled", "bookings.cancelled"],
  ["free", "bookings.free"],
  ["walk_in", "bookings.walk_in"],
]);

/**
 * Fill the section `root` (admin.html #bookings) from one day's figures.
 * @param {HTMLElement} root
 * @param {BookedDay} day
 * @param {Centre} centre
 */
export function renderBookedDay(root, day, centre) {
  const names = new Map(centre.services.map((s) => [s.code, localized(s.name)]));
  const blocks = day.services.map((service) => {
    const name = names.get(service.service) ?? service.service;
    const slots = service.slots.filter((s) => s.booked + s.checked_in + s.missed + s.cancelled + s.free > 0);
    return el(
      "section",
      { class: "bookings-service", dataset: { service: service.service } },
      el("h3", {}, name),
      el(
        "p",
        { class: "bookings-capacity" },
        t("bookings.capacity", {
          places: service.places, capacity: service.capacity, servable: service.servable, walk_in: service.walk_in,
        }),
      ),
      el(
        "table",
        {},
        el("caption", { class: "visually-hidden" }, name),
        el(
          "thead",
          {},
          el("tr", {}, el("th", { scope: "col" }, t("bookings.slot")), ...COLUMNS.map(([, key]) => el("th", { scope: "col" }, t(key)))),
        ),
        el("tbody", {}, ...slots.map((slot) => slotRow(slot))),
      ),
    );
  });
  $("#bookings-body", root).replaceChildren(...blocks);
  $("#bookings-empty", root).hidden = blocks.length > 0;
}

/** @param {BookedSlot} slot */
function slotRow(slot) {
  // The server writes the centre's wall clock ("…T08:30:00+07:00"): read as written.
  const span = `${slot.start.slice(11, 16)}–${slot.end.slice(11, 16)}`;
  return el(
    "tr",
    { dataset: { start: slot.start } },
    el("th", { scope: "row" }, el("bdi", { dir: "ltr" }, span)),
    ...COLUMNS.map(([field]) => el("td", { dataset: { figure: field } }, String(slot[field]))),
  );
}
