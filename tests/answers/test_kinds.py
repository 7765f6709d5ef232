"""Unit tests per answer kind: reading, comparison rules, messages, mistakes, rendering."""

from __future__ import annotations

import pytest
import sympy

from mathdrill.answers import (
    KINDS,
    AnswerSpec,
    Mistake,
    Verdict,
    judge,
    parse_expected,
    render_reference,
)
from mathdrill.answers.forms import read_shape
from mathdrill.errors import InputError, MathSyntaxError, UsageError
from tests.answers.conftest import make_spec

X = {"x": (-2.0, 2.0)}


def verdict(kind: str, expected: str, answer: str, **options) -> Verdict:
    return judge(make_spec(kind, expected, **options), answer)


# -- number -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ("0.333", "correct"),
        ("0.3333", "correct"),
        ("-0.333", "wrong"),
        ("0.33", "wrong"),
        ("0.334", "correct"),  # within one unit of the last digit
        ("0.3323", "wrong"),  # more than one unit away
        ("33.3%", "correct"),
        ("33.33%", "correct"),
        ("3.33e-1", "correct"),
    ],
)
def test_number_decimal_rule_for_one_third(answer: str, status: str) -> None:
    assert verdict("number", "1/3", answer).status == status


def test_number_coarse_decimal_says_how_many_figures() -> None:
    result = verdict("number", "sqrt(2)/2", "0.7")
    assert result.status == "wrong"
    assert result.near_miss == "give at least 3 significant figures"
    assert "0.7 has only 1 significant figure" in result.reason


def test_number_exact_decimal_is_right_whatever_its_figures() -> None:
    assert verdict("number", "1/2", "0.5").correct
    assert verdict("number", "1/4", "25%").correct


def test_number_read_as_shows_decimals_as_typed() -> None:
    result = verdict("number", "1/3", "0.333")
    assert result.read_as == "0.333"
    assert result.read_as_plain == "0.333"
    assert verdict("number", "1/3", "-0.333").read_as_plain == "-0.333"


def test_number_exact_forms_equal_at_high_precision() -> None:
    assert verdict("number", "sqrt(2)/2", "1/sqrt(2)").correct
    # Differs from pi in the 12th digit: wrong, because both sides are exact.
    assert not verdict("number", "pi", "pi + 10^-12").correct


def test_number_tolerances_replace_the_decimal_rule() -> None:
    assert verdict("number", "1/3", "0.3", rtol=0.2).correct
    assert not verdict("number", "1/3", "0.3", rtol=0.05).correct
    assert verdict("number", "100", "101", atol=1.0).correct
    assert "tolerance" in verdict("number", "100", "103", atol=1.0).reason


@pytest.mark.parametrize(
    ("answer", "near"),
    [
        ("-1/3", "off by a sign"),
        ("2/3", None),  # every wrong nonzero number is some factor times the reference
        ("17/30", None),
        ("100/3", "off by a factor of 10^2 — check the decimal point or percent sign"),
        ("0.3336", "close but not within tolerance"),
    ],
)
def test_number_near_misses(answer: str, near: str) -> None:
    result = verdict("number", "1/3", answer)
    assert result.status == "wrong"
    assert result.near_miss == near


def test_constant_factor_is_named_for_expressions_and_arrays_not_numbers() -> None:
    assert verdict("number", "1", "17/10").near_miss is None
    assert verdict("vector", "[1, 2]", "[2, 4]").near_miss == "off by a constant factor"
    assert verdict("matrix", "[[1, 2], [3, 4]]", "[[3, 6], [9, 12]]").near_miss == (
        "off by a constant factor"
    )
    factor = verdict("expression", "x^2", "3*x^2", variables=X).near_miss
    assert factor == "off by a constant factor (your answer is 3 times the reference)"


def test_number_refuses_formulas_and_lists() -> None:
    assert verdict("number", "2", "x").status == "unreadable"
    result = verdict("number", "2", "[1, 2]")
    assert result.status == "unreadable"
    assert "one number" in result.reason


def test_number_division_by_zero_is_wrong_not_a_crash() -> None:
    result = verdict("number", "2", "1/0")
    assert result.status == "wrong"
    assert "no finite value" in result.reason


# -- expression -------------------------------------------------------------------------------


