"""Use-cases behind ``mathdrill deck ...``: find decks, preview instances, check soundness.

This module orchestrates: it reads the environment it is handed (for the data directory), runs the
pure deck layer, times generation with the clock it is handed, and spreads ``deck check`` over a
process pool. It prints nothing; :mod:`mathdrill.cli.deck_cmd` renders what it returns.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mathdrill.config import data_dir
from mathdrill.decks.generate import Instance, generate
from mathdrill.decks.library import (
    Library,
    deck_files,
    deck_sources,
    load_library,
    requires_cycles,
)
from mathdrill.decks.loader import DeckReadError, parse_deck, read_bytes
from mathdrill.decks.model import Deck, Problem, Template
from mathdrill.decks.soundness import (
    BUDGET_MEDIAN_SECONDS,
    SeedResult,
    TemplateReport,
    check_seed,
    summarize,
)
from mathdrill.errors import DeckError, NotFoundError, UsageError

DEFAULT_SAMPLES = 200
"""Seeds ``deck check`` tries per template."""

MAX_SAMPLES = 100_000

WHERE_STREAK = 3
"""After this many seeds in a row whose constraints never held, that ran out of CPU time or
took longer than the generation budget, a template stops sampling (each such seed costs up to
seconds, and the rest would fail the same way)."""


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


def open_deck(
    env: Mapping[str, str], given: Iterable[Path], deck_id: str
) -> tuple[Deck, list[str]]:
    """Load one deck, evaluating only its own file (what ``deck preview`` needs).

    The light catalogue (cached in the data directory, as for the drill) says which file holds
    the deck; only that file is loaded with trial instances. Loading every deck with trials
    made a preview of one instance slower than ``deck check`` of hundreds.

    Args:
        env: The process environment (for the data directory).
        given: Paths from ``--decks``.
        deck_id: The deck wanted.

    Returns:
        The deck and warnings about other deck files that could not be read.

    Raises:
        DeckError: A deck id is defined in two files, or the deck's file has problems.
        NotFoundError: No deck has this id (the message lists the known ones).
    """
    from mathdrill.decks.catalog import catalog_files, read_catalog
    from mathdrill.decks.loader import load_deck_file

    given = list(given)
    warnings = [f"{p}: no such deck file or folder" for p in given if not p.exists()]
    # A file named twice (--decks of the built-in folder) is one file, not a clash.
    files: dict[Path, Path] = {}
    for path in catalog_files(user_decks_dir(env), given):
        files.setdefault(path.resolve(), path)
    catalog = read_catalog(files.values(), cache=data_dir(env) / "cache" / "catalog.json")
    # The catalogue keeps an id's first file and names any other as "also defined in".
    duplicates = [p for p in catalog.problems if " is also defined in " in p]
    if duplicates:
        raise DeckError("the same deck id is defined in two files", duplicates)
    warnings.extend(catalog.problems)
    info = catalog.decks.get(deck_id)
    if info is None:
        known = ", ".join(catalog.decks) or "none"
        message = f"no deck '{deck_id}' (decks: {known})"
        if warnings:
            message += "\nSome deck files could not be loaded:\n" + "\n".join(warnings)
        raise NotFoundError(message)
    return load_deck_file(Path(info.path)), warnings


def select_templates(deck: Deck, reference: str) -> list[Template]:
    """Return the templates ``DECK`` or ``DECK/TEMPLATE`` names in ``deck``.

    Args:
        deck: The deck named by the reference.
        reference: A deck id, or ``deck/template``.

    Returns:
        Every template for a bare deck id, else the one named.

    Raises:
        NotFoundError: The deck has no such template.
    """
    _, _, template_id = reference.partition("/")
    if not template_id:
        return list(deck.templates)
    template = deck.template(template_id)
    if template is None:
        ids = ", ".join(t.id for t in deck.templates)
        raise NotFoundError(f"deck '{deck.id}' has no template '{template_id}' ({ids})")
    return [template]


def preview(templates: list[Template], seeds: list[int]) -> list[Instance]:
    """Generate instances of each template for each seed.

    Args:
        templates: The templates.
        seeds: The seeds.

    Returns:
        The instances, template by template.

    Raises:
        GenerationError: When a template cannot produce an instance (file:line in the message).
    """
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
        not_loaded: ``path: template`` of each template a load problem kept from being checked.
        samples: Seeds per template.
        seconds: Wall time of the whole check.
    """

    files: list[str] = field(default_factory=list)
    unreadable: list[DeckError] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    templates: list[TemplateReport] = field(default_factory=list)
    not_loaded: list[str] = field(default_factory=list)
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
    def failing_templates(self) -> int:
        """Templates with a problem: checked ones that failed, and those that did not load."""
        return sum(1 for r in self.templates if not r.ok) + len(self.not_loaded)

    @property
    def failing_files(self) -> int:
        """Readable files with at least one problem."""
        return len({p.path for p in self.all_problems})

    @property
    def exit_code(self) -> int:
        """0 sound, 1 problems found, 2 a file could not be read."""
        if self.unreadable:
            return 2
        return 1 if self.all_problems else 0

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data.

        Returns:
            ``ok, exit_code, samples, seconds, files, unreadable, problems, templates,
            not_loaded``; each template with its samples, distinct instances, distinct answers
            and prompts, the variety floor (0: not judged), its ``variety:`` reason (or null),
            its number of answer tests and its generation times.
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
                    "answers": r.answers,
                    "prompts": r.prompts,
                    "variety_floor": r.floor,
                    "variety": r.template.variety,
                    "tests": len(r.template.tests),
                    "ok": r.ok,
                    **r.timing(),
                }
                for r in self.templates
            ],
            "not_loaded": self.not_loaded,
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


