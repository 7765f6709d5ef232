"""Entry points: :func:`parse` (learner answers) and :func:`parse_author` (deck expressions)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import sympy

from mathdrill.errors import LimitExceededError, MathdrillError, MathSyntaxError
from mathdrill.mathlang.functions import (
    AUTHOR_FUNCTIONS,
    LEARNER_FUNCTIONS,
    FuncSpec,
    wrap_callable,
)
from mathdrill.mathlang.latex import is_latex, lex_latex
from mathdrill.mathlang.lexer import GREEK, Tok, lex_plain
from mathdrill.mathlang.limits import AUTHOR_LIMITS, LEARNER_LIMITS, Limits
from mathdrill.mathlang.rewrite import Context, Emitted, rewrite
from mathdrill.mathlang.values import NumberLiteral, Parsed
from mathdrill.mathlang.walker import Walker
from mathdrill.memo import remember

_CONSTANTS: Mapping[str, Any] = MappingProxyType(
    {
        "pi": sympy.pi,
        "e": sympy.E,
        "E": sympy.E,
        "oo": sympy.oo,
        "inf": sympy.oo,
        "infinity": sympy.oo,
        "Infinity": sympy.oo,
    }
)
_IMAGINARY: Mapping[str, Any] = MappingProxyType({"i": sympy.I, "j": sympy.I, "I": sympy.I})
# Deck authors write YAML, where booleans are spelt true/false (docs/decks.md: `integer=true`).
_AUTHOR_CONSTANTS: Mapping[str, Any] = MappingProxyType(
    {"True": sympy.true, "False": sympy.false, "true": sympy.true, "false": sympy.false}
)


def _symbol_table(symbols: Iterable[str]) -> Mapping[str, sympy.Symbol]:
    """Normalized key → Symbol for declared names."""
    table: dict[str, sympy.Symbol] = {}
    for name in symbols:
        if not isinstance(name, str):
            raise MathSyntaxError(f"variable names must be text, got {type(name).__name__}")
        key = GREEK.get(name, name) if len(name) == 1 else name
        if not key.isidentifier() or key.startswith("_") or not key.isascii():
            raise MathSyntaxError(f"'{name}' cannot be a variable name")
        table[key] = sympy.Symbol(name)
    return MappingProxyType(table)


def _constants(allow_imaginary: bool, author: bool) -> Mapping[str, Any]:
    table = dict(_CONSTANTS)
    if allow_imaginary:
        table.update(_IMAGINARY)
    if author:
        table.update(_AUTHOR_CONSTANTS)
    return MappingProxyType(table)


_SKIPPED = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def _measure(tree: ast.AST, text: str, limits: Limits) -> None:
    """Count nodes and depth without recursion; refuse trees over the limits.

    Nodes are visited in the order of a stack of ``ast.iter_child_nodes`` children (the first
    node over a limit decides which limit is named); operator and context nodes do not count.
    """
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > limits.max_nodes:
            raise LimitExceededError(
                f"expression too large: more than {limits.max_nodes} parts (size limit)",
                text,
                0,
                len(text),
            )
        if depth > limits.max_depth:
            raise LimitExceededError(
                f"expression nested more than {limits.max_depth} deep (nesting limit)",
                text,
                0,
                len(text),
            )
        # A left-associative chain (a + b + c …) is a list, not nesting: its left spine
        # keeps the depth of the chain (the walker walks it iteratively).
        chain = isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Pow)
        for name, child in ast.iter_fields(node):
            if isinstance(child, ast.AST):
                if isinstance(child, _SKIPPED):
                    continue
                chained = (
                    chain
                    and name == "left"
                    and isinstance(child, ast.BinOp)
                    and not isinstance(child.op, ast.Pow)
                )
                stack.append((child, depth if chained else depth + 1))
            elif isinstance(child, list):
                for item in child:
                    if isinstance(item, ast.AST) and not isinstance(item, _SKIPPED):
                        stack.append((item, depth + 1))


def _syntax_error(exc: SyntaxError, em: Emitted, text: str) -> MathSyntaxError:
    offset = max(0, (exc.offset or 1) - 1)
    if offset >= len(em.source):
        offset = max(0, len(em.source) - 1)
    start, end = em.span(offset, offset + 1)
    return MathSyntaxError("could not read the input here", text, start, end)


@dataclass(frozen=True)
class _Front:
    """The text work of one reading: the rewritten source, its tree, and what was typed."""

    em: Emitted
    tree: ast.Expression
    numbers: tuple[NumberLiteral, ...]
    single: bool
    latex: bool
    notes: tuple[str, ...]


def _front(text: str, ctx: Context) -> _Front:
    """Lex, rewrite, parse and size-check ``text``; bound values are not looked at."""
    limits = ctx.limits
    latex = is_latex(text)
    toks: list[Tok] = lex_latex(text, limits) if latex else lex_plain(text, limits)
    if not toks:
        raise MathSyntaxError("empty input: type an expression", text, 0, len(text))
    typed = [t for t in toks if not t.synthetic]
    numbers = tuple(sorted((t.data for t in typed if t.kind == "num"), key=lambda n: n.start))
    kinds = [(t.kind, t.text) for t in typed]
    single = len(typed) == 1 and kinds[0][0] == "num"
    single = single or (
        len(typed) == 2 and kinds[0] in (("op", "-"), ("op", "+")) and kinds[1][0] == "num"
    )
    em = rewrite(toks, ctx)
    try:
        tree = ast.parse(em.source, mode="eval")
    except SyntaxError as exc:
        raise _syntax_error(exc, em, text) from None
    _measure(tree, text, limits)
    return _Front(em, tree, numbers, single, latex, tuple(ctx.notes))


#: The text work of deck expressions, by the text and the names it may meet (not their values).
#: Kept for ``deck check`` ≤ 90 s in CI: every deck expression is read again for every seed.
_AUTHOR_FRONTS: dict[tuple[Any, ...], _Front] = {}
_AUTHOR_FRONTS_SIZE = 20_000


def _read(
    text: str,
    *,
    author: bool,
    symbols: Iterable[str],
    names: Mapping[str, Any],
    functions: Mapping[str, FuncSpec],
    allow_imaginary: bool,
    limits: Limits,
) -> Parsed:
    if not isinstance(text, str):
        raise MathSyntaxError(f"input must be text, not {type(text).__name__}")
    if len(text) > limits.max_length:
        raise LimitExceededError(
            f"input is {len(text)} characters long (limit {limits.max_length} characters)",
            text,
            limits.max_length,
            len(text),
        )
    if not text.strip():
        raise MathSyntaxError("empty input: type an expression", text, 0, len(text))
    symbols = tuple(symbols)
    ctx = Context(
        text=text,
        author=author,
        allow_imaginary=allow_imaginary,
        limits=limits,
        symbols=_symbol_table(symbols),
        names=names,
        functions=functions,
        constants=_constants(allow_imaginary, author),
    )
    if author:
        key = (text, symbols, frozenset(names), frozenset(functions), allow_imaginary, limits)
        front = _AUTHOR_FRONTS.get(key)
        if front is None:
            front = remember(_AUTHOR_FRONTS, key, _front(text, ctx), _AUTHOR_FRONTS_SIZE)
    else:
        front = _front(text, ctx)
    value = Walker(front.em, ctx).walk(front.tree.body)
    return Parsed(value, text, front.numbers, front.single, front.latex, front.notes)


class _AuthorTable(Mapping[str, FuncSpec]):
    """The author functions with a deck's callables on top, each wrapped when it is looked up.

    Args:
        extra: Name → callable; these win over the built-in functions.
    """

    def __init__(self, extra: Mapping[str, Callable[..., Any]]) -> None:
        self._extra = extra

    def __getitem__(self, name: str) -> FuncSpec:
        if name in self._extra:
            return wrap_callable(name, self._extra[name])
        return AUTHOR_FUNCTIONS[name]

    def __contains__(self, name: object) -> bool:
        return name in self._extra or name in AUTHOR_FUNCTIONS

    def __iter__(self) -> Iterator[str]:
        yield from self._extra
        yield from (name for name in AUTHOR_FUNCTIONS if name not in self._extra)

    def __len__(self) -> int:
        return len(self._extra) + sum(1 for name in AUTHOR_FUNCTIONS if name not in self._extra)


def parse(
    text: str,
    *,
    symbols: Iterable[str] = (),
    allow_imaginary: bool = False,
    limits: Limits = LEARNER_LIMITS,
) -> Parsed:
    """Read a learner's answer with the learner function table.

    Args:
        text: The answer as typed (plain notation or the LaTeX subset).
        symbols: Variable names the answer may use (``x``, ``lambda`` or ``λ``, ``x_1`` …).
        allow_imaginary: Read ``i``, ``j``, ``I`` as the imaginary unit (refused otherwise).
        limits: Size limits.

    Returns:
        The value with the literals typed, notes on ambiguous spellings, and flags.

    Raises:
        MathSyntaxError: The text cannot be read; ``start``/``end`` locate the problem in
            ``text``. :class:`LimitExceededError` (a subclass) when a size limit is hit. Never any
            other exception, whatever the text.
    """
    try:
        return _read(
            text,
            author=False,
            symbols=symbols,
            names=MappingProxyType({}),
            functions=LEARNER_FUNCTIONS,
            allow_imaginary=allow_imaginary,
            limits=limits,
        )
    except MathSyntaxError:
        raise
    except (RecursionError, MemoryError):
        raise LimitExceededError(
            "expression too deeply nested (nesting limit)", _text(text), 0, len(_text(text))
        ) from None
    except Exception as exc:  # the contract: untrusted text never escapes as another type
        raise MathSyntaxError(
            f"could not read this input ({type(exc).__name__})", _text(text), 0, len(_text(text))
        ) from exc


def parse_author(
    text: str,
    *,
    names: Mapping[str, Any] = MappingProxyType({}),
    symbols: Iterable[str] = (),
    functions: Mapping[str, Callable[..., Any]] | None = None,
    allow_imaginary: bool = True,
    limits: Limits = AUTHOR_LIMITS,
) -> Parsed:
    """Read a deck expression with the author table (same walker, larger limits).

    Args:
        text: The expression from the deck file.
        names: Bindings of deck parameters and ``let`` values (sympy expressions, ``Sequence``,
            sympy matrices, booleans) by name. Bound names win over every other meaning.
        symbols: Free variable names.
        functions: Extra callables by name (samplers such as ``integer``), called with the walked
            positional and keyword arguments; they win over built-in functions of the same
            name. A ``MathdrillError`` they raise propagates unchanged (a ``MathSyntaxError``
            without text gets the call's span); any other exception becomes a
            ``MathSyntaxError``.
        allow_imaginary: Read ``i``, ``j``, ``I`` as the imaginary unit.
        limits: Size limits.

    Returns:
        The value (author values may also be sympy matrices and booleans).

    Raises:
        MathSyntaxError: The text cannot be read or computed, with its span.
        LimitExceededError: A size limit was hit.
    """
    table: Mapping[str, FuncSpec] = _AuthorTable(functions) if functions else AUTHOR_FUNCTIONS
    try:
        return _read(
            text,
            author=True,
            symbols=symbols,
            names=names,
            functions=table,
            allow_imaginary=allow_imaginary,
            limits=limits,
        )
    except MathdrillError:
        raise
    except (RecursionError, MemoryError):
        raise LimitExceededError(
            "expression too deeply nested (nesting limit)", _text(text), 0, len(_text(text))
        ) from None
    except Exception as exc:
        raise MathSyntaxError(
            f"could not read this expression ({type(exc).__name__}: {str(exc)[:200]})",
            _text(text),
            0,
            len(_text(text)),
        ) from exc


def _text(text: Any) -> str:
    return text if isinstance(text, str) else ""


_WARM_UP = (
    "x + 1",  # sympy's Add sets up most of what every answer needs: its own step
    "2x*cos(x^2+1) - sin x + tan(x)",
    "sigmoid(x) + relu(x) + softplus(x) + tanh(x)",
    "max(x, 1) + min(x, 2) + |x| + ln x + log2(x) + sqrt(2)/2",
    "5! + C(5, 2) + 15% + 2e-3",
    "[[1, 2], [3, 4]]",
    r"\frac{1}{2} x^{2}",
)


def warm_up(stop: Callable[[], bool] = lambda: False) -> bool:
    """Parse a few representative answers once, asking ``stop`` before each.

    sympy sets up several function classes (and imports some of its modules) lazily on their
    first use; the drill's problem worker calls this while it waits for requests, so the
    learner's first answer does not pay that set-up, and a request that arrives meanwhile waits
    for one text at most.

    Args:
        stop: Called before each text; warming stops when it returns True.

    Returns:
        True when every text has been parsed (now or by an earlier call).
    """
    for text in _WARM_UP:
        if stop():
            return False
        parse(text, symbols=("x",))
    return True
