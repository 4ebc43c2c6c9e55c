"""The demo centre's people and devices, made fresh at every start and printed once.

Nothing secret is stored in the repository: passwords and tokens are random
for each run, and shown on the terminal so a newcomer can try every role.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from .accounts import AccountStore, Role


@dataclass
class DemoAccess:
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    """(role, username, password)"""
    tokens: dict[str, str] = field(default_factory=dict)
    """name -> token"""
    kiosk: str = "kiosk-1"
    """The kiosk token the guide shows (the first kiosk with printers, if any)."""


DEMO_PEOPLE = [
    ("admin", "admin", "Quản trị viên"),
    ("supervisor", "giamsat", "Trần Văn Giám"),
    ("staff", "canbo1", "Nguyễn Thị Lan"),
    ("staff", "canbo2", "Lê Văn Hùng"),
    ("volunteer", "tinhnguyen", "Phạm Thu Hoà"),
]


def create_demo_access(accounts: AccountStore, kiosks: Sequence[str] = ()) -> DemoAccess:
    """Demo people and tokens; a kiosk token per configured kiosk, so its tickets print."""
    access = DemoAccess(kiosk=kiosks[0] if kiosks else "kiosk-1")
    for role, username, name in DEMO_PEOPLE:
        password = secrets.token_urlsafe(9)
        accounts.add_user(username, password, Role(role), name)
        access.logins.append((role, username, password))
    for kiosk in kiosks or [access.kiosk]:
        access.tokens[kiosk] = accounts.create_token(Role.KIOSK, kiosk)
    access.tokens["hall-display"] = accounts.create_token(Role.DISPLAY, "hall-display")
    access.tokens["counter-displays"] = accounts.create_token(Role.DISPLAY, "counter-displays")
    access.tokens["rating-tablet-1"] = accounts.create_token(
        Role.DISPLAY, "rating-tablet-1", counter=1
    )
    access.tokens["keypads"] = accounts.create_token(Role.DEVICE, "keypads")
    access.tokens["admin-api"] = accounts.create_token(Role.ADMIN, "admin-api")
    access.tokens["robot-1"] = accounts.create_token(Role.ASSISTANT, "robot-1")
    return access


def demo_guide(base_url: str, access: DemoAccess) -> str:
    lines = ["", "Demo logins (new passwords at every start):"]
    for role, username, password in access.logins:
        note = "  (choose a counter when logging in)" if role == "staff" else ""
        lines.append(f"  {role:10} {username:8} {password}{note}")
    lines.append("Demo tokens (send as 'Authorization: Bearer <token>'):")
    for name, token in access.tokens.items():
        lines.append(f"  {name:16} {token}")
    kiosk = access.tokens[access.kiosk]
    lines += [
        "Try it:",
        f"  API description   {base_url}/api/v1/openapi.json",
        f"  services          {base_url}/api/v1/services",
        "  take a ticket     curl -H 'Authorization: Bearer "
        + kiosk
        + "' -H 'Content-Type: application/json' -d '{\"service\": \"HT\"}' "
        + f"{base_url}/api/v1/tickets",
        f"  live updates      {base_url.replace('http', 'ws', 1)}/ws",
        "",
    ]
    lines += page_urls(base_url, access)
    return "\n".join(lines)


def page_urls(base_url: str, access: DemoAccess) -> list[str]:
    """Every page, ready to open: machine tokens ride in the URL fragment (#token=...),
    which browsers never send to the server, so they stay out of its logs."""
    kiosk = access.tokens[access.kiosk]
    hall = access.tokens["hall-display"]
    counters = access.tokens["counter-displays"]
    return [
        "Open the pages (each in its own window; the tokens are in the #fragment):",
        f"  kiosk             {base_url}/kiosk#token={kiosk}",
        f"  hall display      {base_url}/hall#token={hall}",
        f"  hall, by counter  {base_url}/hall?layout=counters#token={hall}",
        f"  counter display   {base_url}/counter/1#token={counters}   (any counter: /counter/N)",
        f"  rating tablet     {base_url}/rate/1#token={access.tokens['rating-tablet-1']}"
        "   (counter 1's: one token per counter)",
        f"  staff console     {base_url}/staff   (log in as canbo1, choose a counter)",
        f"  admin             {base_url}/admin   (log in as admin)",
        f"  supervisor        {base_url}/supervise   (log in as giamsat)",
        f"  volunteer tablet  {base_url}/assist   (log in as tinhnguyen)",
        f"  robot (assistant) QS_TOKEN={access.tokens['robot-1']} python examples/assistant_client.py"
        f" {base_url} find 'lam so do'",
        f"  book a number     {base_url}/book   (a citizen's phone: a queue number for later)",
        f"  all pages         {base_url}/",
        "  citizen status    the QR code on each ticket, e.g. from the kiosk's screen",
        "",
    ]
