// @ts-check
// How long something has lasted, as staff read it at a glance: "4:07", "1:02:30".

/**
 * Whole seconds from an ISO time to `now` (never negative: a clock a little ahead of the
 * server's must not show "-0:02"); null when there is no time.
 * @param {string | null | undefined} since
 * @param {number} now milliseconds, as Date.now()
 * @returns {number | null}
 */
export function secondsSince(since, now) {
  if (!since) return null;
  const at = Date.parse(since);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.floor((now - at) / 1000));
}

/**
 * Seconds between two ISO times (null when either is missing).
 * @param {string | null | undefined} from
 * @param {string | null | undefined} to
 * @returns {number | null}
 */
export function secondsBetween(from, to) {
  if (!to) return null;
  return secondsSince(from, Date.parse(to));
}

/**
 * m:ss under an hour, h:mm:ss after: a timer's face, the same in every language.
 * @param {number} seconds
 * @returns {string}
 */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/**
 * A wait against the centre's target (`queue.target_wait_minutes`): within it, near it
 * (from 80 %, time to open another counter), or beyond it.
 * @param {number} seconds
 * @param {number} targetMinutes
 * @returns {"within" | "near" | "beyond"}
 */
export function waitLevel(seconds, targetMinutes) {
  const target = targetMinutes * 60;
  if (seconds >= target) return "beyond";
  return seconds >= 0.8 * target ? "near" : "within";
}
