"""``mathdrill export`` and ``mathdrill import``: take your progress out, bring it back in."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from mathdrill.cli import completion, jsonout, root
from mathdrill.cli.counts import counted
from mathdrill.errors import InputError, OutputError, UsageError

if TYPE_CHECKING:
    from datetime import datetime, tzinfo

    from mathdrill.usecases.transfer import ImportResult


class What(StrEnum):
    """What ``export`` writes."""

    reviews = "reviews"
    cards = "cards"
    stats = "stats"
    flags = "flags"
    all = "all"


class Format(StrEnum):
    """Export formats."""

    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    fsrs = "fsrs"


def register(app: typer.Typer) -> None:
    """Attach ``export`` and ``import`` to the root application.

    Args:
        app: The root typer application.
    """
    app.command(
        "export",
        help=(
            "Write your reviews, cards, per-skill statistics, flagged problems or all of it as "
            "CSV, JSON, JSON lines, or (reviews) the FSRS optimizer's review log. Columns: "
            "docs/data.md. "
            "Standard output unless -o is given."
        ),
    )(export_command)
    app.command(
        "import",
        help=(
            "Merge an `export all` file (JSON or JSON lines) into the database: the whole file "
            "is checked first, the database is backed up, and records already present are "
            "skipped, so importing the same file twice adds nothing."
        ),
    )(import_command)


def parse_since(text: str, zone: tzinfo, rollover_hour: int) -> datetime:
    """Read ``--since``: a date (the start of that study day) or an ISO 8601 date-time.

    Args:
        text: e.g. ``2026-03-01`` or ``2026-03-01T08:00`` (local time) or with an offset/``Z``.
        zone: The learner's time zone (for dates and times without an offset).
        rollover_hour: The hour a study day starts (a bare date means that hour, local time).

    Returns:
        The aware instant.

    Raises:
        UsageError: When the text is neither.
    """
    from datetime import date, datetime

    from mathdrill.scheduling.queue import day_start

    cleaned = text.strip()
    try:
        if len(cleaned) == 10:
            return day_start(date.fromisoformat(cleaned), rollover_hour, zone)
        if cleaned.endswith(("Z", "z")):
            cleaned = cleaned[:-1] + "+00:00"
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise UsageError(
            f"--since: {text!r} is not a date or time; use e.g. 2026-03-01 (from the start of "
            "that study day) or 2026-03-01T08:00 or 2026-03-01T08:00:00Z"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _tty() -> bool:
    with contextlib.suppress(AttributeError, ValueError):
        return sys.stderr.isatty()
    return False


@contextlib.contextmanager
def _bar(label: str, unit: str) -> Iterator[Callable[[int, int | None], None] | None]:
    """Yield a progress callback drawing a rich bar on stderr, or None when not a terminal."""
    if not _tty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        f"[bold]{label}",
        BarColumn(),
        MofNCompleteColumn(),
        unit,
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def export_command(
    ctx: typer.Context,
    what: Annotated[
        What,
        typer.Argument(
            help="reviews (the log), cards (schedules), stats (per skill), flags (flagged "
            "problems), all."
        ),
    ],
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="csv (default), json, jsonl, or fsrs (reviews only); `all` defaults to json.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE (complete or not at all) instead of standard output.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Only reviews (and flags) from this study day (2026-03-01) or time "
            "(2026-03-01T08:00) on.",
        ),
    ] = None,
    decks: Annotated[
        list[str] | None,
        typer.Option(
            "--deck",
            metavar="ID",
            help="Only this deck (repeat for several).",
            autocompletion=completion.deck_ids,
        ),
    ] = None,
) -> None:
    """Export reviews, cards, per-skill statistics or everything."""
    from mathdrill.usecases import transfer
    from mathdrill.usecases.collection import open_collection

    environment = root.environment(ctx)
    name = what.value
    chosen = fmt.value if fmt is not None else transfer.default_format(name)
    filters = transfer.ExportFilters(
        since=None
        if since is None
        else parse_since(since, environment.zone, environment.rollover_hour),
        decks=None if not decks else tuple(dict.fromkeys(decks)),
    )
    transfer.check_request(name, chosen, filters)
    with (
        _stopped_by_signals(output),
        open_collection(environment, create=False) as db,
        _bar(f"export {name}", "records") as progress,
    ):
        if output is not None:
            with transfer.output_file(output) as out:
                result = transfer.export(
                    db,
                    name,
                    chosen,
                    out,
                    now=environment.now(),
                    filters=filters,
                    progress=progress,
                )
        else:
            result = _to_stdout(
                lambda out: transfer.export(
                    db,
                    name,
                    chosen,
                    out,
                    now=environment.now(),
                    filters=filters,
                    progress=progress,
                )
            )
    if result.unimportable:
        typer.echo(
            f"mathdrill: warning: {result.unimportable} rows hold values outside what mathdrill "
            "can use, so `mathdrill import` will refuse this export until they are fixed: "
            "`mathdrill doctor` lists them and says how.",
            err=True,
        )
    if name == "all":
        _warn_of_own_decks(environment.data_dir / "decks")
    if output is not None:
        parts = []
        if name in ("cards", "stats", "all"):
            parts.append(counted(result.cards, "skill" if name == "stats" else "card"))
        if name in ("reviews", "all"):
            parts.append(counted(result.reviews, "review"))
        if name in ("flags", "all"):
            parts.append(counted(result.flags, "flag"))
        listed = " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
        typer.echo(f"Wrote {listed} to {output}.", err=True)


def _warn_of_own_decks(folder: Path) -> None:
    """Say that the learner's own deck files are not in an ``export all`` (docs/data.md)."""
    from mathdrill.decks.library import deck_files

    own = deck_files(folder) if folder.is_dir() else []
    if own:
        typer.echo(
            f"mathdrill: warning: your {counted(len(own), 'deck file')} in {folder} "
            f"{'is' if len(own) == 1 else 'are'} not in this export; keep a copy with it, or "
            "the cards of those decks come back without titles, tags or problems.",
            err=True,
        )


