// @ts-check
// A destructive action pressed by a single key waits a few seconds before it is sent:
// the person sees what is about to happen and can take it back (Esc) or send it now.

/**
 * @template T
 */
export class Grace {
  /**
   * @param {number} seconds how long a pressed action waits
   * @param {{ tick: (what: T, left: number) => void, fire: (what: T) => void, clear: () => void }} hooks
   */
  constructor(seconds, hooks) {
    this.seconds = seconds;
    this.hooks = hooks;
    /** @type {{ what: T, left: number, timer: ReturnType<typeof setInterval> } | null} */
    this.pending = null;
  }

  /** @param {T} what */
  start(what) {
    this.undo();
    const pending = { what, left: this.seconds, timer: setInterval(() => this.#tick(), 1000) };
    this.pending = pending;
    this.hooks.tick(what, pending.left);
  }

  /** Take the pending action back: nothing is sent. */
  undo() {
    if (!this.pending) return false;
    clearInterval(this.pending.timer);
    this.pending = null;
    this.hooks.clear();
    return true;
  }

  /** Send the pending action at once. */
  now() {
    const pending = this.pending;
    if (!pending) return false;
    this.undo();
    this.hooks.fire(pending.what);
    return true;
  }

  #tick() {
    if (!this.pending) return;
    this.pending.left -= 1;
    if (this.pending.left <= 0) this.now();
    else this.hooks.tick(this.pending.what, this.pending.left);
  }
}
