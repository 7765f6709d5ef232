"""The ``mathdrill stats --plot`` figure, drawn with matplotlib (the optional extra ``plots``).

Imported only when ``--plot`` is given, so matplotlib never slows down other commands. The Agg
backend is selected before pyplot is imported: it renders to files and needs no display.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mathdrill.cli.counts import counted
from mathdrill.errors import InputError, UsageError

if TYPE_CHECKING:
    from mathdrill.usecases.group import GroupReport
    from mathdrill.usecases.progress import Stats

INSTALL_HINT = "pip install 'mathdrill[plots]'"


def require_matplotlib() -> None:
    """Check that matplotlib can be imported, before any other work is done.

    Raises:
        UsageError: matplotlib is not installed (the message says how to get it).
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(
            f"--plot needs matplotlib, which is not installed. Install it with: {INSTALL_HINT}"
        ) from None


def write_figure(stats: Stats, path: Path) -> None:
    """Draw activity, retention over time, forecast, per-deck mastery and intervals into a file.

    Args:
        stats: The statistics to draw.
        path: Where to write; ``.png``, ``.svg`` or ``.pdf`` chooses the format.

    Raises:
        UsageError: matplotlib is missing.
        InputError: The file cannot be written.
    """
    require_matplotlib()
    save(build_figure(stats), path)


def save(figure: Any, path: Path) -> None:
    """Write a figure to ``path`` (its ending chooses the format) and close it.

    Args:
        figure: A matplotlib figure.
        path: Where to write.

    Raises:
        InputError: The file cannot be written.
    """
    import matplotlib.pyplot as plt

    try:
        figure.savefig(path, format=path.suffix.lower().lstrip("."), dpi=110)
    except OSError as error:
        raise InputError(f"--plot {path}: cannot write the figure ({error.strerror})") from None
    finally:
        plt.close(figure)


def write_group_figure(report: GroupReport, path: Path) -> None:
    """Draw ``group stats --plot``: activity per day, then the weakest skills' accuracy.

    Args:
        report: The group's figures.
        path: Where to write; ``.png``, ``.svg`` or ``.pdf`` chooses the format.

    Raises:
        UsageError: matplotlib is missing.
        InputError: The file cannot be written.
    """
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 9))
    figure.set_layout_engine(ConstrainedLayoutEngine(w_pad=0.15, h_pad=0.15))
    figure.suptitle(
        f"mathdrill group — {counted(report.learners, 'learner')}, "
        f"{report.active} active in the last {counted(report.days, 'day')}"
    )
    import matplotlib.dates as mdates

    days = [a.day for a in report.activity]
    reviews = [a.reviews for a in report.activity]
    active = [a.learners for a in report.activity]
    bars = top.bar(days, reviews, color="#4c72b0", label="reviews")
    top.set_ylabel("reviews per day")
    top.set_ylim(0, max(1, *reviews) * 1.3)  # headroom for the legend
    _counts(top.yaxis)
    twin = top.twinx()
    (line,) = twin.plot(days, active, color="#dd8452", marker="o", label="active learners")
    twin.set_ylabel("active learners")
    twin.set_ylim(0, max(1, *active) * 1.3)
    _counts(twin.yaxis)
    top.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    top.set_title("Activity")
    top.legend(handles=[bars, line], loc="upper left", ncols=2)
    weakest = list(reversed(report.weakest))
    if weakest:
        bottom.barh(
            [s.card for s in weakest],
            [100 * (s.accuracy or 0) for s in weakest],
            color="#c44e52",
        )
        bottom.set_xlim(0, 100)
        bottom.set_xlabel("first-try accuracy (%)")
    else:
        bottom.text(0.5, 0.5, "No skill has enough first tries yet", ha="center", va="center")
        bottom.set_axis_off()
    bottom.set_title("Weakest skills")
    save(figure, path)


def build_figure(stats: Stats) -> Any:
    """Draw the figure (see :func:`write_figure`) without writing it.

    Args:
        stats: The statistics to draw.

    Returns:
        The matplotlib figure; the caller closes it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Constrained layout with a margin: no label or title touches the figure's edges.
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    figure, axes = plt.subplots(3, 2, figsize=(12, 11.5))
    figure.set_layout_engine(ConstrainedLayoutEngine(w_pad=0.15, h_pad=0.15))
    title = "mathdrill progress"
    if stats.decks_filter or stats.tags_filter:
        title += " — " + ", ".join([*stats.decks_filter, *(f"#{t}" for t in stats.tags_filter)])
    figure.suptitle(f"{title} (until {stats.today.day:%Y-%m-%d})")
    _activity(axes[0][0], stats)
    _retention(axes[0][1], stats)
    _forecast(axes[1][0], stats)
    _mastery(axes[1][1], stats)
    _intervals(axes[2][0], stats)
    _heatmap(figure, axes[2][1], stats)
    return figure


def _counts(axis: Any) -> None:
    """Ticks at whole numbers only: the axis counts reviews, cards or skills."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _dates(ax: Any, stats: Stats) -> None:
    """Short horizontal date labels ("08 May"), a handful over the period."""
    import matplotlib.dates as mdates

    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=6))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    first, last = stats.since, stats.today.day
    ax.set_xlim(mdates.date2num(first) - 0.7, mdates.date2num(last) + 0.7)


