"""Notices being written: the planner's wizard (or one line) as a `notice` row in `draft`.

One draft per planner (`uq_notice_draft_author`); starting another cancels the old one. Each
change bumps the notice's `version`, which a preview's buttons carry, so a Send under an old
preview is refused as stale instead of sending what the planner did not see. Sending is in
`storage/notice_delivery.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.communities import get_community
from storage.media import StoredPhoto
from storage.models import Community, Report, ReportPhoto
from storage.notice_models import Notice, NoticePhoto, NoticeStatus, NoticeStep
from storage.triage import Scope
from storage.writes import insert_or_skip

MAX_TITLE = 100  # characters; the whole notice must also fit one message (`Check`)
MAX_BODY = 4096
MAX_PHOTOS = 10  # Telegram's album limit, the report's before/after photos included


class NoticeError(ValueError):
    """A refusal with a code the handler puts into words (`notices.error_<code>`)."""

    def __init__(self, code: str, *, part: str = "", over: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.part, self.over = part, over  # too_long: which part, by how many characters


#: The handler's check of the notice's words against Telegram's limits, given what the
#: notice's outbox rows would carry; it raises NoticeError("too_long", …). Run before the
#: change is flushed, so a notice that does not fit is refused and nothing is kept.
Check = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Draft:
    notice: Notice
    community: Community
    photos: int


async def _cancel_drafts(session: AsyncSession, *, author_id: int) -> None:
    await session.exec(
        update(Notice)
        .where(col(Notice.author_id) == author_id, col(Notice.status) == NoticeStatus.DRAFT)
        .values(status=NoticeStatus.CANCELLED)
    )


async def start_notice(
    session: AsyncSession,
    *,
    scope: Scope,
    community_id: int,
    now: datetime,
    title: str = "",
    body: str = "",
    report_id: int | None = None,
    followers_only: bool = False,
    check: Check | None = None,
) -> Draft:
    """A new draft (any older draft of the planner is cancelled): at the title step, or
    with title and text given (one line) at the compose step."""
    if not scope.covers(community_id):
        raise NoticeError("not_permitted")
    community = await get_community(session, community_id=community_id)
    if community is None:
        raise NoticeError("not_found")
    await _cancel_drafts(session, author_id=scope.person_id)
    step = NoticeStep.COMPOSE if title else NoticeStep.TITLE
    notice = Notice(community_id=community_id, author_id=scope.person_id, step=step, created_at=now)
    if title:
        check_title(title)
        check_body(body)
        notice.title, notice.body = title.strip(), body.strip()
    session.add(notice)
    await session.flush()
    if report_id is not None:
        await link_report(
            session, notice=notice, report_id=report_id, followers_only=followers_only
        )
    if check is not None and title:
        check(await notice_content(session, notice=notice))
    return Draft(notice, community, 0)


def check_title(title: str) -> None:
    if not title.strip():
        raise NoticeError("title_missing")
    if len(title.strip()) > MAX_TITLE:
        raise NoticeError("too_long", part="title", over=len(title.strip()) - MAX_TITLE)


def check_body(body: str) -> None:
    if not body.strip():
        raise NoticeError("body_missing")
    if len(body.strip()) > MAX_BODY:
        raise NoticeError("too_long", part="body", over=len(body.strip()) - MAX_BODY)


async def write_step(
    session: AsyncSession, *, notice: Notice, text: str, check: Check | None = None
) -> Notice:
    """The wizard's typed answer: the title, then the text."""
    if notice.step == NoticeStep.TITLE:
        check_title(text)
        notice.title, notice.step = text.strip(), NoticeStep.BODY
    elif notice.step == NoticeStep.BODY:
        check_body(text)
        notice.body, notice.step = text.strip(), NoticeStep.COMPOSE
        if check is not None:
            check(await notice_content(session, notice=notice))
    else:
        raise NoticeError("compose_hint")
    return await _bump(session, notice)


async def _bump(session: AsyncSession, notice: Notice) -> Notice:
    notice.version += 1
    session.add(notice)
    await session.flush()
    return notice


async def add_notice_photo(
    session: AsyncSession,
    *,
    notice: Notice,
    stored: StoredPhoto,
    file_id: str,
    file_unique_id: str,
) -> int:
    """One more photo (the same photo twice counts once); how many the notice now has."""
    if notice.step != NoticeStep.COMPOSE:
        raise NoticeError("photo_too_early")
    assert notice.id is not None
    count = await photo_count(session, notice_id=notice.id)
    if count + len(await _report_photos(session, notice)) >= MAX_PHOTOS:
        raise NoticeError("too_many_photos")
    row = NoticePhoto(
        notice_id=notice.id,
        position=count + 1,
        telegram_file_id=file_id,
        file_unique_id=file_unique_id,
        path=stored.path,
        width=stored.width,
        height=stored.height,
    )
    if await insert_or_skip(session, row, conflict=("notice_id", "file_unique_id")) is None:
        return count
    await _bump(session, notice)
    return count + 1


