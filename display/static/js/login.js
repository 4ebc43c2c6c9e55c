// @ts-check
// The managers' pages (admin, supervise) share one login form: #login-form with
// #username and #password, its refusal in words in #login-error.  The staff console's
// form also asks for a counter and stays its own.

import { $, $of } from "./common.js";
import { errorText } from "./i18n.js";

/** @typedef {import('./common.js').Api} Api */
/** @typedef {import('./messages.js').Session} Session */

/**
 * Log in from the page's form; `begin(session)` once the server said yes.
 * @param {Api} api
 * @param {(session: Session) => void} begin
 */
export function loginForm(api, begin) {
  const username = $of(HTMLInputElement, "#username");
  const password = $of(HTMLInputElement, "#password");
  $("#login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("#login-error");
    box.hidden = true;
    try {
      /** @type {Session} */
      const session = await api.post("/api/v1/login", {
        username: username.value.trim(),
        password: password.value,
      });
      password.value = "";
      begin(session);
    } catch (error) {
      box.textContent = errorText(error);
      box.hidden = false;
    }
  });
}
