"""``mathdrill deck check|preview|new`` in-process (typer's CliRunner): what an author reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from mathdrill.cli.app import app
from mathdrill.errors import MathdrillError

TEMPLATE = """\
  - id: {id}
    title: {id}
    params:
      a: integer(2, 9)
    prompt: What is {{a}} + 1?
    {answer_key}: {{kind: number, value: a + 1}}
"""


def deck_text(deck: str, ids: list[str], answer_key: str = "answer") -> str:
    body = "".join(TEMPLATE.format(id=i, answer_key=answer_key) for i in ids)
    return f"deck: {deck}\ntitle: {deck}\ntemplates:\n{body}"


@dataclass
class Outcome:
    exit_code: int
    output: str


def invoke(tmp_path: Path, *args: str) -> Outcome:
    """Run the command in-process; a mathdrill error becomes its exit code and message, as in
    :func:`mathdrill.cli.app.main`."""
    env = {"MATHDRILL_HOME": str(tmp_path / "home"), "NO_COLOR": "1", "MATHDRILL_DB": ""}
    result = CliRunner().invoke(app, list(args), env=env)
    if isinstance(result.exception, MathdrillError):
        error = result.exception
        return Outcome(error.exit_code, f"{result.output}mathdrill: {error}\n")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return Outcome(result.exit_code, result.output)


def summary(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_templates_that_do_not_load_count_as_failing(tmp_path: Path) -> None:
    # A key typo (anwser:) in each of three templates: none of them loads, none is checked.
    path = tmp_path / "typo.yaml"
    path.write_text(deck_text("typo", ["one", "two", "three"], "anwser"), encoding="utf-8")
    result = invoke(tmp_path, "deck", "check", str(path), "--samples", "5", "-j", "1")
    assert result.exit_code == 1, result.output
    assert "3 templates failing" in summary(result.output)
    assert "3 not loaded" in summary(result.output)


def test_a_deck_level_typo_counts_its_file_as_failing(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(
        deck_text("typo", ["one"]).replace("templates:", "tempaltes:"), encoding="utf-8"
    )
    result = invoke(tmp_path, "deck", "check", str(path), "--samples", "5", "-j", "1")
    assert result.exit_code == 1, result.output
    assert "in 1 file," in summary(result.output)


def test_a_sound_and_a_broken_template_are_counted_apart(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(deck_text("good", ["one", "two"]), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(deck_text("bad", ["three"], "anwser"), encoding="utf-8")
    result = invoke(tmp_path, "deck", "check", str(good), str(bad), "--samples", "5", "-j", "1")
    assert result.exit_code == 1, result.output
    assert "1 template failing" in summary(result.output)
    assert "in 1 file," in summary(result.output)


def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "quote.yaml"
    text = deck_text("quote", ["one"]).replace("title: one", 'title: "one')
    path.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '"one' in row)
    result = invoke(tmp_path, "deck", "check", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:{line}: not valid YAML" in result.output
    assert f"line {line}, column 12" in result.output


SAME = """\
deck: same
title: Same
templates:
  - id: one
    title: One
    symbols: [x]
    params:
      a: integer(-3, 3)
    prompt: Differentiate {a}x².
    answer: {kind: expression, value: 2*a*x}
    mistakes:
      - id: same-as-answer
        value: a*x*2
        feedback: Not really a mistake.
      - id: sometimes
        value: a*x
        feedback: The same as the answer when a = 0.
