"""Where the database lives.

``--db`` wins, then ``MATHDRILL_DB``, then ``MATHDRILL_HOME``, then the platform's user data
directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

#: File name of the database inside a data directory.
DATABASE_FILENAME = "mathdrill.db"


def resolve_data_dir(env: Mapping[str, str]) -> Path:
    r"""Return mathdrill's data directory (database, user decks).

    ``MATHDRILL_HOME`` wins; otherwise platformdirs' user data directory for ``mathdrill``
    (``~/.local/share/mathdrill`` on Linux, ``~/Library/Application Support/mathdrill`` on macOS,
    ``%LOCALAPPDATA%\mathdrill`` on Windows).

    Args:
        env: The environment to read (``os.environ`` in the CLI, a dict in tests).

    Returns:
        The directory; it may not exist yet.
    """
    home = env.get("MATHDRILL_HOME", "").strip()
    if home:
        return _expand(home, env)
    import platformdirs  # only needed on this branch

    return Path(platformdirs.user_data_dir("mathdrill", appauthor=False))


def resolve_database(db: str | None, env: Mapping[str, str]) -> str:
    """Return the SQLAlchemy URL of the database to use.

    Precedence: ``db`` (the ``--db`` option: a file path or any SQLAlchemy URL), then
    ``MATHDRILL_DB`` (same forms), then ``MATHDRILL_HOME/mathdrill.db``, then
    ``<user data dir>/mathdrill.db``. Empty values count as unset. A leading ``~`` is expanded
    with ``HOME`` from ``env``. Relative paths stay relative (to the working directory).

    Args:
        db: The value of ``--db``, or None when not given.
        env: The environment to read.

    Returns:
        An SQLAlchemy URL such as ``sqlite:////home/ada/.local/share/mathdrill/mathdrill.db`` or
        ``postgresql+psycopg://user@host/mathdrill``.
    """
    for candidate in (db, env.get("MATHDRILL_DB")):
        if candidate is not None and candidate.strip():
            text = candidate.strip()
            if "://" in text:
                return text
            return path_to_url(_expand(text, env))
    return path_to_url(resolve_data_dir(env) / DATABASE_FILENAME)


def path_to_url(path: Path | str) -> str:
    """Return the SQLite URL of a file path, escaping characters URLs treat specially.

    Args:
        path: A file path (``?``, ``#``, ``%`` and spaces in it are fine).

    Returns:
        A ``sqlite:///...`` URL that SQLAlchemy parses back to exactly ``path``.
    """
    from sqlalchemy.engine import URL  # keep `import mathdrill.storage` light

    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def _expand(text: str, env: Mapping[str, str]) -> Path:
    """Expand a leading ``~`` using ``HOME`` from ``env`` (falling back to the OS's idea)."""
    if text == "~" or text.startswith(("~/", "~\\")):
        home = env.get("HOME") or str(Path.home())
        return Path(home) / text[2:] if len(text) > 1 else Path(home)
    return Path(text)
