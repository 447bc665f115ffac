"""A department's side of a report (issue 13): its card in the department's linked chat, and
the two things its working group says there, "received" and "done, with photo".

A report accepted to a department (`storage.triage.move`) is posted as a card in every
active chat linked to that department, for the report's community or for all communities:
one outbox row per report and chat (`queue_cards`, deduplicated by `dept_card:<report>:<linked
chat>`), written in the same transaction as the move, so it survives restarts and goes at
Telegram's group pace (tests/storage/test_department_work.py).

Anyone in that linked chat is the department's working group. Their presses move the report
through `lifecycle.transition`, so the reporter hears them as a planner's moves:

- "received" moves `accepted -> planned`: the department has taken the work into its plan;
  the report stops waiting in `accepted` (what `STALE_ACCEPTED_DAYS` measures), and the
  reporter hears "planned" as from a planner;
- "done, with photo" resolves it with the after photo, as a planner's resolve with a photo
  does. From `planned` the lifecycle goes through `in_progress`: both moves are written (the
  history stays a chain of allowed moves), but only the resolution is told, since both
  happen in the same instant (tests/conversation/test_department.py).

Who pressed is the event's actor and a `report_note` of kind `department` (the name, and
what they said), which planners see on the report's card. A press is refused
(`not_permitted`) from any chat but the report's department's linked chat, and as `stale`
once the report moved on from the version on the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.communities import get_community
from storage.groups import linked_chat
from storage.lifecycle import TransitionError, stale, transition
from storage.models import (
    ChatKind,
    LinkedChat,
    OutboxMessage,
    Person,
    Report,
    ReportNote,
    ReportStatus,
)
from storage.reports import AfterPhoto, report_photos
from storage.writes import insert_or_skip

S = ReportStatus
DEPARTMENT_CARD = "department_card"  # the outbox kind
NOTE_KIND = "department"  # report_note: text is who, old_value what (a `Step`)
RECEIVE_FROM = frozenset({S.ACCEPTED})
FINISH_FROM = frozenset({S.PLANNED, S.IN_PROGRESS, S.REOPENED})


class Step(StrEnum):
    """What a department's working group says about a report."""

    RECEIVED = "received"
    DONE = "done"


@dataclass(frozen=True)
class CardView:
    """A department card as it stands: the chat's language and the card's facts (the same
    parameters an outbox row carries, so the first card and every edit read alike)."""

    locale: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Pressed:
    """The outcome of a press: the card now, or a refusal with the card as it stands (to
    show its current buttons), when the press came from the right chat."""

    card: CardView | None
    refusal: TransitionError | None = None


async def department_chats(
    session: AsyncSession, *, department: str, community_id: int | None
) -> list[LinkedChat]:
    """The active chats linked to `department` for this community or for all communities."""
    query = select(LinkedChat).where(
        LinkedChat.kind == ChatKind.DEPARTMENT,
        LinkedChat.department == department,
        col(LinkedChat.active),
        or_(
            col(LinkedChat.community_id).is_(None),
            col(LinkedChat.community_id) == community_id,
        ),
    )
    return list((await session.exec(query.order_by(col(LinkedChat.id)))).all())


async def queue_cards(session: AsyncSession, *, report: Report, now: datetime) -> int:
    """One card per chat of the report's department; how many were queued (a chat that has
    this report's card already gets none)."""
    assert report.id is not None
    if report.department is None:
        return 0
    chats = await department_chats(
        session, department=report.department, community_id=report.community_id
    )
    if not chats:
        return 0
    params = await card_params(session, report=report)
    queued = 0
    for chat in chats:
        row = OutboxMessage(
            chat_id=chat.chat_id,
            locale=chat.locale,
            kind=DEPARTMENT_CARD,
            params=params,
            dedupe_key=f"dept_card:{report.id}:{chat.id}",
            not_before=now,
            created_at=now,
        )
        queued += await insert_or_skip(session, row, conflict=("dedupe_key",)) is not None
    return queued


async def card_params(session: AsyncSession, *, report: Report) -> dict[str, Any]:
    """What a card shows, as plain values: the words are put in at send time."""
    assert report.id is not None
    photos = [p for p in await report_photos(session, report_id=report.id) if p.kind != "after"]
    community = (
        None
        if report.community_id is None
        else await get_community(session, community_id=report.community_id)
    )
    return {
        "report_id": report.id,
        "version": report.version,
        "status": report.status,
        "department": report.department,
        "category": report.category,
        "description": report.description,
        "voice": report.voice_file_id is not None,
        "place": {
            "address": report.address,
            "landmark_zh": report.landmark_zh,
            "landmark_en": report.landmark_en,
            "landmark_m": report.landmark_m,
            "lat": report.lat,
            "lon": report.lon,
            "outside_area": report.outside_area,
        },
        "community": None
        if community is None
        else {"zh": community.name_zh, "en": community.name_en},
        "photo": photos[0].telegram_file_id if photos else None,
        "photo_kind": photos[0].file_kind if photos else "photo",
        "photos": len(photos),
        "log": await _log(session, report_id=report.id),
    }


