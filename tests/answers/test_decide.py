"""Deciding without explaining: ``AnswerKind.decide`` and ``judge(explain=False)``.

The decision must never differ from the full comparison's (``compare(...).equal``): authored
mistakes are matched with ``decide`` for learners too, and ``deck check`` judges mistakes with
``explain=False``.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import mpmath
import pytest
import sympy

from mathdrill.answers import KINDS, Mistake, evaluation, judge, numeric
from mathdrill.answers.numeric import Allowance, compare_numbers
from mathdrill.errors import MathSyntaxError
from tests.answers.conftest import corpus_cases, make_spec, spec_for_case

CASES = corpus_cases()
X = {"x": (-3.0, 3.0)}
x = sympy.Symbol("x")

# Pairs chosen for the edges of the early exit: undefined answers, differences only the
# 80-digit re-check settles, references defined at too few points, constants, tolerances.
EXPRESSION_PAIRS = [
    ("x**2", "x**2 + 1", {}),
    ("x**2", "x*x", {}),
    ("x", "x*(cosh(25)^2 - sinh(25)^2)", {}),
    ("x", "x*(cosh(25)^2 - sinh(25)^2) + 1e-9", {}),
    ("x", "x + 1e-12", {}),
    ("1/x", "1/(x - 1)", {}),
    ("x", "sqrt(x)", {}),
    ("x", "log(x - 10)", {}),
    ("sqrt(x - 2.9)", "sqrt(x - 2.9) + 1", {}),
    ("sqrt(x - 2.9)", "sqrt(x - 2.9)", {}),
    ("2*x", "2*x + 5", {"up_to_constant": True}),
    ("2*x", "3*x", {"up_to_constant": True}),
    ("x", "1.0000001*x", {"rtol": 1e-6}),
    ("x", "1.01*x", {"rtol": 1e-6}),
    ("sin(x)", "-sin(x)", {}),
]
NUMBER_PAIRS = [
    ("1/3", "2/6"),
    ("1/3", "1/4"),
    ("1/3", "0.333"),
    ("1/3", "0.33"),
    ("1/2", "0.5"),
    ("sqrt(2)/2", "1/sqrt(2)"),
    ("10^-50", "0"),
    ("10^-30", "0"),
    ("7", "-7"),
]


def _both(kind_name: str, spec, answer: str) -> tuple:
    kind = KINDS[kind_name]
    reading = kind.read(spec, answer)
    return kind.compare(spec, spec.expected, reading).equal, kind.decide(
        spec, spec.expected, reading
    )


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_decide_agrees_with_compare_on_the_corpus(case: dict) -> None:
    spec = spec_for_case(case)
    try:
        full, decided = _both(case["kind"], spec, case["answer"])
    except MathSyntaxError:
        return  # unreadable: nothing to compare (the corpus tests the message)
    assert decided is full


@pytest.mark.parametrize(("expected", "answer", "options"), EXPRESSION_PAIRS)
def test_decide_agrees_with_compare_for_expressions(expected, answer, options) -> None:
    spec = make_spec("expression", expected, variables=X, **options)
    full, decided = _both("expression", spec, answer)
    assert decided is full


@pytest.mark.parametrize(("expected", "answer"), NUMBER_PAIRS)
def test_decide_agrees_with_compare_for_numbers(expected, answer) -> None:
    spec = make_spec("number", expected)
    full, decided = _both("number", spec, answer)
    assert decided is full


def test_exact_rationals_within_the_exact_tolerance_still_count_as_equal() -> None:
    # 10^-50 and 0 differ by less than EXACT_EPS (1e-40): equal by the number rule, which the
    # exact shortcut must leave to the 50-digit comparison.
    tiny, zero = sympy.Rational(1, 10**50), sympy.Integer(0)
    assert numeric.compare_numbers(tiny, zero).equal is True
    assert numeric.compare_numbers(tiny, zero, decide_only=True).equal is True
    small = sympy.Rational(1, 10**30)
    assert numeric.compare_numbers(small, zero, decide_only=True).equal is False


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_unexplained_verdicts_have_the_same_status_and_mistake(case: dict) -> None:
    spec = spec_for_case(case)
    full = judge(spec, case["answer"])
    quick = judge(spec, case["answer"], explain=False)
    assert (quick.status, quick.mistake, quick.feedback) == (
        full.status,
        full.mistake,
        full.feedback,
    )


def test_a_mistake_is_matched_by_decision_in_order() -> None:
    spec = make_spec(
        "expression",
        "2*x",
        variables=X,
        mistakes=[
            {"name": "squared", "value": "x**2", "feedback": "f1"},
            {"name": "halved", "value": "x", "feedback": "f2"},
            {"name": "also-x", "value": "x*1", "feedback": "f3"},
        ],
    )
    for explain in (True, False):
        verdict = judge(spec, "x", explain=explain)
        assert (verdict.status, verdict.mistake) == ("wrong", "halved")
        assert judge(spec, "x^2", explain=explain).mistake == "squared"
        assert judge(spec, "3x", explain=explain).mistake is None


def test_identical_expressions_are_equal_without_sampling(monkeypatch) -> None:
    # sqrt(x - 2.9) is real at few points of [-3, 3]: the sampled test cannot decide, but the
    # identical tree is the same function.
    expected = sympy.sqrt(x - sympy.Rational(29, 10))

    def no_sampling(*args, **kwargs):
        raise AssertionError("identical expressions need no test points")

    monkeypatch.setattr(numeric, "sample_points", no_sampling)
    monkeypatch.setattr(numeric, "_reference_points", no_sampling)
    outcome = numeric.compare_functions(
        expected, sympy.sqrt(x - sympy.Rational(29, 10)), intervals=X
    )
    assert outcome.equal is True


def test_a_clear_difference_stops_at_the_first_point(monkeypatch) -> None:
    calls = []
    real = numeric.run_compiled

    def counting(fn, env, dps):
        calls.append(dps)
        return real(fn, env, dps)

    monkeypatch.setattr(numeric, "run_compiled", counting)
    full = numeric.compare_functions(x**2, x**2 + 1, intervals=X)
    full_calls = len(calls)
    calls.clear()
    quick = numeric.compare_functions(x**2, x**2 + 1, intervals=X, decide_only=True)
    assert full.equal is quick.equal is False
    assert full_calls == 20  # 10 reference points + 10 answer values
    assert len(calls) == 11  # 10 reference points; one answer value settles it
    assert "differs from the reference at x = " in quick.reason


def test_a_compiled_expression_has_the_evaluated_value() -> None:
    expr = x**3 + 2 * x - sympy.sin(x) / 3
    point = {"x": mpmath.mpf("0.7")}
    compiled = evaluation.run_compiled(evaluation.compile_expr(expr, 30), point, 30)
    assert compiled == evaluation.evaluate(expr, point, 30)
    assert evaluation.run_compiled(evaluation.compile_expr(x**3 + 2 * x, 30), {"x": 2}, 30) == 12


def test_explain_false_keeps_the_reason_short_but_true() -> None:
    spec = make_spec("expression", "x**2", variables=X)
    verdict = judge(spec, "x**2 + 1", explain=False)
    assert verdict.status == "wrong"
    assert verdict.reason == "not equal to the reference"
    assert verdict.near_miss is None
    assert judge(replace(spec, mistakes=(Mistake("m", x**2 + 1, "fb"),)), "x^2+1").mistake == "m"


@pytest.mark.parametrize(("expected", "answer", "options"), EXPRESSION_PAIRS)
def test_matching_a_mistake_agrees_with_deciding(expected, answer, options) -> None:
    spec = make_spec("expression", "0", variables=X, **options)
    kind = KINDS["expression"]
    mistake = make_spec("expression", expected, variables=X, **options).expected
    reading = kind.read(spec, answer)
    assert kind.matches(spec, mistake, reading) is (kind.decide(spec, mistake, reading) is True)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_matching_agrees_with_deciding_on_the_corpus(case: dict) -> None:
    spec = spec_for_case(case)
    kind = KINDS[case["kind"]]
    try:
        reading = kind.read(spec, case["answer"])
    except MathSyntaxError:
        return
    for value in (spec.expected, *(m.value for m in spec.mistakes)):
        assert kind.matches(spec, value, reading) is (kind.decide(spec, value, reading) is True)


def test_a_clear_difference_from_a_mistake_needs_one_point_of_each(monkeypatch) -> None:
    calls = []
    real = numeric.run_compiled

    def counting(fn, env, dps):
        calls.append(dps)
        return real(fn, env, dps)

    monkeypatch.setattr(numeric, "run_compiled", counting)
    assert numeric.quick_match(sympy.sin(x) + x, x**2 - 3, intervals=X) is False
    assert len(calls) == 2  # the mistake at the first point, then the answer there
    assert numeric.quick_match(x, sympy.log(x - 10), intervals=X) is False
    assert numeric.quick_match(x, x + sympy.Rational(1, 10**12), intervals=X) is True
    # A tiny difference beyond the tolerance is left to the re-check at more digits.
    assert numeric.quick_match(x, x * (1 + sympy.Rational(1, 10**8)), intervals=X) is None


def test_an_equal_mistake_is_evaluated_once_at_each_point(monkeypatch) -> None:
    calls = []
    real = numeric.run_compiled

    def counting(fn, env, dps):
        calls.append(dps)
        return real(fn, env, dps)

    monkeypatch.setattr(numeric, "run_compiled", counting)
    same = 2 * sympy.sin(x) * sympy.cos(x)
    assert numeric.quick_match(sympy.sin(2 * x), same, intervals=X) is True
    assert len(calls) == 20  # ten points of the mistake, ten of the answer
    calls.clear()
    assert numeric.quick_match(sympy.sin(2 * x), same + 1, intervals=X) is False
    assert len(calls) == 2  # the first point of the mistake settles it


def test_readings_render_only_when_shown(monkeypatch) -> None:
    from mathdrill.answers import scalars

    spec = make_spec("expression", "x**2", variables=X)
    rendered = []
    real = scalars.render_scalar

    def counting(value, style):
        rendered.append(style)
        return real(value, style)

    monkeypatch.setattr(scalars, "render_scalar", counting)
    quiet = judge(spec, "3*x + 1", explain=False)
    assert (quiet.status, quiet.read_as, quiet.read_as_plain) == ("wrong", "", "")
    assert rendered == []
    shown = judge(spec, "3*x + 1")
    assert (shown.read_as, shown.read_as_plain) == ("3·x + 1", "3*x + 1")
    assert sorted(rendered) == ["plain", "unicode"]


# Equal-looking values of different types and precisions (none compares equal to another),
# values with no finite value, and values that differ far below double precision.
NUMBER_VALUES = [
    sympy.Rational(1, 10),
    sympy.Float(0.1),
    sympy.Float("0.1", 30),
    sympy.Rational(1, 2),
    sympy.Float(0.5),
    sympy.sqrt(2),
    sympy.sqrt(2) + sympy.Rational(1, 10**45),
    sympy.sqrt(2) / 2,
    sympy.Integer(-1) * sympy.sqrt(2),
    sympy.zoo,
    sympy.log(0),
    sympy.I * sympy.Rational(1, 10**60) + 1,
]
NUMBER_OPTIONS = [{}, {"rtol": 1e-3}, {"allowance": Allowance(absolute=sympy.Rational(1, 100))}]


def test_deciding_numbers_gives_the_full_decision_without_the_near_miss() -> None:
    for e, a, o in itertools.product(NUMBER_VALUES, NUMBER_VALUES, NUMBER_OPTIONS):
        full = compare_numbers(e, a, **o)
        decided = compare_numbers(e, a, **o, decide_only=True)
        assert decided.equal == full.equal
        if decided.near_miss is not None:
            assert "significant" in decided.near_miss
    # The full comparison still names the near miss.
    assert compare_numbers(sympy.sqrt(2), -sympy.sqrt(2)).near_miss == "off by a sign"
    assert compare_numbers(sympy.sqrt(2), -sympy.sqrt(2), decide_only=True).near_miss is None
