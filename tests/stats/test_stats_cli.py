"""``mathdrill stats`` in process: screen, --json, filters, --plot and its errors."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mathdrill.storage import open_database
from tests.factories import Recorder

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def home_db(tmp_path: Path, md_env):
    path = Path(md_env["MATHDRILL_HOME"]) / "mathdrill.db"
    db = open_database(str(path))
    yield db
    db.close()


def _fill(home_db):
    history = Recorder(home_db)
    a = history.card("derivatives", "chain-rule-sin", NOW - timedelta(days=60))
    b = history.card("bayes", "urn-posterior", NOW - timedelta(days=60))
    for day in range(20):
        at = NOW - timedelta(days=day, hours=1)
        history.review(a, at, correct=day % 3 != 0, mistake=None if day % 3 else "dropped-inner")
        history.review(b, at + timedelta(minutes=5), kind="learn" if day == 19 else "review")


def test_screen_json_and_filters(md, home_db):
    _fill(home_db)
    screen = md("--now", NOW.isoformat(), "stats")
    assert screen.returncode == 0, screen.stderr
    for heading in ("Today", "Activity", "Calendar", "True retention", "Decks", "Forecast"):
        assert heading in screen.stdout
    assert "streak 20 days" in screen.stdout
    assert "Traceback" not in screen.stderr

    result = md("--now", NOW.isoformat(), "stats", "--json", "--days", "7")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total_reviews"] == 40
    assert data["today"]["current_streak"] == 20
    assert len(data["activity"]) == 7
    assert all(isinstance(p["reviews"], int) for p in data["activity"])
    assert {d["id"] for d in data["decks"]} >= {"derivatives", "bayes"}

    only = json.loads(md("--now", NOW.isoformat(), "stats", "--json", "--deck", "bayes").stdout)
    assert only["total_reviews"] == 20
    assert only["filters"] == {"decks": ["bayes"], "tags": []}

    bad = md("--now", NOW.isoformat(), "stats", "--tag", "no-such-tag")
    assert bad.returncode == 2
    assert "no loaded template carries" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_empty_collection_shows_the_first_day_screen(md, home_db):
    result = md("--now", NOW.isoformat(), "stats")
    assert result.returncode == 0, result.stderr
    assert "No reviews yet" in result.stdout
    assert "mathdrill drill" in result.stdout
    assert "%" not in result.stdout  # no table of zeros


def test_plot_files_are_valid_images(md, home_db, tmp_path):
    _fill(home_db)
    png, svg, pdf = tmp_path / "p.png", tmp_path / "p.svg", tmp_path / "p.pdf"
    for target in (png, svg, pdf):
        result = md("--now", NOW.isoformat(), "stats", "--plot", str(target))
        assert result.returncode == 0, result.stderr
    from PIL import Image

    with Image.open(png) as image:
        image.verify()
    with Image.open(png) as image:
        assert image.format == "PNG"
        width, height = image.size
    assert width >= 800
    assert height >= 800
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 10_000


def test_plot_refuses_a_bad_extension_and_missing_matplotlib(md, home_db, tmp_path, monkeypatch):
    result = md("--now", NOW.isoformat(), "stats", "--plot", str(tmp_path / "p.gif"))
    assert result.returncode == 2
    assert ".png, .svg or .pdf" in result.stderr
    assert not (tmp_path / "p.gif").exists()
    # A matplotlib that cannot be imported (None in sys.modules makes `import` raise it).
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = md("--now", NOW.isoformat(), "stats", "--plot", str(tmp_path / "p.png"))
    assert result.returncode == 2
    assert "pip install 'mathdrill[plots]'" in result.stderr
    assert "Traceback" not in result.stderr