class _Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like Ctrl-C, so the temporary file is deleted."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _stopped_by_signals(output: Path | None) -> Iterator[None]:
    """Let SIGTERM and SIGHUP end an export cleanly: no ``.NAME.*.part`` file is left behind.

    The signal becomes an exception where the export is, so the output's clean-up runs; the
    exit status is then 128 + the signal's number, as a shell reports it.
    """
    import signal

    def stop(signum: int, _frame: object) -> None:
        raise _Stopped(signum)

    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {signum: signal.signal(signum, stop) for signum in wanted}
    try:
        yield
    except _Stopped as stopped:
        name = signal.Signals(stopped.signum).name
        kept = "" if output is None else f"; {output} was not written"
        typer.echo(f"mathdrill: stopped by {name}{kept}.", err=True)
        raise typer.Exit(128 + stopped.signum) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _to_stdout(write: Callable[[IO[str]], Any]) -> Any:
    # A large buffer and no newline translation: CSV rows end in "\n" exactly as written.
    import io

    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=False)
    try:
        result = write(stream)
        stream.flush()
    except BrokenPipeError:
        # `mathdrill export reviews | head`: the reader left; that is not an error. Point
        # stdout at /dev/null so the interpreter's final flush does not complain again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None
    except OSError as exc:
        # A full disk or a lost device behind the redirection.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise OutputError(
            f"cannot write to standard output: {exc.strerror or exc}; the export is incomplete."
        ) from None
    finally:
        with contextlib.suppress(ValueError, BrokenPipeError):
            stream.detach()
    return result


def import_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A file written by `mathdrill export all` (JSON or JSON lines); - reads "
            "standard input.",
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what was imported as JSON.")
    ] = False,
) -> None:
    """Import an `export all` file."""
    environment = root.environment(ctx)
    if str(file) != "-":
        _refuse_special(file)
    result = _import(environment, file)
    if as_json:
        typer.echo(jsonout.dumps(_import_json(result)))
        return
    _print_import(result)


def _refuse_special(file: Path) -> None:
    """Say what a path is when it is no regular file (import reads the file twice)."""
    import stat

    try:
        mode = file.stat().st_mode
    except OSError:
        return  # missing or unreadable: the import says so
    if stat.S_ISDIR(mode):
        kind = "a folder"
    elif stat.S_ISFIFO(mode):
        kind = "a named pipe (FIFO); pipe it in with `mathdrill import - < PIPE`"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        return
    raise InputError(f"{file} is {kind}, not a file written by `mathdrill export all`")


def _import(environment: Any, file: Path) -> ImportResult:
    from mathdrill.usecases import transfer
    from mathdrill.usecases.collection import open_collection
    from mathdrill.usecases.rebuild import settings_of

    stdin = str(file) == "-"
    size = file.stat().st_size if not stdin and file.is_file() else None
    with _bar("import", "characters") as progress:
        if progress is None:
            on_read = None
        else:
            done = {"checking": 0, "importing": 0}

            def on_read(phase: str, n: int) -> None:
                done[phase] += n
                # Two passes over the file: checking is the first half of the bar.
                offset = 0 if phase == "checking" else (size or 0)
                progress(offset + done[phase], None if size is None else 2 * size)

        opener = lambda: open_collection(environment, create=True)  # noqa: E731
        if stdin:
            # Checked as it is read; copied to a temporary file for the merge's second pass.
            return transfer.import_stream(
                opener,
                sys.stdin.buffer,
                now=environment.now(),
                on_read=on_read,
                settings=settings_of(environment),
            )
        return transfer.import_file(
            opener, file, now=environment.now(), on_read=on_read, settings=settings_of(environment)
        )


def _import_json(result: ImportResult) -> dict:
    merge = result.merge
    return {
        "file": result.plan.name or str(result.plan.path),
        "format": result.plan.fmt,
        "exported_at": result.plan.exported_at,
        "cards": {
            "in_file": result.plan.cards,
            "added": merge.cards_added,
            "updated": merge.cards_updated,
            "unchanged": merge.cards_unchanged,
        },
        "reviews": {
            "in_file": result.plan.reviews,
            "added": merge.reviews_added,
            "already_present": merge.reviews_present,
        },
        "flags": {
            "in_file": result.plan.flags,
            "added": merge.flags_added,
            "already_present": merge.flags_present,
        },
        "backup": None if merge.backup is None else str(merge.backup),
    }


def _print_import(result: ImportResult) -> None:
    merge = result.merge
    typer.echo(
        f"Imported {result.plan.name or result.plan.path}: "
        f"{counted(merge.reviews_added, 'review')} added ({merge.reviews_present} already "
        f"present), {counted(merge.cards_added, 'card')} added, "
        f"{merge.cards_updated} updated with a more recent schedule, "
        f"{merge.cards_unchanged} unchanged, {counted(merge.flags_added, 'flag')} added "
        f"({merge.flags_present} already present)."
    )
    if merge.backup is not None:
        typer.echo(f"The database as it was before is saved at {merge.backup}.")
    elif not (merge.reviews_added or merge.cards_added or merge.cards_updated or merge.flags_added):
        typer.echo("Nothing new: the database was not changed (and needed no backup).")
