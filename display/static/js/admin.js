// The admin page: live counters and queues, the server's parts (voice, connected
// displays and devices), recent printed tickets, staff accounts and machine tokens.

import { Api, el, $ } from "./common.js";
import { Live } from "./live.js";
import {
  loadCatalogs, languageButtons, onLanguageChange, t, localized, formatWait, formatTime, errorText,
} from "./i18n.js";

const STATUS_EVERY_MS = 10000;
const MAX_PRINTED = 10;
const api = new Api();
const state = {
  centre: null, session: null, counters: new Map(), services: new Map(), issued: 0,
  status: null, devices: new Map(), printed: [], numbers: new Map(), users: [], tokens: [], live: null,
};

await loadCatalogs("admin");
languageButtons($("#languages"));
state.centre = await api.get("/api/v1/centre");
onLanguageChange(renderAll);
$("#centre-name").textContent = localized(state.centre.name);

try {
  begin(await api.get("/api/v1/session"));
} catch {
  showLogin();
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = $("#login-error");
  box.hidden = true;
  try {
    const session = await api.post("/api/v1/login", {
      username: $("#username").value.trim(),
      password: $("#password").value,
    });
    $("#password").value = "";
    begin(session);
  } catch (error) {
    box.textContent = errorText(error);
    box.hidden = false;
  }
});

$("#logout").addEventListener("click", async () => {
  try {
    await api.post("/api/v1/logout");
  } finally {
    location.reload();
  }
});

$("#user-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  await guarded(async () => {
    await api.post("/api/v1/users", {
      username: form.get("username").trim(),
      name: form.get("name").trim(),
      password: form.get("password"),
      role: form.get("role"),
    });
    event.target.reset();
    await loadAccounts();
  });
});

$("#token-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  await guarded(async () => {
    const body = { name: form.get("name").trim(), role: form.get("role") };
    if (form.get("counter")) body.counter = Number(form.get("counter"));
    const made = await api.post("/api/v1/tokens", body);
    event.target.reset();
    showNewToken(made);
    await loadAccounts();
  });
});

function showLogin() {
  $("#dashboard").hidden = true;
  $("#login").hidden = false;
  $("#username").focus();
}

function begin(session) {
  if (!["admin", "supervisor"].includes(session.role)) {
    showLogin();
    const box = $("#login-error");
    box.textContent = t("admin.managers_only");
    box.hidden = false;
    return;
  }
  api.csrf = session.csrf_token;
  state.session = session;
  $("#who").textContent = session.name || session.user;
  $("#logout").hidden = false;
  $("#login").hidden = true;
  $("#dashboard").hidden = false;
  const isAdmin = session.role === "admin";
  $("#users-panel").hidden = !isAdmin;
  $("#tokens-panel").hidden = !isAdmin;
  state.live = new Live(() => ({ role: session.role, view: "admin" }));
  state.live.on("snapshot", (m) => {
    state.counters = new Map(m.counters.map((c) => [c.id, c]));
    state.services = new Map(m.services.map((s) => [s.code, s]));
    state.issued = m.issued_today ?? 0;
    for (const device of m.devices ?? []) state.devices.set(`${device.kind ?? "device"}:${device.name ?? ""}`, device);
    renderAll();
  });
  state.live.on("counter", (m) => {
    state.counters.set(m.counter.id, m.counter);
    renderCounters();
  });
  state.live.on("service", (m) => {
    state.services.set(m.service.code, m.service);
    renderServices();
  });
  state.live.on("events", (m) => {
    for (const event of m.events) {
      if (event.type === "TicketIssued") {
        state.issued += 1;
        state.numbers.set(event.ticket, event.number);
      } else if (event.type === "TicketPrinted" || event.type === "TicketPrintFailed") {
        // What the printers (the emulator, in the demo) confirmed, newest first.
        const printed = event.type === "TicketPrinted";
        state.printed.unshift({
          number: state.numbers.get(event.ticket) ?? `#${event.ticket}`,
          printer: printed ? event.printer : event.printers_tried.join(", "),
          at: formatTime(new Date(event.at * 1000)),
          failed: !printed,
          reason: printed ? "" : event.reason,
        });
        state.printed = state.printed.slice(0, MAX_PRINTED);
        renderPrinted();
      }
    }
    $("#issued-today").textContent = String(state.issued);
  });
  // Device reports from the printers, keypads and display agents, whatever their kind.
  state.live.on("device", (m) => {
    const device = m.device ?? m;
    state.devices.set(`${device.kind ?? "device"}:${device.name ?? device.id ?? ""}`, device);
    renderDevices();
  });
  state.live.on("printed", (m) => {
    state.printed = [m.ticket ?? m, ...state.printed].slice(0, MAX_PRINTED);
    renderPrinted();
  });
  state.live.start();
  refreshStatus();
  setInterval(refreshStatus, STATUS_EVERY_MS);
  if (isAdmin) loadAccounts();
}

async function guarded(action) {
  const box = $("#admin-error");
  box.hidden = true;
  try {
    await action();
  } catch (error) {
    box.textContent = errorText(error);
    box.hidden = false;
  }
}

async function refreshStatus() {
  try {
    state.status = await api.get("/api/v1/status");
    for (const device of state.status.devices ?? []) {
      state.devices.set(`${device.kind ?? "device"}:${device.name ?? ""}`, device);
    }
  } catch (error) {
    state.status = { error: errorText(error) };
  }
  renderStatus();
  renderDevices();
  renderPrinted();
}

