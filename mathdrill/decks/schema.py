"""Check a parsed deck document against the deck format and build the :class:`Deck` model.

Every key and type is checked and *all* problems of a file are collected (not just the first),
each with its line, so an author fixes a file in one pass. The tables at the top are the format's
single source of truth: the validator walks them and :func:`json_schema` turns them into a JSON
Schema for editors. Tables, validator and JSON Schema stay in one module so that they cannot
drift apart.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Callable
from typing import Any

from mathdrill.decks.model import (
    AnswerDef,
    AnswerTest,
    Deck,
    Expr,
    MistakeDef,
    Problem,
    Template,
    Text,
)
from mathdrill.decks.placeholders import FORMATS, placeholders
from mathdrill.decks.samplers import FLAGS, SAMPLERS
from mathdrill.decks.yamlsafe import Document, YList, YMap
from mathdrill.vocabulary import ANSWER_KINDS, ID_RE, MAX_ID_LENGTH, default_mistake_id

FORMAT_VERSION = 1
"""The deck format version this code reads (``version:`` in a deck; optional)."""

NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
SAMPLER_CALL_RE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*", re.DOTALL)

RESERVED = frozenset(
    {"answer", "pi", "e", "E", "I", "oo", "nan", "zoo", "true", "false", "True", "False"}
)
"""Names a parameter, let binding or symbol may not take."""

MAX_TEMPLATES = 500
MAX_TEXT = 10_000
MAX_EXPR = 2_000

# key -> (JSON-schema type, description). Types: "id", "string", "text", "number", "integer",
# "boolean", "ids", "names", "strings", "texts", "mapping", "list", "expr", "expr-or-list".
DECK_KEYS: dict[str, tuple[str, str]] = {
    "deck": ("id", "Deck id, [a-z0-9-]+, unique across loaded decks."),
    "title": ("string", "One-line title."),
    "description": ("string", "What the deck drills."),
    "version": ("integer", "Deck format version (1). Optional."),
    "templates": ("list", "The problem templates."),
}
DECK_REQUIRED = ("deck", "title", "templates")

TEMPLATE_KEYS: dict[str, tuple[str, str]] = {
    "id": ("id", "Template id, [a-z0-9-]+; deck/id is the card identity: keep it stable."),
    "title": ("string", "One-line title."),
    "tags": ("ids", "Topic tags, [a-z0-9-]+."),
    "requires": ("strings", "Prerequisite templates: an id in this deck or deck/id."),
    "symbols": ("names", "Free symbols the learner may use (x, t …)."),
    "params": ("mapping", "Sampled parameters in order: name: sampler(args)."),
    "where": ("exprs", "Constraints on the parameters; instances that fail are resampled."),
    "let": ("mapping", "Derived values in order: name: expression."),
    "prompt": ("text", "The question, with {placeholders}."),
    "answer": ("answer", "The reference answer and how it is compared."),
    "hints": ("texts", "Hints, shown one at a time."),
    "solution": ("text", "The worked solution; {answer} renders the reference."),
    "mistakes": ("mistakes", "Wrong answers worth a specific message."),
    "expected_seconds": ("number", "Seconds a fluent learner needs (default 60)."),
    "variety": (
        "line",
        "Why the answers cannot take many values (one line); exempts the template from deck "
        "check's variety floor.",
    ),
    "tests": ("tests", "Answer tests: a learner input and the verdict it must get, every sample."),
}
TEMPLATE_REQUIRED = ("id", "title", "prompt", "answer")

ANSWER_KEYS: dict[str, tuple[str, str]] = {
    "kind": ("kind", "Answer kind: " + ", ".join(ANSWER_KINDS) + "."),
    "value": ("expr", "The reference answer (an expression in params, let and symbols)."),
    "rtol": ("number", "Relative tolerance (overrides the kind's rule)."),
    "atol": ("number", "Absolute tolerance (overrides the kind's rule)."),
    "up_to_constant": ("boolean", "expression: accept answers differing by a constant."),
    "allow_imaginary": ("boolean", "Let the learner use I and compare complex values."),
    "choices": ("texts", "choice: the option texts; value is the right option (text or letter)."),
    "domain": ("domain", "Sampling interval per symbol, e.g. {x: [0.1, 3]}."),
}
ANSWER_REQUIRED = ("kind", "value")

MISTAKE_KEYS: dict[str, tuple[str, str]] = {
    "value": ("expr", "The wrong answer, as an expression."),
    "feedback": ("text", "What to tell the learner whose answer matches it."),
    "id": ("id", "Optional name of the mistake, [a-z0-9-]+."),
}
MISTAKE_REQUIRED = ("value", "feedback")

TEST_KEYS: dict[str, tuple[str, str]] = {
    "answer": ("text", "A learner's input, with {placeholders} (rendered as plain text)."),
    "verdict": ("verdict", "correct, wrong, or mistake:ID (recognised as that mistake)."),
}
TEST_REQUIRED = ("answer", "verdict")

VERDICTS = ("correct", "wrong")
"""The verdict words of an answer test; ``mistake:ID`` names an authored mistake."""

MAX_VARIETY = 200
"""Characters of a ``variety:`` reason (one line)."""


_ID_LENGTH = f"at most {MAX_ID_LENGTH} characters"


def _is_id(value: object) -> bool:
    """Tell whether ``value`` is a usable id: the id characters, short enough to be stored."""
    return isinstance(value, str) and len(value) <= MAX_ID_LENGTH and bool(ID_RE.fullmatch(value))


def known_kinds() -> tuple[str, ...]:
    """Return the answer kind names a deck may use (the answers registry has one kind each).

    Returns:
        Kind names.
    """
    return ANSWER_KINDS


def did_you_mean(word: str, options: Any) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest option, or ``""``.

    Args:
        word: What was written.
        options: The valid words.

    Returns:
        The suggestion suffix.
    """
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Collector:
    """Collects problems for one file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int, message: str, template: str | None = None) -> None:
        self.problems.append(Problem(self.path, line, message, template))


def _type_name(value: Any) -> str:
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, YList):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return "text"


def _check_keys(
    out: _Collector,
    block: YMap,
    keys: dict[str, tuple[str, str]],
    required: tuple[str, ...],
    what: str,
    template: str | None,
) -> None:
    for key, line in block.duplicates:
        out.add(line, f"{what}: key '{key}' is given twice", template)
    for key in block:
        if key not in keys:
            out.add(
                block.line_of(key),
                f"{what}: unknown key '{key}'{did_you_mean(key, keys)}",
                template,
            )
    for key in required:
        if key not in block or block[key] is None:
            out.add(block.line, f"{what}: missing required key '{key}'", template)


def _string(out: _Collector, block: YMap, key: str, what: str, template: str | None) -> str | None:
    value = block.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        out.add(
            block.line_of(key), f"{what}: '{key}' must be text, not {_type_name(value)}", template
        )
        return None
    if len(value) > MAX_TEXT:
        out.add(
            block.line_of(key), f"{what}: '{key}' is longer than {MAX_TEXT} characters", template
        )
        return None
    return value


def _expr_text(value: Any) -> str | None:
    """Text of an expression given in YAML: text as is, numbers and lists of them as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, YList):
        parts = [_expr_text(item) for item in value]
        if any(part is None for part in parts):
            return None
        return "[" + ", ".join(parts) + "]"  # type: ignore[arg-type]
    return None


