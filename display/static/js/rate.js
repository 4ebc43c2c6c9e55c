// @ts-check
// A counter's rating tablet (/rate/5#token=...), facing the citizen.  When the counter
// finishes a ticket, it asks that citizen how satisfied they were, for a minute (?ask=);
// a tap is sent once, thanked for, and the tablet goes back to its welcome.  Only a
// finish seen live is asked about: a tablet switched on (or reconnected) later never
// asks a stranger; and it stops asking once the next citizen's service begins.

import { Api, ApiError, centreInfo, option, pageToken, $ } from "./common.js";
import { Live } from "./live.js";
import { loadCatalogs, languageButtons, onLanguageChange, setLanguage, t, localized, errorText } from "./i18n.js";
import { ratingButtons, setRatingBusy } from "./rating.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').Counter} Counter */
/** @typedef {import('./messages.js').Rating} Rating */
/** @typedef {NonNullable<Counter["last_served"]>} Served */
/** @typedef {"idle" | "ask" | "thanks"} Mode */

const counterId = Number(location.pathname.split("/").filter(Boolean).pop());
const ASK_S = Number(option("ask")) || 60;
const THANKS_S = 6;
const api = new Api({ token: pageToken("rate") });
/**
 * @type {{
 *   centre: Centre | null, seen: number | null | undefined, asking: Served | null,
 *   timer: ReturnType<typeof setTimeout> | undefined, mode: Mode, error: string | null
 * }}
 */
const state = { centre: null, seen: undefined, asking: null, timer: undefined, mode: "idle", error: null };

await loadCatalogs("rate");
languageButtons($("#languages"));
state.centre = await centreInfo();
setLanguage(homeLanguage(), { remember: false });
onLanguageChange(render);
ratingButtons($("#rating-choices"), rate, () => state.centre?.rating_reasons ?? []);
render();

/** @type {Live<"counter">} */
const live = new Live(() => ({ role: "display", token: api.token, view: "counter", counter: counterId }));
live.on("snapshot", (m) => follow(m.counters.find((c) => c.id === counterId), true));
live.on("counter", (m) => {
  if (m.counter.id === counterId) follow(m.counter);
});
live.on("refused", (m) => problem(m.reason || t("rate.no_token")));
if (api.token) live.start();
else problem(t("rate.no_token"));

function homeLanguage() {
  return option("lang") || state.centre?.languages?.[0] || "vi";
}

/** A new ticket finished here, unrated: ask its citizen.  A snapshot (the first view, or
 * after a reconnect: who knows what happened meanwhile) only sets the mark.
 * @param {Counter | undefined} counter
 * @param {boolean} [snapshot]
 */
function follow(counter, snapshot = false) {
  const served = counter?.last_served ?? null;
  const changed = served?.id !== state.seen;
  state.seen = served?.id ?? null;
  if (state.mode === "ask") {
    // The citizen asked has gone: the next one sits down, another was served, or they
    // rated on their phone.
    const left = served?.id !== state.asking?.id || served?.rated;
    if (left || counter?.current?.status === "serving") toIdle();
  }
  if (snapshot || !changed || !served || served.rated) return;
  state.asking = served;
  state.error = null;
  show("ask", ASK_S);
}

/**
 * @param {Rating} rating
 * @param {string} [reason] why, when dissatisfied
 */
async function rate(rating, reason) {
  const asked = state.asking;
  if (!asked) return;
  setRatingBusy($("#rating-choices"), true);
  try {
    await api.post(`/api/v1/counters/${counterId}/rating`, { ticket: asked.id, rating, ...(reason ? { reason } : {}) });
    show("thanks", THANKS_S);
  } catch (error) {
    const code = error instanceof ApiError ? error.code : null;
    if (code === "already_rated") show("thanks", THANKS_S);
    else if (code === "rating_closed" || code === "not_served_here") toIdle();
    else {
      state.error = errorText(error);
      render();
    }
  } finally {
    setRatingBusy($("#rating-choices"), false);
  }
}

/**
 * @param {Mode} mode
 * @param {number} seconds how long before the tablet goes back to its welcome
 */
function show(mode, seconds) {
  state.mode = mode;
  clearTimeout(state.timer);
  state.timer = setTimeout(toIdle, seconds * 1000);
  render();
}

function toIdle() {
  clearTimeout(state.timer);
  state.mode = "idle";
  state.asking = null;
  if (document.documentElement.lang !== homeLanguage()) setLanguage(homeLanguage(), { remember: false });
  render();
}

/** @param {string} text */
function problem(text) {
  $("#problem").textContent = text;
  $("#problem").hidden = false;
}

function render() {
  $("#counter-id").textContent = String(counterId);
  $("#centre-name").textContent = localized(state.centre?.name);
  document.body.dataset.mode = state.mode;
  $("#idle").hidden = state.mode !== "idle";
  $("#ask").hidden = state.mode !== "ask";
  $("#thanks").hidden = state.mode !== "thanks";
  // The number isolated left to right, so "التذكرة A001" reads right in Arabic too.
  const number = state.asking ? `\u2066${state.asking.number}\u2069` : "";
  $("#ask-number").textContent = state.asking ? t("rate.ticket", { number }) : "";
  $("#ask-error").hidden = !state.error;
  $("#ask-error").textContent = state.error ?? "";
}
