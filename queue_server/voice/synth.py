"""espeak-ng in a subprocess, never on the event loop; one cached WAV file per phrase.

Why this shape:

* Synthesis is a child process (`asyncio.create_subprocess_exec`), so the loop only
  waits on a pipe; a stuck espeak-ng is killed after a timeout.
* The text goes in on stdin, never on the command line, so no phrase can be taken
  for an option.  espeak-ng writes the WAV itself (`-w`): its `--stdout` header has
  placeholder sizes that some decoders refuse.
* Files are named by a hash of voice, speed and text, written to a temporary name
  and renamed, so a half-written file is never served and a cache survives restarts.
  Ticket numbers repeat every day, so the cache keeps paying; it is trimmed to the
  newest `MAX_CACHED_FILES`.
* When espeak-ng or a voice is missing, the reason is kept for the admin page; the
  hall display then only chimes and shows the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Voice
from .phrases import phrase, ticket_phrase

log = logging.getLogger(__name__)

SYNTH_TIMEOUT_S = 10.0
MAX_CACHED_FILES = 3000


class VoiceUnavailable(Exception):
    """No announcement can be made; the message says why, in words for the admin page."""


@dataclass
class VoiceStatus:
    enabled: bool
    available: bool
    reason: str | None
    engine: str | None
    languages: list[str]
    synthesised: int = 0
    cache_hits: int = 0
    failures: int = 0
    last_error: str | None = None
    voices: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "available": self.available,
            "reason": self.reason,
            "engine": self.engine,
            "languages": self.languages,
            "voices": self.voices,
            "synthesised": self.synthesised,
            "cache_hits": self.cache_hits,
            "failures": self.failures,
            "last_error": self.last_error,
        }


class Announcer:
    """Makes and caches the announcement of a call in each configured language."""

    def __init__(
        self,
        voice: Voice,
        centre_languages: list[str],
        cache_dir: str | Path | None = None,
        binary: str = "espeak-ng",
    ) -> None:
        self.voice = voice
        self.cache_dir = Path(cache_dir if cache_dir is not None else voice.cache_dir)
        self.binary = binary
        languages = voice.announced_languages(centre_languages)
        self.kiosk_languages = [
            lang for lang in centre_languages if voice.kiosk and voice.ticket_template(lang)
        ]
        spoken = dict.fromkeys([*languages, *self.kiosk_languages])
        self.status = VoiceStatus(
            enabled=voice.enabled,
            available=False,
            reason="not checked yet",
            engine=None,
            languages=languages,
            voices={lang: voice.voice(lang) for lang in spoken},
        )
        self._pending: dict[Path, asyncio.Future[Path]] = {}
        self._checking: asyncio.Future[VoiceStatus] | None = None
        self._written = 0

    async def checked(self) -> VoiceStatus:
        """`status` once checked: the first caller runs the check, callers meanwhile wait
        for its verdict (a hall display's first call asks in several languages at once)."""
        if self._checking is None:
            self._checking = asyncio.ensure_future(self.check())
        return await asyncio.shield(self._checking)

    async def check(self) -> VoiceStatus:
        """Find espeak-ng and the voices; the verdict and its reason go in `status`."""
        status = self.status
        if not self.voice.enabled:
            status.available, status.reason = False, "voice.enabled is false in the config"
            return status
        path = shutil.which(self.binary)
        if path is None:
            status.available = False
            status.reason = f"{self.binary} is not installed (Debian: apt-get install espeak-ng)"
            return status
        try:
            version = await self._run([path, "--version"])
            voices = await self._run([path, "--voices"])
        except (OSError, TimeoutError, VoiceUnavailable) as exc:
            status.available, status.reason = False, f"{self.binary} does not run: {exc}"
            return status
        status.engine = version.decode(errors="replace").split("  ")[0].strip()
        known = _voice_names(voices.decode(errors="replace"))
        missing = [f"{lang} ({name})" for lang, name in status.voices.items() if name not in known]
        if missing:
            status.available = False
            status.reason = f"{self.binary} has no voice for {', '.join(missing)}"
            return status
        try:
            await asyncio.to_thread(self.cache_dir.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            status.available, status.reason = False, f"cannot create {self.cache_dir}: {exc}"
            return status
        status.available, status.reason = True, None
        return status

    def text(self, lang: str, number: str, counter: int) -> str:
        return phrase(self.voice, lang, number, counter)

    async def wav(self, lang: str, number: str, counter: int) -> Path:
        """The announcement's WAV file, made now or taken from the cache."""
        if lang not in self.status.languages:
            raise VoiceUnavailable(f"no announcement is configured in {lang!r}")
        return await self._spoken(lang, self.text(lang, number, counter))

    async def ticket_wav(self, lang: str, number: str) -> Path:
        """What the kiosk says as it hands out ticket `number`, as a WAV file."""
        if lang not in self.kiosk_languages:
            raise VoiceUnavailable(f"the kiosk does not speak {lang!r}")
        return await self._spoken(lang, ticket_phrase(self.voice, lang, number))

    async def _spoken(self, lang: str, text: str) -> Path:
        """`text` said by `lang`'s voice: from the cache, or made once however many ask."""
        status = await self.checked()
        if not status.available:
            raise VoiceUnavailable(status.reason or "voice unavailable")
        name = status.voices[lang]
        key = hashlib.sha256(f"{name}\0{self.voice.speed}\0{text}".encode()).hexdigest()[:32]
        path = self.cache_dir / f"{lang}-{key}.wav"
        if path.exists():
            status.cache_hits += 1
            return path
        pending = self._pending.get(path)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Path] = asyncio.get_running_loop().create_future()
        self._pending[path] = future
        try:
            await self._synthesise(name, text, path)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: nobody else may be waiting
            raise
        else:
            future.set_result(path)
        finally:
            del self._pending[path]
        return path

    async def _synthesise(self, voice_name: str, text: str, path: Path) -> None:
        status = self.status
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        args = [self.binary, "-v", voice_name, "-s", str(self.voice.speed), "-w", str(temporary)]
        try:
            await self._run(args, text.encode())
            if not await asyncio.to_thread(_looks_like_wav, temporary):
                raise VoiceUnavailable(f"{self.binary} wrote no audio for {text!r}")
            await asyncio.to_thread(os.replace, temporary, path)
        except (OSError, TimeoutError, VoiceUnavailable) as exc:
            status.failures += 1
            status.last_error = str(exc) or type(exc).__name__
            with contextlib.suppress(OSError):
                temporary.unlink()
            log.warning("announcement %r failed: %s", text, status.last_error)
            raise VoiceUnavailable(status.last_error) from exc
        status.synthesised += 1
        status.last_error = None
        self._written += 1
        if self._written % 100 == 0:
            await asyncio.to_thread(_trim, self.cache_dir, MAX_CACHED_FILES)

    async def _run(self, args: list[str], stdin: bytes | None = None) -> bytes:
        process = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(stdin), SYNTH_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise TimeoutError(f"{args[0]} took over {SYNTH_TIMEOUT_S:.0f} s") from None
        if process.returncode != 0:
            message = err.decode(errors="replace").strip() or f"exit status {process.returncode}"
            raise VoiceUnavailable(f"{Path(args[0]).name}: {message}")
        return out


def _voice_names(listing: str) -> set[str]:
    """Names usable with -v from `espeak-ng --voices`: the language column and the file."""
    names: set[str] = set()
    for line in listing.splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 5:
            names.add(columns[1])
            names.add(columns[4].rsplit("/", 1)[-1])
    return names


def _looks_like_wav(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(12)
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE" and path.stat().st_size > 1000
    except OSError:
        return False


def _trim(directory: Path, keep: int) -> None:
    files = sorted(directory.glob("*.wav"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