def _expr(out: _Collector, value: Any, line: int, where: str, template: str | None) -> Expr | None:
    text = _expr_text(value)
    if text is None or not text.strip():
        out.add(line, f"{where}: expected an expression, not {_type_name(value)}", template)
        return None
    if len(text) > MAX_EXPR:
        out.add(line, f"{where}: the expression is longer than {MAX_EXPR} characters", template)
        return None
    return Expr(text, line, where)


def _list_of(
    out: _Collector,
    block: YMap,
    key: str,
    what: str,
    template: str | None,
    *,
    single_ok: bool = False,
) -> list[tuple[Any, int]]:
    """Items of a list key with their lines; a lone scalar counts as a one-item list if allowed."""
    value = block.get(key)
    if value is None:
        return []
    if isinstance(value, YList):
        return [(item, value.line_of(i)) for i, item in enumerate(value)]
    if single_ok and not isinstance(value, YMap):
        return [(value, block.line_of(key))]
    out.add(
        block.line_of(key), f"{what}: '{key}' must be a list, not {_type_name(value)}", template
    )
    return []


def parse_document(document: Document, path: str) -> tuple[Deck | None, list[Problem]]:
    """Validate a parsed deck document and build its :class:`Deck`.

    Args:
        document: The YAML document (from :func:`mathdrill.decks.yamlsafe.parse_yaml`).
        path: The file name used in problem messages.

    Returns:
        ``(deck, problems)``: the deck is None when the file is not a deck at all; when problems
        is non-empty the deck holds only the templates that were valid.
    """
    out = _Collector(path)
    for line, message in document.problems:
        out.add(line, message)
    data = document.data
    if not isinstance(data, YMap):
        out.add(
            getattr(data, "line", 1) if data is not None else 1,
            "a deck file must be a mapping with the keys deck, title, templates "
            f"(found {_type_name(data)})",
        )
        return None, out.problems
    _check_keys(out, data, DECK_KEYS, DECK_REQUIRED, "deck", None)
    deck_id = _string(out, data, "deck", "deck", None)
    if deck_id is not None and not _is_id(deck_id):
        out.add(
            data.line_of("deck"),
            f"deck id '{deck_id}' may use only a-z, 0-9 and '-', {_ID_LENGTH} "
            "(e.g. 'linear-algebra')",
        )
        deck_id = None
    title = _string(out, data, "title", "deck", None) or ""
    description = _string(out, data, "description", "deck", None) or ""
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION or isinstance(version, bool):
        out.add(
            data.line_of("version"),
            f"deck format version {version!r} is not supported (this mathdrill reads "
            f"version {FORMAT_VERSION})",
        )
    templates_node = data.get("templates")
    templates: list[Template] = []
    if templates_node is not None and not isinstance(templates_node, YList):
        out.add(
            data.line_of("templates"),
            f"'templates' must be a list, not {_type_name(templates_node)}",
        )
    elif isinstance(templates_node, YList):
        if len(templates_node) > MAX_TEMPLATES:
            out.add(data.line_of("templates"), f"a deck holds at most {MAX_TEMPLATES} templates")
        if not templates_node:
            out.add(data.line_of("templates"), "'templates' is empty: add at least one")
        all_ids = {
            node["id"]
            for node in templates_node
            if isinstance(node, YMap) and isinstance(node.get("id"), str)
        }
        seen: dict[str, int] = {}
        for index, node in enumerate(templates_node[:MAX_TEMPLATES]):
            line = templates_node.line_of(index)
            if not isinstance(node, YMap):
                out.add(line, f"templates[{index}] must be a mapping, not {_type_name(node)}")
                continue
            raw_id = node.get("id")
            if isinstance(raw_id, str) and raw_id in seen:
                out.add(
                    node.line_of("id"),
                    f"duplicate template id '{raw_id}' (first defined on line {seen[raw_id]})",
                    raw_id,
                )
                continue
            if isinstance(raw_id, str):
                seen[raw_id] = node.line_of("id")
            template = _template(out, node, deck_id or "?", path, document, index, all_ids)
            if template is not None:
                templates.append(template)
    if deck_id is None:
        return None, out.problems
    deck = Deck(
        id=deck_id,
        title=title,
        path=path,
        description=description,
        templates=tuple(templates),
        version=FORMAT_VERSION,
        line=data.line_of("deck"),
    )
    return deck, out.problems


