"""`microspace demo`: the README's first command plays through, every request checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bot.chart import HEIGHT_PX, WIDTH_PX
from bot.demo import run_demo
from botapi_sandbox import SPEC_ENV_VAR

README = Path(__file__).parents[2] / "README.md"


async def test_the_demo_walks_through_and_the_sandbox_rejects_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(SPEC_ENV_VAR, raising=False)  # the packaged reference
    assert await run_demo(output=tmp_path) == 0
    out = capsys.readouterr().out
    assert "walkthrough complete, the sandbox rejected no request" in out
    # in public: a notice with a photo and its final count, a poll's result with its chart,
    # a ballot's ranking, a volunteer event she signs up to with one tap; the council's
    # digest comes after them all and names each, the event with its sign-ups
    in_order = [
        "bot -> 王阿姨: [photo] 📢 楼后通道清理完毕",
        "Sent: 2 / 2 delivered",
        "bot -> 王阿姨: [photo] 📊 投票结果",
        "第 1 位：小花园铺设步道 · 9.00 分，1 人",
        "Planner Li: /event xinhua-road | 3 号楼后墙墙绘 | ",
        "bot -> 王阿姨: 🙋 3 号楼后墙墙绘（约 3 小时）",
        "王阿姨 taps [🙋 报名]",
        "bot -> 王阿姨: ✅ 您已报名：3 号楼后墙墙绘",
        "已报名 1/20 人。",
        "王阿姨: /myevents",
        "Planner Li @ 新华路社区居民议事会: /digest\n",
        "📢 发出公示：1 条",
        "小花园叫什么名字？（1 人投票）：桂花角 0，邻里院 1，向阳坊 0",
        "2027 年第一批微更新项目：第 1 位 小花园铺设步道；第 2 位 3 号楼后加装座椅",
        "🙋 即将举行的志愿活动：\n3 号楼后墙墙绘 · ",
        " · 已报名 1/20\n",
        "bot -> 新华路社区居民议事会: [photo] 📈",
    ]
    positions = [out.find(line) for line in in_order]
    missing = [line for line, at in zip(in_order, positions, strict=True) if at < 0]
    assert missing == []
    assert positions == sorted(positions)
    assert readme_lines_not_in(out) == [], "README's sample conversation is the demo's"
    chart = tmp_path / "demo-digest.png"
    assert f"the committee digest's chart is in {chart}" in out
    with Image.open(chart) as image:  # it ends with a committee digest and its chart
        assert image.format == "PNG"
        assert image.size == (WIDTH_PX, HEIGHT_PX)


def readme_sample() -> list[str]:
    """The lines of README's sample conversation (its first ```text block)."""
    text = README.read_text(encoding="utf-8")
    block = text.split("```text\n", 1)[1].split("```", 1)[0]
    return block.splitlines()


def readme_lines_not_in(transcript: str) -> list[str]:
    """README's sample lines that are not, in order, an excerpt of `transcript`: each line
    (a message on one line, shortened with "…") is read as its pieces between the "…"s,
    which must come in that order, after the previous line's; spacing is not compared, as
    the sample puts a message's lines on one."""
    flat = "".join(transcript.split())
    cursor, missing = 0, []
    for line in readme_sample():
        for piece in line.split("…"):
            wanted = "".join(piece.split())
            if not wanted:
                continue
            found = flat.find(wanted, cursor)
            if found < 0:
                missing.append(line)
                break
            cursor = found + len(wanted)
    return missing


def test_the_readme_check_finds_a_line_the_demo_did_not_print() -> None:
    sample = "\n".join(readme_sample())
    assert readme_lines_not_in(sample) == []
    changed = sample.replace("📷 反映问题", "📷 我要报告")
    assert readme_lines_not_in(changed) == [readme_sample()[1]]
    first, second = readme_sample()[0], readme_sample()[2]
    swapped = sample.replace(first, "@@").replace(second, first).replace("@@", second)
    assert readme_lines_not_in(swapped) != [], "the order counts"


async def test_the_demo_refuses_to_run_without_a_reference(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SPEC_ENV_VAR, "/nonexistent/api.min.json")
    assert await run_demo(quiet=True) == 1
    assert "Telegram Bot API reference not found" in capsys.readouterr().err
