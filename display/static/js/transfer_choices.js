// @ts-check
// Where a ticket may be transferred, as the transfer dialogs list it: each counter with its
// state and line, each service with its open counters and line.  A place nobody calls from
// (a closed counter, a service with no open counter) is offered only to whoever may insist.

import { el } from "./common.js";
import { t, localized } from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').Counter} Counter */
/** @typedef {import('./messages.js').Service} Service */

/**
 * @typedef {object} Choice
 * @property {string} value
 * @property {string} label
 * @property {boolean} dead nobody would call it there now
 */

/**
 * @param {Centre} centre
 * @param {Counter[]} counters every counter's state (GET /api/v1/counters)
 * @param {number | null} from the counter the ticket leaves (not offered)
 * @returns {Choice[]}
 */
export function counterChoices(centre, counters, from) {
  const byId = new Map(counters.map((c) => [c.id, c]));
  return centre.counters
    .filter((c) => c.id !== from)
    .map((c) => {
      const state = byId.get(c.id);
      const status = state?.status ?? "closed";
      const name = localized(c.name) || t("common.counter_n", { counter: c.id });
      const label = t("transfer.counter_choice", {
        name,
        status: t(`counter.status.${status}`),
        waiting: state?.waiting ?? 0,
      });
      return { value: String(c.id), label, dead: status === "closed" };
    });
}

/**
 * @param {Centre} centre
 * @param {Service[]} services every service's line (GET /api/v1/services)
 * @returns {Choice[]}
 */
export function serviceChoices(centre, services) {
  const byCode = new Map(services.map((s) => [s.code, s]));
  return centre.services.map((s) => {
    const line = byCode.get(s.code);
    const open = line?.open_counters ?? 0;
    const label = t("transfer.service_choice", {
      name: localized(s.name),
      open,
      waiting: line?.waiting ?? 0,
    });
    return { value: s.code, label, dead: open === 0 };
  });
}

/**
 * Fill a <select> with "—" then the choices; dead ones are disabled unless `insist`.
 * @param {HTMLSelectElement} select
 * @param {Choice[]} choices
 * @param {boolean} insist
 */
export function fillChoices(select, choices, insist) {
  const chosen = select.value;
  select.replaceChildren(
    el("option", { value: "" }, "—"),
    ...choices.map((c) =>
      el("option", { value: c.value, disabled: c.dead && !insist, dataset: { dead: String(c.dead) } }, c.label),
    ),
  );
  const still = choices.find((c) => c.value === chosen && (!c.dead || insist));
  select.value = still ? chosen : "";
}