def _template(
    out: _Collector,
    node: YMap,
    deck_id: str,
    path: str,
    document: Document,
    index: int,
    all_ids: set[str],
) -> Template | None:
    raw_id = node.get("id")
    template_id = raw_id if _is_id(raw_id) else None
    label = template_id or f"templates[{index}]"
    before = len(out.problems)
    _check_keys(out, node, TEMPLATE_KEYS, TEMPLATE_REQUIRED, "template", label)
    if raw_id is not None and template_id is None:
        out.add(
            node.line_of("id"),
            f"template id {raw_id!r} may use only a-z, 0-9 and '-', {_ID_LENGTH} "
            "(e.g. 'chain-rule-sin')",
            label,
        )
    title = _string(out, node, "title", "template", label) or ""

    def add(line: int, message: str) -> None:
        out.add(line, message, label)

    # Names: symbols, params, let — identifiers, unique, not reserved.
    names: dict[str, str] = {}

    def claim(name: Any, line: int, role: str) -> bool:
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            add(line, f"{role} name {name!r} must be a letter followed by letters, digits or _")
            return False
        if name in RESERVED or name in SAMPLERS or name in FLAGS:
            add(line, f"{role} name '{name}' is reserved; choose another")
            return False
        if name in names:
            add(line, f"'{name}' is already a {names[name]} of this template")
            return False
        names[name] = role
        return True

    symbols: list[str] = []
    for item, line in _list_of(out, node, "symbols", "template", label):
        if claim(item, line, "symbol"):
            symbols.append(item)

    params: list[tuple[str, Expr]] = []
    params_node = node.get("params")
    if params_node is not None and not isinstance(params_node, YMap):
        add(
            node.line_of("params"),
            f"'params' must be a mapping of name: sampler(...), not {_type_name(params_node)}",
        )
    elif isinstance(params_node, YMap):
        for key, line in params_node.duplicates:
            add(line, f"parameter '{key}' is given twice")
        for name, value in params_node.items():
            line = params_node.line_of(name)
            if not claim(name, line, "parameter"):
                continue
            expr = _expr(out, value, line, f"params.{name}", label)
            if expr is None:
                continue
            if isinstance(value, str):
                match = SAMPLER_CALL_RE.fullmatch(value)
                if match is None:
                    advice = (
                        " (YAML splits {...} mappings and [...] lists at commas: quote the "
                        "call or write it on its own line)"
                        if value.count("(") != value.count(")")
                        else "; derived values belong in let:"
                    )
                    add(
                        line,
                        f"params.{name}: '{value}' is not a sampler call such as "
                        f"integer(1, 9){advice}",
                    )
                    continue
                if match.group(1) not in SAMPLERS:
                    add(
                        line,
                        f"params.{name}: unknown sampler '{match.group(1)}'"
                        f"{did_you_mean(match.group(1), SAMPLERS)} (samplers: "
                        f"{', '.join(SAMPLERS)})",
                    )
                    continue
            params.append((name, expr))

    where: list[Expr] = []
    for i, (item, line) in enumerate(
        _list_of(out, node, "where", "template", label, single_ok=True)
    ):
        expr = _expr(out, item, line, f"where[{i}]", label)
        if expr is not None:
            where.append(expr)

    let: list[tuple[str, Expr]] = []
    let_node = node.get("let")
    if let_node is not None and not isinstance(let_node, YMap):
        add(
            node.line_of("let"),
            f"'let' must be a mapping of name: expression, not {_type_name(let_node)}",
        )
    elif isinstance(let_node, YMap):
        for key, line in let_node.duplicates:
            add(line, f"let binding '{key}' is given twice")
        for name, value in let_node.items():
            line = let_node.line_of(name)
            if not claim(name, line, "let binding"):
                continue
            expr = _expr(out, value, line, f"let.{name}", label)
            if expr is not None:
                let.append((name, expr))

    def text(key: str, value: Any, line: int, where_: str) -> Text | None:
        if not isinstance(value, str) or isinstance(value, bool):
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = repr(value)
            else:
                add(line, f"{where_}: must be text, not {_type_name(value)}")
                return None
        if len(value) > MAX_TEXT:
            add(line, f"{where_}: longer than {MAX_TEXT} characters")
            return None
        result = Text(value, line, where_)
        _check_placeholders(result, names, add)
        return result

    prompt = None
    if "prompt" in node and node["prompt"] is not None:
        prompt = text("prompt", node["prompt"], node.line_of("prompt"), "prompt")

    hints: list[Text] = []
    for i, (item, line) in enumerate(
        _list_of(out, node, "hints", "template", label, single_ok=True)
    ):
        hint = text("hints", item, line, f"hints[{i}]")
        if hint is not None:
            hints.append(hint)

    solution = None
    if node.get("solution") is not None:
        solution = text("solution", node["solution"], node.line_of("solution"), "solution")

    answer = _answer(out, node, label, symbols, text)

    mistakes: list[MistakeDef] = []
    mistake_names: set[str] = set()
    for i, (item, line) in enumerate(_list_of(out, node, "mistakes", "template", label)):
        if not isinstance(item, YMap):
            add(line, f"mistakes[{i}] must be a mapping with value and feedback")
            continue
        _check_keys(out, item, MISTAKE_KEYS, MISTAKE_REQUIRED, f"mistakes[{i}]", label)
        mistake_id = item.get("id", default_mistake_id(i))
        if not isinstance(mistake_id, str) or not _is_id(mistake_id):
            add(
                item.line_of("id"),
                f"mistakes[{i}].id {mistake_id!r} may use only a-z, 0-9, -, {_ID_LENGTH}",
            )
            continue
        if mistake_id in mistake_names:
            add(item.line_of("id"), f"mistake id '{mistake_id}' is used twice")
            continue
        mistake_names.add(mistake_id)
        value = (
            _expr(out, item["value"], item.line_of("value"), f"mistakes[{i}].value", label)
            if item.get("value") is not None
            else None
        )
        feedback = (
            text("feedback", item["feedback"], item.line_of("feedback"), f"mistakes[{i}].feedback")
            if item.get("feedback") is not None
            else None
        )
        if value is not None and feedback is not None:
            mistakes.append(MistakeDef(mistake_id, value, feedback))

    variety = _variety(out, node, label)
    tests = _answer_tests(out, node, label, mistake_names, text)

    tags: list[str] = []
    for item, line in _list_of(out, node, "tags", "template", label):
        if not _is_id(item):
            add(line, f"tag {item!r} may use only a-z, 0-9 and '-', {_ID_LENGTH}")
        else:
            tags.append(item)
    requires: list[str] = []
    for item, line in _list_of(out, node, "requires", "template", label):
        parts = item.split("/") if isinstance(item, str) else []
        if not 1 <= len(parts) <= 2 or not all(_is_id(p) for p in parts):
            add(line, f"requires {item!r} must be a template id or deck/template-id")
        elif len(parts) == 1 and item not in all_ids:
            # deck/id references are resolved when decks are loaded together (library).
            add(
                line,
                f"requires '{item}', which names no template of this deck"
                f"{did_you_mean(item, all_ids)}; write deck/id for another deck's template",
            )
        elif item == template_id:
            add(line, "a template cannot require itself")
        else:
            requires.append(item)

    seconds = node.get("expected_seconds", 60)
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not (0 < seconds <= 3600)
    ):
        add(
            node.line_of("expected_seconds"),
            f"expected_seconds must be a number of seconds from 1 to 3600, not {seconds!r}",
        )
        seconds = 60

    if len(out.problems) > before or template_id is None or prompt is None or answer is None:
        return None
    return Template(
        deck=deck_id,
        id=template_id,
        title=title,
        path=path,
        line=node.line_of("id"),
        prompt=prompt,
        answer=answer,
        tags=tuple(tags),
        requires=tuple(requires),
        symbols=tuple(symbols),
        params=tuple(params),
        where=tuple(where),
        let=tuple(let),
        hints=tuple(hints),
        solution=solution,
        mistakes=tuple(mistakes),
        expected_seconds=float(seconds),
        variety=variety,
        tests=tuple(tests),
        fingerprint=document.fingerprint_of(node),
    )


