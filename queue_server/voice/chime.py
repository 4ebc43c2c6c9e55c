"""The hall's chime, made here rather than taken from anywhere: a two-note "ding-dong".

`python -m queue_server.voice.chime` writes `display/static/sounds/chime.wav`; a test
checks that the committed file is exactly what this code makes.
"""

from __future__ import annotations

import io
import math
import struct
import sys
import wave
from pathlib import Path

RATE = 22050
NOTES = ((659.25, 0.0), (523.25, 0.42))
"""E5 then C5: (frequency in Hz, start in seconds)."""
LENGTH_S = 1.3
PEAK = 0.6

CHIME_FILE = Path(__file__).resolve().parents[2] / "display" / "static" / "sounds" / "chime.wav"


def chime_samples() -> list[int]:
    count = int(RATE * LENGTH_S)
    samples = [0.0] * count
    for frequency, start in NOTES:
        first = int(start * RATE)
        for i in range(first, count):
            t = (i - first) / RATE
            attack = min(1.0, t / 0.005)
            envelope = attack * math.exp(-t * 3.2)
            tone = (
                math.sin(2 * math.pi * frequency * t)
                + 0.35 * math.sin(2 * math.pi * 2 * frequency * t)
                + 0.12 * math.sin(2 * math.pi * 3 * frequency * t)
            )
            samples[i] += envelope * tone
    loudest = max(abs(s) for s in samples)
    fade = int(0.05 * RATE)
    for i in range(fade):
        samples[count - 1 - i] *= i / fade
    return [round(s / loudest * PEAK * 32767) for s in samples]


def chime_wav() -> bytes:
    samples = chime_samples()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return buffer.getvalue()


if __name__ == "__main__":
    CHIME_FILE.parent.mkdir(parents=True, exist_ok=True)
    CHIME_FILE.write_bytes(chime_wav())
    print(f"wrote {CHIME_FILE}", file=sys.stderr)
