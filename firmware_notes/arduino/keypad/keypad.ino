// Call keypad, protocol v2 (firmware_notes/keypad-protocol.md): 4 keys, a 4-digit display.
//
// Board: Arduino Nano / Uno / Pro Mini (ATmega328P, 5 V).  Parts: a TM1637 4-digit display
// module, 4 push buttons to GND, a MAX485 for RS-485 (or nothing, point-to-point over USB),
// an LED, a buzzer.  No library to install: open this folder in the Arduino IDE, pick the
// board, upload.  The other files here are part of the sketch (the IDE shows them as tabs).
//
//   D2 NEXT   D3 RECALL   D4 DONE   D5 NO_SHOW
//     a key acts when pressed; held 1.5 s, DONE also sends PAUSE and NEXT also RESUME
//   D6 TM1637 CLK   D7 TM1637 DIO   D8 LED   D9 buzzer
//   D10 MAX485 DE+/RE (RS-485 only)   A0-A3 address DIP switches to GND (address 1-15)
//   D11 to GND: point-to-point mode (the keypad speaks when pressed)
//
// RS-485: Serial TX -> DI, RX <- RO; 115200 8N1.  Point-to-point: the USB port itself.
//
// The display: the last 4 characters of the number being served; "____" nobody at the
// counter; "E-03" for 2 s when the server refuses a press; "----" no contact with the
// server (not yet, or lost: on RS-485 no poll for 6 s, point-to-point a press sent 5
// times without an answer).
//
// loop() never waits: a poll is answered within a millisecond, keys are read every
// millisecond, the display and the beeps go on a little at each pass.

#include "keypad_frames.h"
#include "tm1637.h"

const uint8_t VERSION = 2, FIRMWARE = 4;
const uint8_t NEXT = 0x01, RECALL = 0x02, DONE = 0x04, NO_SHOW = 0x05, PAUSE = 0x07,
              RESUME = 0x08, IDLE = 0x10, HELLO = 0x11;
const uint8_t POLL = 0x80, SHOW = 0x81, ERROR_ = 0x82, SIGNAL = 0x83, NAK = 0x85;
const uint8_t NAK_UNSUPPORTED_VERSION = 0x03;
const uint8_t KEY_PINS[4] = {2, 3, 4, 5};
const uint8_t KEY_CMDS[4] = {NEXT, RECALL, DONE, NO_SHOW};
const uint8_t LED_PIN = 8, BUZZER_PIN = 9, DE_PIN = 10, P2P_PIN = 11;
const unsigned long RETRY_MS = 300, HEARTBEAT_MS = 5000, LONG_PRESS_MS = 1500,
                    DEBOUNCE_MS = 20, ERROR_SHOWN_MS = 2000, PARTIAL_FRAME_MS = 50;
// Bus: the host polls every keypad at least every idle cycle (5 s at most, the config's
// idle_cycle_ms); no poll for longer means it lost us.  Point-to-point: the protocol's
// 5 tries of a press (1.5 s).
const unsigned long NO_POLL_OFFLINE_MS = 6000;
const uint8_t TRIES_BEFORE_OFFLINE = 5;

Tm1637 display(6, 7);
uint8_t address, seq = 0, tag = 0, led = 0, version = VERSION;
bool p2p, helloPending = true, offline = true;
char number[13] = "";
uint16_t waiting = 0;
unsigned long polledAt = 0;
// The time of this pass of loop(): every time stamp is taken from it, so that no stamp is
// ever later than the "now" it is compared with.
unsigned long now = 0;

// ------------------------------------------------------------------ beeps (never wait)

uint8_t beepsLeft = 0;
unsigned int beepHz = 0, beepMs = 0;
unsigned long beepAt = 0;

void beep(unsigned int hz, unsigned int ms, uint8_t times) {
  beepHz = hz; beepMs = ms; beepsLeft = times; beepAt = now;
}

void runBeeps() {  // tone() itself plays in the background
  if (!beepsLeft || (long)(now - beepAt) < 0) return;
  tone(BUZZER_PIN, beepHz, beepMs);
  beepsLeft--;
  beepAt = now + beepMs + 70;  // a gap between beeps
}

// ------------------------------------------------------------------ sending

uint8_t pendingCmd = 0, pendingSeq = 0;  // the press on the wire; 0 = none
uint8_t queueCmd[4], queueLen = 0;       // presses waiting behind it, oldest first
uint8_t tries = 0;                       // sends of the pending press (or HELLO) unanswered
unsigned long sentAt = 0, lastSent = 0;

