"""The drill's planning helpers: skill selection, --minutes plans, streaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from mathdrill.errors import UsageError
from mathdrill.usecases.drill import DrillOptions, plan_minutes, select_skills, streak_days


@dataclass(frozen=True)
class FakeSkill:  # the fields select_skills reads; real skills come from the deck catalogue
    deck: str
    id: str
    tags: tuple[str, ...] = ()


TEMPLATES = [
    FakeSkill("derivatives", "power", ("rules",)),
    FakeSkill("derivatives", "chain", ("rules", "chain-rule")),
    FakeSkill("eigen", "eigvals-2x2", ("eigenvalues",)),
]


def test_select_all_by_default() -> None:
    assert select_skills(TEMPLATES, (), ()) == TEMPLATES


def test_select_by_deck_and_tag_keeps_order() -> None:
    assert [t.id for t in select_skills(TEMPLATES, ["derivatives"], ())] == ["power", "chain"]
    assert [t.id for t in select_skills(TEMPLATES, (), ["chain-rule"])] == ["chain"]


def test_unknown_deck_or_tag_is_a_usage_error_naming_what_exists() -> None:
    with pytest.raises(UsageError, match="no deck named bayes; loaded decks: derivatives, eigen"):
        select_skills(TEMPLATES, ["bayes"], ())
    with pytest.raises(UsageError, match="no template is tagged duality"):
        select_skills(TEMPLATES, (), ["duality"])
    with pytest.raises(UsageError, match="tagged rules"):
        select_skills(TEMPLATES, ["eigen"], ["rules"])


def test_minutes_plan_takes_a_prefix_that_fits() -> None:
    items = [(1, "review"), (2, "review"), (3, "learn"), (4, "learn")]
    estimates = {1: 60.0, 2: 90.0, 3: 30.0, 4: 30.0}
    assert plan_minutes(items, estimates, 2.5) == items[:2]
    assert plan_minutes(items, estimates, 3.5) == items
    # Never empty: one long problem still fits a short session.
    assert plan_minutes(items, estimates, 0.1) == items[:1]


def test_streak_counts_back_from_today_or_yesterday() -> None:
    today = date(2026, 11, 21)
    days = {date(2026, 11, 21), date(2026, 11, 20), date(2026, 11, 19), date(2026, 11, 17)}
    assert streak_days(days, today) == 3
    assert streak_days(days - {today}, today) == 2  # today not done yet: yesterday's run counts
    assert streak_days({date(2026, 11, 18)}, today) == 0
    assert streak_days(set(), today) == 0


@pytest.mark.parametrize(
    ("field", "value"), [("new", -1), ("limit", -3), ("minutes", 0.0), ("minutes", -2.0)]
)
def test_options_reject_nonsense(field: str, value: float) -> None:
    with pytest.raises(UsageError):
        DrillOptions(**{field: value})