def check_template(template: Template, samples: int) -> list[SeedResult]:
    """Check seeds 0 … samples−1 of one template (in a worker process of :func:`check`).

    Args:
        template: The template.
        samples: Seeds to check.

    Returns:
        One result per seed checked; fewer than ``samples`` when the template stopped early on
        :data:`WHERE_STREAK` failing or over-budget seeds in a row.
    """
    results = []
    streak = 0
    for seed in range(samples):
        # CPU time, not wall time: the budget judges the template, and a shared CI machine must
        # not fail a sound deck.
        result = check_seed(template, seed, clock=time.process_time)
        results.append(result)
        exhausting = result.seconds > BUDGET_MEDIAN_SECONDS or any(
            p[2] in ("where", "timeout") for p in result.problems
        )
        streak = streak + 1 if exhausting else 0
        if streak >= WHERE_STREAK:
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
        workers: Worker processes, one template at a time each (default: the CPU count, at
            most 4; 1 runs in this process).
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
    report = CheckReport(samples=samples)
    templates: list[Template] = []
    seen_ids: dict[str, str] = {}
    for path in files:
        report.files.append(str(path))
        try:
            deck, problems = parse_deck(read_bytes(path), str(path))
        except DeckReadError as error:
            report.unreadable.append(error)
            continue
        report.problems.extend(problems)
        loaded = {t.id for t in deck.templates} if deck is not None else set()
        # A template a load problem names but the deck does not hold was dropped unchecked.
        dropped = {p.template for p in problems if p.template and p.template not in loaded}
        report.not_loaded.extend(f"{path}: {t}" for t in sorted(dropped))
        if deck is None:
            continue
        if deck.id in seen_ids:
            report.problems.append(
                Problem(
                    str(path),
                    deck.line,
                    f"deck id '{deck.id}' is also defined in {seen_ids[deck.id]}",
                )
            )
        seen_ids.setdefault(deck.id, str(path))
        templates.extend(deck.templates)
    for cycle in requires_cycles(templates):
        names = " → ".join(f"{t.deck}/{t.id}" for t in [*cycle, cycle[0]])
        first = cycle[0]
        report.problems.append(
            Problem(
                first.path,
                first.line,
                f"prerequisite cycle {names}: no order can put each skill after what it "
                "requires; remove one of these requires",
                first.id,
            )
        )
    count = workers if workers is not None else min(4, os.cpu_count() or 1)
    if count <= 1 or len(templates) <= 1:
        if on_start:
            on_start(samples * len(templates))
        results = []
        for template in templates:
            results.append(check_template(template, samples))
            if on_advance:
                on_advance(samples)
    else:
        results = _run_pool(templates, samples, count, on_start, on_advance)
    for template, seeds in zip(templates, results, strict=True):
        summary = summarize(template, seeds, timed=True)
        if len(seeds) < samples:
            summary.problems.insert(
                0,
                Problem(
                    template.path,
                    template.line,
                    f"stopped after {len(seeds)} of {samples} samples: {WHERE_STREAK} in a row "
                    f"failed or took over the {BUDGET_MEDIAN_SECONDS * 1000:.0f} ms budget",
                    template.id,
                ),
            )
        report.templates.append(summary)
    report.seconds = clock() - started
    return report


