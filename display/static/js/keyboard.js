// @ts-check
// An on-screen keyboard for a touch screen with no keyboard of its own (the kiosk's
// search).  Plain letters are enough: the search ignores diacritics.  Keys type into the
// input as a keyboard would (an "input" event each), so the page needs nothing else.

import { el } from "./common.js";

const ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

/**
 * @typedef {object} KeyboardLabels what the keys without a letter say (the page's language)
 * @property {string} space
 * @property {string} backspace
 * @property {string} close
 */

export class OnScreenKeyboard {
  /**
   * @param {HTMLElement} box where the keys go (hidden until the input is touched)
   * @param {HTMLInputElement} input
   */
  constructor(box, input) {
    this.box = box;
    this.input = input;
    // A tap on the input opens the keyboard; keys never take the focus away from it.
    input.addEventListener("focus", () => this.open());
    input.addEventListener("pointerdown", () => this.open());
    box.addEventListener("pointerdown", (event) => event.preventDefault());
  }

  open() {
    this.box.hidden = false;
  }

  close() {
    this.box.hidden = true;
  }

  /** (Re)draw the keys, e.g. when the language changes.
   * @param {KeyboardLabels} labels */
  render(labels) {
    /** @param {string} key @param {string} text @param {string} [label] */
    const button = (key, text, label) =>
      el(
        "button",
        { type: "button", class: `key key-${key.length > 1 ? key : "letter"}`, dataset: { key }, "aria-label": label, onclick: () => this.press(key) },
        text,
      );
    this.box.replaceChildren(
      ...ROWS.map((row, index) =>
        el(
          "div",
          { class: "keyboard-row", dir: "ltr" },
          ...[...row].map((letter) => button(letter, letter.toUpperCase())),
          index === ROWS.length - 1 ? button("backspace", "⌫", labels.backspace) : null,
        ),
      ),
      el("div", { class: "keyboard-row", dir: "ltr" }, button("space", labels.space), button("close", labels.close)),
    );
  }

  /** @param {string} key */
  press(key) {
    if (key === "close") return this.close();
    const value = this.input.value;
    this.input.value = key === "backspace" ? value.slice(0, -1) : value + (key === "space" ? " " : key);
    this.input.dispatchEvent(new Event("input", { bubbles: true }));
  }
}
