"""Use-case behind ``mathdrill check``: judge one answer or a batch of JSON-lines requests.

This module orchestrates only: it turns requests (from options or JSON lines) into
:class:`~mathdrill.answers.AnswerSpec` objects, hands them to a capped
:class:`~mathdrill.answers.Judge`, and shapes the results as plain dictionaries. It never prints;
``mathdrill.cli.check_cmd`` does.

A batch request is one JSON object per line::

    {"id": "q1", "kind": "expression", "expected": "diff(sin(x^2), x)",
     "answer": "2x cos(x^2)", "vars": {"x": [-2, 2]}, "rtol": null, "atol": null}

``id`` is echoed back; ``vars`` maps each free symbol to its sampling interval (a bare list of
names, or ``null`` intervals, use the default domain); ``choices`` (list of option texts),
``up_to_constant`` (bool) and ``mistakes`` (a list of ``{"name", "value", "feedback"}``, values
read like ``expected``) are accepted too. The annotation fields ``correct``, ``status``,
``mistake``, ``near_miss`` and ``note`` are ignored, so a labelled corpus (such as the test
suite's ``tests/answers/corpus.jsonl``) can be fed in as it is; any other field is an error, so
a misspelt field is never silently dropped. Each result line carries at least ``id, correct,
reason, read_as, duration_ms``; a line that cannot be used yields ``{"id": …, "error": …}``
instead and the batch goes on.

``mathdrill check --card DECK/TEMPLATE --seed N --answer TEXT`` judges an answer against one
instance of a deck's template instead (:func:`check_card`): the instance is made from the
template and the seed as the drill makes it, and judged by the same capped checker.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mathdrill.errors import InputError, MathdrillError, MathSyntaxError, UsageError
from mathdrill.vocabulary import MAX_SEED, default_mistake_id

if TYPE_CHECKING:  # the answers layer pulls in sympy: import it only when a check really runs
    from mathdrill.answers import AnswerSpec, Judge, Verdict

#: Interval used for a variable given without ``=LO:HI``.
DEFAULT_DOMAIN: tuple[float, float] = (-2.0, 2.0)

#: Longest accepted batch line, so one absurd line cannot exhaust memory.
MAX_LINE_CHARS = 100_000

EXPECTED_CPU_SECONDS = 2.0
"""CPU time reading one request's ``expected`` answer and mistakes may take (the same bound as
the learner's answer has in the checking worker)."""

_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REQUEST_KEYS = frozenset(
    {
        "id",
        "kind",
        "expected",
        "answer",
        "vars",
        "rtol",
        "atol",
        "choices",
        "up_to_constant",
        "mistakes",
    }
)
#: Labels a corpus may carry next to a request; read and ignored.
_ANNOTATION_KEYS = frozenset({"correct", "status", "mistake", "near_miss", "note"})


@dataclass(frozen=True)
class CheckRequest:
    """One answer to judge, as given on the command line or on a batch line.

    Attributes:
        kind: Answer kind name (``number``, ``expression`` …).
        expected: The reference answer as author text (read with the author function table).
        answer: The learner's text.
        variables: Free symbols and their sampling intervals.
        rtol: Relative tolerance, or None for the kind's default rule.
        atol: Absolute tolerance, or None for the kind's default rule.
        choices: Option texts for the ``choice`` kind.
        up_to_constant: Accept answers that differ by a constant (antiderivatives).
        mistakes: Authored mistakes as ``(name, value text, feedback)``.
    """

    kind: str
    expected: str
    answer: str
    variables: Mapping[str, tuple[float, float]]
    rtol: float | None = None
    atol: float | None = None
    choices: tuple[str, ...] = ()
    up_to_constant: bool = False
    mistakes: tuple[tuple[str, str, str], ...] = ()


#: The ``--timeout`` of ``mathdrill check``, in seconds: long enough for any sane check, short
#: enough that a stuck one ends (and finite, so the wait can be computed).
TIMEOUT_RANGE = (0.1, 60.0)


