"""A light reader of deck files: ids, titles, tags, prerequisites and mistakes, no expressions.

Statistics need to know what a deck is called, which tags each template carries and what each
authored mistake says; the drill's queue needs prerequisites, expected solve times and hint
counts. Neither needs to generate a problem. Reading that much is a YAML parse (with the same
safety limits as :mod:`mathdrill.decks.yamlsafe`) and a walk over a few keys; no expression is
parsed and this module imports no sympy itself. The values are *not validated* here (that is the
loader's job, in ``deck check`` and wherever a problem is generated): a value of the wrong type
reads as its default.

A file that cannot be read is reported in :attr:`Catalog.problems` and skipped: statistics still
work for every other deck.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mathdrill.vocabulary import default_mistake_id

DEFAULT_EXPECTED_SECONDS = 60.0
"""``expected_seconds`` of a template that does not say (the loader's default)."""


@dataclass(frozen=True)
class TemplateInfo:
    """What statistics need to know about one template.

    Attributes:
        id: Template id.
        title: Its title ("" when missing).
        tags: Its tags, in file order.
        mistakes: ``{mistake id: feedback text}`` (ids default to ``mistake-1``, … by position,
            as the deck loader names them).
        requires: Prerequisites as written (``id`` in the same deck or ``deck/id``).
        expected_seconds: Seconds a fluent learner needs (the loader's default, 60, when
            missing or not a number from 1 to 3600).
        hints: How many hints the template has.
        fingerprint: The template's source fingerprint, as the loader computes it (a problem
            made from an older text of the template has another one).
    """

    id: str
    title: str
    tags: tuple[str, ...] = ()
    mistakes: dict[str, str] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    expected_seconds: float = DEFAULT_EXPECTED_SECONDS
    hints: int = 0
    fingerprint: str = ""


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
        slow: ``deck/id`` of the templates a drill found too slow to make a problem from, since
            their file last changed (see :func:`remember_slow`).
    """

    decks: dict[str, DeckInfo] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    slow: frozenset[str] = frozenset()

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


def _seconds(value: object) -> float:
    # The loader refuses anything else; a refused template never generates, so its default
    # here only orders a queue that will report it as broken.
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value <= 3600:
        return float(value)
    return DEFAULT_EXPECTED_SECONDS


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
    # Imported here: a catalogue read from its cache (every run of the drill) needs no YAML.
    from mathdrill.decks.yamlsafe import YamlProblem, YList, YMap, decode, parse_yaml

    try:
        document = parse_yaml(decode(raw))
    except YamlProblem as problem:
        where = f"{path}:{problem.line}" if problem.line else path
        raise ValueError(f"{where}: {problem.message}") from None
    data = document.data
    if not isinstance(data, YMap) or not isinstance(data.get("deck"), str):
        raise ValueError(f"{path}: not a deck file (no top-level `deck:` id)")
    templates: dict[str, TemplateInfo] = {}
    raw_templates = data.get("templates")
    for item in raw_templates if isinstance(raw_templates, YList) else ():
        if not isinstance(item, YMap) or not isinstance(item.get("id"), str):
            continue
        tags = item.get("tags")
        requires = item.get("requires")
        hints = item.get("hints")
        mistakes: dict[str, str] = {}
        raw_mistakes = item.get("mistakes")
        for i, mistake in enumerate(raw_mistakes if isinstance(raw_mistakes, YList) else ()):
            if isinstance(mistake, YMap):
                name = mistake.get("id")
                key = name if isinstance(name, str) else default_mistake_id(i)
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
                requires=tuple(r for r in requires if isinstance(r, str))
                if isinstance(requires, YList)
                else (),
                expected_seconds=_seconds(item.get("expected_seconds")),
                # A single text is one hint (the loader accepts it too).
                hints=len(hints) if isinstance(hints, YList) else int(isinstance(hints, str)),
                fingerprint=document.fingerprint_of(item),
            ),
        )
    return DeckInfo(
        id=data["deck"], title=_text(data.get("title")).strip(), path=path, templates=templates
    )


CACHE_FORMAT = 3
"""Version of the cache file's layout; a cache of another version is ignored."""


def read_catalog(files: Iterable[Path], cache: Path | None = None) -> Catalog:
    """Read every deck file given, skipping (and reporting) those that cannot be read.

    Args:
        files: Deck files, in priority order (an id seen twice keeps its first file).
        cache: A JSON file remembering each deck file's info by path, size and modification
            time, so unchanged files are not parsed again. It serves the drill's first-problem
            target (≤ 0.6 s after an earlier session) and ``mathdrill stats`` (≤ 1 s). None: no
            cache. A missing, unreadable or foreign cache is ignored and rewritten; failing to
            write it is not an error.

    Returns:
        The catalogue.
    """
    remembered = _load_cache(cache) if cache is not None else {}
    fresh: dict[str, Any] = {}
    decks: dict[str, DeckInfo] = {}
    problems: list[str] = []
    slow_keys: set[str] = set()
    for path in files:
        try:
            status = path.stat()
            stamp = [status.st_size, status.st_mtime_ns]
            entry = remembered.get(str(path))
            info = _info_from_json(entry["info"]) if entry and entry["stamp"] == stamp else None
            slow = entry.get("slow") if entry and info is not None else None
            if info is None:
                from mathdrill.decks.yamlsafe import MAX_DECK_BYTES

                if status.st_size > MAX_DECK_BYTES:
                    raise ValueError(f"{path}: larger than {MAX_DECK_BYTES:,} bytes")
                info = read_deck_info(path.read_bytes(), str(path))
            fresh[str(path)] = {"stamp": stamp, "info": _info_to_json(info)}
            if isinstance(slow, list) and all(isinstance(t, str) for t in slow):
                fresh[str(path)]["slow"] = slow
                slow_keys.update(f"{info.id}/{t}" for t in slow)
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
    if cache is not None and fresh != remembered:
        _save_cache(cache, fresh)
    return Catalog(decks=decks, problems=tuple(problems), slow=frozenset(slow_keys))


class _SlowSkill(Protocol):
    """A template as :func:`remember_slow` needs it: its deck file and its id."""

    @property
    def path(self) -> str: ...

    @property
    def id(self) -> str: ...


def remember_slow(cache: Path | None, skills: Iterable[_SlowSkill]) -> None:
    """Note in the catalogue cache that these templates were too slow to make a problem from.

    The note belongs to the cache entry of the template's file, so it lapses as soon as the file
    changes (a new entry is made without it). Best effort, like the cache itself: a missing
    cache or entry just means the template is tried again next time.

    Args:
        cache: The cache file (None: nothing to do).
        skills: The templates (anything with the deck file ``path`` and template ``id``).
    """
    found = list(skills)
    if cache is None or not found:
        return
    files = _load_cache(cache)
    changed = False
    for skill in found:
        entry = files.get(skill.path)
        if entry is None:
            continue
        known = entry.get("slow") if isinstance(entry.get("slow"), list) else []
        if skill.id not in known:
            entry["slow"] = [*known, skill.id]
            changed = True
    if changed:
        _save_cache(cache, files)


def _info_to_json(info: DeckInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "title": info.title,
        "path": info.path,
        "templates": [
            [
                t.id,
                t.title,
                list(t.tags),
                t.mistakes,
                list(t.requires),
                t.expected_seconds,
                t.hints,
                t.fingerprint,
            ]
            for t in info.templates.values()
        ],
    }


def _info_from_json(data: Any) -> DeckInfo | None:
    """Rebuild a deck's info from the cache; None when the entry is not shaped as written."""
    try:
        templates = {
            str(tid): TemplateInfo(
                id=str(tid),
                title=str(title),
                tags=tuple(str(tag) for tag in tags),
                mistakes={str(k): str(v) for k, v in mistakes.items()},
                requires=tuple(str(r) for r in requires),
                expected_seconds=float(seconds),
                hints=int(hints),
                fingerprint=str(fingerprint),
            )
            for tid, title, tags, mistakes, requires, seconds, hints, fingerprint in data[
                "templates"
            ]
        }
        return DeckInfo(
            id=str(data["id"]),
            title=str(data["title"]),
            path=str(data["path"]),
            templates=templates,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _load_cache(cache: Path) -> dict[str, Any]:
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
        return {}
    files = data.get("files")
    if not isinstance(files, dict):
        return {}
    return {
        path: entry
        for path, entry in files.items()
        if isinstance(entry, dict) and isinstance(entry.get("stamp"), list) and "info" in entry
    }


def _save_cache(cache: Path, files: dict[str, Any]) -> None:
    # Written to a temporary file and renamed, so a reader never sees half a cache; any failure
    # (read-only data directory, full disk) only means the next run parses the decks again.
    partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps({"format": CACHE_FORMAT, "files": files}), encoding="utf-8")
        os.replace(partial, cache)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()


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