void sendFrame(uint8_t s, uint8_t cmd, const uint8_t *payload, uint8_t len) {
  uint8_t frame[KP_MAX_FRAME];
  uint8_t size = kp_encode(frame, address, s, cmd, payload, len);
  if (!p2p) { digitalWrite(DE_PIN, HIGH); delayMicroseconds(10); }
  Serial.write(frame, size);
  if (!p2p) { Serial.flush(); digitalWrite(DE_PIN, LOW); }  // transmit complete: free the bus
  lastSent = now;
}

void sendHello() {
  uint8_t payload[2] = {version, FIRMWARE};
  sendFrame(0, HELLO, payload, 2);
  sentAt = lastSent;
  if (p2p && ++tries >= TRIES_BEFORE_OFFLINE) offline = true;
}

void sendPending() {
  sendFrame(pendingSeq, pendingCmd, 0, 0);
  sentAt = lastSent;
  if (p2p && ++tries >= TRIES_BEFORE_OFFLINE) offline = true;
}

void takeNextPress() {
  if (pendingCmd || !queueLen || helloPending) return;
  pendingCmd = queueCmd[0];
  for (uint8_t i = 1; i < queueLen; i++) queueCmd[i - 1] = queueCmd[i];
  queueLen--;
  seq = seq >= 255 ? 1 : seq + 1;
  pendingSeq = seq;
  tries = 0;
  if (p2p) sendPending();  // point-to-point: at once; on the bus: in the next poll's reply
}

void press(uint8_t cmd) {
  if (queueLen < 4) queueCmd[queueLen++] = cmd;
  beep(2000, 30, 1);
  takeNextPress();
}

// ------------------------------------------------------------------ receiving

uint8_t errorCode = 0;
unsigned long errorAt = 0;
bool errorShown = false;

void settle(uint8_t s) {  // an answer with this SEQ acknowledges the press
  if (pendingCmd && s == pendingSeq && s != 0) { pendingCmd = 0; takeNextPress(); }
}

bool takeDisplay(const uint8_t *p, uint8_t len) {  // a SHOW's payload
  if (len < 4 || len > 16) return false;
  tag = p[0]; led = p[1]; waiting = p[2] | (p[3] << 8);
  memcpy(number, p + 4, len - 4); number[len - 4] = 0;
  errorShown = false;
  return true;
}

void replyToPoll() {  // RS-485: our turn to talk
  delayMicroseconds(50);  // the host's transceiver lets go of the bus
  if (helloPending) sendHello();
  else if (pendingCmd) sendPending();
  else sendFrame(tag, IDLE, 0, 0);
}

void handleFrame(const struct kp_frame &f) {
  if (f.address != address) return;
  const uint8_t *p = f.payload;
  offline = false;  // the host hears us
  if (f.command == POLL) {
    polledAt = now;
    // v2: a display rides on the poll; take it first, so the IDLE shows its tag.
    if (f.len && version >= 2) takeDisplay(p, f.len);
    replyToPoll();
  } else if (f.command == SHOW) {
    if (!takeDisplay(p, f.len)) return;
    helloPending = false;
    settle(f.seq);
  } else if (f.command == ERROR_ && f.len >= 1) {
    helloPending = false;
    errorCode = p[0]; errorAt = now; errorShown = true;
    beep(400, 400, 1);
    settle(f.seq);
  } else if (f.command == NAK && f.len >= 1) {
    if (pendingCmd && f.seq == pendingSeq) { pendingCmd = 0; }  // never send it again
    if (p[0] == NAK_UNSUPPORTED_VERSION && helloPending && version > 1) {
      version = 1;  // a v1 server: say HELLO as v1 (nothing else differs)
      if (p2p) sendHello();
    }
  } else if (f.command == SIGNAL && f.len >= 2) {
    led = p[0];
    beep(1500, 80, p[1]);
  }
  tries = 0;
  takeNextPress();
}

struct kp_decoder decoder;
unsigned long heardAt = 0;

void receive() {
  struct kp_frame frame;
  while (Serial.available()) {
    kp_decoder_feed(&decoder, Serial.read());
    heardAt = now;
    while (kp_decoder_next(&decoder, &frame)) handleFrame(frame);
  }
  if (decoder.len && now - heardAt > PARTIAL_FRAME_MS) {  // a partial frame, then silence
    kp_decoder_expire(&decoder);
    while (kp_decoder_next(&decoder, &frame)) handleFrame(frame);
  }
}

