// @ts-check
// The pages people log in to (admin, supervise, assist) share one login form: #login-form
// with #username and #password, its refusal in words in #login-error; and, around it,
// the page's session: #login or the page's board, #who, #logout.  The staff console's
// form also asks for a counter and stays its own.

import { $, $of } from "./common.js";
import { errorText, t } from "./i18n.js";

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

/**
 * A page for people: the open session if there is one, else the login form; a role not
 * in `roles` is told `refusal` (a catalog key) and stays at the form.  `start(session)`
 * once in.  Returns `showLogin`, for a session that ends later (a refused live feed).
 * @param {Api} api
 * @param {{ roles: Set<string>, refusal: string, board: string, start: (session: Session) => void }} page
 * @returns {() => void}
 */
export function sessionPage(api, { roles, refusal, board, start }) {
  const showLogin = () => {
    $(board).hidden = true;
    $("#login").hidden = false;
  };
  /** @param {Session} session */
  const begin = (session) => {
    if (!roles.has(session.role)) {
      $("#login-error").textContent = t(refusal);
      $("#login-error").hidden = false;
      return showLogin();
    }
    api.csrf = session.csrf_token;
    $("#login").hidden = true;
    $(board).hidden = false;
    $("#who").textContent = session.name || session.user;
    $("#logout").hidden = false;
    start(session);
  };
  api.get("/api/v1/session").then(begin).catch(showLogin);
  loginForm(api, begin);
  $("#logout").addEventListener("click", async () => {
    try {
      await api.post("/api/v1/logout");
    } finally {
      location.reload();
    }
  });
  return showLogin;
}
