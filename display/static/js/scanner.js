// @ts-check
// A USB barcode scanner is a keyboard that types fast: it "types" what it read, then
// Enter, a few milliseconds a key.  The kiosk's home screen listens for that, so a
// booked citizen holds the booking's QR code to the scanner without first choosing
// "I have a booking".  Decided without I/O, time passed in (milliseconds): a burst of
// keys each within `maxGapMs` of the last, ended by Enter, is a scan; a person's typing
// (far slower, and on a kiosk by the on-screen keyboard, which sends no keys) is not.

/** What a scanner takes at most between two keys (it needs a few; a busy page may show
 * them later).  A kiosk has no keyboard, and a person typing on one needs 150 ms or so. */
export const SCAN_GAP_MS = 100;

export class ScanDetector {
  /**
   * @param {number} [maxGapMs]
   * @param {number} [minLength] fewer keys than this before Enter is no scan (a code has 8)
   */
  constructor(maxGapMs = SCAN_GAP_MS, minLength = 8) {
    this.maxGapMs = maxGapMs;
    this.minLength = minLength;
    this.text = "";
    this.lastAt = -Infinity;
  }

  /**
   * Feed one key (KeyboardEvent.key) pressed at `at`.  Returns the scanned text when
   * this Enter ends a scan, else null.
   * @param {string} key
   * @param {number} at
   * @returns {string | null}
   */
  key(key, at) {
    const fast = at - this.lastAt <= this.maxGapMs;
    this.lastAt = at;
    if (key === "Enter") {
      const scanned = fast && this.text.length >= this.minLength ? this.text : null;
      this.text = "";
      return scanned;
    }
    if (key.length !== 1) {
      // Shift comes with a scanner's capitals: it neither breaks a burst nor adds to it.
      if (key !== "Shift") this.text = "";
      return null;
    }
    this.text = fast ? this.text + key : key;
    return null;
  }
}
