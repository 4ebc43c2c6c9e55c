// TM1637: two wires like I2C but without an address, least significant bit first.
// A line is "high" when we let go of it (the module's pull-up) and "low" when we drive it.
#include "tm1637.h"

#include <Arduino.h>

static const uint8_t DATA_AUTO_INCREMENT = 0x40, ADDRESS_FIRST_DIGIT = 0xC0,
                     DISPLAY_ON = 0x88;
static const uint8_t STEP_US = 8;  // well above the chip's 2 us half-period

Tm1637::Tm1637(uint8_t clockPin, uint8_t dataPin) : clockPin_(clockPin), dataPin_(dataPin) {}

void Tm1637::begin(uint8_t brightness) {
  brightness_ = brightness & 7;
  pinMode(clockPin_, INPUT);  // both lines let go: high
  pinMode(dataPin_, INPUT);
  digitalWrite(clockPin_, LOW);  // so that OUTPUT drives them low
  digitalWrite(dataPin_, LOW);
}

uint8_t Tm1637::digit(uint8_t value) {
  static const uint8_t SEGMENTS[16] = {0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07,
                                       0x7F, 0x6F, 0x77, 0x7C, 0x39, 0x5E, 0x79, 0x71};
  return SEGMENTS[value & 15];
}

void Tm1637::add(uint8_t clock, uint8_t data) { levels_[length_++] = clock | data << 1; }

void Tm1637::addStart() { add(1, 1); add(1, 0); }

void Tm1637::addByte(uint8_t value) {
  for (uint8_t bit = 0; bit < 8; bit++, value >>= 1) { add(0, value & 1); add(1, value & 1); }
  add(0, 1); add(1, 1);  // the chip's acknowledge bit: we let go of data and clock it
}

void Tm1637::addStop() { add(0, 0); add(1, 0); add(1, 1); }

void Tm1637::show(const uint8_t segments[4]) {
  length_ = at_ = 0;
  addStart(); addByte(DATA_AUTO_INCREMENT); addStop();
  addStart(); addByte(ADDRESS_FIRST_DIGIT);
  for (uint8_t i = 0; i < 4; i++) addByte(segments[i]);
  addStop();
  addStart(); addByte(DISPLAY_ON | brightness_); addStop();
}

void Tm1637::step() {
  if (!busy() || micros() - stepAt_ < STEP_US) return;
  stepAt_ = micros();
  uint8_t level = levels_[at_++];
  pinMode(clockPin_, (level & 1) ? INPUT : OUTPUT);
  pinMode(dataPin_, (level & 2) ? INPUT : OUTPUT);
}
