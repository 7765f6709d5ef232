"""Use-cases behind ``mathdrill deck ...``: find decks, preview instances, check soundness.

This module orchestrates: it reads the environment it is handed (for the data directory), runs the
pure deck layer, times generation with the clock it is handed, and spreads ``deck check`` over a
process pool. It prints nothing; :mod:`mathdrill.cli.deck_cmd` renders what it returns.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mathdrill.config import data_dir
from mathdrill.decks.library import (
    GIVEN,
    DeckSource,
    Library,
    deck_files,
    deck_sources,
    load_library,
)
from mathdrill.decks.loader import DeckReadError, parse_deck, read_bytes
from mathdrill.decks.model import Deck, Problem, Template
from mathdrill.errors import DeckError, NotFoundError, UsageError

DEFAULT_SAMPLES = 200
"""Seeds ``deck check`` tries per template."""

CHUNK = 50
"""Seeds per task for the lightest templates, handed out last so that the workers finish
together."""

WHOLE_SHARE = 0.7
"""The heaviest templates, this share of them, go to a worker whole: all their seeds in one
task, so every repeated draw is found in that worker's memo (split over two workers, a
quarter more of the seeds would be checked in full at 200 samples)."""

MAX_SAMPLES = 100_000

WHERE_STREAK = 3
"""After this many seeds in a row whose constraints never held, or that ran out of CPU time, a
chunk stops sampling (each such seed costs seconds, and the rest would fail the same way)."""


def user_decks_dir(env: Mapping[str, str]) -> Path:
    """Return the folder of the user's own decks (``<data dir>/decks``).

    Args:
        env: The process environment (``MATHDRILL_HOME`` overrides the platform default).

    Returns:
        The folder (it may not exist).
    """
    return data_dir(env) / "decks"


def open_library(
    env: Mapping[str, str], given: Iterable[Path] = (), *, trial: bool = True
) -> Library:
    """Load the built-in decks, the user's decks and any ``--decks`` files or folders.

    Args:
        env: The process environment.
        given: Paths from ``--decks``.
        trial: Evaluate one instance per template while loading (see
            :func:`mathdrill.decks.library.load_library`).

    Returns:
        The library (load errors collected in ``errors``).

    Raises:
        DeckError: When a deck id is defined twice (never silently shadowed).
    """
    library = load_library(deck_sources(user_decks_dir(env), given), trial=trial)
    duplicates = [e for e in library.errors if "is defined twice" in e.message]
    if duplicates:
        raise DeckError("the same deck id is defined in two files", [e.message for e in duplicates])
    return library


def resolve_template(library: Library, reference: str) -> tuple[Deck, list[Template]]:
    """Find ``DECK`` or ``DECK/TEMPLATE``.

    Args:
        library: The decks.
        reference: A deck id, or ``deck/template``.

    Returns:
        The deck and the selected templates (all of them for a bare deck id).

    Raises:
        NotFoundError: No such deck or template.
    """
    deck_id, _, template_id = reference.partition("/")
    deck = library.deck(deck_id)
    if not template_id:
        return deck, list(deck.templates)
    return deck, [library.template(reference)]


def preview(templates: list[Template], seeds: list[int]) -> list[Any]:
    """Generate instances of each template for each seed.

    Args:
        templates: The templates.
        seeds: The seeds.

    Returns:
        The instances, template by template.

    Raises:
        GenerationError: When a template cannot produce an instance (file:line in the message).
    """
    from mathdrill.decks.generate import generate

    return [generate(template, seed) for template in templates for seed in seeds]


# ----------------------------------------------------------------------------------- deck check


@dataclass
class CheckReport:
    """Everything ``deck check`` found.

    Attributes:
        files: The deck files checked.
        unreadable: Files that could not be read at all (exit status 2).
        problems: Load-time problems of readable files (unknown keys, names …).
        templates: One report per checked template.
        samples: Seeds per template.
        seconds: Wall time of the whole check.
    """

    files: list[str] = field(default_factory=list)
    unreadable: list[DeckError] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    templates: list[Any] = field(default_factory=list)
    samples: int = DEFAULT_SAMPLES
    seconds: float = 0.0

    @property
    def all_problems(self) -> list[Problem]:
        """Load problems and template problems, by file and line."""
        found = list(self.problems)
        for report in self.templates:
            found.extend(report.problems)
        return sorted(found, key=lambda p: (p.path, p.line))

    @property
    def exit_code(self) -> int:
        """0 sound, 1 problems found, 2 a file could not be read."""
        if self.unreadable:
            return 2
        return 1 if self.all_problems else 0

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data.

        Returns:
            ``ok, exit_code, samples, seconds, files, unreadable, problems, templates``.
        """
        unreadable = []
        for error in self.unreadable:
            unreadable.extend(error.problems or [error.message])
        return {
            "ok": self.exit_code == 0,
            "exit_code": self.exit_code,
            "samples": self.samples,
            "seconds": round(self.seconds, 3),
            "files": self.files,
            "unreadable": unreadable,
            "problems": [
                {"path": p.path, "line": p.line, "template": p.template, "message": p.message}
                for p in self.all_problems
            ],
            "templates": [
                {
                    "deck": r.template.deck,
                    "template": r.template.id,
                    "samples": r.samples,
                    "distinct": r.distinct,
                    "ok": r.ok,
                    **r.timing(),
                }
                for r in self.templates
            ],
        }


