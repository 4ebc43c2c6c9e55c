// Catalogs and the page's language.  Every visible string comes from i18n/<lang>.json;
// markup carries only keys (data-i18n, data-i18n-placeholder, data-i18n-aria-label,
// data-i18n-title).  Switching the language also switches <html lang> and dir.

export const LANGUAGES = ["vi", "en", "ar"];
const RTL = new Set(["ar"]);
const catalogs = {};
const listeners = [];
let current = "vi";
let storageKey = "qs.lang";
let timeZone; // the centre's (setTimeZone); undefined: the device's own

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
  setLanguage(LANGUAGES.includes(wanted) ? wanted : "vi", { remember: false });
}

export function language() {
  return current;
}

export function isRtl(lang = current) {
  return RTL.has(lang);
}

export function t(key, params = {}) {
  const text = catalogs[current]?.[key] ?? catalogs.vi?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** A text the centre configured per language (service names...), with fallbacks. */
export function localized(texts, fallbackLang = "vi") {
  if (!texts) return "";
  return texts[current] || texts[fallbackLang] || Object.values(texts)[0] || "";
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

export function setLanguage(lang, { remember = true } = {}) {
  current = LANGUAGES.includes(lang) ? lang : "vi";
  if (remember) localStorage.setItem(storageKey, current);
  const root = document.documentElement;
  root.lang = current;
  root.dir = isRtl() ? "rtl" : "ltr";
  applyTranslations(document);
  for (const listener of listeners) listener(current);
}

export function applyTranslations(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]"))
    el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-aria-label]"))
    el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  const title = document.querySelector("title[data-i18n]");
  if (title) document.title = t(title.dataset.i18n);
}

/** Fill a container with one button per language, each named in its own language. */
export function languageButtons(container) {
  container.replaceChildren();
  for (const lang of LANGUAGES) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "lang-button";
    button.lang = lang;
    button.dir = isRtl(lang) ? "rtl" : "ltr";
    button.dataset.lang = lang;
    button.textContent = catalogs[lang]?.["lang.self"] ?? lang;
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

/** "ho tich" finds "Hộ tịch": lower case, no diacritics, đ as d. */
export function fold(text) {
  return (text || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[đĐ]/g, "d")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

export function formatWait(seconds) {
  if (seconds === null || seconds === undefined) return t("wait.unknown");
  const minutes = Math.max(1, Math.round(seconds / 60));
  return t("wait.minutes", { minutes });
}

/**
 * Show clocks and times in the centre's zone: a kiosk PC or hall TV left on UTC (or on
 * its vendor's zone) must still say what the centre's wall clock says.
 */
export function setTimeZone(zone) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    timeZone = zone;
  } catch {
    timeZone = undefined; // a zone this browser does not know: its own clock
  }
}

export function formatTime(date) {
  return new Intl.DateTimeFormat(current === "ar" ? "ar-u-nu-latn" : current, {
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
    timeZone,
  }).format(date);
}

export function formatDate(date) {
  return new Intl.DateTimeFormat(current === "ar" ? "ar-u-nu-latn" : current, {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone,
  }).format(date);
}

/** An API error in words: the catalog's text for its code, else the server's message. */
export function errorText(error) {
  const code = error?.code;
  const key = `error.${code}`;
  const text = t(key);
  if (text !== key) return text;
  return error?.message || t("error.unknown");
}
