"""SM-2 step 7: cards graded below 4 come back in the session, at most three times."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mathdrill.errors import UsageError
from mathdrill.scheduling.session import QueueItem, SessionQueue
from mathdrill.vocabulary import SCHEDULING_KINDS


def drain(queue: SessionQueue, grades: dict[int, list[int]]) -> list[QueueItem]:
    """Run a session; card c takes its grades in order (4 once they run out)."""
    shown = []
    while (item := queue.next()) is not None:
        shown.append(item)
        pending = grades.get(item.card_id, [])
        queue.record(item.card_id, pending.pop(0) if pending else 4)
    return shown


def order(items: list[QueueItem]) -> list[tuple[int, int]]:
    return [(i.card_id, i.repeat) for i in items]


def test_all_good_grades_show_each_card_once_in_order() -> None:
    q = SessionQueue([(1, "review"), (2, "review"), (3, "learn")])
    shown = drain(q, {})
    assert order(shown) == [(1, 0), (2, 0), (3, 0)]
    assert [i.kind for i in shown] == ["review", "review", "learn"]
    assert not any(i.is_repeat for i in shown)


def test_a_failed_card_returns_after_three_other_items() -> None:
    q = SessionQueue([(c, "review") for c in range(1, 7)])
    shown = drain(q, {1: [2]})
    # 1 fails, then 2, 3, 4 are shown, then the repeat of 1, then 5, 6.
    assert order(shown) == [(1, 0), (2, 0), (3, 0), (4, 0), (1, 1), (5, 0), (6, 0)]
    repeat = shown[4]
    assert repeat.kind == "repeat"
    assert repeat.is_repeat
    assert repeat.kind not in SCHEDULING_KINDS
    assert shown[0].kind in SCHEDULING_KINDS


def test_a_failed_card_goes_to_the_end_when_fewer_than_three_remain() -> None:
    q = SessionQueue([(1, "review"), (2, "learn")])
    shown = drain(q, {1: [3]})
    assert order(shown) == [(1, 0), (2, 0), (1, 1)]


def test_a_lone_card_repeats_at_most_three_times() -> None:
    q = SessionQueue([(7, "learn")])
    shown = drain(q, {7: [0, 1, 2, 3, 0]})
    assert order(shown) == [(7, 0), (7, 1), (7, 2), (7, 3)]
    assert q.next() is None


def test_repeats_stop_once_the_card_scores_four() -> None:
    q = SessionQueue([(1, "review")])
    shown = drain(q, {1: [3, 4, 1]})
    assert order(shown) == [(1, 0), (1, 1)]


def test_a_failed_repeat_is_pushed_back_again() -> None:
    q = SessionQueue([(c, "review") for c in range(1, 9)])
    shown = drain(q, {1: [1, 2]})
    assert order(shown) == [
        (1, 0), (2, 0), (3, 0), (4, 0),
        (1, 1), (5, 0), (6, 0), (7, 0),
        (1, 2), (8, 0),
    ]  # fmt: skip


def test_cram_cards_repeat_but_never_count_for_the_schedule() -> None:
    q = SessionQueue([(5, "cram")])
    shown = drain(q, {5: [2]})
    assert [i.kind for i in shown] == ["cram", "repeat"]
    assert not any(i.kind in SCHEDULING_KINDS for i in shown)


def test_record_returns_the_queued_repeat() -> None:
    q = SessionQueue([(1, "review"), (2, "review")])
    item = q.next()
    assert item is not None
    assert q.record(1, 2) == QueueItem(card_id=1, kind="repeat", repeat=1)
    nxt = q.next()
    assert nxt is not None
    assert q.record(nxt.card_id, 5) is None


def test_protocol_errors() -> None:
    q = SessionQueue([(1, "review"), (2, "review")])
    with pytest.raises(UsageError, match="call next"):
        q.record(1, 4)
    q.next()
    with pytest.raises(UsageError, match="before asking"):
        q.next()
    with pytest.raises(UsageError, match="not card 2"):
        q.record(2, 4)
    with pytest.raises(UsageError, match="quality"):
        q.record(1, 7)


@pytest.mark.parametrize(
    ("items", "kwargs", "words"),
    [
        ([(1, "review"), (1, "learn")], {}, "twice"),
        ([(1, "repeat")], {}, "first showing"),
        ([(1, "review")], {"gap": -1}, "gap"),
        ([(1, "review")], {"max_repeats": True}, "max_repeats"),
    ],
)
def test_construction_errors(items: list, kwargs: dict, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        SessionQueue(items, **kwargs)


@given(
    st.integers(0, 12),
    st.lists(st.integers(0, 5), max_size=200),
    st.integers(0, 5),
    st.integers(0, 4),
)
def test_every_session_ends_within_the_bound(
    n: int, grade_stream: list[int], gap: int, max_repeats: int
) -> None:
    q = SessionQueue([(c, "review") for c in range(n)], gap=gap, max_repeats=max_repeats)
    grades = iter(grade_stream)
    shown: list[QueueItem] = []
    last_grade: dict[int, int] = {}
    for _ in range(n * (1 + max_repeats) + 1):  # one more than the bound: must have ended
        item = q.next()
        if item is None:
            break
        shown.append(item)
        grade = next(grades, 0)  # failing forever once the stream runs out
        last_grade[item.card_id] = grade
        q.record(item.card_id, grade)
    else:
        pytest.fail("session did not end within n × (1 + max_repeats) items")
    firsts = [i.card_id for i in shown if not i.is_repeat]
    assert firsts == list(range(n))  # first showings keep the input order
    for c in range(n):
        reps = [i.repeat for i in shown if i.card_id == c and i.is_repeat]
        assert reps == list(range(1, len(reps) + 1))
        assert len(reps) <= max_repeats
        # A card stops either at a grade ≥ 4 or after its last allowed repeat.
        assert last_grade[c] >= 4 or len(reps) == max_repeats


def test_skip_drops_the_item_without_a_repeat() -> None:
    queue = SessionQueue([(1, "review"), (2, "learn")])
    first = queue.next()
    assert first is not None
    queue.skip(first.card_id)
    second = queue.next()
    assert second is not None
    assert second.card_id == 2
    queue.record(2, 5)
    assert queue.next() is None


def test_skip_checks_the_card() -> None:
    queue = SessionQueue([(1, "review")])
    with pytest.raises(UsageError):
        queue.skip(1)
    queue.next()
    with pytest.raises(UsageError):
        queue.skip(2)
