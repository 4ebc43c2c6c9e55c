// @ts-check
// The staff console: log in at a counter, then NEXT, RECALL, START, DONE, NO-SHOW,
// TRANSFER, PAUSE/RESUME, CLOSE, calling a chosen ticket (out of order: with a reason) and
// bringing back an absent citizen.  The keys D and X wait a few seconds, undoable.

import { bookedBadge } from "./booked_badge.js";
import { Api, ApiError, el, waitingAt, $, $of } from "./common.js";
import { Live } from "./live.js";
import { loadCatalogs, languageButtons, onLanguageChange, t, localized, errorText, formatTime } from "./i18n.js";
import { formatDuration, secondsBetween, secondsSince } from "./durations.js";
import { Grace } from "./grace.js";
import { counterChoices, serviceChoices, fillChoices } from "./transfer_choices.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').Counter} Counter */
/** @typedef {import('./messages.js').CounterAction} CounterAction */
/** @typedef {import('./messages.js').Device} Device */
/** @typedef {import('./messages.js').Service} Service */
/** @typedef {import('./messages.js').Session} Session */
/** @typedef {import('./messages.js').WaitingLine} WaitingLine */
/** @typedef {import('./messages.js').TicketSummary} TicketSummary */

/** @type {Record<string, string>} */
const SHORTCUTS = { n: "next", r: "recall", s: "start", d: "done", x: "no-show", t: "transfer", p: "pause" };
/** A single key that ends a citizen's turn waits this long, undoable. */
const GRACE_SECONDS = 4;
const GRACED = new Set(["done", "no-show"]);
const MANAGER_ROLES = new Set(["supervisor", "admin"]);
const api = new Api();
/**
 * @type {{
 *   centre: Centre | null, session: Session | null, counterId: number | null,
 *   counter: Counter | null, services: Map<string, Service>, lines: Map<string, WaitingLine>,
 *   live: Live<"staff"> | null, chain: Promise<unknown>, kiosks: Map<string, Device>
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
  kiosks: new Map(),
};

const username = $of(HTMLInputElement, "#username");
const password = $of(HTMLInputElement, "#password");
const counterSelect = $of(HTMLSelectElement, "#counter-select");
const transferDialog = $of(HTMLDialogElement, "#transfer-dialog");
const transferForm = $of(HTMLFormElement, "#transfer-form");
const transferService = $of(HTMLSelectElement, "#transfer-service");
const transferCounter = $of(HTMLSelectElement, "#transfer-counter");
const transferInsist = $of(HTMLInputElement, "#transfer-insist");
/** @type {{ counters: Counter[], services: Service[] }} where a ticket may go, as last asked */
const transferPlaces = { counters: [], services: [] };
const reasonDialog = $of(HTMLDialogElement, "#reason-dialog");
const reasonForm = $of(HTMLFormElement, "#reason-form");
const reasonInput = $of(HTMLInputElement, "#call-reason");
const logoutDialog = $of(HTMLDialogElement, "#logout-dialog");
/** @type {TicketSummary | null} the ticket the reason dialog is about */
let reasonFor = null;

/** @type {Grace<string>} */
const grace = new Grace(GRACE_SECONDS, {
  tick: (action, left) => {
    const number = state.counter?.current?.number ?? "";
    $("#pending-text").textContent = t("staff.pending", { action: actionName(action), number, seconds: left });
    $("#pending").hidden = false;
  },
  fire: (action) => {
    state.chain = state.chain.then(() => (actionButton(action).disabled ? undefined : send(action)));
  },
  clear: () => {
    $("#pending").hidden = true;
  },
});

await loadCatalogs("staff");
languageButtons($("#languages"));
state.centre = await api.get("/api/v1/centre");
fillCounterSelect();
onLanguageChange(() => {
  renderHeader();
  fillCounterSelect();
  render();
  renderKiosks();
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
    const others = session.also_here ?? [];
    const warning = $("#held-warning");
    warning.textContent = others.length ? t("staff.held_by", { names: others.join(", "), counter }) : "";
    warning.hidden = others.length === 0;
  } catch (error) {
    box.textContent = errorText(error);
    box.hidden = false;
    password.focus();
  }
});

$("#logout").addEventListener("click", () => {
  // An open counter left behind keeps its line waiting for nobody: ask what to do.
  if ((state.counter?.status ?? "closed") === "closed") return logOut();
  logoutDialog.returnValue = "";
  logoutDialog.showModal();
});
logoutDialog.addEventListener("close", async () => {
  const choice = logoutDialog.returnValue;
  if (choice === "close") {
    await send("close");
    if (state.counter?.status !== "closed") return; // refused: the error says why
  }
  if (choice === "close" || choice === "leave") await logOut();
});