def test_expression_catches_a_tiny_constant() -> None:
    result = verdict("expression", "x^2", "x^2 + 1e-9", variables=X)
    assert result.status == "wrong"
    assert result.reason.startswith("differs from the reference at x = ")


def test_expression_points_are_deterministic() -> None:
    first = verdict("expression", "sin(x)", "cos(x)", variables=X)
    second = verdict("expression", "sin(x)", "cos(x)", variables=X)
    assert first.reason == second.reason


def test_expression_points_respect_the_declared_interval() -> None:
    # sqrt(x^2) = x only for x > 0: equal on [0.5, 3], different on [-2, 2].
    assert verdict("expression", "sqrt(x^2)", "x", variables={"x": (0.5, 3.0)}).correct
    assert not verdict("expression", "sqrt(x^2)", "x", variables=X).correct


def test_expression_skips_points_where_the_reference_is_undefined() -> None:
    # log(x) is undefined for half of [-2, 2]; the remaining points still decide.
    assert verdict("expression", "log(x)", "ln(x)", variables=X).correct
    assert not verdict("expression", "log(x)", "log(x) + 1", variables=X).correct


def test_expression_fails_closed_with_too_few_points() -> None:
    spec = AnswerSpec("expression", sympy.sqrt(sympy.Symbol("x")), variables={"x": (-2.0, -1.0)})
    result = judge(spec, "sqrt(x) + x")
    assert result.status == "undecided"
    assert "enough points" in result.reason


def test_expression_symbolic_confirmation_when_points_are_missing() -> None:
    spec = AnswerSpec("expression", sympy.sqrt(sympy.Symbol("x")), variables={"x": (-2.0, -1.0)})
    assert judge(spec, "x^(1/2)").correct


def test_expression_up_to_constant() -> None:
    assert verdict("expression", "x^3/3", "x^3/3 + 7", variables=X, up_to_constant=True).correct
    assert not verdict("expression", "x^3/3", "x^3", variables=X, up_to_constant=True).correct
    plain = verdict("expression", "x^3/3", "x^3/3 + 7", variables=X)
    assert plain.near_miss == "off by an additive constant"


def test_expression_unknown_name_is_unreadable_with_caret() -> None:
    result = verdict("expression", "x^2", "y^2", variables=X)
    assert result.status == "unreadable"
    assert "unknown name 'y'" in result.reason
    assert result.error.splitlines()[-1].strip() == "^"


def test_expression_reports_parser_notes() -> None:
    result = verdict("expression", "x/2", "1/2x", variables=X)
    assert result.correct
    assert result.notes


def test_expression_near_miss_sign_and_factor() -> None:
    assert verdict("expression", "x^2", "-x^2", variables=X).near_miss == "off by a sign"
    factor = verdict("expression", "x^2", "x^2/2", variables=X).near_miss
    assert factor == "off by a constant factor (your answer is 1/2 times the reference)"


def test_expression_two_variables() -> None:
    variables = {"x": (-2.0, 2.0), "y": (-2.0, 2.0)}
    assert verdict("expression", "diff(x*y^2, y)", "2 x y", variables=variables).correct
    assert not verdict("expression", "diff(x*y^2, y)", "2 y", variables=variables).correct


# -- mistakes ---------------------------------------------------------------------------------


def test_first_matching_mistake_sets_name_and_feedback() -> None:
    spec = make_spec(
        "expression",
        "diff(sin(x^2), x)",
        variables=X,
        mistakes=[
            {"name": "no-chain", "value": "cos(x^2)", "feedback": "Chain rule!"},
            {"name": "same", "value": "cos(x^2)", "feedback": "never reached"},
        ],
    )
    result = judge(spec, "cos(x**2)")
    assert (result.status, result.mistake, result.feedback) == ("wrong", "no-chain", "Chain rule!")
    assert judge(spec, "2x cos(x^2)").mistake is None
    assert judge(spec, "sin(x^2)").mistake is None


def test_mistake_matching_uses_the_kind_comparison() -> None:
    spec = AnswerSpec(
        "number",
        sympy.Rational(1, 6),
        mistakes=(Mistake("unnormalised", sympy.Rational(99, 10000), "Divide by the evidence."),),
    )
    assert judge(spec, "0.0099").mistake == "unnormalised"
    assert judge(spec, "99/10000").mistake == "unnormalised"


