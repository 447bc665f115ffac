"""Group chats: `/link`, `/unlink`, and what Telegram tells about the group itself.

`/link committee SLUG [zh|en]` makes a group the committee chat of a community (its digests
go there); `/link department CODE [SLUG] [zh|en]` makes it a department's working group. Only
a planner of that community may link or unlink it (admins: any); the check uses the planner's
scope from handlers/roles.py. The bot removed from a group unlinks it; a group that becomes a
supergroup keeps its link under the new id. In a group, the gate (handlers/gate.py) lets
through only `GROUP_COMMANDS`, and these service updates.
"""

from __future__ import annotations

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.ext import BaseHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

import prompts
from handlers.common import guess_locale, message_of, t
from handlers.context import CustomContext
from handlers.roles import Actor, load_actor, refuse
from storage.communities import community_name, get_community
from storage.groups import bot_removed, chat_migrated, link_chat, linked_chat, unlink_chat
from storage.models import ChatKind, Community, LinkedChat
from storage.roles import community_by_slug

#: the commands that work in a group chat; every other command there gets the gate's answer
GROUP_COMMANDS = ("link", "unlink", "digest", "digest_schedule")
GONE = (ChatMember.LEFT, ChatMember.BANNED)


def may_manage(actor: Actor | None, community_id: int | None) -> bool:
    """Who may link, unlink and schedule a group: a planner of its community, or an admin."""
    return actor is not None and (actor.is_admin or actor.serves(community_id))


def _split_locale(args: list[str], default: str) -> tuple[list[str], str]:
    """A trailing `zh` / `en` is the group's language."""
    if args and args[-1].lower() in prompts.LOCALES:
        return args[:-1], args[-1].lower()
    return args, default


async def link(update: Update, context: CustomContext) -> None:
    """/link committee SLUG [locale] | /link department CODE [SLUG] [locale]."""
    message = message_of(update)
    caller, actor = await load_actor(update, context)
    if actor is None:
        await refuse(update, caller.locale)
        return
    args, locale = _split_locale(context.args or [], context.config.default_locale)
    departments = ", ".join(context.config.departments)
    kind = args[0].lower() if args else ""
    if (
        kind not in set(ChatKind)
        or len(args) not in (2, 3)
        or (kind == ChatKind.COMMITTEE and len(args) != 2)
    ):
        await message.reply_text(t(actor.locale, "groups.link_usage", departments=departments))
        return
    department = args[1] if kind == ChatKind.DEPARTMENT else None
    if department is not None and department not in context.config.departments:
        await message.reply_text(
            t(actor.locale, "groups.unknown_department", code=department, departments=departments)
        )
        return
    slug = args[1] if kind == ChatKind.COMMITTEE else (args[2] if len(args) == 3 else None)
    linked: LinkedChat | None = None
    async with context.session() as session:
        community = None if slug is None else await community_by_slug(session, slug=slug)
        if slug is None and len(actor.community_ids) == 1:
            community = await get_community(session, community_id=actor.community_ids[0])
        allowed = community is not None and may_manage(actor, community.id)
        city_wide = slug is None and community is None and actor.is_admin
        if allowed or city_wide:
            linked = await link_chat(
                session,
                chat_id=message.chat_id,
                kind=ChatKind(kind),
                community_id=None if community is None else community.id,
                department=department,
                locale=locale,
                by=actor.id,
                now=context.now(),
            )
    if slug is not None and community is None:
        await message.reply_text(t(actor.locale, "roles.unknown_community", slug=slug))
    elif slug is None and community is None and not city_wide:
        await message.reply_text(t(actor.locale, "groups.which_community"))
    elif not (allowed or city_wide):
        await refuse(update, actor.locale)
    else:
        assert linked is not None
        assert linked.id is not None
        await context.services.digests_changed(linked.id)
        await message.reply_text(_linked_text(linked, community))


def _linked_text(linked: LinkedChat, community: Community | None) -> str:
    locale = linked.locale
    name = (
        community_name(community, locale)
        if community is not None
        else t(locale, "groups.all_communities")
    )
    if linked.kind == ChatKind.COMMITTEE:
        return t(locale, "groups.linked_committee", community=name)
    department = t(locale, f"department.{linked.department}")
    return t(locale, "groups.linked_department", department=department, community=name)


async def unlink(update: Update, context: CustomContext) -> None:
    """/unlink: only a planner of the group's community (or an admin)."""
    message = message_of(update)
    caller, actor = await load_actor(update, context)
    async with context.session() as session:
        linked = await linked_chat(session, chat_id=message.chat_id)
        allowed = linked is not None and may_manage(actor, linked.community_id)
        if allowed:
            await unlink_chat(session, chat_id=message.chat_id)
    if linked is None:
        await message.reply_text(t(caller.locale, "groups.how_to_link"))
    elif not allowed:
        await refuse(update, caller.locale)
    else:
        assert linked.id is not None
        await context.services.digests_changed(linked.id)
        await message.reply_text(t(linked.locale, "groups.unlinked"))


async def on_my_membership(update: Update, context: CustomContext) -> None:
    """The bot was added to a group (it says how to link), or removed (the group is
    unlinked and its digests stop)."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    was, now = change.old_chat_member.status, change.new_chat_member.status
    if now in GONE:
        async with context.session() as session:
            linked = await linked_chat(session, chat_id=change.chat.id)
            await bot_removed(session, chat_id=change.chat.id)
        if linked is not None and linked.id is not None:
            await context.services.digests_changed(linked.id)
    elif was in GONE and change.chat.type != "private":
        locale = prompts.normalise_locale(change.from_user.language_code)
        await context.bot.send_message(change.chat.id, t(locale, "groups.how_to_link"))


async def on_migrate(update: Update, context: CustomContext) -> None:
    """A group became a supergroup: Telegram says so in the old chat (`migrate_to_chat_id`)
    and in the new one (`migrate_from_chat_id`); either moves the link, once."""
    message = message_of(update)
    if message.migrate_to_chat_id is not None:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    async with context.session() as session:
        await chat_migrated(session, old_chat_id=old, new_chat_id=new)


async def group_only(update: Update, context: CustomContext) -> None:
    """A group command sent privately: it works in the group it is about."""
    await message_of(update).reply_text(t(guess_locale(update, context), "groups.in_group_only"))


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    groups = filters.ChatType.GROUPS
    return [
        CommandHandler("link", link, filters=groups),
        CommandHandler("unlink", unlink, filters=groups),
        CommandHandler(list(GROUP_COMMANDS), group_only, filters=filters.ChatType.PRIVATE),
        ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate),
    ]
