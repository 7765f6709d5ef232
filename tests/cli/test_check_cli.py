"""``mathdrill check`` end to end, in process (its checking worker is a real process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_correct_expression_exits_zero_and_echoes_reading(md) -> None:
    done = md(
        "check",
        "--kind",
        "expression",
        "--expected",
        "diff(sin(x^2), x)",
        "--answer",
        "2x cos(x^2)",
        "--var",
        "x",
    )
    assert done.returncode == 0, done.stderr
    assert "correct" in done.stdout
    assert "read as:" in done.stdout


def test_wrong_answer_exits_one(md) -> None:
    done = md(
        "check",
        "--kind",
        "expression",
        "--expected",
        "diff(sin(x^2), x)",
        "--answer",
        "cos(x^2)",
        "--var",
        "x",
    )
    assert done.returncode == 1
    assert "not correct" in done.stdout


def test_unreadable_answer_exits_two_with_caret(md) -> None:
    done = md("check", "--kind", "number", "--expected", "1/3", "--answer", "1/*3", "--json")
    assert done.returncode == 2
    result = json.loads(done.stdout)
    assert result["status"] == "unreadable"
    assert result["correct"] is False
    assert "^" in result["error"]


def test_bad_expected_is_a_usage_error_with_caret(md) -> None:
    done = md("check", "--kind", "number", "--expected", "1/+", "--answer", "1")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "^" in done.stderr


def test_unknown_kind_and_bad_var_are_usage_errors(md) -> None:
    kind = md("check", "--kind", "colour", "--expected", "1", "--answer", "1")
    assert kind.returncode == 2
    assert "unknown answer kind" in kind.stderr
    var = md("check", "--kind", "number", "--expected", "1", "--answer", "1", "--var", "x=2:1")
    assert var.returncode == 2
    assert "LO < HI" in var.stderr


def test_json_verdict_fields(md) -> None:
    done = md("check", "--kind", "number", "--expected", "1/3", "--answer", "0.33", "--json")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["correct"] is False
    assert set(result) >= {"correct", "status", "reason", "read_as", "mistake", "duration_ms"}
    assert isinstance(result["duration_ms"], float)


def test_batch_from_stdin_survives_bad_lines(md) -> None:
    lines = [
        {"id": 1, "kind": "number", "expected": "1/3", "answer": "0.3333", "vars": {}},
        "this is not json",
        {"id": 3, "kind": "expression", "expected": "x^2", "answer": "x*x", "vars": {"x": [-2, 2]}},
        {"id": 4, "kind": "nonsense", "expected": "1", "answer": "1"},
        {"id": 5, "kind": "number", "expected": "1/3", "answer": "1/*3"},
        {"id": 6, "kind": "expression", "expected": "x^2", "answer": "x^2+1e-9", "vars": ["x"]},
    ]
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    done = md("check", "--batch", "-", stdin=text)
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == 6
    assert results[0]["id"] == 1
    assert results[0]["correct"] is True
    assert "error" in results[1]
    assert results[1]["line"] == 2
    assert results[2]["correct"] is True
    assert "unknown answer kind" in results[3]["error"]
    assert results[4]["status"] == "unreadable"
    assert results[5]["correct"] is False
    assert all("duration_ms" in r for r in results if "error" not in r)


def test_batch_file_missing_is_a_clear_error(md, tmp_path) -> None:
    done = md("check", "--batch", str(tmp_path / "nope.jsonl"))
    assert done.returncode == 2
    assert "cannot read batch file" in done.stderr
    assert "Traceback" not in done.stderr


def test_debug_shows_the_traceback(md, tmp_path) -> None:
    done = md("--debug", "check", "--batch", str(tmp_path / "nope.jsonl"))
    assert done.returncode != 0
    assert "Traceback" in done.stderr


@pytest.mark.slow
def test_the_whole_corpus_through_the_batch_command(md) -> None:
    """The labelled corpus, fed to `check --batch` as it is, gets every label right."""
    corpus = Path(__file__).resolve().parents[1] / "answers" / "corpus.jsonl"
    cases = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    done = md("check", "--batch", str(corpus))
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in results] == [c["id"] for c in cases]
    for case, result in zip(cases, results, strict=True):
        assert "line" not in result, result
        assert result["correct"] is case["correct"], (case, result)
        if case.get("mistake"):
            assert result["mistake"] == case["mistake"], (case, result)
        # How long a check takes is bench/'s business; here only that it is reported.
        assert isinstance(result["duration_ms"], float)
        assert result["duration_ms"] >= 0


def test_batch_rejects_misspelt_fields_but_ignores_labels(md) -> None:
    lines = [
        {
            "id": "a",
            "kind": "number",
            "expected": "1/2",
            "answer": "0.5",
            "correct": True,
            "note": "labels are ignored",
        },
        {"id": "b", "kind": "number", "expected": "1/2", "answr": "0.5"},
        {
            "id": "c",
            "kind": "number",
            "expected": "1/2",
            "answer": "1",
            "mistakes": [{"name": "one", "value": "1", "feedback": "Not one."}],
        },
    ]
    done = md("check", "--batch", "-", stdin="\n".join(json.dumps(x) for x in lines))
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert results[0]["correct"] is True
    assert "unknown field(s) answr" in results[1]["error"]
    assert results[1]["id"] == "b"  # a rejected line keeps the id it carries
    assert results[2]["mistake"] == "one"
    assert results[2]["feedback"] == "Not one."


def test_a_rejected_line_keeps_its_id_whenever_it_can_be_read(md) -> None:
    lines = [
        '{"id": "q5", "kind": "number", "expected": "1", "answer": 2}',
        '{"id": ["a", 1], "kind": "number", "expected": "1"}',
        "[1, 2]",
        '{"id": "q8", "kind": ',
    ]
    done = md("check", "--batch", "-", stdin="\n".join(lines))
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in results] == ["q5", ["a", 1], None, None]
    assert [r["line"] for r in results] == [1, 2, 3, 4]
    assert all("error" in r for r in results)


ENDLESS = "integrate(exp(-x^2)*sin(x)^5*log(x+1), x)"  # sympy runs for minutes on this


@pytest.mark.slow
def test_an_endless_expected_answer_is_bounded_and_refused(md) -> None:
    done = md("check", "--kind", "expression", "--expected", ENDLESS, "--answer", "x", "--var", "x")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "more than 2 s of CPU time" in done.stderr


@pytest.mark.slow
def test_an_endless_expected_answer_in_a_batch_costs_one_line_only(md) -> None:
    lines = [
        {"id": "slow", "kind": "expression", "expected": ENDLESS, "answer": "x", "vars": ["x"]},
        {"id": "fine", "kind": "number", "expected": "1/4", "answer": "0.25"},
    ]
    done = md("check", "--batch", "-", stdin="".join(json.dumps(x) + "\n" for x in lines))
    assert done.returncode == 0, done.stderr
    slow, fine = (json.loads(line) for line in done.stdout.splitlines())
    assert slow["id"] == "slow"
    assert "CPU time" in slow["error"]
    assert fine["id"] == "fine"
    assert fine["correct"] is True


# ------------------------------------------------------------------ check --card (issue 19)

CARD_DECK = """\
deck: card-check
title: Cards for check --card
templates:
  - id: negate
    title: Negate
    params:
      a: integer(2, 9)
    prompt: What is -{a}?
    answer: {kind: number, value: -a}
    mistakes:
      - {id: sign-error, value: a, feedback: Mind the sign.}
