"""The drill in a real pseudo-terminal (pexpect): what a learner sees and types."""

from __future__ import annotations

from pathlib import Path

import pexpect
import pytest

from tests.drill.drillkit import ADD, TIMES, drill_argv, reviews, solve

pytestmark = pytest.mark.slow

# prompt_toolkit turns bracketed paste on each time it starts reading a line: the prompt is live.
PROMPT = "\x1b[?2004h"


def spawn(md_env: dict[str, str], now: str, *extra: str) -> pexpect.spawn:
    env = dict(md_env)
    env.pop("NO_COLOR", None)
    env.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="100", LINES="40")
    argv = drill_argv(now, *extra)
    child = pexpect.spawn(
        argv[0], argv[1:], env=env, encoding="utf-8", timeout=60, dimensions=(40, 100)
    )
    return child


def next_prompt(child: pexpect.spawn) -> tuple[str, int, int]:
    """Wait for a problem, return (its text, the answer, the mistake's value)."""
    child.expect([ADD, TIMES])
    text = child.after
    answer, mistake = solve(text)
    child.expect_exact(PROMPT)
    return text, answer, mistake


def finish(child: pexpect.spawn) -> str:
    child.expect_exact("Session over")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return child.before


def test_first_screen_says_how_to_get_help_and_correct_answer_is_saved(md_env, home: Path) -> None:
    child = spawn(md_env, "2026-11-21T09:00", "--seed", "3")
    child.expect("Type help at the prompt")
    _, answer, _ = next_prompt(child)
    child.sendline(str(answer))
    child.expect_exact("✓ correct")
    child.expect_exact("Enter: next · w: worked solution")
    child.sendline("w")
    child.expect_exact("worked solution")
    child.expect_exact("Enter: next · q: quit")
    child.sendline("")
    next_prompt(child)
    child.sendline("q")
    finish(child)
    rows = reviews(home)
    assert len(rows) == 1
    assert rows[0]["correct"] == 1
    assert rows[0]["answer"] == str(answer)
    assert rows[0]["kind"] == "learn"


def test_wrong_answer_with_authored_mistake_then_repeat_in_session(md_env, home: Path) -> None:
    child = spawn(md_env, "2026-11-21T09:00", "--seed", "5")
    first, _, mistake = next_prompt(child)
    child.sendline(str(mistake))
    child.expect_exact("✗ not correct")
    child.expect(r"You subtracted|You added")
    # The grade line closes the verdict; the worked solution follows, just above the key prompt.
    child.expect_exact("comes back later this session")
    child.expect_exact("worked solution")
    child.expect_exact("Enter: next · q: quit")
    child.sendline("")
    # The other skill, then the failed one again with a fresh instance, marked as a repeat.
    _, answer, _ = next_prompt(child)
    child.sendline(str(answer))
    child.expect_exact("✓ correct")
    child.expect_exact("Enter: next")
    child.sendline("")
    again, answer, _ = next_prompt(child)
    assert "again" in child.before, "a repeat is marked in the panel's subtitle"
    assert ("+" in again) == ("+" in first)
    child.sendline(str(answer))
    child.expect_exact("✓ correct")
    child.sendline("")
    finish(child)
    rows = reviews(home)
    assert [r["kind"] for r in rows] == ["learn", "learn", "repeat"]
    assert rows[0]["mistake"] in ("subtracted", "added")
    assert rows[0]["quality"] == 2
    assert rows[2]["template"] == rows[0]["template"]
    assert rows[2]["seed"] != rows[0]["seed"]
    # A repeat never moves the schedule.
    assert rows[2]["interval_before"] == rows[2]["interval_after"]


def test_hint_unreadable_and_give_up(md_env, home: Path) -> None:
    child = spawn(md_env, "2026-11-21T09:00", "--seed", "11")
    next_prompt(child)
    child.sendline("?")
    child.expect(r"Hint 1/\d")
    child.expect_exact(PROMPT)
    child.sendline("help")
    child.expect_exact("give up and see the solution")
    child.expect_exact(PROMPT)
    child.sendline("3 +* 4")
    child.expect_exact("^")
    child.expect_exact("Not counted — try again.")
    child.expect_exact(PROMPT)
    child.sendline("!")
    child.expect_exact("Given up.")
    child.expect_exact("worked solution")
    child.expect_exact("Enter: next")
    child.sendline("")
    next_prompt(child)
    child.sendcontrol("d")
    finish(child)
    rows = reviews(home)
    assert len(rows) == 1, "the unreadable answer is not logged; the give-up is"
    assert rows[0]["quality"] == 0
    assert rows[0]["hints"] == 1
    assert rows[0]["status"] == "gave_up"


def test_ctrl_c_ends_cleanly_and_resume_next_day(md_env, home: Path) -> None:
    child = spawn(md_env, "2026-11-21T09:00", "--seed", "2")
    _, answer, _ = next_prompt(child)
    child.sendline(str(answer))
    child.expect_exact("✓ correct")
    child.sendline("")
    next_prompt(child)
    child.sendintr()
    out = finish(child)
    assert "Traceback" not in out
    first_day = reviews(home)
    assert len(first_day) == 1
    learned = first_day[0]["template"]

    # The next morning the learned skill is due (interval 1 day) and comes first as a review.
    child = spawn(md_env, "2026-11-22T09:00", "--seed", "9")
    text, answer, _ = next_prompt(child)
    assert ("+" in text) == (learned == "add")
    child.sendline(str(answer))
    child.expect_exact("✓ correct")
    child.sendline("q")
    finish(child)
    second = reviews(home)[-1]
    assert second["kind"] == "review"
    assert second["template"] == learned
    assert second["interval_after"] == 6


def test_nothing_due_offers_cram(md_env, home: Path) -> None:
    child = spawn(md_env, "2026-11-21T09:00", "--new", "0")
    child.expect_exact("Nothing is due now")
    child.expect_exact("--cram")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
