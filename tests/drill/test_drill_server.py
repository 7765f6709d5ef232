"""The drill on a PostgreSQL server that dies mid-session: told, the answer kept, carried on.

A real drill process (the JSON-lines protocol through pipes) against a private cluster that the
test stops (a crash: ``pg_ctl stop -m immediate``) while a problem is on screen.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.drill.drillkit import drill_argv, reviews, solve
from tests.pg import Cluster


@pytest.mark.slow
def test_a_killed_server_is_reported_the_answer_kept_and_saved_when_it_is_back(
    md_env: dict[str, str], private_cluster: Cluster, private_pg_url: str
) -> None:
    env = {**md_env, "MATHDRILL_DB": private_pg_url}
    proc = subprocess.Popen(
        drill_argv("2026-11-21T09:00", "--json", "--seed", "8"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        bufsize=1,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    events: list[dict] = []
    answers: list[str] = []
    try:
        for line in proc.stdout:
            event = json.loads(line)
            events.append(event)
            if event["event"] == "problem":
                answer = str(solve(event["prompt"])[0])
                answers.append(answer)
                if len(answers) == 1:
                    private_cluster.stop("immediate")  # the server dies before the answer
                proc.stdin.write(answer + "\n")
                proc.stdin.flush()
            elif event["event"] == "save_failed":
                private_cluster.start()
                proc.stdin.write("\n")  # try saving again
                proc.stdin.flush()
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
        private_cluster.start()
    kinds = [e["event"] for e in events]
    assert proc.returncode == 0, proc.stderr.read()
    failed = [e for e in events if e["event"] == "save_failed"]
    assert len(failed) == 1
    assert "Cannot reach the database server" in failed[0]["message"]
    assert "NOT saved" in failed[0]["message"]
    # The kept answer was saved once the server was back, and the session carried on.
    verdicts = [e for e in events if e["event"] == "verdict"]
    assert [v["saved"] for v in verdicts] == [True, True]
    assert kinds.index("save_failed") < kinds.index("verdict")
    assert kinds[-1] == "summary"
    stored = reviews(private_pg_url)
    assert [r["answer"] for r in stored] == answers
    assert [r["correct"] for r in stored] == [True, True]
