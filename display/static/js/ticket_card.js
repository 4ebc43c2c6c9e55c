// @ts-check
// A ticket shown on screen as a card, for the citizen to read or photograph: the kiosk's
// and the volunteers' tablet's, drawn here into the page's #ticket-card (one markup for
// both).  The QR code opens the citizen's status page (/s/<code>/qr.svg draws it).

import { el, $, $of } from "./common.js";
import { t, localized, formatWait, formatTime, applyTranslations } from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').IssuedTicket} IssuedTicket */
/** @typedef {import('./messages.js').Service} Service */

/** Draw the card's parts, empty, into #ticket-card (once, as the page loads). */
export function drawTicketCard() {
  /** @param {string} key @param {string} id */
  const fact = (key, id) => el("div", {}, el("dt", { dataset: { i18n: key } }), el("dd", { id }));
  const card = $("#ticket-card");
  card.replaceChildren(
    el("p", { class: "ticket-centre", id: "ticket-centre" }),
    el("p", { class: "ticket-label", dataset: { i18n: "kiosk.your_number" } }),
    el("p", { class: "ticket-number", id: "ticket-number" }),
    el("p", { class: "ticket-service", id: "ticket-service" }),
    el("p", { class: "ticket-priority", id: "ticket-priority", hidden: true }),
    el("p", { class: "ticket-booked", id: "ticket-booked", hidden: true }),
    el(
      "dl",
      { class: "ticket-facts" },
      fact("kiosk.people_ahead", "ticket-ahead"),
      fact("kiosk.estimated_wait", "ticket-wait"),
      fact("kiosk.issued_at", "ticket-time"),
    ),
    el(
      "section",
      { id: "ticket-papers", class: "ticket-papers", hidden: true },
      el("p", { class: "ticket-papers-title", dataset: { i18n: "kiosk.papers_to_bring" } }),
      el("ul", { id: "ticket-papers-list" }),
    ),
    el("img", { id: "ticket-qr", class: "ticket-qr", dataset: { i18nAriaLabel: "kiosk.qr_label" } }),
  );
  applyTranslations(card);
}

/**
 * Fill the card; says whether the ticket was printed (else the citizen photographs it).
 * @param {IssuedTicket} ticket
 * @param {{ centre: Centre | null, service: Service | undefined, papers: string[] }} context
 * @returns {boolean}
 */
export function fillTicketCard(ticket, { centre, service, papers }) {
  const priority = centre?.priority_classes.find((p) => p.code === ticket.priority);
  $("#ticket-centre").textContent = localized(centre?.name);
  $("#ticket-number").textContent = ticket.number;
  $("#ticket-service").textContent = localized(service?.name) || ticket.service;
  $("#ticket-priority").hidden = !priority;
  $("#ticket-priority").textContent = priority ? localized(priority.name) : "";
  $("#ticket-booked").hidden = !ticket.booked;
  // "Đã đặt lịch 09:30": the slot it was booked for, as the printed ticket says.
  $("#ticket-booked").textContent = ticket.booked_for
    ? t("kiosk.booked_at", { time: formatTime(new Date(ticket.booked_for)) })
    : "";
  $("#ticket-ahead").textContent = String(ticket.position ?? 0);
  $("#ticket-wait").textContent =
    ticket.estimated_wait_s === null && service?.open_counters === 0
      ? t("kiosk.wait_no_counter")
      : formatWait(ticket.estimated_wait_s);
  $("#ticket-time").textContent = ticket.issued_at ? formatTime(new Date(ticket.issued_at)) : "";
  $("#ticket-papers").hidden = papers.length === 0;
  $("#ticket-papers-list").replaceChildren(...papers.map((paper) => el("li", {}, paper)));
  $of(HTMLImageElement, "#ticket-qr").src = `/s/${encodeURIComponent(ticket.tracking_code)}/qr.svg`;
  // No printer, or none that could print: the citizen photographs the screen instead.
  const printed = ticket.print?.status === "printed";
  $("#print-ok").hidden = !printed;
  $("#print-failed").hidden = printed;
  $("#ticket").dataset.printed = String(printed);
  return printed;
}
