"""The safe math language (placeholder docstring; full documentation below)."""

from mathdrill.mathlang.functions import AUTHOR_FUNCTIONS, LEARNER_FUNCTIONS, FuncSpec
from mathdrill.mathlang.limits import AUTHOR_LIMITS, LEARNER_LIMITS, Limits
from mathdrill.mathlang.parser import parse, parse_author
from mathdrill.mathlang.render import to_latex, to_plain, to_pretty, to_unicode
from mathdrill.mathlang.values import NumberLiteral, Parsed, Sequence, SetLiteral

__all__ = [
    "AUTHOR_FUNCTIONS",
    "AUTHOR_LIMITS",
    "LEARNER_FUNCTIONS",
    "LEARNER_LIMITS",
    "FuncSpec",
    "Limits",
    "NumberLiteral",
    "Parsed",
    "Sequence",
    "SetLiteral",
    "parse",
    "parse_author",
    "to_latex",
    "to_plain",
    "to_pretty",
    "to_unicode",
]
