"""`microspace demo`: the README's first command plays through, every request checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bot.chart import HEIGHT_PX, WIDTH_PX
from bot.demo import run_demo
from botapi_sandbox import SPEC_ENV_VAR


async def test_the_demo_walks_through_and_the_sandbox_rejects_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(SPEC_ENV_VAR, raising=False)  # the packaged reference
    assert await run_demo(quiet=True, output=tmp_path) == 0
    out = capsys.readouterr().out
    assert "walkthrough complete, the sandbox rejected no request" in out
    chart = tmp_path / "demo-digest.png"
    assert f"the committee digest's chart is in {chart}" in out
    with Image.open(chart) as image:  # it ends with a committee digest and its chart
        assert image.format == "PNG"
        assert image.size == (WIDTH_PX, HEIGHT_PX)


async def test_the_demo_refuses_to_run_without_a_reference(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SPEC_ENV_VAR, "/nonexistent/api.min.json")
    assert await run_demo(quiet=True) == 1
    assert "Telegram Bot API reference not found" in capsys.readouterr().err
