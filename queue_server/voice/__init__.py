"""The hall's spoken announcements: phrases per language, synthesised offline with espeak-ng."""

from .phrases import phrase, spell_number
from .synth import Announcer, VoiceStatus, VoiceUnavailable

__all__ = ["Announcer", "VoiceStatus", "VoiceUnavailable", "phrase", "spell_number"]