def _variety(out: _Collector, node: YMap, label: str) -> str | None:
    """The template's ``variety:`` reason, checked to be one line of text."""
    raw = node.get("variety")
    if raw is None:
        return None
    line = node.line_of("variety")
    example = "e.g. variety: only 6 valid layer shapes exist"
    if not isinstance(raw, str) or not raw.strip():
        out.add(line, f"variety: give the reason in one line of text ({example})", label)
        return None
    reason = raw.strip()
    if "\n" in reason:
        out.add(line, f"variety: the reason must be one line ({example})", label)
        return None
    if len(reason) > MAX_VARIETY:
        out.add(line, f"variety: the reason is longer than {MAX_VARIETY} characters", label)
        return None
    return reason


def _answer_tests(
    out: _Collector,
    node: YMap,
    label: str,
    mistake_names: set[str],
    text: Callable[..., Any],
) -> list[AnswerTest]:
    """The template's answer tests: each an answer text and a verdict it must get."""
    tests: list[AnswerTest] = []
    for i, (item, line) in enumerate(_list_of(out, node, "tests", "template", label)):
        where = f"tests[{i}]"
        if not isinstance(item, YMap):
            out.add(line, f"{where} must be a mapping with answer and verdict", label)
            continue
        before = len(out.problems)
        _check_keys(out, item, TEST_KEYS, TEST_REQUIRED, where, label)
        answer = None
        if item.get("answer") is not None:
            answer = text("answer", item["answer"], item.line_of("answer"), f"{where}.answer")
        verdict = item.get("verdict")
        if verdict is not None:
            verdict = _test_verdict(out, item, where, label, verdict, mistake_names)
        if len(out.problems) == before and answer is not None and verdict is not None:
            tests.append(AnswerTest(answer, verdict, item.line_of("answer")))
    return tests


