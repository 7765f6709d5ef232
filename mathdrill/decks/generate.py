"""Turn a template and a seed into a concrete problem: :func:`generate` → :class:`Instance`.

Generation is a pure function of (template, seed): one ``numpy.random.default_rng(seed)`` per
instance, samplers that draw only integers, and expressions evaluated by the safe author parser
of :mod:`mathdrill.mathlang` (never ``eval``/``sympify``). ``where:`` constraints resample the
parameters up to :data:`MAX_TRIES` times from the same generator.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import sympy
from mpmath.libmp import prec_to_dps

from mathdrill.decks.model import Expr, Problem, Template, Text
from mathdrill.decks.placeholders import render
from mathdrill.decks.samplers import FLAGS, SAMPLERS, SamplerError, bind
from mathdrill.errors import DeckError, MathdrillError, MathSyntaxError
from mathdrill.mathlang.values import Sequence, SetLiteral
from mathdrill.memo import remember

MAX_TRIES = 1000
"""Draws of the parameters before a ``where:`` constraint is declared unsatisfiable."""

MAX_SEED = 2**63 - 1
"""Seeds are integers from 0 to this."""

GENERATION_CPU_SECONDS = 5.0
"""CPU time one instance may take (a sound template needs milliseconds): a deck is untrusted
input, and an expression chain that would run for minutes must fail with its template named."""


class GenerationError(DeckError):
    """A template could not produce an instance for a seed.

    Args:
        problem: Where and what: the template's file, the expression's line and a message.
        seed: The seed that failed.
        stage: ``"syntax"`` (an expression cannot be read or names something unknown — the same
            for every seed), ``"sampler"`` (bad sampler arguments), ``"where"`` (constraints
            never held), ``"degenerate"`` (an undefined or ill-shaped value) or ``"render"``.
    """

    def __init__(self, problem: Problem, seed: int, stage: str) -> None:
        super().__init__(f"{problem} (seed {seed})")
        self.problem = problem
        self.seed = seed
        self.stage = stage


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
    :attr:`answer_unicode`, :attr:`prompt_plain`, :attr:`prompt_latex`. A rendering failure
    raises :class:`GenerationError` when one is first read; :meth:`render_all` renders them all
    at once (``deck check`` does, so a sound deck never fails later).
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
        for name in ("hints", "solution", "answer_unicode", "prompt_plain", "prompt_latex"):
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


def _math() -> Any:
    """Import the math language lazily (it pulls in sympy's parser tables once)."""
    from mathdrill import mathlang

    return mathlang


def _fail(template: Template, expr_line: int, message: str, seed: int, stage: str) -> Any:
    raise GenerationError(Problem(template.path, expr_line, message, template.id), seed, stage)


def _evaluate(
    template: Template,
    expr: Expr,
    names: Mapping[str, Any],
    seed: int,
    functions: Mapping[str, Callable[..., Any]] | None = None,
) -> Any:
    """Evaluate one deck expression with the author table; errors name the field and line.

    Without ``functions`` (nothing random) the value is a pure function of the text and the
    values it reads: it is remembered (see :data:`_VALUES`).
    """
    key = _value_key_of(template, expr, names) if functions is None else None
    if key is not None:
        known = _VALUES.get(key, _UNKNOWN)
        if known is not _UNKNOWN:
            return known
    mathlang = _math()
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
    if key is not None:
        remember(_VALUES, key, parsed.value, _VALUES_SIZE)
    return parsed.value


#: Values of deck expressions by (text, symbols, imaginary unit, names in scope, values of the
#: names the text reads). Instances of a template share many values — a derived value that
#: depends on some of the parameters recurs whenever those repeat (``diff(u, x)`` for every
#: seed that draws the same ``u``) — and sympy values are immutable, so a value computed once
#: serves every later instance. Failures are not remembered.
_VALUES: dict[tuple[Any, ...], Any] = {}
_VALUES_SIZE = 50_000
_UNKNOWN = object()
#: The names a text reads, by (text, names in scope).
_READS: dict[tuple[str, frozenset[str]], tuple[str, ...]] = {}


def _value_key_of(template: Template, expr: Expr, names: Mapping[str, Any]) -> Any:
    """The memo key of an expression with these values, or None when they cannot be hashed."""
    scope = frozenset(names)
    text = expr.text
    reads = _READS.get((text, scope))
    if reads is None:
        if text.isascii():
            reads = tuple(sorted(scope & set(_IDENTIFIER.findall(text))))
        else:  # a Greek spelling may name a value: key on all of them
            reads = tuple(sorted(scope))
        remember(_READS, (text, scope), reads, _VALUES_SIZE)
    key = (
        text,
        template.symbols,
        template.answer.allow_imaginary,
        scope,
        tuple(_value_key(names[name]) for name in reads),
    )
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _truth(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, sympy.logic.boolalg.BooleanAtom):
        return bool(value)
    return None


def undefined(value: Any) -> bool:
    """True when a value is or contains zoo, nan or an infinity."""
    if isinstance(value, sympy.ImmutableDenseMatrix):
        return any(undefined(v) for v in value.args[2])  # the kept entries (see _value_key)
    if isinstance(value, sympy.MatrixBase):
        return any(undefined(v) for v in value)
    if isinstance(value, Sequence | SetLiteral):
        return any(undefined(v) for v in value.items)
    if isinstance(value, sympy.Basic):
        if value.is_Rational or value.is_Symbol:
            return False
        known = _UNDEFINED.get(value)
        if known is None:
            known = bool(value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo))
            remember(_UNDEFINED, value, known, _VALUES_SIZE)
        return known
    if isinstance(value, float):
        return not np.isfinite(value)
    return False


