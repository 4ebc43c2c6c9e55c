"""The example keypad sketch's C, built and run on this machine for the tests.

The sketch (firmware_notes/arduino/keypad/) keeps its frame code in plain C so that the
PC's gcc builds the very file the Arduino gets, and a small harness
(tests/support/c/keypad_frames_harness.c) lets a test drive it line by line.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKETCH = ROOT / "firmware_notes" / "arduino" / "keypad"
HARNESS = Path(__file__).resolve().parent / "c" / "keypad_frames_harness.c"


def build_frames_harness(folder: Path) -> Path:
    """The harness linked with the sketch's keypad_frames.c, warnings as errors."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("no gcc on this machine: the sketch's frame code cannot be built")
    binary = folder / "keypad_frames_harness"
    subprocess.run(
        [gcc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
         "-fno-sanitize-recover=all", f"-I{SKETCH}", str(HARNESS), str(SKETCH / "keypad_frames.c"),
         "-o", str(binary)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return binary


def run_harness(binary: Path, commands: list[str]) -> list[str]:
    """One answer line per command line (see the harness's header)."""
    done = subprocess.run(
        [str(binary)],
        input="".join(f"{command}\n" for command in commands),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr  # a sanitizer's report says where
    answers = done.stdout.splitlines()
    assert len(answers) == len(commands), done.stderr
    return answers


# ---------------------------------------------------------------------- the AVR build

ARDUINO_AVR = Path("/usr/share/arduino/hardware/arduino/avr")
"""Debian's arduino-core-avr: the Arduino core the IDE would build the sketch with."""
CORE = ARDUINO_AVR / "cores" / "arduino"
UNO = ARDUINO_AVR / "variants" / "standard"
FLASH_BYTES = 32256
"""An Uno's or Nano's flash less its bootloader (boards.txt, uno.upload.maximum_size)."""
RAM_BYTES = 2048
MCU = "atmega328p"
F_CPU = 16_000_000


def avr_toolchain() -> tuple[str, str, str]:
    """avr-gcc, avr-g++ and avr-size; the test is skipped, saying why, when absent."""
    tools = [shutil.which(tool) for tool in ("avr-gcc", "avr-g++", "avr-size")]
    if None in tools or not (CORE / "Arduino.h").is_file():
        pytest.skip(
            "no AVR compiler or Arduino core here (Debian: gcc-avr avr-libc arduino-core-avr,"
            " installed by `make install`)"
        )
    gcc, gxx, size = tools
    assert gcc and gxx and size
    return gcc, gxx, size


def build_sketch(folder: Path) -> Path:
    """The sketch as the Arduino IDE builds it for an Uno (platform.txt's flags), as an
    ELF file; the sketch's own files with warnings as errors."""
    gcc, gxx, _size = avr_toolchain()
    common = [f"-mmcu={MCU}", f"-DF_CPU={F_CPU}L", "-DARDUINO=10807", "-DARDUINO_AVR_UNO",
              "-DARDUINO_ARCH_AVR", f"-I{CORE}", f"-I{UNO}", f"-I{SKETCH}", "-g", "-Os",
              "-flto", "-ffunction-sections", "-fdata-sections", "-Wall", "-Wextra"]  # fmt: skip
    c_flags = [*common, "-std=gnu11", "-fno-fat-lto-objects"]
    cpp_flags = [*common, "-std=gnu++11", "-fpermissive", "-fno-exceptions",
                 "-fno-threadsafe-statics", "-Wno-error=narrowing"]  # fmt: skip
    # The IDE turns keypad.ino into a C++ file that includes Arduino.h first.
    main = folder / "keypad.ino.cpp"
    main.write_text(
        '#include <Arduino.h>\n#line 1 "keypad.ino"\n'
        + (SKETCH / "keypad.ino").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    sketch_sources = [main, *sorted(SKETCH.glob("*.c")), *sorted(SKETCH.glob("*.cpp"))]
    core_sources = sorted([*CORE.glob("*.c"), *CORE.glob("*.cpp"), *CORE.glob("*.S")])
    objects = []
    for index, source in enumerate([*sketch_sources, *core_sources]):
        ours = source in sketch_sources
        obj = folder / f"{index:02d}-{source.name}.o"
        if source.suffix == ".c":
            command = [gcc, *c_flags]
        elif source.suffix == ".S":
            command = [gcc, *common, "-x", "assembler-with-cpp"]
        else:
            command = [gxx, *cpp_flags]
        if ours:
            command.append("-Werror")
        elif source.suffix == ".cpp":
            # Debian's avr-gcc 5.4 has DECIMAL_DIG for C only; the core (made for gcc 7)
            # uses it in WString.cpp.
            command.append("-DDECIMAL_DIG=__DECIMAL_DIG__")
        compile_step([*command, "-c", str(source), "-o", str(obj)])
        objects.append(str(obj))
    elf = folder / "keypad.ino.elf"
    compile_step([gcc, f"-mmcu={MCU}", "-Os", "-flto", "-fuse-linker-plugin",
                  "-Wl,--gc-sections", "-o", str(elf), *objects, "-lm"])  # fmt: skip
    return elf


def compile_step(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stderr}"


def sketch_sizes(elf: Path) -> tuple[int, int]:
    """(flash, RAM) bytes the sketch takes, counted as the Arduino IDE counts them."""
    *_, size = avr_toolchain()
    out = subprocess.run([size, "-A", str(elf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()]
    sections = {row[0]: int(row[1]) for row in rows if len(row) >= 2 and row[1].isdigit()}

    def total(names: tuple[str, ...]) -> int:
        return sum(sections.get(name, 0) for name in names)

    return total((".text", ".data", ".bootloader")), total((".data", ".bss", ".noinit"))
