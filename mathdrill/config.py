"""Where things live and what time it is: the injectable environment of every command.

Nothing below this module reads the clock or the process environment. Commands build one
:class:`Environment` from the real process (or tests build one by hand) and hand its values down,
so ``--now``/``MATHDRILL_NOW`` make every command reproducible.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from mathdrill.errors import UsageError
from mathdrill.vocabulary import DEFAULT_LEARNER, EARLIEST_NOW, LATEST_NOW, LEARNER_RE

#: The study day starts at this local hour unless MATHDRILL_ROLLOVER_HOUR says otherwise.
DEFAULT_ROLLOVER_HOUR = 4


def parse_now(text: str, local: tzinfo) -> datetime:
    """Read an ISO 8601 timestamp given with ``--now`` or ``MATHDRILL_NOW``.

    Args:
        text: e.g. ``2026-11-21T09:30``, ``2026-11-21T09:30:00+01:00``, ``2026-11-21`` (midnight),
            or with a trailing ``Z`` for UTC.
        local: The zone a timestamp without an offset is read in.

    Returns:
        An aware datetime.

    Raises:
        UsageError: When the text is not an ISO 8601 date or date-time, or lies outside
            the scheduler's range (``EARLIEST_NOW`` to ``LATEST_NOW``).
    """
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise UsageError(
            f"--now/MATHDRILL_NOW: {text!r} is not an ISO 8601 time; "
            "use e.g. 2026-11-21T09:30 or 2026-11-21T09:30:00+01:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local)
    # Compare on dates first: at year 1 or 9999 the offset alone can leave the calendar.
    if not EARLIEST_NOW.date() < moment.date() < LATEST_NOW.date():
        raise UsageError(
            f"--now/MATHDRILL_NOW: {text!r} is outside the range mathdrill schedules in; "
            f"use a time after {EARLIEST_NOW.date().isoformat()} and before "
            f"{LATEST_NOW.date().isoformat()}"
        )
    return moment


def local_zone(env: Mapping[str, str] | None = None, etc: Path = Path("/etc")) -> tzinfo:
    """Return the learner's time zone, by name when it can be found (so DST is followed).

    ``datetime.now().astimezone()`` gives only today's fixed offset: a study day computed with
    it in January would be an hour off for a July review in a zone with summer time. So the
    zone's name is looked for first: ``TZ`` (``Europe/Berlin`` or ``:Europe/Berlin``), then the
    ``/etc/localtime`` link into the zoneinfo database, then ``/etc/timezone`` (Debian).

    Args:
        env: The process environment (``TZ``); None reads nothing from it.
        etc: Where ``localtime``/``timezone`` are looked for (a test's stand-in for ``/etc``).

    Returns:
        A :class:`zoneinfo.ZoneInfo` when a name was found and is known, else today's fixed
        offset (UTC when even that is unknown). A ``TZ`` that is set but names no known zone
        gives today's offset (the C library follows POSIX rules such as ``UTC+14``); the
        files in ``/etc`` are then not consulted (see :func:`zone_warning`).
    """
    candidates: list[str] = []
    if env and env.get("TZ"):
        given = _named_zone(env["TZ"].lstrip(":"))
        # A TZ that is no zone name (a POSIX rule such as UTC+14) still rules the system clock:
        # the C library reads it, so today's offset below follows it; /etc does not apply.
        return given if given is not None else _todays_offset()
    with contextlib.suppress(OSError):
        target = str((etc / "localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    with contextlib.suppress(OSError, UnicodeDecodeError):
        candidates.append((etc / "timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        zone = _named_zone(name)
        if zone is not None:
            return zone
    return _todays_offset()


def _todays_offset() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    return zone if zone is not None else UTC


def zone_warning(env: Mapping[str, str]) -> str | None:
    """Return a note for the learner when ``TZ`` is set but names no zone mathdrill knows.

    Such a TZ (a POSIX rule like ``UTC+14``, a file path, a typo) is followed only through
    today's offset, so summer-time changes are missed; the learner should hear that once.

    Args:
        env: The process environment.

    Returns:
        One sentence, or None when ``TZ`` is unset or a known zone name.
    """
    text = env.get("TZ")
    if not text or _named_zone(text.lstrip(":")) is not None:
        return None
    offset = datetime.now().astimezone().strftime("%z")
    return (
        f"TZ={text!r} is not a time-zone name mathdrill knows: study days use today's offset "
        f"from the system (UTC{offset[:3]}:{offset[3:]}), without summer-time changes; "
        "set TZ to a name such as Europe/Berlin"
    )


def _named_zone(name: str) -> tzinfo | None:
    if not name or name.startswith("/") or ".." in name:
        return None  # a file path or POSIX rule string is not an IANA name
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except (ValueError, OSError, LookupError):
        return None


def data_dir(env: Mapping[str, str]) -> Path:
    """Return the directory that holds the database and user decks.

    ``MATHDRILL_HOME`` wins; otherwise the platform's user data directory (platformdirs). The
    rule lives in storage, which resolves the database path the same way.

    Args:
        env: The process environment (or a test's stand-in).

    Returns:
        The directory path (not created here).
    """
    from mathdrill.storage.location import resolve_data_dir

    return resolve_data_dir(env)


@dataclass(frozen=True)
class Environment:
    """What a command may know about the world outside it.

    Attributes:
        env: Environment variables.
        clock: Returns the current aware time; replaced by ``--now`` and by tests.
        zone: The local time zone, for the study-day rollover.
        rollover_hour: Local hour at which a new study day starts.
        db: The ``--db`` option (path or SQLAlchemy URL), if given.
        learner: Whose progress the commands read and write (``--learner``,
            ``MATHDRILL_LEARNER``, else ``default``).
    """

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    zone: tzinfo = field(default_factory=local_zone)
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR
    db: str | None = None
    learner: str = DEFAULT_LEARNER

    @property
    def data_dir(self) -> Path:
        """The directory of the database and user decks (see :func:`data_dir`)."""
        return data_dir(self.env)

    @property
    def catalog_cache(self) -> Path | None:
        """The deck catalogue's cache file, or None while the data directory does not exist.

        Caching never creates the data directory: ``stats`` or a ``--db`` elsewhere leave no
        folder behind (the first drill with the default database creates it).
        """
        folder = self.data_dir
        return folder / "cache" / "catalog.json" if folder.is_dir() else None

    def now(self) -> datetime:
        """Return the current time (aware).

        Returns:
            The clock's reading.
        """
        return self.clock()


def build_environment(
    env: Mapping[str, str],
    *,
    now: str | None = None,
    db: str | None = None,
    learner: str | None = None,
) -> Environment:
    """Build the environment for one command run from options and variables.

    Args:
        env: The process environment.
        now: The ``--now`` option; ``MATHDRILL_NOW`` is used when it is None.
        db: The ``--db`` option; ``MATHDRILL_DB`` is resolved later by storage when None.
        learner: The ``--learner`` option; ``MATHDRILL_LEARNER`` is used when it is None.

    Returns:
        The environment, with a frozen clock when a time was given.

    Raises:
        UsageError: When ``--now``/``MATHDRILL_NOW``, ``MATHDRILL_ROLLOVER_HOUR`` or
            ``--learner``/``MATHDRILL_LEARNER`` is malformed.
    """
    zone = local_zone(env)
    who = learner if learner is not None else env.get("MATHDRILL_LEARNER") or DEFAULT_LEARNER
    if not LEARNER_RE.fullmatch(who):
        raise UsageError(
            f"--learner/MATHDRILL_LEARNER: {who!r} is not a learner name. Use a lower-case "
            f"letter, then up to 62 lower-case letters, digits or underscores (e.g. alice_b)."
        )
    fixed = now if now is not None else env.get("MATHDRILL_NOW")
    rollover_text = env.get("MATHDRILL_ROLLOVER_HOUR", str(DEFAULT_ROLLOVER_HOUR))
    if not rollover_text.isdigit() or not 0 <= int(rollover_text) <= 23:
        raise UsageError(
            f"MATHDRILL_ROLLOVER_HOUR must be a whole hour from 0 to 23, got {rollover_text!r}"
        )
    if fixed:
        moment = parse_now(fixed, zone)
        return Environment(
            env=dict(env),
            clock=lambda: moment,
            zone=zone,
            rollover_hour=int(rollover_text),
            db=db,
            learner=who,
        )
    return Environment(
        env=dict(env), zone=zone, rollover_hour=int(rollover_text), db=db, learner=who
    )
