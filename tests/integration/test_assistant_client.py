"""examples/assistant_client.py against a real server: a robot's whole conversation
through it (find, take a ticket, its status, the waits), a refusal, and the script."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from queue_server.accounts import Role
from tests.support.centre import REPO_ROOT
from tests.support.server import Token, serve_centre

CLIENT = REPO_ROOT / "examples" / "assistant_client.py"


def load_client() -> ModuleType:
    spec = importlib.util.spec_from_file_location("assistant_client", CLIENT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["assistant_client"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


client = load_client()


async def test_a_robots_conversation_through_the_example_client(tmp_path: Path) -> None:
    tokens = {"robot-1": Token(Role.ASSISTANT)}
    async with serve_centre(tmp_path, tokens=tokens) as server:
        async with client.AssistantClient(server.base, server.tokens["robot-1"]) as centre:
            found = await centre.find("lam so do", lang="vi")
            assert found.best is not None and found.best.service == "DD", found
            assert found.say.startswith("Thủ tục "), found.say
            ticket = await centre.take_ticket(found.best.service, lang="en")
            assert ticket.number == "C001"  # Đất đai's prefix in the example centre
            assert ticket.say.startswith("Your number is C, zero zero one."), ticket.say
            assert not ticket.printed and ticket.people_ahead == 0
            later = await centre.status(ticket.tracking_code, lang="vi")
            assert later.status == "waiting" and later.number == ticket.number
            assert later.say.startswith("Số Xê không không một:"), later.say
            waits = await centre.waits(lang="ar")
            assert len(waits.services) == len(server.centre.config.services) and waits.say
            with pytest.raises(client.AssistantError) as refused:
                await centre.take_ticket("NOPE")
            assert refused.value.status == 404 and refused.value.code, refused.value
        async with client.AssistantClient(server.base, "qs_not_a_token") as stranger:
            with pytest.raises(client.AssistantError) as refused:
                await stranger.waits()
            assert (refused.value.status, refused.value.code) == (401, "invalid_token")


async def test_the_script(tmp_path: Path) -> None:
    tokens = {"robot-1": Token(Role.ASSISTANT)}
    async with serve_centre(tmp_path, tokens=tokens) as server:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(CLIENT), server.base, "--lang", "en", "find", "birth registration",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "QS_TOKEN": server.tokens["robot-1"]},
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, err
        assert out.decode().splitlines()[0].startswith("Birth registration is handled by")
