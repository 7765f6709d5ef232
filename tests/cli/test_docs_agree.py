"""README.md and docs/ agree with the program: every command, option and exit status.

The command tree is walked in-process (typer's click command of ``mathdrill.cli.app``):

* ``docs/commands.md`` has one heading per command and lists exactly that command's options;
* every ``mathdrill …`` command line quoted in README.md or docs/ names a real command and only
  options of that command (or of the root, before the command name; ``--now``, ``--db`` and
  ``--debug`` after it too), and every option quoted on its own exists somewhere;
* the exit-status table of ``docs/data.md`` lists exactly the ``EXIT_*`` codes of
  ``mathdrill/errors.py``, each error class in the row of its own code, and README's summary
  names the same codes;
* ``docs/architecture.md`` names every module of the package.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from mathdrill import errors
from mathdrill.cli.app import app

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
HELP = {"-h", "--help"}
#: Root options whose value is the next word (``--now 2026-11-21``).
VALUE_OPTIONS = {"--now", "--db"}
#: Root options that may also follow the command name (``mathdrill due --now …``).
ANYWHERE_OPTIONS = VALUE_OPTIONS | {"--debug"}
#: A long option, or a short one (one letter: ``-shm`` in ``mathdrill.db-shm`` is not one).
OPTION_RE = re.compile(r"--[a-z][a-z0-9-]*|-[a-zA-Z](?![\w-])")


def command_tree() -> dict[tuple[str, ...], tuple[set[str], set[str]]]:
    """Every command path → (its options without help, the names of its subcommands)."""
    tree: dict[tuple[str, ...], tuple[set[str], set[str]]] = {}

    def walk(path: tuple[str, ...], command: Any) -> None:
        options = {
            opt
            for param in command.params
            if param.param_type_name == "option"
            for opt in (*param.opts, *param.secondary_opts)
        }
        subcommands = getattr(command, "commands", {})  # a group (typer vendors click)
        tree[path] = (options - HELP, set(subcommands))
        for name, sub in subcommands.items():
            walk((*path, name), sub)

    walk((), typer.main.get_command(app))
    return tree


TREE = command_tree()
ALL_OPTIONS = set().union(*(options for options, _ in TREE.values())) | HELP


def expected_reference() -> dict[tuple[str, ...], set[str]]:
    """The root, every command that is not a group, and any group with options of its own."""
    return {
        path: options
        for path, (options, subcommands) in TREE.items()
        if not path or not subcommands or options
    }


def documented_reference(text: str) -> dict[tuple[str, ...], set[str]]:
    """``docs/commands.md``: each ``mathdrill …`` heading and the options its table lists."""
    found: dict[tuple[str, ...], set[str]] = {}
    current: tuple[str, ...] | None = None
    for line in text.splitlines():
        heading = re.fullmatch(r"#{1,6} (.*)", line)
        if heading:
            named = re.fullmatch(r"`mathdrill((?: [a-z][a-z-]*)*)`", heading.group(1).strip())
            current = tuple(named.group(1).split()) if named else None
            if current is not None:
                assert current not in found, f"docs/commands.md: {current} documented twice"
                found[current] = set()
            continue
        row = re.match(r"\| (.*?) \| ", line)
        if current is not None and row and row.group(1).startswith("`-"):
            found[current] |= set(re.findall(r"`(-{1,2}[a-z][a-z0-9-]*)", row.group(1)))
    return found


def _fenced_and_prose(text: str) -> tuple[list[str], str]:
    fenced: list[str] = []
    prose: list[str] = []
    inside = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
            continue
        (fenced if inside else prose).append(line)
    return fenced, "\n".join(prose)


def quoted_snippets(text: str) -> list[str]:
    """Code spans of the prose (whitespace normalised) and the lines of fenced blocks."""
    fenced, prose = _fenced_and_prose(text)
    spans = re.findall(r"`([^`]+)`", prose)
    return [" ".join(s.split()) for s in spans] + fenced


def invocations(snippet: str) -> list[list[str]]:
    """The words after each ``mathdrill`` program name in a snippet, up to a pipe or comment."""
    found = []
    for match in re.finditer(r"(?:^|(?<=[\s/$(]))mathdrill(?= |$)", snippet):
        tail = re.split(r" \| | && | #|;", snippet[match.end() :], maxsplit=1)[0]
        tail = tail.replace("\\|", "|")
        try:
            words = shlex.split(tail)
        except ValueError:
            words = tail.split()
        found.append([w.strip("[]…") for w in words])
    return found


def invocation_problems(words: list[str]) -> list[str]:
    """What is wrong with ``mathdrill WORDS`` as the docs quote it (empty: nothing)."""
    problems = []
    shown = "mathdrill " + " ".join(words)
    root_options = TREE[()][0] | HELP
    index = 0
    while index < len(words) and words[index].startswith("-"):
        option = words[index].split("=", 1)[0]
        if OPTION_RE.fullmatch(option) and option not in root_options:
            problems.append(f"{shown!r}: mathdrill has no option {option} before the command")
        index += 2 if option in VALUE_OPTIONS and "=" not in words[index] else 1
    paths: list[tuple[str, ...]] = [()]
    while index < len(words) and all(TREE[p][1] for p in paths):
        word = words[index]
        alternatives = word.split("|")
        if all(a in TREE[p][1] for p in paths for a in alternatives):
            paths = [(*p, a) for p in paths for a in alternatives]
            index += 1
        elif re.fullmatch(r"[a-z][a-z-]*", word):
            problems.append(f"{shown!r}: there is no command {' '.join((*paths[0], word))!r}")
            return problems
        else:
            break  # a placeholder such as COMMAND, or an option
    for word in words[index:]:
        option = word.split("=", 1)[0]
        if not OPTION_RE.fullmatch(option):
            continue
        for path in paths:
            if option not in TREE[path][0] | HELP | ANYWHERE_OPTIONS:
                problems.append(f"{shown!r}: {' '.join(('mathdrill', *path))} has no {option}")
    return problems


def test_the_reference_has_a_heading_for_every_command_and_no_other() -> None:
    documented = documented_reference((REPO / "docs" / "commands.md").read_text(encoding="utf-8"))
    assert sorted(documented) == sorted(expected_reference())


@pytest.mark.parametrize("path", sorted(expected_reference()), ids=lambda p: " ".join(p) or "root")
def test_the_reference_lists_exactly_the_options_of_each_command(path: tuple[str, ...]) -> None:
    documented = documented_reference((REPO / "docs" / "commands.md").read_text(encoding="utf-8"))
    assert documented.get(path) == expected_reference()[path]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_quoted_command_line_names_real_commands_and_options(doc: Path) -> None:
    problems = [
        problem
        for snippet in quoted_snippets(doc.read_text(encoding="utf-8"))
        for words in invocations(snippet)
        for problem in invocation_problems(words)
    ]
    assert problems == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_option_quoted_on_its_own_exists(doc: Path) -> None:
    quoted = {
        match.group(0)
        for snippet in quoted_snippets(doc.read_text(encoding="utf-8"))
        if (match := OPTION_RE.match(snippet)) and "mathdrill" not in snippet
    }
    assert quoted, f"{doc.name} quotes no option: the scan is broken"
    assert sorted(quoted - ALL_OPTIONS) == []


def test_the_scan_catches_a_wrong_command_and_a_wrong_option() -> None:
    assert invocation_problems(["deck", "check", "--samples", "5"]) == []
    assert invocation_problems(["--now", "2026-01-01", "stats", "--json"]) == []
    assert invocation_problems(["card", "suspend|unsuspend|reset", "DECK/TEMPLATE"]) == []
    assert invocation_problems(["deck", "chek"])
    assert invocation_problems(["stats", "--format", "csv"])
    assert invocation_problems(["--json", "stats"])
    assert invocation_problems(["due", "--now", "2026-01-01", "--debug"]) == []
    assert invocation_problems(["due", "--version"])


def exit_table() -> dict[int, set[str]]:
    """``docs/data.md``, "Exit status": each status → the error classes its row names."""
    text = (REPO / "docs" / "data.md").read_text(encoding="utf-8")
    section = text.split("\n## Exit status\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| .*? \| (.*?) ?\|$", section, flags=re.MULTILINE)
    table: dict[int, set[str]] = {}
    for status, names in rows:
        assert int(status) not in table, f"status {status} has two rows"
        table[int(status)] = set(re.findall(r"`(\w+)`", names))
    return table


def test_the_exit_table_lists_exactly_the_exit_codes_of_errors_py() -> None:
    codes = {value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    assert sorted(exit_table()) == sorted(codes)


def test_every_error_class_is_in_the_row_of_its_exit_code() -> None:
    classes = {
        name: value
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.MathdrillError)
    }
    placed = {name: status for status, names in exit_table().items() for name in names}
    assert set(placed) == set(classes)
    assert {name: cls.exit_code for name, cls in classes.items()} == placed


def test_the_readme_names_the_same_exit_codes() -> None:
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    summary = readme.split("Exit status: ", 1)[1].split("(`docs/data.md`", 1)[0]
    named = {int(code) for code in re.findall(r"(?:^|, )(\d+) ", summary)}
    assert sorted(named) == sorted(exit_table())


def test_the_architecture_names_every_module() -> None:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = REPO / "mathdrill"
    modules = sorted(
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if path.name != "__init__.py"
    )
    # A module is named by its file name in the paragraph of its package ("Modules").
    missing = [m for m in modules if not re.search(rf"[`/]{re.escape(Path(m).name)}`", text)]
    assert missing == [], "docs/architecture.md, 'Modules', should say what these own"
