"""``mathdrill deck ...`` in process: output and exit codes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mathdrill.decks.loader import load_deck_file
from tests.inprocess import Ran, invoke

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "bad"


def run(*args: str, home: Path, cwd: Path | None = None) -> Ran:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MATHDRILL_HOME": str(home)}
    return invoke(list(args), env, cwd or home)


def test_list_and_show(tmp_path: Path):
    listed = run("deck", "list", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("derivatives "))
    count = len(load_deck_file(REPO / "decks" / "derivatives.yaml").templates)
    assert row.split()[1:3] == [str(count), "built-in"]
    shown = run("deck", "show", "derivatives", home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "derivatives/chain-rule-sin — Chain rule, sine of a quadratic" in shown.stdout
    assert "requires: power-rule" in shown.stdout
    missing = run("deck", "show", "no-such-deck", home=tmp_path)
    assert missing.returncode == 2
    assert "no deck 'no-such-deck'" in missing.stderr


def test_preview_json_is_deterministic_and_its_answer_checks_correct(tmp_path: Path):
    args = ("deck", "preview", "derivatives/chain-rule-sin", "--seed", "11", "--count", "3")
    first = run(*args, "--json", home=tmp_path)
    again = run(*args, "--json", home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout
    records = [json.loads(line) for line in first.stdout.splitlines()]
    assert [r["seed"] for r in records] == [11, 12, 13]
    from mathdrill.answers import judge
    from mathdrill.decks.generate import generate

    template = load_deck_file(REPO / "decks" / "derivatives.yaml").template("chain-rule-sin")
    for record in records:
        assert set(record) >= {"deck", "template", "seed", "prompt", "kind", "vars", "answer"}
        spec = generate(template, record["seed"]).spec
        assert judge(spec, record["answer"]).status == "correct"
    text = run(*args, "--answers", home=tmp_path)
    assert text.returncode == 0
    assert text.stdout.count("── derivatives/chain-rule-sin  seed") == 3
    assert "mistake dropped-inner-derivative:" in text.stdout


def test_check_sound_deck_exits_0(tmp_path: Path):
    result = run(
        "deck",
        "check",
        str(FIXTURES / "good" / "features.yaml"),
        "--samples",
        "25",
        home=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "12 templates checked, 25 samples each" in result.stdout
    assert result.stdout.rstrip().endswith("all sound")


def check_expectations(path: Path) -> list[tuple[int, str]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# check: "):
            number, message = line.removeprefix("# check: ").split(": ", 1)
            found.append((int(number), message))
    return found


@pytest.mark.parametrize(
    "path", [p for p in sorted(BAD.glob("*.yaml")) if check_expectations(p)], ids=lambda p: p.stem
)
def test_check_reports_unsound_templates_with_exit_1(tmp_path: Path, path: Path):
    result = run("deck", "check", str(path), "--samples", "30", home=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    for line, message in check_expectations(path):
        assert any(
            out.startswith(f"{path}:{line}: one: ") and message in out
            for out in result.stdout.splitlines()
        ), (line, message, result.stdout)


def test_check_load_problems_exit_1_and_unreadable_exit_2(tmp_path: Path):
    problems = run("deck", "check", str(BAD / "unknown-key.yaml"), home=tmp_path)
    assert problems.returncode == 1
    assert f"{BAD / 'unknown-key.yaml'}:6: deck: unknown key 'descripton'" in problems.stdout
    unreadable = run(
        "deck",
        "check",
        str(BAD / "not-yaml.yaml"),
        str(FIXTURES / "good"),
        "--samples",
        "5",
        home=tmp_path,
    )
    assert unreadable.returncode == 2
    assert f"{BAD / 'not-yaml.yaml'}:3: not valid YAML" in unreadable.stdout
    missing = run("deck", "check", str(tmp_path / "nope.yaml"), home=tmp_path)
    assert missing.returncode == 2
    assert "no such deck file" in missing.stdout


def test_check_json_report(tmp_path: Path):
    result = run(
        "deck",
        "check",
        str(BAD / "division-by-zero.yaml"),
        "--samples",
        "20",
        "--json",
        home=tmp_path,
    )
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["exit_code"] == 1
    assert report["problems"][0]["line"] == 10
    assert report["problems"][0]["template"] == "one"
    assert report["templates"][0]["samples"] == 20
    assert {"median_ms", "p95_ms", "max_ms"} <= set(report["templates"][0])


def test_new_deck_passes_check_and_is_never_overwritten(tmp_path: Path):
    target = tmp_path / "my-deck.yaml"
    created = run("deck", "new", str(target), home=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "deck: my-deck" in target.read_text(encoding="utf-8")
    checked = run("deck", "check", str(target), "--samples", "40", home=tmp_path)
    assert checked.returncode == 0, checked.stdout
    before = target.read_text(encoding="utf-8")
    again = run("deck", "new", str(target), home=tmp_path)
    assert again.returncode == 2
    assert "already exists" in again.stderr
    assert target.read_text(encoding="utf-8") == before


def test_user_decks_and_duplicate_ids(tmp_path: Path):
    user = tmp_path / "decks"
    user.mkdir()
    shutil.copy(FIXTURES / "good" / "features.yaml", user / "features.yaml")
    listed = run("deck", "list", home=tmp_path)
    assert listed.returncode == 0
    row = next(line for line in listed.stdout.splitlines() if line.startswith("features "))
    assert row.split()[1:3] == ["12", "user"]
    shutil.copy(REPO / "decks" / "derivatives.yaml", user / "copy.yaml")
    clash = run("deck", "list", home=tmp_path)
    assert clash.returncode == 2
    assert "deck id 'derivatives' is defined twice" in clash.stderr
    assert str(user / "copy.yaml") in clash.stderr


def test_decks_option_and_schema(tmp_path: Path):
    given = run("deck", "show", "features", "--decks", str(FIXTURES / "good"), home=tmp_path)
    assert given.returncode == 0
    assert "from: --decks" in given.stdout
    schema = run("deck", "schema", home=tmp_path)
    assert schema.returncode == 0
    data = json.loads(schema.stdout)
    assert data["$schema"].startswith("https://json-schema.org/")
    assert set(data["required"]) == {"deck", "title", "templates"}
    template = data["$defs"]["template"]
    assert "expected_seconds" in template["properties"]
    assert template["additionalProperties"] is False


def test_every_command_has_help(tmp_path: Path):
    for command in ("list", "show", "preview", "check", "new", "schema"):
        result = run("deck", command, "--help", home=tmp_path)
        assert result.returncode == 0
        assert len(result.stdout.strip()) > 80, command


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: " + "[" * 5000 + "]" * 5000 + "\n"])
def test_check_refuses_a_too_deep_file_with_its_line_and_no_traceback(tmp_path: Path, text: str):
    deep = tmp_path / "deep.yaml"
    deep.write_text("deck: deep\n" + text, encoding="utf-8")
    result = run("deck", "check", str(deep), home=tmp_path)
    assert result.returncode == 2
    assert f"{deep}:2: " in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
