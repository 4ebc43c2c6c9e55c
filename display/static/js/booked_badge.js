// @ts-check
// The mark of a ticket checked in for a booking, beside its number wherever staff and
// the hall see it: a booked citizen called before someone who came earlier is the rule,
// and people waiting should see why.

import { el } from "./common.js";
import { t } from "./i18n.js";

/**
 * A "booked" badge for a booked ticket, nothing for a walk-in (translated with the page).
 * @param {boolean | undefined} booked
 * @returns {HTMLElement | string}
 */
export function bookedBadge(booked) {
  if (!booked) return "";
  return el("span", { class: "booked-badge", dataset: { i18n: "booked.badge" } }, t("booked.badge"));
}
