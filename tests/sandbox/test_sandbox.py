"""Tests of the Bot API sandbox, driven through a real python-telegram-bot ``Bot``."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import ExifTags, Image
from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from botapi_sandbox import (
    Sandbox,
    make_photo,
    photo_gps,
)

ALICE = 1001
BOB = 1002
OK_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox()
    await box.start()
    try:
        yield box
    finally:
        await box.stop()
    assert box.response_problems == []


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    tg_bot = Bot(sandbox.token, base_url=sandbox.base_url, base_file_url=sandbox.base_file_url)
    async with tg_bot:
        yield tg_bot


async def raw_call(sandbox: Sandbox, method: str, payload: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{sandbox.base_url}{sandbox.token}/{method}", json=payload)


# -- accepted requests --------------------------------------------------------------------------


async def test_send_message_with_html_and_inline_keyboard(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(user_id=ALICE, first_name="Alice", language_code="zh-hans")
    sent = await bot.send_message(
        ALICE,
        '<b>Report</b> R-12 &amp; <a href="https://example.org/?a=1&amp;b=2">map</a>',
        parse_mode="HTML",
        reply_markup=OK_KEYBOARD,
    )
    assert sent.text == "Report R-12 & map"
    assert sent.chat.id == ALICE
    assert sent.from_user is not None
    assert sent.from_user.is_bot
    assert [e.type for e in sent.entities] == ["bold", "text_link"]
    assert sent.reply_markup == OK_KEYBOARD

    message = await alice.expect_message(containing="R-")
    assert message.message_id == sent.message_id
    assert message.text == "Report R-12 & map"
    assert message.html.startswith("<b>Report</b>")
    assert message.buttons() == ["OK"]
    assert alice.messages == [message]
    assert "bot -> Alice: Report R-12 & map  [buttons: OK]" in sandbox.transcript()
    second = await bot.send_message(ALICE, "again")
    assert second.message_id == sent.message_id + 1
    assert sandbox.rejections == []


@pytest.mark.parametrize(
    "html",
    [
        "<b>bold</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>i</ins>",
        "<s>s</s> <strike>s</strike> <del>d</del> <tg-spoiler>x</tg-spoiler>",
        '<span class="tg-spoiler">hidden</span> '
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        '<pre><code class="language-python">print("hi")</code></pre> <code>x &lt; y</code>',
        "<blockquote>quote</blockquote><blockquote expandable>long</blockquote>",
        "&lt;tag&gt; &amp; &quot;q&quot; &#39; &#x1F600; 1 > 0",
        "<b>bold <i>both</i></b>",
    ],
)
async def test_wellformed_telegram_html_accepted(sandbox: Sandbox, bot: Bot, html: str) -> None:
    sandbox.person(ALICE, "Alice")
    await bot.send_message(ALICE, html, parse_mode="HTML")
    assert sandbox.rejections == []


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>never closed", "end tag"),
        ("<b><i>crossed</b></i>", "Unmatched end tag"),
        ("closed</b>", "Unexpected end tag"),
        ("<div>block</div>", 'Unsupported start tag "div"'),
        ("1 < 2", "Unsupported start tag"),
        ("Tom & Jerry", '"&"'),
        ("non&nbsp;breaking", '"&"'),
        ("<span>plain span</span>", "tg-spoiler"),
    ],
)
async def test_malformed_html_rejected(sandbox: Sandbox, bot: Bot, html: str, reason: str) -> None:
    sandbox.person(ALICE, "Alice")
    with pytest.raises(BadRequest, match="(?i)parse entities") as caught:
        await bot.send_message(ALICE, html, parse_mode="HTML")
    assert reason.lower() in str(caught.value).lower()
    assert len(sandbox.rejections) == 1
    assert reason in sandbox.rejections[0].description
    assert sandbox.rejections[0].method == "sendMessage"
    assert "can't parse entities" in sandbox.rejections[0].description


async def test_text_length_counted_after_entity_parsing(sandbox: Sandbox, bot: Bot) -> None:
    sandbox.person(ALICE, "Alice")
    await bot.send_message(ALICE, "x" * 4096)
    await bot.send_message(ALICE, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(ALICE, "&amp;" * 4096, parse_mode="HTML")
    assert sandbox.rejections == []
    with pytest.raises(BadRequest, match="(?i)too long"):
        await bot.send_message(ALICE, "x" * 4097)
    with pytest.raises(BadRequest, match="(?i)too long"):
        await bot.send_message(ALICE, "<i>" + "y" * 4097 + "</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)text is empty"):
        await bot.send_message(ALICE, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)caption is too long"):
        await bot.send_photo(ALICE, make_photo(1), caption="c" * 1025)
    assert [r.method for r in sandbox.rejections] == ["sendMessage"] * 3 + ["sendPhoto"]


async def test_callback_data_limit_and_button_text(sandbox: Sandbox, bot: Bot) -> None:
    sandbox.person(ALICE, "Alice")
    fits = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="d" * 64)]])
    await bot.send_message(ALICE, "ok", reply_markup=fits)
    assert sandbox.rejections == []
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(ALICE, "no", reply_markup=too_long)
    empty_label = InlineKeyboardMarkup([[InlineKeyboardButton("", callback_data="x")]])
    with pytest.raises(BadRequest, match="(?i)non-empty"):
        await bot.send_message(ALICE, "no", reply_markup=empty_label)
    assert len(sandbox.rejections) == 2


async def test_unknown_parameters_and_fields_rejected(sandbox: Sandbox, bot: Bot) -> None:
    sandbox.person(ALICE, "Alice")
    with pytest.raises(BadRequest, match='(?i)unknown parameter "colour"'):
        await bot.send_message(ALICE, "hi", api_kwargs={"colour": "red"})
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a", "colour": "red"}]]}
    response = await raw_call(
        sandbox, "sendMessage", {"chat_id": ALICE, "text": "hi", "reply_markup": markup}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False
    assert body["error_code"] == 400
    assert 'unknown field "colour"' in body["description"]
    assert "reply_markup.inline_keyboard[0][0]" in body["description"]
    missing = {"inline_keyboard": [[{"callback_data": "a"}]]}
    response = await raw_call(
        sandbox, "sendMessage", {"chat_id": ALICE, "text": "hi", "reply_markup": missing}
    )
    assert 'required field "text"' in response.json()["description"]
    response = await raw_call(
        sandbox, "sendMessage", {"chat_id": ALICE, "text": "hi", "disable_notification": "maybe"}
    )
    assert "Boolean" in response.json()["description"]
    assert len(sandbox.rejections) == 4


async def test_unknown_method_is_404(sandbox: Sandbox, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": ALICE})
    response = await raw_call(sandbox, "sendTelepathy", {})
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [r.error_code for r in sandbox.rejections] == [404, 404]


async def test_spec_method_not_implemented_is_a_rejection(sandbox: Sandbox, bot: Bot) -> None:
    sandbox.person(ALICE, "Alice")
    with pytest.raises(BadRequest, match="(?i)not implemented by the sandbox"):
        await bot.send_dice(ALICE)
    assert sandbox.rejections[0].method == "sendDice"


async def test_missing_required_parameter(sandbox: Sandbox, bot: Bot) -> None:
    sandbox.person(ALICE, "Alice")
    response = await raw_call(sandbox, "sendMessage", {"text": "hi"})
    assert response.status_code == 400
    assert '"chat_id"' in response.json()["description"]
    response = await raw_call(sandbox, "sendMessage", {"chat_id": ALICE})
    assert response.json()["description"] == "Bad Request: message text is empty"
    response = await raw_call(sandbox, "getFile", {})
    assert '"file_id"' in response.json()["description"]
    assert len(sandbox.rejections) == 3


async def test_wrong_token_is_401(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{sandbox.base_url}999:WRONG/getMe")
        assert response.status_code == 401
        assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        download = await client.get(f"{sandbox.base_file_url}999:WRONG/photos/file_1.jpg")
        assert download.status_code == 401


async def test_chat_not_found_and_method_names_case_insensitive(sandbox: Sandbox, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(424242, "hello?")
    sandbox.person(ALICE, "Alice")
    response = await raw_call(sandbox, "SENDMESSAGE", {"chat_id": ALICE, "text": "hi"})
    assert response.json()["ok"] is True
    assert sandbox.calls[-1].method == "sendMessage"
    assert len(sandbox.rejections) == 1


# -- updates -----------------------------------------------------------------------------------


async def test_get_updates_long_polling(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice", language_code="zh-hans", username="alice")
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await alice.send("/start hello")
    updates = await poll
    assert loop.time() - started < 2
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None
    assert message.text == "/start hello"
    assert message.from_user is not None
    assert message.from_user.language_code == "zh-hans"
    assert message.chat.type == "private"
    assert message.parse_entities(["bot_command"]) == {message.entities[0]: "/start"}

    # not confirmed yet: delivered again; confirmed with offset: gone
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    started = loop.time()
    empty = await bot.get_updates(offset=updates[0].update_id + 1, timeout=1)
    assert empty == ()
    assert 0.9 <= loop.time() - started < 3
    await alice.send("second")
    await alice.send("third")
    batch = await bot.get_updates(offset=updates[0].update_id + 1, timeout=1)
    assert [u.message.text for u in batch if u.message] == ["second", "third"]
    assert batch[1].update_id == batch[0].update_id + 1
    assert sandbox.rejections == []


async def test_stop_releases_a_pending_long_poll(sandbox: Sandbox, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.2)
    async with asyncio.timeout(5):
        await sandbox.stop()
        assert await poll == ()


async def test_group_messages_and_clock_override(sandbox: Sandbox, bot: Bot) -> None:
    fixed = dtm.datetime(2026, 5, 1, 8, 0, tzinfo=dtm.UTC)
    sandbox.clock = lambda: fixed
    alice = sandbox.person(ALICE, "Alice")
    council = sandbox.group(chat_id=-100500, title="Council")
    await council.member(alice).send("hello council")
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert update.message.chat.type == "supergroup"
    assert update.message.chat.title == "Council"
    assert update.message.from_user is not None
    assert update.message.from_user.id == ALICE
    assert update.message.date == fixed
    await bot.send_message(-100500, "welcome")
    assert (await council.expect_message()).text == "welcome"
    assert "Alice @ Council: hello council" in sandbox.transcript()


# -- files -------------------------------------------------------------------------------------


async def test_person_photo_download_round_trip(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    original = make_photo(seed=7)
    await alice.send_photo(original, caption="broken bench")
    (update,) = await bot.get_updates()
    assert update.message is not None
    photo = update.message.photo
    assert len(photo) == 3
    assert photo[-1].width == 640
    assert photo[-1].height == 480
    assert photo[0].width < photo[1].width < photo[2].width
    assert update.message.caption == "broken bench"
    tg_file = await bot.get_file(photo[-1].file_id)
    assert tg_file.file_path is not None
    assert "photos/file_" in tg_file.file_path
    assert bytes(await tg_file.download_as_bytearray()) == original
    # the bot can send it on by file_id
    resent = await bot.send_photo(ALICE, photo[-1].file_id, caption="thanks")
    assert resent.photo[-1].file_unique_id == photo[-1].file_unique_id
    assert sandbox.rejections == []


async def test_uploaded_photo_and_media_group(sandbox: Sandbox, bot: Bot, tmp_path: Path) -> None:
    alice = sandbox.person(ALICE, "Alice")
    path = tmp_path / "p.jpg"
    path.write_bytes(make_photo(3, size=(320, 200)))
    sent = await bot.send_photo(
        ALICE, path.read_bytes(), caption="<i>upload</i>", parse_mode="HTML"
    )
    assert sent.photo[-1].width == 320
    assert sent.caption == "upload"
    album = await bot.send_media_group(
        ALICE,
        [
            InputMediaPhoto(make_photo(4), caption="first"),
            InputMediaPhoto(sent.photo[-1].file_id),
            InputMediaPhoto("https://example.org/remote.jpg"),
        ],
    )
    assert len(album) == 3
    assert len({m.media_group_id for m in album}) == 1
    assert album[0].media_group_id
    assert [m.message_id for m in album] == [sent.message_id + 1 + i for i in range(3)]
    messages = alice.messages
    assert messages[1].caption == "first"
    assert messages[1].photo
    with pytest.raises(BadRequest, match="(?i)2-10"):
        await bot.send_media_group(ALICE, [InputMediaPhoto(make_photo(5))])
    with pytest.raises(BadRequest, match="(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(ALICE, b"definitely not a jpeg")
    assert len(sandbox.rejections) == 2


async def test_file_over_20_mb_refused(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    await alice.send_document(b"%PDF-1.4 tiny", file_name="plan.pdf", file_size=25 * 1024 * 1024)
    await alice.send_document(b"small", file_name="note.txt")
    big, small = await bot.get_updates()
    assert big.message is not None
    assert big.message.document is not None
    assert big.message.document.file_size == 25 * 1024 * 1024
    assert big.message.document.mime_type == "application/pdf"
    with pytest.raises(BadRequest, match="(?i)[Ff]ile is too big"):
        await bot.get_file(big.message.document.file_id)
    assert small.message is not None
    assert small.message.document is not None
    tg_file = await bot.get_file(small.message.document.file_id)
    assert bytes(await tg_file.download_as_bytearray()) == b"small"
    with pytest.raises(BadRequest, match="(?i)can't use file of type Document as Photo"):
        await bot.send_photo(ALICE, small.message.document.file_id)
    assert len(sandbox.rejections) == 2


async def test_other_media_updates(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    await alice.send_sticker(emoji="🔥")
    await alice.send_voice(duration=4)
    await alice.send_video(file_size=30 * 1024 * 1024)
    await alice.send_location(31.23, 121.47)
    await alice.send_venue(31.23, 121.47, "Old Lane", "12 Fuxing Rd")
    await alice.send_album([make_photo(1), make_photo(2), make_photo(3)], caption="before")
    updates = await bot.get_updates()
    messages = [u.message for u in updates if u.message is not None]
    assert messages[0].sticker is not None
    assert messages[0].sticker.emoji == "🔥"
    assert messages[1].voice is not None
    assert messages[1].voice.mime_type == "audio/ogg"
    assert messages[2].video is not None
    assert messages[2].video.file_size == 30 * 1024 * 1024
    assert messages[3].location is not None
    assert messages[3].location.latitude == 31.23
    assert messages[4].venue is not None
    assert messages[4].venue.title == "Old Lane"
    album = messages[5:]
    assert len(album) == 3
    assert len({m.media_group_id for m in album}) == 1
    assert album[0].caption == "before"
    assert album[1].caption is None


# -- callbacks, edits, deletes -----------------------------------------------------------------


async def test_callback_query_answered_once(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    await bot.send_message(ALICE, "Pick", reply_markup=OK_KEYBOARD)
    await alice.tap("OK")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert isinstance(query, CallbackQuery)
    assert query.data == "ok"
    assert query.from_user.id == ALICE
    assert query.message is not None
    assert query.message.chat.id == ALICE
    await query.answer("Noted", show_alert=True)
    answer = await alice.expect_callback_answer(containing="Noted")
    assert answer.show_alert
    assert answer.callback_data == "ok"
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await query.answer("again")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query("123", text="who?")
    await alice.tap("OK")
    (second,) = await bot.get_updates(offset=update.update_id + 1)
    assert second.callback_query is not None
    with pytest.raises(BadRequest, match="(?i)0-200 characters"):
        await second.callback_query.answer("x" * 201)
    assert len(sandbox.rejections) == 3
    assert "Alice taps [OK]" in sandbox.transcript()


async def test_tap_waits_for_the_button_and_answers_follow_the_latest_press(
    sandbox: Sandbox, bot: Bot
) -> None:
    alice = sandbox.person(ALICE, "Alice")

    async def keyboard_later() -> None:
        await asyncio.sleep(0.2)
        await bot.send_message(ALICE, "Now", reply_markup=OK_KEYBOARD)

    later = asyncio.create_task(keyboard_later())
    await alice.tap("OK")  # not on screen yet: waits for it
    await later
    (first,) = await bot.get_updates()
    await alice.tap("OK")
    (second,) = await bot.get_updates(offset=first.update_id + 1)
    assert first.callback_query is not None
    assert second.callback_query is not None
    await first.callback_query.answer("first")
    await second.callback_query.answer("second")
    assert (await alice.expect_callback_answer()).text == "second"
    with pytest.raises(AssertionError, match="no callback answer"):
        await alice.expect_callback_answer(timeout=0.1)


async def test_edits_and_deletes(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    sent = await bot.send_message(ALICE, "Status: open", reply_markup=OK_KEYBOARD)
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text(
            "Status: open", ALICE, sent.message_id, reply_markup=OK_KEYBOARD
        )
    edited = await bot.edit_message_text(
        "Status: <b>closed</b>", ALICE, sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, Message)
    assert edited.text == "Status: closed"
    assert edited.edit_date is not None
    change = await alice.expect_edit(containing="closed")
    assert change.edits == 1
    assert change.reply_markup is None
    assert alice.messages[0].text == "Status: closed"
    assert alice.messages[0].original_text == "Status: open"
    await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=OK_KEYBOARD)
    assert (await alice.expect_edit()).buttons() == ["OK"]
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", ALICE, 999)
    with pytest.raises(BadRequest, match="(?i)no caption"):
        await bot.edit_message_caption(ALICE, sent.message_id, caption="c")
    photo = await bot.send_photo(ALICE, make_photo(1), caption="old")
    await bot.edit_message_caption(ALICE, photo.message_id, caption="new caption")
    assert (await alice.expect_edit()).caption == "new caption"
    assert await bot.delete_message(ALICE, sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(ALICE, sent.message_id)
    assert [m.message_id for m in alice.messages] == [photo.message_id]
    assert len(sandbox.rejections) == 4
    # expect_message sees new messages only, not edits
    assert (await alice.expect_message()).message_id == sent.message_id
    assert (await alice.expect_message()).message_id == photo.message_id
    await alice.expect_no_message()


async def test_stale_button_and_forged_data(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    first = await bot.send_message(ALICE, "Vote", reply_markup=OK_KEYBOARD)
    old = await alice.expect_message(containing="Vote")
    await bot.edit_message_reply_markup(ALICE, first.message_id, reply_markup=None)
    with pytest.raises(AssertionError, match=r"no button \[OK\]"):
        await alice.tap("OK", wait=0.1)
    await alice.tap("OK", message=old)
    await alice.tap_data("forged:data")
    stale, forged = await bot.get_updates()
    assert stale.callback_query is not None
    assert stale.callback_query.data == "ok"
    assert stale.callback_query.message is not None
    assert stale.callback_query.message.message_id == first.message_id
    assert forged.callback_query is not None
    assert forged.callback_query.data == "forged:data"


async def test_reply_keyboard_force_reply_and_location_button(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    keyboard = ReplyKeyboardMarkup(
        [["中文", "English"], [KeyboardButton("Share location", request_location=True)]]
    )
    await bot.send_message(ALICE, "Language?", reply_markup=keyboard)
    assert (await alice.expect_message()).keyboard() == ["中文", "English", "Share location"]
    await alice.tap("中文")
    with pytest.raises(AssertionError, match="latitude"):
        await alice.tap("Share location", wait=0)
    await alice.tap("Share location", latitude=31.2, longitude=121.5)
    await bot.send_message(ALICE, "Your name?", reply_markup=ForceReply())
    await alice.send("Alice Zhang")
    await bot.send_message(ALICE, "Thanks", reply_markup=ReplyKeyboardRemove())
    with pytest.raises(AssertionError, match="English"):
        await alice.tap("Nope", wait=0)
    with pytest.raises(AssertionError, match="no button"):
        await alice.tap("English", wait=0)
    chinese, location, name = await bot.get_updates()
    assert chinese.message is not None
    assert chinese.message.text == "中文"
    assert location.message is not None
    assert location.message.location is not None
    assert name.message is not None
    assert name.message.reply_to_message is not None
    assert name.message.reply_to_message.text == "Your name?"
    assert "Alice taps [中文]" in alice.transcript()


async def test_poll_limits_and_commands(sandbox: Sandbox, bot: Bot) -> None:
    sandbox.person(ALICE, "Alice")
    poll_message = await bot.send_poll(ALICE, "Which bench?", ["North", "South"])
    assert poll_message.poll is not None
    assert not poll_message.poll.is_closed
    closed = await bot.stop_poll(ALICE, poll_message.message_id)
    assert closed.is_closed
    with pytest.raises(BadRequest, match="(?i)already been closed"):
        await bot.stop_poll(ALICE, poll_message.message_id)
    with pytest.raises(BadRequest, match="(?i)question"):
        await bot.send_poll(ALICE, "q" * 301, ["a", "b"])
    with pytest.raises(BadRequest, match="(?i)options"):
        await bot.send_poll(ALICE, "Too many?", [str(i) for i in range(13)])
    with pytest.raises(BadRequest, match="(?i)100"):
        await bot.send_poll(ALICE, "Long option?", ["a", "b" * 101])
    await bot.set_my_commands([("start", "Start"), ("report", "Report a space")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "report"]
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Bad-Command", "nope")])
    assert len(sandbox.rejections) == 5


# -- fault injection ---------------------------------------------------------------------------


async def test_fail_next_429_raises_retry_after(
    sandbox: Sandbox, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    sandbox.person(ALICE, "Alice")
    sandbox.fail_next("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ALICE, "hi")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await bot.send_message(ALICE, "hi again")
    sandbox.fail_next("sendMessage", error_code=502, count=2, chat_id=ALICE)
    for _ in range(2):
        with pytest.raises(NetworkError, match="(?i)Bad Gateway"):
            await bot.send_message(ALICE, "hi")
    await bot.send_message(ALICE, "through")
    assert sandbox.rejections == []
    assert [c.ok for c in sandbox.calls_of("sendMessage")] == [False, True, False, False, True]


async def test_block_gives_forbidden(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    sandbox.person(BOB, "Bob", started=False)
    sandbox.block(ALICE)
    with pytest.raises(Forbidden, match="(?i)blocked by the user"):
        await bot.send_message(ALICE, "hello?")
    sandbox.unblock(ALICE)
    await bot.send_message(ALICE, "hello!")
    with pytest.raises(Forbidden, match="(?i)initiate conversation"):
        await bot.send_message(BOB, "hi Bob")
    assert (await alice.expect_message()).text == "hello!"
    assert sandbox.rejections == []


async def test_rate_limit(sandbox: Sandbox, bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    sandbox.person(ALICE, "Alice")
    sandbox.rate_limit(per_chat_per_second=2)
    await bot.send_message(ALICE, "1")
    await bot.send_message(ALICE, "2")
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "3")
    sandbox.rate_limit(None)
    await bot.send_message(ALICE, "4")
    assert sandbox.rejections == []


async def test_a_group_gets_twenty_messages_a_minute(
    sandbox: Sandbox, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    sandbox.person(ALICE, "Alice")
    sandbox.group(chat_id=-100555, title="Council")
    sandbox.telegram_limits()
    now = [1000.0]
    monkeypatch.setattr(sandbox.faults, "_monotonic", lambda: now[0])
    for n in range(20):  # 20 in a minute, one every 1.5 s: within the group's limit
        await bot.send_message(-100555, f"{n}")
        now[0] += 1.5
    with pytest.raises(RetryAfter) as refused:  # the 21st within 60 s of the first
        await bot.send_message(-100555, "21")
    assert refused.value.retry_after == timedelta(seconds=30)
    await bot.send_message(ALICE, "a private chat is not a group")
    now[0] += 30
    await bot.send_message(-100555, "a minute after the first: allowed again")
    assert sandbox.rejections == []


# -- other protocol details --------------------------------------------------------------------


async def test_json_bodies_query_strings_and_json_strings(sandbox: Sandbox) -> None:
    sandbox.person(ALICE, "Alice")
    markup = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    response = await raw_call(
        sandbox, "sendMessage", {"chat_id": str(ALICE), "text": "json", "reply_markup": markup}
    )
    assert response.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{sandbox.base_url}{sandbox.token}/sendMessage",
            params={"chat_id": ALICE, "text": "query", "disable_notification": "true"},
        )
    assert response.json()["result"]["text"] == "query"
    assert sandbox.rejections == []


async def test_allowed_updates_webhook_and_pending_updates(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    await bot.send_message(ALICE, "Pick", reply_markup=OK_KEYBOARD)
    await alice.tap("OK")
    await alice.send("text")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in updates if u.message] == ["text"]
    assert len(updates) == 1
    assert await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match="(?i)webhook is active"):
        await bot.get_updates()
    await alice.send("while hooked")
    assert (await bot.get_webhook_info()).pending_update_count == 2
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()
    assert len(sandbox.rejections) == 1


async def test_group_privacy_mode(sandbox: Sandbox, bot: Bot) -> None:
    sandbox.group_privacy = True
    alice = sandbox.person(ALICE, "Alice")
    council = sandbox.group(-100500, "Council")
    await council.member(alice).send("just chatting")
    await council.member(alice).send("/report@microspace_sandbox_bot")
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["/report@microspace_sandbox_bot"]
    assert "(not delivered: group privacy mode)" in council.transcript()


async def test_url_buttons_send_no_update(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    link = InlineKeyboardMarkup([[InlineKeyboardButton("Map", url="https://example.org/map")]])
    await bot.send_message(ALICE, "See", reply_markup=link)
    with pytest.raises(AssertionError, match="url button"):
        await alice.tap("Map", wait=0)


# -- images ------------------------------------------------------------------------------------


def test_make_photo_has_gps_exif_and_differs_by_seed() -> None:
    photo = make_photo(seed=1)
    with Image.open(io.BytesIO(photo)) as image:
        assert image.format == "JPEG"
        assert image.size == (640, 480)
        exif = image.getexif()
        assert exif[ExifTags.Base.Make] == "SandboxCam"
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"
    coordinates = photo_gps(photo)
    assert coordinates is not None
    assert abs(coordinates[0] - 31.23) < 0.1
    assert abs(coordinates[1] - 121.47) < 0.1
    assert photo_gps(make_photo(seed=1, gps=False)) is None
    assert make_photo(seed=2) != photo
    assert make_photo(seed=1) == photo
    placed = photo_gps(make_photo(seed=3, latitude=-33.8688, longitude=151.2093))
    assert placed is not None
    assert abs(placed[0] + 33.8688) < 1e-3


# -- a whole PTB Application -------------------------------------------------------------------


async def test_application_ping_pong(sandbox: Sandbox) -> None:
    async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html("<b>pong</b>", reply_markup=OK_KEYBOARD)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Got it")
        await update.callback_query.edit_message_text("pong (acknowledged)")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        assert update.effective_message.photo
        photo = update.effective_message.photo[-1]
        tg_file = await photo.get_file()
        data = await tg_file.download_as_bytearray()
        await update.effective_message.reply_text(f"got {len(data)} bytes")

    app = (
        ApplicationBuilder()
        .token(sandbox.token)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("ping", ping))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.PHOTO, echo))
    alice = sandbox.person(user_id=ALICE, first_name="Alice")
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        await alice.send("/ping")
        reply = await alice.expect_message(containing="pong")
        assert reply.buttons() == ["OK"]
        assert reply.html == "<b>pong</b>"
        await alice.tap("OK")
        answer = await alice.expect_callback_answer(containing="Got")
        assert answer.text == "Got it"
        assert not answer.show_alert
        assert (await alice.expect_edit(containing="acknowledged")).buttons() == []
        photo = make_photo(9)
        await alice.send_photo(photo)
        assert (await alice.expect_message(containing="bytes")).text == f"got {len(photo)} bytes"
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert sandbox.rejections == []
    assert "Alice: /ping" in sandbox.transcript()
    assert "bot -> Alice: pong  [buttons: OK]" in sandbox.transcript()


async def test_expect_message_timeout_explains(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    await alice.send("/start")
    await bot.send_message(ALICE, "Hello")
    with pytest.raises(AssertionError) as caught:
        await alice.expect_message(containing="Goodbye", timeout=0.2)
    text = str(caught.value)
    assert "Goodbye" in text
    assert "Alice: /start" in text
    assert "bot -> Alice: Hello" in text


@pytest.mark.parametrize(
    "text", ["<b>never closed", "Tom & Jerry", "<div>x</div>", "1 < 2", "&#xZZ;", "<<>>"]
)
def test_plain_text_never_raises_on_broken_html(text: str) -> None:
    from botapi_sandbox.html import HtmlParseError, parse_text, plain_text

    with pytest.raises(HtmlParseError):
        parse_text(text, "HTML")  # each of these is broken for Telegram...
    assert isinstance(plain_text(text), str)  # ...and the lenient view still reads it


async def test_send_voice_takes_a_known_voice_note_only(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    voice = sandbox.files.store("voice", b"OggS", mime_type="audio/ogg")
    photo = sandbox.files.store("photo", b"\xff\xd8", mime_type="image/jpeg")
    sent = await bot.send_voice(ALICE, voice.file_id, caption="listen")
    assert sent.voice is not None
    assert sent.voice.file_id == voice.file_id
    assert (await alice.expect_message()).caption == "listen"
    with pytest.raises(BadRequest, match="(?i)as voice"):
        await bot.send_voice(ALICE, photo.file_id)
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_voice(ALICE, "no-such-file")
    assert sandbox.rejections != []  # Telegram would have refused both
