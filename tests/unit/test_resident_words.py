"""Words for older residents (issue 12): every zh prompt a resident can receive is at most
3 short lines (`MAX_LINES` of at most `MAX_LINE_CHARS` characters, about two rows on a small
phone), speaks to them as 您 (never 你), and uses no jargon (`JARGON`).

Which prompts are resident-facing is decided by the module (the file a key lives in):

- all of `start`, `report`, `myreports`, `rating`, `settings`, `common`, `buttons`, `events`,
  `category`, `status`, and `commands` (the command menu, which lists residents' commands);
- `notify`: the kinds residents receive, `status` and `rate` (`reopened`, `info_received`
  and `overdue` go to planners);
- `notices`: the notice as residents read it, `notices.notice` (the rest is the planner's
  wizard);
- `triage`: only the template decline reasons (`triage.reason_<DeclineReason>`), which
  residents read in their status notice and their history (the rest of `triage` is the
  planner's card and buttons).

Planner-facing modules (`triage`, `reports`, `roles`, `stats`, `digest`, `groups`,
`department`, the rest of `notices` and `notify`) are out of scope.

How lines count: the message as rendered with sample parameters that switch every optional
part on (`SAMPLE`, the worst case), tags stripped, split at line breaks; blank lines do not
count. A keyboard does not count: its buttons are the answers, one tap each, not text to
read (their labels are prompts of `buttons`, `category` and `rating`, and are checked for
你 and jargon like every other word). A message that shows data rather than asks something
(the resident's own report field by field, the planner's notice as written) may be longer,
in lines and in a line's length: `DATA` lists those keys, each with its reason. The leads the
handlers fold into a question (`handlers.common.paragraphs`, the place's note) are checked as
they are sent: `FOLDED`.

Words are checked in each macro's source, so that every branch is read, not only the one the
sample parameters take.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

import prompts
from storage.rules import DeclineReason

LOCALE = "zh"
MAX_LINES = 3
MAX_LINE_CHARS = 40

WHOLE_MODULES = frozenset(
    {"start", "report", "myreports", "rating", "settings", "common", "buttons"}
    | {"category", "status", "commands", "events"}
)
SOME_KEYS = frozenset({"notify.status", "notify.rate", "notices.notice"}) | {
    f"triage.reason_{reason.value}" for reason in DeclineReason
}

#: keys that show data, not prose, and may run over MAX_LINES; each with its reason
DATA = {
    "report.review": "the resident's own report, one fact a line, to check before sending",
    "myreports.detail": "one of the resident's reports, one fact a line",
    "notices.notice": "the planner's notice as written: its body is their words, not ours",
    "events.upcoming": "the community's upcoming events, one a line, each with its button",
    "events.mine": "the resident's own events, one a line, and their hours",
}

#: words an older resident should not have to know; say what to do in everyday words
JARGON = (
    "报告角落问题",  # the old menu label: the button is 「📷 反映问题」
    "作为文件",
    "文件",
    "发送位置",  # say which button: 「📍 发送我的位置」
    "发送一个位置",
    "位置信息",
    "坐标",
    "经纬度",
    "MB",
    "上传",
    "附件",
    "📎",
    "链接",
    "回调",
    "草稿",
    "会话",
    "输入框",
    "开通",
    "微空间",
    "范围外",
    "可选",
    "渠道",
    "产权",
    "操作",
)

#: a sample value for every parameter a resident-facing macro takes; every optional part on
SAMPLE: dict[str, Any] = {
    "address": "幸福路 12 号",
    "again": True,
    "attended": True,
    "capacity": 20,
    "items": ["3 号楼后墙墙绘 · 2026-12-05 09:00 · 5/20 人", "花园除草 · 2026-12-12 09:00"],
    "answer": "😊 满意",
    "before_after": True,
    "body": "周六上午在 3 号楼后面清理杂物，欢迎邻居们一起来。",
    "category": "🗑 垃圾与杂物堆放",
    "code": "E-3F9A2C",
    "community": "新华路社区",
    "count": 2,
    "created": "2024-05-01 09:30",
    "description": "楼后通道堆满了旧家具，晚上很暗。",
    "distance": 30,
    "duplicate_of": "R-000007",
    "followed": True,
    "hours": 48,
    "label": "中文",
    "landmarks": True,
    "lat": 31.2069,
    "length": 1001,
    "limit": 5,
    "limit_mb": 20,
    "lon": 121.4273,
    "max": 5,
    "name": "王阿姨",
    "note": "已经清理干净，还装了一盏新灯。",
    "notes": "手套和旧衣服",
    "notices": True,
    "outside_area": True,
    "page": 1,
    "pages": 2,
    "photos": 2,
    "position": 2,
    "place": "幸福小区 3 号楼附近，约 30 米",
    "reason": "这里是私人的地方，需要业主自己处理。",
    "ref": "R-000123",
    "refs": ["R-000101", "R-000102"],
    "status": "已受理",
    "step": "where",
    "taken": 5,
    "title": "周六清理 3 号楼后通道",
    "total": 12,
    "voice": True,
    "when": "05-01 09:30",
    "which": "24h",
}

_QUESTIONS = (
    "report.ask_photos",
    "report.photos_received",
    "report.ask_place",
    "report.ask_community",
    "report.ask_category",
    "report.ask_description",
    "report.ask_new_photos",
)

#: messages the handlers fold from several prompts: paragraphs (joined by a blank line, as
#: `handlers.common.paragraphs` does), each of one or more prompts (joined by a line break)
Folded = tuple[tuple[str, ...], ...]
_PLACE = ("report.place_saved", "report.outside_area")  # the place said back, and the note
FOLDED: list[Folded] = [
    # a draft resumed, or kept after "discard?": a lead, then the step's question
    *(
        ((lead,), (question,))
        for lead in ("report.resume", "report.kept")
        for question in _QUESTIONS
    ),
    # the place said back (with the note that it is outside every community), then the next
    # question: the category, or the community when the place named none (report_steps.py)
    (_PLACE, ("report.ask_category",)),
    (_PLACE, ("report.ask_community",)),
    # /start again, a language chosen, a community found: a lead, then the menu (start.py)
    *(((lead,), ("common.menu",)) for lead in ("start.welcome", "start.language_set")),
    (("start.community_nearest",), ("common.menu",)),
    (("start.community_far",), ("start.choose_community",)),
    # the receipt (report_ask.py)
    (("report.submitted",), ("report.next_steps",)),
]

_TAG = re.compile(r"<[^>]+>")
_MACRO = re.compile(r"{%-?\s*macro\s+(\w+)\s*\(.*?\)\s*-?%}(.*?){%-?\s*endmacro\s*-?%}", re.DOTALL)
_COMMENT = re.compile(r"{#.*?#}", re.DOTALL)
_TAG_OR_EXPR = re.compile(r"{[{%].*?[}%]}", re.DOTALL)
_LITERAL = re.compile(r"\"([^\"]*)\"|'([^']*)'")


def resident_facing(key: str) -> bool:
    module = key.partition(".")[0]
    return module in WHOLE_MODULES or key in SOME_KEYS


def resident_keys() -> list[str]:
    return sorted(key for key in prompts.catalogue(LOCALE) if resident_facing(key))


def rendered(key: str) -> str:
    params = prompts.catalogue(LOCALE)[key]
    missing = [p for p in params if p not in SAMPLE]
    assert not missing, f"{key}: add a sample value for {missing} to SAMPLE"
    return prompts.render(key, LOCALE, **{p: SAMPLE[p] for p in params})


def lines(text: str) -> list[str]:
    return [line for line in _TAG.sub("", text).splitlines() if line.strip()]


def words_of(source: str) -> str:
    """What a macro's source can say: its text outside Jinja tags, and the string literals
    inside them (`{{ "接收" if notices else "不接收" }}`); comments are not said."""
    source = _COMMENT.sub("", source)
    said = [_TAG_OR_EXPR.sub("\n", source)]
    for tag in _TAG_OR_EXPR.findall(source):
        said += [a or b for a, b in _LITERAL.findall(tag)]
    return "\n".join(said)


@cache
def macro_sources() -> dict[str, str]:
    """Every zh macro's body, by key, read from the template files."""
    found: dict[str, str] = {}
    for path in sorted((prompts.PROMPTS_DIR / LOCALE).glob("*.j2")):
        for name, body in _MACRO.findall(path.read_text(encoding="utf-8")):
            found[f"{path.stem}.{name}"] = body
    return found


