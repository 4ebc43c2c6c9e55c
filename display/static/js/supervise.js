// @ts-check
// The supervisor's live view: every counter's state and who is at it, every line with its
// longest wait coloured against the centre's target, and the supervisor's actions: open,
// pause, close a counter, transfer or cancel its ticket, bring back an absent citizen,
// cancel a waiting ticket, close the day.

import { Api, ApiError, el, $, $of } from "./common.js";
import { Live } from "./live.js";
import { sessionPage } from "./login.js";
import { loadCatalogs, languageButtons, onLanguageChange, t, localized, errorText } from "./i18n.js";
import { formatDuration, secondsSince, waitLevel } from "./durations.js";
import { counterChoices, serviceChoices, fillChoices } from "./transfer_choices.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').Counter} Counter */
/** @typedef {import('./messages.js').Service} Service */
/** @typedef {import('./messages.js').Session} Session */
/** @typedef {import('./messages.js').TicketSummary} TicketSummary */
/** @typedef {import('./messages.js').WaitingLine} WaitingLine */
/** @typedef {import('./messages.js').PeopleAtCounters} PeopleAtCounters */

const MANAGER_ROLES = new Set(["supervisor", "admin"]);
/** Logging in changes no counter: who is at each is asked again this often too. */
const PEOPLE_EVERY_MS = 30000;
const FIRST_TICKETS = 5;
const api = new Api();
/**
 * @type {{
 *   counters: Map<number, Counter>, services: Map<string, Service>, lines: Map<string, WaitingLine>,
 *   people: Map<number, string[]>, dayClosed: boolean, day: string | null, live: Live<"admin"> | null
 * }}
 */
const state = {
  counters: new Map(), services: new Map(), lines: new Map(), people: new Map(),
  dayClosed: false, day: null, live: null,
};
/** @type {Counter | null} the counter whose ticket the transfer dialog sends */
let transferFrom = null;

const transferDialog = $of(HTMLDialogElement, "#transfer-dialog");
const transferForm = $of(HTMLFormElement, "#transfer-form");
const transferService = $of(HTMLSelectElement, "#transfer-service");
const transferCounter = $of(HTMLSelectElement, "#transfer-counter");
const transferInsist = $of(HTMLInputElement, "#transfer-insist");
const closeDayDialog = $of(HTMLDialogElement, "#close-day-dialog");

await loadCatalogs("supervise");
languageButtons($("#languages"));
/** @type {Centre} */
const centre = await api.get("/api/v1/centre");
const target = centre.queue?.target_wait_minutes ?? 20;
$("#centre-name").textContent = localized(centre.name);
onLanguageChange(renderAll);

const showLogin = sessionPage(api, {
  roles: MANAGER_ROLES, refusal: "admin.managers_only", board: "#board", start: begin,
});

$("#close-day").addEventListener("click", () => {
  closeDayDialog.returnValue = "";
  closeDayDialog.showModal();
});
closeDayDialog.addEventListener("close", () => {
  if (closeDayDialog.returnValue === "close") run(() => api.post("/api/v1/day/close"), t("supervise.day_closed"));
});

$("#transfer-cancel").addEventListener("click", () => transferDialog.close("cancel"));
transferInsist.addEventListener("change", fillTransferChoices);
transferForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const from = transferFrom;
  if (!from || (!transferService.value && !transferCounter.value)) return transferService.focus();
  /** @type {{ service?: string, counter?: number, insist?: boolean }} */
  const body = {};
  if (transferService.value) body.service = transferService.value;
  else body.counter = Number(transferCounter.value);
  if (transferInsist.checked) body.insist = true;
  transferDialog.close("ok");
  run(() => api.post(`/api/v1/counters/${from.id}/transfer`, body));
});

setInterval(tick, 1000);
setInterval(loadPeople, PEOPLE_EVERY_MS);

/** Once logged in: the live view of every counter and line.
 * @param {Session} session */
