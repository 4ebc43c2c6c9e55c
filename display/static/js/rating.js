// @ts-check
// The four satisfaction buttons, shared by the citizen's phone and the counter's tablet:
// large, each a drawn face (fonts on old phones and kiosks may lack emoji) and its name.

import { localized, t } from "./i18n.js";

/** @typedef {import('./messages.js').Rating} Rating */
/** @typedef {{ code: string, name: import('./messages.js').Texts }} Reason */

/** @type {Rating[]} */
export const RATINGS = ["very_satisfied", "satisfied", "neutral", "dissatisfied"];

const SVG = "http://www.w3.org/2000/svg";
/** @type {Record<Rating, Record<string, string>>} */
const MOUTHS = {
  very_satisfied: { d: "M7 13.5 Q12 20 17 13.5 Z", fill: "currentColor" },
  satisfied: { d: "M7.5 14.5 Q12 18.5 16.5 14.5" },
  neutral: { d: "M8 15.5 H16" },
  dissatisfied: { d: "M7.5 17.5 Q12 13 16.5 17.5" },
};

/**
 * @param {string} tag
 * @param {Record<string, string>} attributes
 */
function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** @param {Rating} rating */
function face(rating) {
  const stroke = { stroke: "currentColor", "stroke-width": "1.6", "stroke-linecap": "round" };
  const root = svg("svg", { class: "rating-face", viewBox: "0 0 24 24", "aria-hidden": "true" });
  root.append(
    svg("circle", { cx: "12", cy: "12", r: "10.5", fill: "none", ...stroke }),
    svg("circle", { cx: "8.5", cy: "9.5", r: "1.4", fill: "currentColor" }),
    svg("circle", { cx: "15.5", cy: "9.5", r: "1.4", fill: "currentColor" }),
    svg("path", { fill: "none", ...stroke, ...MOUTHS[rating] }),
  );
  return root;
}

/**
 * Fill `container` with the four buttons; `choose(rating, reason)` runs on a tap.  A
 * dissatisfied citizen is then asked why, in one tap (one of the centre's `reasons()`,
 * or "skip"), before `choose` runs: the head of the centre learns what to fix.
 * @param {HTMLElement} container
 * @param {(rating: Rating, reason?: string) => void} choose
 * @param {() => Reason[]} [reasons]
 */
export function ratingButtons(container, choose, reasons = () => []) {
  const faces = () => {
    container.replaceChildren();
    delete container.dataset.step;
    for (const rating of RATINGS) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "rating-choice";
      button.dataset.rating = rating;
      const label = document.createElement("span");
      label.dataset.i18n = `rating.${rating}`; // kept in step by the page's language switch
      label.textContent = t(`rating.${rating}`);
      button.append(face(rating), label);
      button.addEventListener("click", () => {
        if (rating === "dissatisfied" && reasons().length) askWhy();
        else choose(rating);
      });
      container.append(button);
    }
  };
  const askWhy = () => {
    container.replaceChildren();
    container.dataset.step = "reason";
    const question = document.createElement("p");
    question.className = "rating-reason-question";
    question.textContent = t("rating.reason_question");
    container.append(question);
    /** @param {string} text @param {string | undefined} code */
    const add = (text, code) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = code ? "rating-choice rating-reason" : "rating-choice rating-reason rating-skip";
      if (code) button.dataset.reason = code;
      button.textContent = text;
      button.addEventListener("click", () => {
        faces(); // for the next citizen
        choose("dissatisfied", code);
      });
      container.append(button);
    };
    for (const reason of reasons()) add(localized(reason.name) || reason.code, reason.code);
    add(t("rating.reason_skip"), undefined);
    /** @type {HTMLButtonElement | null} */ (container.querySelector("button"))?.focus();
  };
  faces();
}

/**
 * Disable or enable the buttons while a rating is on its way.
 * @param {HTMLElement} container
 * @param {boolean} busy
 */
export function setRatingBusy(container, busy) {
  const buttons = /** @type {NodeListOf<HTMLButtonElement>} */ (container.querySelectorAll(".rating-choice"));
  for (const button of buttons) button.disabled = busy;
}
