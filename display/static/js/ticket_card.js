// @ts-check
// A ticket shown on screen as a card, for the citizen to read or photograph: the kiosk's
// and the volunteers' tablet's (the same ids in both pages: #ticket-number, #ticket-qr...).
// The QR code opens the citizen's status page (/s/<code>/qr.svg draws it).

import { el, $, $of } from "./common.js";
import { t, localized, formatWait, formatTime } from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').IssuedTicket} IssuedTicket */
/** @typedef {import('./messages.js').Service} Service */

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
