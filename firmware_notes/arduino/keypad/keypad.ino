// Call keypad, protocol v2 (firmware_notes/keypad-protocol.md): 4 keys, a 4-digit display.
//
// Board: Arduino Nano / Pro Mini (ATmega328P, 5 V).  Parts: a TM1637 4-digit display,
// 4 push buttons to GND, a MAX485 for RS-485 (or nothing, point-to-point over USB), an
// LED, a buzzer.  Library: "TM1637" by Avishay Orpaz (Library Manager).
//
//   D2 NEXT   D3 RECALL   D4 DONE   D5 NO_SHOW     (long press DONE: PAUSE, NEXT: RESUME)
//   D6 TM1637 CLK   D7 TM1637 DIO   D8 LED   D9 buzzer
//   D10 MAX485 DE+/RE (RS-485 only)   A0-A3 address DIP switches to GND (address 1-15)
//   D11 to GND: point-to-point mode (the keypad speaks when pressed)
//
// RS-485: Serial TX -> DI, RX <- RO; 115200 8N1.  Point-to-point: the USB port itself.

#include <TM1637Display.h>

const uint8_t SOF = 0xA5, VERSION = 2, FIRMWARE = 3;
const uint8_t NAK_UNSUPPORTED_VERSION = 0x03;
const uint8_t NEXT = 0x01, RECALL = 0x02, DONE = 0x04, NO_SHOW = 0x05, PAUSE = 0x07,
              RESUME = 0x08, IDLE = 0x10, HELLO = 0x11;
const uint8_t POLL = 0x80, SHOW = 0x81, ERROR_ = 0x82, SIGNAL = 0x83, NAK = 0x85;
const uint8_t KEY_PINS[4] = {2, 3, 4, 5};
const uint8_t KEY_CMDS[4] = {NEXT, RECALL, DONE, NO_SHOW};
const uint8_t LED_PIN = 8, BUZZER_PIN = 9, DE_PIN = 10, P2P_PIN = 11;
const unsigned long RETRY_MS = 300, HEARTBEAT_MS = 5000, LONG_PRESS_MS = 1500;

TM1637Display display(6, 7);
uint8_t address, seq = 0, tag = 0, led = 0, version = VERSION;
bool p2p, helloPending = true;
char number[13] = "";
uint16_t waiting = 0;

// Presses wait here until the host answers them (oldest first).
uint8_t queueCmd[4], queueLen = 0;
uint8_t pendingCmd = 0, pendingSeq = 0;  // the press on the wire; 0 = none
unsigned long sentAt = 0, lastSent = 0, errorUntil = 0;
uint8_t errorCode = 0;

uint16_t crc16(const uint8_t *data, uint8_t len) {  // CRC-16/MODBUS
  uint16_t crc = 0xFFFF;
  for (uint8_t i = 0; i < len; i++) {
    crc ^= data[i];
    for (uint8_t b = 0; b < 8; b++) crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
  }
  return crc;
}

void sendFrame(uint8_t s, uint8_t cmd, const uint8_t *payload, uint8_t len) {
  uint8_t f[7 + 32];
  f[0] = SOF; f[1] = address; f[2] = s; f[3] = cmd; f[4] = len;
  for (uint8_t i = 0; i < len; i++) f[5 + i] = payload[i];
  uint16_t crc = crc16(f + 1, 4 + len);
  f[5 + len] = crc & 0xFF; f[6 + len] = crc >> 8;
  if (!p2p) { digitalWrite(DE_PIN, HIGH); delayMicroseconds(10); }
  Serial.write(f, 7 + len);
  Serial.flush();                       // waits for "transmit complete"
  if (!p2p) digitalWrite(DE_PIN, LOW);  // release the bus at once
  lastSent = millis();
}

void sendHello() { uint8_t p[2] = {version, FIRMWARE}; sendFrame(0, HELLO, p, 2); }

void sendPending() {
  sendFrame(pendingSeq, pendingCmd, 0, 0);
  sentAt = millis();
}

void takeNextPress() {
  if (pendingCmd || !queueLen || helloPending) return;
  pendingCmd = queueCmd[0];
  for (uint8_t i = 1; i < queueLen; i++) queueCmd[i - 1] = queueCmd[i];
  queueLen--;
  seq = seq >= 255 ? 1 : seq + 1;
  pendingSeq = seq;
  if (p2p) sendPending();
}

void press(uint8_t cmd) {
  if (queueLen < 4) queueCmd[queueLen++] = cmd;
  tone(BUZZER_PIN, 2000, 30);
  takeNextPress();
}

void show() {
  if (millis() < errorUntil) {          // "E-03" for two seconds
    uint8_t segs[4] = {0x79, 0x40, display.encodeDigit(errorCode / 10),
                       display.encodeDigit(errorCode % 10)};
    display.setSegments(segs);
    return;
  }
  uint8_t segs[4] = {0, 0, 0, 0};       // the last 4 characters of the number
  int n = strlen(number);
  for (int i = 0; i < 4; i++) {
    int j = n - 4 + i;
    if (j < 0) continue;
    char ch = number[j];
    if (ch >= '0' && ch <= '9') segs[i] = display.encodeDigit(ch - '0');
    else if (ch >= 'A' && ch <= 'F') segs[i] = display.encodeDigit(ch - 'A' + 10);
    else if (ch == 'G') segs[i] = 0x3D;
    else segs[i] = 0x40;                // other letters: a dash
  }
  if (n == 0) { segs[0] = segs[1] = segs[2] = segs[3] = 0x40; }
  display.setSegments(segs);
}

