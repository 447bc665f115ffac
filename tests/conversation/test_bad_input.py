"""Bad input gets a clear answer and loses nothing: one test per case the foundation names."""

from __future__ import annotations

import logging
import re

import pytest
from sqlmodel import select

from bot.transport import REPLY_RETRIES
from botapi_sandbox import Person, Sandbox, make_photo
from storage.communities import CommunityIn, import_communities
from storage.models import Community, DraftPhoto, Report
from storage.models import Person as PersonRow
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_report_flow import report_until_review


async def start_report(person: Person) -> None:
    await onboard(person)
    await person.tap("📷 反映问题")
    await person.expect_message(containing="第 1 步")


@pytest.mark.parametrize("kind", ["text", "sticker", "voice", "video"])
async def test_wrong_media_where_a_photo_is_expected(bot: Bot, resident: Person, kind: str) -> None:
    await start_report(resident)
    if kind == "text":
        await resident.send("这里很乱")
    elif kind == "sticker":
        await resident.send_sticker()
    elif kind == "voice":  # taken only as the words: a hint of what to send now
        await resident.send_voice()
        hint = await resident.expect_message(containing="语音我会在「说明」那一步收下")
        assert "现在请发照片" in hint.text
        return
    else:
        await resident.send_video()
    await resident.expect_message(containing="这一步需要照片")


async def test_non_image_document_is_refused(bot: Bot, resident: Person) -> None:
    await start_report(resident)
    await resident.send_document(b"%PDF-1.4", file_name="a.pdf", mime_type="application/pdf")
    await resident.expect_message(containing="您发来的不是照片")


async def test_file_over_20_mb_is_refused(bot: Bot, resident: Person) -> None:
    await start_report(resident)
    await resident.send_document(
        make_photo(seed=1), file_name="huge.jpg", mime_type="image/jpeg", file_size=25 * 2**20
    )
    await resident.expect_message(containing="这张图太大了")
    async with bot.session() as session:
        assert (await session.exec(select(DraftPhoto))).all() == []


async def test_sixth_photo_and_album(bot: Bot, resident: Person) -> None:
    await start_report(resident)
    await resident.send_album([make_photo(seed=n) for n in range(3)])
    ack = await resident.expect_message(containing="已收到 3 张照片")
    assert "还可以再发 2 张" in ack.text
    await resident.expect_no_message()  # one answer for the whole album
    await resident.send_photo(make_photo(seed=10))
    await resident.expect_message(containing="已收到 4 张照片")
    await resident.send_photo(make_photo(seed=11))
    await resident.expect_message(containing="已收到 5 张照片")
    await resident.send_photo(make_photo(seed=12))
    await resident.expect_message(containing="最多 5 张照片")