async def photo_count(session: AsyncSession, *, notice_id: int) -> int:
    query = select(func.count()).select_from(NoticePhoto).where(NoticePhoto.notice_id == notice_id)
    return int((await session.exec(query)).one())


async def link_report(
    session: AsyncSession,
    *,
    notice: Notice,
    report_id: int,
    followers_only: bool = False,
    check: Check | None = None,
) -> Notice:
    """Show a report's before and after photos with the notice (a report of its community)."""
    report = await session.get(Report, report_id)
    if report is None or report.community_id != notice.community_id:
        raise NoticeError("no_report")
    notice.report_id, notice.followers_only = report_id, followers_only
    if check is not None:
        check(await notice_content(session, notice=notice))
    return await _bump(session, notice)


async def set_audience(
    session: AsyncSession, *, scope: Scope, notice_id: int, version: int, followers_only: bool
) -> Notice:
    """The whole community, or only the linked report's followers (from the preview)."""
    notice = await draft_for(session, scope=scope, notice_id=notice_id, version=version)
    if notice.report_id is None:
        raise NoticeError("stale")
    notice.followers_only = followers_only
    return await _bump(session, notice)


async def cancel_notice(
    session: AsyncSession, *, scope: Scope, notice_id: int, version: int
) -> Notice:
    """Cancel a draft, at any step of the wizard (its message carries the version)."""
    notice = await draft_for(
        session, scope=scope, notice_id=notice_id, version=version, composed=False
    )
    notice.status = NoticeStatus.CANCELLED
    session.add(notice)
    return notice


async def draft_for(
    session: AsyncSession, *, scope: Scope, notice_id: int, version: int, composed: bool = True
) -> Notice:
    """The author's draft as its preview showed it; refusals say why it is not."""
    notice = await session.get(Notice, notice_id, with_for_update=True)
    if notice is None or notice.author_id != scope.person_id:
        raise NoticeError("not_found")
    if notice.status in (NoticeStatus.SENDING, NoticeStatus.DONE):
        raise NoticeError("already_sent")
    if notice.status == NoticeStatus.CANCELLED:
        raise NoticeError("cancelled")
    if notice.version != version or (composed and notice.step != NoticeStep.COMPOSE):
        raise NoticeError("stale")
    if not scope.covers(notice.community_id):
        raise NoticeError("not_permitted")
    return notice


async def _report_photos(session: AsyncSession, notice: Notice) -> list[ReportPhoto]:
    """The linked report's first "before" photo and its latest "after" photo, if any."""
    if notice.report_id is None:
        return []
    query = (
        select(ReportPhoto)
        .where(ReportPhoto.report_id == notice.report_id)
        .order_by(col(ReportPhoto.position))
    )
    photos = list((await session.exec(query)).all())
    before = [p for p in photos if p.kind == "before"][:1]
    after = [p for p in photos if p.kind == "after"][-1:]
    return before + after


async def notice_content(session: AsyncSession, *, notice: Notice) -> dict[str, Any]:
    """What every recipient's outbox row carries (and what the preview shows): the words and
    the album, as Telegram file ids or stored paths (a photo a resident sent as a file)."""
    assert notice.id is not None
    community = await get_community(session, community_id=notice.community_id)
    assert community is not None
    photos = await session.exec(
        select(NoticePhoto)
        .where(NoticePhoto.notice_id == notice.id)
        .order_by(col(NoticePhoto.position))
    )
    media: list[dict[str, str]] = [{"file_id": p.telegram_file_id} for p in photos.all()]
    for photo in await _report_photos(session, notice):
        source = (
            {"file_id": photo.telegram_file_id}
            if photo.file_kind == "photo"
            else {"path": photo.path}
        )
        media.append({**source, "kind": photo.kind})
    content: dict[str, Any] = {
        "notice_id": notice.id,
        "title": notice.title,
        "body": notice.body,
        "community_zh": community.name_zh,
        "community_en": community.name_en,
        "media": media[:MAX_PHOTOS],
    }
    if notice.report_id is not None:
        content["report_id"] = notice.report_id
    return content


async def start_by_slug(
    session: AsyncSession,
    *,
    scope: Scope,
    slug: str,
    title: str,
    body: str,
    report_id: int | None,
    now: datetime,
    check: Check | None = None,
) -> Draft:
    """The one-line `/notice slug | title | text [| R-…]`."""
    query = select(Community.id).where(Community.slug == slug.strip())
    community_id = (await session.exec(query)).first()
    if community_id is None:
        raise NoticeError("unknown_community")
    return await start_notice(
        session,
        scope=scope,
        community_id=community_id,
        now=now,
        title=title,
        body=body,
        report_id=report_id,
        check=check,
    )
