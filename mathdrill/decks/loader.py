"""Load deck files: bytes → safe YAML → validated :class:`Deck`, every problem reported at once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mathdrill.decks.failures import GenerationError
from mathdrill.decks.generate import generate
from mathdrill.decks.model import DECK_SUFFIXES, Deck, Problem
from mathdrill.decks.schema import parse_document
from mathdrill.decks.yamlsafe import MAX_DECK_BYTES, YamlProblem, decode, parse_yaml
from mathdrill.errors import DeckError

__all__ = [
    "DECK_SUFFIXES",
    "DeckReadError",
    "load_deck",
    "load_deck_file",
    "parse_deck",
    "read_bytes",
]

TRIAL_SEEDS = (0, 1, 2)
"""Seeds tried at load time; an expression error is reported only when every one hits it, so a
failure that depends on the drawn values (a singular matrix for some seeds) is left to
``deck check``."""


class DeckReadError(DeckError):
    """A deck file cannot be read at all (missing, unreadable, not UTF-8, not YAML, absurd).

    ``mathdrill deck check`` exits 2 for these and 1 for a readable deck with problems.
    """


def read_bytes(path: Path) -> bytes:
    """Read a deck file's bytes, refusing files over the size limit before reading them.

    Args:
        path: The file, handed in by the caller.

    Returns:
        Its bytes.

    Raises:
        DeckReadError: Missing, a directory, unreadable, or larger than the limit.
    """
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise DeckReadError(f"{path}: is a folder, not a deck file")
        if size > MAX_DECK_BYTES:
            raise DeckReadError(
                f"{path}: the file is {size:,} bytes; deck files are limited to "
                f"{MAX_DECK_BYTES:,} bytes (split it into several decks)"
            )
        with path.open("rb") as handle:
            # Read one byte past the limit: a file that grew since stat() is still refused.
            return handle.read(MAX_DECK_BYTES + 1)
    except FileNotFoundError:
        raise DeckReadError(f"{path}: no such deck file") from None
    except OSError as error:
        raise DeckReadError(f"{path}: cannot read the deck file ({error.strerror})") from None


def parse_deck(
    raw: bytes | str, path: str, *, trial: bool = True
) -> tuple[Deck | None, list[Problem]]:
    """Parse and validate deck source, collecting every problem.

    Args:
        raw: The file's bytes (or already decoded text).
        path: The name used in messages.
        trial: Also generate one instance per template (seed 0) to report unknown names,
            unreadable expressions and bad sampler arguments with their lines.

    Returns:
        ``(deck, problems)`` — see :func:`mathdrill.decks.schema.parse_document`.

    Raises:
        DeckReadError: Not UTF-8, not YAML, too large or too deep: nothing to validate.
    """
    try:
        text = decode(raw) if isinstance(raw, bytes) else raw
        document = parse_yaml(text)
    except YamlProblem as problem:
        where = f"{path}:{problem.line}" if problem.line else path
        raise DeckReadError(
            f"{path}: cannot read the deck file", [f"{where}: {problem.message}"]
        ) from None
    deck, problems = parse_document(document, path)
    if deck is not None and trial:
        deck = _trial(deck, problems)
    problems.sort(key=lambda p: p.line)
    return deck, problems


def _trial(deck: Deck, problems: list[Problem]) -> Deck:
    """Generate a few instances of every template to find what only evaluation reveals.

    Unknown names, unreadable expressions and bad sampler arguments fail the same way for every
    seed, so a few instances find them at load time. Failures that depend on the seed (a
    constraint that rarely holds, a division by zero for some parameters) are left to
    ``deck check``. Templates that fail here are dropped from the deck.
    """
    kept = []
    for template in deck.templates:
        first: GenerationError | None = None
        for seed in TRIAL_SEEDS:
            try:
                generate(template, seed)
            except GenerationError as error:
                if error.stage not in ("syntax", "sampler", "render"):
                    first = None  # seed-dependent (constraints, degenerate values): check's job
                    break
                first = first or error
                continue
            first = None  # one good instance: whatever failed depends on the seed
            break
        if first is not None:
            problems.append(first.problem)
            continue
        kept.append(template)
    return replace(deck, templates=tuple(kept))


def load_deck(raw: bytes | str, path: str, *, trial: bool = True) -> Deck:
    """Parse deck source and insist that it is valid.

    Args:
        raw: The file's bytes or text.
        path: The name used in messages.
        trial: Generate one instance per template to find unknown names (see
            :func:`parse_deck`); False skips it for a fast structural load.

    Returns:
        The deck.

    Raises:
        DeckReadError: The file cannot be read as YAML at all.
        DeckError: The deck has problems; ``problems`` lists every one as ``path:line: message``.
    """
    deck, problems = parse_deck(raw, path, trial=trial)
    if problems or deck is None:
        count = len(problems)
        raise DeckError(
            f"{path}: {count} problem{'s' if count != 1 else ''} in the deck file",
            [str(p) for p in problems] or [f"{path}: not a deck"],
        )
    return deck


def load_deck_file(path: Path, *, trial: bool = True) -> Deck:
    """Read and validate one deck file.

    Args:
        path: The file.
        trial: See :func:`load_deck`.

    Returns:
        The deck.

    Raises:
        DeckReadError: The file cannot be read.
        DeckError: The deck has problems.
    """
    return load_deck(read_bytes(path), str(path), trial=trial)