# -- vector / matrix --------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["[1, 2]", "(1,2)", "1, 2", "[[1], [2]]", "[[1, 2]]"])
def test_vector_forms(answer: str) -> None:
    assert verdict("vector", "[1, 2]", answer).correct


def test_vector_length_mismatch_reason() -> None:
    assert verdict("vector", "[1, 2]", "[1, 2, 3]").reason == (
        "expected a vector of length 2, got length 3"
    )


def test_matrix_shape_mismatch_reason() -> None:
    result = verdict("matrix", "[[1, 2], [3, 4]]", "[[1, 2, 0], [3, 4, 0]]")
    assert result.status == "wrong"
    assert result.reason == "expected a 2×2 matrix, got a 2×3 matrix"


def test_matrix_transposed_is_a_named_near_miss() -> None:
    result = verdict("matrix", "[[1, 2], [3, 4]]", "[[1, 3], [2, 4]]")
    assert result.near_miss == "transposed"
    assert result.reason.startswith("entries (1, 2) and (2, 1) are wrong")


def test_vector_verdict_names_every_wrong_entry() -> None:
    assert verdict("vector", "[1, 2, 3]", "[1, 5, 3]").reason == (
        "entry 2 is wrong: not equal to the reference"
    )
    assert verdict("vector", "[1, 2, 3]", "[7, 2, 9]").reason == (
        "entries 1 and 3 are wrong: not equal to the reference"
    )
    assert verdict("vector", "[1, 2, 3, 4]", "[0, 0, 3, 0]").reason == (
        "entries 1, 2 and 4 are wrong: not equal to the reference"
    )
    mixed = verdict("vector", "[1, 1/3]", "[2, 0.3]").reason
    assert mixed.startswith("entries 1 and 2 are wrong — entry 1: not equal to the reference; ")
    assert "entry 2: 0.3 has only 1 significant figure" in mixed


def test_matrix_verdict_counts_wrong_entries_when_many() -> None:
    result = verdict("matrix", "[[1, 2, 3], [4, 5, 6]]", "[[0, 0, 0], [0, 0, 6]]")
    assert result.reason == "5 of 6 entries are wrong, the first (1, 1): not equal to the reference"


def test_matrix_latex_bmatrix() -> None:
    assert verdict(
        "matrix", "[[1, 2], [3, 4]]", r"\begin{bmatrix}1 & 2\\3 & 4\end{bmatrix}"
    ).correct


def test_matrix_entries_may_be_expressions() -> None:
    assert verdict("matrix", "[[x, 0], [0, x^2]]", "[[x, 0], [0, x*x]]", variables=X).correct
    assert not verdict("matrix", "[[x, 0], [0, x^2]]", "[[x, 0], [0, x]]", variables=X).correct


def test_vector_decimal_entries_use_their_own_figures() -> None:
    assert verdict("vector", "[sqrt(2)/2, 1/2]", "[0.707, 0.5]").correct
    result = verdict("vector", "[sqrt(2)/2, 1/2]", "[0.71, 0.5]")
    assert result.near_miss == "give at least 3 significant figures"


# -- set / multiset ---------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["{1, 3}", "3, 1", "[3, 1]", "(1, 3)", "{3, 1, 1}"])
def test_set_forms(answer: str) -> None:
    assert verdict("set", "{1, 3}", answer).correct


def test_set_elements_compare_as_numbers() -> None:
    assert verdict("set", "{sqrt(2), -sqrt(2)}", "{-2^(1/2), 1.414}").correct


def test_set_messages() -> None:
    assert verdict("set", "{1, 3}", "{1, 3, 5}").reason == "5 is not in the reference set"
    assert verdict("set", "{1, 3}", "{1}").reason == "your set is missing 1 element"


def test_empty_set() -> None:
    assert verdict("set", "{}", "∅").correct
    assert not verdict("set", "{}", "{1}").correct
    assert not verdict("set", "{1}", "empty").correct


def test_multiset_counts_multiplicity() -> None:
    assert verdict("multiset", "{2, 2, 3}", "2, 3, 2").correct
    assert not verdict("multiset", "{2, 2, 3}", "2, 3").correct
    assert not verdict("multiset", "{2, 2, 3}", "2, 3, 3").correct