def _test_verdict(
    out: _Collector, item: YMap, where: str, label: str, verdict: Any, mistake_names: set[str]
) -> str | None:
    """Check one answer test's verdict: correct, wrong or mistake:ID of an authored mistake."""
    line = item.line_of("verdict")
    words = [*VERDICTS, "mistake:ID"]
    if not isinstance(verdict, str):
        shown = ", ".join(words)
        out.add(line, f"{where}.verdict must be {shown}, not {_type_name(verdict)}", label)
        return None
    kind, colon, name = verdict.strip().partition(":")
    kind, name = kind.strip(), name.strip()
    if not colon and kind in VERDICTS:
        return kind
    if kind != "mistake" or not colon:
        out.add(
            line,
            f"{where}.verdict '{verdict}' is not one of {', '.join(words)}"
            f"{did_you_mean(kind, [*VERDICTS, 'mistake'])}",
            label,
        )
        return None
    if name not in mistake_names:
        known = ", ".join(sorted(mistake_names)) or "none"
        out.add(
            line,
            f"{where}.verdict names no mistake '{name}' of this template"
            f"{did_you_mean(name, mistake_names)} (its mistakes: {known})",
            label,
        )
        return None
    return f"mistake:{name}"


def _check_placeholders(text: Text, names: dict[str, str], add: Callable[[int, str], None]) -> None:
    try:
        found = placeholders(text.text)
    except ValueError as error:
        add(text.line, f"{text.where}: {error}")
        return
    for name, form in found:
        if form not in FORMATS:
            add(
                text.line,
                f"{text.where}: unknown placeholder form '{{{name}:{form}}}' "
                f"(forms: {', '.join(FORMATS)})",
            )
        if name == "answer":
            continue
        role = names.get(name)
        if role is None or role == "symbol":
            known = [n for n, r in names.items() if r != "symbol"] + ["answer"]
            hint = (
                " — symbols are written as they are, without braces"
                if role == "symbol"
                else did_you_mean(name, known)
            )
            add(
                text.line,
                f"{text.where}: unknown placeholder '{{{name}}}'{hint} "
                "(write {{ and }} for literal braces)",
            )