function begin(session) {
  state.live?.stop();
  /** @type {Live<"admin">} */
  const live = new Live(() => ({ role: session.role, view: "admin" }));
  state.live = live;
  live.on("snapshot", (m) => {
    state.counters = new Map(m.counters.map((c) => [c.id, c]));
    state.services = new Map(m.services.map((s) => [s.code, s]));
    state.lines = new Map(m.waiting.map((w) => [String(w.line), w]));
    state.dayClosed = m.day_closed;
    state.day = m.day;
    renderAll();
    loadPeople();
  });
  live.on("counter", (m) => {
    state.counters.set(m.counter.id, m.counter);
    renderCounters();
    loadPeople();
  });
  live.on("service", (m) => {
    state.services.set(m.service.code, m.service);
  });
  live.on("waiting", (m) => {
    state.lines.set(String(m.waiting.line), m.waiting);
    renderLines();
  });
  live.on("day", (m) => {
    state.dayClosed = m.closed;
    state.day = m.day;
    renderDay();
  });
  live.on("refused", () => {
    live.stop();
    showLogin();
  });
  live.start();
}

// Who is at each counter comes from the sessions, asked one request at a time.
let peopleAsked = false;
async function loadPeople() {
  if (peopleAsked || $("#board").hidden) return;
  peopleAsked = true;
  try {
    /** @type {PeopleAtCounters} */
    const answer = await api.get("/api/v1/counters/people");
    state.people = new Map(answer.counters.map((row) => [row.counter, row.people]));
    renderCounters();
  } catch {
    // shown again at the next counter message or in half a minute
  } finally {
    peopleAsked = false;
  }
}

function renderAll() {
  $("#target").textContent = t("supervise.target", { minutes: target });
  renderCounters();
  renderLines();
  renderDay();
}

/** @param {number} id */
function counterName(id) {
  const counter = centre.counters.find((c) => c.id === id);
  return (counter && localized(counter.name)) || t("common.counter_n", { counter: id });
}

/** @param {string} code */
function serviceName(code) {
  const service = centre.services.find((s) => s.code === code);
  return service ? localized(service.name) : code;
}

/**
 * @param {string} label
 * @param {Record<string, string>} dataset
 * @param {() => Promise<unknown>} action
 * @param {string} [done] said once it is done
 */
function button(label, dataset, action, done) {
  return el("button", { type: "button", class: "small-button", dataset, onclick: () => run(action, done) }, label);
}

function renderCounters() {
  const rows = [...state.counters.values()]
    .sort((a, b) => a.id - b.id)
    .map((counter) => {
      const id = counter.id;
      const status = counter.status;
      const current = counter.current;
      const people = state.people.get(id) ?? [];
      const post = (/** @type {string} */ action) => () => api.post(`/api/v1/counters/${id}/${action}`);
      const actions = [
        status === "closed" ? button(t("staff.open"), { open: String(id) }, post("open")) : null,
        status === "open" ? button(t("staff.pause"), { pause: String(id) }, post("pause")) : null,
        status === "paused" ? button(t("staff.resume"), { resume: String(id) }, post("resume")) : null,
        status !== "closed" ? button(t("staff.close"), { close: String(id) }, post("close")) : null,
        current
          ? el(
              "button",
              { type: "button", class: "small-button", dataset: { transfer: String(id) }, onclick: () => openTransfer(counter) },
              t("staff.transfer"),
            )
          : null,
        current ? cancelButton(current) : null,
      ];
      return el(
        "tr",
        { dataset: { counter: String(id) } },
        el("td", {}, counterName(id)),
        el("td", {}, el("span", { class: `pill ${status}` }, t(`counter.status.${status}`))),
        el("td", { class: "people" }, people.length ? people.join(", ") : el("span", { class: "muted" }, "—")),
        el("td", {}, current ? el("span", { class: "number" }, current.number) : "—", ...absentChips(counter)),
        el("td", {}, String(counter.waiting)),
        el("td", {}, String(counter.served_today ?? 0)),
        el("td", {}, el("div", { class: "buttons" }, ...actions)),
      );
    });
  $("#counters").replaceChildren(...rows);
}

