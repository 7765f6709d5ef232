"""How many distinct answers and prompts each built-in template draws (issue #19's floor).

A template is a skill, not a question to memorise: over seeds ``0 … SEEDS-1`` its reference
answers should take at least :data:`FLOOR` distinct values. Answers are compared by an exact
canonical form of their kind (an exact number, a simplified expression, a direction up to
scale and sign, a set sorted, eigenpairs as eigenvalues with normalised eigenvectors), so two
instances that only differ in how the same answer is written count once.

:data:`EXEMPT` names the templates whose mathematics cannot reach the floor, with the one-line
reason (the deck format's ``variety:`` key, once the engine has it, takes these over).

Run it as a script to print the table (worst first)::

    .venv/bin/python -m tests.deck_content.variety [DECK ...] [--seeds 300] [--all]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy

from mathdrill.decks.generate import generate
from mathdrill.decks.loader import load_deck_file
from mathdrill.decks.model import Template
from mathdrill.mathlang.values import Sequence, SetLiteral

DECKS = Path(__file__).resolve().parents[2] / "decks"
SEEDS = 300
FLOOR = 50

#: ``deck/template`` → why its answers cannot take FLOOR distinct values.
EXEMPT: dict[str, str] = {
    "eigen/rank-of-matrix": "the rank of a 3×4 matrix is 1, 2 or 3; the matrix varies instead",
}


#: Fixed points at which an expression is evaluated to fingerprint it (irrational, so that
#: two different formulas of the decks never agree on all of them).
POINTS = (0.5772156649, 1.4142135623, 0.3183098861, 2.7182818284)


def _number(value: Any) -> str:
    """A number as text with 12 significant digits (real and imaginary part)."""
    z = complex(sympy.N(value, 30))
    z = complex(0.0 if abs(z.real) < 1e-12 else z.real, 0.0 if abs(z.imag) < 1e-12 else z.imag)
    return f"{z.real:.12g}{z.imag:+.12g}j" if abs(z.imag) > 1e-12 else f"{z.real:.12g}"


def _scalar(value: Any) -> str:
    """A canonical text of a scalar: its value to 12 significant digits, or for an expression
    its values at :data:`POINTS` (equal answers, equal texts; different ones differ)."""
    if isinstance(value, bool | str):
        return repr(value)
    expr = value if isinstance(value, sympy.Basic) else sympy.sympify(value)
    free = sorted(expr.free_symbols, key=str)
    if not free:
        return _number(expr)
    rows = []
    for shift, point in enumerate(POINTS):
        at = {x: sympy.Float(point + 0.37 * k * shift, 30) for k, x in enumerate(free, 1)}
        try:
            rows.append(_number(expr.subs(at)))
        except (TypeError, ValueError):
            rows.append("undefined")
    return "f(" + ", ".join(rows) + ")"


def _items(value: Any) -> list[Any]:
    if isinstance(value, Sequence | SetLiteral):
        return list(value.items)
    if isinstance(value, sympy.MatrixBase):
        return list(value)
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, sympy.FiniteSet):
        return list(value.args)
    return [value]


def _direction(value: Any) -> str:
    """A vector up to nonzero scale: divided by its first nonzero entry."""
    entries = [sympy.sympify(v) for v in _items(value)]
    pivot = next((v for v in entries if abs(complex(sympy.N(v))) > 1e-12), sympy.Integer(1))
    return repr(tuple(_scalar(v / pivot) for v in entries))


def _eigenpairs(matrix: Any) -> str:
    """Eigenvalues with their eigenspaces (each basis vector as a direction), sorted."""
    m = sympy.Matrix(matrix)
    pairs = []
    for lam, _mult, basis in m.eigenvects():
        pairs.append((_scalar(lam), tuple(sorted(_direction(b) for b in basis))))
    return repr(sorted(pairs))


def canonical(kind: str, value: Any, *, up_to_constant: bool = False) -> str:
    """An exact canonical text of a reference answer of ``kind``: equal answers, equal texts."""
    if kind == "eigenpairs":
        return _eigenpairs(value)
    if kind == "direction":
        return _direction(value)
    if kind in ("set", "multiset"):
        return repr(sorted(_scalar(v) for v in _items(value)))
    if kind in ("vector", "matrix"):
        if isinstance(value, sympy.MatrixBase):
            return repr((value.shape, tuple(_scalar(v) for v in value)))
        return repr(
            tuple(
                canonical(kind, v) if isinstance(v, Sequence) else _scalar(v) for v in _items(value)
            )
        )
    if kind == "expression" and up_to_constant:
        expr = sympy.sympify(value)
        free = sorted(expr.free_symbols, key=str)
        constant = expr.subs({x: sympy.Float(POINTS[0], 30) for x in free}) if free else expr
        return _scalar(expr - constant)
    if kind in ("choice", "boolean", "shape", "interval"):
        return repr(value)
    return _scalar(value)


@dataclass(frozen=True)
class Variety:
    """The distinct answers and prompts of one template over its seeds."""

    card: str
    kind: str
    answers: int
    prompts: int
    seeds: int
    exempt: str | None

    @property
    def short(self) -> bool:
        """Below the floor without a stated reason."""
        return self.answers < min(FLOOR, self.seeds) and self.exempt is None


def measure(deck_id: str, template: Template, seeds: int = SEEDS) -> Variety:
    """Count the distinct canonical answers and prompts of ``template`` over ``0 … seeds-1``."""
    answers: set[str] = set()
    prompts: set[str] = set()
    kind = ""
    for seed in range(seeds):
        inst = generate(template, seed)
        kind = inst.spec.kind
        answers.add(canonical(kind, inst.spec.expected, up_to_constant=inst.spec.up_to_constant))
        prompts.add(inst.prompt)
    card = f"{deck_id}/{template.id}"
    return Variety(card, kind, len(answers), len(prompts), seeds, EXEMPT.get(card))


def deck_ids(folder: Path = DECKS) -> list[str]:
    """Every deck id of ``folder`` (the built-in decks by default)."""
    return sorted(path.stem for path in folder.glob("*.yaml"))


def measure_decks(decks: Iterable[str], seeds: int = SEEDS, folder: Path = DECKS) -> list[Variety]:
    """Measure every template of the named decks of ``folder``."""
    rows = []
    for deck_id in decks:
        deck = load_deck_file(folder / f"{deck_id}.yaml")
        rows.extend(measure(deck_id, t, seeds) for t in deck.templates)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the variety table; exit 1 when a template is short of the floor."""
    parser = argparse.ArgumentParser(description="Distinct answers and prompts per template.")
    parser.add_argument("decks", nargs="*", help="deck ids (default: every built-in deck)")
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--all", action="store_true", help="list every template, not only short")
    parser.add_argument("--dir", type=Path, default=DECKS, help="deck folder")
    args = parser.parse_args(argv)
    rows = measure_decks(args.decks or deck_ids(args.dir), args.seeds, args.dir)
    rows.sort(key=lambda r: (r.answers, r.card))
    for row in rows:
        if args.all or row.short or row.exempt:
            note = f"  exempt: {row.exempt}" if row.exempt else ""
            print(f"{row.answers:4d} {row.prompts:4d}  {row.kind:11s} {row.card}{note}")
    short = [r for r in rows if r.short]
    print(f"{len(short)} of {len(rows)} template(s) below {FLOOR} distinct answers")
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main())
