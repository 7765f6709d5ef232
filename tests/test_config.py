"""The injectable environment: --now, MATHDRILL_NOW, MATHDRILL_HOME, rollover hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mathdrill.config import build_environment, data_dir, parse_now
from mathdrill.errors import UsageError

BERLIN_WINTER = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-21T09:30", datetime(2026, 11, 21, 9, 30, tzinfo=BERLIN_WINTER)),
        ("2026-11-21T09:30:00Z", datetime(2026, 11, 21, 9, 30, tzinfo=UTC)),
        ("2026-11-21T09:30:00+05:00", datetime(2026, 11, 21, 4, 30, tzinfo=UTC)),
        ("2026-11-21", datetime(2026, 11, 21, 0, 0, tzinfo=BERLIN_WINTER)),
    ],
)
def test_parse_now(text: str, expected: datetime) -> None:
    parsed = parse_now(text, BERLIN_WINTER)
    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize("text", ["tomorrow", "2026-13-01", "", "21/11/2026"])
def test_parse_now_rejects_with_a_hint(text: str) -> None:
    with pytest.raises(UsageError, match="ISO 8601"):
        parse_now(text, UTC)


def test_option_beats_variable_and_clock_is_frozen() -> None:
    env = {"MATHDRILL_NOW": "2020-01-01T00:00Z"}
    from_option = build_environment(env, now="2026-11-21T10:00Z")
    assert from_option.now() == datetime(2026, 11, 21, 10, tzinfo=UTC)
    from_variable = build_environment(env)
    assert from_variable.now() == datetime(2020, 1, 1, tzinfo=UTC)
    assert from_variable.now() == from_variable.now()


def test_without_a_fixed_time_the_clock_moves_forward() -> None:
    environment = build_environment({})
    first = environment.now()
    assert first.tzinfo is not None
    assert environment.now() >= first


def test_home_overrides_platform_dir(tmp_path) -> None:
    assert data_dir({"MATHDRILL_HOME": str(tmp_path)}) == tmp_path
    assert data_dir({}).name == "mathdrill"


@pytest.mark.parametrize("value", ["24", "-1", "four", "4.5"])
def test_bad_rollover_hour_is_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError, match="ROLLOVER"):
        build_environment({"MATHDRILL_ROLLOVER_HOUR": value})


def test_rollover_hour_read_from_environment() -> None:
    assert build_environment({"MATHDRILL_ROLLOVER_HOUR": "6"}).rollover_hour == 6
    assert build_environment({}).rollover_hour == 4


def test_bad_now_on_the_command_line_exits_two(md) -> None:
    done = md(
        "--now", "someday", "check", "--kind", "boolean", "--expected", "yes", "--answer", "y"
    )
    assert done.returncode == 2
    assert "ISO 8601" in done.stderr
    assert "Traceback" not in done.stderr


def test_local_zone_follows_a_named_zone_through_dst(tmp_path) -> None:
    from datetime import datetime as dt

    from mathdrill.config import local_zone

    zone = local_zone({"TZ": ":Europe/Berlin"}, etc=tmp_path)
    winter = dt(2026, 1, 15, 12, tzinfo=zone).utcoffset()
    summer = dt(2026, 7, 15, 12, tzinfo=zone).utcoffset()
    assert (winter.total_seconds(), summer.total_seconds()) == (3600, 7200)


def test_local_zone_reads_the_localtime_link_then_etc_timezone(tmp_path) -> None:
    from mathdrill.config import local_zone

    zoneinfo = tmp_path / "usr" / "share" / "zoneinfo" / "America"
    zoneinfo.mkdir(parents=True)
    (zoneinfo / "Chicago").write_bytes(b"")
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "localtime").symlink_to(zoneinfo / "Chicago")
    assert str(local_zone({}, etc=etc)) == "America/Chicago"
    (etc / "localtime").unlink()
    (etc / "timezone").write_text("Asia/Tokyo\n")
    assert str(local_zone({}, etc=etc)) == "Asia/Tokyo"


def test_local_zone_without_a_name_falls_back_to_todays_offset(tmp_path) -> None:
    from datetime import datetime as dt

    from mathdrill.config import local_zone

    zone = local_zone({"TZ": "/some/file"}, etc=tmp_path)
    assert zone.utcoffset(dt.now()) == dt.now().astimezone().utcoffset()