def _answer(
    out: _Collector, node: YMap, label: str, symbols: list[str], text: Callable[..., Any]
) -> AnswerDef | None:
    block = node.get("answer")
    if block is None:
        return None
    line = node.line_of("answer")
    if not isinstance(block, YMap):
        out.add(
            line, f"'answer' must be a mapping with kind and value, not {_type_name(block)}", label
        )
        return None
    before = len(out.problems)
    _check_keys(out, block, ANSWER_KEYS, ANSWER_REQUIRED, "answer", label)
    kinds = known_kinds()
    kind = block.get("kind")
    if kind is not None and kind not in kinds:
        out.add(
            block.line_of("kind"),
            f"unknown answer kind {kind!r}{did_you_mean(str(kind), kinds)} (kinds: "
            f"{', '.join(kinds)})",
            label,
        )
    value = None
    if block.get("value") is not None:
        value = _expr(out, block["value"], block.line_of("value"), "answer.value", label)
    numbers: dict[str, float | None] = {}
    for key in ("rtol", "atol"):
        given = block.get(key)
        if isinstance(given, str):
            # YAML 1.1 reads 1e-9 (no dot) as text; accept what any author means by it.
            with contextlib.suppress(ValueError):
                given = float(given)
        if given is None:
            numbers[key] = None
        elif isinstance(given, bool) or not isinstance(given, int | float) or given < 0:
            out.add(block.line_of(key), f"answer.{key} must be a number ≥ 0, not {given!r}", label)
        else:
            numbers[key] = float(given)
    flags: dict[str, bool] = {}
    for key in ("up_to_constant", "allow_imaginary"):
        given = block.get(key, False)
        if not isinstance(given, bool):
            out.add(block.line_of(key), f"answer.{key} must be true or false, not {given!r}", label)
        flags[key] = bool(given)
    choices = []
    for i, (item, item_line) in enumerate(_list_of(out, block, "choices", "answer", label)):
        option = text("choices", item, item_line, f"answer.choices[{i}]")
        if option is not None:
            choices.append(option)
    if kind == "choice" and not choices:
        out.add(line, "answer: kind choice needs 'choices: [...]' (two or more options)", label)
    if kind != "choice" and choices:
        out.add(block.line_of("choices"), "answer.choices applies only to kind choice", label)
    domain: list[tuple[str, tuple[float, float]]] = []
    domain_node = block.get("domain")
    if domain_node is not None and not isinstance(domain_node, YMap):
        out.add(block.line_of("domain"), "answer.domain must map symbols to [lo, hi]", label)
    elif isinstance(domain_node, YMap):
        for symbol, interval in domain_node.items():
            item_line = domain_node.line_of(symbol)
            if symbol not in symbols:
                out.add(
                    item_line,
                    f"answer.domain: '{symbol}' is not a declared symbol"
                    f"{did_you_mean(symbol, symbols)}",
                    label,
                )
                continue
            ok = (
                isinstance(interval, YList)
                and len(interval) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in interval)
                and interval[0] < interval[1]
            )
            if not ok:
                out.add(item_line, f"answer.domain.{symbol} must be [lo, hi] with lo < hi", label)
                continue
            domain.append((symbol, (float(interval[0]), float(interval[1]))))
    if len(out.problems) > before or value is None or not isinstance(kind, str):
        return None
    return AnswerDef(
        kind=kind,
        value=value,
        line=line,
        rtol=numbers.get("rtol"),
        atol=numbers.get("atol"),
        up_to_constant=flags["up_to_constant"],
        allow_imaginary=flags["allow_imaginary"],
        choices=tuple(choices),
        domain=tuple(domain),
    )


