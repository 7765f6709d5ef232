"""The ``eigenpairs`` kind: eigenvalue → eigenvector pairs of a reference matrix.

The reference is the matrix itself; an answer is checked numerically (Av = λv at 50 digits,
every eigenvalue listed, enough independent vectors for each eigenspace), so any scaling of an
eigenvector counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy

from mathdrill.answers.answer_kind import AnswerKind, Expected, Reading, parse_answer, unreadable
from mathdrill.answers.arrays import entries_key, too_few_figures, vector_norm
from mathdrill.answers.canonical import scalar_key
from mathdrill.answers.display import as_rows, as_vector, is_scalar, render_scalar, render_value
from mathdrill.answers.evaluation import Undefined, evaluate, realify
from mathdrill.answers.forms import split_pairs
from mathdrill.answers.numeric import (
    EXACT_EPS,
    NO_ALLOWANCE,
    NUMBER_DPS,
    Allowance,
    Outcome,
    vector_allowances,
)
from mathdrill.answers.verdict import AnswerSpec
from mathdrill.errors import InputError, MathSyntaxError
from mathdrill.mathlang import Parsed, Sequence, to_plain

#: The reference matrix at NUMBER_DPS digits, its eigenvalue clusters (value, algebraic
#: multiplicity), its scale and each cluster's geometric multiplicity.
_EigenFacts = tuple[Any, list[tuple[Any, int]], Any, list[int]]


@dataclass(frozen=True)
class EigenPairs:
    """A learner's eigenpairs: each value with one or more vectors."""

    pairs: tuple[tuple[Any, tuple[tuple[Any, ...], ...]], ...]
    numbers: tuple[Any, ...] = field(default=())


