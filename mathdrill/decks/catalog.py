"""A light reader of deck files: ids, titles, tags and mistake names, no expressions.

Statistics need to know what a deck is called, which tags each template carries and what each
authored mistake says, but not how to generate a problem. Reading that much is a YAML parse (with
the same safety limits as :mod:`mathdrill.decks.yamlsafe`) and a walk over a few keys; no
expression is parsed and this module imports no sympy itself.

A file that cannot be read is reported in :attr:`Catalog.problems` and skipped: statistics still
work for every other deck.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mathdrill.decks.yamlsafe import MAX_DECK_BYTES, YamlProblem, YList, YMap, decode, parse_yaml


@dataclass(frozen=True)
class TemplateInfo:
    """What statistics need to know about one template.

    Attributes:
        id: Template id.
        title: Its title ("" when missing).
        tags: Its tags, in file order.
        mistakes: ``{mistake id: feedback text}`` (ids default to ``mistake-1``, … by position,
            as the deck loader names them).
    """

    id: str
    title: str
    tags: tuple[str, ...] = ()
    mistakes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeckInfo:
    """What statistics need to know about one deck.

    Attributes:
        id: Deck id.
        title: Its title ("" when missing).
        path: The file it was read from.
        templates: Its templates by id, in file order.
    """

    id: str
    title: str
    path: str
    templates: dict[str, TemplateInfo]


@dataclass(frozen=True)
class Catalog:
    """Every deck found, by id, and the files that could not be read.

    Attributes:
        decks: Decks by id, in discovery order (the first file of an id wins).
        problems: One message per file that was skipped.
    """

    decks: dict[str, DeckInfo] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def template(self, deck: str, template: str) -> TemplateInfo | None:
        """Return a template's info, or None when no catalogued deck defines it.

        Args:
            deck: Deck id.
            template: Template id.

        Returns:
            The info or None.
        """
        info = self.decks.get(deck)
        return None if info is None else info.templates.get(template)

    def tags(self) -> dict[str, list[tuple[str, str]]]:
        """Return the skills carrying each tag.

        Returns:
            ``{tag: [(deck, template), …]}``, tags sorted, skills in catalogue order.
        """
        result: dict[str, list[tuple[str, str]]] = {}
        for deck in self.decks.values():
            for template in deck.templates.values():
                for tag in template.tags:
                    result.setdefault(tag, []).append((deck.id, template.id))
        return dict(sorted(result.items()))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def read_deck_info(raw: bytes, path: str) -> DeckInfo:
    """Read one deck file's ids, titles, tags and mistakes.

    Args:
        raw: The file's bytes.
        path: The name used in messages and kept in the result.

    Returns:
        The deck's info.

    Raises:
        ValueError: The file is not readable YAML or not shaped like a deck (the message says
            where).
    """
    try:
        data = parse_yaml(decode(raw)).data
    except YamlProblem as problem:
        where = f"{path}:{problem.line}" if problem.line else path
        raise ValueError(f"{where}: {problem.message}") from None
    if not isinstance(data, YMap) or not isinstance(data.get("deck"), str):
        raise ValueError(f"{path}: not a deck file (no top-level `deck:` id)")
    templates: dict[str, TemplateInfo] = {}
    raw_templates = data.get("templates")
    for item in raw_templates if isinstance(raw_templates, YList) else ():
        if not isinstance(item, YMap) or not isinstance(item.get("id"), str):
            continue
        tags = item.get("tags")
        mistakes: dict[str, str] = {}
        raw_mistakes = item.get("mistakes")
        for i, mistake in enumerate(raw_mistakes if isinstance(raw_mistakes, YList) else ()):
            if isinstance(mistake, YMap):
                name = mistake.get("id")
                key = name if isinstance(name, str) else f"mistake-{i + 1}"
                mistakes[key] = _text(mistake.get("feedback")).strip()
        templates.setdefault(
            item["id"],
            TemplateInfo(
                id=item["id"],
                title=_text(item.get("title")).strip(),
                tags=tuple(t for t in tags if isinstance(t, str))
                if isinstance(tags, YList)
                else (),
                mistakes=mistakes,
            ),
        )
    return DeckInfo(
        id=data["deck"], title=_text(data.get("title")).strip(), path=path, templates=templates
    )


def read_catalog(files: Iterable[Path]) -> Catalog:
    """Read every deck file given, skipping (and reporting) those that cannot be read.

    Args:
        files: Deck files, in priority order (an id seen twice keeps its first file).

    Returns:
        The catalogue.
    """
    decks: dict[str, DeckInfo] = {}
    problems: list[str] = []
    for path in files:
        try:
            if path.stat().st_size > MAX_DECK_BYTES:
                raise ValueError(f"{path}: larger than {MAX_DECK_BYTES:,} bytes")
            info = read_deck_info(path.read_bytes(), str(path))
        except OSError as error:
            problems.append(f"{path}: cannot read the deck file ({error.strerror or error})")
            continue
        except ValueError as error:
            problems.append(str(error))
            continue
        if info.id in decks:
            problems.append(f"{path}: deck {info.id!r} is also defined in {decks[info.id].path}")
            continue
        decks[info.id] = info
    return Catalog(decks=decks, problems=tuple(problems))


def catalog_files(user_dir: Path | None, given: Iterable[Path] = ()) -> list[Path]:
    """List the deck files the library would load: built-in, the user's folder, ``--decks``.

    Args:
        user_dir: The data directory's ``decks/`` folder (may not exist).
        given: Extra files or folders.

    Returns:
        The files, in the library's order; missing folders are skipped.
    """
    from mathdrill.decks.library import deck_files, deck_sources

    files: list[Path] = []
    for source in deck_sources(user_dir, given):
        if source.path.exists():
            files.extend(deck_files(source.path))
    return files
