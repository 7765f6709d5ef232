"""Finding deck files and reading their metadata must not import sympy or numpy.

``mathdrill stats`` reads deck titles and tags through ``decks.catalog``; the loader (sympy,
numpy) costs about half a second, so the package re-exports it lazily.
"""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module", ["mathdrill.decks", "mathdrill.decks.library", "mathdrill.decks.catalog"]
)
def test_light_deck_modules_do_not_import_sympy_or_numpy(module: str) -> None:
    script = (
        f"import sys, {module}\n"
        "print(sorted(m for m in ('sympy', 'numpy', 'mpmath') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_lazy_names_still_resolve() -> None:
    import mathdrill.decks as decks

    assert decks.load_deck_file.__module__ == "mathdrill.decks.loader"
    assert "integer" in decks.SAMPLERS
    assert decks.DECK_SUFFIXES == (".yaml", ".yml")
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = decks.nope
