"""The review's trend chart: cases per client per month, by verdict, as a PNG.

Drawn server-side with matplotlib's Agg backend and its object API (a `Figure` per
chart, never pyplot's shared state), on one worker thread of its own (`render`), so the
event loop is never blocked and no two charts are drawn at once. The font is DejaVu
Sans, which matplotlib ships and which has Hebrew; matplotlib 3.11 lays out
right-to-left text itself. Every text comes from the view's catalog labels; client
names are data, so a `$` in one is shown, never read as mathtext.
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.container import BarContainer  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402

from handlers.messages import plain  # noqa: E402
from handlers.trend import KEYS, Trend  # noqa: E402

FONT = "DejaVu Sans"
COLOURS = {  # by verdict: right is the firm's to fix, not right the client's to hear
    "right": "#d95f02",
    "partly_right": "#e6ab02",
    "not_right": "#1b9e77",
    "misunderstanding": "#7570b3",
    "unjudged": "#bdbdbd",
}
WIDTH, PANEL_HEIGHT, DPI = 8.0, 1.8, 100
_DRAWER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart")


@dataclass(frozen=True)
class Chart:
    png: bytes
    drawn: dict[str, dict[str, tuple[int, ...]]]  # client id -> key -> bar heights, as drawn


def _text(markup: str) -> str:
    """A label as plain text that matplotlib shows as it is."""
    return plain(markup, str).replace("$", r"\$")


def draw(trend: Trend) -> Chart:
    """One panel per client (stacked bars by month, one colour a verdict); the series are
    read back from the bars drawn, so what the chart shows is what a test checks."""
    count = max(len(trend.clients), 1)
    figure = Figure(figsize=(WIDTH, 1.2 + PANEL_HEIGHT * count), dpi=DPI, layout="constrained")
    figure.suptitle(_text(trend.title), fontfamily=FONT, fontsize=12)
    axes = figure.subplots(count, 1, sharex=True, squeeze=False)[:, 0]
    drawn: dict[str, dict[str, tuple[int, ...]]] = {}
    positions = range(len(trend.months))
    for ax, client in zip(axes, trend.clients, strict=False):
        base = [0] * len(trend.months)
        bars: dict[str, BarContainer] = {}
        for key in KEYS:
            counts = client.counts[key]
            bars[key] = ax.bar(
                positions, counts, bottom=base, color=COLOURS[key], label=_text(trend.labels[key])
            )
            base = [b + c for b, c in zip(base, counts, strict=True)]
        drawn[client.client_id] = {
            key: tuple(round(patch.get_height()) for patch in bar.patches)
            for key, bar in bars.items()
        }
        ax.set_title(_text(client.name), fontfamily=FONT, fontsize=10, loc="left")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
    axes[-1].set_xticks(list(positions), trend.months, fontfamily=FONT)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        legend = {"family": FONT, "size": 8}
        figure.legend(handles, labels, loc="outside lower center", ncols=len(KEYS), prop=legend)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return Chart(out.getvalue(), drawn)


async def render(trend: Trend) -> Chart:
    """`draw` on the chart thread, so the event loop carries on meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_DRAWER, draw, trend)
