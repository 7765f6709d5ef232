"""Build the reference answer and :class:`mathdrill.answers.AnswerSpec` of an instance.

Most kinds take the reference as an expression evaluated with the instance's values, then
normalised and shape-checked by the kind itself (``AnswerKind.check_expected``). A few are
written as words or brackets the math parser would misread: ``boolean`` (``true``/``yes``/… or a
comparison), ``shape`` (``(m, n)`` or ``error``), ``interval`` (``[0, a)``, read by the answer
layer's interval reader with the instance's values for the endpoints) and ``choice`` (the right
option's text or letter).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy

from mathdrill.decks.generate import GenerationError
from mathdrill.decks.model import Expr, MistakeDef, Template
from mathdrill.errors import InputError, MathSyntaxError

Evaluate = Callable[..., Any]
Fail = Callable[..., Any]


def _kind(name: str) -> Any:
    from mathdrill.answers import KINDS

    return KINDS[name]


def _read_math(
    template: Template, names: Mapping[str, Any]
) -> Callable[[str], tuple[Any, tuple[Any, ...]]]:
    from mathdrill.mathlang import parse_author

    def read(text: str) -> tuple[Any, tuple[Any, ...]]:
        parsed = parse_author(text, names=names, symbols=template.symbols)
        if not isinstance(parsed.value, sympy.Expr):
            raise MathSyntaxError("an endpoint must be one number", text, 0, max(1, len(text)))
        return parsed.value, tuple(parsed.numbers)

    return read


def _value(
    template: Template,
    expr: Expr,
    names: Mapping[str, Any],
    seed: int,
    evaluate: Evaluate,
    fail: Fail,
) -> Any:
    """Evaluate an answer-like expression for the template's kind and let the kind check it."""
    from mathdrill.answers import forms

    kind_name = template.answer.kind
    kind = _kind(kind_name)
    text = expr.text.strip()
    words = forms.normalize_words(text)
    try:
        if kind_name == "choice":
            return _choice(template, expr, names, seed, evaluate, fail)
        if kind_name == "boolean" and (words in forms.TRUE_WORDS or words in forms.FALSE_WORDS):
            return forms.read_boolean(text)
        if kind_name == "shape" and words in forms.ERROR_WORDS:
            return forms.ShapeValue(None, error=True)
        if kind_name == "interval":
            return kind.check_expected(forms.read_interval(text, _read_math(template, names)), text)
        value = evaluate(template, expr, names, seed)
        if kind_name == "boolean":
            if isinstance(value, sympy.logic.boolalg.BooleanAtom):
                value = bool(value)
            if not isinstance(value, bool):
                raise InputError(f"'{text}' is not true/false or a comparison")
            return value
        if kind_name == "shape":
            dims = _dims(value)
            if dims is None:
                raise InputError(f"'{text}' is not a shape (m, n, …) of whole numbers ≥ 0")
            return forms.ShapeValue(dims)
        return kind.check_expected(value, text)
    except GenerationError:
        raise  # already located and classified (an expression of the values failed)
    except MathSyntaxError as error:
        return fail(
            template, expr.line, f"{expr.where}: {error.message} in '{text}'", seed, "syntax"
        )
    except InputError as error:
        return fail(
            template,
            expr.line,
            f"{expr.where}: does not fit answer kind {kind_name}: {error.message}",
            seed,
            "degenerate",
        )


def _dims(value: Any) -> tuple[int, ...] | None:
    from mathdrill.mathlang.values import Sequence

    items: Any
    if isinstance(value, Sequence):
        items = value.items
    elif isinstance(value, sympy.MatrixBase):
        items = list(value)
    elif isinstance(value, sympy.Basic) and value.is_Integer:
        items = (value,)
    else:
        return None
    dims = []
    for item in items:
        if not (isinstance(item, sympy.Basic) and item.is_Integer and item >= 0):
            return None
        dims.append(int(item))
    return tuple(dims)


def _choice(
    template: Template,
    expr: Expr,
    names: Mapping[str, Any],
    seed: int,
    evaluate: Evaluate,
    fail: Fail,
) -> int:
    """The right option's index: from its text, its letter, or an expression of the values.

    An expression lets the right option depend on the instance — draw the case first
    (``case: integer(0, 3)``), build the problem from it, and answer ``value: case``. Its value
    must be a whole number from 0 (the first option) to the number of options minus one.
    """
    options = [c.text.strip() for c in template.answer.choices]
    text = expr.text.strip()
    if text in options:
        return options.index(text)
    if len(text) == 1 and text.isalpha():  # a letter, even when a value has that name
        index = ord(text.lower()) - ord("a")
        if 0 <= index < len(options):
            return index
    last = chr(ord("a") + max(len(options) - 1, 0))
    try:
        value = evaluate(template, expr, names, seed)
    except GenerationError as error:
        if error.stage != "syntax":
            raise
        return fail(
            template,
            expr.line,
            f"{expr.where}: '{text}' is neither an option's text, nor its letter (a–{last}), "
            "nor an expression of the values giving the option's index",
            seed,
            "syntax",
        )
    if isinstance(value, sympy.Basic) and value.is_Integer and 0 <= value < len(options):
        return int(value)
    return fail(
        template,
        expr.line,
        f"{expr.where}: '{text}' gives {value}, not an option index from 0 to "
        f"{len(options) - 1} (0 is the first option)",
        seed,
        "degenerate",
    )