def _json_type(name: str) -> dict[str, Any]:
    """The JSON Schema of one value type of the key tables."""
    identifier = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"}
    an_id = ID_RE.pattern
    expression = {"type": ["string", "number", "boolean", "array"]}
    simple: dict[str, dict[str, Any]] = {
        "id": {"type": "string", "pattern": f"^{an_id}$", "maxLength": MAX_ID_LENGTH},
        "string": {"type": "string"},
        "line": {"type": "string", "pattern": "^[^\\n]+$", "maxLength": MAX_VARIETY},
        "verdict": {"type": "string", "pattern": f"^(correct|wrong|mistake:{an_id})$"},
        "tests": {"type": "array", "items": {"$ref": "#/$defs/test"}},
        "text": {"type": ["string", "number"]},
        "number": {"type": "number", "exclusiveMinimum": 0},
        "integer": {"type": "integer", "const": FORMAT_VERSION},
        "boolean": {"type": "boolean"},
        "ids": {"type": "array", "items": {"type": "string", "pattern": f"^{an_id}$"}},
        "names": {"type": "array", "items": identifier},
        "strings": {
            "type": "array",
            "items": {"type": "string", "pattern": f"^{an_id}(/{an_id})?$"},
        },
        "texts": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "exprs": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "expr": expression,
        "kind": {"enum": list(known_kinds())},
        "domain": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {"type": "number"},
                "minItems": 2,
                "maxItems": 2,
            },
        },
        "answer": {"$ref": "#/$defs/answer"},
        "mistakes": {"type": "array", "items": {"$ref": "#/$defs/mistake"}},
        "list": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/template"}},
    }
    if name == "mapping":
        return {"type": "object", "propertyNames": identifier, "additionalProperties": expression}
    return dict(simple[name])