async function loadAccounts() {
  const [users, tokens] = await Promise.all([api.get("/api/v1/users"), api.get("/api/v1/tokens")]);
  state.users = users.users;
  state.tokens = tokens.tokens;
  renderAccounts();
}

function renderAll() {
  $("#centre-name").textContent = localized(state.centre.name);
  renderCounters();
  renderServices();
  renderStatus();
  renderDevices();
  renderPrinted();
  renderAccounts();
}

function serviceName(code) {
  const service = state.centre.services.find((s) => s.code === code);
  return service ? localized(service.name) : code;
}

function renderCounters() {
  const rows = [...state.counters.values()].sort((a, b) => a.id - b.id).map((c) =>
    el(
      "tr",
      { dataset: { counter: String(c.id) } },
      el("td", {}, t("common.counter_n", { counter: c.id })),
      el("td", {}, el("span", { class: `pill ${c.status}` }, t(`counter.status.${c.status}`))),
      el("td", { class: "mono" }, c.current ? `${c.current.number} (${t(`ticket.status.${c.current.status}`)})` : "—"),
      el("td", {}, c.services.map(serviceName).join(", ")),
      el("td", {}, String(c.waiting)),
    ),
  );
  $("#counters").replaceChildren(...rows);
}

function renderServices() {
  const rows = [...state.services.values()].map((s) =>
    el(
      "tr",
      { dataset: { service: s.code } },
      el("td", {}, localized(s.name)),
      el("td", {}, String(s.waiting)),
      el("td", {}, String(s.waiting_priority ?? 0)),
      el("td", {}, s.open_counters ? formatWait(s.estimated_wait_s) : t("kiosk.no_counter_open")),
      el("td", {}, String(s.open_counters)),
    ),
  );
  $("#services").replaceChildren(...rows);
  $("#issued-today").textContent = String(state.issued);
}

function renderStatus() {
  const status = state.status;
  const voice = status?.voice;
  const box = $("#voice");
  if (!status) {
    box.textContent = "";
  } else if (status.error) {
    box.textContent = status.error;
  } else if (voice.available) {
    box.textContent = t("admin.voice_ok", { languages: voice.languages.join(", "), engine: voice.engine ?? "" });
    box.dataset.available = "true";
  } else {
    box.textContent = t("admin.voice_off", { reason: voice.reason ?? "" });
    box.dataset.available = "false";
  }
  const connections = Object.entries(status?.connections ?? {});
  $("#connections").replaceChildren(
    ...(connections.length
      ? connections.map(([view, count]) => el("li", {}, t("admin.connected", { view: t(`view.${view}`), count })))
      : [el("li", { class: "muted" }, t("admin.nobody_connected"))]),
  );
}

function renderDevices() {
  const items = [...state.devices.values()].map((device) => {
    const { kind, name, up, ...rest } = device;
    const facts = Object.entries(rest)
      .filter(([, value]) => value !== null && value !== "" && typeof value !== "object")
      .map(([key, value]) => `${key}: ${value}`)
      .join(" · ");
    return el(
      "li",
      { dataset: { device: `${kind ?? ""}:${name ?? ""}` } },
      up === undefined ? "" : el("span", { class: `pill ${up ? "ok" : "bad"}` }, up ? "✓" : "✗"),
      " ",
      el("strong", {}, `${kind ?? ""} ${name ?? ""}`.trim()),
      facts ? ` — ${facts}` : "",
    );
  });
  $("#devices").replaceChildren(...items);
  $("#devices-empty").hidden = items.length > 0;
}

function renderPrinted() {
  const items = state.printed.map((p) =>
    el(
      "li",
      { class: p.failed ? "failed" : "" },
      [p.at, p.number, p.printer].filter(Boolean).join(" · "),
      p.failed ? ` — ${t("admin.print_failed", { reason: p.reason })}` : "",
    ),
  );
  $("#printed").replaceChildren(...items);
  $("#printed-empty").hidden = items.length > 0;
}

function renderAccounts() {
  $("#users").replaceChildren(
    ...state.users.map((u) =>
      el("tr", {}, el("td", { class: "mono" }, u.username), el("td", {}, u.name), el("td", {}, t(`role.${u.role}`))),
    ),
  );
  $("#tokens").replaceChildren(
    ...state.tokens.map((token) =>
      el(
        "tr",
        { dataset: { token: token.name } },
        el("td", { class: "mono" }, token.name),
        el("td", {}, t(`role.${token.role}`)),
        el("td", {}, token.counter ? String(token.counter) : "—"),
        el(
          "td",
          {},
          token.revoked
            ? t("admin.revoked")
            : el(
                "button",
                {
                  type: "button",
                  class: "small-button",
                  onclick: () =>
                    guarded(async () => {
                      await api.post(`/api/v1/tokens/${encodeURIComponent(token.name)}/revoke`);
                      await loadAccounts();
                    }),
                },
                t("admin.revoke"),
              ),
        ),
      ),
    ),
  );
}

function showNewToken(made) {
  $("#new-token").hidden = false;
  $("#new-token-value").textContent = made.token;
  const base = location.origin;
  const pages = {
    kiosk: ["/kiosk"],
    display: ["/hall", ...state.centre.counters.map((c) => `/counter/${c.id}`)],
    device: [],
    admin: [],
  }[made.info.role] ?? [];
  $("#new-token-links").replaceChildren(
    ...pages.map((path) => el("li", { class: "mono" }, `${base}${path}#token=${made.token}`)),
  );
}
