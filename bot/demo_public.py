"""The demo's second half: answering, deciding and joining in, in public (issues 13 to 15).

The planner links the residents' council's group chat, sends a notice with a photo, opens a
naming poll and a short priority ballot; the poll and the ballot close and their results
reach the resident and the council; then a volunteer event, to which the resident signs up
with one tap; the council's digest comes last and covers all four (its chart is saved beside
the transcript). Jobs that would run at their time (the notice's
status message, closing the poll and the ballot) are run directly, as the tests do, after
the demo's clock is moved on where the rows say "not yet".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select
from telegram.ext import Application

from bot.ballot_jobs import job_name as ballot_job
from bot.notice_progress import NOTICE_PROGRESS_JOB
from bot.poll_jobs import job_name as poll_job
from botapi_sandbox import Group, Person, Sandbox, make_photo
from storage.ballot_models import Ballot
from storage.db import session_scope
from storage.poll_models import Poll

DEMO_CHART = "demo-digest.png"
COUNCIL_CHAT_ID = -1001001
NOTICE = "/notice xinhua-road | 楼后通道清理完毕 | 3 号楼后通道已清理，新装了路灯。谢谢大家配合！"
POLL = "/poll xinhua-road | 小花园叫什么名字？ | 桂花角 | 邻里院 | 向阳坊"
BALLOT = "/ballot xinhua-road | 2027 年第一批微更新项目 | 3 号楼后加装座椅 | 小花园铺设步道"
EVENT_TITLE = "3 号楼后墙墙绘"
EVENT = "/event xinhua-road | " + EVENT_TITLE + " | {start} | 3h | 3 号楼后墙 | 20"
EVENT_DAYS_AHEAD = 3  # the event starts at 09:00 local time, this many days after the clock

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class DemoClock:
    """The bot's clock in the demo: real time, moved forward when the walkthrough skips a
    day (so that a ballot comes due without waiting for it)."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self._now() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


async def in_public(
    sandbox: Sandbox,
    application: AnyApplication,
    clock: DemoClock,
    resident: Person,
    *,
    chart_to: Path | None,
) -> None:
    """The council's chat linked, then a notice, a poll, a ballot and an event; the digest
    last."""
    li = sandbox.person(user_id=2001, first_name="Planner Li", language_code="en")
    council = sandbox.group(chat_id=COUNCIL_CHAT_ID, title="新华路社区居民议事会")
    await council.member(li).send("/link committee xinhua-road")
    await council.expect_message(containing="议事群")
    await notice(application, li, resident, council)
    await naming_poll(sandbox, application, li, resident, council)
    await ballot(application, clock, li, resident, council)
    await volunteer_event(application, clock, li, resident, council)
    await committee_digest(sandbox, li, council, chart_to=chart_to)


async def notice(application: AnyApplication, li: Person, resident: Person, council: Group) -> None:
    """One line and a photo, the preview as residents will see it, Send; the status message
    ends with the final count."""
    await li.send(NOTICE)
    await li.expect_message(containing="楼后通道清理完毕")  # the preview, in Li's language
    await li.expect_message(containing="To: Xinhua Road Community: 1 resident + 1 group")
    await li.send_photo(make_photo(seed=9))
    preview = await li.expect_message(containing="楼后通道清理完毕")
    if not preview.photo:
        raise AssertionError("the notice's preview has no photo")
    await li.expect_message(containing="To: Xinhua Road Community")
    await li.tap("📨 Send (2)")
    await li.expect_edit(containing="Sending: 0 / 2")
    for chat in (resident, council):
        got = await chat.expect_message(containing="3 号楼后通道已清理")
        if not got.photo:
            raise AssertionError(f"the notice reached {chat.name} without its photo")
    await _run_job(application, NOTICE_PROGRESS_JOB)  # else within 3 s by itself
    await li.expect_edit(containing="Sent: 2 / 2 delivered")


async def naming_poll(
    sandbox: Sandbox, application: AnyApplication, li: Person, resident: Person, council: Group
) -> None:
    """A native poll to the resident and the council; she votes; at closing every copy is
    stopped and the result, with its chart, reaches her and the council."""
    await li.send(POLL)
    await li.expect_message(containing="To: Xinhua Road Community: 1 resident + 1 group")
    await li.tap("📨 Send (2)")
    await li.expect_edit(containing="Poll sent to 2 chats")
    mine = await resident.expect_message(containing="小花园叫什么名字？")
    await council.expect_message(containing="小花园叫什么名字？")
    await resident.vote(mine, [1])
    await _handled(sandbox, application)  # her vote is an update of its own
    async with session_scope(application.bot_data.services.engine) as session:
        poll_id = (await session.exec(select(Poll.id))).one()
    assert poll_id is not None
    await _run_job(application, poll_job(poll_id))  # as at its closing time, 7 days on
    for chat in (resident, council):
        result = await chat.expect_message(containing="邻里院")
        if not result.photo:
            raise AssertionError(f"the poll's result reached {chat.name} without its chart")