def reference_value(
    template: Template, names: Mapping[str, Any], seed: int, evaluate: Evaluate, fail: Fail
) -> Any:
    """Evaluate the template's reference answer for one instance.

    Args:
        template: The template.
        names: The instance's parameter and let values.
        seed: The seed (for error reports).
        evaluate: The generator's expression evaluator.
        fail: The generator's error reporter (raises :class:`GenerationError`).

    Returns:
        The reference in the form its kind stores (``AnswerSpec.expected``); for ``choice`` the
        option index.
    """
    from mathdrill.decks.generate import undefined

    value = _value(template, template.answer.value, names, seed, evaluate, fail)
    if template.answer.kind != "interval" and undefined(value):
        fail(
            template,
            template.answer.value.line,
            "answer.value: the reference is undefined (division by zero or an infinity) for "
            "this instance; exclude such parameters with where:",
            seed,
            "degenerate",
        )
    return value


def mistake_value(
    template: Template,
    mistake: MistakeDef,
    names: Mapping[str, Any],
    seed: int,
    evaluate: Evaluate,
    fail: Fail,
) -> Any:
    """Evaluate one authored mistake for one instance.

    Args:
        template: The template.
        mistake: The mistake.
        names: The instance's values.
        seed: The seed.
        evaluate: The generator's evaluator.
        fail: The generator's error reporter.

    Returns:
        The wrong answer as a value of the kind.
    """
    return _value(template, mistake.value, names, seed, evaluate, fail)


def make_spec(
    template: Template,
    reference: Any,
    mistakes: list[tuple[str, Any, str]],
    choices: tuple[str, ...],
) -> Any:
    """Build the instance's :class:`mathdrill.answers.AnswerSpec`.

    Args:
        template: The template.
        reference: The evaluated reference (see :func:`reference_value`).
        mistakes: ``(name, value, rendered feedback)`` per authored mistake.
        choices: The rendered option texts (choice kind).

    Returns:
        The spec.
    """
    from mathdrill.answers import DEFAULT_INTERVAL, AnswerSpec, Mistake

    answer = template.answer
    domain = dict(answer.domain)
    variables = {s: domain.get(s, DEFAULT_INTERVAL) for s in template.symbols}
    return AnswerSpec(
        kind=answer.kind,
        expected=reference,
        variables=variables,
        rtol=answer.rtol,
        atol=answer.atol,
        up_to_constant=answer.up_to_constant,
        allow_imaginary=answer.allow_imaginary,
        choices=choices,
        mistakes=tuple(Mistake(name, value, feedback) for name, value, feedback in mistakes),
    )


def render_answer(spec: Any, value: Any, style: str) -> str:
    """Render a reference-like value (the reference or a mistake) as its kind shows it.

    Args:
        spec: The instance's spec.
        value: The value (``spec.expected`` or a mistake's value).
        style: ``unicode``, ``plain``, ``latex`` or ``pretty``.

    Returns:
        The text; in ``plain`` style it is what the checker reads back as that value.
    """
    from mathdrill.answers.kinds import render_reference_value

    return render_reference_value(spec, value, style)


def describe_form(spec: Any) -> str:
    """Describe the expected answer form in words, from the answer kind.

    Args:
        spec: The instance's spec.

    Returns:
        A short phrase such as "a formula in x, e.g. 2*x*cos(x^2)".
    """
    return str(_kind(spec.kind).describe_form(spec))


def answer_text(spec: Any, value: Any) -> str:
    """Return what a learner would type to give ``value`` — read back by the checker as it.

    For most kinds this is the plain rendering; a ``choice`` is its option's letter. An
    ``eigenpairs`` reference is the matrix
    itself, so the text is its eigenpairs, ``λ: [v]; μ: [w]`` (several vectors for a value
    with a larger eigenspace).

    Args:
        spec: The instance's spec.
        value: The reference or a mistake's value.

    Returns:
        The text.
    """
    if spec.kind == "choice" and isinstance(value, int):
        return chr(ord("a") + value)
    if spec.kind != "eigenpairs" or not isinstance(value, sympy.MatrixBase):
        return render_answer(spec, value, "plain")
    return _eigenpairs_text(value)


def _eigenpairs_text(value: Any) -> str:
    """``λ: [v]; μ: [w]`` for a matrix, from sympy's exact eigenvectors."""
    from mathdrill.mathlang import to_plain

    pairs = []
    for eigenvalue, _multiplicity, vectors in value.eigenvects():
        shown = ", ".join(
            "[" + ", ".join(to_plain(entry) for entry in vector) + "]" for vector in vectors
        )
        pairs.append(f"{to_plain(eigenvalue)}: {shown}")
    return "; ".join(pairs)