def _activity(ax: Any, stats: Stats) -> None:
    days = [p.day for p in stats.activity]
    ax.bar(days, [p.reviews for p in stats.activity], color="#4c72b0")
    ax.set_title(f"Reviews per day (last {counted(stats.days, 'day')})")
    ax.set_ylabel("reviews")
    _counts(ax.yaxis)
    _dates(ax, stats)


def _retention(ax: Any, stats: Stats) -> None:
    # Days without a first try are gaps (NaN), so no line is drawn across them.
    days = [p.day for p in stats.activity]
    values = [float("nan") if p.accuracy is None else 100 * p.accuracy for p in stats.activity]
    if any(v == v for v in values):
        ax.plot(days, values, marker="o", ms=3)
    ax.set_ylim(0, 105)
    ax.set_ylabel("% right at first try")
    ax.set_title("First-try accuracy per day")
    _dates(ax, stats)
    rows = [r for r in stats.retention if r.total]
    text = " · ".join(f"{r.period} {100 * r.total_correct / r.total:.0f}%" for r in rows)
    ax.set_xlabel(f"true retention: {text}" if text else "no reviews yet", fontsize="small")


def _forecast(ax: Any, stats: Stats) -> None:
    labels = [f"{d:%a %d}" for d, _ in stats.forecast]
    ax.bar(labels, [n for _, n in stats.forecast], color="#dd8452")
    ax.set_title(f"Due in the next 7 days ({stats.due_next_30_days} within 30 days)")
    ax.set_ylabel("cards")
    _counts(ax.yaxis)


def _mastery(ax: Any, stats: Stats) -> None:
    decks = list(stats.decks)[:20]
    names = [g.id for g in decks]
    ax.barh(names, [g.skills for g in decks], color="#dddddd", label="skills")
    ax.barh(names, [g.seen for g in decks], color="#8fbbd9", label="seen")
    ax.barh(names, [g.mastered for g in decks], color="#2a7ab0", label="mastered (≥ 21 d)")
    ax.invert_yaxis()
    ax.set_title("Per deck: skills, seen, mastered")
    ax.set_xlabel("skills")
    _counts(ax.xaxis)
    if decks:
        # Below the axis, in one row: inside, it hid the bars of the last decks.
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16),
            ncol=3,
            fontsize="small",
            frameon=False,
        )


def _intervals(ax: Any, stats: Stats) -> None:
    if stats.intervals:
        ax.hist(
            [i for i, _ in stats.intervals],
            weights=[n for _, n in stats.intervals],
            bins=30,
            color="#55a868",
        )
    ax.set_title("Interval distribution (seen cards)")
    ax.set_xlabel("interval (days)")
    ax.set_ylabel("cards")
    _counts(ax.yaxis)


def _heatmap(figure: Any, ax: Any, stats: Stats) -> None:
    import matplotlib
    from matplotlib.colors import ListedColormap

    weeks = max((len(stats.heatmap) + 6) // 7, 1)
    # NaN: days still to come this week (left blank); 0 reviews: grey, below the colour scale.
    grid = [[float("nan")] * weeks for _ in range(7)]
    first = stats.heatmap[0][0] if stats.heatmap else stats.today.day
    for day, n in stats.heatmap:
        grid[day.weekday()][(day - first).days // 7] = n
    peak = max((n for _, n in stats.heatmap), default=0)
    # Greens from a visible tint: one review a day must not look like a blank (future) day.
    greens = matplotlib.colormaps["Greens"]
    shades = [greens(0.2 + 0.8 * i / 255) for i in range(256)]
    colours = ListedColormap(shades).with_extremes(under="#e4e4e4", bad="white")
    # Cells as vector rectangles (not an image), so SVG and PDF viewers draw them sharp.
    mesh = ax.pcolormesh(
        grid,  # NaN cells take the colour map's "bad" colour
        cmap=colours,
        vmin=0.5,
        vmax=max(peak, 1) + 0.5,
        edgecolors="white",
        linewidth=0.5,
    )
    ax.invert_yaxis()
    ax.set_yticks([r + 0.5 for r in range(7)], ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    step = 2 if weeks > 8 else 1
    columns = list(range(0, weeks, step))
    ax.set_xticks(
        [c + 0.5 for c in columns], [f"{first + timedelta(weeks=c):%d %b}" for c in columns]
    )
    ax.tick_params(axis="x", labelsize="small")
    ax.set_xlabel("week starting (Monday)")
    ax.set_title(f"Calendar, last {counted(weeks, 'week')}")
    bar = figure.colorbar(mesh, ax=ax, extend="min", extendfrac=0.08)
    bar.set_label("reviews per day (grey: none)")
    _counts(bar.ax.yaxis)