#: Whether a sympy value holds an infinity or nan, by value (the same values recur).
_UNDEFINED: dict[Any, bool] = {}


def draw_values(template: Template, seed: int) -> dict[str, Any]:
    """Draw the parameters (resampling until every ``where:`` holds) and evaluate ``let:``.

    Args:
        template: The template.
        seed: The instance seed, 0 … 2⁶³−1.

    Returns:
        ``{name: value}`` for every parameter and let binding, in definition order.

    Raises:
        GenerationError: A sampler or expression fails, or the constraints never hold.
    """
    return evaluate_let(template, draw_params(template, seed), seed)


def draw_params(template: Template, seed: int) -> dict[str, Any]:
    """Draw the parameters, resampling until every ``where:`` constraint holds.

    Everything after this step is a pure function of the drawn values (``let:`` uses no
    randomness), which is what lets ``deck check`` reuse the verdicts of a repeated draw.

    Args:
        template: The template.
        seed: The instance seed, 0 … 2⁶³−1.

    Returns:
        ``{name: value}`` for every parameter, in definition order.

    Raises:
        GenerationError: A sampler or expression fails, or the constraints never hold.
    """
    if not 0 <= seed <= MAX_SEED:
        raise DeckError(f"seed must be an integer from 0 to {MAX_SEED}, not {seed}")
    rng = np.random.default_rng(seed)
    functions: dict[str, Callable[..., Any]] | None = None  # bound only when a param needs it
    failures = [0] * len(template.where)
    values: dict[str, Any] = {}
    exhausted = False
    plans = _plans(template)
    for _attempt in range(MAX_TRIES):
        values = {}
        for (name, expr), plan in zip(template.params, plans, strict=True):
            if plan is not None and plan.infallible:  # type: ignore[attr-defined]
                values[name] = plan(rng)
                continue
            if plan is not None:
                state = rng.bit_generator.state
                try:
                    values[name] = plan(rng)
                    continue
                except Exception:
                    # Read it in full from the same generator state: the error (or, should a
                    # sampler fail only for some draws, the value) is exactly what it always was.
                    rng.bit_generator.state = state
            if functions is None:
                functions = bind(rng)
            scope = {**FLAGS, **values}
            values[name] = _evaluate(template, expr, scope, seed, functions)
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


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: Each template's direct sampler calls (or None per parameter), by the template's identity
#: and source fingerprint.
_PLANS: dict[tuple[Any, ...], list[Callable[[np.random.Generator], Any] | None]] = {}


def _plans(template: Template) -> list[Callable[[np.random.Generator], Any] | None]:
    """The direct sampler call of each parameter (see :func:`_sampler_call`), once per template."""
    key = (
        template.key,
        template.fingerprint,
        template.params,
        template.symbols,
        template.answer.allow_imaginary,
    )
    plans = _PLANS.get(key)
    if plans is None:
        plans = [_sampler_call(template, expr) for _name, expr in template.params]
        remember(_PLANS, key, plans, _SAMPLER_CALLS_SIZE)
    return plans


