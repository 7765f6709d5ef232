"""The ``mathdrill stats --plot`` figure, drawn with matplotlib (the optional extra ``plots``).

Imported only when ``--plot`` is given, so matplotlib never slows down other commands. The Agg
backend is selected before pyplot is imported: it renders to files and needs no display.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mathdrill.errors import InputError, UsageError

if TYPE_CHECKING:
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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(3, 2, figsize=(12, 11), layout="constrained")
    title = "mathdrill progress"
    if stats.decks_filter or stats.tags_filter:
        title += " — " + ", ".join([*stats.decks_filter, *(f"#{t}" for t in stats.tags_filter)])
    figure.suptitle(f"{title} (until {stats.today.day:%Y-%m-%d})")
    _activity(axes[0][0], stats)
    _retention(axes[0][1], stats)
    _forecast(axes[1][0], stats)
    _mastery(axes[1][1], stats)
    _intervals(axes[2][0], stats)
    _heatmap(axes[2][1], stats)
    try:
        figure.savefig(path, format=path.suffix.lower().lstrip("."), dpi=110)
    except OSError as error:
        raise InputError(f"--plot {path}: cannot write the figure ({error.strerror})") from None
    finally:
        plt.close(figure)


def _activity(ax: Any, stats: Stats) -> None:
    days = [p.day for p in stats.activity]
    ax.bar(days, [p.reviews for p in stats.activity], color="#4c72b0")
    ax.set_title(f"Reviews per day (last {stats.days} days)")
    ax.set_ylabel("reviews")
    ax.tick_params(axis="x", labelrotation=45)


def _retention(ax: Any, stats: Stats) -> None:
    points = [(p.day, 100 * p.accuracy) for p in stats.activity if p.accuracy is not None]
    if points:
        ax.plot([d for d, _ in points], [v for _, v in points], marker="o", ms=3)
    ax.set_ylim(0, 100)
    ax.set_title("First-try accuracy per day (%)")
    rows = [r for r in stats.retention if r.total]
    text = "  ".join(f"{r.period}: {100 * r.total_correct / r.total:.0f}%" for r in rows)
    ax.set_xlabel(f"true retention — {text}" if text else "no reviews yet")
    ax.tick_params(axis="x", labelrotation=45)


def _forecast(ax: Any, stats: Stats) -> None:
    labels = [f"{d:%a %d}" for d, _ in stats.forecast]
    ax.bar(labels, [n for _, n in stats.forecast], color="#dd8452")
    ax.set_title(f"Due in the next 7 days ({stats.due_next_30_days} within 30 days)")
    ax.set_ylabel("cards")


def _mastery(ax: Any, stats: Stats) -> None:
    decks = list(stats.decks)[:20]
    names = [g.id for g in decks]
    ax.barh(names, [g.skills for g in decks], color="#dddddd", label="skills")
    ax.barh(names, [g.seen for g in decks], color="#8fbbd9", label="seen")
    ax.barh(names, [g.mastered for g in decks], color="#2a7ab0", label="mastered (≥ 21 d)")
    ax.invert_yaxis()
    ax.set_title("Per deck: skills, seen, mastered")
    if decks:
        ax.legend(loc="lower right", fontsize="small")


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


def _heatmap(ax: Any, stats: Stats) -> None:
    weeks = (len(stats.heatmap) + 6) // 7
    grid = [[float("nan")] * max(weeks, 1) for _ in range(7)]
    if stats.heatmap:
        first = stats.heatmap[0][0]
        for day, n in stats.heatmap:
            grid[day.weekday()][(day - first).days // 7] = n
    ax.imshow(grid, cmap="Greens", aspect="auto")
    ax.set_yticks(range(7), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    ax.set_xlabel("week")
    ax.set_title("Calendar, last 16 weeks")
