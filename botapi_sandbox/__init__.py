"""A fake Telegram Bot API server for tests: validates requests, records them, acts as people.

Usage::

    sandbox = await Sandbox().start()
    app = ApplicationBuilder().token(sandbox.token).base_url(sandbox.base_url) \\
        .base_file_url(sandbox.base_file_url).build()
    alice = sandbox.person(user_id=1001, first_name="Alice")
    await alice.send("/start")
    reply = await alice.expect_message(containing="Welcome")  # the next unread message
    await alice.tap("OK")
    council = sandbox.group(chat_id=-100500, title="Council")
    await council.member(alice).send("/report@bot")
    sandbox.on_settle(app.update_queue.join)  # "handled", not only "fetched"
    await alice.expect_no_message()  # after the settle barrier, not after a nap
    assert sandbox.rejections == []
    await sandbox.stop()

Every request is checked against the Bot API reference shipped in ``botapi_sandbox/data``
(``$TELEGRAM_BOT_API_SPEC`` may name another copy; see :func:`load_spec`); every refusal is
kept in ``sandbox.rejections``. A missing reference is an error, never an unchecked mode
(``tests/sandbox/test_reference.py``).
"""

from .actors import Actor, Group, Person
from .errors import ApiError
from .expectations import ChatView
from .images import make_photo, photo_gps
from .models import ApiCall, CallbackAnswer, Rejection, SentMessage
from .server import DEFAULT_TOKEN, Sandbox
from .spec import (
    PACKAGED_SPEC,
    SPEC_ENV_VAR,
    ApiSpec,
    SpecNotFoundError,
    default_spec_path,
    load_spec,
)

__all__ = [
    "Actor",
    "DEFAULT_TOKEN",
    "PACKAGED_SPEC",
    "SPEC_ENV_VAR",
    "ApiCall",
    "ApiError",
    "ApiSpec",
    "CallbackAnswer",
    "ChatView",
    "Group",
    "Person",
    "Rejection",
    "Sandbox",
    "SentMessage",
    "SpecNotFoundError",
    "default_spec_path",
    "load_spec",
    "make_photo",
    "photo_gps",
]