async def test_overlong_words_are_refused_and_the_draft_kept(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    await resident.tap("📷 反映问题")
    await resident.expect_message(containing="第 1 步")
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.tap("➡ 照片好了，下一步")
    await resident.expect_message(containing="第 2 步")
    await resident.send_location(31.2069, 121.4273)
    await resident.expect_message(containing="第 3 步")
    await resident.tap("🔧 设施损坏")
    await resident.expect_message(containing="第 4 步")
    await resident.send("长" * 1001)
    await resident.expect_message(containing="说明有 1001 字，超过了 1000 字")
    await resident.send("长" * 1000)
    review = await resident.expect_message(containing="请确认您的报告")
    assert "🔧 设施损坏" in review.text
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
    assert report.description == "长" * 1000


async def test_location_outside_every_community(bot: Bot, resident: Person) -> None:
    await start_report(resident)
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.tap("➡ 照片好了，下一步")
    await resident.expect_message(containing="第 2 步")
    await resident.send_location(39.9042, 116.4074)  # Beijing, far from every community
    placed = await resident.expect_message(containing="不在我们服务的社区里")
    assert "第 3 步" in placed.text, "the place, the note and the next question: one message"
    await resident.tap("📌 其他")
    await resident.expect_message(containing="第 4 步")
    await resident.tap("➡ 跳过")
    review = await resident.expect_message(containing="请确认您的报告")
    assert "（在社区以外）" in review.text
    await resident.tap("✏ 修改")
    await resident.expect_edit()
    await resident.tap("地点")
    await resident.expect_message(containing="第 2 步")
    await resident.send_location(39.9050, 116.4080)  # still far away
    review = await resident.expect_message(containing="请确认您的报告")
    assert review.text.startswith("这个地方不在我们服务的社区里"), "the note, on the card"
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
    assert report.outside_area


async def test_the_category_step_takes_only_its_labels(bot: Bot, resident: Person) -> None:
    """The categories are reply-keyboard buttons: a label is the answer (either language),
    other text gets the keyboard again, and a second tap that arrives at the words step is
    not taken as the words."""
    await start_report(resident)
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.tap("➡ 照片好了，下一步")
    await resident.expect_message(containing="第 2 步")
    await resident.send("幸福路")
    question = await resident.expect_message(containing="第 3 步")
    assert question.keyboard()[:2] == ["🗑 垃圾与杂物堆放", "🔧 设施损坏"]
    assert question.keyboard()[-2:] == ["⬅ 上一步", "✖ 取消"]
    await resident.send("垃圾")
    again = await resident.expect_message(containing="请用下面的按钮选一个类别")
    assert again.keyboard() == question.keyboard()
    await resident.send("🔧 Broken facilities")  # the English label is understood too
    await resident.expect_message(containing="第 4 步")
    await resident.send("🔧 设施损坏")  # a second tap on the category keyboard
    await resident.expect_message(containing="第 4 步")
    await resident.tap("➡ 跳过")
    review = await resident.expect_message(containing="请确认您的报告")
    assert "🔧 设施损坏" in review.text
    assert "📝" not in review.text, "the second tap is not taken as the words"


async def test_stale_buttons_expire(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    await report_until_review(resident)
    category_question = next(m for m in resident.messages if "第 3 步" in (m.original_text or ""))
    review = resident.messages[-1]
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")
    # The category question of a finished draft, as a client that still shows its old keyboard
    # would send it:
    await resident.tap_data("d:1:cat:facilities", message=category_question)
    answer = await resident.expect_callback_answer()
    assert "按钮已失效" in (answer.text or "")
    # The review card of the finished draft keeps its buttons (the receipt is a new message):
    # its edit and cancel have expired, and its confirm names the report filed from it
    # again; nothing is filed twice.
    assert review.buttons() == ["✅ 确认提交", "✏ 修改", "✖ 取消"]
    await resident.tap("✏ 修改", message=review)
    assert "按钮已失效" in ((await resident.expect_callback_answer()).text or "")
    await resident.tap("✖ 取消", message=review)
    assert "按钮已失效" in ((await resident.expect_callback_answer()).text or "")
    await resident.tap("✅ 确认提交", message=review)
    await resident.expect_message(containing="R-000001")
    async with bot.session() as session:
        assert len((await session.exec(select(Report))).all()) == 1


async def test_buttons_of_a_cancelled_draft_expire(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    await report_until_review(resident)
    review = resident.messages[-1]
    await resident.tap("✖ 取消")
    asked = await resident.expect_message(containing="要放弃这份报告吗")
    await resident.tap("🗑 放弃这份报告")
    await resident.expect_message(containing="已取消这份报告")
    await resident.tap_data("d:1:ok", message=review)
    assert "按钮已失效" in ((await resident.expect_callback_answer()).text or "")
    await resident.tap("↩ 继续填写", message=asked)  # the question's other answer, too
    assert "按钮已失效" in ((await resident.expect_callback_answer()).text or "")
    async with bot.session() as session:
        assert (await session.exec(select(Report))).all() == []


@pytest.mark.parametrize(
    "data",
    [
        "d:1:ok",
        "d:x:cat:litter",
        "d:1:cat:not-a-category",
        "rep:1",
        "rep:abc",
        "com:999",
        "lang:fr",
        "my:-1",
        "zzz",
        "d",
    ],
)
async def test_forged_callback_data(bot: Bot, resident: Person, data: str) -> None:
    await onboard(resident)
    await resident.tap_data(data)
    answer = await resident.expect_callback_answer()
    assert "按钮已失效" in (answer.text or "")
    async with bot.session() as session:
        assert (await session.exec(select(Report))).all() == []


async def test_someone_elses_report_cannot_be_opened(
    bot: Bot, resident: Person, alice: Person
) -> None:
    await onboard(resident)
    await report_until_review(resident)
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")
    await onboard(alice, english=True)
    await alice.tap_data("rep:1")
    answer = await alice.expect_callback_answer()
    assert "expired" in (answer.text or "")
    await alice.expect_no_message()


async def test_hourly_report_limit(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    for n in range(3):  # the fixture sets REPORTS_PER_HOUR=3
        await report_until_review(resident)
        await resident.tap("✅ 确认提交")
        await resident.expect_message(containing=f"R-00000{n + 1}")
    await resident.tap("📷 反映问题")
    await resident.expect_message(containing="您这一小时已经提交了 3 份报告")
    bot.clock.advance(minutes=61)
    await resident.tap("📷 反映问题")
    await resident.expect_message(containing="第 1 步")


async def test_resident_flows_only_in_private_chats(bot: Bot, sandbox: Sandbox) -> None:
    member = sandbox.person(user_id=2001, first_name="Li", language_code="zh-hans")
    group = sandbox.group(chat_id=-100500, title="居委会")
    await group.member(member).send("/start")  # a group not linked: how to link it
    reply = await group.expect_message(containing="这个群还没有关联")
    assert reply.chat_id == -100500
    await group.member(member).send("大家好")
    await group.expect_no_message()


async def test_unexpected_error_gets_an_apology_with_a_code(
    bot: Bot, resident: Person, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await onboard(resident)

    async def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("handlers.myreports.my_reports_page", broken)
    with caplog.at_level(logging.ERROR, logger="microspace.incidents"):
        await resident.send("/myreports")
        apology = await resident.expect_message(containing="抱歉，出了点问题")
    code = re.search(r"编号 ([0-9A-F]{6})", apology.text)
    assert code is not None
    record = next(r for r in caplog.records if code.group(1) in r.getMessage())
    assert record.exc_info is not None
    assert "database on fire" in str(record.exc_info[1])
    monkeypatch.undo()
    await resident.send("/myreports")  # the bot keeps running
    await resident.expect_message(containing="您还没有提交过报告")


async def test_telegram_429_on_a_reply_is_retried(
    bot: Bot, sandbox: Sandbox, resident: Person
) -> None:
    await onboard(resident)
    sandbox.fail_next("sendMessage", error_code=429, retry_after=1)
    await resident.send("/help")
    await resident.expect_message(containing="怎么用", timeout=10)
    answers = [
        c.ok for c in sandbox.calls_of("sendMessage") if c.params["chat_id"] == resident.user_id
    ]
    assert answers[-2:] == [False, True], "the answer met the 429, and its retry went through"


async def test_telegram_5xx_on_a_reply_gets_an_apology(
    bot: Bot, sandbox: Sandbox, resident: Person
) -> None:
    await onboard(resident)
    # beyond the request layer's retries (a single 5xx is retried: test_reply_retry.py)
    sandbox.fail_next("sendMessage", error_code=502, count=REPLY_RETRIES + 1)
    await resident.send("/help")
    await resident.expect_message(containing="抱歉，出了点问题", timeout=10)
    await resident.send("/help")
    await resident.expect_message(containing="怎么用")


async def test_a_blocked_resident_does_not_stop_the_bot(
    bot: Bot, sandbox: Sandbox, resident: Person, alice: Person
) -> None:
    await onboard(resident)
    sandbox.block(resident.user_id)
    await resident.send("/help")
    await sandbox.settle()  # the bot handled /help: its answer met "blocked by the user"
    refused = [
        call
        for call in sandbox.calls_of("sendMessage")
        if not call.ok and call.params.get("chat_id") == resident.user_id
    ]
    assert len(refused) == 1, "the bot tried to answer once, and did not retry a 403"
    await onboard(alice, english=True)  # others are still served
    sandbox.unblock(resident.user_id)
    await resident.send("/help")  # and so is the resident, once unblocked
    await resident.expect_message(containing="怎么用")


async def test_a_flood_is_cut_off_with_one_note(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    bot.overrides = {"flood_limit": 5, "flood_window_seconds": 30.0}
    await bot.restart()
    for n in range(8):
        await resident.send(f"喂 {n}")
    for _ in range(5):  # the first five are answered...
        await resident.expect_message(containing="我没看懂")
    await resident.expect_message(containing="您发得太快了")  # ...then one note, and no more
    await resident.expect_no_message()
    answered = [m for m in resident.messages if "我没看懂" in m.text]
    warned = [m for m in resident.messages if "您发得太快了" in m.text]
    assert (len(answered), len(warned)) == (5, 1)


async def test_a_tap_during_a_flood_is_still_answered(bot: Bot, resident: Person) -> None:
    """ARCHITECTURE.md: over the flood limit a tap is answered (a spinner never hangs), while
    messages beyond the one note are dropped."""
    await onboard(resident)
    bot.overrides = {"flood_limit": 3, "flood_window_seconds": 30.0}
    await bot.restart()
    for n in range(3):
        await resident.send(f"喂 {n}")
        await resident.expect_message(containing="我没看懂")
    await resident.send("再来")
    await resident.expect_message(containing="您发得太快了")
    for _ in range(2):
        await resident.tap_data("my:0")
        answer = await resident.expect_callback_answer(containing="您发得太快了")
        assert answer.text is not None
    await resident.expect_no_message()


async def test_longest_place_and_words_still_fit_the_review_card(
    bot: Bot, resident: Person
) -> None:
    await onboard(resident)
    async with bot.session() as session:  # a community with the longest name allowed
        await import_communities(
            session, items=[CommunityIn(slug="long", name_zh="社" * 200, name_en="C" * 200)]
        )
        long = (await session.exec(select(Community).where(Community.slug == "long"))).one()
        person = (await session.exec(select(PersonRow))).one()
        person.community_id = long.id
        session.add(person)
    await resident.tap("📷 反映问题")
    await resident.expect_message(containing="第 1 步")
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.tap("➡ 照片好了，下一步")
    await resident.expect_message(containing="第 2 步")
    await resident.send("路" * 300)  # the longest address accepted
    await resident.expect_message(containing="第 3 步")
    await resident.tap("🔧 设施损坏")
    await resident.expect_message(containing="第 4 步")
    await resident.send("字" * 1000)  # the longest words accepted
    review = await resident.expect_message(containing="请确认您的报告")
    assert len(review.text) <= 1024
    assert review.text.count("字") > 400, "as much of the words as fits is shown"
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
    assert (len(report.address), len(report.description)) == (300, 1000)
