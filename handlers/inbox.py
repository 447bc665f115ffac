"""The planners' shared inbox: one card at a time, /inbox and /report R-…, and how the
outcome of an action (`storage.triage`) is told to the planner who took it."""

from __future__ import annotations

import logging

from telegram import InputMediaPhoto, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers.buttons import TriageAction, TriageButton, TriageMerge, TriageStage
from handlers.buttons_reports import CardAction, CardButton
from handlers.common import answer_expired, inline, message_of, photo_source, place_label, plain, t
from handlers.context import CustomContext
from handlers.report import begin as begin_report
from handlers.roles import Actor, load_actor, planner_only, refuse
from storage.communities import community_name
from storage.duplicates import Candidate
from storage.lifecycle import STEP_BACK, TransitionError, allowed_next, forward_steps
from storage.models import Report, ReportNote, ReportStatus, format_ref
from storage.report_edits import CHANGEABLE
from storage.reports import parse_ref
from storage.triage import IN_THE_INBOX, Card, Inbox, Moved, next_card, report_card

logger = logging.getLogger(__name__)

S = ReportStatus
Rows = list[list[tuple[str, str]]]


def button(report: Report, action: TriageAction) -> str:
    return TriageButton(report.id or 0, report.version, action).encode()


async def send_card(
    update: Update, context: CustomContext, actor: Actor, card: Card, *, inbox: bool
) -> None:
    """Photos, a map pin, the facts, likely duplicates, and the buttons for what comes next:
    triage on an inbox card (with Skip), triage or the next stages on /report's card."""
    report, locale, chat_id = card.report, actor.locale, message_of(update).chat_id
    assert report.id is not None
    if len(card.photos) == 1:
        await context.bot.send_photo(chat_id, photo_source(context, card.photos[0]))
    elif card.photos:
        media = [InputMediaPhoto(photo_source(context, p)) for p in card.photos[:10]]
        await context.bot.send_media_group(chat_id, media)
    if report.lat is not None and report.lon is not None:
        await context.bot.send_location(chat_id, latitude=report.lat, longitude=report.lon)
    if report.voice_file_id is not None:  # the resident's words, to listen to
        await _send_voice(context, chat_id, report.voice_file_id)
    text = t(
        locale,
        "triage.card",
        ref=format_ref(report.id),
        status=t(locale, f"status.{report.status}"),
        category=t(locale, f"category.{report.category}"),
        place=place_label(locale, report),
        description=report.description,
        age=int((context.now() - report.created_at).total_seconds() // 3600),
        overdue=card.overdue,
        community=community_name(card.community, locale) if card.community else "",
        outside_area=report.outside_area,
        duplicates=[_duplicate_line(locale, c) for c in card.duplicates],
        notes=[_note_line(locale, n) for n in card.notes],
        voice=report.voice_file_id is not None,
        rank=_rank_line(locale, card.rank),
    )
    rows = card_rows(locale, report, card.duplicates, inbox=inbox)
    markup = inline(rows) if rows else None  # a finished report has no next stage
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def _send_voice(context: CustomContext, chat_id: int, file_id: str) -> None:
    """A voice note Telegram no longer knows does not cost the card: its 🎤 line stays."""
    try:
        await context.bot.send_voice(chat_id, file_id)
    except BadRequest as exc:
        logger.warning("inbox: the voice note %s was refused: %s", file_id, exc.message)


def _rank_line(locale: str, rank: tuple[int, str] | None) -> str:
    """Where the latest closed ballot the report was on ranked it ("" when none did)."""
    if rank is None:
        return ""
    return plain(locale, "ballots.rank", rank=rank[0], title=rank[1])


def _note_line(locale: str, note: ReportNote) -> str:
    """An internal note, or a change of category or place, as planners read it."""
    if note.kind == "category":
        old, new = (plain(locale, f"category.{c}") for c in (note.old_value, note.text))
        return plain(locale, "triage.note_category", old=old, new=new)
    if note.kind == "place":
        return plain(locale, "triage.note_place", old=note.old_value, new=note.text)
    if note.kind == "department":  # who in the department's chat said what (department_work)
        said = plain(locale, f"department_chat.log_{note.old_value}", name=note.text)
        return plain(locale, "department_chat.planner_note", line=said)
    return plain(locale, "triage.note_internal", text=note.text)


def card_rows(locale: str, report: Report, duplicates: list[Candidate], *, inbox: bool) -> Rows:
    """What a planner can do next: triage, or move on (one tap) or back, decline, write a
    public or an internal note, change the category or the place; nothing when finished."""
    edits = [
        [
            (plain(locale, "triage.change_category"), card_button(report, CardAction.CATEGORY)),
            (plain(locale, "triage.change_place"), card_button(report, CardAction.PLACE)),
        ]
    ]
    internal = (
        plain(locale, "triage.internal_note"),
        card_button(report, CardAction.INTERNAL_NOTE),
    )
    if inbox or report.status in IN_THE_INBOX:
        return [*triage_rows(locale, report, duplicates, skip=inbox), *edits, [internal]]
    if report.status not in CHANGEABLE:
        return []
    rows = stage_rows(locale, report)
    back: list[tuple[str, str]] = []
    if report.status in STEP_BACK:
        back.append((plain(locale, "triage.step_back"), card_button(report, CardAction.STEP_BACK)))
    if S.DECLINED in allowed_next(report.status):
        back.append((plain(locale, "triage.decline"), button(report, TriageAction.DECLINE)))
    if back:
        rows.append(back)
    public = (plain(locale, "triage.public_note"), card_button(report, CardAction.PUBLIC_NOTE))
    return [*rows, [public, internal], *edits]


def card_button(report: Report, action: CardAction) -> str:
    return CardButton(report.id or 0, report.version, action).encode()


def _duplicate_line(locale: str, candidate: Candidate) -> str:
    assert candidate.report.id is not None
    return t(
        locale,
        "triage.duplicate_line",
        ref=format_ref(candidate.report.id),
        category=t(locale, f"category.{candidate.report.category}"),
        distance=None if candidate.distance_m is None else round(candidate.distance_m),
        same_photo=candidate.same_photo,
    )


def triage_rows(locale: str, report: Report, duplicates: list[Candidate], *, skip: bool) -> Rows:
    """Accept, needs info, merge (into a likely duplicate or by reference), decline, skip."""
    rows = [
        [
            (plain(locale, "triage.accept"), button(report, TriageAction.ACCEPT)),
            (plain(locale, "triage.needs_info"), button(report, TriageAction.NEEDS_INFO)),
        ]
    ]
    for candidate in duplicates:
        into = candidate.report.id or 0
        label = plain(locale, "triage.merge_into", ref=format_ref(into))
        rows.append([(label, TriageMerge(report.id or 0, report.version, into).encode())])
    rows.append(
        [
            (plain(locale, "triage.merge_by_ref"), button(report, TriageAction.MERGE_BY_REF)),
            (plain(locale, "triage.decline"), button(report, TriageAction.DECLINE)),
        ]
    )
    if skip:
        rows.append([(plain(locale, "triage.skip"), button(report, TriageAction.SKIP))])
    return rows


def stage_rows(locale: str, report: Report) -> Rows:
    """The stages a report can move on to: one tap each, the move happens at once; except
    Resolved, which first asks for the "after" photo (or a note, or "without"), so the photo
    reaches every follower with the resolved notice itself."""
    return [
        [
            (
                plain(locale, f"triage.to_{s.value}"),
                TriageStage(report.id or 0, report.version, s, with_note=s is S.RESOLVED).encode(),
            )
        ]
        for s in forward_steps(report.status)
    ]


async def show_inbox(update: Update, context: CustomContext, actor: Actor, inbox: Inbox) -> None:
    chat_id = message_of(update).chat_id
    if inbox.card is None:
        await context.bot.send_message(chat_id, t(actor.locale, "triage.inbox_empty"))
        return
    header = t(actor.locale, "triage.inbox_header", count=inbox.waiting)
    await context.bot.send_message(chat_id, header)
    await send_card(update, context, actor, inbox.card, inbox=True)


async def show_next(
    update: Update, context: CustomContext, actor: Actor, *, after_id: int = 0
) -> None:
    async with context.session() as session:
        inbox = await next_card(
            session,
            scope=actor.scope,
            now=context.now(),
            hours=context.config.first_response_hours,
            after_id=after_id,
        )
    await show_inbox(update, context, actor, inbox)


@planner_only
async def inbox_command(update: Update, context: CustomContext, actor: Actor) -> None:
    await show_next(update, context, actor)


async def open_report(update: Update, context: CustomContext) -> None:
    """/report R-000123: any report of the planner's communities, with its next stages.

    For anyone who is not a planner, /report (with or without words) starts a report.
    """
    _caller, actor = await load_actor(update, context)
    if actor is None:
        await begin_report(update, context)
        return
    args = context.args or []
    await show_card(update, context, actor, parse_ref(args[0]) if len(args) == 1 else None)


async def show_card(
    update: Update, context: CustomContext, actor: Actor, report_id: int | None
) -> None:
    """The card of one report of the planner's communities (`/report`, a tap in `/reports`)."""
    try:
        if report_id is None:
            raise TransitionError("not_found")
        async with context.session() as session:
            card = await report_card(
                session,
                scope=actor.scope,
                report_id=report_id,
                now=context.now(),
                hours=context.config.first_response_hours,
            )
    except TransitionError as exc:
        if exc.code == "not_permitted":
            await refuse(update, actor.locale)
        else:
            await reply_or_alert(update, actor.locale, "triage.no_such_report")
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    await send_card(update, context, actor, card, inbox=False)


# --- telling the outcome ---------------------------------------------------------------------


async def reply_or_alert(update: Update, locale: str, key: str, **params: object) -> None:
    """An alert for a button press (plain text), a message for typed input (HTML)."""
    if update.callback_query is not None:
        await update.callback_query.answer(plain(locale, key, **params), show_alert=True)
    else:
        await message_of(update).reply_text(t(locale, key, **params))


async def refused(update: Update, actor: Actor, refusal: TransitionError, *, merge: bool) -> None:
    """A refused action, in words: someone else was first, it is not the planner's, or the
    step (or the merge) is not possible."""
    locale = actor.locale
    if refusal.code == "stale":
        await reply_or_alert(
            update,
            locale,
            "triage.already_handled",
            ref=format_ref(refusal.report_id or 0),
            name=refusal.by,
            status=plain(locale, f"status.{refusal.status}"),
        )
    elif refusal.code == "not_permitted":
        await refuse(update, locale)
    elif merge and refusal.code == "not_found":
        await reply_or_alert(update, locale, "triage.no_such_report")
    elif merge:
        await reply_or_alert(update, locale, f"triage.merge_{refusal.code}")
    elif update.callback_query is not None:
        await answer_expired(update, locale)
    else:
        await message_of(update).reply_text(t(locale, "triage.not_allowed"))


async def moved(update: Update, context: CustomContext, actor: Actor, done: Moved) -> None:
    """The move happened: say so, wake the outbox, and show the next card if it left the
    inbox."""
    locale, report = actor.locale, done.report
    if update.callback_query is not None:
        await update.callback_query.answer()
        await message_of(update).edit_reply_markup(reply_markup=None)
    ref = format_ref(report.id or 0)
    rows: Rows = []
    if done.root is not None:
        text = t(locale, "triage.merged", ref=ref, root=format_ref(done.root.id or 0))
    else:
        text = t(locale, "triage.moved", ref=ref, status=t(locale, f"status.{report.status}"))
        if report.status not in IN_THE_INBOX:  # what comes next, one tap away
            rows = card_rows(locale, report, [], inbox=False)
    await message_of(update).reply_text(text, reply_markup=inline(rows) if rows else None)
    context.bot_data.services.wake_outbox()
    if done.inbox is not None:
        await show_inbox(update, context, actor, done.inbox)


async def changed(
    update: Update, context: CustomContext, actor: Actor, report: Report, key: str
) -> None:
    """A note or a change was kept: say so (`key`), with the card's actions for what comes
    next, and wake the outbox (a public note is a notice to the followers)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        await message_of(update).edit_reply_markup(reply_markup=None)
    locale = actor.locale
    text = t(
        locale,
        key,
        ref=format_ref(report.id or 0),
        category=t(locale, f"category.{report.category}"),
        place=place_label(locale, report),
    )
    rows = card_rows(locale, report, [], inbox=False)
    await message_of(update).reply_text(text, reply_markup=inline(rows) if rows else None)
    context.bot_data.services.wake_outbox()


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("inbox", inbox_command, filters=private),
        CommandHandler("report", open_report, filters=private & filters.Regex(r"^/report\s+\S")),
    ]
