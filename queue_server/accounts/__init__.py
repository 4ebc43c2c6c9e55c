"""Who may do what: staff accounts with passwords, device tokens, sessions and roles."""

from .principal import ANONYMOUS, Principal, Role
from .store import AccountError, AccountStore

__all__ = ["ANONYMOUS", "AccountError", "AccountStore", "Principal", "Role"]
