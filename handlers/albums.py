"""Albums: Telegram sends an album as one message per photo, each its own update. A feature
that answers an album once schedules its answer here; every photo of the album moves it on,
so it runs `album_settle_seconds` after the last one (report photos, a notice's and a poll's
pictures)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Message

from handlers.context import CustomContext, replace_job

#: What runs once the album has settled: the job's context, with `AlbumJob` as its data.
Settled = Callable[[CustomContext], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class AlbumJob:
    """Who sent the album, and in which language to answer them."""

    chat_id: int
    user_id: int
    locale: str


def answer_album_once(
    context: CustomContext,
    message: Message,
    *,
    feature: str,
    user_id: int,
    locale: str,
    settled: Settled,
) -> None:
    """Run `settled` once, after the last photo of the album `message` belongs to."""
    assert context.job_queue is not None
    replace_job(
        context.job_queue,
        settled,
        name=f"{feature}-album:{message.chat_id}:{message.media_group_id}",
        when=context.config.album_settle_seconds,
        data=AlbumJob(message.chat_id, user_id, locale),
        chat_id=message.chat_id,
        user_id=user_id,
    )


def album_job(context: CustomContext) -> AlbumJob:
    """The album's sender, in a `settled` callback."""
    job = context.job
    assert job is not None
    assert isinstance(job.data, AlbumJob)
    return job.data
