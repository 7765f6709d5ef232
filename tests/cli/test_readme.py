"""The README's two commands are the contract with a new user and with CI."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _top_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    top = text.split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", top, flags=re.S)]


def test_readme_top_shows_exactly_two_commands() -> None:
    commands = _top_commands()
    assert len(commands) == 2, commands
    assert all("\n" not in c for c in commands), "each must be one copy-paste line"
    install_and_run, install_and_test = commands
    assert "pip install" in install_and_run
    assert install_and_run.endswith("mathdrill drill")
    assert "pip install" in install_and_test
    assert "pytest" in install_and_test


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, test_command = _top_commands()
    ci_lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def test_ci_runs_ruff_and_handles_no_tests_exit_code() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert ".venv/bin/ruff check" in ci
    assert '"$status" -eq 5' in ci


def test_readme_lists_every_shipped_deck_with_its_skill_count() -> None:
    from mathdrill.decks.catalog import read_catalog

    shipped = read_catalog(sorted((REPO / "decks").glob("*.yaml"))).decks
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What you can drill", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (\d+) \|", section, flags=re.MULTILINE))
    assert rows == {deck: str(len(info.templates)) for deck, info in shipped.items()}
    total = sum(len(info.templates) for info in shipped.values())
    assert f"{len(shipped)} built-in decks" in section.replace("Twelve", "12")
    assert f"{total} skills" in section
