"""Where events are kept: the SQLite event log."""

from .eventlog import EventLog, StoreError
from .group_commit import GroupCommitter

__all__ = ["EventLog", "GroupCommitter", "StoreError"]
