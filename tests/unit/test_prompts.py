"""Every user-visible word lives in prompts/, in both locales, with the same parameters."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import prompts
from storage.models import Category, Department, ReportStatus
from storage.rules import DeclineReason

Catalogue = dict[str, tuple[str, ...]]


def parity_problems(zh: Catalogue, en: Catalogue) -> list[str]:
    """Keys defined in one locale only, and keys whose macros take different parameters."""
    problems = [f"only in zh: {key}" for key in sorted(set(zh) - set(en))]
    problems += [f"only in en: {key}" for key in sorted(set(en) - set(zh))]
    problems += [
        f"parameters differ for {key}: zh {zh[key]}, en {en[key]}"
        for key in sorted(set(zh) & set(en))
        if zh[key] != en[key]
    ]
    return problems


def test_both_locales_define_the_same_messages_with_the_same_parameters() -> None:
    zh, en = prompts.catalogue("zh"), prompts.catalogue("en")
    assert parity_problems(zh, en) == []
    assert len(zh) > 50


def test_parity_check_notices_a_missing_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parity test above can fail: read from template files, a macro in one locale only
    and a macro whose parameters differ are both reported."""
    files = {
        "zh": "{% macro hello(name) %}你好 {{ name }}{% endmacro %}\n"
        "{% macro only_here() %}只有中文{% endmacro %}\n",
        "en": "{% macro hello(who) %}Hello {{ who }}{% endmacro %}\n",
    }
    for locale, source in files.items():
        (tmp_path / locale).mkdir()
        (tmp_path / locale / "greet.j2").write_text(source, encoding="utf-8")
    monkeypatch.setattr(prompts, "PROMPTS_DIR", tmp_path)
    _forget_templates()
    try:
        zh, en = prompts.catalogue("zh"), prompts.catalogue("en")
    finally:
        monkeypatch.undo()
        _forget_templates()
    assert parity_problems(zh, en) == [
        "only in zh: greet.only_here",
        "parameters differ for greet.hello: zh ('name',), en ('who',)",
    ]
    assert "report.ask_photos" in prompts.catalogue("zh"), "the real templates are back"


def _forget_templates() -> None:
    """prompts caches its Jinja environment and template modules; start afresh."""
    prompts._environment.cache_clear()
    prompts._module.cache_clear()


@pytest.mark.parametrize("locale", prompts.LOCALES)
def test_every_message_renders_with_its_parameters(locale: str) -> None:
    lists: dict[str, list[object]] = {"duplicates": ["R-1 x"], "refs": ["R-1"]}
    lists |= {"statuses": ["a: 1"], "categories": ["b: 2"]}
    lists |= {"rates": ["c: 3%"], "places": ["1. d"], "sections": ["e"]}  # the digest's
    lists |= {"stuck": [("R-2", "planned")], "notes": ["🔒 x"], "filters": ["planned"]}
    lists |= {"departments": ["greening"]}
    lists |= {
        "titles": ["公示"],
        "polls": [{"question": "q", "options": ["a"], "counts": [1], "voters": 1}],
    }
    lists |= {"options": ["A", "B"], "lines": ["A: 1"]}  # polls' preview and /polls
    lists |= {"items": ["a"], "lines": ["b"], "names": ["c"]}  # ballots'
    lists |= {"ballots": [{"title": "t", "items": [{"rank": 1, "label": "R-1"}]}]}
    lists |= {"upcoming": [{"title": "t", "when": "w", "taken": 1, "capacity": 2}]}  # events'
    for key, params in prompts.catalogue(locale).items():
        text = prompts.render(key, locale, **{p: lists.get(p, 1) for p in params})
        assert text.strip(), key


@pytest.mark.parametrize("locale", prompts.LOCALES)
def test_every_category_and_status_has_a_label(locale: str) -> None:
    keys = prompts.catalogue(locale)
    for category in Category:
        assert f"category.{category.value}" in keys
    for status in ReportStatus:
        assert f"status.{status.value}" in keys
    for department in Department:
        assert f"department.{department.value}" in keys
    for reason in DeclineReason:  # a planner's button, and the words a resident reads
        assert f"triage.reason_{reason.value}" in keys


def test_the_locales_are_the_prompt_folders() -> None:
    folders = {p.name for p in prompts.PROMPTS_DIR.iterdir() if list(p.glob("*.j2"))}
    assert folders == set(prompts.LOCALES)


def test_user_text_is_escaped() -> None:
    text = prompts.render(
        "report.review",
        "en",
        photos=1,
        place="<b>Road</b> & co",
        category="x",
        description="<script>",
        community="C",
        outside_area=False,
        voice=False,
    )
    assert "&lt;b&gt;Road&lt;/b&gt; &amp; co" in text
    assert "<script>" not in text


def test_unknown_key_is_an_error() -> None:
    with pytest.raises(prompts.UnknownPromptError):
        prompts.render("report.no_such_message", "zh")
    with pytest.raises(prompts.UnknownPromptError):
        prompts.render("nofile.message", "zh")


def test_locale_normalisation() -> None:
    assert prompts.normalise_locale("zh-hans") == "zh"
    assert prompts.normalise_locale("en-GB") == "en"
    assert prompts.normalise_locale("fr") == "zh"
    assert prompts.normalise_locale(None) == "zh"


def test_handlers_hold_no_user_text() -> None:
    """Handlers render prompts; a Chinese character or a sentence literal in them is a leak."""
    root = Path(inspect.getfile(prompts)).parent.parent / "handlers"
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for path in root.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not cjk.search(source), f"{path.name} contains Chinese text"
        for call in re.finditer(r"reply_(?:text|photo)\(\s*\"", source):
            pytest.fail(f"{path.name} replies with a literal at {call.start()}")


def test_plain_text_is_not_escaped_but_html_is() -> None:
    params = {"ref": "R-000001", "name": "Li & Co <HQ>", "status": "accepted"}
    html = prompts.render("triage.already_handled", "en", **params)
    text = prompts.render_text("triage.already_handled", "en", **params)
    assert "Li &amp; Co &lt;HQ&gt;" in html
    assert text == "R-000001 was already handled by Li & Co <HQ> (it is now: accepted)."
    assert prompts.matches_button("✖ Cancel", "buttons.cancel")
