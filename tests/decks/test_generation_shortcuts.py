"""Shortcuts in generation must give exactly the instances (and errors) of the full reading."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mathdrill.decks import generate as generation
from mathdrill.decks import load_deck, load_deck_file
from mathdrill.decks.generate import GenerationError, generate
from mathdrill.decks.model import Expr

FIXTURES = Path(__file__).parent / "fixtures"
FEATURES = load_deck_file(FIXTURES / "good" / "features.yaml")
DERIVATIVES = load_deck_file(Path("decks/derivatives.yaml"))
TEMPLATES = [*FEATURES.templates, *DERIVATIVES.templates[:8]]


def one_template(body: str) -> object:
    text = "deck: t\ntitle: T\ntemplates:\n" + body
    return load_deck(text, "t.yaml").templates[0]


def _full_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Disable the direct sampler calls: every parameter is read in full."""
    monkeypatch.setattr(generation, "_sampler_call", lambda template, expr: None)
    monkeypatch.setattr(generation, "_plans", lambda template: [None] * len(template.params))


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.key for t in TEMPLATES])
def test_direct_sampler_calls_draw_the_same_instances(template, monkeypatch) -> None:
    fast = [generate(template, seed).to_json() for seed in range(12)]
    _full_reading(monkeypatch)
    assert [generate(template, seed).to_json() for seed in range(12)] == fast


def test_constant_sampler_calls_are_read_once(monkeypatch) -> None:
    template = one_template(
        "  - id: q\n    title: Q\n    params:\n      a: integer(2, 9)\n"
        "      b: integer(-6, 6, nonzero)\n      c: integer(1, a)\n"
        "    prompt: '{a} {b} {c}'\n    answer:\n      kind: number\n      value: a + b + c\n"
    )
    generate(template, 0)
    read: list[str] = []
    real = generation._evaluate

    def counting(template, expr, names, seed, functions=None):
        read.append(expr.text)
        return real(template, expr, names, seed, functions)

    monkeypatch.setattr(generation, "_evaluate", counting)
    instance = generate(template, 5)
    # a and b are drawn directly; c depends on a and is read in full, as is the answer.
    assert read == ["integer(1, a)", "a + b + c"]
    a, b, c = (int(instance.vars[name]) for name in "abc")
    assert 2 <= a <= 9
    assert b != 0
    assert 1 <= c <= a


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("integer(9, 2)", "params.a"),
        ("integer(1, 5, bogus=3)", "params.a"),
        ("choice()", "params.a"),
    ],
)
def test_failing_sampler_calls_fail_as_before(expression, fragment, monkeypatch) -> None:
    # The loader's trial generation would refuse these decks, so the bad parameter is put into
    # a loaded template directly.
    good = one_template(
        "  - id: q\n    title: Q\n    params:\n      a: integer(1, 5)\n"
        "    prompt: '{a}'\n    answer:\n      kind: number\n      value: a\n"
    )
    template = replace(good, params=(("a", Expr(expression, 5, "params.a")),))
    with pytest.raises(GenerationError) as fast:
        generate(template, 3)
    _full_reading(monkeypatch)
    with pytest.raises(GenerationError) as full:
        generate(template, 3)
    assert fragment in str(fast.value)
    assert (str(fast.value), fast.value.stage) == (str(full.value), full.value.stage)


def test_an_expression_around_a_sampler_call_is_read_in_full() -> None:
    # The loader only accepts bare sampler calls in params:; the generator must not rely on it.
    good = one_template(
        "  - id: q\n    title: Q\n    params:\n      a: integer(1, 5)\n"
        "    prompt: '{a}'\n    answer:\n      kind: number\n      value: a\n"
    )
    doubled, wrapped = (
        Expr("2*integer(1, 3)", 5, "params.a"),
        Expr("(integer(1, 3))", 6, "params.b"),
    )
    template = replace(good, params=(("a", doubled), ("b", wrapped)))
    assert generation._sampler_call(template, doubled) is None
    assert generation._sampler_call(template, wrapped) is not None
    values = {int(generate(template, seed).vars["a"]) for seed in range(20)}
    assert values <= {2, 4, 6}
    assert len(values) > 1


def test_derived_values_are_remembered_by_the_values_they_read(monkeypatch) -> None:
    template = one_template(
        "  - id: q\n    title: Q\n    symbols: [x]\n    params:\n      a: integer(2, 3)\n"
        "      b: integer(1, 50)\n    let:\n      f: sin(a*x)\n      g: diff(f, x)\n"
        "    prompt: '{g} {b}'\n    answer:\n      kind: expression\n      value: g + b\n"
    )
    generation._VALUES.clear()
    read: list[str] = []
    real = generation._math

    class Counting:
        def __getattr__(self, name):
            return getattr(real(), name)

        def parse_author(self, text, **kwargs):
            read.append(text)
            return real().parse_author(text, **kwargs)

    monkeypatch.setattr(generation, "_math", Counting)
    instances = [generate(template, seed) for seed in range(30)]
    # f and g depend on a only (two values): each is read twice; the answer reads b too.
    assert read.count("sin(a*x)") == 2
    assert read.count("diff(f, x)") == 2
    assert read.count("g + b") == len({(i.vars["a"], i.vars["b"]) for i in instances})
    monkeypatch.setattr(generation, "_math", real)
    generation._VALUES.clear()
    assert [generate(template, seed).to_json() for seed in range(30)] == [
        i.to_json() for i in instances
    ]


def test_an_undefined_value_fails_every_time_it_is_drawn() -> None:
    good = one_template(
        "  - id: q\n    title: Q\n    params:\n      a: integer(1, 5)\n"
        "    prompt: '{a}'\n    answer:\n      kind: number\n      value: a\n"
    )
    broken = replace(
        good,
        params=(("a", Expr("integer(0, 0)", 5, "params.a")),),
        let=(("r", Expr("1/a", 6, "let.r")),),
    )
    for _ in range(2):
        with pytest.raises(GenerationError, match=r"let\.r"):
            generate(broken, 1)


def test_matrix_values_key_by_their_entries() -> None:
    import sympy

    from mathdrill.decks.generate import params_key

    def key(rows):
        return params_key({"A": sympy.ImmutableMatrix(rows)})

    assert key([[1, 2], [3, 4]]) == key([[1, 2], [3, 4]])
    assert key([[1, 2], [3, 4]]) != key([[1, 2], [3, 5]])
    assert key([[1, 2]]) != key([[1, 2.0]])  # an integer entry is not a decimal one
    assert key([[1, 2]]) != key([[1], [2]])  # nor is a row a column
    assert hash(key([[1, 2], [3, 4]])) == hash(key([[1, 2], [3, 4]]))


def test_undefined_values_are_found_in_every_kind_of_value() -> None:
    import sympy

    from mathdrill.decks.generate import undefined
    from mathdrill.mathlang.values import Sequence

    x = sympy.Symbol("x")
    for _ in range(2):  # and again, from what was remembered
        assert undefined(sympy.zoo)
        assert undefined(x + sympy.oo)
        assert undefined(-sympy.oo * x)
        assert undefined(sympy.ImmutableMatrix([[1, sympy.nan]]))
        assert undefined(sympy.Matrix([[1, sympy.zoo]]))
        assert undefined(Sequence((sympy.Integer(1), sympy.oo), "["))
        assert not undefined(sympy.Integer(3))
        assert not undefined(sympy.sin(x) / (x + 1))
        assert not undefined(sympy.ImmutableMatrix([[1, x]]))