# -- direction --------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["[2, 4]", "[-1, -2]", "[-0.5, -1]", "[0.447, 0.894]"])
def test_direction_any_nonzero_scale(answer: str) -> None:
    assert verdict("direction", "[1, 2]", answer).correct


def test_direction_zero_vector_is_never_correct() -> None:
    result = verdict("direction", "[0, 0]", "[0, 0]")
    assert result.status == "wrong"
    assert "zero vector" in result.reason


def test_direction_not_parallel() -> None:
    assert verdict("direction", "[1, 2]", "[2, 1]").reason == "not parallel to the reference"


def test_direction_symbolic_entries() -> None:
    assert verdict("direction", "[1, x]", "[2, 2x]", variables=X).correct
    assert not verdict("direction", "[1, x]", "[1, x^2]", variables=X).correct


# -- eigenpairs -------------------------------------------------------------------------------


A = "Matrix([[4, 1], [2, 3]])"


@pytest.mark.parametrize(
    "answer",
    [
        "2: [1, -2]; 5: [1, 1]",
        "5: [2, 2]; 2: [-1, 2]",
        "[(2, [1, -2]), (5, [1, 1])]",
        "(5, [1, 1]), (2, [1, -2])",
        "λ = 2 -> [1, -2]\nλ = 5 -> [1, 1]",
        "2 → (1, -2); 5 → (1, 1)",
        "2 -> (1, -2), 5 -> (1, 1)",
        "λ1 = 2, v1 = (1, -2); λ2 = 5, v2 = (1, 1)",
        "lambda = 2, v = [1, -2]\nlambda = 5, v = [1, 1]",
    ],
)
def test_eigenpairs_forms(answer: str) -> None:
    assert verdict("eigenpairs", A, answer).correct


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("2: [1, -2]", "not every eigenvalue is listed"),
        ("2: [1, 2]; 5: [1, 1]", "the vector given for 2 is not an eigenvector for it (Av ≠ λv)"),
        ("2: [0, 0]; 5: [1, 1]", "an eigenvector must be nonzero"),
        ("3: [1, 1]; 5: [1, 1]", "3 is not an eigenvalue"),
    ],
)
def test_eigenpairs_wrong(answer: str, reason: str) -> None:
    result = verdict("eigenpairs", A, answer)
    assert result.status == "wrong"
    assert result.reason == reason


def test_eigenpairs_repeated_eigenvalue_needs_independent_vectors() -> None:
    identity2 = "Matrix([[2, 0], [0, 2]])"
    assert verdict("eigenpairs", identity2, "2: [1, 0], [0, 1]").correct
    assert verdict("eigenpairs", identity2, "2: [1, 1]; 2: [1, -1]").correct
    dependent = verdict("eigenpairs", identity2, "2: [1, 0]; 2: [2, 0]")
    assert "not independent" in dependent.reason
    short = verdict("eigenpairs", identity2, "2: [1, 0]")
    assert "needs 2 independent eigenvectors" in short.reason


def test_eigenpairs_defective_matrix_needs_one_vector() -> None:
    assert verdict("eigenpairs", "Matrix([[2, 1], [0, 2]])", "2: [1, 0]").correct


def test_eigenpairs_decimals() -> None:
    symmetric = "Matrix([[2, 1], [1, 2]])"
    assert verdict("eigenpairs", symmetric, "1: [0.707, -0.707]; 3: [0.707, 0.707]").correct
    golden = "Matrix([[1, 1], [1, 0]])"
    assert verdict("eigenpairs", golden, "1.618: [1.618, 1]; -0.618: [-0.618, 1]").correct
    coarse = verdict("eigenpairs", golden, "1.6: [1.6, 1]; -0.62: [-0.62, 1]")
    assert coarse.near_miss == "give at least 3 significant figures"


def test_eigenpairs_unreadable_chunk_has_caret_in_whole_text() -> None:
    result = verdict("eigenpairs", A, "2: [1, -2]; 5: [1, ")
    assert result.status == "unreadable"
    assert result.error.splitlines()[-2] == "2: [1, -2]; 5: [1, "


# -- choice / boolean / shape / interval ------------------------------------------------------

OPTIONS = ("ReLU", "tanh", "sigmoid")


