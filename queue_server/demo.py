"""The demo centre's people and devices, made fresh at every start and printed once.

Nothing secret is stored in the repository: passwords and tokens are random
for each run, and shown on the terminal so a newcomer can try every role.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from .accounts import AccountStore, Role


@dataclass
class DemoAccess:
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    """(role, username, password)"""
    tokens: dict[str, str] = field(default_factory=dict)
    """name -> token"""


DEMO_PEOPLE = [
    ("admin", "admin", "Quản trị viên"),
    ("supervisor", "giamsat", "Trần Văn Giám"),
    ("staff", "canbo1", "Nguyễn Thị Lan"),
    ("staff", "canbo2", "Lê Văn Hùng"),
]


def create_demo_access(accounts: AccountStore) -> DemoAccess:
    access = DemoAccess()
    for role, username, name in DEMO_PEOPLE:
        password = secrets.token_urlsafe(9)
        accounts.add_user(username, password, Role(role), name)
        access.logins.append((role, username, password))
    access.tokens["kiosk-1"] = accounts.create_token(Role.KIOSK, "kiosk-1")
    access.tokens["hall-display"] = accounts.create_token(Role.DISPLAY, "hall-display")
    access.tokens["counter-displays"] = accounts.create_token(Role.DISPLAY, "counter-displays")
    access.tokens["keypads"] = accounts.create_token(Role.DEVICE, "keypads")
    access.tokens["admin-api"] = accounts.create_token(Role.ADMIN, "admin-api")
    return access


def demo_guide(base_url: str, access: DemoAccess) -> str:
    lines = ["", "Demo logins (new passwords at every start):"]
    for role, username, password in access.logins:
        note = "  (choose a counter when logging in)" if role == "staff" else ""
        lines.append(f"  {role:10} {username:8} {password}{note}")
    lines.append("Demo tokens (send as 'Authorization: Bearer <token>'):")
    for name, token in access.tokens.items():
        lines.append(f"  {name:16} {token}")
    kiosk = access.tokens["kiosk-1"]
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
    return "\n".join(lines)