class EigenpairsKind(AnswerKind):
    """Eigenvalue → eigenvector pairs of the reference matrix.

    Accepted forms: ``2: [1, 1]; 3: [1, -2]`` (also ``->``, ``→``, pairs separated by ``;``, new
    lines or commas, ``λ1 = 2, v1 = (1, 1)``, an optional
    ``λ =`` prefix), several vectors for one value ``1: [1, 0], [0, 1]``, or tuples
    ``[(2, [1, 1]), (3, [1, -2])]``. Correct when every pair satisfies Av = λv with v ≠ 0 and
    every eigenvalue appears; for an eigenvalue whose eigenspace has dimension g the learner gives
    g independent vectors (for a diagonalizable matrix that is its algebraic multiplicity; a value
    may be repeated once per vector).
    """

    name = "eigenpairs"
    complex_values = True

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        return "eigenvalue: eigenvector pairs, e.g. 2: [1, 1]; 3: [1, -2]"

    def check_expected(self, value: Any, text: str) -> Expected:  # noqa: D102
        rows = as_rows(value)
        if (
            rows is None
            or len(rows) != len(rows[0])
            or any(v.free_symbols for r in rows for v in r)
        ):
            raise InputError(f"expected answer {text!r} is not a square numeric matrix")
        return value

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        pieces = split_pairs(text)
        numbers: list[Any] = []
        notes: list[str] = []
        pairs: list[tuple[Any, tuple[tuple[Any, ...], ...]]] = []
        if pieces is None:
            parsed = parse_answer(spec, text, (), imaginary=True)
            numbers.extend(parsed.numbers)
            notes.extend(parsed.notes)
            items = parsed.value.items if isinstance(parsed.value, Sequence) else None
            if (
                items
                and len(items) == 2
                and is_scalar(items[0])
                and as_vector(items[1]) is not None
            ):
                items = (parsed.value,)
            if not items:
                raise unreadable(
                    text, "write pairs as eigenvalue: eigenvector, e.g. 2: [1, 1]; 3: [1, -2]"
                )
            for item in items:
                inner = item.items if isinstance(item, Sequence) else ()
                vector = as_vector(inner[1]) if len(inner) == 2 else None
                if len(inner) != 2 or not is_scalar(inner[0]) or vector is None:
                    raise unreadable(
                        text, "write pairs as eigenvalue: eigenvector, e.g. 2: [1, 1]; 3: [1, -2]"
                    )
                pairs.append((inner[0], (tuple(vector),)))
        else:
            for piece in pieces:
                value_parsed = self._sub(spec, text, piece.value_text, piece.value_start)
                if not is_scalar(value_parsed.value) or value_parsed.value.free_symbols:
                    raise MathSyntaxError(
                        "an eigenvalue must be one number",
                        text,
                        piece.value_start,
                        piece.value_start + max(1, len(piece.value_text)),
                    )
                vectors_parsed = self._sub(spec, text, piece.vectors_text, piece.vectors_start)
                vectors = self._vectors(vectors_parsed.value)
                if vectors is None:
                    raise MathSyntaxError(
                        "expected an eigenvector such as [1, -2] (or several separated by commas)",
                        text,
                        piece.vectors_start,
                        piece.vectors_start + max(1, len(piece.vectors_text)),
                    )
                numbers.extend(value_parsed.numbers)
                numbers.extend(vectors_parsed.numbers)
                notes.extend(value_parsed.notes)
                notes.extend(vectors_parsed.notes)
                pairs.append((value_parsed.value, vectors))
        value = EigenPairs(tuple(pairs), tuple(numbers))
        return Reading(
            value,
            self._show(value, "unicode"),
            self._show(value, "plain"),
            tuple(notes),
            NO_ALLOWANCE,
            tuple(numbers),
        )

    @staticmethod
    def _sub(spec: AnswerSpec, text: str, part: str, start: int) -> Parsed:
        lead = len(part) - len(part.lstrip())
        try:
            return parse_answer(spec, part.strip(), (), imaginary=True)
        except MathSyntaxError as error:
            raise MathSyntaxError(
                error.message, text, start + lead + error.start, start + lead + error.end
            ) from None

    @staticmethod
    def _vectors(value: Any) -> tuple[tuple[Any, ...], ...] | None:
        single = as_vector(value)
        if single is not None and not (
            isinstance(value, Sequence)
            and all(isinstance(i, Sequence) for i in value.items)
            and len(value.items) > 1
        ):
            return (tuple(single),)
        if isinstance(value, Sequence) and all(isinstance(i, Sequence) for i in value.items):
            vectors = [as_vector(i) for i in value.items]
            if all(v is not None for v in vectors):
                return tuple(tuple(v) for v in vectors if v is not None)
        return None

    @staticmethod
    def _show(value: EigenPairs, style: str) -> str:
        parts = []
        for lam, vectors in value.pairs:
            shown = ", ".join(render_value(list(v), style) for v in vectors)
            parts.append(f"{render_scalar(lam, style)}: {shown}")
        return "; ".join(parts)

    def render(self, spec: AnswerSpec, value: Any, style: str) -> str:
        """Render the eigenpairs of the reference matrix (``2: [1, -2]; 5: [1, 1]``).

        Args:
            spec: The spec.
            value: The reference matrix.
            style: A style name.

        Returns:
            One pair per eigenvector; the matrix itself when sympy cannot find them exactly.
        """
        rows = as_rows(value)
        try:
            triples = sympy.Matrix(rows).eigenvects() if rows is not None else None
        except (ValueError, TypeError, ArithmeticError, NotImplementedError):
            triples = None
        if not triples:
            return render_value(value, style)
        pairs = tuple(
            (lam, tuple(tuple(_integer_scaled(list(vector))) for vector in basis))
            for lam, _multiplicity, basis in triples
        )
        inner = "unicode" if style == "pretty" else style
        return self._show(EigenPairs(pairs), inner)

    def answer_text(self, spec: AnswerSpec, value: Any) -> str:
        """Return a matrix's eigenpairs as typed, ``λ: [v]; μ: [w]``, from sympy's eigenvectors.

        Several vectors follow a value whose eigenspace is larger; any other value is rendered
        as plain text.
        """
        if not isinstance(value, sympy.MatrixBase):
            return self.render(spec, value, "plain")
        pairs = []
        for eigenvalue, _multiplicity, vectors in value.eigenvects():
            shown = ", ".join(
                "[" + ", ".join(to_plain(entry) for entry in vector) + "]" for vector in vectors
            )
            pairs.append(f"{to_plain(eigenvalue)}: {shown}")
        return "; ".join(pairs)

    def canonical(self, spec: AnswerSpec, value: Any) -> str:
        """The matrix's eigenvalues with their eigenspaces, in a form that ignores scaling.

        Each eigenspace is the reduced row echelon form of its basis (one vector: scaled so its
        first nonzero entry is 1), so every list of pairs the kind accepts has one text.
        """
        rows = as_rows(value)
        try:
            triples = sympy.Matrix(rows).eigenvects() if rows is not None else None
        except (ValueError, TypeError, ArithmeticError, NotImplementedError):
            triples = None
        if not triples:
            return self.render(spec, value, "plain")
        pairs = []
        for eigenvalue, _multiplicity, basis in triples:
            echelon = sympy.Matrix.hstack(*basis).T.rref()[0]
            space = "; ".join(entries_key(spec, list(echelon.row(i))) for i in range(echelon.rows))
            pairs.append(f"{scalar_key(eigenvalue, {})}: {space}")
        return " | ".join(sorted(pairs))

    def shows_answer_text(self, form: str) -> bool:
        """Show the reference as its typed eigenpairs in every form but LaTeX."""
        return form != "latex"

    def outcome(  # noqa: D102
        self, spec: AnswerSpec, expected: Any, reading: Reading, *, decide_only: bool
    ) -> Outcome:
        rows = as_rows(expected)
        if rows is None or len(rows) != len(rows[0]):
            return Outcome(None, "the reference is not a square matrix — report this template")
        answer: EigenPairs = reading.value
        fine, coarse = vector_allowances(answer.numbers)
        with mpmath.workdps(NUMBER_DPS):
            facts = _eigen_facts(rows)
            if facts is None:
                return Outcome(
                    None, "the reference matrix has no finite value — report this template"
                )
            outcome = self._check(facts, answer, fine)
            if outcome.equal is False and coarse.any and self._check(facts, answer, coarse).equal:
                return too_few_figures(coarse)
        return outcome

    @staticmethod
    def _check(facts: _EigenFacts, answer: EigenPairs, allowance: Allowance) -> Outcome:
        """Check every pair against the reference's eigen facts (inside NUMBER_DPS digits)."""
        matrix, clusters, scale, geometric_of = facts
        n = matrix.rows
        used: dict[int, list[list[Any]]] = {i: [] for i in range(len(clusters))}
        for lam_expr, vectors in answer.pairs:
            try:
                lam = realify(evaluate(lam_expr, {}, NUMBER_DPS), NUMBER_DPS)
            except Undefined:
                return Outcome(False, "an eigenvalue has no finite value")
            for vector in vectors:
                if len(vector) != n:
                    return Outcome(False, f"eigenvectors of a {n}×{n} matrix have {n} entries")
                try:
                    v = [realify(evaluate(x, {}, NUMBER_DPS), NUMBER_DPS) for x in vector]
                except Undefined:
                    return Outcome(False, "an eigenvector entry has no finite value")
                norm = vector_norm(v)
                if norm <= EXACT_EPS:
                    return Outcome(False, "an eigenvector must be nonzero")
                index = _nearest_cluster(clusters, lam, allowance, scale)
                shown = render_scalar(lam_expr, "unicode") if index is None else ""
                if index is None:
                    return Outcome(False, f"{shown} is not an eigenvalue")
                mu = clusters[index][0]
                residual = mpmath.norm(matrix * mpmath.matrix(v) - mu * mpmath.matrix(v))
                tolerance = (
                    8 * allowance.absolute * scale * n
                    if allowance.any and allowance.absolute is not None
                    else mpmath.mpf("1e-15") * scale * norm
                )
                if residual > tolerance:
                    shown = render_scalar(lam_expr, "unicode")
                    return Outcome(
                        False,
                        f"the vector given for {shown} is not an eigenvector for it (Av ≠ λv)",
                    )
                used[index].append(v)
        for index, (_mu, algebraic) in enumerate(clusters):
            geometric = geometric_of[index]
            listed = used[index]
            if not listed:
                return Outcome(False, "not every eigenvalue is listed")
            if _rank(
                mpmath.matrix(listed),
                mpmath.mpf("1e-6") * max(vector_norm(x) for x in listed),
            ) < len(listed):
                return Outcome(
                    False, "the eigenvectors given for one eigenvalue are not independent"
                )
            if len(listed) < geometric:
                return Outcome(
                    False,
                    f"an eigenvalue of multiplicity {algebraic} needs {geometric} independent"
                    " eigenvectors",
                )
        return Outcome(True, "every pair satisfies Av = λv and every eigenvalue is given")