def check_files(env: Mapping[str, str], paths: Iterable[Path]) -> list[Path]:
    """Return the deck files ``deck check`` should look at.

    Args:
        env: The process environment (for the user's deck folder).
        paths: Files or folders given on the command line; empty means every discovered deck.

    Returns:
        The files (missing paths are kept: they are reported as unreadable).
    """
    given = list(paths)
    found: list[Path] = []
    if given:
        for path in given:
            found.extend(deck_files(path) if path.is_dir() else [path])
    else:
        for source in deck_sources(user_decks_dir(env), ()):
            if source.path.exists():
                found.extend(deck_files(source.path))
    # A file named twice (a folder and a file in it) is checked once, not reported as a clash.
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


_WORKER_DECKS: dict[str, Deck | None] = {}
_WARM: set[str] = set()
#: Per template (in this worker), the results of seeds by drawn parameters: seeds that draw the
#: same values share one check (see :func:`mathdrill.decks.soundness.check_seed`).
_MEMOS: dict[tuple[str, str], dict[Any, Any]] = {}
#: Templates (in this worker) whose sampling stopped on a streak of exhausting failures.
_EXHAUSTED: set[tuple[str, str]] = set()


def _worker_template(path: str, template_id: str) -> Template:
    if path not in _WORKER_DECKS:
        deck, _problems = parse_deck(read_bytes(Path(path)), path)
        _WORKER_DECKS[path] = deck
    deck = _WORKER_DECKS[path]
    template = deck.template(template_id) if deck is not None else None
    if template is None:
        raise NotFoundError(f"{path}: template '{template_id}' vanished during the check")
    return template


def check_chunk(path: str, template_id: str, seeds: list[int]) -> list[Any]:
    """Check some seeds of one template (runs in a worker process).

    Args:
        path: The deck file.
        template_id: The template.
        seeds: The seeds.

    Returns:
        One :class:`mathdrill.decks.soundness.SeedResult` per seed.
    """
    from mathdrill.decks.generate import GenerationError, generate
    from mathdrill.decks.soundness import check_seed
    from mathdrill.mathlang.deadline import keep_handler

    if (path, template_id) in _EXHAUSTED:
        return []  # an earlier chunk of this template already stopped on a failing streak
    template = _worker_template(path, template_id)
    if not _WARM:
        # The first instance in a process pays for lazy imports and caches; keep that out of
        # the timing so the budget measures the template, not the process start. (A template's
        # own first reading of its texts is one seed of 200: the budget is on the median.)
        _WARM.add(template.key)
        with contextlib.suppress(GenerationError):
            generate(template, seeds[0])
    results = []
    streak = 0
    memo = _MEMOS.setdefault((path, template_id), {})
    with keep_handler():  # every seed enters CPU-time deadlines: install their handler once
        for seed in seeds:
            # CPU time, not wall time: the budget judges the template, and a shared CI machine
            # must not fail a sound deck.
            result = check_seed(template, seed, clock=time.process_time, memo=memo)
            results.append(result)
            # A constraint that failed MAX_TRIES draws for several seeds in a row will fail for
            # the rest too; each failure costs a second, so stop sampling this template here.
            exhausting = any(p[2] in ("where", "timeout") for p in result.problems)
            streak = streak + 1 if exhausting else 0
            if streak >= WHERE_STREAK:
                _EXHAUSTED.add((path, template_id))
                break
    return results


