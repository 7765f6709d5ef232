"""The daily limits from the environment: MATHDRILL_NEW_PER_DAY and MATHDRILL_REVIEWS_PER_DAY."""

from __future__ import annotations

import pytest

from mathdrill.config import MAX_DAILY_LIMIT, build_environment
from mathdrill.errors import UsageError
from mathdrill.scheduling.queue import DEFAULT_NEW_PER_DAY, DEFAULT_REVIEW_CAP


def test_defaults_when_unset_or_empty() -> None:
    for env in ({}, {"MATHDRILL_NEW_PER_DAY": "", "MATHDRILL_REVIEWS_PER_DAY": " "}):
        environment = build_environment(env)
        assert environment.new_per_day == DEFAULT_NEW_PER_DAY
        assert environment.reviews_per_day == DEFAULT_REVIEW_CAP


def test_variables_set_the_limits() -> None:
    environment = build_environment(
        {"MATHDRILL_NEW_PER_DAY": "0", "MATHDRILL_REVIEWS_PER_DAY": " 45 "}
    )
    assert (environment.new_per_day, environment.reviews_per_day) == (0, 45)
    edge = build_environment({"MATHDRILL_REVIEWS_PER_DAY": str(MAX_DAILY_LIMIT)})
    assert edge.reviews_per_day == MAX_DAILY_LIMIT


@pytest.mark.parametrize("name", ["MATHDRILL_NEW_PER_DAY", "MATHDRILL_REVIEWS_PER_DAY"])
@pytest.mark.parametrize(
    "text", ["-1", "2.5", "ten", "1e3", "٣", str(MAX_DAILY_LIMIT + 1), "9" * 5000]
)
def test_bad_values_say_which_variable_and_how_to_fix(name: str, text: str) -> None:
    with pytest.raises(UsageError) as caught:
        build_environment({name: text})
    message = str(caught.value)
    assert message.startswith(f"{name} must be a whole number from 0 to {MAX_DAILY_LIMIT}")
    assert "unset it" in message
    assert len(message) < 300  # a huge value is cut in the message


def test_a_bad_variable_is_exit_2_on_the_command_line(md, md_env) -> None:
    md_env["MATHDRILL_REVIEWS_PER_DAY"] = "lots"
    done = md("--now", "2026-11-21T09:00", "due")
    assert done.returncode == 2
    assert "MATHDRILL_REVIEWS_PER_DAY must be a whole number" in done.stderr
    assert "Traceback" not in done.stderr
