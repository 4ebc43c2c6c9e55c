// @ts-check
// The counter display above a desk: the counter's number and its current ticket, huge.

import { Api, centreInfo, pageToken, $ } from "./common.js";
import { Live, showBanner } from "./live.js";
import { loadCatalogs, onLanguageChange, t, localized } from "./i18n.js";

/** @typedef {import('./messages.js').Centre} Centre */
/** @typedef {import('./messages.js').Counter} Counter */

const counterId = Number(location.pathname.split("/").filter(Boolean).pop());
const api = new Api({ token: pageToken("counter") });
/** @type {{ centre: Centre | null, counter: Counter | null, flashTimer: ReturnType<typeof setTimeout> | undefined }} */
const state = { centre: null, counter: null, flashTimer: undefined };

// No language buttons: nobody touches it.  Its language is the address's ?lang=.
await loadCatalogs("counter");
state.centre = await centreInfo();
onLanguageChange(render);
render();

/** @type {Live<"counter">} */
const live = new Live(() => ({ role: "display", token: api.token, view: "counter", counter: counterId }));
live.on("snapshot", (m) => {
  state.counter = m.counters.find((c) => c.id === counterId) ?? null;
  render();
});
live.on("counter", (m) => {
  if (m.counter.id !== counterId) return;
  state.counter = m.counter;
  render();
});
live.on("call", (m) => {
  if (m.counter !== counterId) return;
  const number = $("#number");
  number.classList.remove("flash");
  void number.offsetWidth;
  number.classList.add("flash");
  clearTimeout(state.flashTimer);
  state.flashTimer = setTimeout(() => number.classList.remove("flash"), 8000);
});
if (api.token) live.start();
else showBanner(t("counter.no_token"));

function render() {
  const config = state.centre?.counters.find((c) => c.id === counterId);
  $("#counter-id").textContent = String(counterId);
  $("#counter-name").textContent = localized(config?.name);
  // What a citizen can come here for, so an idle or closed counter still says it.
  const names = (config?.services ?? []).map((code) => {
    const service = state.centre?.services.find((s) => s.code === code);
    return service ? localized(service.name) : code;
  });
  $("#services").textContent = names.join(" · ");
  const counter = state.counter;
  $("#number").textContent = counter?.current?.number ?? "—";
  const status = counter?.status;
  document.body.dataset.status = status ?? "";
  $("#state").textContent =
    !counter ? "" : status !== "open" ? t(`counter.status.${status}`) : counter.current ? t(`ticket.status.${counter.current.status}`) : t("counter.waiting_next");
}
