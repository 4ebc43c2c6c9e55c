"""`queue-server user ...` and `queue-server token ...`: people and machines that may connect."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path

from .accounts import AccountError, AccountStore, Role
from .accounts.passwords import WeakPassword
from .config import load_config


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="staff accounts (people log in with a password)")
    user_sub = user.add_subparsers(required=True, metavar="ACTION")
    add = user_sub.add_parser("add", help="add a person; the password is asked for")
    add.add_argument("username")
    add.add_argument(
        "--role", choices=["staff", "supervisor", "volunteer", "admin"], default="staff"
    )
    add.add_argument("--name", default="", help="full name shown in the console")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument(
        "--counters",
        default="",
        help="staff: the counters they may work at, e.g. 1,2 (default: any)",
    )
    add_location(add)
    add.set_defaults(handler=_user_add)
    passwd = user_sub.add_parser("passwd", help="set a new password (ends their sessions)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    add_location(passwd)
    passwd.set_defaults(handler=_user_passwd)
    users = user_sub.add_parser("list", help="list people")
    add_location(users)
    users.set_defaults(handler=_user_list)

    token = sub.add_parser("token", help="tokens for kiosks, displays and device agents")
    token_sub = token.add_subparsers(required=True, metavar="ACTION")
    create = token_sub.add_parser("create", help="make a token; it is printed once, stored hashed")
    create.add_argument(
        "--role",
        required=True,
        choices=["kiosk", "display", "device", "partner", "assistant", "admin"],
    )
    create.add_argument("--name", required=True, help="which kiosk or display, e.g. kiosk-door")
    create.add_argument("--counter", type=int, help="bind a device or counter display to a counter")
    create.add_argument(
        "--counters", default="", help="a hall display's counters, e.g. 1,2,3 (default: all)"
    )
    add_location(create)
    create.set_defaults(handler=_token_create)
    listing = token_sub.add_parser("list", help="list tokens (names and roles, never the secret)")
    add_location(listing)
    listing.set_defaults(handler=_token_list)
    revoke = token_sub.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name")
    add_location(revoke)
    revoke.set_defaults(handler=_token_revoke)


def add_location(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path, help="the centre's TOML file")
    parser.add_argument(
        "--db", type=Path, help="event log file (default: store.path in the config)"
    )


def _store(args: argparse.Namespace) -> AccountStore:
    config = load_config(args.config)
    os.umask(config.store.file_mask())
    return AccountStore(config.store.accounts_file(args.db or config.store.path))


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def _user_add(args: argparse.Namespace) -> int:
    try:
        counters = _counters(args)  # before the password is asked for
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return _guarded(
        lambda store: store.add_user(
            args.username, _read_password(args), Role(args.role), args.name, counters
        ),
        args,
        f"added {args.role} {args.username}",
    )


def _counters(args: argparse.Namespace) -> list[int]:
    try:
        return [int(c) for c in args.counters.split(",") if c.strip()]
    except ValueError:
        raise AccountError(
            f"--counters: {args.counters!r} is not a list of counter numbers"
        ) from None


def _user_passwd(args: argparse.Namespace) -> int:
    return _guarded(
        lambda store: store.set_password(args.username, _read_password(args)),
        args,
        f"password of {args.username} changed",
    )


def _user_list(args: argparse.Namespace) -> int:
    store = _store(args)
    for user in store.users():
        state = " (disabled)" if user.disabled else ""
        where = f" counters {','.join(map(str, user.counters))}" if user.counters else ""
        print(f"{user.username:20} {user.role.value:11} {user.display_name}{where}{state}")
    store.close()
    return 0


def _token_create(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        counters = [int(c) for c in args.counters.split(",") if c.strip()]
        token = store.create_token(Role(args.role), args.name, args.counter, counters)
    except (AccountError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(token)
    print(f"# {args.role} token {args.name!r}: shown once, keep it safe", file=sys.stderr)
    return 0


def _token_list(args: argparse.Namespace) -> int:
    store = _store(args)
    for token in store.tokens():
        bound = f" counter {token.counter}" if token.counter is not None else ""
        shows = f" counters {token.counters}" if token.counters else ""
        state = " (revoked)" if token.revoked else ""
        print(f"{token.name:20} {token.role.value:8}{bound}{shows}{state}")
    store.close()
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    return _guarded(lambda store: store.revoke_token(args.name), args, f"revoked {args.name}")


def _guarded(action: Callable[[AccountStore], None], args: argparse.Namespace, done: str) -> int:
    store = _store(args)
    try:
        action(store)
    except (AccountError, WeakPassword) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(done)
    return 0