def check_timeout(seconds: float) -> float:
    """Return ``seconds`` if it is a usable check timeout, else raise.

    Args:
        seconds: The ``--timeout`` value.

    Returns:
        The timeout.

    Raises:
        InputError: When it is not a number from 0.1 to 60 (NaN and infinities included).
    """
    low, high = TIMEOUT_RANGE
    if not low <= seconds <= high:
        raise InputError(f"--timeout must be from {low:g} to {high:g} seconds, got {seconds:g}")
    return seconds


def parse_var_option(text: str) -> tuple[str, tuple[float, float]]:
    """Read one ``--var`` option: ``x`` or ``x=LO:HI``.

    Args:
        text: The option's value, e.g. ``"x=0.1:3"``.

    Returns:
        The symbol name and its sampling interval.

    Raises:
        UsageError: When the name or the interval is malformed or empty.
    """
    name, sep, interval = text.partition("=")
    name = name.strip()
    if not _VAR_NAME.match(name):
        raise UsageError(f"--var {text!r}: {name!r} is not a variable name (use e.g. --var x=-2:2)")
    if not sep:
        return name, DEFAULT_DOMAIN
    lo_text, colon, hi_text = interval.partition(":")
    if not colon:
        raise UsageError(f"--var {text!r}: write the interval as LO:HI, e.g. --var {name}=-2:2")
    try:
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        raise UsageError(
            f"--var {text!r}: LO and HI must be numbers, e.g. --var {name}=0.1:3"
        ) from None
    return name, _checked_interval(name, lo, hi)


def _checked_interval(name: str, lo: float, hi: float) -> tuple[float, float]:
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise UsageError(f"variable {name}: the interval [{lo}, {hi}] must be finite with LO < HI")
    return lo, hi


