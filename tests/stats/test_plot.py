"""The ``stats --plot`` figure: what a reader of it needs, checked on the drawn figure."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, date, datetime, timedelta

import pytest

from mathdrill.cli.plot import build_figure
from mathdrill.decks.catalog import catalog_files, read_catalog
from mathdrill.usecases.progress import build_stats

NOW = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
# Study days with reviews: two runs with gaps (a week off in between), 1–3 reviews a day.
STUDIED = [NOW - timedelta(days=d) for d in (40, 39, 38, 30, 29, 20, 19, 18, 17, 5, 4, 1, 0)]


@pytest.fixture
def figure(db, history):
    cards = [history.card("derivatives", t, NOW - timedelta(days=60)) for t in ("power-rule",)]
    cards.append(history.card("bayes", "urn-posterior", NOW - timedelta(days=60)))
    for n, at in enumerate(STUDIED):
        for k in range(1 + n % 3):
            history.review(cards[k % 2], at + timedelta(minutes=k), correct=(n + k) % 4 != 0)
    stats = build_stats(
        db, read_catalog(catalog_files(None)), NOW, zone=UTC, rollover_hour=4, days=45
    )
    import matplotlib.pyplot as plt

    fig = build_figure(stats)
    fig.canvas.draw()
    yield fig
    plt.close(fig)


def _axes(fig, title_start: str):
    return next(ax for ax in fig.axes if ax.get_title().startswith(title_start))


@pytest.mark.parametrize(
    ("title", "axis"),
    [("Reviews per day", "y"), ("Due in the next", "y"), ("Per deck", "x"), ("Interval", "y")],
)
def test_counts_have_whole_number_ticks(figure, title: str, axis: str) -> None:
    ax = _axes(figure, title)
    low, high = ax.get_ylim() if axis == "y" else ax.get_xlim()
    ticks = [t for t in getattr(ax, f"get_{axis}ticks")() if low <= t <= high]
    assert ticks
    assert all(float(t).is_integer() for t in ticks), ticks


@pytest.mark.parametrize("title", ["Reviews per day", "First-try accuracy"])
def test_date_labels_are_horizontal_and_do_not_overlap(figure, title: str) -> None:
    ax = _axes(figure, title)
    renderer = figure.canvas.get_renderer()
    labels = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
    assert len(labels) >= 3
    assert all(t.get_rotation() == 0 for t in labels)
    boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
    assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes))


def test_no_line_is_drawn_across_days_without_reviews(figure) -> None:
    import matplotlib.dates as mdates

    ax = _axes(figure, "First-try accuracy")
    for line in ax.get_lines():
        xs, ys = line.get_xdata(), line.get_ydata()
        days = [mdates.num2date(x).date() if not isinstance(x, date) else x for x in xs]
        points = list(zip(days, ys, strict=True))
        for (d1, y1), (d2, y2) in itertools.pairwise(points):
            if line.get_linestyle() not in ("None", "") and math.isfinite(y1) and math.isfinite(y2):
                assert (d2 - d1).days == 1, (d1, d2)


def test_the_calendar_has_dates_and_a_colour_legend(figure) -> None:
    ax = _axes(figure, "Calendar")
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert len(labels) >= 4
    for text in labels:
        datetime.strptime(text, "%d %b")  # a date, e.g. "16 Mar"
    cells = [m for m in (*ax.get_images(), *ax.collections) if m.get_array() is not None]
    assert cells
    bar = cells[0].colorbar
    assert bar is not None
    assert bar.ax.get_ylabel() or bar.ax.get_title()


def test_nothing_touches_the_figure_edges(figure) -> None:
    renderer = figure.canvas.get_renderer()
    width, height = figure.bbox.width, figure.bbox.height
    margin = 0.1 * figure.dpi  # a tenth of an inch
    for ax in figure.axes:
        box = ax.get_tightbbox(renderer)
        assert box.x0 >= margin, ax.get_title()
        assert box.y0 >= margin, ax.get_title()
        assert box.x1 <= width - margin, ax.get_title()
        assert box.y1 <= height - margin, ax.get_title()
    title = figure.get_suptitle()
    assert title