@pytest.mark.parametrize("answer", ["b", "B", "b)", "(b)", "b.", "tanh", "  TANH  ", "Tanh."])
def test_choice_letter_or_text(answer: str) -> None:
    assert verdict("choice", "tanh", answer, choices=OPTIONS).correct


def test_choice_wrong_and_unreadable() -> None:
    assert verdict("choice", "tanh", "a", choices=OPTIONS).status == "wrong"
    unreadable = verdict("choice", "tanh", "d", choices=OPTIONS)
    assert unreadable.status == "unreadable"
    assert "a–c" in unreadable.reason


def test_choice_expected_by_letter() -> None:
    assert verdict("choice", "c", "sigmoid", choices=OPTIONS).correct


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("yes", True),
        ("Y", True),
        ("true", True),
        ("T", True),
        ("1", True),
        ("no", False),
        ("n", False),
        ("FALSE", False),
        ("f", False),
        ("0", False),
    ],
)
def test_boolean_words(answer: str, value: bool) -> None:
    assert verdict("boolean", "yes", answer).correct is value


def test_boolean_unreadable() -> None:
    assert verdict("boolean", "yes", "perhaps").status == "unreadable"


@pytest.mark.parametrize(
    ("text", "dims"),
    [
        ("(3, 4)", (3, 4)),
        ("3x4", (3, 4)),
        ("3×4", (3, 4)),
        ("[3,4]", (3, 4)),
        ("3, 4", (3, 4)),
        ("3 by 4", (3, 4)),
        ("(3,)", (3,)),
        ("3", (3,)),
        ("()", ()),
        ("2x1x5", (2, 1, 5)),
    ],
)
def test_shape_forms(text: str, dims: tuple[int, ...]) -> None:
    assert read_shape(text).dims == dims


def test_shape_error_and_order() -> None:
    assert verdict("shape", "error", "Error").correct
    assert not verdict("shape", "error", "(3, 4)").correct
    swapped = verdict("shape", "(3, 4)", "4x3")
    assert swapped.near_miss == "the right dimensions in the wrong order"
    bad = verdict("shape", "(3, 4)", "3x-4")
    assert bad.status == "unreadable"
    assert "^" in bad.error


@pytest.mark.parametrize(
    ("expected", "answer", "correct"),
    [
        ("[0, 1)", "[0, 1)", True),
        ("[0, 1)", "[0, 1]", False),
        ("[0, 1)", "]0, 1[", False),
        ("(0, 1)", "]0, 1[", True),
        ("(-oo, 2]", "(-inf, 2]", True),
        ("(-oo, 2]", "(−∞, 2]", True),
        ("[0, oo)", "[0, ∞)", True),
        ("[0, oo)", "[0, infinity)", True),
        ("[0, 1) U (2, 3]", "(2, 3] ∪ [0, 1)", True),
        ("[0, 1) U (2, 3]", "[0, 1)", False),
        ("[0, log(2)]", "[0, 0.693]", True),
        ("[0, log(2)]", "[0, ln(2)]", True),
        ("(-oo, oo)", "R", True),
        ("[0, 1)", "0 <= x < 1", True),
        ("[0, 1)", "0 ≤ x < 1", True),
        ("[0, 1)", "0 < x <= 1", False),
        ("(2, oo)", "x > 2", True),
        ("[2, oo)", "x >= 2", True),
        ("(-oo, 3]", "x ≤ 3", True),
        ("(-oo, 3]", "x < 3", False),
        ("(-oo, 0) U (1, oo)", "x < 0 or x > 1", True),
        ("(-oo, 0) U (1, oo)", "x < 0 ∪ (1, oo)", True),
    ],
)
def test_interval(expected: str, answer: str, correct: bool) -> None:
    assert verdict("interval", expected, answer).correct is correct


def test_interval_closedness_near_miss() -> None:
    assert verdict("interval", "[0, 1)", "[0, 1]").near_miss == "open/closed ends differ"


def test_interval_unreadable_endpoint_points_into_the_whole_text() -> None:
    result = verdict("interval", "[0, 1)", "[0, 1/)")
    assert result.status == "unreadable"
    echo, caret = result.error.splitlines()[-2:]
    assert echo == "[0, 1/)"
    assert caret.index("^") >= 4


# -- registry, parse_expected, render_reference -----------------------------------------------


