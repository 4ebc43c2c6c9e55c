/* Drives the keypad sketch's frame code (firmware_notes/arduino/keypad/keypad_frames.c) on
 * the PC, for tests/integration/test_keypad_sketch_frames.py: one command a line on
 * stdin, one answer a line on stdout.
 *
 *   F <hex>               feed these bytes one by one, as the sketch does -> the frames found
 *   X                     the line went quiet (expire)                     -> the frames found
 *   N                     -> "<frames> <corrupt> <discarded> <held>"
 *   I                     a new decoder                                    -> "ok"
 *   E <addr> <seq> <cmd> <hex>   encode (numbers in hex)                   -> the frame, or "-"
 *   R <hex>               -> the CRC-16/MODBUS, 4 hex digits
 *
 * Frames are written "addr,seq,cmd,payload" in hex (payload "-" when empty), space apart;
 * an empty payload or stream is written "-" too.
 */
#include <stdio.h>
#include <string.h>

#include "keypad_frames.h"

static struct kp_decoder decoder;

static unsigned parse_hex(const char *text, uint8_t *out, unsigned room) {
  unsigned n = 0, byte;
  while (n < room && sscanf(text, "%2x", &byte) == 1) {
    out[n++] = (uint8_t)byte;
    text += 2;
  }
  return n;
}

static void print_hex(const uint8_t *data, unsigned len) {
  if (!len) putchar('-');
  for (unsigned i = 0; i < len; i++) printf("%02x", data[i]);
}

static int frames_on_line; /* frames written on the current answer line */

static void print_frames(void) {
  struct kp_frame frame;
  while (kp_decoder_next(&decoder, &frame)) {
    if (frames_on_line++) putchar(' ');
    printf("%02x,%02x,%02x,", frame.address, frame.seq, frame.command);
    print_hex(frame.payload, frame.len);
  }
}

int main(void) {
  static char line[65536];
  static uint8_t data[32768];
  kp_decoder_init(&decoder);
  while (fgets(line, sizeof line, stdin)) {
    char *arg = line + 1;
    frames_on_line = 0;
    while (*arg == ' ') arg++;
    if (line[0] == 'F') {
      unsigned n = parse_hex(arg, data, sizeof data);
      for (unsigned i = 0; i < n; i++) {
        kp_decoder_feed(&decoder, data[i]);
        print_frames();
      }
      if (!frames_on_line) putchar('-');
    } else if (line[0] == 'X') {
      kp_decoder_expire(&decoder);
      print_frames();
      if (!frames_on_line) putchar('-');
    } else if (line[0] == 'N') {
      printf("%u %u %u %u", decoder.frames, decoder.corrupt, decoder.discarded, decoder.len);
    } else if (line[0] == 'I') {
      kp_decoder_init(&decoder);
      fputs("ok", stdout);
    } else if (line[0] == 'E') {
      unsigned address, seq, command;
      char payload_hex[1024] = "";
      uint8_t payload[256], frame[KP_MAX_FRAME];
      if (sscanf(arg, "%x %x %x %1023s", &address, &seq, &command, payload_hex) < 4) return 2;
      unsigned len = strcmp(payload_hex, "-") ? parse_hex(payload_hex, payload, sizeof payload) : 0;
      uint8_t size = len > 255 ? 0 : kp_encode(frame, address, seq, command, payload, (uint8_t)len);
      if (size) print_hex(frame, size);
      else putchar('-');
    } else if (line[0] == 'R') {
      unsigned n = parse_hex(arg, data, 255);
      printf("%04x", kp_crc16(data, (uint8_t)n));
    } else {
      return 2;
    }
    putchar('\n');
  }
  return 0;
}
