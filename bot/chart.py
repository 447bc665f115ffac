"""The digest's chart: reports by category and status over the period, as a PNG.

matplotlib is imported on first use (it takes a second or so), with the Agg backend and the
object-oriented API (no pyplot state), and a chart is drawn in a worker thread so that the
event loop, which also paces every other message, never waits for it.

Chinese labels need a CJK font. The first font found of `CJK_FONTS` is used; on a machine
with none, a Chinese group's chart is drawn with the English labels (logged once) rather
than with empty boxes.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from typing import Any

from handlers.digest_text import ChartData, chart_data

logger = logging.getLogger(__name__)

WIDTH_PX, HEIGHT_PX, DPI = 800, 500, 100
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
COLOURS = ("#e4572e", "#f3a712", "#29335c", "#a8c686")


@functools.cache
def _matplotlib() -> tuple[Any, Any]:
    """(Figure, FigureCanvasAgg), imported once."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    return Figure, FigureCanvasAgg


@functools.cache
def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, or None."""
    _matplotlib()
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in installed), None)
    if found is None:
        logger.warning("chart: no CJK font installed; Chinese charts use English labels")
    return found


def chart_locale(locale: str) -> str:
    """The locale the chart's labels can be drawn in here."""
    return locale if locale != "zh" or cjk_font() is not None else "en"


def render_png(data: ChartData, *, font: str | None = None) -> bytes:
    """A stacked bar chart, WIDTH_PX x HEIGHT_PX."""
    figure_type, canvas_type = _matplotlib()
    figure = figure_type(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    canvas_type(figure)
    axes = figure.add_subplot()
    family = {"fontfamily": font} if font else {}
    positions = list(range(len(data.categories)))
    bottoms = [0] * len(positions)
    for (label, counts), colour in zip(data.stacks, COLOURS, strict=False):
        axes.bar(positions, counts, bottom=bottoms, label=label, color=colour, width=0.6)
        bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]
    axes.set_xticks(positions, data.categories, rotation=20, ha="right", **family)
    axes.set_ylabel(data.axis, **family)
    axes.set_title(data.title, **family)
    axes.yaxis.get_major_locator().set_params(integer=True)
    if positions:
        axes.legend(prop={"family": font} if font else None, loc="upper right")
    figure.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.25)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _draw(locale: str, params: dict[str, Any]) -> bytes:
    shown = chart_locale(locale)
    return render_png(chart_data(shown, params), font=cjk_font() if shown == "zh" else None)


async def digest_chart(locale: str, params: dict[str, Any]) -> bytes:
    """The chart of a digest's figures, drawn in a worker thread."""
    return await asyncio.to_thread(_draw, locale, params)
