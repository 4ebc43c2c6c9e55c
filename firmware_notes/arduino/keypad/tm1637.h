// A TM1637 4-digit display, written a little at a time so the keypad never stops
// listening: show() only notes the new digits, step() (called on every pass of loop())
// moves the clock or data line once.  A whole write takes about 3 ms and no pass of
// loop() waits more than a few microseconds for it, so a poll is answered at once.
//
// Our own few lines rather than a display library: the usual ones write all four digits
// in one blocking call of 10-20 ms, which is what made the keypad answer polls late.
#ifndef KEYPAD_TM1637_H
#define KEYPAD_TM1637_H

#include <stdint.h>

class Tm1637 {
 public:
  Tm1637(uint8_t clockPin, uint8_t dataPin);
  void begin(uint8_t brightness);        // 0 (dim) .. 7 (bright)
  void show(const uint8_t segments[4]);  // starts a write; the last call wins
  bool busy() const { return at_ < length_; }
  void step();                           // one wire change; call it from loop()

  // Segments: bit 0 = a (top) .. bit 6 = g (middle).
  static uint8_t digit(uint8_t value);   // 0-15 as 0-9, A-F
  static const uint8_t DASH = 0x40, LOW_BAR = 0x08, BLANK = 0x00;

 private:
  void addStart();
  void addByte(uint8_t value);
  void addStop();
  void add(uint8_t clock, uint8_t data);

  uint8_t clockPin_, dataPin_, brightness_ = 5;
  // The write as wire levels, one per step: bit 0 the clock line, bit 1 the data line.
  uint8_t levels_[144];
  uint8_t length_ = 0, at_ = 0;
  unsigned long stepAt_ = 0;
};

#endif
