// @ts-check
// What the city's pages share: a centre's row as the city service sends it, the live
// websocket that pushes changed rows (fed by PostgreSQL's LISTEN/NOTIFY: no polling),
// and how its figures read.

/**
 * @typedef {{
 *   centre_id: string, open_counters: number, waiting: number, longest_wait_s: number | null,
 *   issued: number, served: number, median_wait_s: number | null, rated: number,
 *   satisfied_share: number | null, lag_s: number, last_event_at: string, received_at: string
 * }} CityRow
 */
/** @typedef {{ username: string, role: "city_admin" | "viewer", csrf: string }} CitySession */
/** @typedef {{ timezone: string, amber_minutes: number, red_minutes: number, today: string }} CitySettings */

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 10000;

/**
 * Keeps a websocket to the city's live rows open, opening it again when it drops.
 * @param {(rows: CityRow[]) => void} onRows every row at first, then the changed ones
 * @param {(live: boolean) => void} onState
 */
export function liveRows(onRows, onState) {
  let retry = FIRST_RETRY_MS;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/city/ws`);
    socket.addEventListener("open", () => {
      retry = FIRST_RETRY_MS;
      onState(true);
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data));
      if (message.type === "rows") onRows(message.rows);
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4401) {
        location.reload(); // the session ended (logged out, run out): back to the login
        return;
      }
      onState(false);
      setTimeout(open, retry);
      retry = Math.min(MAX_RETRY_MS, retry * 2);
    });
  };
  open();
}

/**
 * The longest wait now: what the row said, plus the time since it came.
 * @param {CityRow} row
 * @param {number} receivedMs when the browser got the row (Date.now())
 * @param {number} nowMs
 * @returns {number | null}
 */
export function longestWaitNow(row, receivedMs, nowMs) {
  if (row.longest_wait_s === null) return null;
  return row.longest_wait_s + Math.max(0, Math.floor((nowMs - receivedMs) / 1000));
}

/**
 * "amber" or "red" past the city's waits, "" before.
 * @param {number | null} seconds
 * @param {CitySettings} settings
 */
export function waitClass(seconds, settings) {
  if (seconds === null) return "";
  if (seconds >= settings.red_minutes * 60) return "red";
  return seconds >= settings.amber_minutes * 60 ? "amber" : "";
}

/** @param {number | null} share */
export function formatShare(share) {
  return share === null ? "—" : `${Math.round(share * 100)} %`;
}

/** @param {number} seconds */
export function formatLag(seconds) {
  return seconds < 10 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds)} s`;
}
