"""First contact and settings: /start, language, community (by list or by location), menu, help.

A first /start does not ask the language when Telegram's `language_code` names one we speak
(it says which, and how to change it), nor the community: a photo starts a report at once,
and the report's place names the community (tests/conversation/test_fewer_steps.py).

Each update is answered with one message or one edit (issue 11: at most one paced Bot API
request per update, tests/conversation/test_paced_requests.py): a confirmation is the first
paragraph of the next question, and a tapped list is left as it is rather than edited.
"""

from __future__ import annotations

from telegram import KeyboardButton, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

import prompts
from handlers.buttons import ChooseCommunity, CommunityByPin, CommunityPage, Language, on, pressed
from handlers.common import (
    PAGE_SIZE,
    Caller,
    answer_expired,
    community_label,
    inline,
    load_caller,
    menu_keyboard,
    message_of,
    paragraphs,
    plain,
    remember,
    reply_keyboard,
    t,
)
from handlers.community_list import ask_community, show_communities
from handlers.context import CustomContext
from handlers.report_steps import in_community_step, on_community_step, show_community_step
from storage.residents import (
    choose_community,
    choose_locale,
    communities_page,
    settle_by_pin,
)


async def send_menu(update: Update, caller: Caller, *, lead: str = "") -> None:
    """The main menu and its keyboard, after `lead` (what the update did)."""
    await message_of(update).reply_text(
        paragraphs(lead, t(caller.locale, "common.menu", community=community_label(caller))),
        reply_markup=menu_keyboard(caller.locale),
    )


async def ask_language(update: Update, caller: Caller) -> None:
    current = caller.locale
    labels = {code: plain(code, f"buttons.lang_{code}") for code in prompts.LOCALES}
    row = [
        (
            plain(current, "buttons.selected", label=label) if code == current else label,
            Language(code).encode(),
        )
        for code, label in labels.items()
    ]
    await message_of(update).reply_text(
        t(current, "start.choose_language"), reply_markup=inline([row])
    )


def speaks(update: Update) -> bool:
    """Whether Telegram's language_code for the sender is a language we speak."""
    user = update.effective_user
    code = (user.language_code or "") if user is not None else ""
    return code.lower().replace("_", "-").split("-")[0] in prompts.LOCALES


async def start(update: Update, context: CustomContext) -> None:
    """A first /start: the language is Telegram's when we speak it (asked otherwise), and
    the community waits for the first report; the menu and its keyboard come at once."""
    caller = await load_caller(update, context)
    name = caller.person.first_name
    if caller.created and not speaks(update):
        await ask_language(update, caller)
    elif caller.created:
        await message_of(update).reply_text(
            t(caller.locale, "start.first_welcome", name=name),
            reply_markup=menu_keyboard(caller.locale),
        )
    else:
        await send_menu(update, caller, lead=t(caller.locale, "start.welcome", name=name))


async def on_language(update: Update, context: CustomContext) -> None:
    """`lang:<locale>`: the language chosen; then, in one new message, the menu and its
    keyboard in that language (a keyboard cannot come by an edit). The language question
    keeps its buttons: choosing again is harmless."""
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    locale = Language.parse(pressed(update)).locale
    async with context.session() as session:
        state = await choose_locale(session, caller=caller.state, locale=locale)
    caller = remember(context, state)
    await query.answer()
    await send_menu(update, caller, lead=t(locale, "start.language_set"))


async def on_community_page(update: Update, context: CustomContext) -> None:
    """`comp:<page>` of the community list."""
    caller = await load_caller(update, context)
    page = CommunityPage.parse(pressed(update)).page
    assert update.callback_query is not None
    await update.callback_query.answer()
    if in_community_step(caller):
        await show_community_step(update, context, caller, page=page)
    else:
        await ask_community(update, context, caller, page=page, edit=True)


async def on_community(update: Update, context: CustomContext) -> None:
    """`com:<community id>`: the community chosen from the list; the menu (it names the
    community) comes as a new message, since its keyboard cannot come by an edit. In a
    report that asks for the community, the report's."""
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    community_id = ChooseCommunity.parse(pressed(update)).community_id
    if in_community_step(caller):
        await on_community_step(update, context, caller, community_id)
        return
    async with context.session() as session:
        state = await choose_community(session, caller=caller.state, community_id=community_id)
    if state is None:
        await answer_expired(update, caller.locale)
        return
    caller = remember(context, state)
    await query.answer()
    await send_menu(update, caller)


async def on_community_by_pin(update: Update, context: CustomContext) -> None:
    """`comloc`: the button that asks for the location (a reply keyboard, so a message)."""
    caller = await load_caller(update, context)
    assert update.callback_query is not None
    await update.callback_query.answer()
    locale = caller.locale
    share = KeyboardButton(plain(locale, "buttons.share_location"), request_location=True)
    await message_of(update).reply_text(
        t(locale, "start.ask_location"), reply_markup=reply_keyboard([[share]])
    )


async def community_by_location(update: Update, context: CustomContext, caller: Caller) -> None:
    """A shared location outside a report picks the community it falls in, if any."""
    location = message_of(update).location
    assert location is not None
    async with context.session() as session:
        state, pin = await settle_by_pin(
            session, caller=caller.state, lat=location.latitude, lon=location.longitude
        )
        listed = (
            await communities_page(session, page=1, size=PAGE_SIZE)
            if pin.community is None
            else None
        )
    if listed is not None:
        far = t(caller.locale, "start.community_far")
        await show_communities(update, caller, listed, lead=far)
        return
    caller = remember(context, state)
    nearest = t(
        caller.locale,
        "start.community_nearest",
        name=community_label(caller),
        distance=round(pin.distance_m),
    )
    await send_menu(update, caller, lead=nearest)


async def language_command(update: Update, context: CustomContext) -> None:
    await ask_language(update, await load_caller(update, context))


async def community_command(update: Update, context: CustomContext) -> None:
    await ask_community(update, context, await load_caller(update, context))


async def help_command(update: Update, context: CustomContext) -> None:
    caller = await load_caller(update, context)
    await message_of(update).reply_text(
        t(caller.locale, "common.help", community=community_label(caller)),
        reply_markup=menu_keyboard(caller.locale),
    )


def menu_filter(key: str) -> filters.BaseFilter:
    """Matches the label of menu button `key` in any locale."""
    return filters.Text([plain(locale, key) for locale in prompts.LOCALES])


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
        on(Language, on_language),
        on(CommunityPage, on_community_page),
        on(ChooseCommunity, on_community),
        on(CommunityByPin, on_community_by_pin),
    ]
