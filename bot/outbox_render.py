"""What an outbox row says: its words in the recipient's locale, its buttons, its photo.

Stage names, template reasons and answers are codes in the row, put into words here at send
time, so each person reads them in their own language (tests/conversation/test_hearing_back.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

import prompts
from handlers.ballot_view import invitation
from handlers.ballot_view import result as ballot_result
from handlers.buttons_rating import Satisfy
from handlers.common import fit, shorten
from handlers.department_card import card_message
from handlers.digest_text import render_caption, render_digest
from handlers.event_view import invitation as event_invitation
from handlers.event_view import promoted, reminder
from handlers.notice_view import notice_text
from handlers.poll_view import result_caption
from handlers.report_ask import CAPTION_LIMIT
from storage.ballot_tally import BALLOT_RESULT
from storage.ballots import BALLOT_INVITE
from storage.department_work import DEPARTMENT_CARD
from storage.digests import DIGEST_CHART, DIGEST_TEXT
from storage.event_reminders import EVENT_REMINDER
from storage.event_signups import EVENT_PROMOTED
from storage.events import EVENT_INVITE
from storage.models import OutboxMessage, format_ref
from storage.poll_delivery import POLL_KIND
from storage.poll_votes import POLL_RESULT
from storage.rules import MAX_NOTE, Satisfaction, from_stars


@dataclass(frozen=True)
class Rendered:
    """An outbox row as it is sent: text (a caption when there is a photo), buttons, and the
    Telegram file id of a photo to send it with."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    photo: str | bytes | None = None  # a file id, or a picture drawn at send time (a chart)
    as_document: bool = False  # the photo's file id is a document's (an image sent as a file)


def render(message: OutboxMessage) -> Rendered:
    """An outbox row in the recipient's locale: stage names, template reasons and answers
    are codes in the row and put into words here, at send time."""
    locale, params = message.locale, message.params
    ref = format_ref(int(params["report_id"])) if "report_id" in params else ""
    if message.kind == "status":
        return _status(locale, ref, params)
    if message.kind == "rate":
        report_id = int(params["report_id"])
        rows = [
            [
                InlineKeyboardButton(
                    prompts.render_text(f"rating.{answer.value}", locale),
                    callback_data=Satisfy(report_id, answer).encode(),
                )
            ]
            for answer in Satisfaction
        ]
        text = prompts.render("notify.rate", locale, ref=ref)
        return Rendered(text, InlineKeyboardMarkup(rows))
    if message.kind == "reopened":
        answer = _answer(params)
        label = prompts.render(f"rating.{answer.value}", locale)
        return Rendered(prompts.render("notify.reopened", locale, ref=ref, answer=label))
    if message.kind == "info_received":  # the answer itself: words, and a photo's caption
        text, photo = str(params.get("text") or ""), params.get("photo")
        words = prompts.render(
            "notify.info_received", locale, ref=ref, text=text, photo=bool(photo)
        )
        document = params.get("photo_kind") == "document"  # an image the resident sent as a file
        return Rendered(words, photo=str(photo) if photo else None, as_document=document)
    if message.kind == "overdue":
        refs = [format_ref(int(i)) for i in params.get("report_ids", [])]
        stuck = [
            (format_ref(int(i)), prompts.render(f"status.{status}", locale))
            for i, status in params.get("stuck", [])
        ]
        text = prompts.render("notify.overdue", locale, count=len(refs), refs=refs, stuck=stuck)
        return Rendered(text)
    if message.kind == "notice":  # sent by deliver_notice (an album when it has photos)
        return Rendered(notice_text(params, locale))
    if message.kind == DIGEST_TEXT:  # a committee's digest (issue 13): text, then the chart
        return Rendered(render_digest(locale, params))
    if message.kind == BALLOT_INVITE:  # a priority ballot opened (issue 14)
        text, markup = invitation(locale, params)
        return Rendered(text, markup)
    if message.kind == BALLOT_RESULT:
        return Rendered(ballot_result(locale, params))
    if message.kind == DIGEST_CHART:  # the chart's caption; the sender draws the photo
        return Rendered(render_caption(locale, params))
    if message.kind == DEPARTMENT_CARD:  # a report routed to a department, in its chat
        card = card_message(locale, params)
        return Rendered(card.text, card.markup, photo=card.photo, as_document=card.as_document)
    if message.kind == POLL_KIND:  # sent by deliver_poll: its pictures, then the native poll
        return Rendered(str(params["question"]))
    if message.kind == POLL_RESULT:  # the chart's caption; the sender draws the photo
        return Rendered(result_caption(locale, params))
    if message.kind == EVENT_INVITE:  # a volunteer event (issue 15), with its Sign up button
        return Rendered(*event_invitation(locale, params))
    if message.kind == EVENT_REMINDER:
        return Rendered(*reminder(locale, params))
    if message.kind == EVENT_PROMOTED:
        return Rendered(*promoted(locale, params))
    raise ValueError(f"unknown outbox kind {message.kind!r}")


def _status(locale: str, ref: str, params: dict[str, Any]) -> Rendered:
    """A public step: the stage and a template reason in the reader's words, the planner's
    note as written; with the "after" photo when the step came with one, the notice being
    its caption (the note shortened to fit; /myreports keeps it whole)."""
    duplicate_of, reason, photo = (
        params.get("duplicate_of"),
        params.get("reason"),
        params.get("photo"),
    )

    def text(note_chars: int) -> str:
        return prompts.render(
            "notify.status",
            locale,
            ref=ref,
            status=prompts.render(f"status.{params['status']}", locale),
            note=shorten(params.get("note") or "", note_chars),
            reason=prompts.render_text(f"triage.reason_{reason}", locale) if reason else "",
            duplicate_of=format_ref(int(duplicate_of)) if duplicate_of else "",
        )

    if not photo:
        return Rendered(text(MAX_NOTE))
    return Rendered(fit(text, CAPTION_LIMIT, start=MAX_NOTE), photo=str(photo))


def _answer(params: dict[str, Any]) -> Satisfaction:
    """The resident's answer of a `reopened` row; a row queued before the new scale has
    `stars` (None for "not fixed")."""
    if "answer" in params:
        return Satisfaction(params["answer"])
    return from_stars(int(params.get("stars") or 0))
