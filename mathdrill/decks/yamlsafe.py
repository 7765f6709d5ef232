"""Read deck YAML safely and keep the line number of every key and list item.

Deck files come from people we do not trust, so this module never constructs Python objects from
tags: it composes the YAML node graph with a :class:`yaml.SafeLoader` subclass and converts the
nodes itself, accepting only plain scalars (strings, numbers, booleans, null), lists and mappings.
Everything absurd is refused with a message instead of a hang: files larger than
:data:`MAX_DECK_BYTES`, text that is not UTF-8, nesting deeper than :data:`MAX_DEPTH`, and alias
expansion ("billion laughs") beyond :data:`MAX_NODES` converted nodes.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any, cast

import yaml

MAX_DECK_BYTES = 1_000_000
"""A deck file larger than this (1 MB) is refused before it is parsed."""

MAX_DEPTH = 40
"""Deeper YAML nesting than this is refused (decks need about 6 levels)."""

MAX_NODES = 200_000
"""At most this many nodes are produced, counting every expansion of an alias."""

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
# Implicitly resolved tags that are harmless as their source text (a date is just a string here).
_AS_TEXT = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"}


class YamlProblem(Exception):
    """The text cannot be read as a deck at all (not UTF-8, not YAML, too large, too deep).

    Args:
        line: 1-based line of the problem (0 when it concerns the whole file).
        message: What is wrong, for a deck author.
        column: 1-based column on that line (0 when unknown).
    """

    def __init__(self, line: int, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.column = column


class YMap(dict):
    """A YAML mapping that remembers where it and each of its keys stand.

    Attributes:
        line: 1-based line of the mapping's first key.
        key_lines: 1-based line of each key.
        duplicates: ``(key, line)`` for every key given more than once (the last one wins).
    """

    line: int
    key_lines: dict[str, int]
    duplicates: list[tuple[str, int]]

    def line_of(self, key: str) -> int:
        """Return the line of ``key``, or of the mapping when the key is absent.

        Args:
            key: A key of this mapping.

        Returns:
            A 1-based line number.
        """
        return self.key_lines.get(key, self.line)


class YList(list):
    """A YAML sequence that remembers where it and each of its items stand.

    Attributes:
        line: 1-based line of the sequence.
        item_lines: 1-based line of each item.
    """

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        """Return the line of item ``index``.

        Args:
            index: Position in the list.

        Returns:
            A 1-based line number.
        """
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


@dataclass
class Document:
    """A parsed deck file.

    Attributes:
        data: The top-level value (normally a :class:`YMap`).
        text: The decoded source text.
        spans: For every mapping and sequence (by ``id``), its ``(start, end)`` offsets in
            ``text``, so the source of one template can be fingerprinted.
        problems: ``(line, message)`` for content that was readable but refused (a forbidden tag),
            reported together with the schema problems.
    """

    data: Any
    text: str
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)

    def source_of(self, value: Any) -> str:
        """Return the source text of a mapping or sequence of this document.

        Args:
            value: A :class:`YMap` or :class:`YList` produced for this document.

        Returns:
            The exact text it was read from ("" when unknown).
        """
        start, end = self.spans.get(id(value), (0, 0))
        return self.text[start:end]

    def fingerprint_of(self, value: Any) -> str:
        """Return the fingerprint of a mapping's source: 16 hex digits of SHA-256.

        Trailing spaces and the surrounding blank lines do not count, so only an edit of the
        template's text changes it (reviews store it; the drill checks a spare problem with it).

        Args:
            value: A :class:`YMap` or :class:`YList` produced for this document.

        Returns:
            The fingerprint.
        """
        source = self.source_of(value)
        normalized = "\n".join(line.rstrip() for line in source.strip().splitlines())
        return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16]


class _DeckLoader(yaml.SafeLoader):
    """A SafeLoader whose composer refuses deep nesting; it is only ever used to compose nodes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlProblem(
                    mark.line + 1, f"the YAML is nested more than {MAX_DEPTH} levels deep"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


#: libyaml (PyYAML's C extension) composes about 20× faster than the pure-Python loader; both
#: are safe here because only the node graph is used, never a constructor.
_FAST = bool(getattr(yaml, "__with_libyaml__", False))


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` by walking libyaml's event stream."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise YamlProblem(
                        mark.line + 1 if mark else 0,
                        f"the YAML is nested more than {MAX_DEPTH} levels deep",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        # libyaml ≥ 0.2.5 stops at its own depth limit (1000, far above ours) while scanning
        # ahead, before any event of the deep part reaches this loop.
        if "nesting depth" not in str(error.problem):
            raise
        line = error.problem_mark.line + 1 if error.problem_mark else 0
        raise YamlProblem(line, f"the YAML is nested more than {MAX_DEPTH} levels deep") from None


def decode(raw: bytes) -> str:
    """Decode deck bytes as UTF-8, refusing oversized or non-UTF-8 input.

    Args:
        raw: The file's bytes.

    Returns:
        The text (a leading byte-order mark removed).

    Raises:
        YamlProblem: Larger than :data:`MAX_DECK_BYTES`, or not valid UTF-8 (with its line).
    """
    if len(raw) > MAX_DECK_BYTES:
        raise YamlProblem(
            0,
            f"the file is {len(raw):,} bytes; deck files are limited to {MAX_DECK_BYTES:,} bytes "
            "(split it into several decks)",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlProblem(
            line,
            f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset "
            f"{error.start}); save it as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


def parse_yaml(text: str) -> Document:
    """Parse deck YAML into plain values with line numbers, never constructing objects.

    Args:
        text: The deck source.

    Returns:
        The document; forbidden tags are listed in ``problems`` (their value becomes None).

    Raises:
        YamlProblem: The text is not YAML, holds several documents, is nested too deeply, or
            expands aliases beyond :data:`MAX_NODES`.
    """
    if len(text) > MAX_DECK_BYTES:
        raise YamlProblem(0, f"the text is longer than {MAX_DECK_BYTES:,} characters")
    loader: yaml.CSafeLoader | _DeckLoader | None = None
    try:
        if _FAST:
            # libyaml's composer cannot be hooked per node, so depth is checked on its event
            # stream first (flat, cheap); aliases are only expanded later, by the converter,
            # under its node budget.
            _check_depth(text)
            loader = yaml.CSafeLoader(text)
        else:
            # The reader checks the characters when the loader is built: keep it in the try.
            loader = _DeckLoader(text)
        root = loader.get_single_node()
    except yaml.reader.ReaderError as error:
        line = text[: max(error.position, 0)].count("\n") + 1
        raise YamlProblem(
            line,
            f"the text holds a control character (code {error.character!r}) YAML does not "
            "allow; remove it",
        ) from None
    except yaml.composer.ComposerError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlProblem(line, f"not a single YAML document: {error.problem}") from None
    except yaml.MarkedYAMLError as error:
        raise _syntax_problem(text, error) from None
    except yaml.YAMLError as error:
        raise YamlProblem(0, f"not valid YAML: {error}") from None
    except RecursionError:
        raise YamlProblem(0, "the YAML is nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    document = Document(data=None, text=text)
    if root is None:
        return document
    converter = _Converter(document)
    document.data = converter.convert(root)
    return document


def _syntax_problem(text: str, error: yaml.MarkedYAMLError) -> YamlProblem:
    """Turn a parser error into a problem at the parser's own location, context and problem both.

    The problem's mark is used, unless it lies at the end of the text (an unclosed quote or
    bracket is noticed only there): then the context's mark says where the unclosed thing
    starts, which is what the author must fix. A mark at the end is never given as a line.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the text's final line break ends the last line; it starts no new one

    def at_end(mark: Any) -> bool:
        return mark.line >= len(lines) or (
            mark.line == len(lines) - 1 and mark.column >= len(lines[-1].rstrip("\r"))
        )

    def where(mark: Any) -> str:
        if at_end(mark):
            return "at the end of the file"
        return f"at line {mark.line + 1}, column {mark.column + 1}"

    problem, context = error.problem_mark, error.context_mark
    parts = []
    if error.context:
        same = context is not None and problem is not None and context.index == problem.index
        parts.append(error.context + ("" if context is None or same else f" {where(context)}"))
    if error.problem:
        parts.append(error.problem + ("" if problem is None else f" {where(problem)}"))
    chosen = problem if problem is not None and not at_end(problem) else context
    if chosen is not None and at_end(chosen):
        chosen = None
    message = "not valid YAML: " + ", ".join(parts or ["unreadable"])
    if chosen is None:
        return YamlProblem(len(lines) if lines else 0, message)
    return YamlProblem(chosen.line + 1, message, chosen.column + 1)


class _Converter:
    """Turn composed nodes into YMap/YList/scalars with a budget on the expanded size."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if depth > MAX_DEPTH:
            # Only reachable through an alias that refers to its own ancestor (&a [*a]).
            raise YamlProblem(
                node.start_mark.line + 1,
                f"the YAML is nested more than {MAX_DEPTH} levels deep (a recursive alias?)",
            )
        if self.count > MAX_NODES:
            raise YamlProblem(
                node.start_mark.line + 1,
                f"the document expands to more than {MAX_NODES:,} values (aliases used to "
                "multiply content?); deck files must stay small",
            )
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, line, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self.document.problems.append((line, _tag_message(node.tag)))
                return None
            items = YList()
            items.line = line
            items.item_lines = []
            for child in node.value:
                items.append(self.convert(child, depth + 1))
                items.item_lines.append(child.start_mark.line + 1)
            self.document.spans[id(items)] = (node.start_mark.index, node.end_mark.index)
            return items
        # The composer makes only three kinds of node: this one is a scalar.
        return self._scalar(cast(yaml.ScalarNode, node), line)

    def _mapping(self, node: yaml.MappingNode, line: int, depth: int) -> Any:
        if node.tag != _MAP:
            self.document.problems.append((line, _tag_message(node.tag)))
            return None
        result = YMap()
        result.line = line
        result.key_lines = {}
        result.duplicates = []
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            key = self.convert(key_node, depth + 1)
            if isinstance(key, YMap | YList) or (key is None and key_node.tag != _NULL):
                self.document.problems.append((key_line, "a mapping key must be plain text"))
                continue
            # Deck keys are names, so a key is its text as written: YAML 1.1 would read `off:`,
            # `yes:` or `null:` as a boolean or null (a let named `off` became "false").
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag in (
                _BOOL,
                _NULL,
                _INT,
                _FLOAT,
            ):
                key = key_node.value
            key = key if isinstance(key, str) else str(key)
            if key in result:
                result.duplicates.append((key, key_line))
            result[key] = self.convert(value_node, depth + 1)
            result.key_lines[key] = key_line
        self.document.spans[id(result)] = (node.start_mark.index, node.end_mark.index)
        return result

    def _scalar(self, node: yaml.ScalarNode, line: int) -> Any:
        tag = node.tag
        if tag == _STR or tag in _AS_TEXT:
            return str(node.value)
        if tag == _NULL:
            return None
        if tag in (_INT, _FLOAT, _BOOL):
            try:
                if tag == _INT:
                    # Bound literal integers: YAML's int constructor accepts any digit count.
                    if len(str(node.value)) > 100:
                        self.document.problems.append((line, "integer literal is too long"))
                        return None
                    return self.constructor.construct_yaml_int(node)
                if tag == _FLOAT:
                    value = self.constructor.construct_yaml_float(node)
                    return value if math.isfinite(value) else str(node.value)
                return self.constructor.construct_yaml_bool(node)
            except (ValueError, yaml.YAMLError):
                return str(node.value)
        self.document.problems.append((line, _tag_message(tag)))
        return None


def _tag_message(tag: str) -> str:
    short = tag.replace("tag:yaml.org,2002:", "!!")
    return (
        f"the YAML tag {short} is not allowed in deck files (only plain text, numbers, "
        "true/false, lists and mappings); it was ignored, not executed"
    )
