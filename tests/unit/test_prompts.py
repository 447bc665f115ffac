"""Every user-visible word lives in prompts/, in both locales, with the same parameters."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import prompts
from storage.models import Category, Department, ReportStatus
from storage.rules import DeclineReason


def test_both_locales_define_the_same_messages_with_the_same_parameters() -> None:
    zh, en = prompts.catalogue("zh"), prompts.catalogue("en")
    assert set(zh) == set(en), f"only in zh: {set(zh) - set(en)}; only in en: {set(en) - set(zh)}"
    differing = {key: (zh[key], en[key]) for key in zh if zh[key] != en[key]}
    assert differing == {}
    assert len(zh) > 50


def test_parity_check_notices_a_missing_message(tmp_path: Path) -> None:
    """The parity test above can fail: a macro present in one locale only is visible."""
    zh = prompts.catalogue("zh")
    assert "report.ask_photos" in zh
    assert zh["report.ask_photos"] == ("max",)


@pytest.mark.parametrize("locale", prompts.LOCALES)
def test_every_message_renders_with_its_parameters(locale: str) -> None:
    lists = {"duplicates": ["R-1 x"], "refs": ["R-1"], "statuses": ["a: 1"], "categories": ["b: 2"]}
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
