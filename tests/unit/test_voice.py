"""The hall's voice: numbers spelled for the ear, phrases from the config, real espeak-ng audio."""

from __future__ import annotations

import asyncio
import math
import shutil
import struct
import tomllib
import wave
from pathlib import Path
from typing import Any

import pytest

from queue_server.config import ConfigError, Voice, load_config, parse_config
from queue_server.voice import Announcer, VoiceUnavailable, phrase, spell_number, ticket_phrase
from queue_server.voice.chime import CHIME_FILE, chime_wav

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ward-center.toml"
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is installed by `make install`"
)


def test_numbers_are_spelled_digit_by_digit_or_whole() -> None:
    assert spell_number("A023", "vi") == "A không hai ba"
    assert spell_number("B105", "vi") == "Bê một không năm"
    assert spell_number("A023", "vi", "whole") == "A 23"
    assert spell_number("A023", "en") == "A, zero two three"
    assert spell_number("9001", "ar") == "تسعة صفر صفر واحد"
    assert spell_number("C7", "fr") == "C 7"  # no table: the voice reads the digits
    assert spell_number("odd-1", "vi") == "odd-1"


def test_the_phrase_comes_from_the_config() -> None:
    voice = load_config(EXAMPLE).voice
    assert phrase(voice, "vi", "A023", 5) == "Mời số A không hai ba đến quầy 5"
    custom = Voice(templates={"vi": "Số {number}, quầy {counter}"}, numbers="whole")
    assert phrase(custom, "vi", "A023", 5) == "Số A 23, quầy 5"
    assert phrase(custom, "en", "A023", 5) == "Number A, 23, counter 5"  # built-in


def test_the_kiosk_says_the_number_in_the_citizens_language() -> None:
    voice = load_config(EXAMPLE).voice
    assert ticket_phrase(voice, "vi", "A023") == (
        "Số thứ tự của quý khách là A không hai ba. Xin mời quý khách ngồi chờ đến lượt."
    )
    assert ticket_phrase(voice, "en", "B105").startswith("Your number is B, one zero five.")
    custom = Voice(ticket_templates={"vi": "Phiếu {number}"}, numbers="whole")
    assert ticket_phrase(custom, "vi", "A023") == "Phiếu A 23"


async def test_a_kiosk_that_is_told_to_be_silent_says_nothing(tmp_path: Path) -> None:
    silent = Announcer(Voice(kiosk=False), ["vi", "en"], tmp_path)
    assert silent.kiosk_languages == []
    with pytest.raises(VoiceUnavailable, match="does not speak 'vi'"):
        await silent.ticket_wav("vi", "A001")


@pytest.fixture
def raw() -> dict[str, Any]:
    with EXAMPLE.open("rb") as f:
        return tomllib.load(f)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            {"templates": {"vi": "Mời số {so} đến quầy {counter}"}},
            "voice.templates.vi: unknown placeholder {so}",
        ),
        (
            {"templates": {"vi": "Mời đến quầy {counter}"}},
            "voice.templates.vi: the phrase must say",
        ),
        (
            {"templates": {"fr": "Numéro {number}"}},
            "voice.templates.fr: language not in centre.languages",
        ),
        ({"languages": ["vi", "zh"]}, "voice.languages[1]: 'zh' is not in centre.languages"),
        ({"voices": {"vi": "mb-vi1"}}, "voice.voices.vi: 'mb-vi1' is not a usable espeak-ng voice"),
        ({"speed": 20}, "voice.speed: 20 must be between 80 and 450"),
        ({"max_delay_seconds": 2}, "voice.max_delay_seconds: 2 must be between 5 and 300"),
        ({"numbers": "roman"}, "voice.numbers"),
        (
            {"ticket_templates": {"vi": "Số {number} tại quầy {counter}"}},
            "voice.ticket_templates.vi: say the ticket's {number}, once",
        ),
    ],
)
def test_a_wrong_voice_section_names_the_field(
    raw: dict[str, Any], change: dict[str, Any], fragment: str
) -> None:
    raw["voice"].update(change)
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    assert fragment in str(info.value)


def test_a_centre_without_a_voice_section_speaks_its_languages(raw: dict[str, Any]) -> None:
    del raw["voice"]
    raw["centre"]["languages"] = ["vi", "en"]
    for text in ("name", "ticket_footer", "notice"):
        raw["centre"][text].pop("ar", None)
    for table in ("services", "priority_classes", "counters"):
        for item in raw.get(table, []):
            for field in ("name", "description"):
                if isinstance(item.get(field), dict):
                    item[field].pop("ar", None)
            for procedure in item.get("procedures", []):
                for field in ("name", "words", "papers"):
                    procedure.get(field, {}).pop("ar", None)
    config = parse_config(raw)
    assert config.voice.announced_languages(config.centre.languages) == ["vi", "en"]