#: Direct sampler calls by (text, symbols, imaginary unit, parameter names); None when the
#: expression is not one.
_SAMPLER_CALLS: dict[tuple[Any, ...], Callable[[np.random.Generator], Any] | None] = {}
_SAMPLER_CALLS_SIZE = 20_000


def _sampler_call(template: Template, expr: Expr) -> Callable[[np.random.Generator], Any] | None:
    """The parameter as a direct sampler call, when it is exactly one with constant arguments.

    Most parameters are written ``integer(-6, 6, nonzero)``: reading the text and walking the
    arguments for every draw costs more than the draw. When the whole expression is a single
    sampler call whose arguments name no parameter, the arguments are the same for every
    instance: they are read once (by the same parser, with a recording stand-in for the
    samplers) and the sampler is then called directly with them, drawing from the instance's
    generator exactly as the full reading would.

    Args:
        template: The template.
        expr: A ``params:`` expression.

    Returns:
        ``draw(rng) -> value``, or None when the expression must be read in full each time.
        Its ``infallible`` attribute is True when the sampler checked the arguments up front
        (:attr:`mathdrill.decks.samplers.Sampler.prepare`) and the draw cannot fail; otherwise
        a failing draw is read again in full from the generator's state before it.
    """
    params = frozenset(name for name, _ in template.params)
    key = (expr.text, template.symbols, template.answer.allow_imaginary, params)
    if key in _SAMPLER_CALLS:
        return _SAMPLER_CALLS[key]
    plan = None
    text = expr.text
    # Any identifier that might be a parameter (or a non-ASCII spelling of one) makes the
    # arguments depend on the draw.
    if text.isascii() and not params & set(_IDENTIFIER.findall(text)):
        plan = _record_call(template, text)
    remember(_SAMPLER_CALLS, key, plan, _SAMPLER_CALLS_SIZE)
    return plan


def _record_call(template: Template, text: str) -> Callable[[np.random.Generator], Any] | None:
    """Read ``text`` with recording samplers; a plan when it is exactly one sampler call."""
    from mathdrill.mathlang.rewrite import coerce

    mathlang = _math()
    marker = object()  # what the recorder returns: the value of the expression must be it
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def recorder(name: str) -> Callable[..., Any]:
        def record(*args: Any, **kwargs: Any) -> Any:
            calls.append((name, args, dict(kwargs)))
            return marker

        return record

    try:
        parsed = mathlang.parse_author(
            text,
            names=FLAGS,
            symbols=template.symbols,
            functions={name: recorder(name) for name in SAMPLERS},
            allow_imaginary=template.answer.allow_imaginary,
        )
    except Exception:
        return None
    if parsed.value is not marker or len(calls) != 1:
        return None
    name, args, kwargs = calls[0]
    sampler = SAMPLERS[name]
    prepared = None
    if sampler.prepare is not None:
        try:
            # Arguments checked once; what it returns draws exactly as the sampler and cannot
            # fail, so the caller need not keep the generator's state to read it in full.
            prepared = sampler.prepare(*args, **dict(kwargs))
        except SamplerError:
            prepared = None  # bad arguments: the full reading reports them, every time
    if prepared is not None:

        def direct(rng: np.random.Generator) -> Any:
            return coerce(prepared(rng))

        direct.infallible = True  # type: ignore[attr-defined]
        return direct
    draw = sampler.draw

    def plan(rng: np.random.Generator) -> Any:
        return coerce(draw(rng, *args, **dict(kwargs)))

    plan.infallible = False  # type: ignore[attr-defined]
    return plan