def optional_tolerance(value: object, field: str) -> float | None:
    """Return a tolerance given as a number (None: the kind's rule), refusing NaN and < 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{field} must be a number or null, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise InputError(f"{field} must be a finite number ≥ 0, got {value}")
    return number


def _variables_from_json(raw: object) -> dict[str, tuple[float, float]]:
    if raw is None:
        return {}
    if isinstance(raw, list):
        raw = dict.fromkeys(raw)
    if not isinstance(raw, dict):
        raise InputError('"vars" must be an object like {"x": [-2, 2]} or a list of names')
    variables: dict[str, tuple[float, float]] = {}
    for name, interval in raw.items():
        if not isinstance(name, str) or not _VAR_NAME.match(name):
            raise InputError(f'"vars": {name!r} is not a variable name')
        if interval is None:
            variables[name] = DEFAULT_DOMAIN
            continue
        if (
            not isinstance(interval, list)
            or len(interval) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in interval)
        ):
            raise InputError(f'"vars": the interval of {name} must be [LO, HI], got {interval!r}')
        try:
            variables[name] = _checked_interval(name, float(interval[0]), float(interval[1]))
        except UsageError as error:
            raise InputError(str(error)) from None
    return variables


def _mistakes_from_json(raw: object) -> tuple[tuple[str, str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError('"mistakes" must be a list of {"name", "value", "feedback"} objects')
    mistakes: list[tuple[str, str, str]] = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or set(item) - {"name", "value", "feedback"}:
            raise InputError(f'"mistakes" item {number}: use the fields name, value, feedback')
        name = item.get("name", default_mistake_id(number - 1))
        value = item.get("value")
        feedback = item.get("feedback", "")
        if not (isinstance(name, str) and isinstance(value, str) and isinstance(feedback, str)):
            raise InputError(f'"mistakes" item {number}: name, value and feedback must be strings')
        mistakes.append((name, value, feedback))
    return tuple(mistakes)


def read_line(line: str) -> dict[str, Any]:
    """Read one batch line as a JSON object, bounded in size and depth.

    Args:
        line: One line of the batch.

    Returns:
        The object.

    Raises:
        InputError: When the line is too long, not JSON, holds what no JSON value may (a lone
            surrogate, a number too long to read, nesting too deep) or is not an object.
    """
    if len(line) > MAX_LINE_CHARS:
        raise InputError(f"line longer than {MAX_LINE_CHARS} characters")
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"not JSON: {error.msg} at column {error.colno}") from None
    except ValueError:  # an integer longer than Python converts (4300 digits)
        raise InputError("a number in the line is too long to read") from None
    except RecursionError:
        raise InputError("the line is nested too deeply") from None
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            "the line holds a lone surrogate escape (such as \\ud800), which is no character"
        ) from None
    if not isinstance(data, dict):
        raise InputError("each line must be a JSON object")
    return data


def request_from_json(data: dict[str, Any]) -> CheckRequest:
    """Read one batch line's object into a :class:`CheckRequest`.

    Args:
        data: The line's object (see the module docstring for the fields).

    Returns:
        The request.

    Raises:
        InputError: When a field is missing, unknown or mistyped; the message names the field.
    """
    unknown = sorted(set(data) - _REQUEST_KEYS - _ANNOTATION_KEYS)
    if unknown:
        raise InputError(
            f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_REQUEST_KEYS))}"
        )
    for field in ("kind", "expected", "answer"):
        if not isinstance(data.get(field), str):
            raise InputError(f'"{field}" must be a string')
    choices = data.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise InputError('"choices" must be a list of strings')
    up_to_constant = data.get("up_to_constant", False)
    if not isinstance(up_to_constant, bool):
        raise InputError('"up_to_constant" must be true or false')
    return CheckRequest(
        mistakes=_mistakes_from_json(data.get("mistakes")),
        kind=data["kind"],
        expected=data["expected"],
        answer=data["answer"],
        variables=_variables_from_json(data.get("vars")),
        rtol=optional_tolerance(data.get("rtol"), "rtol"),
        atol=optional_tolerance(data.get("atol"), "atol"),
        choices=tuple(choices),
        up_to_constant=up_to_constant,
    )


def build_spec(request: CheckRequest) -> AnswerSpec:
    """Turn a request into an answer spec, reading ``expected`` with the author table.

    Args:
        request: The request to build from.

    Returns:
        The spec the judge checks against.

    Raises:
        UsageError: When the kind is unknown.
        MathSyntaxError: When ``expected`` cannot be read (with the caret echo).
        InputError: When ``expected`` does not fit the kind.
    """
    from mathdrill.answers import KINDS, AnswerSpec, Mistake, parse_expected
    from mathdrill.mathlang.deadline import cpu_deadline

    if request.kind not in KINDS:
        raise UsageError(f"unknown answer kind {request.kind!r}; known kinds: {', '.join(KINDS)}")

    def too_slow(seconds: float) -> InputError:
        return InputError(
            f"reading the expected answer took more than {seconds:g} s of CPU time; write it "
            "in a simpler form (an evaluated value rather than integrate/solve/simplify)"
        )

    # The learner's answer is judged in the capped worker; the reference is author text read
    # here with the author table (integrate, solve …), so it gets its own bound.
    with cpu_deadline(EXPECTED_CPU_SECONDS, too_slow):
        expected = parse_expected(request.kind, request.expected, request.variables)
        mistakes = tuple(
            Mistake(
                name=name,
                value=parse_expected(request.kind, value, request.variables),
                feedback=feedback,
            )
            for name, value, feedback in request.mistakes
        )
    return AnswerSpec(
        mistakes=mistakes,
        kind=request.kind,
        expected=expected,
        variables=dict(request.variables),
        rtol=request.rtol,
        atol=request.atol,
        up_to_constant=request.up_to_constant,
        choices=request.choices,
    )


def verdict_fields(verdict: Verdict, duration_ms: float) -> dict[str, Any]:
    """Shape a verdict as the JSON object ``mathdrill check`` prints.

    Args:
        verdict: The verdict to report.
        duration_ms: Wall time of the check, in milliseconds.

    Returns:
        A JSON-safe dict with ``correct, status, reason, read_as, mistake, feedback,
        near_miss, error, notes, duration_ms``.
    """
    return {
        "correct": verdict.correct,
        "status": verdict.status,
        "reason": verdict.reason,
        "read_as": verdict.read_as,
        "mistake": verdict.mistake,
        "feedback": verdict.feedback,
        "near_miss": verdict.near_miss,
        "error": verdict.error,
        "notes": list(verdict.notes),
        "duration_ms": round(duration_ms, 3),
    }


def check_one(judge: Judge, request: CheckRequest, timer: Callable[[], float]) -> dict[str, Any]:
    """Judge one request and return its result fields.

    Args:
        judge: The capped checker to use.
        request: What to check.
        timer: A monotonic clock in seconds (``time.perf_counter`` in production).

    Returns:
        The fields of :func:`verdict_fields`.

    Raises:
        MathdrillError: When the request itself is unusable (unknown kind, unreadable
            ``expected``); learner text never raises.
    """
    started = timer()
    spec = build_spec(request)
    verdict = judge.check(spec, request.answer)
    return verdict_fields(verdict, (timer() - started) * 1000.0)


@dataclass(frozen=True)
class CardRequest:
    """An answer to judge against one instance of a deck's template.

    Attributes:
        card: ``deck/template``.
        seed: The instance's seed (0 … 2⁶³−1).
        answer: The learner's text.
        decks: Extra deck files or folders (``--decks``).
    """

    card: str
    seed: int
    answer: str
    decks: tuple[Path, ...] = ()


def check_card(
    env: Mapping[str, str], request: CardRequest, judge: Judge, timer: Callable[[], float]
) -> tuple[dict[str, Any], list[str]]:
    """Judge an answer against the instance of ``request.card`` for ``request.seed``.

    The instance is generated here from (template, seed), exactly as the drill's problem
    worker makes it, and the answer is judged by the same capped checker the drill uses.

    Args:
        env: The process environment (for the user's decks).
        request: The card, seed and answer.
        judge: The capped checker.
        timer: A monotonic clock in seconds.

    Returns:
        The fields of :func:`verdict_fields` with ``card`` and ``seed`` first, and warnings
        about other deck files that could not be read.

    Raises:
        UsageError: The card is not written ``deck/template`` or the seed is out of range.
        NotFoundError: No such deck or template.
        DeckError: The deck cannot be loaded, or the template cannot make this instance.
    """
    from mathdrill.decks.generate import generate
    from mathdrill.usecases import authoring

    deck_id, slash, template_id = request.card.partition("/")
    if not slash or not deck_id or not template_id:
        raise UsageError(
            f"--card {request.card!r}: write DECK/TEMPLATE, e.g. derivatives/chain-rule-sin"
        )
    if not 0 <= request.seed <= MAX_SEED:
        raise UsageError(f"--seed must be an integer from 0 to {MAX_SEED}")
    deck, warnings = authoring.open_deck(env, request.decks, deck_id)
    (template,) = authoring.select_templates(deck, request.card)
    started = timer()
    instance = generate(template, request.seed)
    verdict = judge.check(instance.spec, request.answer)
    fields = verdict_fields(verdict, (timer() - started) * 1000.0)
    return {"card": template.key, "seed": request.seed, **fields}, warnings


def run_batch(
    lines: Iterable[str], judge: Judge, timer: Callable[[], float]
) -> Iterator[dict[str, Any]]:
    """Judge JSON-lines requests one by one, yielding one result object per non-blank line.

    A line that cannot be used yields ``{"id": …, "line": N, "error": "…"}`` and the batch goes
    on: one bad line never stops the others.

    Args:
        lines: The input lines (with or without trailing newlines).
        judge: The capped checker, shared by all lines so the worker stays warm.
        timer: A monotonic clock in seconds.

    Yields:
        One JSON-safe dict per request line, in input order.
    """
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        ident: Any = None
        try:
            data = read_line(line)
            # The id is echoed whenever the line is an object, even when a field is wrong.
            ident = data.get("id")
            result = check_one(judge, request_from_json(data), timer)
        except MathSyntaxError as error:
            yield {"id": ident, "line": number, "error": error.describe()}
            continue
        except MathdrillError as error:
            yield {"id": ident, "line": number, "error": str(error)}
            continue
        yield {"id": ident, **result}
