"""The drill through pipes: plain text when stdin is not a terminal, and the JSON protocol.

A script that answers what it reads needs a real process and pipes (slow); fixed input goes
through the command line in process.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.drill.drillkit import drill_args, drill_argv, integrity, reviews, solve
from tests.inprocess import invoke


def start(md_env: dict[str, str], now: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        drill_argv(now, *extra),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=md_env,
        bufsize=1,
    )


@pytest.mark.slow
def test_plain_text_mode_reads_one_line_per_prompt(md_env, home: Path) -> None:
    proc = start(md_env, "2026-11-21T09:00", "--seed", "4")
    assert proc.stdout is not None
    assert proc.stdin is not None
    answered = 0
    transcript = []
    while True:
        line = proc.stdout.readline()
        if not line:
            break
        transcript.append(line)
        if line.startswith("What is"):
            answer, _ = solve(line)
            proc.stdin.write(f"{answer}\n")
            proc.stdin.flush()
            answered += 1
    proc.wait(timeout=60)
    text = "".join(transcript)
    assert proc.returncode == 0, proc.stderr.read()
    assert "\x1b[" not in text, "no colour or cursor codes when piped"
    assert answered == 2
    assert "Session over." in text
    assert "first-try accuracy 100%" in text
    assert [r["correct"] for r in reviews(home)] == [1, 1]


def test_plain_text_mode_commands_and_end_of_input(md, home: Path, db_url: str) -> None:
    done = md(*drill_args("2026-11-21T09:00", "--seed", "4"), stdin="?\nhelp\n1/*2\ns\n")
    assert done.returncode == 0, done.stderr
    assert "Hint 1/" in done.stdout
    assert "q  quit" in done.stdout
    assert "^" in done.stdout
    assert "Not counted" in done.stdout
    assert "Skipped (not logged)." in done.stdout
    assert "Session over." in done.stdout
    assert reviews(db_url) == []


def _events(proc: subprocess.Popen):
    assert proc.stdout is not None
    for line in proc.stdout:
        yield json.loads(line)


@pytest.mark.slow
def test_json_protocol_answered_by_regenerating_each_problem(
    md_env, home: Path, db_url: str
) -> None:
    """A script answers every problem correctly from `deck preview --seed` alone."""
    proc = start(md_env, "2026-11-21T09:00", "--json", "--seed", "8")
    assert proc.stdin is not None
    seen: list[dict] = []
    for event in _events(proc):
        seen.append(event)
        if event["event"] != "problem":
            continue
        assert set(event) >= {"card", "seed", "prompt", "prompt_latex", "kind", "variables"}
        preview = invoke(
            [
                "deck",
                "preview",
                event["card"],
                "--seed",
                str(event["seed"]),
                "--json",
                "--decks",
                str(Path(__file__).parent / "fixtures"),
            ],
            md_env,
            home.parent,
        )
        assert preview.returncode == 0, preview.stderr
        instance = json.loads(preview.stdout.splitlines()[0])
        assert instance["prompt"].startswith("What is")
        proc.stdin.write(instance["answer"] + "\n")
        proc.stdin.flush()
    proc.wait(timeout=60)
    assert proc.returncode == 0
    kinds = [e["event"] for e in seen]
    assert kinds[0] == "session"
    assert kinds[-1] == "summary"
    verdicts = [e for e in seen if e["event"] == "verdict"]
    assert len(verdicts) == 2
    assert all(v["correct"] and v["saved"] and v["quality"] >= 4 for v in verdicts)
    assert seen[-1]["accuracy"] == 1.0
    stored = {(r["template"], r["seed"]) for r in reviews(db_url)}
    assert stored == {(v["card"].split("/")[1], v["seed"]) for v in verdicts}


@pytest.mark.slow
def test_json_protocol_unreadable_then_wrong_then_blank(md_env, home: Path, db_url: str) -> None:
    proc = start(md_env, "2026-11-21T09:00", "--json", "--seed", "8")
    assert proc.stdin is not None
    script = iter(["2 +", "0", ""])
    verdicts = []
    for event in _events(proc):
        if event["event"] == "verdict":
            verdicts.append(event)
        # A line answers each problem, and retries after a verdict that was not graded.
        wants_line = event["event"] == "problem" or (
            event["event"] == "verdict" and not event["graded"]
        )
        if not wants_line:
            continue
        line = next(script, None)
        if line is None:
            proc.stdin.close()
            continue
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
    proc.wait(timeout=60)
    assert verdicts[0]["graded"] is False
    assert verdicts[0]["status"] == "unreadable"
    assert "^" in verdicts[0]["error"]
    assert verdicts[1]["graded"] is True
    assert verdicts[1]["correct"] is False
    assert verdicts[1]["quality"] == 1
    assert verdicts[2]["status"] == "gave_up"
    assert verdicts[2]["quality"] == 0
    assert len(reviews(db_url)) == 2


@pytest.mark.slow
def test_sigkill_loses_no_confirmed_review(md_env, home: Path) -> None:
    """SIGKILL the drill at random moments; every verdict it printed must be on disk."""
    rng = random.Random(20261121)
    confirmed: set[tuple[str, int]] = set()

    def note(event: dict) -> None:
        if event["event"] == "verdict" and event["saved"]:
            confirmed.add((event["card"].split("/")[1], event["seed"]))

    # 12 trials, not 50: each kills a real drill process at a random one of its first five
    # answers after a random 0–80 ms, so the kills still land before, during and after the save
    # of an answer; the storage-level guarantee behind it (one transaction per review, nothing
    # confirmed before commit) is hammered by 60 cheap forked kills in
    # tests/storage/test_concurrency.py. More trials here only cost ~1.5 s each.
    for trial in range(12):
        proc = start(md_env, "2026-11-21T09:00", "--json", "--cram", "--seed", str(trial))
        assert proc.stdin is not None
        assert proc.stdout is not None
        kill_at_problem = rng.randint(1, 5)
        problems = 0
        for event in _events(proc):
            note(event)
            if event["event"] != "problem":
                continue
            problems += 1
            answer, mistake = solve(event["prompt"])
            # Wrong answers bring the skill back (step 7), so sessions run long enough.
            proc.stdin.write(f"{answer if rng.random() < 0.4 else mistake}\n")
            proc.stdin.flush()
            if problems == kill_at_problem:
                # Kill while that answer is being judged and saved, or just after.
                time.sleep(rng.uniform(0, 0.08))
                os.kill(proc.pid, signal.SIGKILL)
                break
        # Whatever reached the screen before the kill counts as confirmed.
        for event in _events(proc):
            note(event)
        proc.wait(timeout=60)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
    stored = {(r["template"], r["seed"]) for r in reviews(home)}
    assert len(confirmed) >= 12, "the trials must have confirmed a good number of reviews"
    assert confirmed <= stored
    assert integrity(home) == "ok"


def test_plain_self_grade_refuses_a_high_grade_for_a_wrong_answer(
    md_env, home: Path, db_url: str
) -> None:
    ran = invoke(
        drill_args("2026-11-21T09:00", "--seed", "4", "--self-grade"),
        md_env,
        home.parent,
        "0\n5\n1\nq\n",
    )
    assert ran.returncode == 0, ran.stderr
    assert "judged wrong: a grade above 2" in ran.stdout
    assert [r["quality"] for r in reviews(db_url)] == [1]


def test_json_self_grade_above_2_for_a_wrong_answer_keeps_the_derived_grade(
    md_env, home: Path
) -> None:
    ran = invoke(
        drill_args("2026-11-21T09:00", "--seed", "4", "--self-grade", "--json"),
        md_env,
        home.parent,
        "0\n5\nq\n",
    )
    assert ran.returncode == 0, ran.stderr
    requests = [json.loads(line) for line in ran.stdout.splitlines() if "grade_request" in line]
    assert requests
    derived = requests[0]["derived_quality"]
    assert derived <= 2
    assert [r["quality"] for r in reviews(home)][:1] == [derived]
