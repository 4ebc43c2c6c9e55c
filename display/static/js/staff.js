// The staff console: log in at a counter, then NEXT, RECALL, START, DONE, NO-SHOW,
// TRANSFER, PAUSE/RESUME and calling a chosen ticket; every action has a key.

import { Api, el, waitingAt, $ } from "./common.js";
import { Live } from "./live.js";
import { loadCatalogs, languageButtons, onLanguageChange, t, localized, errorText } from "./i18n.js";

const SHORTCUTS = { n: "next", r: "recall", s: "start", d: "done", x: "no-show", t: "transfer", p: "pause" };
const api = new Api();
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
  const session = await api.get("/api/v1/session");
  const counter = session.counter ?? Number(localStorage.getItem("qs.staff.counter")) ?? null;
  if (counter) begin(session, counter);
  else showLogin();
} catch {
  showLogin();
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const counter = Number($("#counter-select").value);
  const box = $("#login-error");
  box.hidden = true;
  try {
    const session = await api.post("/api/v1/login", {
      username: $("#username").value.trim(),
      password: $("#password").value,
      counter,
    });
    $("#password").value = "";
    localStorage.setItem("qs.staff.counter", String(counter));
    begin(session, counter);
  } catch (error) {
    box.textContent = errorText(error);
    box.hidden = false;
    $("#password").focus();
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

for (const button of document.querySelectorAll("[data-action]")) {
  button.addEventListener("click", () => act(button.dataset.action));
}

document.addEventListener("keydown", (event) => {
  if (!state.session || event.ctrlKey || event.altKey || event.metaKey) return;
  if ($("#transfer-dialog").open) return;
  const target = event.target;
  if (target.closest?.("input, select, textarea")) return;
  const action = SHORTCUTS[event.key.toLowerCase()];
  if (!action) return;
  event.preventDefault();
  act(action);
});

$("#transfer-cancel").addEventListener("click", () => $("#transfer-dialog").close("cancel"));
$("#transfer-form").addEventListener("keydown", (event) => {
  // Enter on a list confirms, as on a text field (Chromium keeps it for the list).
  if (event.key === "Enter" && event.target.tagName === "SELECT") {
    event.preventDefault();
    $("#transfer-form").requestSubmit();
  }
});
$("#transfer-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const service = $("#transfer-service").value;
  const counter = $("#transfer-counter").value;
  if (!service && !counter) {
    $("#transfer-service").focus();
    return;
  }
  $("#transfer-dialog").close("ok");
  const body = {};
  if (service) body.service = service;
  if (counter) body.counter = Number(counter);
  state.chain = state.chain.then(() => send("transfer", body));
  await state.chain;
});

function renderHeader() {
  $("#centre-name").textContent = localized(state.centre?.name);
}

function counterLabel(counter) {
  return localized(counter.name) || t("common.counter_n", { counter: counter.id });
}

function fillCounterSelect() {
  const select = $("#counter-select");
  const chosen = select.value || localStorage.getItem("qs.staff.counter");
  select.replaceChildren(
    ...(state.centre?.counters ?? []).map((c) => el("option", { value: String(c.id) }, counterLabel(c))),
  );
  if (chosen) select.value = chosen;
}

function showLogin() {
  $("#console").hidden = true;
  $("#login").hidden = false;
  $("#username").focus();
}

function begin(session, counterId) {
  api.csrf = session.csrf_token;
  state.session = session;
  state.counterId = counterId;
  $("#login").hidden = true;
  $("#console").hidden = false;
  $("#who").textContent = session.name || session.user;
  $("#counter-id").textContent = String(counterId);
  state.live?.stop();
  state.live = new Live(() => ({ role: session.role, view: "staff", counter: counterId }));
  state.live.on("snapshot", (m) => {
    state.counter = m.counters.find((c) => c.id === counterId) ?? null;
    state.services = new Map(m.services.map((s) => [s.code, s]));
    state.lines = new Map(m.waiting.map((w) => [String(w.line), w]));
    render();
  });
  state.live.on("counter", (m) => {
    if (m.counter.id !== counterId) return;
    state.counter = m.counter;
    render();
  });
  state.live.on("service", (m) => {
    state.services.set(m.service.code, m.service);
    renderWaiting();
  });
  state.live.on("waiting", (m) => {
    state.lines.set(String(m.waiting.line), m.waiting);
    renderWaiting();
  });
  state.live.on("call", (m) => {
    if (m.counter === counterId) info(t(m.recall ? "staff.recalled" : "staff.called", { number: m.number }));
  });
  state.live.on("refused", () => showLogin());
  state.live.start();
  $("[data-action=next]").focus();
}

function serviceName(code) {
  const service = state.centre?.services.find((s) => s.code === code);
  return service ? localized(service.name) : code;
}

function render() {
  const counter = state.counter;
  const current = counter?.current;
  $("#current-number").textContent = current ? current.number : "—";
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
  for (const action of ["recall", "done", "no-show", "transfer"]) $(`[data-action=${action}]`).disabled = !has;
  $("[data-action=start]").disabled = !has || current.status !== "called";
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
          el("span", { class: "waiting-number" }, ticket.number),
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

function info(text) {
  $("#console-info").textContent = text;
}

function showError(text) {
  const box = $("#console-error");
  box.textContent = text;
  box.hidden = !text;
}

/** Key presses and clicks run one after another, each seeing the state the last one left. */
function act(action) {
  if (action === "transfer") return openTransfer();
  // NEXT names the ticket on screen when it was pressed: the server refuses a second press
  // (or another console's) once a call came first, so a double press skips nobody.
  const body = action === "next" ? { current: state.counter?.current?.id ?? null } : undefined;
  state.chain = state.chain.then(async () => {
    if (action === "pause") return send(state.counter?.status === "open" ? "pause" : "resume");
    const button = $(`[data-action=${action}]`);
    if (button?.disabled) return;
    return send(action, body);
  });
  return state.chain;
}

async function send(action, body) {
  showError("");
  try {
    const result = await api.post(`/api/v1/counters/${state.counterId}/${action}`, body);
    if (result === null && action === "next") info(t("staff.nobody_waiting"));
    if (result?.counter) {
      state.counter = result.counter;
      render();
    }
    if (action === "done") info(t("staff.finished"));
  } catch (error) {
    if (error.code === "current_changed") return info(t("staff.already_called"));
    showError(errorText(error));
    if (error.status === 401) showLogin();
  }
}

function openTransfer() {
  if (!state.counter?.current) return;
  const none = () => el("option", { value: "" }, "—");
  $("#transfer-service").replaceChildren(
    none(),
    ...(state.centre?.services ?? []).map((s) => el("option", { value: s.code }, localized(s.name))),
  );
  $("#transfer-counter").replaceChildren(
    none(),
    ...(state.centre?.counters ?? [])
      .filter((c) => c.id !== state.counterId)
      .map((c) => el("option", { value: String(c.id) }, counterLabel(c))),
  );
  $("#transfer-dialog").showModal();
  $("#transfer-service").focus();
}
