"""`/reports`: every report of the planner's communities, filtered and paged; one tap opens
a card. Filters are buttons (`rl:`/`rm:`, handlers/buttons_reports.py) or typed:
`/reports overdue`, `/reports status=in_progress category=litter department=sanitation
community=xinhua-road oldest`."""

from __future__ import annotations

from dataclasses import replace

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers import inbox
from handlers.buttons import on, pressed
from handlers.buttons_reports import (
    CATEGORIES,
    DEPARTMENTS,
    STATUSES,
    FilterField,
    OpenReport,
    ReportsMenu,
    ReportsPage,
)
from handlers.common import inline, message_of, nav_row, plain, t
from handlers.context import CustomContext
from handlers.roles import Actor, planner_only
from storage.communities import community_name
from storage.listing import Listing, ListingError, ReportFilter, list_reports, scope_communities
from storage.models import Category, Community, Department, ReportStatus, format_ref

PAGE_SIZE = 8
Rows = list[list[tuple[str, str]]]


def parse_args(args: list[str]) -> tuple[ReportFilter, str | None]:
    """The typed filters; ValueError for a word that is none of them."""
    where, slug = ReportFilter(), None
    for arg in args:
        key, _, value = arg.lower().partition("=")
        if arg.lower() in ("overdue", "oldest", "newest") and not value:
            where = replace(
                where,
                overdue=where.overdue or key == "overdue",
                newest_first=where.newest_first if key == "overdue" else key == "newest",
            )
        elif key == "status" and value in {s.value for s in ReportStatus}:
            where = replace(where, status=ReportStatus(value))
        elif key == "category" and value in {c.value for c in Category}:
            where = replace(where, category=Category(value))
        elif key == "department" and value in {d.value for d in Department}:
            where = replace(where, department=Department(value))
        elif key == "community" and value:
            slug = value
        else:
            raise ValueError(arg)
    return where, slug


@planner_only
async def reports_command(update: Update, context: CustomContext, actor: Actor) -> None:
    try:
        where, slug = parse_args(context.args or [])
    except ValueError:
        await message_of(update).reply_text(
            t(
                actor.locale,
                "reports.usage",
                statuses=[s.value for s in STATUSES],
                categories=[c.value for c in CATEGORIES],
                departments=[d.value for d in DEPARTMENTS],
            )
        )
        return
    await show(update, context, actor, where, page=1, slug=slug)


async def show(
    update: Update,
    context: CustomContext,
    actor: Actor,
    where: ReportFilter,
    *,
    page: int,
    slug: str | None = None,
) -> None:
    """A page of the list: a button per report, the filters, the pages; a message for the
    command, the same message edited for a button."""
    try:
        async with context.session() as session:
            listing = await list_reports(
                session,
                scope=actor.scope,
                where=where,
                page=page,
                size=PAGE_SIZE,
                now=context.now(),
                hours=context.config.first_response_hours,
                stale_days=context.config.stale_days,
                community_slug=slug,
            )
            communities = await scope_communities(session, scope=actor.scope)
    except ListingError:
        await inbox.reply_or_alert(update, actor.locale, "reports.unknown_community", slug=slug)
        return
    locale = actor.locale
    text = t(
        locale,
        "reports.header",
        total=listing.total,
        page=listing.page,
        pages=listing.pages,
        filters=_chosen(locale, listing.where, communities),
    )
    markup = inline(_rows(locale, listing, many=len(communities) > 1))
    if update.callback_query is not None:
        await update.callback_query.answer()
        message = message_of(update)
        if message.reply_markup != markup or message.text_html != text:  # else: shown already
            await message.edit_text(text, reply_markup=markup)
    else:
        await message_of(update).reply_text(text, reply_markup=markup)


def _chosen(locale: str, where: ReportFilter, communities: list[Community]) -> list[str]:
    """The filters in force, in words."""
    chosen = [
        plain(locale, key)
        for key in (
            f"status.{where.status}" if where.status else "",
            f"category.{where.category}" if where.category else "",
            f"department.{where.department}" if where.department else "",
            "reports.overdue_only" if where.overdue else "",
        )
        if key
    ]
    chosen += [community_name(c, locale) for c in communities if c.id == where.community_id]
    return chosen


