"""At most one paced Bot API request per update (issue 11): a request that carries a `chat_id`
(sendMessage, sendPhoto, editMessageText…) is held to 30/s overall by PTB's AIORateLimiter,
so a reply of two such requests halves how many residents the bot can answer.
answerCallbackQuery carries no chat_id and is not paced (every tap is still answered: the
`sandbox` fixture fails a test with an unanswered tap).

The whole report conversation is walked in both locales, with its ways back, the edits from
the review card, a resumed draft and a cancel; the sandbox's recorded calls are attributed
to each update by settling (every update handled, the outbox drained) before and after it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from botapi_sandbox import Person, Sandbox, make_photo
from tests.conversation.conftest import Bot

Act = Callable[[], Awaitable[object]]


@dataclass
class PacedMeter:
    """Paced requests (calls with a chat_id) per update, in the order the updates came."""

    sandbox: Sandbox
    person: Person
    counts: list[tuple[str, int]] = field(default_factory=list)

    async def update(self, name: str, act: Act, *replies: str, edited: str = "") -> None:
        """Send one update and read what answers it: the new messages containing each of
        `replies`, in order, or an edit containing `edited`; count its paced requests."""
        await self.sandbox.settle()
        first = len(self.sandbox.calls)
        await act()
        for text in replies:
            await self._new_message(text)
        if edited:
            await self.person.expect_edit(containing=edited)
        await self.sandbox.settle()
        paced = [c for c in self.sandbox.calls[first:] if "chat_id" in c.params]
        self.counts.append((name, len(paced)))

    async def _new_message(self, containing: str) -> None:
        """The next bot message containing `containing`; messages before it are stepped over
        (they are counted all the same: this test is about requests, test_report_flow.py
        reads the messages strictly)."""
        while containing not in (await self.person.skip_message()).text:
            pass

    def over_budget(self) -> list[tuple[str, int]]:
        return [(name, n) for name, n in self.counts if n > 1]


def table(counts: list[tuple[str, int]]) -> str:
    return "\n".join(f"  {n} paced  {name}" for name, n in counts)


def assert_one_paced_request_each(meter: PacedMeter) -> None:
    assert meter.over_budget() == [], "more than one paced request:\n" + table(meter.counts)
    silent = [name for name, n in meter.counts if n == 0]
    assert silent == [], f"updates answered with no message or edit: {silent}"


async def test_report_conversation_in_chinese_with_the_ways_back(
    bot: Bot, sandbox: Sandbox, resident: Person
) -> None:
    p, meter = resident, PacedMeter(sandbox, resident)
    u = meter.update
    await u("/start", lambda: p.send("/start"), "我会用中文和您交流")
    await u("tap community button", lambda: p.tap("🏘 社区"), "请选择您所在的社区")
    await u("tap community", lambda: p.tap("新华路社区"), "社区：")
    await u("tap report", lambda: p.tap("📷 反映问题"), "第 1 步")
    await u("photo", lambda: p.send_photo(make_photo(seed=1)), "已收到 1 张照片")
    await u("photo 2", lambda: p.send_photo(make_photo(seed=2)), "已收到 2 张照片")
    await u("tap photos done", lambda: p.tap("➡ 照片好了，下一步"), "第 2 步")
    await u("back from the place", lambda: p.tap("⬅ 上一步"), "已收到 2 张照片")
    await u("tap photos done again", lambda: p.tap("➡ 照片好了，下一步"), "第 2 步")
    await u("location", lambda: p.send_location(31.2069, 121.4273), "第 3 步")
    await u("back from the category", lambda: p.tap("⬅ 上一步"), "第 2 步")
    await u("voice at the place", lambda: p.send_voice(), "语音我会在")
    await u("tap landmark", lambda: p.tap("社区文化活动中心"), "第 3 步")
    await u("back again", lambda: p.tap("⬅ 上一步"), "第 2 步")
    await u("typed address", lambda: p.send("幸福路12号楼后面"), "第 3 步")
    await u("tap category", lambda: p.tap("🗑 垃圾与杂物堆放"), "第 4 步")
    await u("back from the words", lambda: p.tap("⬅ 上一步"), "第 3 步")
    await u("tap category again", lambda: p.tap("🌳 绿化"), "第 4 步")
    await u("tap skip", lambda: p.tap("➡ 跳过"), "请确认您的报告")
    await u("back from the review", lambda: p.tap("⬅ 上一步"), "第 4 步")
    await u("voice as the words", lambda: p.send_voice(), "请确认您的报告")
    await u("back again", lambda: p.tap("⬅ 上一步"), "第 4 步")
    await u("words", lambda: p.send("楼后通道堆满旧家具"), "请确认您的报告")
    await u("tap confirm", lambda: p.tap("✅ 确认提交"), "R-000001")
    await u("/start again", lambda: p.send("/start"), "欢迎")
    await u("tap report again", lambda: p.tap("📷 反映问题"), "第 1 步")
    await u("photo, a new draft", lambda: p.send_photo(make_photo(seed=3)), "已收到 1 张照片")
    await u("resume", lambda: p.send("/report"), "接着来")
    keyboard = p.last_message  # its reply keyboard (the confirmed card still has a ✖ 取消)
    await u("tap cancel", lambda: p.tap("✖ 取消", message=keyboard), "要放弃这份报告吗")
    await u("keep going", lambda: p.tap("↩ 继续填写"), "已收到 1 张照片")
    await u("cancel again", lambda: p.send("/cancel"), "要放弃这份报告吗")
    await u("discard", lambda: p.tap("🗑 放弃这份报告"), "已取消这份报告")
    assert_one_paced_request_each(meter)


async def test_report_conversation_in_english_with_edits_from_the_review(
    bot: Bot, sandbox: Sandbox, alice: Person
) -> None:
    p, meter = alice, PacedMeter(sandbox, alice)
    u = meter.update
    await u("/start", lambda: p.send("/start"), "I will speak English")
    await u("tap community button", lambda: p.tap("🏘 Community"), "Please choose your community")
    await u("tap community", lambda: p.tap("Xinhua Road Community"), "Community:")
    await u("tap report", lambda: p.tap("📷 Report a corner"), "Step 1")
    await u("photo", lambda: p.send_photo(make_photo(seed=5)), "Got 1 photo")
    await u("tap photos done", lambda: p.tap("➡ Done with photos"), "Step 2")
    await u("location outside", lambda: p.send_location(31.30, 121.50), "Step 3")
    await u("tap category", lambda: p.tap("💡 Lighting and safety"), "Step 4")
    await u("tap skip", lambda: p.tap("➡ Skip"), "Please check your report")
    await u("tap edit", lambda: p.tap("✏ Edit"), edited="Please check your report")
    await u("edit the place", lambda: p.tap("Place"), "Step 2")
    await u("venue", lambda: p.send_venue(31.2068, 121.4271, "Xinhua Road 321", ""), "check")
    await u("tap edit 2", lambda: p.tap("✏ Edit"), edited="Please check your report")
    await u("edit the category", lambda: p.tap("Category"), "Step 3")
    await u("tap category", lambda: p.tap("🌳 Greenery"), "Please check your report")
    await u("tap edit 3", lambda: p.tap("✏ Edit"), edited="Please check your report")
    await u("edit the words", lambda: p.tap("Words"), "Step 4")
    await u("words", lambda: p.send("Dark at night"), "Please check your report")
    await u("tap edit 4", lambda: p.tap("✏ Edit"), edited="Please check your report")
    await u("tap back", lambda: p.tap("↩ Back to review"), edited="Please check your report")
    await u("tap edit 5", lambda: p.tap("✏ Edit"), edited="Please check your report")
    await u("edit the photos", lambda: p.tap("Photos"), "Step 1")
    back = p.last_message  # its reply keyboard (the card's edit choices have the same label)
    await u("back to the review", lambda: p.tap("↩ Back to review", message=back), "check")
    await u("tap edit 6", lambda: p.tap("✏ Edit"), edited="Please check your report")
    await u("edit the photos again", lambda: p.tap("Photos"), "Step 1")
    await u("photo again", lambda: p.send_photo(make_photo(seed=6)), "Got 1 photo")
    await u("photos done", lambda: p.tap("➡ Done with photos"), "Please check your report")
    await u("tap confirm", lambda: p.tap("✅ Confirm"), "R-000001")
    assert_one_paced_request_each(meter)