def word_problems(key: str, source: str) -> list[str]:
    said = words_of(source)
    problems = [f"{key}: 你 (say 您)"] if "你" in said else []  # 您 is a character of its own
    problems += [f"{key}: jargon {word!r}" for word in JARGON if word in said]
    return problems


def folded(message: Folded) -> str:
    return "\n\n".join("\n".join(rendered(key) for key in part) for part in message)


def test_the_rule_finds_the_resident_prompts() -> None:
    keys = resident_keys()
    for expected in ("common.help", "report.ask_place", "buttons.menu_report", "notify.status"):
        assert expected in keys
    for planners in ("notify.overdue", "notify.info_received", "triage.card", "notices.preview"):
        assert planners not in keys
    assert "triage.reason_private_property" in keys, "residents read the decline reasons"
    assert "triage.reason_typed" not in keys, "a planner's button"
    assert set(DATA) <= set(keys), "DATA names only resident-facing keys"


@pytest.mark.parametrize("key", resident_keys())
def test_a_resident_prompt_is_at_most_three_lines(key: str) -> None:
    if key in DATA:
        pytest.skip(DATA[key])
    text = rendered(key)
    assert len(lines(text)) <= MAX_LINES, f"{key} has {len(lines(text))} lines:\n{text}"
    assert [line for line in lines(text) if len(line.strip()) > MAX_LINE_CHARS] == [], key


