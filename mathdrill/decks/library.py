"""Find and load every deck: built-in, the user's, and those given with ``--decks``.

The caller hands in the folders and files to look at (see :func:`deck_sources`); nothing here
reads the environment. A deck id defined in two files is an error naming both — one never
silently shadows the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from mathdrill.decks.model import DECK_SUFFIXES, Deck, Template
from mathdrill.errors import DeckError, NotFoundError

BUILTIN = "built-in"
USER = "user"
GIVEN = "--decks"


@dataclass(frozen=True)
class DeckSource:
    """A file or folder to load decks from.

    Attributes:
        path: The file or folder.
        origin: ``"built-in"``, ``"user"`` or ``"--decks"``.
        required: True when a missing path is an error (paths the user typed).
    """

    path: Path
    origin: str
    required: bool = False


def builtin_decks_dir() -> Path | None:
    """Return the folder of the built-in decks.

    In an installed package they live in ``mathdrill/builtin_decks`` (the wheel force-includes
    the repository's ``decks/`` there); in a source checkout they are ``<repo>/decks``.

    Returns:
        The folder, or None when neither exists.
    """
    packaged = resources.files("mathdrill") / "builtin_decks"
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "decks"
    return checkout if checkout.is_dir() else None


def deck_sources(user_dir: Path | None, given: Iterable[Path] = ()) -> list[DeckSource]:
    """List where decks are looked for, in order: built-in, the user's folder, ``--decks``.

    Args:
        user_dir: The data directory's ``decks/`` folder (may not exist).
        given: Files or folders from ``--decks``.

    Returns:
        The sources.
    """
    sources = []
    builtin = builtin_decks_dir()
    if builtin is not None:
        sources.append(DeckSource(builtin, BUILTIN))
    if user_dir is not None:
        sources.append(DeckSource(user_dir, USER))
    sources.extend(DeckSource(Path(p), GIVEN, required=True) for p in given)
    return sources


def deck_files(path: Path) -> list[Path]:
    """Return the deck files of a file or folder (folders: ``*.yaml``/``*.yml``, recursively).

    Args:
        path: A deck file or a folder.

    Returns:
        The files, sorted; a file is returned as is whatever its name.
    """
    if path.is_dir():
        return sorted(
            p for p in path.rglob("*") if p.suffix.lower() in DECK_SUFFIXES and p.is_file()
        )
    return [path]


@dataclass
class Library:
    """Every deck found, by id, with the files that could not be loaded.

    Attributes:
        decks: Loaded decks by id, in discovery order.
        errors: Files that could not be loaded, and ids defined twice.
    """

    decks: dict[str, Deck] = field(default_factory=dict)
    errors: list[DeckError] = field(default_factory=list)

    def deck(self, deck_id: str) -> Deck:
        """Return a deck by id.

        Args:
            deck_id: The deck id.

        Returns:
            The deck.

        Raises:
            NotFoundError: No such deck (the message lists the known ones and load errors).
        """
        if deck_id in self.decks:
            return self.decks[deck_id]
        known = ", ".join(self.decks) or "none"
        message = f"no deck '{deck_id}' (decks: {known})"
        if self.errors:
            message += "\nSome deck files could not be loaded:\n" + "\n".join(
                str(e) for e in self.errors
            )
        raise NotFoundError(message)

    def template(self, reference: str) -> Template:
        """Return a template by ``deck/template``.

        Args:
            reference: ``deck/template``.

        Returns:
            The template.

        Raises:
            NotFoundError: No such deck or template.
        """
        deck_id, _, template_id = reference.partition("/")
        deck = self.deck(deck_id)
        template = deck.template(template_id)
        if template is None:
            ids = ", ".join(t.id for t in deck.templates)
            raise NotFoundError(f"deck '{deck_id}' has no template '{template_id}' ({ids})")
        return template

    def templates(self) -> list[Template]:
        """Return every template of every deck.

        Returns:
            The templates in discovery order.
        """
        return [t for deck in self.decks.values() for t in deck.templates]


def load_library(sources: Iterable[DeckSource], *, trial: bool = True) -> Library:
    """Load every deck of the given sources.

    Args:
        sources: Where to look (see :func:`deck_sources`).
        trial: Generate one instance per template while loading, to report unknown names and
            unreadable expressions (a few milliseconds per template); False for a structural
            load only (listing decks).

    Returns:
        The library; problems are collected in ``errors`` rather than raised, so one broken
        file does not hide the others.
    """
    library = Library()
    where: dict[str, str] = {}
    seen_files: set[Path] = set()
    for source in sources:
        if not source.path.exists():
            if source.required:
                library.errors.append(DeckError(f"{source.path}: no such deck file or folder"))
            continue
        for path in deck_files(source.path):
            resolved = path.resolve()
            if resolved in seen_files:
                continue  # the same file named twice (e.g. --decks decks/) is not a duplicate
            seen_files.add(resolved)
            try:
                # Imported here: finding deck files must not import sympy (decks.catalog).
                from mathdrill.decks.loader import load_deck_file

                deck = load_deck_file(path, trial=trial)
            except DeckError as error:
                library.errors.append(error)
                continue
            if deck.id in library.decks:
                library.errors.append(
                    DeckError(
                        f"deck id '{deck.id}' is defined twice: in {where[deck.id]} and in "
                        f"{path}; rename one of them (deck: ...)"
                    )
                )
                continue
            library.decks[deck.id] = _with_origin(deck, source.origin)
            where[deck.id] = str(path)
    _check_cross_requires(library)
    return library


def _with_origin(deck: Deck, origin: str) -> Deck:
    return replace(deck, source=origin)


def _check_cross_requires(library: Library) -> None:
    """Report ``requires: [deck/id]`` entries that name no loaded template."""
    for deck in library.decks.values():
        for template in deck.templates:
            for required in template.requires:
                if "/" not in required:
                    continue
                other, _, template_id = required.partition("/")
                target = library.decks.get(other)
                if target is None or target.template(template_id) is None:
                    library.errors.append(
                        DeckError(
                            f"{template.path}:{template.line}: {template.id}: requires "
                            f"'{required}', which names no loaded template"
                        )
                    )


def requires_cycles(templates: Iterable[Template]) -> list[list[Template]]:
    """Find prerequisite cycles (``a`` requires ``b`` … requires ``a``), within or across decks.

    The drill still orders such templates (it breaks the cycle somewhere), but the author meant
    an order that cannot exist, so ``deck check`` reports each cycle. Requirements naming no
    template among ``templates`` are ignored here (the loader reports them).

    Args:
        templates: The templates to look at, in deck and file order.

    Returns:
        Each cycle found once, as its templates in ``requires`` order, starting where a
        depth-first walk in file order entered it.
    """
    by_key = {f"{t.deck}/{t.id}": t for t in templates}
    needs = {
        key: [r if "/" in r else f"{t.deck}/{r}" for r in t.requires] for key, t in by_key.items()
    }
    state: dict[str, int] = {}  # 1: on the walk's path, 2: finished
    cycles: list[list[Template]] = []
    for root in by_key:
        if root in state:
            continue
        path: list[str] = [root]
        todo = [iter(needs[root])]
        state[root] = 1
        while todo:
            step = next(todo[-1], None)
            if step is None:
                state[path.pop()] = 2
                todo.pop()
            elif step not in by_key or state.get(step) == 2:
                continue
            elif state.get(step) == 1:
                cycles.append([by_key[k] for k in path[path.index(step) :]])
            else:
                state[step] = 1
                path.append(step)
                todo.append(iter(needs[step]))
    return cycles
