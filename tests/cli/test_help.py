"""Every command has help text, and ``--help`` works for each of them."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from mathdrill.cli.app import app


def _commands() -> list[tuple[tuple[str, ...], object]]:
    root = typer.main.get_command(app)
    found: list[tuple[tuple[str, ...], object]] = []

    def walk(path: tuple[str, ...], command) -> None:
        found.append((path, command))
        if hasattr(command, "commands"):  # a group (typer vendors click's classes)
            for name, sub in command.commands.items():
                walk((*path, name), sub)

    walk((), root)
    return found


COMMANDS = _commands()


def test_the_tree_has_the_foundation_commands() -> None:
    paths = {path for path, _ in COMMANDS}
    assert ("check",) in paths


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_has_help_text(path: tuple[str, ...], command) -> None:
    text = (command.help or command.short_help or "").strip()
    assert len(text) >= 20, f"mathdrill {' '.join(path)} needs help text"
    for param in command.params:
        if param.param_type_name == "option" and not getattr(param, "hidden", False):
            assert (param.help or "").strip(), f"{' '.join(path)} {param.opts} needs help text"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "root")
def test_help_exits_zero(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_help_in_a_real_process(run_md) -> None:
    done = run_md("--help")
    assert done.returncode == 0
    assert "check" in done.stdout
    version = run_md("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("mathdrill ")
