"""The paged list of communities as inline buttons: chosen at /community, and in the report
conversation when the place named no community."""

from __future__ import annotations

from telegram import Update

from handlers.buttons import ChooseCommunity, CommunityByPin, CommunityPage
from handlers.common import PAGE_SIZE, Caller, inline, message_of, nav_row, paragraphs, plain, t
from handlers.context import CustomContext
from storage.communities import community_name
from storage.models import Community
from storage.residents import Page, communities_page


async def ask_community(
    update: Update,
    context: CustomContext,
    caller: Caller,
    *,
    page: int = 1,
    edit: bool = False,
    lead: str = "",
) -> None:
    """The paged community list, after `lead`."""
    async with context.session() as session:
        listed = await communities_page(session, page=page, size=PAGE_SIZE)
    await show_communities(update, caller, listed, edit=edit, lead=lead)


async def show_communities(
    update: Update,
    caller: Caller,
    listed: Page[Community],
    *,
    edit: bool = False,
    lead: str = "",
    question: str = "",
) -> None:
    """The list as inline buttons, with one more to find the community from a location
    instead (a request_location button needs a reply keyboard: a message of its own); in
    a report (`question` given) the place was given already, so there is no such button."""
    locale, message = caller.locale, message_of(update)
    if listed.total == 0:
        await message.reply_text(paragraphs(lead, t(locale, "start.no_communities")))
        return
    rows = [
        [(community_name(c, locale), ChooseCommunity(c.id or 0).encode())] for c in listed.items
    ]
    nav = nav_row(
        locale, page=listed.page, pages=listed.pages, data=lambda n: CommunityPage(n).encode()
    )
    if nav:
        rows.append(nav)
    if not question:
        rows.append([(plain(locale, "buttons.find_by_location"), CommunityByPin().encode())])
    text = question or t(locale, "start.choose_community", page=listed.page, pages=listed.pages)
    if edit and update.callback_query is not None:
        await message.edit_text(text, reply_markup=inline(rows))
        return
    await message.reply_text(paragraphs(lead, text), reply_markup=inline(rows))
