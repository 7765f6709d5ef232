"""The pruned command trees that main() runs behave like the full application."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mathdrill.cli.app import _command_name, app, command_tree

TOP_LEVEL = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]


def _help(tree, args: list[str]) -> str:
    result = CliRunner().invoke(tree, args, prog_name="mathdrill")
    assert result.exit_code == 0, result.output
    return result.output


def test_the_root_help_is_the_same_without_building_any_command() -> None:
    pruned = command_tree(None)
    assert _help(pruned, ["--help"]) == _help(app, ["--help"])
    assert all(not info.callback.__code__.co_varnames for info in pruned.registered_commands)


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_each_commands_help_is_the_same_in_its_pruned_tree(name: str) -> None:
    assert _help(command_tree(name), [name, "--help"]) == _help(app, [name, "--help"])


def test_an_unknown_command_gets_the_full_tree_and_its_suggestions() -> None:
    assert command_tree("dril") is app
    result = CliRunner().invoke(command_tree("dril"), ["dril"], prog_name="mathdrill")
    assert result.exit_code == 2
    assert "No such command" in result.output


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ([], None),
        (["--help"], None),
        (["drill", "--limit", "3"], "drill"),
        (["--now", "2026-11-21T09:00", "--db", "x.db", "stats"], "stats"),
        (["--debug", "deck", "check", "decks/"], "deck"),
        (["--", "drill"], "drill"),
    ],
)
def test_the_command_name_is_found_after_the_root_options(args, name) -> None:
    assert _command_name(args) == name
