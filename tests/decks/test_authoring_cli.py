"""``mathdrill deck check|preview|new`` in-process (typer's CliRunner): what an author reads."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mathdrill.cli.app import app

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


def invoke(tmp_path: Path, *args: str):
    env = {"MATHDRILL_HOME": str(tmp_path / "home"), "NO_COLOR": "1", "MATHDRILL_DB": ""}
    return CliRunner().invoke(app, list(args), env=env)


def summary(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_templates_that_do_not_load_count_as_failing(tmp_path: Path) -> None:
    # A key typo (anwser:) in each of three templates: none of them loads, none is checked.
    path = tmp_path / "typo.yaml"
    path.write_text(deck_text("typo", ["one", "two", "three"], "anwser"), encoding="utf-8")
    result = invoke(tmp_path, "deck", "check", str(path), "--samples", "5", "-j", "1")
    assert result.exit_code == 1, result.output
    assert "3 template(s) failing" in summary(result.output)
    assert "3 not loaded" in summary(result.output)


def test_a_deck_level_typo_counts_its_file_as_failing(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(
        deck_text("typo", ["one"]).replace("templates:", "tempaltes:"), encoding="utf-8"
    )
    result = invoke(tmp_path, "deck", "check", str(path), "--samples", "5", "-j", "1")
    assert result.exit_code == 1, result.output
    assert "in 1 file(s)" in summary(result.output)


def test_a_sound_and_a_broken_template_are_counted_apart(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(deck_text("good", ["one", "two"]), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(deck_text("bad", ["three"], "anwser"), encoding="utf-8")
    result = invoke(tmp_path, "deck", "check", str(good), str(bad), "--samples", "5", "-j", "1")
    assert result.exit_code == 1, result.output
    assert "1 template(s) failing" in summary(result.output)
    assert "in 1 file(s)" in summary(result.output)


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
