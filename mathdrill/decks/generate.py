"""Turn a template and a seed into a concrete problem: :func:`generate` → :class:`Instance`.

Generation is a pure function of (template, seed): one ``numpy.random.default_rng(seed)`` per
instance, samplers that draw only integers, and expressions evaluated by the safe author parser
of :mod:`mathdrill.mathlang` (never ``eval``/``sympify``). ``where:`` constraints resample the
parameters up to :data:`MAX_TRIES` times from the same generator.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import sympy
from mpmath.libmp import prec_to_dps

from mathdrill import mathlang
from mathdrill.decks import answering
from mathdrill.decks.failures import GenerationError, undefined
from mathdrill.decks.model import Expr, Problem, Template, Text
from mathdrill.decks.placeholders import render
from mathdrill.decks.samplers import FLAGS, SamplerError, bind
from mathdrill.errors import DeckError, MathdrillError, MathSyntaxError
from mathdrill.mathlang.deadline import cpu_deadline
from mathdrill.vocabulary import MAX_SEED

MAX_TRIES = 1000
"""Draws of the parameters before a ``where:`` constraint is declared unsatisfiable."""

GENERATION_CPU_SECONDS = 5.0
"""CPU time one instance may take (a sound template needs milliseconds): a deck is untrusted
input, and an expression chain that would run for minutes must fail with its template named."""


@dataclass(frozen=True)
class Instance:
    """One concrete problem drawn from a template.

    Attributes:
        deck: The deck id.
        template: The template id.
        seed: The seed it was drawn with; the same seed gives the same instance.
        key: A hash of the rendered parameter values: two instances with equal keys pose the
            same problem.
        fingerprint: The template's source fingerprint (changes when the template is edited).
        vars: The parameter values (the random draws) as plain text, in definition order.
        prompt: The question, rendered.
        spec: The :class:`mathdrill.answers.AnswerSpec` that judges answers (mistake feedback
            rendered).
        answer_plain: The reference answer as plain text the checker reads back as correct.
        expected_form: What shape of answer is expected, in words (from the answer kind).
        expected_seconds: How long a fluent learner takes.
        values: The raw values (sympy objects) by name, for callers that compute further.
        lazy: Renders the texts below on first use (``lazy(name)``); only the prompt is needed
            to pose the problem, so hints, solution and the other forms cost nothing until asked.

    The lazily rendered texts, each computed once: :attr:`hints`, :attr:`solution`,
    :attr:`answer_unicode`, :attr:`prompt_plain`, :attr:`prompt_latex`,
    :attr:`test_answers`. A rendering failure raises :class:`GenerationError` when one is first
    read; :meth:`render_all` renders them all at once (``deck check`` does, so a sound deck never
    fails later).
    """

    deck: str
    template: str
    seed: int
    key: str
    fingerprint: str
    vars: dict[str, str]
    prompt: str
    spec: Any
    answer_plain: str
    expected_form: str
    expected_seconds: float
    values: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    lazy: Callable[[str], Any] = field(default=lambda name: "", compare=False, repr=False)

    @cached_property
    def hints(self) -> tuple[str, ...]:
        """The hints, rendered."""
        return tuple(self.lazy("hints"))

    @cached_property
    def solution(self) -> str:
        """The worked solution, rendered ("" when the template has none)."""
        return str(self.lazy("solution"))

    @cached_property
    def answer_unicode(self) -> str:
        """The reference answer for display (one line; eigenpairs as ``λ: [v]; …``)."""
        return str(self.lazy("answer_unicode"))

    @cached_property
    def test_answers(self) -> tuple[str, ...]:
        """The answers of the template's answer tests, every placeholder in plain form."""
        return tuple(self.lazy("tests"))

    @cached_property
    def prompt_plain(self) -> str:
        """The question with every value in plain ASCII (``x**2``), for scripts."""
        return str(self.lazy("prompt_plain"))

    @cached_property
    def prompt_latex(self) -> str:
        """The question with every value as inline LaTeX between ``$…$`` (KaTeX, MathJax)."""
        return str(self.lazy("prompt_latex"))

    def render_all(self) -> None:
        """Render every lazy text now.

        Raises:
            GenerationError: When a placeholder cannot be rendered (with the text's line).
        """
        texts = ("hints", "solution", "answer_unicode", "prompt_plain", "prompt_latex")
        for name in (*texts, "test_answers"):
            getattr(self, name)

    def to_json(self) -> dict[str, Any]:
        """Return the instance as JSON-ready data (the ``deck preview --json`` record).

        Returns:
            ``deck, template, seed, key, prompt, kind, vars, answer, hints, solution,
            expected_form``.
        """
        return {
            "deck": self.deck,
            "template": self.template,
            "seed": self.seed,
            "key": self.key,
            "prompt": self.prompt,
            "kind": self.spec.kind,
            "vars": dict(self.vars),
            "answer": self.answer_plain,
            "hints": list(self.hints),
            "solution": self.solution,
            "expected_form": self.expected_form,
        }


