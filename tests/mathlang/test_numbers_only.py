"""Integers and fractions in lists are read directly, with the full path's reading every time."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathdrill.errors import MathSyntaxError
from mathdrill.mathlang import parse, parser
from mathdrill.mathlang.limits import LEARNER_LIMITS, Limits
from mathdrill.mathlang.values import Sequence, SetLiteral

SPACE = st.sampled_from(["", "", " ", "  "])
DIGITS = st.from_regex(r"[0-9]{1,3}", fullmatch=True) | st.sampled_from(["0", "00", "10" * 8])


@st.composite
def scalars(draw) -> str:
    text = draw(SPACE) + draw(st.sampled_from(["", "", "-", "- ", "--", "+"])) + draw(DIGITS)
    if draw(st.booleans()):
        text += draw(SPACE) + draw(st.sampled_from(["/", "/", "/-", "*"])) + draw(SPACE)
        text += draw(DIGITS)
    return text + draw(SPACE)


def _bracketed(items: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(
        st.lists(items, min_size=0, max_size=4), st.sampled_from([",", ", ", " ,", ",,"])
    ).map(lambda t: "[" + t[1].join(t[0]) + "]")


TEXTS = (
    scalars()
    | _bracketed(scalars())
    | _bracketed(_bracketed(scalars()))
    | _bracketed(scalars()).map(lambda t: "{" + t[1:-1] + "}")
    | _bracketed(_bracketed(scalars())).map(lambda t: "{" + t[1:-1] + "}")
    | st.text(alphabet="0123456789-/[]{}, .x", min_size=1, max_size=20)
)


def _reading(text: str, limits: Limits, direct: bool) -> tuple:
    real = parser._numbers_only
    if not direct:
        parser._numbers_only = lambda *args: None
    try:
        parsed = parser._read(
            text,
            author=False,
            symbols=("x",),
            names={},
            functions=parser.LEARNER_FUNCTIONS,
            allow_imaginary=False,
            limits=limits,
        )
    except MathSyntaxError as error:
        return ("error", type(error).__name__, error.message, error.start, error.end)
    finally:
        parser._numbers_only = real
    return ("read", parsed, _types(parsed.value))


def _types(value: object) -> object:
    if isinstance(value, Sequence):
        return (value.bracket, tuple(_types(v) for v in value.items))
    if isinstance(value, SetLiteral):
        return ("{", tuple(_types(v) for v in value.items))
    return type(value).__name__


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_direct_reading_is_the_full_reading(text: str) -> None:
    assert _reading(text, LEARNER_LIMITS, True) == _reading(text, LEARNER_LIMITS, False)


@pytest.mark.parametrize(
    "limits",
    [
        Limits(max_nodes=6),
        Limits(max_depth=4),
        Limits(max_int_digits=3),
        Limits(max_length=5),
        Limits(max_number_digits=10),
    ],
)
@pytest.mark.parametrize(
    "text", ["[[1, 2], [3, 4]]", "-1234/5", "[-1/2, 3, 4]", "12345678", "[[[1]]]"]
)
def test_tight_limits_are_met_as_before(text: str, limits: Limits) -> None:
    assert _reading(text, limits, True) == _reading(text, limits, False)


@pytest.mark.parametrize(
    "text",
    ["-3/4", "[1, -2/3]", "[[1, 0], [0, 1]]", " 7 ", "- 12 / 8", "0/5", "[[ -1 ,2]]", "{1, -2/4}"],
)
def test_numbers_and_lists_take_the_direct_way(text: str, monkeypatch) -> None:
    full = _reading(text, LEARNER_LIMITS, False)
    calls = []
    monkeypatch.setattr(parser, "lex_plain", lambda *args: calls.append(args))
    parser._PARSED.clear()
    parsed = parse(text, symbols=("x",))
    assert calls == []  # never lexed: read directly
    assert ("read", parsed, _types(parsed.value)) == full


@pytest.mark.parametrize(
    "text", ["1/0", "[1, 2/0]", "3/-4", "2x", "[1, 2,]", "1.5", "1e3", "{}", "{[1]}", "[{1}]"]
)
def test_anything_else_takes_the_full_way(text: str) -> None:
    assert parser._numbers_only(text, LEARNER_LIMITS) is None


def test_remembered_literals_keep_their_place_and_limits() -> None:
    from mathdrill.errors import LimitExceededError
    from mathdrill.mathlang.lexer import number_literal

    first = number_literal("12345", 0, "12345", LEARNER_LIMITS)
    moved = number_literal("12345", 3, "x + 12345", LEARNER_LIMITS)
    assert (first.start, moved.start) == (0, 3)
    assert number_literal("12345", 0, "12345", LEARNER_LIMITS) == first
    with pytest.raises(LimitExceededError):
        number_literal("12345", 0, "12345", Limits(max_int_digits=4))
    with pytest.raises(LimitExceededError):
        number_literal("2e5", 0, "2e5", Limits(max_decimal_exponent=4))
    assert number_literal("2e5", 0, "2e5", LEARNER_LIMITS).value == 200000


def test_a_reading_built_field_by_field_is_the_dataclass_one() -> None:
    import dataclasses

    from mathdrill.mathlang.values import Parsed, make_parsed

    literal = parse("0.5").numbers[0]
    args = ("v", "0.5", (literal,), True, False, ("a note",))
    built, plain = make_parsed(*args), Parsed(*args)
    assert built == plain
    assert hash(built) == hash(plain)
    assert repr(built) == repr(plain)
    assert dataclasses.astuple(built) == dataclasses.astuple(plain)
    assert dataclasses.replace(built, text="x") == dataclasses.replace(plain, text="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.text = "y"  # type: ignore[misc]
