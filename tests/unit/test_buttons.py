"""Button families: what `encode()` writes, `pattern` accepts and `parse()` reads back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from handlers import buttons as b
from handlers import buttons_events as ev
from handlers.buttons_rating import Rate, Satisfy
from handlers.buttons_report import DraftDiscard
from storage.models import Category, Department, ReportStatus, ReportStep
from storage.rules import DeclineReason, Satisfaction

BIG = 999_999_999  # the largest id a button carries
EXAMPLES: list[b.Family] = [
    b.Language("en"),
    b.ChooseCommunity(BIG),
    b.CommunityPage(3),
    b.MyReportsPage(2),
    b.MyReport(BIG),
    Rate(BIG, 0),
    Rate(1, 5),
    *[Satisfy(BIG, answer) for answer in Satisfaction],
    b.Revoke(BIG, BIG),
    *[b.DraftButton(BIG, action) for action in b.DraftAction],
    *[b.DraftCategory(BIG, category) for category in Category],
    *[b.DraftEdit(BIG, part) for part in b.EDITABLE],
    b.DraftMeToo(BIG, BIG),
    *[DraftDiscard(BIG, discard) for discard in (True, False)],
    *[b.TriageButton(BIG, BIG, action) for action in b.TriageAction],
    *[b.TriageDepartment(BIG, BIG, department) for department in Department],
    *[b.TriageDecline(BIG, BIG, reason) for reason in DeclineReason],
    b.TriageMerge(BIG, BIG, BIG),
    ev.EventCommunity(BIG),
    *[ev.EventDraftButton(BIG, BIG, move) for move in ev.DraftMove],
    *[ev.EventSign(BIG, move) for move in ev.SignMove],
    *[ev.EventPlan(BIG, move) for move in ev.PlanMove],
    ev.EventAttend(BIG, BIG),
    *[b.TriageStage(BIG, BIG, ReportStatus.RESOLVED, note) for note in (True, False)],
]


@pytest.mark.parametrize("button", EXAMPLES, ids=lambda button: button.encode())
def test_encode_parse_round_trip_within_64_bytes(button: b.Family) -> None:
    data = button.encode()
    assert len(data.encode("utf-8")) <= 64, "Telegram's limit on callback data"
    matching = [family for family in _families() if family.pattern.match(data) is not None]
    assert matching == [type(button)], "exactly one family accepts each button's data"
    assert type(button).parse(data) == button  # type: ignore[attr-defined]


def _families() -> list[type[b.Family]]:
    return [
        b.Language,
        b.ChooseCommunity,
        b.CommunityPage,
        b.MyReportsPage,
        b.MyReport,
        Rate,
        Satisfy,
        b.Revoke,
        b.DraftButton,
        b.DraftCategory,
        b.DraftEdit,
        b.DraftMeToo,
        DraftDiscard,
        b.TriageButton,
        b.TriageDepartment,
        b.TriageDecline,
        b.TriageMerge,
        b.TriageStage,
        ev.EventCommunity,
        ev.EventDraftButton,
        ev.EventSign,
        ev.EventPlan,
        ev.EventAttend,
    ]


@pytest.mark.parametrize(
    "data",
    ["com:²", "com:١", "com:1\n", "com:-1", "com:+1", "com: 1", "com:1_0", "com:" + "9" * 10],
)
def test_numbers_are_ascii_digits_only(data: str) -> None:
    assert b.ChooseCommunity.pattern.match(data) is None
    with pytest.raises(ValueError, match="does not match"):
        b.ChooseCommunity.parse(data)


@pytest.mark.parametrize(
    ("stars", "answer"),
    [
        (5, Satisfaction.SATISFIED),
        (4, Satisfaction.MOSTLY_SATISFIED),
        (3, Satisfaction.NOT_SATISFIED),
        (2, Satisfaction.NOT_SATISFIED),
        (1, Satisfaction.NOT_SATISFIED),
        (0, Satisfaction.NOT_FIXED),
    ],
)
def test_the_star_buttons_of_before_mean_the_same_on_the_new_scale(
    stars: int, answer: Satisfaction
) -> None:
    assert Rate.parse(f"rate:7:{stars}").answer is answer


def test_the_edit_parts_are_the_steps_before_review() -> None:
    """The community is not edited on its own: the place names it, or asks for it."""
    assert [b.DraftEdit(1, part).step for part in b.EDITABLE] == [
        step for step in ReportStep if step not in (ReportStep.REVIEW, ReportStep.COMMUNITY)
    ]


def test_every_button_handler_is_registered_through_its_family() -> None:
    """No module but handlers/buttons.py builds a CallbackQueryHandler with a pattern, and
    no handler reads callback data by hand (the gate's catch-all for stale buttons has none)."""
    handlers_dir = Path(b.__file__).parent
    by_hand = re.compile(r"pattern=|query\.data\b|\.split\(\":\"\)")
    offenders = {
        path.name: found.group(0)
        for path in sorted(handlers_dir.glob("*.py"))
        if path.name != "buttons.py" and (found := by_hand.search(path.read_text("utf-8")))
    }
    assert offenders == {}
