"""A digest's words and the chart's labels, rendered from the figures an outbox row carries
(`storage.digests.digest_params`), in the group's locale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from handlers.common import plain, t
from storage.models import Category, ReportStatus

#: Sections later features add to the digest: notices sent, polls and
#: ballots closed. A feature puts its
#: figures under `params["sections"][name]` (storage/digest_sections.py) and adds its name
#: here and a macro `digest.section_<name>` in both locales; they render in this order,
#: after the places.
SECTIONS: tuple[str, ...] = ("notices", "polls", "ballots", "events")

#: the chart's stacks: which statuses count as open, in progress, resolved, declined
STATUS_GROUPS: dict[str, tuple[ReportStatus, ...]] = {
    "open": (ReportStatus.SUBMITTED, ReportStatus.NEEDS_INFO, ReportStatus.REOPENED),
    "working": (ReportStatus.ACCEPTED, ReportStatus.PLANNED, ReportStatus.IN_PROGRESS),
    "done": (ReportStatus.RESOLVED, ReportStatus.CLOSED),
    "declined": (ReportStatus.DECLINED, ReportStatus.DUPLICATE),
}
RATE_KEYS = ("response", "median_hours", "resolution", "satisfaction")
RATE_MACROS = {"median_hours": "median"}


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def arrow(value: float | None, before: float | None) -> str:
    """↑, ↓ or → from the previous period to this one; nothing when either is missing."""
    if value is None or before is None:
        return ""
    rounded_now, rounded_before = round(value, 3), round(before, 3)
    if rounded_now > rounded_before:
        return "↑"
    return "↓" if rounded_now < rounded_before else "→"


def _html(locale: str, key: str, /, **params: object) -> Markup:
    """A rendered piece that goes into the digest as it is (it is HTML already)."""
    return Markup(t(locale, key, **params))  # rendered (and escaped) by prompts


def render_digest(locale: str, params: dict[str, Any]) -> str:
    """The digest's text (HTML)."""
    order = [c.value for c in Category]
    by_category: dict[str, int] = params["by_category"]
    categories = [
        _html(locale, "digest.category_line", label=_html(locale, f"category.{code}"), count=n)
        for code in order
        if (n := by_category.get(code))
    ]
    rates = []
    for key in RATE_KEYS:
        value, before = params["rates"][key]
        shown = _hours if key == "median_hours" else _percent
        rates.append(
            _html(
                locale,
                f"digest.{RATE_MACROS.get(key, key)}",
                value=shown(value),
                before=shown(before),
                arrow=arrow(value, before),
            )
        )
    places = [
        _html(
            locale,
            "digest.place_line",
            rank=i,
            lat=f"{p['lat']:.3f}",
            lon=f"{p['lon']:.3f}",
            count=p["count"],
        )
        for i, p in enumerate(params["places"], start=1)
    ]
    sections = [
        _html(locale, f"digest.section_{name}", **params["sections"][name])
        for name in SECTIONS
        if name in params["sections"]
    ]
    return t(
        locale,
        "digest.digest",
        community=params["community"],
        since=params["since"],
        until=params["until"],
        new=params["new"],
        new_before=params["new_before"],
        categories=categories,
        rates=rates,
        overdue=params["overdue"],
        places=places,
        sections=sections,
    )


def render_caption(locale: str, params: dict[str, Any]) -> str:
    return t(locale, "digest.chart_caption", community=params["community"])


@dataclass(frozen=True)
class ChartData:
    """What bot/chart.py draws: one bar per category, stacked by status group."""

    title: str
    axis: str
    categories: list[str]  # labels, in Category order, only categories with reports
    stacks: list[tuple[str, list[int]]]  # (group label, count per category)


def _bare(label: str) -> str:
    """A label without its leading emoji (chart fonts have no emoji)."""
    head, _, rest = label.partition(" ")
    return rest if rest and not head.isalnum() else label


def chart_data(locale: str, params: dict[str, Any]) -> ChartData:
    counts: dict[str, dict[str, int]] = params["by_category_status"]
    codes = [c.value for c in Category if c.value in counts]
    stacks = [
        (
            plain(locale, f"digest.chart_{group}"),
            [sum(counts[code].get(s.value, 0) for s in statuses) for code in codes],
        )
        for group, statuses in STATUS_GROUPS.items()
    ]
    return ChartData(
        title=plain(locale, "digest.chart_title", since=params["since"], until=params["until"]),
        axis=plain(locale, "digest.chart_axis"),
        categories=[_bare(plain(locale, f"category.{code}")) for code in codes],
        stacks=stacks,
    )
