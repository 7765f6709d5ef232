"""Answer kinds: read a learner's text, compare it with a reference, return a :class:`Verdict`.

Public API::

    AnswerSpec, Mistake, Verdict          plain data in and out (verdict.py)
    KINDS                                 name → AnswerKind (kinds.py; one module per family)
    judge(spec, text) -> Verdict          pure, in-process, never raises on learner text
    parse_expected(kind, text, variables) an author's reference text → AnswerSpec.expected
    render_reference(spec, style)         the reference as unicode/plain/latex/pretty text
    Judge(timeout=2.0).check(spec, text)  the same judge in a killable worker, under a time cap

See ``docs`` in each module for the rules (numeric.py: the number and expression comparisons).

The names are imported lazily (PEP 562): ``kinds`` brings sympy, and the
drill's main process, which only reads verdicts (``mathdrill.answers.verdict``) and talks to a
worker, must not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mathdrill.lazyexports import lazy_getattr

if TYPE_CHECKING:
    from mathdrill.answers.answer_kind import AnswerKind, Reading
    from mathdrill.answers.kinds import KINDS, judge, parse_expected, render_reference
    from mathdrill.answers.verdict import DEFAULT_INTERVAL, AnswerSpec, Mistake, Verdict
    from mathdrill.answers.worker import Judge

_EXPORTS = {
    "KINDS": "mathdrill.answers.kinds",
    "AnswerKind": "mathdrill.answers.answer_kind",
    "Reading": "mathdrill.answers.answer_kind",
    "judge": "mathdrill.answers.kinds",
    "parse_expected": "mathdrill.answers.kinds",
    "render_reference": "mathdrill.answers.kinds",
    "DEFAULT_INTERVAL": "mathdrill.answers.verdict",
    "AnswerSpec": "mathdrill.answers.verdict",
    "Mistake": "mathdrill.answers.verdict",
    "Verdict": "mathdrill.answers.verdict",
    "Judge": "mathdrill.answers.worker",
}

__all__ = [
    "DEFAULT_INTERVAL",
    "KINDS",
    "AnswerKind",
    "AnswerSpec",
    "Judge",
    "Mistake",
    "Reading",
    "Verdict",
    "judge",
    "parse_expected",
    "render_reference",
]


__getattr__ = lazy_getattr("mathdrill.answers", _EXPORTS, globals())
