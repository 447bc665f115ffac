"""/stats and /export for planners: the figures of the last 30 days, and the open-data file."""

from __future__ import annotations

import io
from datetime import timedelta

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers.common import t
from handlers.context import CustomContext
from handlers.roles import Actor, planner_only, refuse
from storage.communities import get_community
from storage.export import export_rows, to_csv
from storage.models import Category, ReportStatus
from storage.roles import community_by_slug
from storage.stats import Stats, report_stats

WINDOW = timedelta(days=30)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _count_lines(locale: str, prefix: str, order: list[str], counts: dict[str, int]) -> list[str]:
    """`label: count` lines in the order of `order`, for the non-zero counts."""
    return [
        t(locale, "stats.count_line", label=t(locale, f"{prefix}.{code}"), count=counts[code])
        for code in order
        if counts.get(code)
    ]


def render_stats(locale: str, stats: Stats) -> str:
    statuses = _count_lines(locale, "status", [s.value for s in ReportStatus], stats.by_status)
    categories = _count_lines(locale, "category", [c.value for c in Category], stats.by_category)
    median = stats.median_hours_to_first_response
    return t(
        locale,
        "stats.summary",
        total=stats.total,
        response_rate=_percent(stats.response_rate),
        responded=stats.responded_in_time,
        median="–" if median is None else f"{median:.1f}",
        resolution_rate=_percent(stats.resolution_rate),
        resolved=stats.resolved,
        satisfaction_rate=_percent(stats.satisfaction_rate),
        satisfied=stats.satisfied,
        rated=stats.rated,
        overdue=stats.overdue,
        statuses=statuses,
        categories=categories,
    )


@planner_only
async def stats_command(update: Update, context: CustomContext, actor: Actor) -> None:
    now = context.now()
    async with context.session() as session:
        stats = await report_stats(
            session,
            community_ids=list(actor.community_ids),
            since=now - WINDOW,
            until=now,
            first_response_hours=context.config.first_response_hours,
        )
    assert update.effective_message is not None
    await update.effective_message.reply_text(render_stats(actor.locale, stats))


@planner_only
async def export_command(update: Update, context: CustomContext, actor: Actor) -> None:
    """/export [community slug]: the community's reports as CSV, without personal data."""
    message = update.effective_message
    assert message is not None
    args = context.args or []
    async with context.session() as session:
        if args:
            community = await community_by_slug(session, slug=args[0])
        elif len(actor.community_ids) == 1:
            community = await get_community(session, community_id=actor.community_ids[0])
        else:
            community = None
        if community is None or not actor.serves(community.id):
            rows = None
        else:
            rows = await export_rows(session, community_id=community.id)
    if community is None:
        await message.reply_text(t(actor.locale, "stats.export_usage"))
        return
    if rows is None:
        await refuse(update, actor.locale)
        return
    data = ("\ufeff" + to_csv(rows)).encode("utf-8")  # the BOM lets Excel read UTF-8
    name = f"{community.slug}-reports-{context.now():%Y%m%d}.csv"
    await message.reply_document(
        InputFile(io.BytesIO(data), filename=name),
        caption=t(actor.locale, "stats.export_caption", count=len(rows)),
    )


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("stats", stats_command, filters=private),
        CommandHandler("export", export_command, filters=private),
    ]
