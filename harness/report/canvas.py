"""report layer: the canvas every plot draws on, and its PNG bytes.

matplotlib through `matplotlib.figure.Figure` and the Agg canvas directly, never pyplot: no global figure
registry, no GUI backend, safe in pytest-xdist workers and threads.
"""

from __future__ import annotations

import io
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

FIGURE_SIZE_IN = (6.4, 3.6)
FIGURE_DPI = 100  # 640 x 360 pixels
LegendPlace = Literal["best", "upper right", "lower right"]
MAX_LEGEND_ENTRIES = 12  # beyond it a legend hides the plot; the lines stay


def new_axes(*, size_in: tuple[float, float] = FIGURE_SIZE_IN) -> tuple[Figure, Axes]:
    figure = Figure(figsize=size_in, dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def label_axes(axes: Axes, font: FontProperties, *, title: str, xlabel: str, ylabel: str) -> None:
    """Title and axis words in the figure's language font; a light grid."""
    title_font = font.copy()
    title_font.set_size("large")  # matplotlib's own title size, which a FontProperties would override
    axes.set_title(title, fontproperties=title_font)
    axes.set_xlabel(xlabel, fontproperties=font)
    axes.set_ylabel(ylabel, fontproperties=font)
    axes.grid(alpha=0.3)


def add_legend(axes: Axes, font: FontProperties, *, entries: int, loc: LegendPlace = "best") -> None:
    """A legend in the figure's font, small; none for more than MAX_LEGEND_ENTRIES entries."""
    if 0 < entries <= MAX_LEGEND_ENTRIES:
        small = font.copy()
        small.set_size("small")
        axes.legend(loc=loc, prop=small)


def from_zero(axes: Axes, highest: float) -> None:
    """A y axis from 0 with a tenth of headroom above the highest value (autoscaling's 5 % margin is of the
    data's range, which puts a flat line at the very top of the frame once the axis starts at 0)."""
    axes.set_ylim(0, highest * 1.1 if highest > 0 else 1.0)


def png_of(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
