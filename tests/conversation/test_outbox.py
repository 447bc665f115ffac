"""The outbox sender: nothing lost across restarts, errors retried, blocked people marked."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from bot.transport import REPLY_RETRIES
from botapi_sandbox import Person, Sandbox, make_photo
from storage.lifecycle import transition
from storage.models import OutboxMessage, Report, ReportStatus
from storage.models import Person as PersonRow
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_triage import (
    accept,
    expect_next_in_inbox,
    open_inbox,
    submit,
    to_stage,
)


async def accept_directly(bot: Bot, to: ReportStatus = ReportStatus.ACCEPTED) -> None:
    """A planner's accept (or another move), made straight in storage (as another process
    would)."""
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
        assert report.id is not None
        await transition(
            session,
            report_id=report.id,
            expected_version=report.version,
            to=to,
            actor_id=None,
            now=bot.clock(),
        )


async def outbox_rows(bot: Bot) -> list[OutboxMessage]:
    async with bot.session() as session:
        return list(
            (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        )


async def test_a_notice_written_while_the_bot_is_down_is_sent_after_start(
    bot: Bot, resident: Person
) -> None:
    await onboard(resident)
    await submit(resident, seed=1)
    await bot.stop()
    await accept_directly(bot)
    assert [r.status for r in await outbox_rows(bot)] == ["pending"]
    await bot.start()
    await resident.expect_message(containing="已受理")
    await resident.expect_no_message()
    assert [r.status for r in await outbox_rows(bot)] == ["sent"]


async def accepted_while_sends_fail(bot: Bot, sandbox: Sandbox, resident: Person) -> None:
    """The resident's report accepted while the next sends to them fail with 502s, beyond the
    request layer's own retries (so that the outbox's backoff is what is tested)."""
    await onboard(resident)
    await submit(resident, seed=1)
    sandbox.fail_next(
        "sendMessage", error_code=502, count=REPLY_RETRIES + 1, chat_id=resident.user_id
    )
    await accept_directly(bot)
    bot.wake_outbox()


async def test_a_5xx_is_retried_and_the_notice_arrives_once(
    bot: Bot, sandbox: Sandbox, resident: Person
) -> None:
    await accepted_while_sends_fail(bot, sandbox, resident)
    await resident.expect_message(containing="已受理", timeout=10)
    await resident.expect_no_message()
    (row,) = await outbox_rows(bot)
    assert row.status == "sent"
    assert row.attempts == 2  # claimed twice: the 502, then the send that went through
    assert "Bad Gateway" in row.last_error


async def test_a_blocked_resident_is_marked_unreachable(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    sandbox.block(resident.user_id)
    await open_inbox(planner, ref)
    await accept(planner, ref)
    await planner.expect_message(containing="inbox is empty")
    await sandbox.settle()  # the sender has tried: no row is left to send
    assert [r.status for r in await outbox_rows(bot)] == ["blocked"]
    async with bot.session() as session:
        person = (
            await session.exec(select(PersonRow).where(PersonRow.telegram_id == resident.user_id))
        ).one()
    assert person.unreachable
    # nothing more is queued for them
    await to_stage(planner, ref, "📅 Planned")
    assert len(await outbox_rows(bot)) == 1


async def test_a_resident_who_unblocks_and_writes_hears_again(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    sandbox.block(resident.user_id)
    await open_inbox(planner, ref)
    await accept(planner, ref)
    await expect_next_in_inbox(planner, None)
    await sandbox.settle()  # the sender has tried: no row is left to send
    sandbox.unblock(resident.user_id)
    await resident.send("/myreports")
    await resident.expect_message(containing="您的报告共 1 份")
    await to_stage(planner, ref, "📅 Planned")
    await resident.expect_message(containing="已列入计划")
    await sandbox.settle()
    assert [r.status for r in await outbox_rows(bot)] == ["blocked", "sent"]


async def test_me_too_follows_a_nearby_report_instead_of_a_new_one(
    bot: Bot, resident: Person, alice: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    await onboard(alice, english=True)
    await alice.tap("📷 Report a corner")
    await alice.expect_message(containing="Step 1")
    await alice.send_photo(make_photo(seed=9))
    await alice.expect_message(containing="Got 1 photo")
    await alice.tap("➡ Done with photos")
    await alice.expect_message(containing="Step 2")
    await alice.send_location(31.20692, 121.42731)
    await alice.expect_message(containing="Step 3")
    await alice.tap("🗑 Litter and piled junk")
    await alice.expect_message(containing="Step 4")
    await alice.tap("➡ Skip")
    review = await alice.expect_message(containing="Someone nearby already reported")
    assert f"🙋 Me too: {ref}" in review.buttons()
    await alice.tap(f"🙋 Me too: {ref}")
    await alice.expect_message(containing=f"you will hear about every step of {ref}")
    async with bot.session() as session:
        assert len((await session.exec(select(Report))).all()) == 1
    await accept_directly(bot)
    bot.wake_outbox()
    await alice.expect_message(containing=f"News on report {ref}: accepted")
    await resident.expect_message(containing="已受理")


async def test_a_notice_that_met_a_5xx_is_not_overtaken_by_the_next_one(
    bot: Bot, sandbox: Sandbox, resident: Person
) -> None:
    """The resident's first notice fails and waits out its backoff; the second, written
    meanwhile and due at once, waits for it: they arrive in the order of the moves."""
    await accepted_while_sends_fail(bot, sandbox, resident)
    for _ in range(250):  # until the first send has met its 502s and waits out its backoff
        (first,) = await outbox_rows(bot)
        if first.status == "pending" and first.attempts == 1:
            break
        await asyncio.sleep(0.02)
    assert (first.status, first.attempts) == ("pending", 1)
    assert "Bad Gateway" in first.last_error
    await accept_directly(bot, to=ReportStatus.PLANNED)
    bot.wake_outbox()
    await resident.expect_message(containing="已受理", timeout=10)
    await resident.expect_message(containing="已列入计划", timeout=10)
    await resident.expect_no_message()
    assert [row.status for row in await outbox_rows(bot)] == ["sent", "sent"]
