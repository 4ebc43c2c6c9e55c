// @ts-check
// The hall's pace, decided without I/O: which call the voice says next and which it
// leaves unsaid, and when the big "now calling" panel may show the next call.  Time is
// passed in (milliseconds), so a test can feed a whole busy morning in a moment.
//
// Why these rules: a hall of 30 counters makes a call every 0.5 s at its busiest, and
// the voice needs 4-9 s per call, the panel 4 s.  Queuing everything made the voice
// fall minutes behind while the panel flicked past calls in 0.1 s.  So:
// - each call waits at most `maxDelayMs`: older ones are left unsaid (the list of
//   recent calls and the counters' own displays still show them);
// - a counter's new call replaces its older one still waiting (that citizen's turn
//   has passed), so neither queue holds more than one call per counter;
// - a recall replaces the first call of the same ticket, comes before first calls
//   (its counter is idle, waiting for that one citizen) and gets a fresh delay;
// - the panel shows each call `minShowMs` at least, in the order they came.

/** @typedef {import('./messages.js').CallMessage} CallMessage */
/** @typedef {{ call: CallMessage, at: number }} Waiting */

/** A call's place in a queue: one per counter. */
const sameCounter = (/** @type {CallMessage} */ a, /** @type {CallMessage} */ b) => a.counter === b.counter;

/** Calls waiting their turn, at most `maxDelayMs` each, one per counter. */
class BoundedQueue {
  /** @param {number} maxDelayMs */
  constructor(maxDelayMs) {
    this.maxDelayMs = maxDelayMs;
    /** @type {Waiting[]} oldest first */
    this.waiting = [];
    /** How many calls were left out: too late, or replaced by their counter's next one. */
    this.skipped = 0;
  }

  /**
   * @param {CallMessage} call
   * @param {number} now
   */
  push(call, now) {
    const others = this.waiting.filter((old) => !sameCounter(old.call, call));
    this.skipped += this.waiting.length - others.length;
    this.waiting = others;
    this.waiting.push({ call, at: now });
  }

  /**
   * The next call whose wait is still within the bound (recalls first), or null;
   * the ones past it are dropped on the way.
   * @param {number} now
   * @param {boolean} recallsFirst
   * @returns {Waiting | null}
   */
  take(now, recallsFirst) {
    const fresh = [];
    for (const item of this.waiting) {
      if (now - item.at > this.maxDelayMs) this.skipped += 1;
      else fresh.push(item);
    }
    this.waiting = fresh;
    const index = recallsFirst ? Math.max(0, fresh.findIndex((item) => item.call.recall > 0)) : 0;
    const [next] = fresh.splice(index, 1);
    return next ?? null;
  }

  clear() {
    this.waiting = [];
  }
}

/** What the voice says next.  The caller says one call at a time and asks again once done. */
export class AnnouncementQueue {
  /** @param {number} maxDelayMs how late a call may still be announced */
  constructor(maxDelayMs) {
    this.queue = new BoundedQueue(maxDelayMs);
  }

  /**
   * @param {CallMessage} call
   * @param {number} now
   */
  push(call, now) {
    this.queue.push(call, now);
  }

  /**
   * The call to announce now, and how late it is (ms); null when none may be said.
   * @param {number} now
   * @returns {{ call: CallMessage, lateMs: number } | null}
   */
  next(now) {
    const item = this.queue.take(now, true);
    return item && { call: item.call, lateMs: now - item.at };
  }

  get waiting() {
    return this.queue.waiting.length;
  }

  /** Calls left unsaid so far (too late, or replaced by their counter's next call). */
  get skipped() {
    return this.queue.skipped;
  }

  /** A new day: yesterday's calls are not said. */
  clear() {
    this.queue.clear();
  }
}

/** When the big panel shows which call: each at least `minShowMs`, in order. */
export class CallPanel {
  /**
   * @param {number} minShowMs
   * @param {number} maxDelayMs a call waiting longer is left to the list below the panel
   */
  constructor(minShowMs, maxDelayMs) {
    this.minShowMs = minShowMs;
    this.queue = new BoundedQueue(maxDelayMs);
    /** @type {CallMessage | null} */
    this.shown = null;
    this.shownAt = -Infinity;
  }

  /**
   * Put a call up at once (the calls a display finds when it starts), with no wait.
   * @param {CallMessage | null} call
   * @param {number} now
   */
  show(call, now) {
    this.shown = call;
    this.shownAt = call ? now : -Infinity;
  }

  /**
   * A call came: the call to show now, or null if it must wait (ask again at `dueAt`).
   * A recall of the call on the panel shows again at once (it is the same citizen), for
   * another full `minShowMs`.
   * @param {CallMessage} call
   * @param {number} now
   * @returns {CallMessage | null}
   */
  push(call, now) {
    const shown = this.shown;
    if (shown && shown.counter === call.counter && shown.number === call.number) {
      this.show(call, now);
      return call;
    }
    this.queue.push(call, now);
    return this.next(now);
  }

  /**
   * The call to show now, or null: the one shown has not had its time, or none waits.
   * @param {number} now
   * @returns {CallMessage | null}
   */
  next(now) {
    if (now - this.shownAt < this.minShowMs) return null;
    const item = this.queue.take(now, false);
    if (!item) return null;
    this.show(item.call, now);
    return item.call;
  }

  /** When `next` may have a call to show; null when none waits. */
  get dueAt() {
    return this.queue.waiting.length ? this.shownAt + this.minShowMs : null;
  }

  get waiting() {
    return this.queue.waiting.length;
  }

  /** Calls that never reached the panel (too late, or replaced at their counter). */
  get skipped() {
    return this.queue.skipped;
  }

  clear() {
    this.queue.clear();
    this.show(null, 0);
  }
}