def _fail(template: Template, expr_line: int, message: str, seed: int, stage: str) -> Any:
    raise GenerationError(Problem(template.path, expr_line, message, template.id), seed, stage)


def _evaluate(
    template: Template,
    expr: Expr,
    names: Mapping[str, Any],
    seed: int,
    functions: Mapping[str, Callable[..., Any]] | None = None,
) -> Any:
    """Evaluate one deck expression with the author table; errors name the field and line."""
    try:
        parsed = mathlang.parse_author(
            expr.text,
            names=names,
            symbols=template.symbols,
            functions=functions,
            allow_imaginary=template.answer.allow_imaginary,
        )
    except SamplerError as error:
        _fail(template, expr.line, f"{expr.where}: {error}", seed, "sampler")
    except MathSyntaxError as error:
        # The caret echo makes the position inside the expression visible in a one-line report.
        detail = error.message
        if error.text:
            detail += f" at '{error.text[error.start : error.end]}' in '{error.text}'"
        stage = "syntax"
        cause = error.__cause__ or error.__context__
        if isinstance(cause, SamplerError):
            stage = "sampler"
        _fail(template, expr.line, f"{expr.where}: {detail}", seed, stage)
    except (ArithmeticError, ValueError, TypeError, AttributeError, IndexError, KeyError) as error:
        # sympy raises these for mathematically meaningless requests (det of a non-square
        # matrix, inverse of a singular one); they belong to the deck, not to mathdrill.
        reason = str(error) or type(error).__name__
        _fail(template, expr.line, f"{expr.where}: cannot evaluate: {reason}", seed, "degenerate")
    return parsed.value


def _truth(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, sympy.logic.boolalg.BooleanAtom):
        return bool(value)
    return None


def _draw_params(template: Template, seed: int) -> dict[str, Any]:
    """Draw the parameters, resampling until every ``where:`` constraint holds."""
    if not 0 <= seed <= MAX_SEED:
        raise DeckError(f"seed must be an integer from 0 to {MAX_SEED}, not {seed}")
    rng = np.random.default_rng(seed)
    functions = bind(rng)
    failures = [0] * len(template.where)
    values: dict[str, Any] = {}
    exhausted = False
    for _attempt in range(MAX_TRIES):
        values = {}
        for name, expr in template.params:
            values[name] = _evaluate(template, expr, {**FLAGS, **values}, seed, functions)
        failed = None
        for index, constraint in enumerate(template.where):
            truth = _truth(_evaluate(template, constraint, values, seed))
            if truth is None:
                _fail(
                    template,
                    constraint.line,
                    f"{constraint.where}: '{constraint.text}' is not a true/false condition",
                    seed,
                    "syntax",
                )
            if not truth:
                failed = index
                break
        if failed is None:
            break
        failures[failed] += 1
        if not template.params:
            exhausted = True  # nothing is random: another draw cannot change the outcome
            break
    else:
        exhausted = True
    if exhausted:
        worst = max(range(len(failures)), key=failures.__getitem__)
        constraint = template.where[worst]
        _fail(
            template,
            constraint.line,
            f"{constraint.where}: '{constraint.text}' held in none of {sum(failures)} draws of "
            "the parameters; widen the sampler ranges or relax the constraint",
            seed,
            "where",
        )
    return values


