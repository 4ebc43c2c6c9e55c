// @ts-check
// The staff console: log in at a counter, then NEXT, RECALL, START, DONE, NO-SHOW,
// TRANSFER, PAUSE/RESUME and calling a chosen ticket; every action has a key.

import { bookedBadge } from "./booked_badge.js";
import { Api, ApiError, el, waitingAt, $, $of } from "./common.js";
import { Live } from "./live.js";
import { loadCatalogs, languageButtons, onLanguageChange, t, localized, errorText } from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').Counter} Counter */
/** @typedef {import('./messages.js').CounterAction} CounterAction */
/** @typedef {import('./messages.js').Service} Service */
/** @typedef {import('./messages.js').Session} Session */
/** @typedef {import('./messages.js').WaitingLine} WaitingLine */

/** @type {Record<string, string>} */
const SHORTCUTS = { n: "next", r: "recall", s: "start", d: "done", x: "no-show", t: "transfer", p: "pause" };
const api = new Api();
/**
 * @type {{
 *   centre: Centre | null, session: Session | null, counterId: number | null,
 *   counter: Counter | null, services: Map<string, Service>, lines: Map<string, WaitingLine>,
 *   live: Live<"staff"> | null, chain: Promise<unknown>
 * }}
 */
const state = {
  centre: null,
  session: null,
  counterId: null,
  counter: null,
  services: new Map(),
  lines: new Map(),
  live: null,
  chain: Promise.resolve(),
};

const username = $of(HTMLInputElement, "#username");
const password = $of(HTMLInputElement, "#password");
const counterSelect = $of(HTMLSelectElement, "#counter-select");
const transferDialog = $of(HTMLDialogElement, "#transfer-dialog");
const transferForm = $of(HTMLFormElement, "#transfer-form");
const transferService = $of(HTMLSelectElement, "#transfer-service");
const transferCounter = $of(HTMLSelectElement, "#transfer-counter");

await loadCatalogs("staff");
languageButtons($("#languages"));
state.centre = await api.get("/api/v1/centre");
fillCounterSelect();
onLanguageChange(() => {
  renderHeader();
  fillCounterSelect();
  render();
});
renderHeader();

try {
  /** @type {Session} */
  const session = await api.get("/api/v1/session");
  const counter = session.counter ?? Number(localStorage.getItem("qs.staff.counter")) ?? null;
  if (counter) begin(session, counter);
  else showLogin();
} catch {
  showLogin();
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const counter = Number(counterSelect.value);
  const box = $("#login-error");
  box.hidden = true;
  try {
    /** @type {Session} */
    const session = await api.post("/api/v1/login", {
      username: username.value.trim(),
      password: password.value,
      counter,
    });
    password.value = "";
    localStorage.setItem("qs.staff.counter", String(counter));
    begin(session, counter);
  } catch (error) {
    box.textContent = errorText(error);
    box.hidden = false;
    password.focus();
  }
});

$("#logout").addEventListener("click", async () => {
  try {
    await api.post("/api/v1/logout");
  } catch {
    // the session may already be gone; log out locally all the same
  }
  state.live?.stop();
  state.live = null;
  state.session = null;
  showLogin();
});

for (const button of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-action]"))) {
  button.addEventListener("click", () => act(button.dataset.action ?? ""));
}

document.addEventListener("keydown", (event) => {
  if (!state.session || event.ctrlKey || event.altKey || event.metaKey) return;
  if (transferDialog.open) return;
  const target = event.target;
  if (target instanceof Element && target.closest("input, select, textarea")) return;
  const action = SHORTCUTS[event.key.toLowerCase()];
  if (!action) return;
  event.preventDefault();
  act(action);
});