"""


def test_card_judges_the_decks_instance_as_the_drill_does(md) -> None:
    from mathdrill.answers import judge
    from mathdrill.decks.generate import generate
    from mathdrill.decks.loader import load_deck_file

    repo = Path(__file__).resolve().parents[2]
    template = load_deck_file(repo / "decks" / "derivatives.yaml").template("chain-rule-sin")
    instance = generate(template, 3)
    for answer in (instance.answer_plain, "cos(8x^2 - 5x)", "1 +"):
        done = md(
            "check",
            "--card",
            "derivatives/chain-rule-sin",
            "--seed",
            "3",
            "--answer",
            answer,
            "--json",
            "--timeout",
            "30",  # a loaded test machine must not turn a verdict into "undecided"
        )
        result = json.loads(done.stdout)
        expected = judge(instance.spec, answer)
        assert (result["card"], result["seed"]) == ("derivatives/chain-rule-sin", 3)
        assert (result["status"], result["mistake"]) == (expected.status, expected.mistake)
        assert done.returncode == {"correct": 0, "wrong": 1, "unreadable": 2}[expected.status]


def test_card_from_a_deck_file_names_the_mistake(md, tmp_path: Path) -> None:
    deck = tmp_path / "cards.yaml"
    deck.write_text(CARD_DECK, encoding="utf-8")
    from mathdrill.decks.generate import generate
    from mathdrill.decks.loader import load_deck_file

    a = generate(load_deck_file(deck).template("negate"), 5).values["a"]
    right = md(
        "check",
        "--card",
        "card-check/negate",
        "--seed",
        "5",
        "--decks",
        str(deck),
        "--answer",
        f"-{a}",
    )
    assert right.returncode == 0, right.stdout + right.stderr
    assert right.stdout.startswith("card-check/negate  seed 5\n✓ correct")
    wrong = md(
        "check",
        "--card",
        "card-check/negate",
        "--seed",
        "5",
        "--decks",
        str(deck),
        "--answer",
        f"{a}",
    )
    assert wrong.returncode == 1
    assert "mistake: sign-error" in wrong.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--card", "derivatives/chain-rule-sin", "--answer", "1"], "--card needs --seed"),
        (["--card", "derivatives/chain-rule-sin", "--seed", "1"], "--card needs --seed"),
        (["--card", "derivatives", "--seed", "1", "--answer", "1"], "write DECK/TEMPLATE"),
        (["--card", "derivatives/nope", "--seed", "1", "--answer", "1"], "no template 'nope'"),
        (
            [
                "--card",
                "derivatives/chain-rule-sin",
                "--seed",
                "1",
                "--answer",
                "1",
                "-k",
                "number",
            ],
            "drop --kind",
        ),
        (["-k", "number", "-e", "1", "-a", "1", "--seed", "2"], "go with --card"),
    ],
)
def test_card_usage_errors_exit_two(md, args: list[str], message: str) -> None:
    done = md("check", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
