"""What a volunteer event looks like (issue 15): the planner's preview and card, the
invitation (with its Sign up button), a resident's standing, the reminders and the
promotion from the waitlist. The outbox sender renders its rows with these
(bot/outbox_render.py)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from markupsafe import Markup
from telegram import InlineKeyboardMarkup

from handlers.buttons_events import (
    DraftMove,
    EventAttend,
    EventDraftButton,
    EventPlan,
    EventSign,
    PlanMove,
    SignMove,
)
from handlers.common import inline, plain, t
from storage.communities import community_name
from storage.event_attendance import Attendee, hours
from storage.event_models import Event, SignupStatus
from storage.event_signups import Standing
from storage.events import LOCAL_FORMAT, EventFacts
from storage.models import format_ref


def when(event: Event, tz: tzinfo) -> str:
    assert event.starts_at is not None
    return event.starts_at.astimezone(tz).strftime(LOCAL_FORMAT)


def place(found: EventFacts, locale: str) -> str:
    landmark = found.landmark
    if landmark is None:
        return found.event.place
    return landmark.name_zh if locale == "zh" else landmark.name_en or landmark.name_zh


def preview(
    locale: str, found: EventFacts, *, tz: tzinfo, residents: int, chats: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The draft as it will go out, its audience, and Publish / Cancel."""
    event = found.event
    text = t(
        locale,
        "event_plan.preview",
        title=event.title,
        community=community_name(found.community, locale),
        when=when(event, tz),
        hours=hours(event.minutes),
        place=place(found, locale),
        capacity=event.capacity,
        notes=event.notes,
        report=format_ref(event.report_id) if event.report_id else "",
        ballot=_ballot_line(locale, found),
        residents=residents,
        chats=chats,
    )
    return text, draft_buttons(locale, event, publish=True)


def _ballot_line(locale: str, found: EventFacts) -> str:
    """The ballot item the event carries out, as planners read it ("" when none)."""
    if found.ballot_item is None:
        return ""
    rank, title, label = found.ballot_item
    return plain(locale, "event_plan.ballot_item", rank=rank, title=title, label=label)


def draft_buttons(locale: str, event: Event, *, publish: bool) -> InlineKeyboardMarkup:
    eid, version = event.id or 0, event.version
    row = [
        (
            plain(locale, "event_plan.cancel_button"),
            EventDraftButton(eid, version, DraftMove.CANCEL).encode(),
        )
    ]
    if publish:
        publish_data = EventDraftButton(eid, version, DraftMove.PUBLISH).encode()
        row.insert(0, (plain(locale, "event_plan.publish_button"), publish_data))
    return inline([row])


def _sign_button(locale: str, event_id: int) -> InlineKeyboardMarkup:
    data = EventSign(event_id, SignMove.SIGN_UP).encode()
    return inline([[(plain(locale, "events.sign_up_button"), data)]])


def invitation(locale: str, params: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup | None]:
    """An invitation row: to a resident with the Sign up button; to a committee chat with
    where to sign up (a button in a group is not answered: residents sign up in private)."""
    words = {
        "title": params["title"],
        "when": params["when"],
        "hours": hours(int(params["minutes"])),
        "place": params["place_zh"] if locale == "zh" else params["place_en"],
        "notes": params["notes"],
    }
    sign = _sign_button(locale, int(params["event_id"]))
    if params.get("group"):  # a member signs up from the chat; the answer is a pop-up
        return t(locale, "event_plan.invite_group", **words), sign
    return t(locale, "events.invite", **words), sign