def evaluate_let(template: Template, params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Evaluate the ``let:`` bindings on drawn parameters.

    Args:
        template: The template.
        params: The drawn parameters (:func:`draw_params`).
        seed: The instance seed (named in error messages).

    Returns:
        ``{name: value}`` for every parameter and let binding, in definition order.

    Raises:
        GenerationError: An expression fails or is undefined for these parameters.
    """
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
    mathlang = _math()
    shown = []
    for name, value in list(values.items())[:limit]:
        try:
            shown.append(f"{name} = {mathlang.to_plain(value)}")
        except Exception:
            shown.append(f"{name} = {value}")
    return ", ".join(shown) or "these parameters"


def instance_key(template: Template, plain: Mapping[str, str]) -> str:
    """Hash the rendered parameter values of an instance (16 hex digits).

    Args:
        template: The template (its ``deck/id`` is part of the key).
        plain: The parameter values as plain text.

    Returns:
        The key.
    """
    payload = json.dumps([template.key, sorted(plain.items())], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def generate(template: Template, seed: int, params: Mapping[str, Any] | None = None) -> Instance:
    """Generate the instance of ``template`` for ``seed``, within a CPU-time budget.

    Args:
        template: A validated template.
        seed: 0 … 2⁶³−1.
        params: The parameters already drawn for this seed by :func:`draw_params` (None: draw
            them here).

    Returns:
        The instance: rendered texts, the answer spec with its mistakes, the instance key.

    Raises:
        GenerationError: The template cannot produce a sound instance for this seed (the message
            names the file, line and field), or generating it took more than
            :data:`GENERATION_CPU_SECONDS` of CPU time (stage ``"timeout"``).
    """
    with generation_deadline(template, seed):
        if params is None:
            params = draw_params(template, seed)
        return _build(template, seed, evaluate_let(template, params, seed))


def generation_deadline(template: Template, seed: int) -> AbstractContextManager[None]:
    """Bound the body by :data:`GENERATION_CPU_SECONDS` of CPU time, as :func:`generate` is.

    Args:
        template: The template whose instance is being made (named in the error).
        seed: The seed.

    Returns:
        A context manager raising :class:`GenerationError` (stage ``"timeout"``) when the
        budget is spent inside it.
    """
    from mathdrill.mathlang.deadline import cpu_deadline

    def too_slow(seconds: float) -> GenerationError:
        message = (
            f"generating an instance took more than {seconds:g} s of CPU time; simplify the "
            "let: expressions (heavy sympy calls such as simplify, solve or integrate on large "
            "inputs) or draw nicer parameters"
        )
        problem = Problem(template.path, template.line, message, template.id)
        return GenerationError(problem, seed, "timeout")

    return cpu_deadline(GENERATION_CPU_SECONDS, too_slow)


def params_key(params: Mapping[str, Any]) -> tuple[Any, ...]:
    """A hashable key of drawn parameters: equal keys give identical instances.

    Args:
        params: What :func:`draw_params` returned.

    Returns:
        The key (types are part of it, so ``2`` and ``2.0`` differ).
    """
    return tuple((name, _value_key(value)) for name, value in params.items())


def _value_key(value: Any) -> Any:
    if isinstance(value, sympy.ImmutableDenseMatrix):
        # Its args (rows, columns, entries) are built once and kept: reading the entries one
        # by one converts each from the matrix's internal form again.
        return ("immutable-matrix", value.args)
    if isinstance(value, sympy.MatrixBase):
        return ("matrix", value.shape, tuple(_value_key(v) for v in value))
    if isinstance(value, Sequence | SetLiteral):
        return (type(value).__name__, tuple(_value_key(v) for v in value.items))
    if isinstance(value, list | tuple):
        return ("tuple", tuple(_value_key(v) for v in value))
    return (type(value).__name__, value)


def _build(template: Template, seed: int, values: dict[str, Any]) -> Instance:
    """Build the instance from every value (parameters and let bindings)."""
    from mathdrill.decks import answering

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
    key = instance_key(template, plain_vars)
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
    """Renders one instance's placeholders, each value in each form once.

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
        self.mathlang = _math()
        # Texts repeat the same values ({u} in prompt, hints and solution): render each form
        # once.
        self.cache: dict[tuple[str, str], str] = {}

    def value_of(self, name: str, form: str) -> str:
        """The text of one value (``answer`` or a parameter/let name) in one placeholder form."""
        key = (name, form)
        text = self.cache.get(key)
        if text is None:
            if name == "answer":
                text = self._answer_form(form)
            else:
                text = _form(self.mathlang, self.values[name], form)
            self.cache[key] = text
        return text

    def _answer_form(self, form: str) -> str:
        from mathdrill.decks import answering

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
        raise KeyError(name)


def _is_grid(value: Any) -> bool:
    """A matrix with more than one row and column is shown as a grid."""
    return isinstance(value, sympy.MatrixBase) and value.rows > 1 and value.cols > 1


def _form(mathlang: Any, value: Any, form: str) -> str:
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