$("#transfer-cancel").addEventListener("click", () => transferDialog.close("cancel"));
transferForm.addEventListener("keydown", (event) => {
  // Enter on a list confirms, as on a text field (Chromium keeps it for the list).
  if (event.key === "Enter" && event.target instanceof HTMLSelectElement) {
    event.preventDefault();
    transferForm.requestSubmit();
  }
});
transferForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const service = transferService.value;
  const counter = transferCounter.value;
  if (!service && !counter) {
    transferService.focus();
    return;
  }
  transferDialog.close("ok");
  /** @type {{ service?: string, counter?: number }} */
  const body = {};
  if (service) body.service = service;
  if (counter) body.counter = Number(counter);
  state.chain = state.chain.then(() => send("transfer", body));
  await state.chain;
});

function renderHeader() {
  $("#centre-name").textContent = localized(state.centre?.name);
}

/** @param {Centre["counters"][number]} counter */
function counterLabel(counter) {
  return localized(counter.name) || t("common.counter_n", { counter: counter.id });
}

function fillCounterSelect() {
  const select = counterSelect;
  const chosen = select.value || localStorage.getItem("qs.staff.counter");
  select.replaceChildren(
    ...(state.centre?.counters ?? []).map((c) => el("option", { value: String(c.id) }, counterLabel(c))),
  );
  if (chosen) select.value = chosen;
}

function showLogin() {
  $("#console").hidden = true;
  $("#login").hidden = false;
  username.focus();
}

/**
 * @param {Session} session
 * @param {number} counterId the counter this console works at
 */
function begin(session, counterId) {
  api.csrf = session.csrf_token;
  state.session = session;
  state.counterId = counterId;
  $("#login").hidden = true;
  $("#console").hidden = false;
  $("#who").textContent = session.name || session.user;
  $("#counter-id").textContent = String(counterId);
  state.live?.stop();
  /** @type {Live<"staff">} */
  const live = new Live(() => ({ role: session.role, view: "staff", counter: counterId }));
  state.live = live;
  live.on("snapshot", (m) => {
    state.counter = m.counters.find((c) => c.id === counterId) ?? null;
    state.services = new Map(m.services.map((s) => [s.code, s]));
    state.lines = new Map(m.waiting.map((w) => [String(w.line), w]));
    render();
  });
  live.on("counter", (m) => {
    if (m.counter.id !== counterId) return;
    state.counter = m.counter;
    render();
  });
  live.on("service", (m) => {
    state.services.set(m.service.code, m.service);
    renderWaiting();
  });
  live.on("waiting", (m) => {
    state.lines.set(String(m.waiting.line), m.waiting);
    renderWaiting();
  });
  live.on("call", (m) => {
    if (m.counter === counterId) info(t(m.recall ? "staff.recalled" : "staff.called", { number: m.number }));
  });
  live.on("refused", () => showLogin());
  live.start();
  $("[data-action=next]").focus();
}

/** @param {string} code */
function serviceName(code) {
  const service = state.centre?.services.find((s) => s.code === code);
  return service ? localized(service.name) : code;
}

function render() {
  const counter = state.counter;
  const current = counter?.current;
  $("#current-number").replaceChildren(current ? current.number : "—", bookedBadge(current?.booked));
  $("#current-detail").textContent = current
    ? `${serviceName(current.service)} · ${t(`ticket.status.${current.status}`)}` +
      (current.recalls ? ` · ${t("staff.recalls", { count: current.recalls })}` : "")
    : t("staff.no_current");
  const status = counter?.status ?? "closed";
  const pill = $("#counter-status");
  pill.textContent = t(`counter.status.${status}`);
  pill.className = `pill ${status}`;
  $("#pause-label").textContent = t(status === "open" ? "staff.pause" : status === "paused" ? "staff.resume" : "staff.open");
  const has = Boolean(current);
  for (const action of ["recall", "done", "no-show", "transfer"]) actionButton(action).disabled = !has;
  actionButton("start").disabled = !current || current.status !== "called";
  // The highlighted action is the one that comes next: open the counter, then START
  // once someone is called (NEXT then would pass them over), else NEXT.
  const next = status !== "open" ? "pause" : current?.status === "called" ? "start" : "next";
  for (const button of document.querySelectorAll(".action")) {
    button.classList.toggle("primary", button instanceof HTMLElement && button.dataset.action === next);
  }
  renderWaiting();
}

