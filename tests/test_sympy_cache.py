"""sympy's memo caches are sized by mathdrill in every process that imports it first."""

from __future__ import annotations

import os
import subprocess
import sys

import mathdrill

PROBE = (
    "import mathdrill, sympy\n"
    "from sympy.core.operations import AssocOp\n"
    "print(AssocOp.__new__.cache_info().maxsize)\n"
)


def run_probe(env: dict[str, str]) -> int:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip())


def test_sympy_caches_get_mathdrills_size():
    env = {k: v for k, v in os.environ.items() if k != "SYMPY_CACHE_SIZE"}
    assert run_probe(env) == mathdrill.SYMPY_CACHE_SIZE
    assert mathdrill.SYMPY_CACHE_SIZE > 1000  # sympy's own default, too small for decks


def test_a_size_set_by_the_user_wins():
    env = {**os.environ, "SYMPY_CACHE_SIZE": "1234"}
    assert run_probe(env) == 1234
