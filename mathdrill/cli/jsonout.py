r"""JSON text for machine-readable output (``--json``): always valid UTF-8, nothing hidden.

What a learner typed is echoed in JSON output. A byte that is not UTF-8 reaches Python as a lone
surrogate, which written out as it is makes the line invalid UTF-8; bidi controls and zero-width
characters would reorder or hide text wherever the line is shown. Both are written as ``\u``
escapes instead (a lone surrogate as U+FFFD, the replacement character, which every JSON reader
accepts); other text stays readable (``ensure_ascii=False``).
"""

from __future__ import annotations

import json
import re
from typing import Any

# Lone surrogates; zero-width and direction marks (U+200B–U+200F); bidi embeddings and overrides
# (U+202A–U+202E); word joiner and invisible operators, bidi isolates (U+2060–U+2069); the
# Arabic letter mark (U+061C); the byte-order mark / zero-width no-break space (U+FEFF).
_UNSAFE = re.compile("[\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return "\\ufffd" if 0xD800 <= code <= 0xDFFF else f"\\u{code:04x}"


def dumps(value: Any) -> str:
    r"""Return ``value`` as one line of JSON, safe to write to any terminal, file or pipe.

    Args:
        value: What ``json.dumps`` accepts.

    Returns:
        The JSON text, with lone surrogates as ``\ufffd`` and bidi and zero-width characters
        as ``\u`` escapes.
    """
    return _UNSAFE.sub(_escape, json.dumps(value, ensure_ascii=False))
