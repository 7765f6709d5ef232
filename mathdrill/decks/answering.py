"""Build the reference answer and :class:`mathdrill.answers.AnswerSpec` of an instance.

The answer kind reads its reference (``AnswerKind.read_reference``): most take it as an
expression evaluated with the instance's values; a few read words or brackets the math parser
would misread (a yes/no, a shape or ``error``, an interval, an option). This module locates and
classifies the kind's errors for the deck author, and asks the kind how it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import sympy

from mathdrill.decks.failures import GenerationError, undefined
from mathdrill.decks.model import Expr, MistakeDef, Template
from mathdrill.errors import InputError, MathSyntaxError

if TYPE_CHECKING:
    from mathdrill.answers import AnswerSpec
    from mathdrill.answers.answer_kind import Expected

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
    """Read an answer-like expression as the template's kind reads its reference."""
    kind = _kind(template.answer.kind)
    text = expr.text.strip()
    options = tuple(c.text.strip() for c in template.answer.choices)

    def value() -> Any:
        try:
            return evaluate(template, expr, names, seed)
        except GenerationError as error:
            hint = kind.reference_hint(text, options)
            if error.stage != "syntax" or hint is None:
                raise
            return fail(template, expr.line, f"{expr.where}: {hint}", seed, "syntax")

    try:
        return kind.read_reference(text, value, _read_math(template, names), options)
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
            f"{expr.where}: does not fit answer kind {kind.name}: {error.message}",
            seed,
            "degenerate",
        )


def reference_value(
    template: Template, names: Mapping[str, Any], seed: int, evaluate: Evaluate, fail: Fail
) -> Expected:
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
    value = _value(template, template.answer.value, names, seed, evaluate, fail)
    if undefined(value):
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
) -> Expected:
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
) -> AnswerSpec:
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

    For most kinds this is the plain rendering; a ``choice`` is its option's letter, and an
    ``eigenpairs`` reference (a matrix) is its eigenpairs, ``λ: [v]; μ: [w]``.

    Args:
        spec: The instance's spec.
        value: The reference or a mistake's value.

    Returns:
        The text.
    """
    return str(_kind(spec.kind).answer_text(spec, value))


def shows_answer_text(spec: Any, form: str) -> bool:
    """Return True when the reference is shown in placeholder ``form`` as :func:`answer_text`.

    Args:
        spec: The instance's spec.
        form: A placeholder form (``display``, ``unicode``, ``plain``, ``latex`` …).

    Returns:
        True for the kinds shown as typed (eigenpairs, a choice's letter) outside LaTeX.
    """
    return bool(_kind(spec.kind).shows_answer_text(form))