async def ballot(
    application: AnyApplication, clock: DemoClock, li: Person, resident: Person, council: Group
) -> None:
    """Two typed items, the residents vote (urgency and importance 1–3 on each), the
    ballot closes a day later and its ranking reaches the voter and the council."""
    await li.send(BALLOT)
    await li.expect_message(containing="Voters: all residents")
    await li.tap("▶ Open, closes in 1 day")
    await li.expect_message(containing="is open: 1 invited")
    await resident.expect_message(containing="请您为2027 年第一批微更新项目打分")
    await resident.tap("▶ 开始打分")
    for position, (urgency, importance) in enumerate(((2, 2), (3, 3)), start=1):
        item = await resident.expect_message(containing=f"第 {position}/2 项")
        await resident.tap(f"紧迫 {urgency}", message=item)
        await resident.expect_edit(containing=f"紧迫：{urgency}")
        await resident.tap(f"重要 {importance}", message=item)
        await resident.expect_edit(containing=f"重要：{importance}")
        if position == 1:
            await resident.tap("下一项 ➡")
    clock.advance(timedelta(days=1, minutes=1))  # a day later
    async with session_scope(application.bot_data.services.engine) as session:
        ballot_id = (await session.exec(select(Ballot.id))).one()
    assert ballot_id is not None
    await _run_job(application, ballot_job(ballot_id))
    for chat in (resident, council):
        await chat.expect_message(containing="第 1 位：小花园铺设步道")


async def volunteer_event(
    application: AnyApplication, clock: DemoClock, li: Person, resident: Person, council: Group
) -> None:
    """An event in one line, a few days ahead; its preview, Publish; the invitation reaches
    the resident and the council; she signs up with one tap and sees it in /myevents."""
    tz = application.bot_data.services.config.timezone
    day = clock().astimezone(tz) + timedelta(days=EVENT_DAYS_AHEAD)
    start = day.replace(hour=9, minute=0).strftime("%Y-%m-%d %H:%M")
    await li.send(EVENT.format(start=start))
    await li.expect_message(containing="Publishing invites 1 resident and 1 committee chat.")
    await li.tap("✅ Publish")
    await li.expect_message(containing="is published: 2 invited")
    invitation = await resident.expect_message(containing=f"{start} · 3 号楼后墙")
    if invitation.buttons() != ["🙋 报名"]:
        raise AssertionError(f"the invitation's buttons are {invitation.buttons()}")
    await council.expect_message(containing=EVENT_TITLE)
    await resident.tap("🙋 报名", message=invitation)
    await resident.expect_message(containing="已报名 1/20 人")
    await resident.send("/myevents")
    await resident.expect_message(containing=f"{EVENT_TITLE} · {start} · 已报名")


async def committee_digest(
    sandbox: Sandbox, li: Person, council: Group, *, chart_to: Path | None
) -> None:
    """A weekly digest scheduled, and one now: its text (the notice, the poll, the ballot and
    the upcoming event with its sign-ups among its sections), then its chart."""
    await council.member(li).send("/digest_schedule weekly mon 09:00")
    await council.expect_message(containing="每周一 09:00")
    await council.member(li).send("/digest")
    digest = await council.expect_message(containing="简报")
    sections = ("楼后通道清理完毕", "小花园叫什么名字？", "2027 年第一批微更新项目")
    for section in (*sections, f"{EVENT_TITLE} · ", " · 已报名 1/20"):
        if section not in digest.text:
            raise AssertionError(f"the digest does not mention {section}")
    chart = await council.expect_message()
    stored = sandbox.files.get(chart.photo[-1]) if chart.photo else None
    if stored is None or stored.data is None:
        raise AssertionError("the digest's chart did not arrive")
    if chart_to is not None:
        await asyncio.to_thread(_save, chart_to / DEMO_CHART, stored.data)


async def _handled(sandbox: Sandbox, application: AnyApplication) -> None:
    """Every update so far fetched (the sandbox's barrier) and handled (PTB's queue)."""
    await sandbox.settle()
    await application.update_queue.join()


async def _run_job(application: AnyApplication, name: str) -> None:
    assert application.job_queue is not None
    (job,) = application.job_queue.get_jobs_by_name(name)
    await job.run(application)


def _save(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
