"""The queue's rules, pure: commands in, events out, state rebuilt from events."""

from .engine import Engine
from .errors import CommandRejected
from .events import SYSTEM, Actor, Event

__all__ = ["SYSTEM", "Actor", "CommandRejected", "Engine", "Event"]