def test_every_kind_describes_its_form() -> None:
    specs = {
        "number": "1/3",
        "expression": "x^2",
        "vector": "[1, 2]",
        "matrix": "[[1, 2], [3, 4]]",
        "set": "{1}",
        "multiset": "{1, 1}",
        "direction": "[1, 2]",
        "eigenpairs": "Matrix([[1, 0], [0, 2]])",
        "choice": "a",
        "boolean": "yes",
        "shape": "(3, 4)",
        "interval": "[0, 1)",
    }
    assert set(specs) == set(KINDS)
    for name, kind in KINDS.items():
        spec = make_spec(name, specs[name], variables=X, choices=OPTIONS)
        text = kind.describe_form(spec)
        assert isinstance(text, str)
        assert len(text) > 5


def test_number_form_mentions_figures() -> None:
    assert "3 significant figures" in KINDS["number"].describe_form(make_spec("number", "1/3"))


def test_parse_expected_rejects_what_does_not_fit() -> None:
    with pytest.raises(InputError):
        parse_expected("number", "x + 1", {"x": (-2.0, 2.0)})
    with pytest.raises(InputError):
        parse_expected("matrix", "{1, 2}")
    with pytest.raises(InputError):
        parse_expected("shape", "three by four")
    with pytest.raises(MathSyntaxError):
        parse_expected("expression", "x^", {"x": (-2.0, 2.0)})
    with pytest.raises(UsageError):
        parse_expected("colour", "red")


@pytest.mark.parametrize(
    ("kind", "expected", "style", "text"),
    [
        ("number", "1/3", "plain", "1/3"),
        ("vector", "[1, 2]", "plain", "[1, 2]"),
        ("matrix", "[[1, 2], [3, 4]]", "plain", "[[1, 2], [3, 4]]"),
        ("matrix", "[[1, 2], [3, 4]]", "latex", r"\begin{bmatrix}1 & 2 \\ 3 & 4\end{bmatrix}"),
        ("interval", "[0, oo)", "plain", "[0, oo)"),
        ("interval", "[0, oo)", "unicode", "[0, ∞)"),
        ("interval", "[0, 1) U (2, 3]", "latex", r"[0, 1) \cup (2, 3]"),
        ("shape", "(3, 4)", "plain", "(3, 4)"),
        ("shape", "error", "unicode", "error"),
        ("boolean", "no", "unicode", "no"),
    ],
)
def test_render_reference(kind: str, expected: str, style: str, text: str) -> None:
    assert render_reference(make_spec(kind, expected), style) == text


def test_render_reference_choice_shows_letter_and_text() -> None:
    assert render_reference(make_spec("choice", "tanh", choices=OPTIONS)) == "b) tanh"


def test_render_reference_every_style_for_every_kind() -> None:
    spec = make_spec("expression", "x^2/2", variables=X)
    for style in ("unicode", "plain", "latex", "pretty"):
        assert render_reference(spec, style)
    with pytest.raises(UsageError):
        render_reference(spec, "html")


def test_plain_read_as_reads_back_to_the_same_verdict() -> None:
    spec = make_spec("expression", "diff(sigmoid(x), x)", variables=X)
    first = judge(spec, "e^x/(1+e^x)^2")
    again = judge(spec, first.read_as_plain)
    assert first.correct
    assert again.correct


def test_blank_answer_is_unreadable_and_says_what_to_type() -> None:
    result = verdict("number", "1/3", "   ")
    assert result.status == "unreadable"
    assert "significant figures" in result.error


def test_verdict_dict_round_trip_and_validation() -> None:
    original = Verdict("wrong", "r", "a", "b", "m", "f", "n", None, ("note",))
    assert Verdict.from_dict(original.to_dict()) == original
    with pytest.raises(ValueError, match="status"):
        Verdict.from_dict({"status": "maybe", "reason": "r"})
    with pytest.raises(ValueError, match="notes"):
        Verdict.from_dict({"status": "wrong", "reason": "r", "notes": [1]})


def test_eigenpairs_reference_renders_as_pairs_that_check_correct() -> None:
    spec = make_spec("eigenpairs", "Matrix([[4, 1], [2, 3]])")
    text = render_reference(spec, "plain")
    assert text == "2: [-1, 2]; 5: [1, 1]"
    assert judge(spec, text).correct