// ------------------------------------------------------------------ keys

bool keyDown[4], keyRaw[4], keyHeld[4];
unsigned long keyChangedAt[4], keyDownAt[4];

// Read every millisecond; a key counts once it has been steady for 20 ms (contacts
// bounce for 1-10 ms), and it acts as soon as it is down.
void scanKeys() {
  for (uint8_t k = 0; k < 4; k++) {
    bool raw = digitalRead(KEY_PINS[k]) == LOW;
    if (raw != keyRaw[k]) { keyRaw[k] = raw; keyChangedAt[k] = now; }
    if (raw != keyDown[k] && now - keyChangedAt[k] >= DEBOUNCE_MS) {
      keyDown[k] = raw;
      if (raw) { keyDownAt[k] = now; keyHeld[k] = false; press(KEY_CMDS[k]); }
    }
    if (keyDown[k] && !keyHeld[k] && now - keyDownAt[k] >= LONG_PRESS_MS) {
      keyHeld[k] = true;
      if (KEY_CMDS[k] == DONE) press(PAUSE);
      else if (KEY_CMDS[k] == NEXT) press(RESUME);
    }
  }
}

// ------------------------------------------------------------------ display

uint8_t charSegments(char ch) {
  if (ch >= '0' && ch <= '9') return Tm1637::digit(ch - '0');
  if (ch >= 'A' && ch <= 'F') return Tm1637::digit(ch - 'A' + 10);
  if (ch == 'G') return 0x3D;
  return Tm1637::DASH;  // other letters
}

void wanted(uint8_t segs[4]) {  // what the display should show now
  if (errorShown && now - errorAt < ERROR_SHOWN_MS) {
    segs[0] = Tm1637::digit(0xE); segs[1] = Tm1637::DASH;
    segs[2] = Tm1637::digit(errorCode / 10 % 10); segs[3] = Tm1637::digit(errorCode % 10);
    return;
  }
  errorShown = false;
  uint8_t n = strlen(number);
  for (uint8_t i = 0; i < 4; i++) {
    if (offline || helloPending) segs[i] = Tm1637::DASH;
    else if (n == 0) segs[i] = Tm1637::LOW_BAR;
    else segs[i] = n + i >= 4 ? charSegments(number[n + i - 4]) : Tm1637::BLANK;
  }
}

uint8_t shown[4] = {1, 1, 1, 1};  // not a real picture: the first pass writes

void refreshDisplay() {  // write only what changed, a step at a time
  display.step();
  if (display.busy()) return;
  uint8_t segs[4];
  wanted(segs);
  if (memcmp(segs, shown, 4) == 0) return;
  memcpy(shown, segs, 4);
  display.show(segs);
}

// ------------------------------------------------------------------ setup, loop

void setup() {
  for (uint8_t k = 0; k < 4; k++) pinMode(KEY_PINS[k], INPUT_PULLUP);
  pinMode(A0, INPUT_PULLUP); pinMode(A1, INPUT_PULLUP);
  pinMode(A2, INPUT_PULLUP); pinMode(A3, INPUT_PULLUP);
  pinMode(P2P_PIN, INPUT_PULLUP);
  pinMode(LED_PIN, OUTPUT); pinMode(DE_PIN, OUTPUT); digitalWrite(DE_PIN, LOW);
  address = (!digitalRead(A0)) | (!digitalRead(A1)) << 1 | (!digitalRead(A2)) << 2 |
            (!digitalRead(A3)) << 3;
  if (address == 0) address = 1;
  p2p = digitalRead(P2P_PIN) == LOW;
  kp_decoder_init(&decoder);
  Serial.begin(115200);
  display.begin(5);
}

void loop() {
  now = millis();
  receive();  // first: a poll is answered before anything else
  static unsigned long scannedAt = 0;
  if (now != scannedAt) { scannedAt = now; scanKeys(); }
  if (p2p) {
    if (helloPending && now - sentAt >= RETRY_MS) sendHello();
    else if (!helloPending && pendingCmd && now - sentAt >= RETRY_MS) sendPending();
    else if (!helloPending && !pendingCmd && now - lastSent >= HEARTBEAT_MS)
      sendFrame(tag, IDLE, 0, 0);
  } else if (now - polledAt >= NO_POLL_OFFLINE_MS) {
    offline = true;
  }
  runBeeps();
  digitalWrite(LED_PIN, led == 1 || (led == 2 && (now / 500) % 2));
  refreshDisplay();
}
