"""The status message of a notice going out: sent / total, unreachable and failed.

One JobQueue job, every NOTICE_PROGRESS_SECONDS: for each notice in `sending` it counts the
notice's outbox rows by outcome (`outbox_message.notice_id`), and edits the planner's status
message only when the counts changed since it last showed them (the shown counts are kept
on the notice). So the message is edited at most once per run, every few seconds at most,
whatever the size of the audience. When no row is left to send, the counts are final: the
notice is marked done with them (`/notices` shows them after sent rows are pruned) and the
message shows the final count. The job reads everything from rows: a restart mid-broadcast
picks up where the last one left.
"""

from __future__ import annotations

import logging

from telegram.error import TelegramError

from handlers.context import CustomContext
from handlers.notice_view import progress_text
from storage.notice_delivery import note_progress, sending_notices

logger = logging.getLogger(__name__)

NOTICE_PROGRESS_JOB = "notice-progress"
NOTICE_PROGRESS_SECONDS = 3.0


async def notice_progress_job(context: CustomContext) -> None:
    async with context.session() as session:
        going = await sending_notices(session)
    for notice, counts, locale in going:
        assert notice.id is not None
        if counts.shown() == notice.progress_shown:
            continue
        async with context.session() as session:
            changed = await note_progress(
                session, notice_id=notice.id, shown=counts, now=context.now()
            )
        if not changed or notice.status_chat_id is None or notice.status_message_id is None:
            continue
        try:
            await context.bot.edit_message_text(
                progress_text(locale, counts),
                chat_id=notice.status_chat_id,
                message_id=notice.status_message_id,
            )
        except TelegramError as exc:  # the message was deleted, say: the counts are kept
            logger.warning("notice %s: status message not edited: %s", notice.id, exc)
