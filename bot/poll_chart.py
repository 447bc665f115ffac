"""A closed poll's bar chart: votes per option, as a PNG drawn in a worker thread, with the
machinery of the digest's chart (bot/chart.py: matplotlib on first use, Agg, a CJK font).

Options are numbered as in the poll. On a machine without a CJK font, a label it cannot draw
is its number alone (the caption and /polls carry the words) rather than empty boxes."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from bot.chart import COLOURS, DPI, HEIGHT_PX, WIDTH_PX, _matplotlib, chart_locale, cjk_font
from handlers.common import plain, shorten

LABEL_CHARS = 24  # an option's label on the chart; the caption and /polls say it whole


def render_poll_png(
    question: str, options: list[str], counts: list[int], axis: str, *, font: str | None
) -> bytes:
    """Horizontal bars, the first option on top, each labelled with its count."""
    figure_type, canvas_type = _matplotlib()
    figure = figure_type(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    canvas_type(figure)
    axes = figure.add_subplot()
    family = {"fontfamily": font} if font else {}
    positions = list(range(len(options)))[::-1]
    bars = axes.barh(positions, counts, color=COLOURS[2], height=0.6)
    axes.bar_label(bars, padding=3)
    labels = [f"{i}. {shorten(o, LABEL_CHARS)}" for i, o in enumerate(options, start=1)]
    if font is None:  # no CJK font here: text it cannot draw becomes the option's number
        labels = [label if label.isascii() else f"{i}." for i, label in enumerate(labels, 1)]
        question = question if question.isascii() else ""
        axis = axis if axis.isascii() else "Votes"
    axes.set_yticks(positions, labels, **family)
    axes.set_xlabel(axis, **family)
    axes.set_title(shorten(question, 60), **family)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlim(0, max([*counts, 1]) * 1.15)
    figure.subplots_adjust(left=0.3, right=0.97, top=0.9, bottom=0.12)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _draw(locale: str, params: dict[str, Any]) -> bytes:
    shown = chart_locale(locale)
    return render_poll_png(
        str(params["question"]),
        [str(o) for o in params["options"]],
        [int(c) for c in params["counts"]],
        plain(shown, "polls.chart_axis"),
        font=cjk_font(),
    )


async def poll_chart(locale: str, params: dict[str, Any]) -> bytes:
    """The chart of a poll's result, drawn in a worker thread."""
    return await asyncio.to_thread(_draw, locale, params)
