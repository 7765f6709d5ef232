"""The drill's main process never imports sympy or numpy: the problem worker does."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.drill.drillkit import ARITH

# A real process is the point here (see tests/inprocess.py for the rest).
pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from mathdrill.config import build_environment
    from mathdrill.usecases.drill import DrillOptions, open_session

    HEAVY = ("sympy", "numpy", "mathdrill.decks.loader")
    env = build_environment(os.environ, now=sys.argv[2], db=None)
    with open_session(env, DrillOptions(), extra_decks=[Path(sys.argv[1])]) as session:
        problem = session.next_problem()
        before = [m for m in HEAVY if m in sys.modules]
        outcome = session.submit("12", 3.0)
    after = [m for m in HEAVY if m in sys.modules]
    print(json.dumps({"card": problem.card, "saved": outcome.saved, "before": before,
                      "after": after}))
    """
)


def _session(env: dict[str, str], now: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ARITH), now],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_sessions_show_judge_and_save_without_sympy_or_numpy_here(md_env) -> None:
    # A new collection, then a day later (the first problem is then a spare).
    for now in ("2026-11-21T09:00:00+00:00", "2026-11-22T09:00:00+00:00"):
        session = _session(md_env, now)
        assert session["saved"]
        assert session["before"] == session["after"] == []
