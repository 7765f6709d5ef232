"""Loading deck files: safe YAML, limits, and the schema's problems with their lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathdrill.decks import yamlsafe
from mathdrill.decks.loader import DeckReadError, load_deck, load_deck_file, parse_deck, read_bytes
from mathdrill.decks.yamlsafe import MAX_DECK_BYTES, MAX_DEPTH
from mathdrill.errors import DeckError

FIXTURES = Path(__file__).parent / "fixtures"
BAD = sorted((FIXTURES / "bad").glob("*.yaml"))
EXPECT = re.compile(r"^# (expect|check|read): (\d+): (.*)$")


def expectations(path: Path, kind: str) -> list[tuple[int, str]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EXPECT.match(line)
        if match and match.group(1) == kind:
            found.append((int(match.group(2)), match.group(3)))
    return found


def test_every_bad_fixture_declares_what_it_expects():
    assert len(BAD) >= 15
    for path in BAD:
        assert any(expectations(path, k) for k in ("expect", "check", "read")), path.name


@pytest.mark.parametrize(
    "path", [p for p in BAD if expectations(p, "expect")], ids=lambda p: p.stem
)
def test_load_time_problems_name_message_and_line(path: Path):
    _deck, problems = parse_deck(path.read_bytes(), str(path))
    rendered = [str(p) for p in problems]
    for line, message in expectations(path, "expect"):
        assert any(r.startswith(f"{path}:{line}: ") and message in r for r in rendered), (
            f"expected {line}: {message!r} in {rendered}"
        )
    # load_deck refuses the file and carries every problem at once.
    with pytest.raises(DeckError) as caught:
        load_deck(path.read_bytes(), str(path))
    assert len(caught.value.problems) == len(problems) >= len(expectations(path, "expect"))


@pytest.mark.parametrize("path", [p for p in BAD if expectations(p, "read")], ids=lambda p: p.stem)
def test_unreadable_files_are_a_read_error_with_line(path: Path):
    with pytest.raises(DeckReadError) as caught:
        parse_deck(path.read_bytes(), str(path))
    for line, message in expectations(path, "read"):
        assert any(p.startswith(f"{path}:{line}: ") and message in p for p in caught.value.problems)


def test_all_problems_of_a_file_are_reported_at_once():
    path = FIXTURES / "bad" / "unknown-key.yaml"
    _deck, problems = parse_deck(path.read_bytes(), str(path))
    assert [p.line for p in problems] == [6, 8, 12]


def test_good_fixture_and_builtin_deck_load_without_problems():
    for path in [FIXTURES / "good" / "features.yaml", Path("decks/derivatives.yaml")]:
        deck = load_deck_file(path)
        assert deck.templates
        assert all(len(t.fingerprint) == 16 for t in deck.templates)


def test_python_tag_is_never_executed(tmp_path: Path):
    marker = tmp_path / "pwned"
    text = (
        "deck: evil\ntitle: Evil\ntemplates:\n  - id: one\n    title: One\n    prompt: x\n"
        f'    solution: !!python/object/apply:os.system ["touch {marker}"]\n'
        "    answer: {kind: number, value: 1}\n"
    )
    _deck, problems = parse_deck(text, "evil.yaml")
    assert not marker.exists()
    assert [p.line for p in problems] == [7]
    assert "!!python/object/apply:os.system is not allowed" in problems[0].message


def test_billion_laughs_is_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    with pytest.raises(DeckReadError) as caught:
        parse_deck("\n".join(lines), "laughs.yaml")
    assert "expands to more than" in str(caught.value)


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "pure-python"])
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("loop.yaml", "deck: d\na: &a [*a]\n"),
        # Deeper than libyaml's own limit (1000) too: whichever limit fires first, the learner
        # sees mathdrill's refusal with the file and line, never PyYAML's exception.
        ("deep.yaml", "deck: d\na: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("shallow.yaml", "deck: d\na: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"),
    ],
)
def test_recursive_alias_and_deep_nesting_are_refused(
    name: str, text: str, fast: bool, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(yamlsafe, "_FAST", fast)
    with pytest.raises(DeckReadError) as caught:
        parse_deck(text, name)
    assert caught.value.exit_code == 2
    assert f"{name}:2: " in str(caught.value)  # located: the file and the line of the nesting


def test_non_utf8_and_oversized_files(tmp_path: Path):
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"deck: x\ntitle: caf\xe9\n")
    with pytest.raises(DeckReadError) as caught:
        parse_deck(read_bytes(latin), str(latin))
    assert f"{latin}:2: the file is not UTF-8" in str(caught.value)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * MAX_DECK_BYTES + b"\n")
    with pytest.raises(DeckReadError, match="deck files are limited to"):
        read_bytes(big)
    with pytest.raises(DeckReadError, match="no such deck file"):
        read_bytes(tmp_path / "missing.yaml")


def test_duplicate_keys_and_flow_mapping_commas_are_explained():
    text = (
        "deck: d\ntitle: T\ntitle: U\ntemplates:\n  - id: one\n    title: One\n"
        "    params: {a: integer(1, 5)}\n    prompt: '{a}'\n    answer: {kind: number, value: a}\n"
    )
    _deck, problems = parse_deck(text, "d.yaml")
    messages = [str(p) for p in problems]
    assert any(m.startswith("d.yaml:3: deck: key 'title' is given twice") for m in messages)
    assert any(m.startswith("d.yaml:7:") and "YAML splits {...} mappings" in m for m in messages)


def test_not_a_mapping_and_empty_templates():
    _deck, problems = parse_deck("- just\n- a list\n", "list.yaml")
    assert "a deck file must be a mapping" in problems[0].message
    _deck, problems = parse_deck("deck: d\ntitle: T\ntemplates: []\n", "empty.yaml")
    assert [(p.line, "'templates' is empty" in p.message) for p in problems] == [(3, True)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "deck: d\n",
                "title: T\n",
                "templates:\n",
                "  - id: one\n",
                "    title: One\n",
                "    prompt: '{a} {{b}} {c:latex}'\n",
                "    answer: {kind: number, value: a}\n",
                "    params:\n",
                "      a: integer(1, 9)\n",
                "      b: choice(1,\n",
                "&x [*x]\n",
                "- [\n",
                "key: !!binary aGk=\n",
                "'\n",
                ": :\n",
                "\t- x\n",
                "\x00\n",
                "~: ~\n",
                "    where: a > \n",
                "    let: {f: 1/0}\n",
                "    mistakes: [1, {value: 2}]\n",
            ]
        ),
        max_size=14,
    ),
    st.text(max_size=20),
)
def test_any_text_gives_problems_or_a_read_error_never_a_crash(pieces, noise):
    text = "".join(pieces) + noise
    try:
        _deck, problems = parse_deck(text, "fuzz.yaml")
    except DeckReadError as error:
        problems = error.problems
        assert problems
        return
    for problem in problems:
        assert problem.path == "fuzz.yaml"
        assert problem.message


SINGULAR_SOMETIMES = """\
deck: t
title: T
templates:
  - id: one
    title: One
    params:
      a: integer(0, 1)
    let:
      M: Matrix([[a, 0], [0, 1]])
      N: inv(M)
    prompt: '{N}'
    answer:
      kind: matrix
      value: N
