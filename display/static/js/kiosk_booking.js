// @ts-check
// The kiosk's "I have a booking" screen: a field that a USB barcode scanner types into
// (it reads the booking's QR code, the page's address, and types it with Enter), and an
// on-screen keypad of the code's own alphabet for those who type it.  The check-in
// answers as a ticket does; the kiosk shows it as usual.  Refusals (too early, too late,
// cancelled, unknown) are said in words, on this screen.

import { Api, ApiError, el, $, $of } from "./common.js";
import { errorText, t } from "./i18n.js";

/** @typedef {import('./messages.js').IssuedTicket} IssuedTicket */

/** The symbols of a booking code (appointments_api.CODE_ALPHABET): no 0/O, no 1/I. */
export const CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const CODE_LENGTH = 8;
/** A citizen who walks away leaves the screen: it goes home after this quiet time. */
const IDLE_S = 60;

/**
 * The code in what was typed or scanned: `abcd2345`, `ABCD-2345`, or the booking page's
 * address (`https://…/a/ABCD-2345`) as a scanner types it.
 * @param {string} text
 * @returns {string} up to 8 symbols of the alphabet, upper case
 */
export function bookingCode(text) {
  const tail = text.includes("/a/") ? text.slice(text.lastIndexOf("/a/") + 3) : text;
  return [...tail.toUpperCase()].filter((c) => CODE_ALPHABET.includes(c)).join("").slice(0, CODE_LENGTH);
}

/** @param {string} code */
function shown(code) {
  return code.length > 4 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}

/**
 * Wire the screen (#booking in kiosk.html) to the kiosk.
 * @param {{
 *   api: Api,
 *   enabled: boolean,
 *   onTicket: (ticket: IssuedTicket) => void,
 *   onClosed: (opensAt: string | null) => void,
 *   home: () => void,
 * }} kiosk
 * @returns {{ open: () => void, close: () => void, scanned: (text: string) => void }}
 */
export function bookingScreen({ api, enabled, onTicket, onClosed, home }) {
  const screen = $("#booking");
  const field = $of(HTMLInputElement, "#booking-code");
  const error = $("#booking-error");
  const submit = $of(HTMLButtonElement, "#booking-check-in");
  let busy = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let idle;
  const stillThere = () => {
    clearTimeout(idle);
    if (!screen.hidden) idle = setTimeout(close, IDLE_S * 1000);
  };
  for (const kind of ["pointerdown", "keydown", "input"]) screen.addEventListener(kind, stillThere);

  /** @param {string} text */
  const setCode = (text) => {
    field.value = shown(bookingCode(text));
    submit.disabled = busy || bookingCode(field.value).length !== CODE_LENGTH;
  };
  /** @param {string} text */
  const say = (text) => {
    error.textContent = text;
    error.hidden = !text;
  };

  $("#booking-keys").replaceChildren(
    ...[...CODE_ALPHABET].map((symbol) =>
      el("button", { type: "button", class: "booking-key", dataset: { key: symbol }, onclick: () => type(symbol) }, symbol),
    ),
    el(
      "button",
      {
        type: "button", class: "booking-key booking-delete", dataset: { key: "delete", i18n: "kiosk.booking_delete" },
        onclick: erase,
      },
      t("kiosk.booking_delete"),
    ),
  );
  // Left as typed until Enter: a scanner types the page's address a key at a time.
  field.addEventListener("input", () => {
    say("");
    submit.disabled = busy || bookingCode(field.value).length !== CODE_LENGTH;
  });
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      checkIn();
    }
  });
  submit.addEventListener("click", checkIn);
  $("#booking-back").addEventListener("click", close);
  $("#have-booking").addEventListener("click", open);
  $("#have-booking").hidden = !enabled;

  /** @param {string} symbol */
  function type(symbol) {
    say("");
    setCode(bookingCode(field.value) + symbol);
    field.focus();
  }

  function erase() {
    say("");
    setCode(bookingCode(field.value).slice(0, -1));
    field.focus();
  }

  function open() {
    say("");
    setCode("");
    screen.hidden = false;
    stillThere();
    field.focus(); // the scanner types where the focus is
  }

  function close() {
    clearTimeout(idle);
    screen.hidden = true;
    setCode("");
    say("");
    home();
  }

  async function checkIn() {
    const code = bookingCode(field.value);
    if (busy) return;
    if (code.length !== CODE_LENGTH) {
      say(t("error.invalid_code"));
      return;
    }
    busy = true;
    say("");
    submit.disabled = true;
    try {
      /** @type {IssuedTicket} */
      const ticket = await api.post(`/api/v1/appointments/${code}/check-in`);
      screen.hidden = true;
      setCode("");
      onTicket(ticket);
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === "centre_closed") {
        screen.hidden = true;
        onClosed(failure.opensAt);
      } else say(errorText(failure));
    } finally {
      busy = false;
      if (!screen.hidden) setCode(field.value);
    }
  }

  /**
   * A booking's QR code read by the scanner on the home screen: this screen opens with the
   * code, as if typed here, and checks it in; a refusal is said here, in words.
   * @param {string} text what the scanner typed (the page's address, or the code)
   */
  function scanned(text) {
    open();
    setCode(text);
    checkIn();
  }

  return { open, close, scanned };
}

/**
 * Whether a scanner's text is a booking's: its page's address (`…/a/XXXX-XXXX`) or the
 * code alone, not some other barcode (an ID card's, a product's).
 * @param {string} text
 */
export function isBookingScan(text) {
  const trimmed = text.trim();
  if (trimmed.includes("/a/")) return bookingCode(trimmed).length === CODE_LENGTH;
  return /^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$/.test(trimmed) && bookingCode(trimmed).length === CODE_LENGTH;
}
