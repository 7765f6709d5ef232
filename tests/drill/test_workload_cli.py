"""The daily workload on the command line: caps across sessions, overdue spreading, --minutes.

In process (``md``), on a real SQLite file in the test's MATHDRILL_HOME, with ``--now`` and
``TZ=UTC``; the drill speaks the JSON-lines protocol so its ``session`` event can be read.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mathdrill.scheduling.queue import CardInfo, SchedulingSettings, order_due
from mathdrill.storage import CardUpdate, open_database
from tests.drill.drillkit import reviews
from tests.factories import make_review

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
DECK = "many"


def write_deck(home: Path, count: int, expected_seconds: int = 30) -> list[str]:
    """A user deck of ``count`` small sum templates; returns their ids in file order."""
    ids = [f"t{i:03d}" for i in range(count)]
    lines = [f"deck: {DECK}", "title: Many sums", "templates:"]
    for template in ids:
        lines += [
            f"  - id: {template}",
            f"    title: Sum {template}",
            "    params:",
            "      a: integer(11, 49)",
            "      b: integer(11, 49)",
            '    prompt: "What is {a} + {b}?"',
            "    answer:",
            "      kind: number",
            "      value: a + b",
            f"    expected_seconds: {expected_seconds}",
        ]
    folder = home / "decks"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{DECK}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


def schedule_cards(
    home: Path,
    plan: dict[str, tuple[datetime, int]],
    *,
    seconds: list[float] | None = None,
) -> None:
    """Give cards a due date and interval through real reviews (with their solve times)."""
    home.mkdir(parents=True, exist_ok=True)
    db = open_database(str(home / "mathdrill.db"))
    try:
        db.ensure_cards(((DECK, t) for t in plan), NOW - timedelta(days=100))
        for template, (due, interval) in plan.items():
            card = db.card(DECK, template)
            assert card is not None
            at = due - timedelta(days=interval)
            for n, took in enumerate(seconds or [20.0]):
                last = n == len(seconds or [20.0]) - 1
                db.record_review(
                    make_review(card.id, at - timedelta(minutes=n), seconds=took),
                    CardUpdate(3, 2.5, interval, due, 0, last_review=at) if last else None,
                )
    finally:
        db.close()


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def session_event(stdout: str) -> dict:
    first = events(stdout)[0]
    assert first["event"] == "session"
    return first


@pytest.fixture
def home(md_env: dict[str, str]) -> Path:
    md_env["TZ"] = "UTC"
    return Path(md_env["MATHDRILL_HOME"])


def test_away_for_two_weeks_the_cap_today_and_the_rest_over_the_next_days(md, home) -> None:
    ids = write_deck(home, 120)
    # 120 reviews fell due over the 14 days away, with intervals from 1 to 30 days.
    plan = {
        t: (datetime(2026, 11, 7, 4, tzinfo=UTC) + timedelta(days=i % 15), 1 + (i * 7) % 30)
        for i, t in enumerate(ids)
    }
    schedule_cards(home, plan)
    now = NOW.isoformat()

    due = md("--now", now, "due", "--json")
    assert due.returncode == 0, due.stderr
    report = json.loads(due.stdout)
    assert report["due_today"] == 120
    assert report["reviews_per_day"] == 20
    assert report["planned_today"] == 20
    assert report["held_back"] == 100
    assert report["planned"] == [20, 20, 20, 20, 20, 0, 0]
    assert report["held_back_after"] == 0
    text = md("--now", now, "due")
    assert "with the cap of 20" in text.stdout
    assert "holds 100 back" in text.stdout

    drill = md("--now", now, "drill", "--json", "--deck", DECK, "--seed", "3", stdin="q\n")
    assert drill.returncode == 0, drill.stderr
    start = session_event(drill.stdout)
    assert start["planned"] == 20
    assert (start["due"], start["held_back"]) == (120, 100)
    assert (start["review_limit"], start["reviews_per_day"]) == (20, 20)
    # The first problem is the highest priority: most overdue relative to its interval.
    cards = [
        CardInfo(
            card_id=i,
            deck=DECK,
            template=t,
            interval=plan[t][1],
            due=plan[t][0],
            repetitions=3,
        )
        for i, t in enumerate(ids)
    ]
    first = order_due(cards, NOW.date(), SchedulingSettings())[0]
    problem = events(drill.stdout)[1]
    assert problem["card"] == f"{DECK}/{first.template}"

    # The start screen says what the cap did.
    plain = md("--now", now, "drill", "--deck", DECK, "--seed", "3", stdin="q\n")
    assert "mathdrill drill: 20 problems, about 7 min." in plain.stdout
    assert "Reviews: 20 of 120 due; the cap of 20 a day keeps 100 for the next days." in (
        plain.stdout
    )

    # A week later without drilling: still 20 a day, the backlog waiting.
    later = md("--now", (NOW + timedelta(days=7)).isoformat(), "due", "--json")
    assert json.loads(later.stdout)["planned_today"] == 20


def test_three_sessions_on_one_day_share_the_new_skill_limit(md, home) -> None:
    write_deck(home, 10)
    args = ["--now", NOW.isoformat(), "drill", "--json", "--deck", DECK, "--seed", "5"]

    one = md(*args, stdin="!\nq\n")  # introduce one new skill, give up on it, quit
    assert session_event(one.stdout)["new_limit"] == 3
    two = md(*args, stdin="!\n!\nq\n")
    second = session_event(two.stdout)
    assert (second["planned"], second["new_limit"], second["new_done_today"]) == (2, 2, 1)
    three = md(*args, stdin="")
    third = session_event(three.stdout)
    assert (third["planned"], third["new_limit"], third["new_done_today"]) == (0, 0, 3)
    assert events(three.stdout)[1]["event"] == "nothing_due"
    learned = [r for r in reviews(home) if r["kind"] == "learn"]
    assert len(learned) == 3

    # The plain nothing-due screen says the day's new skills are in, and how to add more.
    plain = md("--now", NOW.isoformat(), "drill", "--deck", DECK, stdin="")
    assert "Today's 3 new skills are introduced" in plain.stdout
    assert "mathdrill drill --new 5" in plain.stdout

    # --new N is this session's own limit; the next day starts afresh.
    more = md(*args, "--new", "2", stdin="q\n")
    assert session_event(more.stdout)["new_limit"] == 2
    tomorrow = md("--now", (NOW + timedelta(days=1)).isoformat(), *args[2:], stdin="q\n")
    assert session_event(tomorrow.stdout)["new_limit"] == 3


def test_the_review_cap_counts_earlier_sessions_and_reviews_n_overrides_it(
    md, md_env, home
) -> None:
    ids = write_deck(home, 8)
    schedule_cards(home, {t: (NOW - timedelta(days=2), 1) for t in ids})
    md_env["MATHDRILL_REVIEWS_PER_DAY"] = "3"
    args = ["--now", NOW.isoformat(), "drill", "--json", "--deck", DECK, "--seed", "5"]

    first = md(*args, stdin="!\n!\nq\n")
    start = session_event(first.stdout)
    assert (start["planned"], start["held_back"], start["review_limit"]) == (3, 5, 3)
    again = md(*args, stdin="!\nq\n")
    start = session_event(again.stdout)
    assert (start["planned"], start["reviews_done_today"], start["held_back"]) == (1, 2, 5)
    done = md(*args, stdin="")
    start = session_event(done.stdout)
    assert (start["planned"], start["held_back"]) == (0, 5)
    plain = md("--now", NOW.isoformat(), "drill", "--deck", DECK, stdin="")
    assert "the cap of 3 a day is reached (3 reviewed today)" in plain.stdout
    assert "mathdrill drill --reviews 5" in plain.stdout
    more = md(*args, "--reviews", "4", stdin="q\n")
    assert session_event(more.stdout)["planned"] == 4
    # Cramming has no daily limits: every card of the deck, the cap reached or not.
    cram = session_event(md(*args, "--cram", stdin="q\n").stdout)
    assert (cram["planned"], cram["review_limit"], cram["held_back"]) == (8, None, 0)


def test_minutes_plans_from_measured_solve_times(md, home) -> None:
    # Templates that say 90 s, a learner who takes 30 s (and once left a problem open).
    ids = write_deck(home, 10, expected_seconds=90)
    schedule_cards(
        home,
        {t: (NOW - timedelta(days=1), 3) for t in ids},
        seconds=[30.0, 29.0, 31.0, 30.0, 40_000.0],
    )
    args = ["--now", NOW.isoformat(), "drill", "--json", "--deck", DECK, "--seed", "5"]
    timed = md(*args, "--minutes", "2", stdin="q\n")
    start = session_event(timed.stdout)
    assert start["planned"] == 4
    assert start["planned_seconds"] == 120.0


def test_minutes_without_history_plans_from_the_templates(md, home) -> None:
    write_deck(home, 10, expected_seconds=90)
    args = ["--now", NOW.isoformat(), "drill", "--json", "--deck", DECK, "--seed", "5"]
    start = session_event(md(*args, "--new", "10", "--minutes", "2", stdin="q\n").stdout)
    assert (start["planned"], start["planned_seconds"]) == (1, 90.0)


@pytest.mark.parametrize("minutes", ["nan", "inf", "0", "2000"])
def test_minutes_out_of_range_is_exit_2(md, home, minutes: str) -> None:
    write_deck(home, 2)
    done = md("--now", NOW.isoformat(), "drill", "--deck", DECK, "--minutes", minutes, stdin="")
    assert done.returncode == 2
    assert "--minutes must be more than 0" in done.stderr
