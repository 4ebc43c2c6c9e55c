"""Spoken announcements (the hall's calls, the kiosk's tickets): phrases per language,
synthesised offline with espeak-ng."""

from .phrases import phrase, spell_number, ticket_phrase
from .synth import Announcer, VoiceStatus, VoiceUnavailable

__all__ = [
    "Announcer",
    "VoiceStatus",
    "VoiceUnavailable",
    "phrase",
    "spell_number",
    "ticket_phrase",
]