def samples_of(path: Path) -> tuple[int, list[int]]:
    with wave.open(str(path)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth()) == (1, 2)
        frames = audio.readframes(audio.getnframes())
        return audio.getframerate(), list(struct.unpack(f"<{len(frames) // 2}h", frames))


@needs_espeak
async def test_a_vietnamese_announcement_is_real_audio(tmp_path: Path) -> None:
    config = load_config(EXAMPLE)
    announcer = Announcer(config.voice, config.centre.languages, tmp_path)
    status = await announcer.check()
    assert status.available, status.reason
    path = await announcer.wav("vi", "A023", 5)
    rate, samples = samples_of(path)
    seconds = len(samples) / rate
    assert 2.0 < seconds < 8.0, seconds  # about 4 s for this phrase
    rms = math.sqrt(sum(s * s for s in samples) / len(samples))
    assert 20 * math.log10(rms / 32768) > -35  # speech, not silence (about -19 dBFS)
    voiced = sum(1 for i in range(0, len(samples), rate // 10) if abs(samples[i]) > 500)
    assert voiced > 5
    again = await announcer.wav("vi", "A023", 5)
    assert again == path and announcer.status.cache_hits == 1
    other = await announcer.wav("ar", "A023", 5)
    assert other != path and samples_of(other)[1] != samples


@needs_espeak
async def test_a_call_in_two_languages_is_said_within_ten_seconds(tmp_path: Path) -> None:
    """The hall says a call in the centre's language and the ticket's: with the built-in
    phrases (the shortest that still say number and counter) and the chime, the longest
    pair (vi + ar) takes under 10 s of audio; the old phrases took 14.4 s, all three 19 s."""
    announcer = Announcer(Voice(), ["vi", "en", "ar"], tmp_path)
    seconds = {}
    for lang in ("vi", "en", "ar"):
        rate, samples = samples_of(await announcer.wav(lang, "A023", 12))
        seconds[lang] = len(samples) / rate
    chime_rate, chime = samples_of(CHIME_FILE)
    longest_pair = len(chime) / chime_rate + seconds["vi"] + max(seconds["en"], seconds["ar"])
    assert longest_pair < 10.0, seconds


@needs_espeak
async def test_the_kiosks_ticket_is_real_audio_in_its_language(tmp_path: Path) -> None:
    config = load_config(EXAMPLE)
    announcer = Announcer(config.voice, config.centre.languages, tmp_path)
    said = await announcer.ticket_wav("ar", "A023")
    rate, samples = samples_of(said)
    assert len(samples) / rate > 2.0
    assert said != await announcer.ticket_wav("vi", "A023")


@needs_espeak
async def test_arabic_and_english_are_made_too(tmp_path: Path) -> None:
    config = load_config(EXAMPLE)
    announcer = Announcer(config.voice, config.centre.languages, tmp_path)
    for lang in ("en", "ar"):
        rate, samples = samples_of(await announcer.wav(lang, "B105", 10))
        assert len(samples) / rate > 1.5


@needs_espeak
async def test_the_first_announcements_asked_at_once_all_wait_for_the_check(
    tmp_path: Path,
) -> None:
    """A hall display's first call asks for every language at once, before espeak-ng was
    checked: none may be refused while the check runs."""
    config = load_config(EXAMPLE)
    announcer = Announcer(config.voice, config.centre.languages, tmp_path)
    paths = await asyncio.gather(*(announcer.wav(lang, "A001", 1) for lang in ("vi", "en", "ar")))
    assert len(set(paths)) == 3 and all(path.exists() for path in paths)
    assert announcer.status.synthesised == 3


async def test_without_espeak_the_reason_is_kept(tmp_path: Path) -> None:
    config = load_config(EXAMPLE)
    announcer = Announcer(config.voice, config.centre.languages, tmp_path, binary="no-such-tts")
    status = await announcer.check()
    assert not status.available
    assert status.reason == "no-such-tts is not installed (Debian: apt-get install espeak-ng)"
    off = Announcer(Voice(enabled=False), ["vi"], tmp_path)
    assert (await off.check()).reason == "voice.enabled is false in the config"


def test_the_committed_chime_is_the_generated_one() -> None:
    assert CHIME_FILE.read_bytes() == chime_wav()
    rate, samples = samples_of(CHIME_FILE)
    assert 0.8 < len(samples) / rate < 2.0 and max(samples) > 10000


@pytest.mark.parametrize(
    ("lang", "said"),
    [("vi", "Hát A không không một"), ("en", "H A, zero zero one"), ("ar", "H A صفر صفر واحد")],
)
def test_a_booked_number_is_said_letter_by_letter_as_any(lang: str, said: str) -> None:
    """`HA001` (a booked ticket's series): both letters named, then the digits."""
    assert spell_number("HA001", lang) == said
