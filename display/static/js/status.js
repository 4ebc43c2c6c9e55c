// @ts-check
// The citizen's status page, opened from the ticket's QR code: number, position, wait,
// live; when called, a clear "go to counter 5" with a chime and a vibration; once served,
// four big buttons to say how satisfied they were (holding the ticket is the right to).
// While it waits the citizen may give the ticket up (asked twice); once called, the
// sound button steps back behind the call.

import { Api, ApiError, el, $, $of, option } from "./common.js";
import { Live } from "./live.js";
import { ratingButtons, setRatingBusy } from "./rating.js";
import {
  loadCatalogs,
  languageButtons,
  onLanguageChange,
  setLanguage,
  t,
  language,
  localized,
  formatWait,
} from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').PublicTicket} PublicTicket */
/** @typedef {import('./messages.js').TrackedTicket} TrackedTicket */
/** @typedef {import('./messages.js').Rating} Rating */
/**
 * The ticket as this page knows it: whole, or only a status (expired from the day, or
 * "unknown": no such ticket today).
 * @typedef {Partial<Omit<PublicTicket, "status">> & { status: PublicTicket["status"] | "unknown" }} ShownTicket
 */

const code = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() ?? "");
const api = new Api();
/**
 * @type {{
 *   centre: Centre | null, ticket: ShownTicket | null, alerted: string | null, rated: boolean,
 *   ratingError: string | null, papers: TrackedTicket["papers"]
 * }}
 */
const state = { centre: null, ticket: null, alerted: null, rated: false, ratingError: null, papers: null };
const chime = new Audio("/static/sounds/chime.wav");

await loadCatalogs("status");
languageButtons($("#languages"));
state.centre = await api.get("/api/v1/centre");
onLanguageChange(render);
render();

$("#sound").addEventListener("click", () => {
  // Phones play sound only after a tap: this tap unlocks the chime for the call.
  chime.muted = true;
  chime.play().then(() => {
    chime.pause();
    chime.currentTime = 0;
    chime.muted = false;
    $("#sound").hidden = true;
  }, () => {});
});

ratingButtons($("#rating-choices"), rate, () => state.centre?.rating_reasons ?? []);

$("#withdraw").addEventListener("click", () => askWithdraw(true));
$("#withdraw-no").addEventListener("click", () => askWithdraw(false));
$("#withdraw-yes").addEventListener("click", withdraw);

/** @type {Live<"citizen">} */
const live = new Live(() => ({ role: "citizen", tracking_code: code }));
live.on("snapshot", (m) => update(m.ticket));
live.on("ticket", (m) => update(m.ticket));
live.on("refused", () => update({ status: "unknown" }));
live.start();
loadPapers();

/** The papers to bring for the procedure chosen at the kiosk: asked once, they do not
 * change (the live ticket says whether they still apply, after a transfer). */
async function loadPapers() {
  try {
    /** @type {TrackedTicket} */
    const tracked = await api.get(`/api/v1/tickets/${encodeURIComponent(code)}`);
    state.papers = tracked.papers;
    render();
  } catch {
    // No papers to show (an unknown ticket says so through the live feed).
  }
}

/** @param {ShownTicket | null} ticket */
function update(ticket) {
  const before = state.ticket;
  if (!before && ticket?.lang && !option("lang") && !localStorage.getItem("qs.lang.status")) {
    setLanguage(ticket.lang, { remember: false }); // the language chosen at the kiosk
  }
  state.ticket = ticket;
  render();
  const key = ticket && ticket.status === "called" ? `${ticket.counter}:${ticket.recalls}` : null;
  if (key && key !== state.alerted) {
    state.alerted = key;
    if (before) alertCitizen();
  }
}

/**
 * @param {Rating} rating
 * @param {string} [reason] why, when dissatisfied
 */
async function rate(rating, reason) {
  state.ratingError = null;
  setRatingBusy($("#rating-choices"), true);
  try {
    state.ticket = await api.post(`/api/v1/tickets/${encodeURIComponent(code)}/rating`, { rating, ...(reason ? { reason } : {}) });
    state.rated = true;
  } catch (error) {
    if (error instanceof ApiError && error.code === "already_rated") state.rated = true;
    else state.ratingError = t("status.rate_failed");
  } finally {
    setRatingBusy($("#rating-choices"), false);
  }
  render();
}

/** @param {boolean} asking */
function askWithdraw(asking) {
  $("#withdraw-confirm").hidden = !asking;
  $("#withdraw").hidden = asking;
  $("#withdraw-error").hidden = true;
}

async function withdraw() {
  const yes = $of(HTMLButtonElement, "#withdraw-yes");
  yes.disabled = true;
  try {
    update(await api.post(`/api/v1/tickets/${encodeURIComponent(code)}/withdraw`));
  } catch {
    $("#withdraw-error").hidden = false;
    $("#withdraw-error").textContent = t("status.withdraw_failed");
  } finally {
    yes.disabled = false;
  }
}

function alertCitizen() {
  chime.currentTime = 0;
  chime.play().catch(() => {});
  if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
}

function render() {
  $("#centre-name").textContent = localized(state.centre?.name);
  const ticket = state.ticket;
  const status = ticket?.status ?? "loading";
  $("#main").dataset.status = status;
  document.body.dataset.status = status;
  $("#number").textContent = ticket?.number ?? "";
  const service = state.centre?.services.find((s) => s.code === ticket?.service);
  $("#service").textContent = service ? localized(service.name) : "";
  const called = status === "called" || status === "serving";
  $("#called").hidden = !called;
  $("#called-counter").textContent = called ? t("status.go_to_counter", { counter: ticket?.counter }) : "";
  $("#facts").hidden = status !== "waiting";
  $("#position").textContent = String(ticket?.position ?? "");
  $("#wait").textContent = status === "waiting" ? formatWait(ticket?.estimated_wait_s) : "";
  $("#status-text").textContent = status === "loading" ? t("status.loading") : t(`ticket.status.${status}`);
  $("#expired-why").hidden = status !== "expired";
  renderPapers(ticket, status);
  if (["done", "ended", "cancelled", "expired", "unknown"].includes(status)) $("#sound").hidden = true; // no call to come
  $("#sound").classList.toggle("stepped-back", called);
  $("#withdraw-box").hidden = status !== "waiting";
  $("#withdraw-question").textContent = t("status.withdraw_question", { number: ticket?.number ?? "" });
  const rated = state.rated || Boolean(ticket?.rating);
  $("#rating").hidden = status !== "done" || rated;
  $("#rating-error").hidden = !state.ratingError;
  $("#rating-error").textContent = state.ratingError ?? "";
  $("#rating-thanks").hidden = !(status === "done" && rated);
  $("#rating-thanks").textContent = t("status.rate_thanks");
}

/**
 * @param {ShownTicket | null} ticket
 * @param {string} status
 */
function renderPapers(ticket, status) {
  const papers = state.papers;
  const shown = Boolean(papers) && ticket?.procedure === papers?.code && ["waiting", "called", "serving"].includes(status);
  $("#papers").hidden = !shown;
  if (!shown || !papers) return;
  const lang = language();
  const fallback = state.centre?.languages?.[0] ?? "vi";
  $("#papers-procedure").textContent = localized(papers.name);
  const list = papers.papers[lang] ?? papers.papers[fallback] ?? [];
  $("#papers-list").replaceChildren(...list.map((paper) => el("li", {}, paper)));
}