def _object(
    keys: dict[str, tuple[str, str]], required: tuple[str, ...], title: str
) -> dict[str, Any]:
    properties = {}
    for key, (kind, description) in keys.items():
        properties[key] = {**_json_type(kind), "description": description}
    return {
        "type": "object",
        "title": title,
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def json_schema() -> dict[str, Any]:
    """Return a JSON Schema (draft 2020-12) of the deck format, for editors.

    yaml-language-server validates and completes deck files with it: save it (``mathdrill deck
    schema > deck.schema.json``) and put ``# yaml-language-server: $schema=deck.schema.json`` at
    the top of a deck. The checks that need evaluation (names in expressions, placeholders,
    samplers' arguments) are ``mathdrill deck check``'s job.

    Returns:
        The schema as JSON-ready data.
    """
    template = _object(TEMPLATE_KEYS, TEMPLATE_REQUIRED, "template")
    template["properties"]["params"] = {
        "type": "object",
        "description": TEMPLATE_KEYS["params"][1],
        "propertyNames": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"},
        "additionalProperties": _json_type("mapping")["additionalProperties"]
        | {"description": "A sampler call: " + "; ".join(s.signature for s in SAMPLERS.values())},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://mathdrill.invalid/deck.schema.json",
        "title": "mathdrill deck",
        "description": "A deck of parameterized problem templates (docs/decks.md).",
        **_object(DECK_KEYS, DECK_REQUIRED, "deck"),
        "$defs": {
            "template": template,
            "answer": _object(ANSWER_KEYS, ANSWER_REQUIRED, "answer"),
            "mistake": _object(MISTAKE_KEYS, MISTAKE_REQUIRED, "mistake"),
            "test": _object(TEST_KEYS, TEST_REQUIRED, "answer test"),
        },
    }
