"""The layer rules of DESIGN.md are enforced by ruff: a wrong import fails lint, not review.

Each case lints a one-line probe module as if it lived in a layer's folder (ruff picks the
folder's ``ruff.toml``) and asserts the banned-import rule fires — or does not, where the layer
may use the library.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _ruff() -> list[str]:
    exe = Path(sys.executable).with_name("ruff")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("ruff")
    assert found, "ruff is part of the test extra; install with pip install -e '.[test]'"
    return [found]


def _banned(folder: str, source: str) -> bool:
    done = subprocess.run(
        [
            *_ruff(),
            "check",
            "--no-cache",
            "--select",
            "TID251",
            "--stdin-filename",
            f"{folder}/probe.py",
            "-",
        ],
        input=source + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return "TID251" in done.stdout


CASES = [
    ("mathdrill/mathlang", "import sqlalchemy", True),
    ("mathdrill/mathlang", "from mathdrill.answers import judge", True),
    ("mathdrill/mathlang", "from mathdrill.storage import open_database", True),
    ("mathdrill/mathlang", "import sympy", False),
    ("mathdrill/answers", "import rich", True),
    ("mathdrill/answers", "from mathdrill.decks import load_deck", True),
    ("mathdrill/answers", "from mathdrill.mathlang import parse", False),
    ("mathdrill/decks", "import typer", True),
    ("mathdrill/decks", "from mathdrill.storage import open_database", True),
    ("mathdrill/decks", "from mathdrill.answers import judge", False),
    ("mathdrill/scheduling", "import sympy", True),
    ("mathdrill/scheduling", "import sqlalchemy", True),
    ("mathdrill/storage", "import sympy", True),
    ("mathdrill/storage", "import rich", True),
    ("mathdrill/storage", "import sqlalchemy", False),
    ("mathdrill/cli", "import rich", False),
    ("mathdrill/cli", "import typer", False),
    ("mathdrill/cli", "import sqlalchemy", True),
    ("mathdrill", "import typer", True),  # use-cases (drill.py, stats.py …) never print
    ("mathdrill", "from sympy import sympify", True),
    ("mathdrill/answers", "from sympy.parsing.sympy_parser import parse_expr", True),
    ("mathdrill/decks", "from yaml import unsafe_load", True),
]


@pytest.mark.parametrize(("folder", "source", "banned"), CASES)
def test_layer_rule(folder: str, source: str, banned: bool) -> None:
    assert _banned(folder, source) is banned
