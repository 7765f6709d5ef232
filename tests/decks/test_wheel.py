"""The built-in decks ship inside the wheel and are found by an installed mathdrill."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from mathdrill.decks.loader import load_deck_file

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def test_wheel_installed_in_fresh_venv_finds_builtin_decks(tmp_path: Path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(dist)],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(dist.glob("mathdrill-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # Dependencies come from this environment's site-packages, appended after the venv's own
    # (a plain path line does not run that folder's .pth files, so the editable checkout of
    # mathdrill stays invisible).
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {"PATH": "/usr/bin:/bin", "MATHDRILL_HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import mathdrill, mathdrill.decks.library as l; "
            "print(mathdrill.__file__); print(l.builtin_decks_dir())",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert where[0].startswith(str(venv)), where
    assert where[1].startswith(str(venv)), where
    assert where[1].endswith("builtin_decks"), where
    listed = subprocess.run(
        [str(venv / "bin" / "mathdrill"), "deck", "list"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("derivatives "))
    count = len(load_deck_file(REPO / "decks" / "derivatives.yaml").templates)
    assert row.split()[1:3] == [str(count), "built-in"]
    assert str(venv) in row
    assert os.path.exists(where[1] + "/derivatives.yaml")