async function logOut() {
  grace.undo();
  try {
    await api.post("/api/v1/logout");
  } catch {
    // the session may already be gone; log out locally all the same
  }
  state.live?.stop();
  state.live = null;
  state.session = null;
  $("#held-warning").hidden = true;
  showLogin();
}

$("#pending-undo").addEventListener("click", () => grace.undo());
$("#pending-now").addEventListener("click", () => grace.now());
$("#reason-cancel").addEventListener("click", () => reasonDialog.close("cancel"));
reasonForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const reason = reasonInput.value.trim();
  if (!reason || !reasonFor) return reasonInput.focus();
  const ticket = reasonFor;
  reasonDialog.close("ok");
  state.chain = state.chain.then(() => send("call", { ticket: ticket.number, reason }));
});
setInterval(renderTimes, 1000);

for (const button of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-action]"))) {
  button.addEventListener("click", () => act(button.dataset.action ?? ""));
}

document.addEventListener("keydown", (event) => {
  if (!state.session || event.ctrlKey || event.altKey || event.metaKey) return;
  if (transferDialog.open || reasonDialog.open || logoutDialog.open) return;
  const target = event.target;
  if (target instanceof Element && target.closest("input, select, textarea")) return;
  if (grace.pending) {
    // While an action waits, Esc takes it back and Enter sends it; other keys wait too.
    if (event.key === "Escape" || event.key === "Enter") {
      event.preventDefault();
      if (event.key === "Escape") grace.undo();
      else grace.now();
    }
    return;
  }
  const action = SHORTCUTS[event.key.toLowerCase()];
  if (!action) return;
  event.preventDefault();
  if (GRACED.has(action)) {
    if (!actionButton(action).disabled) grace.start(action);
    return;
  }
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
  /** @type {{ service?: string, counter?: number, insist?: boolean }} */
  const body = {};
  if (service) body.service = service;
  if (counter) body.counter = Number(counter);
  if (transferInsist.checked) body.insist = true;
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
  actionButton("cancel").hidden = !MANAGER_ROLES.has(session.role);
  state.live?.stop();
  /** @type {Live<"staff">} */
  const live = new Live(() => ({ role: session.role, view: "staff", counter: counterId }));
  state.live = live;
  live.on("snapshot", (m) => {
    state.counter = m.counters.find((c) => c.id === counterId) ?? null;
    state.services = new Map(m.services.map((s) => [s.code, s]));
    state.lines = new Map(m.waiting.map((w) => [String(w.line), w]));
    state.kiosks = new Map((m.kiosks ?? []).map((k) => [k.name, k]));
    render();
    renderKiosks();
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
  live.on("device", (m) => {
    if (m.device.kind !== "kiosk") return;
    state.kiosks.set(m.device.name, m.device);
    renderKiosks();
  });
  live.on("call", (m) => {
    if (m.counter === counterId) info(t(m.recall ? "staff.recalled" : "staff.called", { number: m.number }));
  });
  live.on("refused", () => {
    live.stop(); // logged out (here or elsewhere), or the password changed: log in again
    showLogin();
  });
  live.start();
  $("[data-action=next]").focus();
}

/** @param {string} code */
function serviceName(code) {
  const service = state.centre?.services.find((s) => s.code === code);
  return service ? localized(service.name) : code;
}

/** Kiosks that cannot print send citizens to the desk: staff must know which one. */
function renderKiosks() {
  const down = [...state.kiosks.values()].filter((kiosk) => !kiosk.up);
  const box = $("#kiosks-down");
  box.replaceChildren(
    ...down.map((kiosk) =>
      el(
        "li",
        { class: "kiosk-down", dataset: { kiosk: kiosk.kiosk ?? kiosk.name }, title: kiosk.detail || null },
        t("staff.kiosk_down", { kiosk: kiosk.kiosk ?? kiosk.name }),
      ),
    ),
  );
  box.hidden = down.length === 0;
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
  $("#served-today").textContent = t("staff.served_today", { count: counter?.served_today ?? 0 });
  renderTimes();
  const pill = $("#counter-status");
  pill.textContent = t(`counter.status.${status}`);
  pill.className = `pill ${status}`;
  $("#pause-label").textContent = t(status === "open" ? "staff.pause" : status === "paused" ? "staff.resume" : "staff.open");
  const has = Boolean(current);
  for (const action of ["recall", "done", "no-show", "transfer", "cancel"]) actionButton(action).disabled = !has;
  actionButton("close").disabled = status === "closed";
  if (grace.pending && !current) grace.undo(); // its citizen is gone: nothing left to end
  actionButton("start").disabled = !current || current.status !== "called";
  // The highlighted action is the one that comes next: open the counter, then START
  // once someone is called (NEXT then would pass them over), else NEXT.
  const next = status !== "open" ? "pause" : current?.status === "called" ? "start" : "next";
  for (const button of document.querySelectorAll(".action")) {
    button.classList.toggle("primary", button instanceof HTMLElement && button.dataset.action === next);
  }
  renderWaiting();
  renderAbsent();
}

/** The current citizen's wait before the call, the service timer, and each waiting ticket's wait. */
function renderTimes() {
  const current = state.counter?.current;
  const now = Date.now();
  const box = $("#current-times");
  box.hidden = !current;
  if (current) {
    const waited = secondsBetween(current.waiting_since, current.called_at);
    $("#current-waited").textContent =
      waited === null ? "" : t("staff.waited", { time: formatDuration(waited) });
    const serving = secondsSince(current.started_at, now);
    const called = secondsSince(current.called_at, now);
    $("#service-timer").textContent =
      serving !== null
        ? t("staff.serving_for", { time: formatDuration(serving) })
        : called !== null
          ? t("staff.called_for", { time: formatDuration(called) })
          : "";
  }
  for (const node of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-since]"))) {
    const waited = secondsSince(node.dataset.since, now);
    node.textContent = waited === null ? "" : formatDuration(waited);
  }
}

/** Citizens marked absent here today: one press puts them back in line when they come. */
function renderAbsent() {
  const absent = state.counter?.absent ?? [];
  const manager = MANAGER_ROLES.has(state.session?.role ?? "");
  $("#absent-title").hidden = absent.length === 0;
  $("#absent-list").replaceChildren(
    ...absent.map((ticket) =>
      el(
        "li",
        { dataset: { absent: ticket.number } },
        el("span", { class: "waiting-number" }, ticket.number),
        el("span", { class: "waiting-meta" }, serviceName(ticket.service), requeueNote(ticket)),
        el(
          "button",
          {
            type: "button",
            class: "small-button",
            dataset: { reactivate: ticket.number },
            "aria-label": t("staff.reactivate_ticket", { number: ticket.number }),
            onclick: () => (state.chain = state.chain.then(() => ticketAction(ticket, "reactivate"))),
          },
          t("staff.reactivate"),
        ),
        manager ? cancelButton(ticket) : null,
      ),
    ),
  );
}

/** @param {TicketSummary} ticket */
function requeueNote(ticket) {
  return ticket.requeue_at ? ` · ${t("staff.requeue_at", { time: formatTime(new Date(ticket.requeue_at)) })}` : "";
}

/** @param {TicketSummary} ticket */
function cancelButton(ticket) {
  return el(
    "button",
    {
      type: "button",
      class: "small-button",
      dataset: { cancel: ticket.number },
      "aria-label": t("staff.cancel_number", { number: ticket.number }),
      onclick: () => (state.chain = state.chain.then(() => ticketAction(ticket, "cancel"))),
    },
    t("staff.cancel"),
  );
}

/**
 * Reactivate or cancel a ticket (not the counter's own action: the ticket's).
 * @param {TicketSummary} ticket
 * @param {"reactivate" | "cancel"} action
 */
async function ticketAction(ticket, action) {
  showError("");
  try {
    await api.post(`/api/v1/tickets/${ticket.id}/${action}`);
    info(t(action === "cancel" ? "staff.cancelled" : "staff.reactivated", { number: ticket.number }));
  } catch (error) {
    showError(errorText(error));
    if (error instanceof ApiError && error.status === 401) showLogin();
  }
}

/**
 * The reception desk's part: a citizen shows a card (merit, disability...) and the desk
 * gives their waiting ticket its class, which the kiosk does not take by a tap
 * (`at_desk`).  Shown where the centre has such classes.
 * @param {TicketSummary} ticket
 */
function priorityChoice(ticket) {
  const classes = state.centre?.priority_classes ?? [];
  if (!classes.some((p) => p.at_desk)) return null;
  const select = el(
    "select",
    {
      class: "priority-select",
      dataset: { priorityOf: ticket.number },
      "aria-label": t("staff.priority_of", { number: ticket.number }),
      onchange: () => {
        const priority = select.value || null;
        state.chain = state.chain.then(() => setPriority(ticket, priority));
      },
    },
    el("option", { value: "" }, t("staff.priority_none")),
    ...classes.map((p) => el("option", { value: p.code }, localized(p.name))),
  );
  select.value = ticket.priority ?? "";
  return select;
}

/**
 * @param {TicketSummary} ticket
 * @param {string | null} priority
 */
async function setPriority(ticket, priority) {
  showError("");
  try {
    await api.post(`/api/v1/tickets/${ticket.id}/priority`, { priority });
    info(t("staff.priority_set", { number: ticket.number }));
  } catch (error) {
    showError(errorText(error));
    if (error instanceof ApiError && error.status === 401) showLogin();
  }
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
    for (const [index, ticket] of line.tickets.entries()) {
      if (seen.has(ticket.id)) continue;
      seen.add(ticket.id);
      // Calling anyone but the head of a line passes over those ahead: say why.
      const outOfOrder = index > 0;
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
          el("span", { class: "waiting-wait", dataset: { since: ticket.waiting_since ?? "" } }),
          el(
            "button",
            {
              type: "button",
              class: "small-button",
              dataset: { call: ticket.number },
              "aria-label": t("staff.call_ticket", { number: ticket.number }),
              onclick: () =>
                outOfOrder
                  ? askReason(ticket)
                  : (state.chain = state.chain.then(() => send("call", { ticket: ticket.number }))),
            },
            t("staff.call"),
          ),
          priorityChoice(ticket),
          MANAGER_ROLES.has(state.session?.role ?? "") ? cancelButton(ticket) : null,
        ),
      );
    }
  }
  $("#waiting-list").replaceChildren(...items);
  renderTimes();
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

