"""The hostile corpus runs the real command line in-process, through its one error handler."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mathdrill.cli.app import main


@dataclass(frozen=True)
class Outcome:
    """What one command run left behind: its exit code and both output streams."""

    code: int
    stdout: str
    stderr: str


@pytest.fixture
def md(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``mathdrill ARGS`` in this process with a private home; return an :class:`Outcome`."""
    for name in [k for k in __import__("os").environ if k.startswith("MATHDRILL_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MATHDRILL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args: str, stdin: str = "") -> Outcome:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        out, err = capsys.readouterr()
        return Outcome(code, out, err)

    return run
