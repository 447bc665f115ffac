"""The planners' shared inbox: one card at a time, actions as buttons, stages by /report.

Every action goes through `storage.lifecycle`, which checks the report's version: of two
planners tapping at once, the second is told who handled it, and nothing is sent twice.
Button data: the `Triage*` families of handlers/buttons.py. What a planner types next (a
question, a reason, a note, a reference) is a `pending_input` row, not memory.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from telegram import ForceReply, InputMediaPhoto, Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers.buttons import (
    TriageAction,
    TriageButton,
    TriageDecline,
    TriageDepartment,
    TriageMerge,
    TriageStage,
    on,
    pressed,
)
from handlers.common import (
    answer_expired,
    inline,
    message_of,
    photo_source,
    place_label,
    plain,
    t,
)
from handlers.context import CustomContext
from handlers.report import begin as begin_report
from handlers.roles import Actor, load_actor, planner_only, refuse
from storage.communities import community_name, get_community
from storage.duplicates import Candidate, likely_duplicates
from storage.inbox import (
    clear_pending,
    count_inbox,
    get_pending,
    has_pending,
    is_overdue,
    next_in_inbox,
    set_pending,
)
from storage.lifecycle import PLANNER_STEPS, TransitionError, allowed_next, last_actor, merge
from storage.lifecycle import transition as move
from storage.media import NotAnImageError, store_photo
from storage.models import Department, PendingInput, Report, ReportStatus, format_ref
from storage.reports import add_after_photo, get_report, parse_ref, report_photos
from storage.rules import DeclineReason

S = ReportStatus
NOTE_LIMIT = 1000


def _age_hours(report: Report, now: datetime) -> int:
    return int((now - report.created_at).total_seconds() // 3600)


def _data(report: Report, action: TriageAction) -> str:
    return TriageButton(report.id or 0, report.version, action).encode()


def _dep_data(report: Report, code: str) -> str:
    return TriageDepartment(report.id or 0, report.version, Department(code)).encode()


def _decline_data(report: Report, reason: DeclineReason) -> str:
    return TriageDecline(report.id or 0, report.version, reason).encode()


def _merge_data(report: Report, into_id: int) -> str:
    return TriageMerge(report.id or 0, report.version, into_id).encode()


def _stage_data(report: Report, stage: ReportStatus, *, with_note: bool) -> str:
    return TriageStage(report.id or 0, report.version, stage, with_note).encode()


# --- showing a card ------------------------------------------------------------------------


async def send_card(
    update: Update, context: CustomContext, actor: Actor, report: Report, *, inbox: bool
) -> None:
    """Photos, a map pin, the facts, likely duplicates, and the buttons for what comes next."""
    assert report.id is not None
    locale, chat_id = actor.locale, message_of(update).chat_id
    async with context.session() as session:
        photos = await report_photos(session, report_id=report.id)
        duplicates = await likely_duplicates(session, report=report) if inbox else []
        community = (
            await get_community(session, community_id=report.community_id)
            if report.community_id is not None
            else None
        )
        overdue = await is_overdue(
            session,
            report_id=report.id,
            now=context.now(),
            hours=context.config.first_response_hours,
        )
    if len(photos) == 1:
        await context.bot.send_photo(chat_id, photo_source(context, photos[0]))
    elif photos:
        await context.bot.send_media_group(
            chat_id, [InputMediaPhoto(photo_source(context, p)) for p in photos[:10]]
        )
    if report.lat is not None and report.lon is not None:
        await context.bot.send_location(chat_id, latitude=report.lat, longitude=report.lon)
    hours = _age_hours(report, context.now())
    text = t(
        locale,
        "triage.card",
        ref=format_ref(report.id),
        status=t(locale, f"status.{report.status}"),
        category=t(locale, f"category.{report.category}"),
        place=place_label(locale, report),
        description=report.description,
        age=hours,
        overdue=overdue,
        community=community_name(community, locale) if community else "",
        outside_area=report.outside_area,
        duplicates=[_duplicate_line(locale, c) for c in duplicates],
    )
    rows = _triage_rows(actor, report, duplicates) if inbox else _stage_rows(actor, report)
    markup = inline(rows) if rows else None  # a finished report has no next stage
    await context.bot.send_message(chat_id, text, reply_markup=markup)


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


def _triage_rows(
    actor: Actor, report: Report, duplicates: list[Candidate]
) -> list[list[tuple[str, str]]]:
    locale = actor.locale
    rows = [
        [
            (t(locale, "triage.accept"), _data(report, TriageAction.ACCEPT)),
            (t(locale, "triage.needs_info"), _data(report, TriageAction.NEEDS_INFO)),
        ]
    ]
    for candidate in duplicates:
        ref = format_ref(candidate.report.id or 0)
        rows.append(
            [
                (
                    t(locale, "triage.merge_into", ref=ref),
                    _merge_data(report, candidate.report.id or 0),
                )
            ]
        )
    rows.append(
        [
            (t(locale, "triage.merge_by_ref"), _data(report, TriageAction.MERGE_BY_REF)),
            (t(locale, "triage.decline"), _data(report, TriageAction.DECLINE)),
        ]
    )
    rows.append([(t(locale, "triage.skip"), _data(report, TriageAction.SKIP))])
    return rows


def _stage_rows(actor: Actor, report: Report) -> list[list[tuple[str, str]]]:
    steps = [s for s in PLANNER_STEPS if s in allowed_next(report.status)]
    if report.status in (S.SUBMITTED, S.NEEDS_INFO):
        return _triage_rows(actor, report, [])[:-1]
    return [
        [(t(actor.locale, f"triage.to_{s.value}"), _stage_data(report, s, with_note=True))]
        for s in steps
    ]


async def show_next(
    update: Update, context: CustomContext, actor: Actor, *, after_id: int = 0
) -> None:
    async with context.session() as session:
        report = await next_in_inbox(session, community_ids=actor.community_ids, after_id=after_id)
        waiting = await count_inbox(session, community_ids=actor.community_ids)
    if report is None:
        await context.bot.send_message(
            message_of(update).chat_id, t(actor.locale, "triage.inbox_empty")
        )
        return
    await context.bot.send_message(
        message_of(update).chat_id, t(actor.locale, "triage.inbox_header", count=waiting)
    )
    await send_card(update, context, actor, report, inbox=True)


@planner_only
async def inbox(update: Update, context: CustomContext, actor: Actor) -> None:
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
    report_id = parse_ref(args[0]) if len(args) == 1 else None
    async with context.session() as session:
        report = await get_report(session, report_id=report_id) if report_id else None
    if report is None:
        await message_of(update).reply_text(t(actor.locale, "triage.no_such_report"))
        return
    if not actor.may_act_on(report):
        await refuse(update, actor.locale)
        return
    await send_card(update, context, actor, report, inbox=False)


# --- the buttons ------------------------------------------------------------------------------


async def _report_for(
    update: Update, context: CustomContext, actor: Actor, report_id: int, version: int
) -> Report | None:
    """The report behind a triage button, if the planner may act on the version they saw;
    otherwise None, with the answer (expired, not permitted, or already handled)."""
    async with context.session() as session:
        report = await get_report(session, report_id=report_id)
        who = await last_actor(session, report_id=report_id) if report else None
    if report is None:
        await answer_expired(update, actor.locale)
        return None
    if not actor.may_act_on(report):
        await refuse(update, actor.locale)
        return None
    if report.version != version:
        by = who.first_name if who else ""
        stale = TransitionError("stale", report_id=report_id, status=report.status, by=by)
        await _already_handled(update, actor, stale)
        return None
    return report


@planner_only
async def on_button(update: Update, context: CustomContext, actor: Actor) -> None:
    """`t:<report id>:<version>:<action>`"""
    query = update.callback_query
    assert query is not None
    button = TriageButton.parse(pressed(update))
    report = await _report_for(update, context, actor, button.report_id, button.version)
    if report is None:
        return
    locale, action = actor.locale, button.action
    if action is TriageAction.ACCEPT:
        await query.answer()
        rows = [
            [(t(locale, f"department.{code}"), _dep_data(report, code))]
            for code in context.config.departments
        ]
        rows.append([(t(locale, "triage.back"), _data(report, TriageAction.BACK))])
        await message_of(update).edit_reply_markup(reply_markup=inline(rows))
    elif action is TriageAction.DECLINE:
        await query.answer()
        rows = [
            [(t(locale, f"triage.reason_{r.value}"), _decline_data(report, r))]
            for r in DeclineReason
        ]
        rows.append([(t(locale, "triage.reason_typed"), _data(report, TriageAction.DECLINE_TYPED))])
        rows.append([(t(locale, "triage.back"), _data(report, TriageAction.BACK))])
        await message_of(update).edit_reply_markup(reply_markup=inline(rows))
    elif action in (TriageAction.NEEDS_INFO, TriageAction.DECLINE_TYPED, TriageAction.MERGE_BY_REF):
        await _ask_input(update, context, actor, report, action.value)
    elif action is TriageAction.SKIP:
        await query.answer()
        await show_next(update, context, actor, after_id=report.id or 0)
    else:  # BACK
        await query.answer()
        async with context.session() as session:
            duplicates = await likely_duplicates(session, report=report)
        rows = _triage_rows(actor, report, duplicates)
        await message_of(update).edit_reply_markup(reply_markup=inline(rows))


@planner_only
async def on_department(update: Update, context: CustomContext, actor: Actor) -> None:
    """`t:<report id>:<version>:dep:<department>`: accept it, routed to that department."""
    button = TriageDepartment.parse(pressed(update))
    report = await _report_for(update, context, actor, button.report_id, button.version)
    if report is None:
        return
    if button.department not in context.config.departments:
        await answer_expired(update, actor.locale)
        return
    await _move(update, context, actor, report, S.ACCEPTED, department=button.department)


@planner_only
async def on_decline(update: Update, context: CustomContext, actor: Actor) -> None:
    """`t:<report id>:<version>:dr:<n>`: decline with a template reason."""
    button = TriageDecline.parse(pressed(update))
    report = await _report_for(update, context, actor, button.report_id, button.version)
    if report is None:
        return
    note = t(context.config.default_locale, f"triage.reason_{button.reason.value}")
    await _move(update, context, actor, report, S.DECLINED, public_note=note)


@planner_only
async def on_merge(update: Update, context: CustomContext, actor: Actor) -> None:
    """`t:<report id>:<version>:mg:<report id>`: merge into a suggested duplicate."""
    button = TriageMerge.parse(pressed(update))
    report = await _report_for(update, context, actor, button.report_id, button.version)
    if report is None:
        return
    await _merge(update, context, actor, report, button.into_id)


@planner_only
async def on_stage(update: Update, context: CustomContext, actor: Actor) -> None:
    """`t:<report id>:<version>:go:<stage>` asks for a note; `gn` moves without one."""
    button = TriageStage.parse(pressed(update))
    report = await _report_for(update, context, actor, button.report_id, button.version)
    if report is None:
        return
    if button.with_note:
        await _ask_input(update, context, actor, report, "note", target=button.stage.value)
    else:
        await _move(update, context, actor, report, button.stage)


async def _ask_input(
    update: Update,
    context: CustomContext,
    actor: Actor,
    report: Report,
    action: str,
    *,
    target: str = "",
) -> None:
    assert update.callback_query is not None
    assert report.id is not None
    async with context.session() as session:
        await set_pending(
            session,
            person_id=actor.id,
            action=action,
            report_id=report.id,
            expected_version=report.version,
            target=target,
            now=context.now(),
        )
    await update.callback_query.answer()
    ref = format_ref(report.id)
    if action == "note":
        without = _stage_data(report, S(target), with_note=False)
        rows = [[(t(actor.locale, "triage.without_note"), without)]]
        key = "triage.ask_resolve_note" if target == S.RESOLVED else "triage.ask_note"
        status = t(actor.locale, f"status.{target}")
        await message_of(update).reply_text(
            t(actor.locale, key, ref=ref, status=status), reply_markup=inline(rows)
        )
        return
    key = {"ni": "triage.ask_question", "drt": "triage.ask_reason", "mgr": "triage.ask_ref"}[action]
    await message_of(update).reply_text(t(actor.locale, key, ref=ref), reply_markup=ForceReply())


async def _already_handled(update: Update, actor: Actor, refused: TransitionError) -> None:
    """Someone else moved the report first: say who, and where it is now."""
    await _reply_or_alert(
        update,
        actor.locale,
        "triage.already_handled",
        ref=format_ref(refused.report_id or 0),
        name=refused.by,
        status=plain(actor.locale, f"status.{refused.status}"),
    )


async def _close_question(context: CustomContext, actor: Actor) -> None:
    """The open question is moot once its report moved on: forget it, in a unit of work of
    its own (the refused move's was rolled back)."""
    async with context.session() as session:
        await clear_pending(session, person_id=actor.id)


async def _move(
    update: Update,
    context: CustomContext,
    actor: Actor,
    report: Report,
    to: ReportStatus,
    *,
    public_note: str = "",
    department: str | None = None,
    version: int | None = None,
) -> bool:
    """Make the move; report success or the race to the planner. True when it happened."""
    assert report.id is not None
    try:
        async with context.session() as session:
            moved = await move(
                session,
                report_id=report.id,
                expected_version=report.version if version is None else version,
                to=to,
                actor_id=actor.id,
                now=context.now(),
                public_note=public_note,
                department=department,
            )
            await clear_pending(session, person_id=actor.id)
    except TransitionError as exc:
        await _close_question(context, actor)
        if exc.code == "stale":
            await _already_handled(update, actor, exc)
        elif update.callback_query is not None:
            await answer_expired(update, actor.locale)
        else:
            await message_of(update).reply_text(t(actor.locale, "triage.not_allowed"))
        return False
    if update.callback_query is not None:
        await update.callback_query.answer()
        await message_of(update).edit_reply_markup(reply_markup=None)
    await message_of(update).reply_text(
        t(
            actor.locale,
            "triage.moved",
            ref=format_ref(report.id),
            status=t(actor.locale, f"status.{moved.status}"),
        )
    )
    context.bot_data.services.wake_outbox()
    if to in (S.ACCEPTED, S.DECLINED, S.NEEDS_INFO, S.DUPLICATE):
        await show_next(update, context, actor, after_id=0)
    return True


async def _merge(
    update: Update,
    context: CustomContext,
    actor: Actor,
    report: Report,
    into_id: int,
    *,
    version: int | None = None,
) -> None:
    assert report.id is not None
    locale = actor.locale
    async with context.session() as session:
        target = await get_report(session, report_id=into_id)
    if target is None or not actor.may_act_on(target):
        await _reply_or_alert(update, locale, "triage.no_such_report")
        return
    try:
        async with context.session() as session:
            _, root = await merge(
                session,
                report_id=report.id,
                into_id=into_id,
                expected_version=report.version if version is None else version,
                actor_id=actor.id,
                now=context.now(),
            )
            await clear_pending(session, person_id=actor.id)
    except TransitionError as exc:
        if exc.code == "stale":
            await _close_question(context, actor)
            await _already_handled(update, actor, exc)
        else:  # a wrong reference: the planner may type another
            await _reply_or_alert(update, locale, f"triage.merge_{exc.code}")
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
        await message_of(update).edit_reply_markup(reply_markup=None)
    await message_of(update).reply_text(
        t(locale, "triage.merged", ref=format_ref(report.id), root=format_ref(root.id or 0))
    )
    context.bot_data.services.wake_outbox()
    await show_next(update, context, actor)


async def _reply_or_alert(update: Update, locale: str, key: str, **params: object) -> None:
    """An alert for a button press (plain text), a message for typed input (HTML)."""
    if update.callback_query is not None:
        await update.callback_query.answer(plain(locale, key, **params), show_alert=True)
    else:
        await message_of(update).reply_text(t(locale, key, **params))


# --- what a planner types next ------------------------------------------------------------


async def on_planner_input(update: Update, context: CustomContext) -> None:
    """Runs before the resident conversation: a message that answers a pending question is
    taken here (and stops there); any other message continues to the features."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    async with context.session() as session:
        if not await has_pending(session, telegram_id=update.effective_user.id):
            return  # the common case: one query, and on to the features
    _caller, actor = await load_actor(update, context)
    if actor is None:
        return
    async with context.session() as session:
        pending = await get_pending(session, person_id=actor.id, now=context.now())
        report = await get_report(session, report_id=pending.report_id) if pending else None
    if pending is None or report is None:
        return
    await _take_input(update, context, actor, pending, report)
    raise ApplicationHandlerStop


async def _take_input(
    update: Update, context: CustomContext, actor: Actor, pending: PendingInput, report: Report
) -> None:
    message, locale = message_of(update), actor.locale
    text = (message.text or message.caption or "").strip()
    if pending.action == "note" and message.photo and pending.target == S.RESOLVED:
        if not await _store_after_photo(context, message, report):
            await message.reply_text(t(locale, "report.photo_unreadable"))
            return
    elif not text:
        await message.reply_text(t(locale, "triage.need_text"))
        return
    if len(text) > NOTE_LIMIT:
        await message.reply_text(t(locale, "triage.note_too_long", max=NOTE_LIMIT))
        return
    version = pending.expected_version
    if pending.action == "ni":
        await _move(update, context, actor, report, S.NEEDS_INFO, public_note=text, version=version)
    elif pending.action == "drt":
        await _move(update, context, actor, report, S.DECLINED, public_note=text, version=version)
    elif pending.action == "note":
        await _move(
            update, context, actor, report, S(pending.target), public_note=text, version=version
        )
    elif pending.action == "mgr":
        into = parse_ref(text)
        if into is None:
            await message.reply_text(t(locale, "triage.no_such_report"))
            return
        await _merge(update, context, actor, report, into, version=version)


async def _store_after_photo(context: CustomContext, message: Message, report: Report) -> bool:
    assert report.id is not None
    size = message.photo[-1]
    data = bytes(await (await context.bot.get_file(size.file_id)).download_as_bytearray())
    try:
        stored = await asyncio.to_thread(store_photo, data, media_dir=context.config.media_dir)
    except NotAnImageError:
        return False
    async with context.session() as session:
        await add_after_photo(
            session,
            report_id=report.id,
            stored=stored,
            file_id=size.file_id,
            file_unique_id=size.file_unique_id,
        )
    return True


def build_input_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    """For the group that runs before the features (see bot/app.py)."""
    private = filters.ChatType.PRIVATE & ~filters.COMMAND
    return [MessageHandler(private, on_planner_input)]


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("inbox", inbox, filters=private),
        CommandHandler("report", open_report, filters=private & filters.Regex(r"^/report\s+\S")),
        on(TriageButton, on_button),
        on(TriageDepartment, on_department),
        on(TriageDecline, on_decline),
        on(TriageMerge, on_merge),
        on(TriageStage, on_stage),
    ]