@pytest.mark.parametrize("key", resident_keys())
def test_a_resident_prompt_says_you_politely_and_plainly(key: str) -> None:
    sources = macro_sources()
    assert key in sources, f"{key}: its macro source was not found"
    assert word_problems(key, sources[key]) == []
    assert word_problems(key, rendered(key)) == [], "and as rendered"


@pytest.mark.parametrize("message", FOLDED, ids=lambda m: "+".join(k for p in m for k in p))
def test_a_folded_message_is_at_most_three_lines(message: Folded) -> None:
    text = folded(message)
    assert len(lines(text)) <= MAX_LINES, f"{message}:\n{text}"


def test_the_report_button_is_named_alike_wherever_it_is_mentioned() -> None:
    label = prompts.render_text("buttons.menu_report", LOCALE)
    assert label == "📷 反映问题"
    mentioned = [rendered(key) for key in ("common.help", "myreports.empty")]
    assert all(f"「{label}」" in text for text in mentioned), mentioned


def test_the_checks_catch_what_they_look_for() -> None:
    """Each check fails on the problem it names: too many lines, 你, jargon, and words that
    only one branch of a macro says."""
    assert len(lines("一\n\n<b>二</b>\n三\n四")) == 4
    assert lines("<b>第 1 步</b> 请拍照") == ["第 1 步 请拍照"], "tags are not read"
    assert word_problems("x", "请你发照片") == ["x: 你 (say 您)"]
    assert word_problems("x", "请您发照片") == []
    assert word_problems("x", "也可以作为文件发送") == [
        "x: jargon '作为文件'",
        "x: jargon '文件'",
    ]
    branch = '{% if step == "where" %}请发送位置{% else %}{{ "你好" if a else "" }}{% endif %}'
    assert word_problems("x", branch) == ["x: 你 (say 您)", "x: jargon '发送位置'"]
    assert "忽略" not in words_of("{# 忽略 #}说")
