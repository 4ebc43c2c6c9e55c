"""Where events are kept: the SQLite event log."""

from .eventlog import EventLog, StoreError
from .group_commit import LoopCommitter, ThreadCommitter

__all__ = ["EventLog", "LoopCommitter", "StoreError", "ThreadCommitter"]
