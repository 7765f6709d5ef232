"""resolve_database: precedence of --db, MATHDRILL_DB, MATHDRILL_HOME and platformdirs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest
from sqlalchemy.engine import make_url

from mathdrill.storage import resolve_data_dir, resolve_database


def _file(url: str) -> str:
    parsed = make_url(url)
    assert parsed.get_backend_name() == "sqlite"
    assert parsed.database is not None
    return parsed.database


def test_db_option_wins_over_everything(tmp_path: Path) -> None:
    env = {"MATHDRILL_DB": str(tmp_path / "env.db"), "MATHDRILL_HOME": str(tmp_path / "home")}
    assert _file(resolve_database(str(tmp_path / "opt.db"), env)) == str(tmp_path / "opt.db")


def test_env_db_then_home(tmp_path: Path) -> None:
    env = {"MATHDRILL_DB": str(tmp_path / "env.db"), "MATHDRILL_HOME": str(tmp_path / "home")}
    assert _file(resolve_database(None, env)) == str(tmp_path / "env.db")
    del env["MATHDRILL_DB"]
    assert _file(resolve_database(None, env)) == str(tmp_path / "home" / "mathdrill.db")


def test_empty_values_count_as_unset(tmp_path: Path) -> None:
    env = {"MATHDRILL_DB": "  ", "MATHDRILL_HOME": str(tmp_path)}
    assert _file(resolve_database("", env)) == str(tmp_path / "mathdrill.db")


def test_platformdirs_fallback() -> None:
    expected = Path(platformdirs.user_data_dir("mathdrill", appauthor=False)) / "mathdrill.db"
    assert _file(resolve_database(None, {})) == str(expected)
    assert resolve_data_dir({}) == expected.parent


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://ada@db.example/mathdrill", "sqlite:///:memory:", "sqlite://"],
)
def test_urls_pass_through_unchanged(url: str) -> None:
    assert resolve_database(url, {}) == url
    assert resolve_database(None, {"MATHDRILL_DB": url}) == url


@pytest.mark.parametrize("name", ["a b.db", "what?.db", "100%.db", "hash#1.db", "ünï.db"])
def test_awkward_file_names_round_trip(tmp_path: Path, name: str) -> None:
    assert _file(resolve_database(str(tmp_path / name), {})) == str(tmp_path / name)


def test_tilde_uses_home_from_env() -> None:
    assert _file(resolve_database("~/x/m.db", {"HOME": "/home/ada"})) == "/home/ada/x/m.db"
    assert resolve_data_dir({"MATHDRILL_HOME": "~/md", "HOME": "/home/bo"}) == Path("/home/bo/md")


def test_importing_storage_does_not_load_sqlalchemy() -> None:
    # `mathdrill --help` must stay fast: the package loads SQLAlchemy only when a name needs it.
    code = "import sys, mathdrill.storage; print('sqlalchemy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "False"