void settle(uint8_t s) {                // an answer with this SEQ acknowledges the press
  if (pendingCmd && s == pendingSeq && s != 0) { pendingCmd = 0; takeNextPress(); }
}

void takeDisplay(const uint8_t *p, uint8_t len) {  // a SHOW's payload
  tag = p[0]; led = p[1]; waiting = p[2] | (p[3] << 8);
  memcpy(number, p + 4, len - 4); number[len - 4] = 0;
  errorUntil = 0;
}

void handleFrame(uint8_t s, uint8_t cmd, const uint8_t *p, uint8_t len) {
  if (cmd == POLL) {                    // RS-485: our turn to talk
    // v2: a display rides on the poll; take it first, so the IDLE shows its tag.
    // (Only copied here: the TM1637 is written in loop(), after the reply.)
    if (len >= 4 && len <= 16) takeDisplay(p, len);
    delayMicroseconds(50);
    if (helloPending) sendHello();
    else if (pendingCmd) sendPending();
    else sendFrame(tag, IDLE, 0, 0);
  } else if (cmd == SHOW && len >= 4 && len <= 16) {
    helloPending = false;
    takeDisplay(p, len);
    settle(s);
  } else if (cmd == ERROR_ && len >= 1) {
    helloPending = false;
    errorCode = p[0]; errorUntil = millis() + 2000;
    tone(BUZZER_PIN, 400, 400);
    settle(s);
  } else if (cmd == NAK && len >= 1) {
    if (pendingCmd && s == pendingSeq) { pendingCmd = 0; takeNextPress(); }
    if (p[0] == NAK_UNSUPPORTED_VERSION && helloPending && version > 1) {
      version = 1;                      // a v1 server: say HELLO as v1 (nothing else differs)
      if (p2p) sendHello();
    }
  } else if (cmd == SIGNAL && len >= 2) {
    led = p[0];
    for (uint8_t i = 0; i < p[1]; i++) { tone(BUZZER_PIN, 1500, 80); delay(150); }
  }
  takeNextPress();
}

// Receiver: find A5, read the header, check the CRC; on a bad frame move on one byte.
uint8_t rx[7 + 32], rxLen = 0;
unsigned long rxAt = 0;

void receive() {
  while (Serial.available()) {
    uint8_t b = Serial.read();
    rxAt = millis();
    if (rxLen == 0 && b != SOF) continue;
    rx[rxLen++] = b;
    if (rxLen >= 5 && rx[4] > 32) { rxLen = 0; continue; }
    if (rxLen >= 5 && rxLen == 7 + rx[4]) {
      uint8_t len = rx[4];
      uint16_t crc = crc16(rx + 1, 4 + len);
      bool ok = (rx[5 + len] | (rx[6 + len] << 8)) == crc;
      if (ok && rx[1] == address) handleFrame(rx[2], rx[3], rx + 5, len);
      if (ok) rxLen = 0;
      else {                            // resync: look for the next A5 after this one
        uint8_t i = 1;
        while (i < rxLen && rx[i] != SOF) i++;
        memmove(rx, rx + i, rxLen - i); rxLen -= i;
      }
    }
  }
  if (rxLen && millis() - rxAt > 50) rxLen = 0;  // a partial frame, then silence
}

// Keys: sampled every millisecond, accepted after 20 ms stable; long presses.
uint8_t stable[4], count[4];
unsigned long downAt[4];
bool longDone[4];

void scanKeys() {
  static unsigned long last = 0;
  if (millis() == last) return;
  last = millis();
  for (uint8_t k = 0; k < 4; k++) {
    uint8_t now = digitalRead(KEY_PINS[k]) == LOW;
    if (now == stable[k]) { count[k] = 0; }
    else if (++count[k] >= 20) {
      stable[k] = now; count[k] = 0;
      if (now) { downAt[k] = millis(); longDone[k] = false; }
      else if (!longDone[k]) press(KEY_CMDS[k]);          // a short press, on release
    }
    if (stable[k] && !longDone[k] && millis() - downAt[k] > LONG_PRESS_MS) {
      longDone[k] = true;
      if (KEY_CMDS[k] == DONE) press(PAUSE);
      else if (KEY_CMDS[k] == NEXT) press(RESUME);
    }
  }
}

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
  Serial.begin(115200);
  display.setBrightness(5);
  number[0] = 0;
  show();
}

void loop() {
  receive();
  scanKeys();
  unsigned long now = millis();
  if (p2p) {
    if (helloPending && now - lastSent > RETRY_MS) sendHello();
    else if (pendingCmd && now - sentAt > RETRY_MS) sendPending();
    else if (!pendingCmd && now - lastSent > HEARTBEAT_MS) sendFrame(tag, IDLE, 0, 0);
  }
  digitalWrite(LED_PIN, led == 1 || (led == 2 && (now / 500) % 2));
  show();
}