function renderWaiting() {
  const counter = state.counter;
  const lineKeys = [String(state.counterId), ...(counter?.services ?? [])];
  const seen = new Set();
  const items = [];
  let total = 0;
  for (const key of lineKeys) {
    const line = state.lines.get(key);
    if (!line) continue;
    total += line.total;
    for (const ticket of line.tickets) {
      if (seen.has(ticket.id)) continue;
      seen.add(ticket.id);
      items.push(
        el(
          "li",
          {},
          el("span", { class: "waiting-number" }, ticket.number, bookedBadge(ticket.booked)),
          el(
            "span",
            { class: "waiting-meta" },
            serviceName(ticket.service),
            ticket.priority ? ` · ${t("staff.priority")}` : "",
          ),
          el(
            "button",
            {
              type: "button",
              class: "small-button",
              dataset: { call: ticket.number },
              "aria-label": t("staff.call_ticket", { number: ticket.number }),
              onclick: () => (state.chain = state.chain.then(() => send("call", { ticket: ticket.number }))),
            },
            t("staff.call"),
          ),
        ),
      );
    }
  }
  $("#waiting-list").replaceChildren(...items);
  const totals = new Map([...state.lines].map(([key, line]) => [key, line.total]));
  $("#waiting-total").textContent = String(counter ? waitingAt(counter, totals) : total);
  $("#waiting-empty").hidden = items.length > 0;
  $("#service-counts").replaceChildren(
    ...(counter?.services ?? []).map((code) => {
      const service = state.services.get(code);
      return el("li", { class: "pill" }, `${serviceName(code)}: ${service ? service.waiting : 0}`);
    }),
  );
}

/**
 * @param {string} action
 * @returns {HTMLButtonElement}
 */
function actionButton(action) {
  return $of(HTMLButtonElement, `[data-action=${action}]`);
}

/** @param {string} text */
function info(text) {
  $("#console-info").textContent = text;
}

/** @param {string} text */
function showError(text) {
  const box = $("#console-error");
  box.textContent = text;
  box.hidden = !text;
}

/** Key presses and clicks run one after another, each seeing the state the last one left. */
/** @param {string} action */
function act(action) {
  if (action === "transfer") return openTransfer();
  // NEXT names the ticket on screen when it was pressed: the server refuses a second press
  // (or another console's) once a call came first, so a double press skips nobody.
  const body = action === "next" ? { current: state.counter?.current?.id ?? null } : undefined;
  state.chain = state.chain.then(async () => {
    if (action === "pause") return send(state.counter?.status === "open" ? "pause" : "resume");
    const button = actionButton(action);
    if (button.disabled) return;
    return send(action, body);
  });
  return state.chain;
}

/**
 * @param {string} action
 * @param {object} [body]
 */
async function send(action, body) {
  showError("");
  try {
    /** @type {CounterAction | null} */
    const result = await api.post(`/api/v1/counters/${state.counterId}/${action}`, body);
    if (result === null && action === "next") info(t("staff.nobody_waiting"));
    if (result?.counter) {
      state.counter = result.counter;
      render();
    }
    if (action === "done") info(t("staff.finished"));
  } catch (error) {
    if (error instanceof ApiError && error.code === "current_changed") return info(t("staff.already_called"));
    showError(errorText(error));
    if (error instanceof ApiError && error.status === 401) showLogin();
  }
}

function openTransfer() {
  if (!state.counter?.current) return;
  const none = () => el("option", { value: "" }, "—");
  transferService.replaceChildren(
    none(),
    ...(state.centre?.services ?? []).map((s) => el("option", { value: s.code }, localized(s.name))),
  );
  transferCounter.replaceChildren(
    none(),
    ...(state.centre?.counters ?? [])
      .filter((c) => c.id !== state.counterId)
      .map((c) => el("option", { value: String(c.id) }, counterLabel(c))),
  );
  transferDialog.showModal();
  transferService.focus();
}