def reminder(locale: str, params: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    text = t(
        locale,
        "events.reminder",
        which=params["which"],
        title=params["title"],
        when=params["when"],
        place=params["place_zh"] if locale == "zh" else params["place_en"],
        notes=params["notes"],
    )
    cancel = EventSign(int(params["event_id"]), SignMove.CANCEL).encode()
    return text, inline([[(plain(locale, "events.cancel_button"), cancel)]])


def promoted(locale: str, params: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    text = t(
        locale,
        "events.promoted",
        title=params["title"],
        when=params["when"],
        place=params["place_zh"] if locale == "zh" else params["place_en"],
    )
    cancel = EventSign(int(params["event_id"]), SignMove.CANCEL).encode()
    return text, inline([[(plain(locale, "events.cancel_button"), cancel)]])


def standing_message(
    locale: str, seen: Standing, found: EventFacts, *, tz: tzinfo, again: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """Where a resident stands after a tap, with the one button that undoes it."""
    event = seen.event
    status = seen.status.value if seen.status else "none"
    text = t(
        locale,
        "events.standing",
        status=status,
        title=event.title,
        when=when(event, tz),
        place=place(found, locale),
        taken=seen.taken,
        capacity=event.capacity,
        position=seen.waitlist_place,
        again=again,
    )
    if seen.status is None:
        return text, _sign_button(locale, event.id or 0)
    cancel = EventSign(event.id or 0, SignMove.CANCEL).encode()
    return text, inline([[(plain(locale, "events.cancel_button"), cancel)]])


def upcoming_message(
    locale: str, seen: list[Standing], *, tz: tzinfo
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The menu's list: each event with its places, and a sign-up or cancel button each."""
    if not seen:
        return t(locale, "events.none_upcoming"), None
    items = [
        Markup(  # rendered (and escaped) by prompts
            t(
                locale,
                "events.upcoming_item",
                title=s.event.title,
                when=when(s.event, tz),
                taken=s.taken,
                capacity=s.event.capacity,
                status=s.status.value if s.status else "",
                position=s.waitlist_place,
            )
        )
        for s in seen
    ]
    rows = []
    for s in seen:
        signed = s.status in (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)
        move = SignMove.CANCEL if signed else SignMove.SIGN_UP
        key = "events.cancel_item_button" if signed else "events.sign_up_item_button"
        rows.append(
            [(plain(locale, key, title=s.event.title), EventSign(s.event.id or 0, move).encode())]
        )
    return t(locale, "events.upcoming", items=items), inline(rows)


def planner_card(
    locale: str,
    found: EventFacts,
    *,
    tz: tzinfo,
    listed: list[Attendee],
) -> tuple[str, InlineKeyboardMarkup]:
    event = found.event
    confirmed = [a for a in listed if a.signup.status == SignupStatus.CONFIRMED]
    text = t(
        locale,
        "event_plan.card",
        title=event.title,
        when=when(event, tz),
        hours=hours(event.minutes),
        place=place(found, locale),
        taken=len(confirmed),
        capacity=event.capacity,
        waiting=len(listed) - len(confirmed),
        attended=sum(a.signup.attended for a in confirmed),
        report=format_ref(event.report_id) if event.report_id else "",
    )
    eid = event.id or 0
    rows = []
    if event.report_id:
        invite = EventPlan(eid, PlanMove.INVITE_FOLLOWERS).encode()
        rows.append([(plain(locale, "event_plan.invite_followers_button"), invite)])
    rows.append(
        [
            (
                plain(locale, "event_plan.attendance_button"),
                EventPlan(eid, PlanMove.ATTENDANCE).encode(),
            ),
            (plain(locale, "event_plan.csv_button"), EventPlan(eid, PlanMove.CSV).encode()),
        ]
    )
    return text, inline(rows)


def attendance_message(
    locale: str, event: Event, listed: list[Attendee]
) -> tuple[str, InlineKeyboardMarkup]:
    """The confirmed volunteers, one button each: ✅ came, ⬜ not (a tap switches)."""
    confirmed = [a for a in listed if a.signup.status == SignupStatus.CONFIRMED]
    rows = [
        [
            (
                plain(
                    locale,
                    "event_plan.attend_button",
                    number=n,
                    name=a.first_name or "?",
                    came=a.signup.attended,
                ),
                EventAttend(event.id or 0, a.signup.id or 0).encode(),
            )
        ]
        for n, a in enumerate(confirmed, start=1)
    ]
    text = t(locale, "event_plan.attendance", title=event.title, count=len(confirmed))
    return text, inline(rows)


def my_events_message(
    locale: str, rows: list[tuple[Event, str, bool]], minutes: int, *, tz: tzinfo
) -> str:
    if not rows:
        return t(locale, "events.mine_empty")
    items = [
        Markup(
            t(
                locale,
                "events.mine_item",
                title=e.title,
                when=when(e, tz),
                status=status,
                attended=came,
            )
        )
        for e, status, came in rows
    ]
    return t(locale, "events.mine", items=items, hours=hours(minutes))