/** @param {Counter} counter the absent citizens it called, each to put back in line */
function absentChips(counter) {
  return (counter.absent ?? []).map((ticket) =>
    el(
      "span",
      { class: "ticket-chip", dataset: { absent: ticket.number } },
      el("span", { class: "muted" }, t("supervise.absent", { number: ticket.number })),
      button(
        t("staff.reactivate"),
        { reactivate: ticket.number },
        () => api.post(`/api/v1/tickets/${ticket.id}/reactivate`),
        t("staff.reactivated", { number: ticket.number }),
      ),
    ),
  );
}

/** @param {TicketSummary} ticket */
function cancelButton(ticket) {
  return button(
    t("staff.cancel_number", { number: ticket.number }),
    { cancel: ticket.number },
    () => api.post(`/api/v1/tickets/${ticket.id}/cancel`),
    t("staff.cancelled", { number: ticket.number }),
  );
}

/** The lines: services in the centre's order, then the counters' own lines. */
function renderLines() {
  const keys = [
    ...centre.services.map((s) => s.code),
    ...[...state.lines.keys()].filter((key) => /^\d+$/.test(key)).sort((a, b) => Number(a) - Number(b)),
  ];
  const rows = keys.map((key) => {
    const line = state.lines.get(key);
    const tickets = line?.tickets ?? [];
    const oldest = tickets.reduce(
      (/** @type {string | null} */ best, ticket) =>
        ticket.waiting_since && (!best || Date.parse(ticket.waiting_since) < Date.parse(best)) ? ticket.waiting_since : best,
      null,
    );
    return el(
      "tr",
      { dataset: { line: key } },
      el("td", {}, /^\d+$/.test(key) ? counterName(Number(key)) : serviceName(key)),
      el("td", {}, String(line?.total ?? 0)),
      el("td", {}, oldest ? el("span", { class: "wait", dataset: { since: oldest } }) : "—"),
      el(
        "td",
        {},
        ...tickets
          .slice(0, FIRST_TICKETS)
          .map((ticket) =>
            el("span", { class: "ticket-chip" }, el("span", { class: "number" }, ticket.number), cancelButton(ticket)),
          ),
      ),
    );
  });
  $("#lines").replaceChildren(...rows);
  tick();
}

/** Each longest wait, ticking, coloured against the target. */
function tick() {
  const now = Date.now();
  for (const node of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll(".wait[data-since]"))) {
    const waited = secondsSince(node.dataset.since, now) ?? 0;
    const level = waitLevel(waited, target);
    node.textContent = formatDuration(waited);
    node.className = `wait ${level}`;
    node.title = t(`supervise.wait_${level}`, { minutes: target });
  }
}

function renderDay() {
  $("#day-state").textContent = state.dayClosed
    ? t("supervise.day_is_closed", { day: state.day ?? "" })
    : t("supervise.day_is_open", { day: state.day ?? "" });
  $of(HTMLButtonElement, "#close-day").disabled = state.dayClosed || !state.day;
}

/** @param {Counter} counter */
async function openTransfer(counter) {
  transferFrom = counter;
  $("#transfer-title").textContent = t("supervise.transfer_title", {
    number: counter.current?.number ?? "",
    counter: counterName(counter.id),
  });
  transferService.value = "";
  transferCounter.value = "";
  transferInsist.checked = false;
  fillTransferChoices();
  transferDialog.showModal();
  transferService.focus();
}

function fillTransferChoices() {
  const insist = transferInsist.checked;
  fillChoices(transferService, serviceChoices(centre, [...state.services.values()]), insist);
  fillChoices(
    transferCounter,
    counterChoices(centre, [...state.counters.values()], transferFrom?.id ?? null),
    insist,
  );
}

/**
 * Run an action; its refusal is shown in the person's language.
 * @param {() => Promise<unknown>} action
 * @param {string} [done]
 */
async function run(action, done) {
  const box = $("#board-error");
  box.hidden = true;
  try {
    await action();
    $("#board-info").textContent = done ?? "";
  } catch (error) {
    box.textContent = errorText(error);
    box.hidden = false;
    if (error instanceof ApiError && error.status === 401) showLogin();
  }
}
