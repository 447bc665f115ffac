"""First contact and settings: /start, language, community (by list or by location), menu, help."""

from __future__ import annotations

from telegram import KeyboardButton, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

import prompts
from handlers.buttons import ChooseCommunity, CommunityPage, Language, on, pressed
from handlers.common import (
    PAGE_SIZE,
    Caller,
    answer_expired,
    community_label,
    inline,
    load_caller,
    menu_keyboard,
    message_of,
    nav_row,
    page_count,
    reply_keyboard,
    t,
)
from handlers.context import CustomContext
from storage.communities import (
    community_name,
    count_communities,
    get_community,
    list_communities,
    nearest_community,
)
from storage.people import set_community, set_locale


async def send_menu(update: Update, context: CustomContext, caller: Caller) -> None:
    label = await community_label(context, caller)
    await message_of(update).reply_text(
        t(caller.locale, "common.menu", community=label), reply_markup=menu_keyboard(caller.locale)
    )


async def ask_language(update: Update, caller: Caller) -> None:
    current = caller.locale
    labels = {code: t(code, f"buttons.lang_{code}") for code in prompts.LOCALES}
    row = [
        (
            t(current, "buttons.selected", label=label) if code == current else label,
            Language(code).encode(),
        )
        for code, label in labels.items()
    ]
    await message_of(update).reply_text(
        t(current, "start.choose_language"), reply_markup=inline([row])
    )


async def ask_community(
    update: Update, context: CustomContext, caller: Caller, *, page: int = 1, edit: bool = False
) -> None:
    """The paged community list, with a reply button to share a location instead."""
    locale = caller.locale
    async with context.session() as session:
        total = await count_communities(session)
        pages = page_count(total)
        page = min(max(page, 1), pages)
        communities = await list_communities(
            session, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    message = message_of(update)
    if total == 0:
        await message.reply_text(t(locale, "start.no_communities"))
        return
    rows = [[(community_name(c, locale), ChooseCommunity(c.id or 0).encode())] for c in communities]
    nav = nav_row(locale, page=page, pages=pages, data=lambda n: CommunityPage(n).encode())
    if nav:
        rows.append(nav)
    text = t(locale, "start.choose_community", page=page, pages=pages)
    if edit and update.callback_query is not None:
        await message.edit_text(text, reply_markup=inline(rows))
        return
    location_button = KeyboardButton(t(locale, "buttons.share_location"), request_location=True)
    await message.reply_text(text, reply_markup=inline(rows))
    await message.reply_text(
        t(locale, "start.share_location_hint"), reply_markup=reply_keyboard([[location_button]])
    )


async def start(update: Update, context: CustomContext) -> None:
    caller = await load_caller(update, context)
    if caller.created:
        await ask_language(update, caller)
        return
    if caller.person.community_id is None:
        await ask_community(update, context, caller)
        return
    await message_of(update).reply_text(
        t(caller.locale, "start.welcome", name=caller.person.first_name)
    )
    await send_menu(update, context, caller)


async def choose_language(update: Update, context: CustomContext) -> None:
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    locale = Language.parse(pressed(update)).locale
    async with context.session() as session:
        await set_locale(session, person=caller.person, locale=locale)
    await query.answer()
    await message_of(update).edit_text(t(locale, "start.language_set"))
    if caller.person.community_id is None:
        await ask_community(update, context, caller)
    else:
        await send_menu(update, context, caller)


async def community_page(update: Update, context: CustomContext) -> None:
    caller = await load_caller(update, context)
    page = CommunityPage.parse(pressed(update)).page
    assert update.callback_query is not None
    await update.callback_query.answer()
    await ask_community(update, context, caller, page=page, edit=True)


async def choose_community(update: Update, context: CustomContext) -> None:
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    community_id = ChooseCommunity.parse(pressed(update)).community_id
    async with context.session() as session:
        community = await get_community(session, community_id=community_id)
        if community is not None:
            assert community.id is not None
            await set_community(session, person=caller.person, community_id=community.id)
    if community is None:
        await answer_expired(update, caller.locale)
        return
    await query.answer()
    name = community_name(community, caller.locale)
    await message_of(update).edit_text(t(caller.locale, "start.community_set", name=name))
    await send_menu(update, context, caller)


async def community_by_location(update: Update, context: CustomContext, caller: Caller) -> None:
    """A shared location outside a report picks the nearest community, if it is close enough."""
    location = message_of(update).location
    assert location is not None
    async with context.session() as session:
        found = await nearest_community(session, lat=location.latitude, lon=location.longitude)
        if found is not None and found[2]:
            assert found[0].id is not None
            await set_community(session, person=caller.person, community_id=found[0].id)
    if found is None or not found[2]:
        await message_of(update).reply_text(t(caller.locale, "start.community_far"))
        await ask_community(update, context, caller)
        return
    community, distance, _inside = found
    await message_of(update).reply_text(
        t(
            caller.locale,
            "start.community_nearest",
            name=community_name(community, caller.locale),
            distance=round(distance),
        )
    )
    await send_menu(update, context, caller)


async def language_command(update: Update, context: CustomContext) -> None:
    await ask_language(update, await load_caller(update, context))


async def community_command(update: Update, context: CustomContext) -> None:
    await ask_community(update, context, await load_caller(update, context))


async def help_command(update: Update, context: CustomContext) -> None:
    caller = await load_caller(update, context)
    label = await community_label(context, caller)
    await message_of(update).reply_text(
        t(caller.locale, "common.help", community=label), reply_markup=menu_keyboard(caller.locale)
    )


def menu_filter(key: str) -> filters.BaseFilter:
    """Matches the label of menu button `key` in any locale."""
    return filters.Text([t(locale, key) for locale in prompts.LOCALES])


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("language", language_command, filters=private),
        CommandHandler("community", community_command, filters=private),
        CommandHandler("help", help_command, filters=private),
        MessageHandler(private & menu_filter("buttons.menu_language"), language_command),
        MessageHandler(private & menu_filter("buttons.menu_community"), community_command),
        MessageHandler(private & menu_filter("buttons.menu_help"), help_command),
        on(Language, choose_language),
        on(CommunityPage, community_page),
        on(ChooseCommunity, choose_community),
    ]
