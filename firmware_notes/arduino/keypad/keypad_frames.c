/* Keypad protocol frames: see keypad_frames.h.  The decoder follows the Python host's
 * FrameDecoder step by step (devices/keypad/frames.py, devices/framing.py), so both
 * find the same frames and count the same bytes. */
#include "keypad_frames.h"

#include <string.h>

uint16_t kp_crc16(const uint8_t *data, uint8_t len) {
  uint16_t crc = 0xFFFF;
  for (uint8_t i = 0; i < len; i++) {
    crc ^= data[i];
    for (uint8_t bit = 0; bit < 8; bit++) crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
  }
  return crc;
}

uint8_t kp_encode(uint8_t *out, uint8_t address, uint8_t seq, uint8_t command,
                  const uint8_t *payload, uint8_t len) {
  if (len > KP_MAX_PAYLOAD) return 0;
  out[0] = KP_SOF;
  out[1] = address;
  out[2] = seq;
  out[3] = command;
  out[4] = len;
  if (len) memcpy(out + KP_HEADER, payload, len);
  uint16_t crc = kp_crc16(out + 1, 4 + len);
  out[KP_HEADER + len] = crc & 0xFF;
  out[KP_HEADER + len + 1] = crc >> 8;
  return KP_OVERHEAD + len;
}

void kp_decoder_init(struct kp_decoder *d) { memset(d, 0, sizeof *d); }

void kp_decoder_feed(struct kp_decoder *d, uint8_t byte) {
  /* After kp_decoder_next() returned 0 the buffer holds less than a whole frame, so
   * there is always room; a caller that skipped it loses the byte, counted. */
  if (d->len < sizeof d->buf) d->buf[d->len++] = byte;
  else d->discarded++;
}

void kp_decoder_expire(struct kp_decoder *d) {
  if (d->len) d->draining = 1;
}

static void skip(struct kp_decoder *d, uint8_t count) {
  memmove(d->buf, d->buf + count, d->len - count);
  d->len -= count;
}

static void reject(struct kp_decoder *d) { /* not a frame at buf[0]: look one byte on */
  d->corrupt++;
  d->discarded++;
  skip(d, 1);
}

uint8_t kp_decoder_next(struct kp_decoder *d, struct kp_frame *frame) {
  for (;;) {
    uint8_t at = 0; /* drop what comes before the next start byte */
    while (at < d->len && d->buf[at] != KP_SOF) at++;
    d->discarded += at;
    skip(d, at);
    if (d->len == 0) {
      d->draining = 0;
      return 0;
    }
    if (d->len >= KP_HEADER && d->buf[4] > KP_MAX_PAYLOAD) {
      reject(d);
      continue;
    }
    if (d->len < KP_HEADER || d->len < KP_OVERHEAD + d->buf[4]) {
      if (!d->draining) return 0; /* wait for the rest */
      reject(d);                  /* the rest will never come */
      continue;
    }
    uint8_t len = d->buf[4];
    uint16_t sent = d->buf[KP_HEADER + len] | (uint16_t)d->buf[KP_HEADER + len + 1] << 8;
    if (sent != kp_crc16(d->buf + 1, 4 + len)) {
      reject(d);
      continue;
    }
    frame->address = d->buf[1];
    frame->seq = d->buf[2];
    frame->command = d->buf[3];
    frame->len = len;
    memcpy(frame->payload, d->buf + KP_HEADER, len);
    d->frames++;
    skip(d, KP_OVERHEAD + len);
    return 1;
  }
}
