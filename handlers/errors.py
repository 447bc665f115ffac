"""The last line: any unexpected exception becomes an apology with an incident code."""

from __future__ import annotations

import logging
import secrets

from telegram import Update
from telegram.error import Forbidden, TelegramError

from handlers.common import guess_locale, t
from handlers.context import CustomContext

logger = logging.getLogger("microspace.incidents")


def incident_code() -> str:
    return secrets.token_hex(3).upper()


async def on_error(update: object, context: CustomContext) -> None:
    """Log the traceback under a short code, and tell the person that code."""
    code = incident_code()
    logger.error("incident %s while handling %r", code, update, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, Forbidden):
        return  # the person blocked the bot: there is nobody to tell
    locale = guess_locale(update, context)
    if update.callback_query is not None:
        try:
            await update.callback_query.answer()
        except TelegramError:
            logger.info("incident %s: the callback query was already answered", code)
    try:
        await context.bot.send_message(
            update.effective_chat.id, t(locale, "common.apology", code=code)
        )
    except TelegramError:
        logger.warning("incident %s: could not deliver the apology", code, exc_info=True)
