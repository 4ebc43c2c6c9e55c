"""The keypad sketch running in simavr, for tests that play its host and press its keys.

`tests/support/c/keypad_sim.c` runs the ELF that `sketch.build_sketch` makes on a
simulated ATmega328P; this drives it: keys and jumpers, bytes to its UART, what it sends
back (with the simulated time), and what its TM1637 display shows, read off the two wires.
The clock is the simulator's: a test is as fast on a busy machine as on an idle one.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from devices.keypad.frames import Frame, FrameDecoder

from .sketch import F_CPU

SIM_HARNESS = Path(__file__).resolve().parent / "c" / "keypad_sim.c"
SIMAVR_INCLUDE = Path("/usr/include/simavr")
KEY_PINS = {"NEXT": 2, "RECALL": 3, "DONE": 4, "NO_SHOW": 5}  # port D
CLOCK_BIT, DATA_BIT = 6, 7  # the TM1637 on D6 and D7

SEGMENT_CHARS = {0x3F: "0", 0x06: "1", 0x5B: "2", 0x4F: "3", 0x66: "4", 0x6D: "5", 0x7D: "6",
                 0x07: "7", 0x7F: "8", 0x6F: "9", 0x77: "A", 0x7C: "b", 0x39: "C", 0x5E: "d",
                 0x79: "E", 0x71: "F", 0x3D: "G", 0x40: "-", 0x08: "_", 0x00: " "}  # fmt: skip


def build_simulator(folder: Path) -> Path:
    """The simavr harness; the test is skipped, saying why, without libsimavr."""
    gcc = shutil.which("gcc")
    if gcc is None or not (SIMAVR_INCLUDE / "sim_avr.h").is_file():
        pytest.skip("no gcc or libsimavr-dev here (Debian: libsimavr-dev, via `make install`)")
    binary = folder / "keypad_sim"
    done = subprocess.run(
        [gcc, "-O2", "-Wall", "-Wextra", "-Werror", f"-I{SIMAVR_INCLUDE}", str(SIM_HARNESS),
         "-lsimavr", "-o", str(binary)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return binary


class Tm1637Reader:
    """Reads the TM1637's two wires as the chip does: a start (data falls while the clock
    is high), bits on the clock's rising edges, 9 to a byte with the acknowledge, a stop
    (data rises while the clock is high).  A write of the four digits is 0xC0 and 4 bytes."""

    def __init__(self) -> None:
        self.clock = self.data = True  # both lines let go: high
        self.bits: list[int] = []
        self.writes: list[tuple[int, str]] = []
        """(cycle, what the display shows) for each write of the digits."""

    def direction(self, cycle: int, ddr: int) -> None:
        clock, data = not ddr >> CLOCK_BIT & 1, not ddr >> DATA_BIT & 1  # driven = low
        if clock and self.clock and data != self.data:
            if not data:
                self.bits = []  # start
            else:
                self._transfer(cycle)  # stop
        elif clock and not self.clock:
            self.bits.append(int(data))
        self.clock, self.data = clock, data

    def _transfer(self, cycle: int) -> None:
        raw = [self.bits[i : i + 8] for i in range(0, len(self.bits) - 8, 9)]
        values = [sum(bit << n for n, bit in enumerate(byte)) for byte in raw]
        if len(values) == 5 and values[0] == 0xC0:
            self.writes.append((cycle, "".join(SEGMENT_CHARS.get(v, "?") for v in values[1:])))

    @property
    def shows(self) -> str:
        return self.writes[-1][1] if self.writes else ""


@dataclass
class Sent:
    cycle: int
    frame: Frame


@dataclass
class SimulatedKeypad:
    """One keypad in simavr.  Every method runs the simulation forward."""

    process: subprocess.Popen[str]
    cycle: int = 0
    display: Tm1637Reader = field(default_factory=Tm1637Reader)
    sent: list[Sent] = field(default_factory=list)
    """The frames the keypad sent, with the cycle their last byte began."""
    uart: list[int] = field(default_factory=list)
    """The cycle each byte it sent began."""
    _decoder: FrameDecoder = field(default_factory=FrameDecoder)

    @classmethod
    def start(cls, simulator: Path, elf: Path, *, address: int, p2p: bool) -> SimulatedKeypad:
        process = subprocess.Popen(
            [str(simulator), str(elf)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        keypad = cls(process)
        for bit in range(4):  # the address DIP switches on A0-A3: closed = 0
            keypad._command(f"P C {bit} {0 if address >> bit & 1 else 1}")
        keypad._command(f"P B 3 {0 if p2p else 1}")  # D11: the point-to-point jumper
        for pin in KEY_PINS.values():
            keypad._command(f"P D {pin} 1")
        return keypad

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)

    def _command(self, line: str) -> list[int]:
        """Runs one command; the cycles at which the bytes of a send went out."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        sends: list[int] = []
        while True:
            answer = self.process.stdout.readline()
            assert answer, "the simulator stopped"
            kind, *values = answer.split()
            if kind == "OK":
                self.cycle = int(values[0])
                return sends
            if kind == "U":
                cycle = int(values[0])
                self.uart.append(cycle)
                for frame in self._decoder.feed(bytes.fromhex(values[1])):
                    self.sent.append(Sent(cycle, frame))
            elif kind == "D":
                self.display.direction(int(values[0]), int(values[1], 16))
            elif kind == "S":
                sends.append(int(values[0]))

    def run_ms(self, ms: float) -> None:
        self._command(f"R {round(ms * 1000)}")

    def key(self, name: str, down: bool) -> None:
        self._command(f"P D {KEY_PINS[name]} {0 if down else 1}")

    def receive(self, frame: Frame) -> int:
        """Sends the keypad a frame; the cycle its last byte went on the wire."""
        return self._command(f"S {frame.encode().hex()}")[-1]

    def reply_to(self, frame: Frame, within_ms: float = 5.0) -> tuple[Frame, float]:
        """Sends a frame and runs on a little: the frame the keypad answered with, and
        how long after the last byte of ours began it began its own (ms)."""
        frames_before, bytes_before = len(self.sent), len(self.uart)
        last_byte = self.receive(frame)
        self.run_ms(within_ms)
        assert len(self.sent) == frames_before + 1, self.sent[frames_before:]
        return self.sent[-1].frame, (self.uart[bytes_before] - last_byte) * 1000 / F_CPU
