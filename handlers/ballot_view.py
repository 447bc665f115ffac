"""What a priority ballot looks like (issue 14): a planner's draft card, an item as a voter
sees it (one per message, with its photo), the invitation and the result. The outbox sender
renders the invitation and the result with these (bot/outbox_render.py)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from markupsafe import Markup
from telegram import InlineKeyboardMarkup

from handlers.buttons_ballots import (
    BallotAddReport,
    BallotDraft,
    BallotItemView,
    BallotOpen,
    BallotScoreButton,
    DraftAction,
)
from handlers.common import inline, plain, shorten, t
from storage.ballot_models import Electorate
from storage.ballot_voting import SCORES, Axis, VoterItem
from storage.ballots import OPEN_DAYS, DraftView
from storage.communities import community_name
from storage.models import Report

LABEL_CHARS = 60


def item_label(locale: str, report: Report | None, text: str) -> str:
    """A report as `R-000012 · category · words`, a typed item as its words (plain text)."""
    if report is None:
        return text
    parts = [report.ref, plain(locale, f"category.{report.category}")]
    if report.description:
        parts.append(shorten(report.description, LABEL_CHARS))
    return " · ".join(parts)


def draft_card(locale: str, view: DraftView) -> tuple[str, InlineKeyboardMarkup]:
    ballot = view.ballot
    assert ballot.id is not None
    panel = ballot.electorate == Electorate.PANEL
    electorate = (
        plain(locale, "ballots.electorate_panel", count=view.voters)
        if panel
        else plain(locale, "ballots.electorate_residents")
    )
    text = t(
        locale,
        "ballots.draft",
        title=ballot.title,
        community=community_name(view.community, locale),
        items=[item_label(locale, report, item.text) for item, report in view.items],
        electorate=electorate,
    )
    bid, version = ballot.id, ballot.version
    rows = [
        [
            (
                plain(locale, "ballots.add_button", label=shorten(item_label(locale, r, ""), 40)),
                BallotAddReport(bid, version, r.id or 0).encode(),
            )
        ]
        for r in view.candidates
    ]
    switch = DraftAction.RESIDENTS if panel else DraftAction.PANEL
    switch_label = "ballots.to_residents_button" if panel else "ballots.to_panel_button"
    rows.append([(plain(locale, switch_label), BallotDraft(bid, version, switch).encode())])
    rows += [
        [(plain(locale, "ballots.open_button", days=d), BallotOpen(bid, version, d).encode())]
        for d in OPEN_DAYS
    ]
    rows.append(
        [
            (
                plain(locale, "ballots.cancel_button"),
                BallotDraft(bid, version, DraftAction.CANCEL).encode(),
            )
        ]
    )
    return text, inline(rows)


def voter_item(locale: str, seen: VoterItem) -> tuple[str, InlineKeyboardMarkup]:
    """One item: what it is, the voter's scores so far, the progress line, and the buttons
    (urgency 1-3, importance 1-3, previous / next)."""
    ballot, item = seen.ballot, seen.item
    assert ballot.id is not None
    assert item.id is not None
    urgency = seen.score.urgency if seen.score else None
    importance = seen.score.importance if seen.score else None
    text = t(
        locale,
        "ballots.item",
        title=ballot.title,
        position=item.position,
        total=seen.total,
        label=item_label(locale, seen.report, item.text),
        urgency=urgency,
        importance=importance,
        scored=seen.scored,
    )

    def row(axis: Axis, key: str, chosen: int | None) -> list[tuple[str, str]]:
        return [
            (
                plain(locale, key, score=n, chosen=n == chosen),
                BallotScoreButton(ballot.id or 0, item.id or 0, axis, n).encode(),
            )
            for n in SCORES
        ]

    nav: list[tuple[str, str]] = []
    if item.position > 1:
        nav.append(
            (
                plain(locale, "ballots.prev_button"),
                BallotItemView(ballot.id, item.position - 1).encode(),
            )
        )
    if item.position < seen.total:
        nav.append(
            (
                plain(locale, "ballots.next_button"),
                BallotItemView(ballot.id, item.position + 1).encode(),
            )
        )
    rows = [
        row(Axis.URGENCY, "ballots.urgency_button", urgency),
        row(Axis.IMPORTANCE, "ballots.importance_button", importance),
    ]
    if nav:
        rows.append(nav)
    return text, inline(rows)


def invitation(locale: str, params: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    text = t(
        locale,
        "ballots.invite",
        title=params["title"],
        count=params["items"],
        closes=params["closes"],
    )
    start = BallotItemView(int(params["ballot_id"]), 1).encode()
    return text, inline([[(plain(locale, "ballots.start_button"), start)]])


def _mean(score_sum: int, voters: int) -> str:
    """The mean of urgency × importance, to two decimals (exact ties print alike)."""
    if not voters:
        return ""
    return f"{float(Fraction(score_sum, voters)):.2f}"


def result(locale: str, params: dict[str, Any]) -> str:
    lines = [  # rendered (and escaped) by prompts already
        Markup(
            t(
                locale,
                "ballots.result_line",
                rank=row["rank"],
                label=row["label"] or "—",
                mean=_mean(int(row["score_sum"]), int(row["voters"])),
                voters=row["voters"],
            )
        )
        for row in params["items"]
    ]
    return t(locale, "ballots.result", title=params["title"], lines=lines)
