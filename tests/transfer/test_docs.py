"""docs/data.md documents exactly the columns the exports write."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mathdrill.usecases.transfer import CARD_COLUMNS, FSRS_COLUMNS, REVIEW_COLUMNS, STATS_COLUMNS

DOC = Path(__file__).resolve().parents[2] / "docs" / "data.md"


def _table_after(heading: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Export and import", 1)[1]
    start = section.index(heading)
    names: list[str] = []
    in_table = False
    for line in section[start:].splitlines()[1:]:
        if line.startswith("|"):
            in_table = True
            first = line.split("|")[1]
            if first.strip() in ("column", "---"):
                continue
            names.extend(re.findall(r"`([a-z_0-9]+)`", first))
        elif in_table:
            break
    return names


@pytest.mark.parametrize(
    ("heading", "columns"),
    [
        ("#### Columns of `export reviews`", REVIEW_COLUMNS),
        ("#### Columns of `export cards`", CARD_COLUMNS),
        ("#### Columns of `export stats`", STATS_COLUMNS),
        ("#### `--format fsrs`", FSRS_COLUMNS),
    ],
)
def test_documented_columns_are_the_exported_ones(heading: str, columns: tuple[str, ...]) -> None:
    assert tuple(_table_after(heading)) == columns
