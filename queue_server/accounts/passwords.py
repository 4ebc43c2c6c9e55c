"""Password hashing with Argon2id (argon2-cffi, RFC 9106 low-memory profile).

Hashing and verifying take a noticeable fraction of a second on purpose; the
web layer runs them in a thread so the event loop never waits for them.
"""

from __future__ import annotations

import functools

import argon2

_hasher = argon2.PasswordHasher()

MIN_LENGTH = 10


class WeakPassword(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches; an unknown user costs the same time as a wrong password."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """What an unknown user's password is checked against; made on first use, not at
    import, which every start of the server and every CLI command would pay (~0.1 s)."""
    return _hasher.hash("not a password anyone uses")
