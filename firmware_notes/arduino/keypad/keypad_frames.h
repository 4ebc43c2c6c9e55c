/* Keypad protocol frames (firmware_notes/keypad-protocol.md, "Frame"): CRC, encoder and a
 * decoder that finds frames in a noisy byte stream.
 *
 * Plain C, no Arduino headers: the sketch includes it, and the project's tests build the
 * very same file on the PC and check it against the Python host (devices/keypad/frames.py)
 * byte for byte (tests/integration/test_keypad_sketch_frames.py).  Change it there too.
 *
 *   A5 | ADDR | SEQ | CMD | LEN | PAYLOAD (LEN bytes) | CRC lo | CRC hi
 */
#ifndef KEYPAD_FRAMES_H
#define KEYPAD_FRAMES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KP_SOF 0xA5
#define KP_HEADER 5       /* A5, ADDR, SEQ, CMD, LEN */
#define KP_OVERHEAD 7     /* the header and the two CRC bytes */
#define KP_MAX_PAYLOAD 32 /* the protocol's limit: a larger LEN marks a corrupt frame */
#define KP_MAX_FRAME (KP_OVERHEAD + KP_MAX_PAYLOAD)

/* CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF) of len bytes. */
uint16_t kp_crc16(const uint8_t *data, uint8_t len);

/* Writes a whole frame into out (room for KP_MAX_FRAME bytes); returns its length, or 0
 * when the payload is longer than the protocol allows. */
uint8_t kp_encode(uint8_t *out, uint8_t address, uint8_t seq, uint8_t command,
                  const uint8_t *payload, uint8_t len);

struct kp_frame {
  uint8_t address, seq, command, len;
  uint8_t payload[KP_MAX_PAYLOAD];
};

/* The receiver.  Feed it each byte as it comes, then take frames with kp_decoder_next()
 * until it returns 0 (one byte can complete more than one frame: a false start hides
 * what came after it).  A candidate whose LEN is impossible or whose CRC fails is
 * dropped one byte at a time, so a frame that begins inside noise is still found. */
struct kp_decoder {
  uint8_t buf[KP_MAX_FRAME];
  uint8_t len;         /* bytes held, a candidate frame from buf[0] */
  uint8_t draining;    /* set by kp_decoder_expire(): a partial frame is dead */
  uint16_t frames;     /* good frames found */
  uint16_t corrupt;    /* candidates dropped: impossible LEN, bad CRC, cut short */
  uint16_t discarded;  /* bytes outside any frame */
};

void kp_decoder_init(struct kp_decoder *d);
void kp_decoder_feed(struct kp_decoder *d, uint8_t byte);
uint8_t kp_decoder_next(struct kp_decoder *d, struct kp_frame *frame);
/* The line went quiet (50 ms on a keypad): whatever partial frame is held will never
 * end.  Then call kp_decoder_next() until 0; frames inside the dead one still come out. */
void kp_decoder_expire(struct kp_decoder *d);

#ifdef __cplusplus
}
#endif

#endif
