"""A broken or duplicate deck file never stops the daily drill: one warning line, then the rest.

``mathdrill deck check`` stays strict (its own tests); the drill skips what it cannot use. A file
that loads in the catalogue but not in the worker is named once in the summary
(tests/drill/test_session.py).
"""

from __future__ import annotations

from pathlib import Path

from tests.drill.drillkit import ARITH, drill_args, reviews, solve


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


def test_a_second_deck_with_the_same_id_is_skipped_with_one_warning(md, tmp_path: Path) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_text(ARITH.read_text(encoding="utf-8"), encoding="utf-8")
    done = md(*drill_args("2026-11-21T09:00", "--decks", str(copy), "--limit", "1"), stdin="s\n")
    assert done.returncode == 0, done.stderr
    (warning,) = _warnings(done.stderr)
    assert str(copy) in warning
    assert "'arith'" in warning
    assert "Skipped (not logged)." in done.stdout


def test_a_broken_deck_file_is_skipped_and_the_drill_goes_on(md, home: Path, tmp_path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("deck: [unclosed\n", encoding="utf-8")
    args = drill_args("2026-11-21T09:00", "--decks", str(broken), "--seed", "3", "--limit", "1")
    first = md(*args, stdin="q\n")
    assert first.returncode == 0, first.stderr
    (warning,) = _warnings(first.stderr)
    assert str(broken) in warning
    right, _ = solve(first.stdout)
    done = md(*args, stdin=f"{right}\n")
    assert done.returncode == 0, done.stderr
    assert [r["correct"] for r in reviews(home)] == [1]


def test_naming_a_skipped_deck_is_still_an_error(md, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("deck: [unclosed\n", encoding="utf-8")
    done = md("--now", "2026-11-21T09:00", "drill", "--decks", str(broken), "--deck", "broken")
    assert done.returncode == 2
    assert str(broken) in done.stderr