def check(
    files: list[Path],
    samples: int = DEFAULT_SAMPLES,
    *,
    workers: int | None = None,
    on_start: Callable[[int], None] | None = None,
    on_advance: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> CheckReport:
    """Run the authors' test suite over deck files.

    Args:
        files: Deck files (see :func:`check_files`).
        samples: Seeds per template (0 … samples−1, so any failure can be previewed with
            ``deck preview DECK/TEMPLATE --seed S``).
        workers: Worker processes (default: the CPU count, at most 4; 1 runs in-process).
        on_start: Called once with the number of seeds to check, after the workers started.
        on_advance: Called with the number of seeds just checked.
        clock: Wall-clock seconds counter for the total time.

    Returns:
        The report.

    Raises:
        UsageError: For a sample count out of range.
    """
    if not 1 <= samples <= MAX_SAMPLES:
        raise UsageError(f"--samples must be between 1 and {MAX_SAMPLES}")
    started = clock()
    # A check in this process (workers=1, or tests) must not see a previous check's decks.
    _WORKER_DECKS.clear()
    _WARM.clear()
    _MEMOS.clear()
    _EXHAUSTED.clear()
    report = CheckReport(samples=samples)
    decks: list[Deck] = []
    seen_ids: dict[str, str] = {}
    for path in files:
        report.files.append(str(path))
        try:
            deck, problems = parse_deck(read_bytes(path), str(path))
        except DeckReadError as error:
            report.unreadable.append(error)
            continue
        report.problems.extend(problems)
        if deck is None:
            continue
        # Forked workers find the deck here instead of reading and validating it again.
        _WORKER_DECKS[deck.path] = deck
        if deck.id in seen_ids:
            report.problems.append(
                Problem(
                    str(path),
                    deck.line,
                    f"deck id '{deck.id}' is also defined in {seen_ids[deck.id]}",
                )
            )
        seen_ids.setdefault(deck.id, str(path))
        decks.append(deck)
    # Expensive templates first and whole, so the workers finish together on chunks of cheap
    # ones.
    ordered = sorted(
        ((deck.path, template) for deck in decks for template in deck.templates),
        key=lambda item: -template_weight(item[1]),
    )
    whole = round(len(ordered) * WHOLE_SHARE)
    tasks = [
        (path, template.id, list(range(start, min(start + size, samples))))
        for position, (path, template) in enumerate(ordered)
        for size in [samples if position < whole else CHUNK]
        for start in range(0, samples, size)
    ]
    results: dict[tuple[str, str], list[Any]] = {}
    total = sum(len(seeds) for _, _, seeds in tasks)
    count = workers if workers is not None else min(4, os.cpu_count() or 1)
    with batch_gc():
        if count <= 1 or total <= CHUNK:
            if on_start:
                on_start(total)
            for path, template_id, seeds in tasks:
                results.setdefault((path, template_id), []).extend(
                    check_chunk(path, template_id, seeds)
                )
                if on_advance:
                    on_advance(len(seeds))
        else:
            _run_pool(tasks, count, results, on_start, on_advance, total)
    from mathdrill.decks.soundness import summarize

    for deck in decks:
        for template in deck.templates:
            report.templates.append(
                summarize(template, results.get((deck.path, template.id), []), timed=True)
            )
    report.seconds = clock() - started
    return report


BATCH_GC_THRESHOLD = 100_000
"""Allocations between collections of the youngest generation during a check (Python's
default is 700)."""


@contextlib.contextmanager
def batch_gc() -> Iterator[None]:
    """Collect garbage rarely while checking, and never scan what was loaded before.

    Generating and judging instances allocates millions of short-lived sympy objects, few of
    them in cycles; with the default threshold the collector ran about 1,800 times for 10,000
    seeds, each pass also walking the caches and everything imported. Everything alive when
    the check starts (sympy, the decks) is frozen out of collection (and the forked workers
    inherit it untouched, sharing those pages); the previous settings come back afterwards.

    Yields:
        Nothing.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(BATCH_GC_THRESHOLD, threshold[1], threshold[2])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


_HEAVY = re.compile(
    r"\b(diff|hessian|jacobian|grad|gradient|integrate|limit|solve|simplify|eigenvects|"
    r"eigenvals|nullspace|inv|inverse|det)\b"
)


def template_weight(template: Template) -> float:
    """A rough relative cost of checking one seed of a template, for ordering the work.

    Counted from what each seed evaluates and judges: let bindings, mistakes (each judged
    against the reference and the mistakes before it), calls of heavy sympy functions, formulas
    (compared at test points) rather than numbers, and the length of all those expressions.
    (On the built-in decks its rank correlation with the measured cost is about 0.7.)

    Args:
        template: The template.

    Returns:
        A positive weight; only the order matters.
    """
    texts = [expr.text for _name, expr in template.let]
    texts += [template.answer.value.text, *(m.value.text for m in template.mistakes)]
    texts += [expr.text for expr in template.where]
    heavy = sum(len(_HEAVY.findall(text)) for text in texts)
    formula = 1.0 if template.answer.kind == "expression" else 0.0
    return (
        1.0
        + 0.5 * len(template.let)
        + len(template.mistakes)
        + 1.5 * heavy
        + formula
        + 0.5 * len(template.symbols)
        + sum(len(text) for text in texts) / 40
    )


def _run_pool(
    tasks: list[tuple[str, str, list[int]]],
    count: int,
    results: dict[tuple[str, str], list[Any]],
    on_start: Callable[[int], None] | None,
    on_advance: Callable[[int], None] | None,
    total: int,
) -> None:
    import multiprocessing

    # fork shares the already imported sympy with the workers (seconds saved per worker). Every
    # task is submitted before on_start, so the workers are forked before the caller starts a
    # progress display thread.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        futures: dict[Future, tuple[str, str, list[int]]] = {
            pool.submit(check_chunk, *task): task for task in tasks
        }
        if on_start:
            on_start(total)
        from concurrent.futures import as_completed

        for future in as_completed(futures):
            path, template_id, seeds = futures[future]
            results.setdefault((path, template_id), []).extend(future.result())
            if on_advance:
                on_advance(len(seeds))


# ----------------------------------------------------------------------------------- deck new


STARTER = """\
# A mathdrill deck: problem templates that turn a random seed into a fresh problem.
# Format reference: docs/decks.md (or `mathdrill deck schema` for editors).
# Test it with:    mathdrill deck check {path}
# See instances:   mathdrill deck preview {deck_id} --decks {path} --answers
deck: {deck_id}                  # id: a-z, 0-9 and '-'; unique among your decks
title: My first deck
description: What this deck drills, in one or two sentences.
templates:
  - id: linear-derivative        # deck/id is the card's identity: keep it stable
    title: Derivative of a product with a constant
    tags: [derivatives]
    symbols: [x]                 # the variables a learner may type
    params:                      # drawn in order by samplers (integer, choice, rational …)
      a: integer(2, 9)
      b: integer(-5, 5, nonzero)
    where: [a != b]              # constraints: parameters are redrawn until they hold
    let:                         # derived values: any expression of the params
      f: a*x**2 + b*x
    prompt: Differentiate f(x) = {{f}} with respect to x.
    answer:
      kind: expression           # number, expression, vector, matrix, set, choice, …
      value: diff(f, x)
    hints:
      - Differentiate term by term; d/dx x² = 2x.
    solution: f'(x) = 2·{{a}}x + {{b}} = {{answer}}
    mistakes:                    # wrong answers that deserve a specific message
      - value: a*x + b
        feedback: The derivative of x² is 2x — multiply by the exponent.
    expected_seconds: 20         # how long a fluent learner takes
"""


def starter_deck(path: Path) -> str:
    """Return the starter deck text for ``path`` (its id taken from the file name).

    Args:
        path: Where the deck will be written.

    Returns:
        The YAML text.
    """
    deck_id = re.sub(r"[^a-z0-9-]+", "-", path.stem.lower()).strip("-") or "my-deck"
    return STARTER.format(deck_id=deck_id, path=path)


def write_new_deck(path: Path) -> Path:
    """Write a commented starter deck that passes ``deck check`` as written.

    Args:
        path: The new file (``.yaml`` is added when it has no deck suffix).

    Returns:
        The path written.

    Raises:
        UsageError: The file exists (never overwritten) or its folder does not.
    """
    if path.suffix.lower() not in (".yaml", ".yml"):
        path = path.with_suffix(".yaml")
    if path.exists():
        raise UsageError(f"{path} already exists; choose another name (it is not overwritten)")
    if not path.parent.is_dir():
        raise UsageError(f"folder {path.parent} does not exist")
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(starter_deck(path))
    except FileExistsError:
        raise UsageError(f"{path} already exists; it is not overwritten") from None
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror}") from None
    return path


__all__ = [
    "DEFAULT_SAMPLES",
    "GIVEN",
    "CheckReport",
    "DeckSource",
    "check",
    "check_files",
    "open_library",
    "preview",
    "resolve_template",
    "starter_deck",
    "user_decks_dir",
    "write_new_deck",
]