def _rows(locale: str, listing: Listing, *, many: bool) -> Rows:
    where = listing.where
    rows: Rows = [
        [
            (
                plain(
                    locale,
                    "reports.item",
                    ref=format_ref(item.report.id or 0),
                    status=plain(locale, f"status.{item.report.status}"),
                    late=item.late,
                ),
                OpenReport(item.report.id or 0).encode(),
            )
        ]
        for item in listing.items
    ]
    nav = nav_row(
        locale,
        page=listing.page,
        pages=listing.pages,
        data=lambda n: ReportsPage(n, where).encode(),
    )
    if nav:
        rows.append(nav)
    menus = [FilterField.STATUS, FilterField.CATEGORY, FilterField.DEPARTMENT]
    if many:
        menus.append(FilterField.COMMUNITY)
    labels = [
        (plain(locale, f"reports.menu_{f.value}"), ReportsMenu(f, where).encode()) for f in menus
    ]
    rows += [labels[:2], labels[2:]]
    overdue = replace(where, overdue=not where.overdue)
    order = replace(where, newest_first=not where.newest_first)
    rows.append(
        [
            (
                plain(locale, "reports.toggle_overdue", on=where.overdue),
                ReportsPage(1, overdue).encode(),
            ),
            (
                plain(locale, "reports.toggle_order", newest=where.newest_first),
                ReportsPage(1, order).encode(),
            ),
        ]
    )
    return rows


@planner_only
async def on_page(update: Update, context: CustomContext, actor: Actor) -> None:
    """`rl:<page>:<filter>`"""
    button = ReportsPage.parse(pressed(update))
    await show(update, context, actor, button.where, page=button.page)


@planner_only
async def on_menu(update: Update, context: CustomContext, actor: Actor) -> None:
    """`rm:<field>:<filter>`: the choices for one filter, each a first page."""
    button = ReportsMenu.parse(pressed(update))
    where, locale, field = button.where, actor.locale, button.field
    choices: list[tuple[str, ReportFilter]] = [
        (plain(locale, "reports.any"), _cleared(where, field))
    ]
    if field is FilterField.STATUS:
        choices += [(plain(locale, f"status.{s}"), replace(where, status=s)) for s in STATUSES]
    elif field is FilterField.CATEGORY:
        choices += [
            (plain(locale, f"category.{c}"), replace(where, category=c)) for c in CATEGORIES
        ]
    elif field is FilterField.DEPARTMENT:
        choices += [
            (plain(locale, f"department.{d}"), replace(where, department=d)) for d in DEPARTMENTS
        ]
    else:
        async with context.session() as session:
            communities = await scope_communities(session, scope=actor.scope)
        choices += [
            (community_name(c, locale), replace(where, community_id=c.id)) for c in communities
        ]
    rows = [[(label, ReportsPage(1, chosen).encode())] for label, chosen in choices]
    rows.append([(plain(locale, "triage.back"), ReportsPage(1, where).encode())])
    assert update.callback_query is not None
    await update.callback_query.answer()
    await message_of(update).edit_reply_markup(reply_markup=inline(rows))


def _cleared(where: ReportFilter, field: FilterField) -> ReportFilter:
    if field is FilterField.STATUS:
        return replace(where, status=None)
    if field is FilterField.CATEGORY:
        return replace(where, category=None)
    if field is FilterField.DEPARTMENT:
        return replace(where, department=None)
    return replace(where, community_id=None)


@planner_only
async def on_open(update: Update, context: CustomContext, actor: Actor) -> None:
    """`ro:<report id>`: the report's card, under the list."""
    await inbox.show_card(update, context, actor, OpenReport.parse(pressed(update)).report_id)


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("reports", reports_command, filters=private),
        on(ReportsPage, on_page),
        on(ReportsMenu, on_menu),
        on(OpenReport, on_open),
    ]