"""


def test_a_mistake_equal_to_the_reference_everywhere_is_not_a_where_matter(tmp_path) -> None:
    path = tmp_path / "same.yaml"
    path.write_text(SAME, encoding="utf-8")
    result = invoke(tmp_path, "deck", "check", str(path), "--samples", "40", "-j", "1")
    assert result.exit_code == 1, result.output
    always = next(line for line in result.output.splitlines() if "'same-as-answer'" in line)
    assert always.startswith(f"{path}:13: one: ")  # the mistake's line …
    assert "line 10" in always  # … and the answer's
    assert "every sample" in always
    assert "40 of 40" in always
    assert "where:" not in always
    sometimes = next(line for line in result.output.splitlines() if "'sometimes'" in line)
    assert sometimes.startswith(f"{path}:16: one: ")
    assert "where:" in sometimes
    assert "every sample" not in sometimes


def test_the_starter_deck_renders_its_own_solution_cleanly(tmp_path: Path) -> None:
    import json
    import re

    path = tmp_path / "starter.yaml"
    assert invoke(tmp_path, "deck", "new", str(path)).exit_code == 0
    text = path.read_text(encoding="utf-8")
    args = ("deck", "preview", "starter", "--decks", str(path), "-s", "0", "-n", "40", "--json")
    result = invoke(tmp_path, *args)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert any(r["vars"]["b"].startswith("-") for r in records)  # negative b is drawn
    for record in records:
        solution = record["solution"]
        assert "+ −" not in solution, solution
        assert "+ -" not in solution, solution
        assert not re.search(r"\d·\d+x", solution), solution  # "2·6x": a product half-rendered
        assert record["answer"].replace("*", "·").replace("-", "−") in solution, solution
    # The template's title names what is differentiated: a quadratic polynomial, not a product.
    title = next(line for line in text.splitlines() if line.startswith("    title:"))
    assert "quadratic" in title.lower()
    assert "product" not in title.lower()


BROKEN_ELSEWHERE = """\
deck: elsewhere
title: Elsewhere
templates:
  - id: one
    title: One
    params:
      a: integer(2, 9)
    let:
      b: a + no_such_name
    prompt: What is {b}?
    answer: {kind: number, value: b}
"""


def test_preview_evaluates_only_the_deck_it_shows(tmp_path: Path) -> None:
    # Another of the learner's decks has an expression only evaluation finds wrong. A preview
    # of a different deck evaluates that deck alone (what made it slower than `deck check`),
    # so it neither pays for nor warns about the other one.
    user = tmp_path / "home" / "decks"
    user.mkdir(parents=True)
    (user / "elsewhere.yaml").write_text(BROKEN_ELSEWHERE, encoding="utf-8")
    mine = tmp_path / "mine.yaml"
    mine.write_text(deck_text("mine", ["one", "two"]), encoding="utf-8")
    result = invoke(tmp_path, "deck", "preview", "mine/two", "--decks", str(mine), "-s", "4")
    assert result.exit_code == 0, result.output
    assert "── mine/two  seed 4" in result.output
    assert "no_such_name" not in result.output
    assert "elsewhere" not in result.output
    # Previewing the broken deck itself reports its problem with file and line.
    broken = invoke(tmp_path, "deck", "preview", "elsewhere", "-s", "1")
    assert broken.exit_code == 2
    assert f"{user / 'elsewhere.yaml'}:9" in broken.output
    assert "no_such_name" in broken.output


def test_preview_of_an_unknown_deck_lists_the_known_ones(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(deck_text("mine", ["one"]), encoding="utf-8")
    result = invoke(tmp_path, "deck", "preview", "nope", "--decks", str(mine))
    assert result.exit_code == 2
    message = result.output
    assert "no deck 'nope'" in message
    assert "mine" in message
    assert "derivatives" in message
    missing = invoke(tmp_path, "deck", "preview", "mine/zzz", "--decks", str(mine))
    assert missing.exit_code == 2
    assert "has no template 'zzz'" in missing.output


def test_preview_refuses_a_deck_id_defined_twice(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(deck_text("twice", ["one"]), encoding="utf-8")
    second.write_text(deck_text("twice", ["two"]), encoding="utf-8")
    result = invoke(
        tmp_path, "deck", "preview", "twice", "--decks", str(first), "--decks", str(second)
    )
    assert result.exit_code == 2
    assert "'twice'" in result.output
    assert str(second) in result.output


def test_preview_renders_markdown_emphasis(tmp_path: Path) -> None:
    path = tmp_path / "odds.yaml"
    text = deck_text("odds", ["one"]).replace("What is {a} + 1?", "Give the *odds* of {a}·2*x*3.")
    path.write_text(text, encoding="utf-8")
    args = ("deck", "preview", "odds", "--decks", str(path), "-s", "1", "--answers")
    plain = invoke(tmp_path, *args)
    assert plain.exit_code == 0, plain.output
    assert "Give the odds of " in plain.output
    assert "·2*x*3." in plain.output  # a product is not emphasis
    env = {"FORCE_COLOR": "1"}
    styled = CliRunner().invoke(app, list(args), env={"MATHDRILL_HOME": str(tmp_path), **env})
    assert "\x1b[3modds\x1b[0m" in styled.output