async def _log(session: AsyncSession, *, report_id: int) -> list[list[str]]:
    """What the department said about the report, by whom: [[step, first name], …]."""
    query = (
        select(ReportNote)
        .where(ReportNote.report_id == report_id, ReportNote.kind == NOTE_KIND)
        .order_by(col(ReportNote.id))
    )
    return [[note.old_value, note.text] for note in (await session.exec(query)).all()]


def _serves(chat: LinkedChat | None, report: Report) -> bool:
    """The one rule of who may press a report's card: its department's linked chat."""
    return (
        chat is not None
        and chat.kind == ChatKind.DEPARTMENT
        and report.department is not None
        and chat.department == report.department
        and chat.community_id in (None, report.community_id)
    )


async def _as_seen(
    session: AsyncSession, *, chat_id: int, report_id: int, version: int
) -> tuple[Report, LinkedChat]:
    """The report and the chat, if the chat is its department's and the card current."""
    report = await session.get(Report, report_id)
    if report is None:
        raise TransitionError("not_found")
    await session.refresh(report)
    chat = await linked_chat(session, chat_id=chat_id)
    if chat is None or not _serves(chat, report):
        raise TransitionError("not_permitted", report_id=report_id, status=report.status)
    if report.version != version:
        raise await stale(session, report)
    return report, chat


async def _refused(
    session: AsyncSession, refusal: TransitionError, *, chat_id: int, report_id: int
) -> Pressed:
    """A refusal, with the card as it stands when the press came from the right chat."""
    if refusal.code in ("not_found", "not_permitted"):
        return Pressed(None, refusal)
    report = await session.get(Report, report_id)
    chat = await linked_chat(session, chat_id=chat_id)
    assert report is not None
    assert chat is not None
    return Pressed(CardView(chat.locale, await card_params(session, report=report)), refusal)


async def look(
    session: AsyncSession, *, chat_id: int, report_id: int, version: int, ready: bool
) -> Pressed:
    """A press that writes nothing: "done" (ready, it asks for the photo; only where the
    report can be resolved) or "not yet" (back to the card)."""
    try:
        report, chat = await _as_seen(
            session, chat_id=chat_id, report_id=report_id, version=version
        )
        if ready and report.status not in FINISH_FROM:
            raise TransitionError("not_allowed", report_id=report_id, status=report.status)
    except TransitionError as refusal:
        return await _refused(session, refusal, chat_id=chat_id, report_id=report_id)
    return Pressed(CardView(chat.locale, await card_params(session, report=report)))


async def receive(
    session: AsyncSession,
    *,
    chat_id: int,
    report_id: int,
    version: int,
    person: Person,
    now: datetime,
) -> Pressed:
    """ "Received": accepted -> planned, told to the followers; who pressed is noted."""
    try:
        report, chat = await _as_seen(
            session, chat_id=chat_id, report_id=report_id, version=version
        )
        if report.status not in RECEIVE_FROM:
            raise TransitionError("not_allowed", report_id=report_id, status=report.status)
    except TransitionError as refusal:
        return await _refused(session, refusal, chat_id=chat_id, report_id=report_id)
    report = await transition(
        session,
        report_id=report_id,
        expected_version=version,
        to=S.PLANNED,
        actor_id=person.id,
        now=now,
    )
    await _note(session, report_id=report_id, person=person, step=Step.RECEIVED, now=now)
    return Pressed(CardView(chat.locale, await card_params(session, report=report)))


async def finish(
    session: AsyncSession,
    *,
    chat_id: int,
    report_id: int,
    version: int,
    person: Person,
    photo: AfterPhoto,
    now: datetime,
) -> Pressed:
    """ "Done, with photo": resolved with the after photo, as a planner's resolve with a photo
    (the followers get the resolved notice with the photo, the reporter "is it fixed?").
    From planned, through in_progress, which is written but not told."""
    try:
        report, chat = await _as_seen(
            session, chat_id=chat_id, report_id=report_id, version=version
        )
        if report.status not in FINISH_FROM:
            raise TransitionError("not_allowed", report_id=report_id, status=report.status)
    except TransitionError as refusal:
        return await _refused(session, refusal, chat_id=chat_id, report_id=report_id)
    if report.status == S.PLANNED:
        report = await transition(
            session,
            report_id=report_id,
            expected_version=version,
            to=S.IN_PROGRESS,
            actor_id=person.id,
            now=now,
            notify=False,
        )
    report = await transition(
        session,
        report_id=report_id,
        expected_version=report.version,
        to=S.RESOLVED,
        actor_id=person.id,
        now=now,
        after_photo=photo,
    )
    await _note(session, report_id=report_id, person=person, step=Step.DONE, now=now)
    return Pressed(CardView(chat.locale, await card_params(session, report=report)))


async def _note(
    session: AsyncSession, *, report_id: int, person: Person, step: Step, now: datetime
) -> None:
    session.add(
        ReportNote(
            report_id=report_id,
            author_id=person.id,
            at=now,
            kind=NOTE_KIND,
            text=person.first_name[:200],
            old_value=step.value,
        )
    )
    await session.flush()