/** @param {TicketSummary} ticket */
function askReason(ticket) {
  reasonFor = ticket;
  $("#reason-title").textContent = t("staff.reason_title", { number: ticket.number });
  reasonInput.value = "";
  reasonDialog.showModal();
  reasonInput.focus();
}

/** @param {string} action */
function actionName(action) {
  return t(`staff.${action.replace("-", "_")}`);
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
  if (action === "cancel") {
    const current = state.counter?.current;
    if (current) state.chain = state.chain.then(() => ticketAction(current, "cancel"));
    return state.chain;
  }
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
    if (action === "close") info(t("staff.closed"));
    if (action === "no-show" && body === undefined) info(noShowText(result));
  } catch (error) {
    if (error instanceof ApiError && error.code === "current_changed") return info(t("staff.already_called"));
    showError(errorText(error));
    if (error instanceof ApiError && error.status === 401) showLogin();
  }
}

/**
 * What NO-SHOW did, in words: who was marked absent, and whether they go back in line.
 * @param {CounterAction | null} result
 */
function noShowText(result) {
  const absent = result?.counter.absent?.[0];
  if (!absent) return t("staff.no_show_done");
  return absent.requeue_at
    ? t("staff.no_show_requeue", { number: absent.number, time: formatTime(new Date(absent.requeue_at)) })
    : t("staff.no_show_absent", { number: absent.number });
}

/** The transfer dialog lists each counter's state and line and each service's open
 * counters, asked afresh; places nobody calls from are offered only to a supervisor who
 * insists (the server refuses them otherwise). */
async function openTransfer() {
  if (!state.counter?.current || !state.centre) return;
  try {
    const [counters, services] = await Promise.all([api.get("/api/v1/counters"), api.get("/api/v1/services")]);
    transferPlaces.counters = counters.counters;
    transferPlaces.services = services.services;
  } catch (error) {
    return showError(errorText(error));
  }
  transferService.value = "";
  transferCounter.value = "";
  transferInsist.checked = false;
  $("#transfer-insist-label").hidden = !MANAGER_ROLES.has(state.session?.role ?? "");
  fillTransferChoices();
  transferDialog.showModal();
  transferService.focus();
}

function fillTransferChoices() {
  if (!state.centre) return;
  const insist = transferInsist.checked;
  fillChoices(transferService, serviceChoices(state.centre, transferPlaces.services), insist);
  fillChoices(transferCounter, counterChoices(state.centre, transferPlaces.counters, state.counterId), insist);
}
transferInsist.addEventListener("change", fillTransferChoices);