def _evaluate_let(template: Template, params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Evaluate the ``let:`` bindings on drawn parameters (every value, in definition order)."""
    values = dict(params)
    for name, expr in template.let:
        value = _evaluate(template, expr, values, seed)
        if undefined(value):
            _fail(
                template,
                expr.line,
                f"{expr.where}: '{expr.text}' is undefined for {_describe(values)} "
                "(division by zero?); exclude these values with where:",
                seed,
                "degenerate",
            )
        values[name] = value
    return values


def _describe(values: Mapping[str, Any], limit: int = 6) -> str:
    shown = []
    for name, value in list(values.items())[:limit]:
        try:
            shown.append(f"{name} = {mathlang.to_plain(value)}")
        except Exception:
            shown.append(f"{name} = {value}")
    return ", ".join(shown) or "these parameters"


def _instance_key(template: Template, plain: Mapping[str, str]) -> str:
    """Hash the rendered parameter values of an instance (16 hex digits)."""
    payload = json.dumps([template.key, sorted(plain.items())], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def generate(template: Template, seed: int) -> Instance:
    """Generate the instance of ``template`` for ``seed``, within a CPU-time budget.

    Args:
        template: A validated template.
        seed: 0 … 2⁶³−1.

    Returns:
        The instance: rendered texts, the answer spec with its mistakes, the instance key.

    Raises:
        GenerationError: The template cannot produce a sound instance for this seed (the message
            names the file, line and field), or generating it took more than
            :data:`GENERATION_CPU_SECONDS` of CPU time (stage ``"timeout"``).
    """
    with generation_deadline(template, seed):
        values = _evaluate_let(template, _draw_params(template, seed), seed)
        return _build(template, seed, values)


def generation_deadline(template: Template, seed: int) -> AbstractContextManager[None]:
    """Bound the body by :data:`GENERATION_CPU_SECONDS` of CPU time, as :func:`generate` is.

    Args:
        template: The template whose instance is being made (named in the error).
        seed: The seed.

    Returns:
        A context manager raising :class:`GenerationError` (stage ``"timeout"``) when the
        budget is spent inside it.
    """

    def too_slow(seconds: float) -> GenerationError:
        message = (
            f"generating an instance took more than {seconds:g} s of CPU time; simplify the "
            "let: expressions (heavy sympy calls such as simplify, solve or integrate on large "
            "inputs) or draw nicer parameters"
        )
        problem = Problem(template.path, template.line, message, template.id)
        return GenerationError(problem, seed, "timeout")

    return cpu_deadline(GENERATION_CPU_SECONDS, too_slow)


def _build(template: Template, seed: int, values: dict[str, Any]) -> Instance:
    """Build the instance from every value (parameters and let bindings)."""
    reference = answering.reference_value(template, values, seed, _evaluate, _fail)
    mistake_values = [
        (m, answering.mistake_value(template, m, values, seed, _evaluate, _fail))
        for m in template.mistakes
    ]
    # The spec is needed to render {answer}; feedback and options are rendered into it after.
    draft = answering.make_spec(template, reference, [], ())
    texts = _Texts(template, seed, values, reference, draft)
    # The random draws identify the instance; a template without params is identified by its
    # (fixed) let values instead.
    drawn = [name for name, _ in template.params] or list(values)
    plain_vars = {name: texts.value_of(name, "plain") for name in drawn}
    key = _instance_key(template, plain_vars)
    choices = tuple(texts.rendered(option) for option in template.answer.choices)
    mistakes = [(m.name, value, texts.rendered(m.feedback)) for m, value in mistake_values]
    spec = answering.make_spec(template, reference, mistakes, choices)
    return Instance(
        deck=template.deck,
        template=template.id,
        seed=seed,
        key=key,
        fingerprint=template.fingerprint,
        vars=plain_vars,
        prompt=texts.rendered(template.prompt),
        spec=spec,
        answer_plain=texts.value_of("answer", "text"),
        expected_form=answering.describe_form(spec),
        expected_seconds=template.expected_seconds,
        values=values,
        lazy=texts.lazy,
    )


class _Texts:
    """Renders one instance's placeholders.

    A class rather than closures inside :func:`_build`: closures that call each other form a
    reference cycle, which kept every instance (values, texts, spec) alive until the garbage
    collector's next pass — thousands of them during a ``deck check``. Nothing here refers
    back to the instance, so an instance is freed as soon as it is dropped.
    """

    def __init__(
        self,
        template: Template,
        seed: int,
        values: dict[str, Any],
        reference: Any,
        draft: Any,
    ) -> None:
        self.template = template
        self.seed = seed
        self.values = values
        self.reference = reference
        self.draft = draft

    def value_of(self, name: str, form: str) -> str:
        """The text of one value (``answer`` or a parameter/let name) in one placeholder form."""
        if name == "answer":
            return self._answer_form(form)
        return _form(self.values[name], form)

    def _answer_form(self, form: str) -> str:
        draft, reference = self.draft, self.reference
        if form == "text":  # what a learner types
            return answering.answer_text(draft, reference)
        if answering.shows_answer_text(draft, form):
            return self.value_of("answer", "text")
        if form == "display":  # one line, for "the answer was …"
            if not _is_grid(reference):
                return self.value_of("answer", "unicode")
            return answering.render_answer(draft, reference, "unicode")
        style = "pretty" if form == "unicode" and _is_grid(reference) else form
        return answering.render_answer(draft, reference, style)

    def rendered(self, text: Text) -> str:
        """Render a text's placeholders in their own forms (GenerationError on failure)."""
        template, seed = self.template, self.seed
        try:
            return render(text.text, self.value_of)
        except KeyError as error:
            return _fail(
                template, text.line, f"{text.where}: unknown placeholder {error}", seed, "render"
            )
        except (MathdrillError, ArithmeticError, ValueError, TypeError, RecursionError) as error:
            # A value the printers cannot show (too large, an exotic sympy object) is the
            # deck's problem, reported with its line rather than as a crash.
            return _fail(
                template, text.line, f"{text.where}: cannot render: {error}", seed, "render"
            )

    def rendered_as(self, text: Text, form: str, wrap: str = "") -> str:
        """Render every placeholder of a text in one form, each wrapped in ``wrap``."""
        # Every placeholder in one form, whatever its own suffix asks for: scripts want ASCII
        # throughout, typesetting front ends want LaTeX throughout.
        value_of = self.value_of
        try:
            return render(text.text, lambda name, _: wrap + value_of(name, form) + wrap)
        except (MathdrillError, ArithmeticError, ValueError, TypeError, RecursionError) as error:
            return _fail(
                self.template,
                text.line,
                f"{text.where}: cannot render: {error}",
                self.seed,
                "render",
            )

    def lazy(self, name: str) -> Any:
        """Render one of the instance's lazily rendered texts (see :class:`Instance`)."""
        template = self.template
        if name == "hints":
            return tuple(self.rendered(h) for h in template.hints)
        if name == "solution":
            return self.rendered(template.solution) if template.solution else ""
        if name == "answer_unicode":
            return self.value_of("answer", "display")
        if name == "prompt_plain":
            return self.rendered_as(template.prompt, "plain")
        if name == "prompt_latex":
            return self.rendered_as(template.prompt, "latex", "$")
        if name == "tests":
            return tuple(self.rendered_as(test.answer, "plain") for test in template.tests)
        raise KeyError(name)


def _is_grid(value: Any) -> bool:
    """A matrix with more than one row and column is shown as a grid."""
    return isinstance(value, sympy.MatrixBase) and value.rows > 1 and value.cols > 1


def _form(value: Any, form: str) -> str:
    """Render a value in one placeholder form."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, sympy.Float):
        # decimal() draws Floats at 15 digits; show them as written (0.9, not 0.900000000000000).
        # A Float made with fewer digits (N(89/94, 3)) shows only those: 0.947, not the binary
        # expansion 0.94677734375 of its 3-digit value.
        digits = min(12, max(1, prec_to_dps(value._prec)))
        return f"{float(value):.{digits}g}"
    if form == "latex":
        return mathlang.to_latex(value)
    if form == "plain":
        return mathlang.to_plain(value)
    if form == "pretty" or _is_grid(value):
        return mathlang.to_pretty(value)
    return mathlang.to_unicode(value)
