"""warm_up: the problem worker's idle-time set-up stops as soon as a request is waiting."""

from mathdrill.mathlang import warm_up
from mathdrill.mathlang.parser import _WARM_UP


def test_warm_up_asks_before_each_text_and_reports_completion() -> None:
    asked: list[int] = []

    def never() -> bool:
        asked.append(1)
        return False

    assert warm_up(stop=never) is True
    assert len(asked) == len(_WARM_UP)


def test_warm_up_stops_when_a_request_waits() -> None:
    calls = 0

    def after_two() -> bool:
        nonlocal calls
        calls += 1
        return calls > 2

    assert warm_up(stop=after_two) is False
    assert calls == 3  # two texts parsed, the third not started


def test_warm_up_that_must_stop_at_once_parses_nothing() -> None:
    assert warm_up(stop=lambda: True) is False
