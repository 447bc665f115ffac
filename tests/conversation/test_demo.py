"""`microspace demo`: the README's first command plays through, every request checked."""

from __future__ import annotations

import pytest

from bot.demo import run_demo
from botapi_sandbox import SPEC_ENV_VAR


async def test_the_demo_walks_through_and_the_sandbox_rejects_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SPEC_ENV_VAR, raising=False)  # the packaged reference
    assert await run_demo(quiet=True) == 0
    assert "walkthrough complete, the sandbox rejected no request" in capsys.readouterr().out


async def test_the_demo_refuses_to_run_without_a_reference(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SPEC_ENV_VAR, "/nonexistent/api.min.json")
    assert await run_demo(quiet=True) == 1
    assert "Telegram Bot API reference not found" in capsys.readouterr().err
