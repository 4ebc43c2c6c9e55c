// @ts-check
// Finding a service by what a citizen types: its code, names in every language or
// description, with diacritics ignored ("ho tich" finds "Hộ tịch").  Pages that list
// services (the booking page; the kiosk's search is the same rule) share it.

import { fold } from "./i18n.js";

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