def check_pool(count: int) -> ProcessPoolExecutor:
    """Return the pool of ``deck check``: forked workers, each with its address space capped.

    Args:
        count: Worker processes.

    Returns:
        The executor (use it as a context manager). A template that builds a huge expression
        fails in its worker with MemoryError (a failing seed) instead of swapping the machine.
    """
    from mathdrill.answers.serve import limit_memory

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    return ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=limit_memory)


def _run_pool(
    templates: list[Template],
    samples: int,
    count: int,
    on_start: Callable[[int], None] | None,
    on_advance: Callable[[int], None] | None,
) -> list[list[SeedResult]]:
    """Check every template in ``count`` worker processes; the results in template order."""
    # fork shares the already imported sympy with the workers (seconds saved per worker). Every
    # task is submitted before on_start, so the workers are forked before the caller starts a
    # progress display thread.
    results: list[list[SeedResult]] = [[] for _ in templates]
    with check_pool(count) as pool:
        futures: dict[Future[list[SeedResult]], int] = {
            pool.submit(check_template, template, samples): index
            for index, template in enumerate(templates)
        }
        if on_start:
            on_start(samples * len(templates))
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if on_advance:
                on_advance(samples)
    return results


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
  - id: quadratic-derivative     # deck/id is the card's identity: keep it stable
    title: Derivative of a quadratic, term by term
    tags: [derivatives]
    symbols: [x]                 # the variables a learner may type
    params:                      # drawn in order by samplers (integer, choice, rational …)
      a: integer(2, 9)
      b: integer(-5, 5, nonzero)
    where: [a != b]              # constraints: parameters are redrawn until they hold
    let:                         # derived values: any expression of the params
      f: a*x**2 + b*x
      square: a*x**2             # placeholders render values, so each step is its own value
      linear: b*x
      square_slope: 2*a*x
    prompt: Differentiate f(x) = {{f}} with respect to x.
    answer:
      kind: expression           # number, expression, vector, matrix, set, choice, …
      value: diff(f, x)
    hints:
      - Differentiate term by term; d/dx x² = 2x.
    solution: >-
      Term by term: the derivative of {{square}} is {{square_slope}} and that of {{linear}}
      is {{b}}, so f'(x) = {{answer}}.
    mistakes:                    # wrong answers that deserve a specific message
      - value: a*x + b
        feedback: The derivative of x² is 2x — multiply by the exponent.
    tests:                       # inputs a learner may type and the verdict each must get
      - answer: "{{b}} + 2*{{a}}*x"
        verdict: correct         # or wrong, or mistake:ID (ids: mistake-1, … by position)
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
    "CheckReport",
    "check",
    "check_files",
    "open_deck",
    "open_library",
    "preview",
    "select_templates",
    "starter_deck",
    "user_decks_dir",
    "write_new_deck",
]