@pytest.mark.parametrize(
    ("kind", "expected", "plain"),
    [("set", "{1, 3}", "{1, 3}"), ("multiset", "[2, 2, 3]", "{2, 2, 3}"), ("set", "{}", "{}")],
)
def test_set_references_render_in_braces_and_read_back(
    kind: str, expected: str, plain: str
) -> None:
    spec = make_spec(kind, expected)
    assert render_reference(spec, "plain") == plain
    assert judge(spec, plain).correct


def test_ragged_matrix_is_unreadable_with_row_lengths() -> None:
    result = verdict("matrix", "[[1, 2], [3, 4]]", "[[1, 2], [3]]")
    assert result.status == "unreadable"
    assert result.reason.startswith("the rows have different lengths (2, 1)")


def test_expression_rounding_doubt_is_settled_with_more_digits() -> None:
    # cosh(25)² − sinh(25)² = 1, but at 30 digits the cancellation leaves ~1e-9 of noise: the
    # 80-digit re-check must accept it, and must still reject a real 1e-9 difference.
    fine = verdict("expression", "x", "x*(cosh(25)^2 - sinh(25)^2)", variables=X)
    assert fine.correct
    assert fine.reason == "equal to the reference (confirmed at 80 digits)"
    assert not verdict("expression", "x", "x*(cosh(25)^2 - sinh(25)^2) + 1e-9", variables=X).correct


def test_expression_close_near_miss_mentions_decimals_only_when_typed() -> None:
    typed = verdict("expression", "x/3", "0.333x", variables=X)
    assert (
        typed.near_miss == "close but not within tolerance — use exact values, not rounded decimals"
    )
    exact = verdict("expression", "x/3", "333x/1000", variables=X)
    assert exact.near_miss == "close but not within tolerance"


def test_eigenpairs_value_without_vector_is_unreadable() -> None:
    result = verdict("eigenpairs", A, "λ = 2; 5: [1, 1]")
    assert result.status == "unreadable"
    assert "no eigenvector" in result.reason


def test_interval_read_as_shows_endpoints_as_typed() -> None:
    result = verdict("interval", "[0, log(2)]", "0 <= x <= 0.693")
    assert result.correct
    assert result.read_as_plain == "[0, 0.693]"
    assert verdict("interval", "[0, oo)", "[0, inf)").read_as == "[0, ∞)"


def test_reference_points_are_shared_by_answers_and_mistakes() -> None:
    """The points depend on the reference only, so every answer and mistake meets the same."""
    import sympy

    from mathdrill.answers import numeric

    x = sympy.Symbol("x")
    first = numeric.sample_points(x**2, x**2 + 1, ["x"], {}, allow_imaginary=False)
    again = numeric.sample_points(x**2, 3 * x, ["x"], {}, allow_imaginary=False)
    assert [s.point for s in first] == [s.point for s in again]
    other = numeric.sample_points(sympy.log(x), x, ["x"], {}, allow_imaginary=False)
    # log is undefined (not real) for x ≤ 0: the other reference gets its own valid points.
    assert all(s.point["x"] > 0 for s in other)
    assert all(abs(s.answer - (s.expected + 1)) < 1e-12 for s in first)


@pytest.mark.parametrize(
    ("variables", "example"),
    [
        ({"x": (-2.0, 2.0)}, "2*x*cos(x^2)"),
        ({"t": (0.0, 1.0)}, "2*t*cos(t^2)"),
        ({"x": (-1.0, 1.0), "y": (-1.0, 1.0)}, "2*x*cos(y^2)"),
        ({"w1": (-1.0, 1.0)}, "2*w1*cos(w1^2)"),
    ],
)
def test_expression_form_example_uses_the_problems_own_variables(variables, example) -> None:
    spec = make_spec("expression", "+".join(variables), variables=variables)
    form = KINDS["expression"].describe_form(spec)
    assert f"e.g. {example}" in form
    assert judge(spec, example).status in ("correct", "wrong")  # the example reads as typed


def test_expression_form_without_variables_shows_no_variable() -> None:
    spec = make_spec("expression", "2", variables={})
    form = KINDS["expression"].describe_form(spec)
    assert "x" not in form
    example = form.split("e.g. ")[1]
    assert judge(spec, example).status in ("correct", "wrong")