"""


def test_seed_dependent_failures_are_left_to_deck_check():
    from mathdrill.decks.soundness import check_seed

    deck, problems = parse_deck(SINGULAR_SOMETIMES, "t.yaml")
    assert problems == []
    assert len(deck.templates) == 1
    results = [check_seed(deck.templates[0], seed) for seed in range(8)]
    failing = [r for r in results if r.problems]
    assert failing, "a = 0 makes M singular for some seed"
    assert all(r.problems[0][0] == 10 and "singular" in r.problems[0][1] for r in failing)
    assert len(failing) < len(results)


def test_keys_that_yaml_11_reads_as_booleans_stay_names():
    # Reported by a deck author: a let named `off` was refused as "name 'false' is reserved".
    text = (
        "deck: t\ntitle: T\ntemplates:\n  - id: q\n    title: Q\n    params:\n"
        "      on: integer(1, 3)\n    let:\n      off: on + 1\n"
        "    prompt: '{off} > {on}'\n    answer: {kind: number, value: off - on}\n"
    )
    from mathdrill.decks.generate import generate

    template = load_deck(text, "t.yaml").templates[0]
    assert [name for name, _ in template.params] == ["on"]
    assert [name for name, _ in template.let] == ["off"]
    high, low = generate(template, 1).prompt.split(" > ")
    assert int(high) == int(low) + 1
