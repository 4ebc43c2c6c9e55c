// @ts-check
// Finding a service by what a citizen says or types, for every page that does it (the
// kiosk, the volunteers' tablet, the booking page): the procedure finder's ranking
// (GET /api/v1/services/search: "lam so do", "gcn"), and, while it has not answered, a
// plain match on codes, names and descriptions with diacritics ignored ("ho tich" finds
// "Hộ tịch").  Also how a line's length and wait are said on a service's tile.

import { Api } from "./common.js";
import { fold, t, formatWait } from "./i18n.js";

/** @typedef {import('./messages.js').FoundService} FoundService */
/** @typedef {import('./messages.js').Service} Service */
/** @typedef {import('./messages.js').ServiceSearch} ServiceSearch */

/**
 * @param {string} query what was typed (folded here)
 * @param {{ code: string, name?: Record<string, string>, description?: Record<string, string> }} service
 * @returns {boolean}
 */
export function serviceMatches(query, service) {
  const wanted = fold(query);
  if (!wanted) return true;
  const texts = [service.code, ...Object.values(service.name ?? {}), ...Object.values(service.description ?? {})];
  return texts.some((text) => fold(text).includes(wanted));
}

/**
 * Ask the procedure finder which services (and procedures) fit the citizen's words.
 * Throws as the API does (rate-limited, offline): callers fall back on `serviceMatches`.
 * @param {string} text
 * @param {string} lang the language of the names and papers in the answer
 * @returns {Promise<Map<string, FoundService>>} by service code, best first
 */
export async function askFinder(text, lang) {
  const query = new URLSearchParams({ q: text.slice(0, 200), lang });
  /** @type {ServiceSearch} */
  const answer = await new Api().get(`/api/v1/services/search?${query}`);
  return new Map(answer.results.map((r) => [r.service, r]));
}

/**
 * The services a search shows, in order: the finder's first, best first; then any other
 * whose code, names or description hold the text.  No text: every service.
 * @param {string} query what was typed
 * @param {Map<string, FoundService> | null} found the finder's answer for it, if any
 * @param {Service[]} services every service, in the centre's order
 * @returns {Service[]}
 */
export function servicesFor(query, found, services) {
  if (!fold(query)) return services;
  const ranked = [...(found?.keys() ?? [])];
  const byCode = new Map(services.map((s) => [s.code, s]));
  const first = ranked.flatMap((code) => byCode.get(code) ?? []);
  const others = services.filter((s) => !ranked.includes(s.code) && serviceMatches(query, s));
  return [...first, ...others];
}

/**
 * A line's length and wait in words: an empty line says nobody waits (not "0 waiting,
 * about 1 min"); a line with no counter open says so instead of a wait.
 * @param {Service} service
 */
export function lineFacts(service) {
  const facts = [service.waiting ? t("kiosk.waiting", { count: service.waiting }) : t("kiosk.no_one_waiting")];
  if (service.open_counters === 0) facts.push(t("kiosk.no_counter_open"));
  else if (service.waiting) facts.push(formatWait(service.estimated_wait_s));
  return facts.join(" · ");
}

/** A pause in typing this long asks the procedure finder. */
const SEARCH_PAUSE_MS = 250;

/**
 * Follow a search box: `typed(text)` at every keystroke (the names filter at once),
 * `paused(text)` once typing pauses (then the finder is asked).
 * @param {HTMLInputElement} input
 * @param {(text: string) => void} typed
 * @param {(text: string) => void} paused
 */
export function followSearch(input, typed, paused) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pause;
  input.addEventListener("input", () => {
    typed(input.value);
    clearTimeout(pause);
    pause = setTimeout(() => paused(input.value), SEARCH_PAUSE_MS);
  });
}
