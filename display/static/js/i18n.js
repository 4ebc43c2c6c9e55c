// @ts-check
// Catalogs and the page's language.  Every visible string comes from i18n/<lang>.json;
// markup carries only keys (data-i18n, data-i18n-placeholder, data-i18n-aria-label,
// data-i18n-title).  Switching the language also switches <html lang> and dir.

export const LANGUAGES = ["vi", "en", "ar"];
const RTL = new Set(["ar"]);
/** @type {Record<string, Record<string, string> | undefined>} */
const catalogs = {};
/** @type {((lang: string) => void)[]} */
const listeners = [];
let current = "vi";
let storageKey = "qs.lang";
/** @type {string | undefined} */
let timeZone; // the centre's (setTimeZone); undefined: the device's own

/** @param {string} pageName */
export async function loadCatalogs(pageName) {
  storageKey = `qs.lang.${pageName}`;
  await Promise.all(
    LANGUAGES.map(async (lang) => {
      const response = await fetch(`/static/i18n/${lang}.json`);
      catalogs[lang] = await response.json();
    }),
  );
  const params = new URLSearchParams(location.search);
  const hash = new URLSearchParams(location.hash.slice(1));
  const wanted = params.get("lang") || hash.get("lang") || localStorage.getItem(storageKey);
  setLanguage(wanted && LANGUAGES.includes(wanted) ? wanted : "vi", { remember: false });
}

export function language() {
  return current;
}

/** @param {string} [lang] */
export function isRtl(lang = current) {
  return RTL.has(lang);
}

/**
 * The catalog's text for a key in the page's language, {name} filled from `params`.
 * @param {string} key
 * @param {Record<string, unknown>} [params]
 * @returns {string}
 */
export function t(key, params = {}) {
  const text = catalogs[current]?.[key] ?? catalogs.vi?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/**
 * A text the centre configured per language (service names...), with fallbacks.
 * @param {Record<string, string> | null | undefined} texts
 * @param {string} [fallbackLang]
 * @returns {string}
 */
export function localized(texts, fallbackLang = "vi") {
  if (!texts) return "";
  return texts[current] || texts[fallbackLang] || Object.values(texts)[0] || "";
}

/** @param {(lang: string) => void} listener */
export function onLanguageChange(listener) {
  listeners.push(listener);
}

/**
 * @param {string} lang
 * @param {{ remember?: boolean }} options
 */
export function setLanguage(lang, { remember = true } = {}) {
  current = LANGUAGES.includes(lang) ? lang : "vi";
  if (remember) localStorage.setItem(storageKey, current);
  const root = document.documentElement;
  root.lang = current;
  root.dir = isRtl() ? "rtl" : "ltr";
  applyTranslations(document);
  for (const listener of listeners) listener(current);
}

/** @param {ParentNode} root */
export function applyTranslations(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(data(el).i18n ?? "");
  for (const el of root.querySelectorAll("[data-i18n-placeholder]"))
    /** @type {HTMLInputElement} */ (el).placeholder = t(data(el).i18nPlaceholder ?? "");
  for (const el of root.querySelectorAll("[data-i18n-aria-label]"))
    el.setAttribute("aria-label", t(data(el).i18nAriaLabel ?? ""));
  for (const el of root.querySelectorAll("[data-i18n-title]"))
    /** @type {HTMLElement} */ (el).title = t(data(el).i18nTitle ?? "");
  const title = document.querySelector("title[data-i18n]");
  if (title) document.title = t(data(title).i18n ?? "");
}

/**
 * An element's data-* attributes (HTML and SVG elements both have them).
 * @param {Element} el
 * @returns {DOMStringMap}
 */
function data(el) {
  return /** @type {HTMLElement} */ (el).dataset;
}

/**
 * A language's name in itself ("Tiếng Việt", "English", "العربية").
 * @param {string} lang
 */
export function selfName(lang) {
  return catalogs[lang]?.["lang.self"] ?? lang;
}

/**
 * Fill a container with one button per language, each named in its own language.
 * @param {HTMLElement} container
 */
export function languageButtons(container) {
  container.replaceChildren();
  for (const lang of LANGUAGES) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "lang-button";
    button.lang = lang;
    button.dir = isRtl(lang) ? "rtl" : "ltr";
    button.dataset.lang = lang;
    button.textContent = selfName(lang);
    button.addEventListener("click", () => setLanguage(lang));
    container.append(button);
  }
  const mark = () => {
    for (const button of container.querySelectorAll("button"))
      button.setAttribute("aria-pressed", String(button.dataset.lang === current));
  };
  onLanguageChange(mark);
  mark();
}

/**
 * "ho tich" finds "Hộ tịch": lower case, no diacritics, đ as d.
 * @param {string | null | undefined} text
 */
export function fold(text) {
  return (text || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[đĐ]/g, "d")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/** @param {number | null | undefined} seconds */
export function formatWait(seconds) {
  if (seconds === null || seconds === undefined) return t("wait.unknown");
  const minutes = Math.max(1, Math.round(seconds / 60));
  return t("wait.minutes", { minutes });
}

/**
 * Show clocks and times in the centre's zone: a kiosk PC or hall TV left on UTC (or on
 * its vendor's zone) must still say what the centre's wall clock says.
 * @param {string | undefined} zone
 */
export function setTimeZone(zone) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    timeZone = zone;
  } catch {
    timeZone = undefined; // a zone this browser does not know: its own clock
  }
}

/** @param {Date} date */
export function formatTime(date) {
  return new Intl.DateTimeFormat(current === "ar" ? "ar-u-nu-latn" : current, {
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
    timeZone,
  }).format(date);
}

/** "Monday", "Thứ Hai", "الاثنين": the day of the week in the centre's zone.
 * @param {Date} date */
export function formatWeekday(date) {
  return new Intl.DateTimeFormat(current === "ar" ? "ar-u-nu-latn" : current, {
    weekday: "long",
    timeZone,
  }).format(date);
}

/** @param {Date} date */
export function formatDate(date) {
  return new Intl.DateTimeFormat(current === "ar" ? "ar-u-nu-latn" : current, {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone,
  }).format(date);
}

/**
 * An API error in words: the catalog's text for its code, else the server's message.
 * @param {unknown} error an ApiError, or whatever else was thrown
 * @returns {string}
 */
export function errorText(error) {
  const failure = /** @type {{ code?: string, message?: string } | null | undefined} */ (error);
  const code = failure?.code;
  const key = `error.${code}`;
  const text = t(key);
  if (text !== key) return text;
  return failure?.message || t("error.unknown");
}