def _eigen_facts(rows: list[list[Any]]) -> _EigenFacts | None:
    """Return what eigenpairs are checked against (None when an entry has no finite value).

    Call inside ``mpmath.workdps(NUMBER_DPS)``.
    """
    n = len(rows)
    try:
        matrix = mpmath.matrix([[evaluate(v, {}, NUMBER_DPS) for v in row] for row in rows])
    except Undefined:
        return None
    clusters = _eigen_clusters(matrix)
    scale = mpmath.mnorm(matrix, 1) + 1
    geometric = [
        n - _rank(matrix - mu * mpmath.eye(n), mpmath.mpf("1e-15") * scale) for mu, _ in clusters
    ]
    return matrix, clusters, scale, geometric


def _integer_scaled(vector: list[Any]) -> list[Any]:
    """Scale a rational vector to coprime integers (eigenvectors read better that way)."""
    if not all(getattr(v, "is_Rational", False) for v in vector):
        return vector
    denominator = sympy.ilcm(*[v.q for v in vector]) if vector else 1
    scaled = [v * denominator for v in vector]
    divisor = sympy.igcd(*[int(v) for v in scaled]) if any(scaled) else 1
    return [v / divisor for v in scaled] if divisor else scaled


def _eigen_clusters(matrix: Any) -> list[tuple[Any, int]]:
    """Eigenvalues of ``matrix`` grouped by value: (value, algebraic multiplicity)."""
    values = mpmath.eig(matrix, left=False, right=False)
    scale = mpmath.mnorm(matrix, 1) + 1
    clusters: list[list[Any]] = []
    for value in values:
        value = realify(value, NUMBER_DPS - 20)
        for cluster in clusters:
            if abs(cluster[0] - value) <= mpmath.mpf("1e-12") * scale:
                cluster.append(value)
                break
        else:
            clusters.append([value])
    return [(sum(c) / len(c), len(c)) for c in clusters]


def _nearest_cluster(
    clusters: list[tuple[Any, int]], lam: Any, allowance: Allowance, scale: Any
) -> int | None:
    best = min(range(len(clusters)), key=lambda i: abs(clusters[i][0] - lam))
    gap = abs(clusters[best][0] - lam)
    limit = mpmath.mpf("1e-12") * scale
    if allowance.any and allowance.absolute is not None:
        limit = max(limit, allowance.absolute * (1 + mpmath.mpf("1e-20")))
    return best if gap <= limit else None


def _rank(matrix: Any, tolerance: Any) -> int:
    singular = (
        mpmath.svd_r(matrix, compute_uv=False)
        if not _is_complex(matrix)
        else mpmath.svd_c(matrix, compute_uv=False)
    )
    return sum(1 for s in singular if abs(s) > tolerance)


def _is_complex(matrix: Any) -> bool:
    return any(
        isinstance(matrix[i, j], mpmath.mpc) for i in range(matrix.rows) for j in range(matrix.cols)
    )
