r"""A LaTeX subset, read into the same tokens as plain input (spans point into the LaTeX text).

Accepted: ``\frac \dfrac \tfrac`` (also ``\frac12``), ``\sqrt{}``, ``\sqrt[n]{}``, ``^{}`` and
single-character ``^2``, ``_`` subscripts joined to the name (``x_1``, ``x_{12}``), ``\cdot
\times \div``, ``\left( \right)`` and the other ``\left``/``\right`` delimiters (``\left| x
\right|`` is an absolute value), ``\sin \cos \tan \cot \sec \csc \arcsin \arccos \arctan \sinh
\cosh \tanh \ln \log \exp \max \min``, ``\log_2``/``\log_{10}``, ``\pi \infty``, Greek letters,
``\operatorname{relu}``/``\mathrm{…}``, ``\begin{bmatrix} a & b \\ c & d \end{bmatrix}`` (also
``pmatrix``/``matrix``) → list of rows, ``\{1, 3\}`` sets, ``\%``, ``\le \ge \ne``, and spacing
commands (ignored). Braces group like parentheses.
"""

from __future__ import annotations

from mathdrill.errors import MathSyntaxError
from mathdrill.mathlang.lexer import GREEK_NAMES, Tok, lex_plain, number_literal
from mathdrill.mathlang.limits import Limits

_SPECIAL = frozenset("\\{}^_&")
_FUNCS = frozenset(
    [
        "sin",
        "cos",
        "tan",
        "cot",
        "sec",
        "csc",
        "arcsin",
        "arccos",
        "arctan",
        "sinh",
        "cosh",
        "tanh",
        "coth",
        "ln",
        "log",
        "exp",
        "max",
        "min",
        "det",
        "gcd",
    ]
)
_OPS = {
    "cdot": "*", "times": "*", "ast": "*", "div": "/", "le": "<=", "leq": "<=", "ge": ">=",
    "geq": ">=", "ne": "!=", "neq": "!=", "lt": "<", "gt": ">", "leqslant": "<=",
    "geqslant": ">=",
}  # fmt: skip
_SPACES = frozenset({",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "limits"})
_VARIANTS = {"varepsilon": "epsilon", "varphi": "phi", "vartheta": "theta", "varsigma": "sigma"}
_DELIMS = {
    "(": "(", ")": ")", "[": "[", "]": "]", "|": "|", "\\{": "{", "\\}": "}",
    "\\lvert": "|", "\\rvert": "|", "\\vert": "|", "\\lbrace": "{", "\\rbrace": "}",
    "\\langle": None, "\\rangle": None, ".": "",
}  # fmt: skip
_MATRICES = frozenset({"bmatrix", "pmatrix", "matrix", "Bmatrix"})


def is_latex(text: str) -> bool:
    r"""True when the input should be read as LaTeX (a backslash, or ``^{``/``_{`` groups).

    Args:
        text: The input.

    Returns:
        Whether :func:`lex_latex` should read it.
    """
    return "\\" in text or "^{" in text or "_{" in text


class _Reader:
    def __init__(self, text: str, limits: Limits) -> None:
        self.text = text
        self.limits = limits
        self.pos = 0
        self.depth = 0

    # -- helpers ------------------------------------------------------------------------------
    def error(self, message: str, start: int, end: int | None = None) -> MathSyntaxError:
        return MathSyntaxError(message, self.text, start, end)

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def command_at(self, i: int) -> tuple[str, int]:
        """The command starting with the backslash at ``i``: (name, end)."""
        text = self.text
        j = i + 1
        if j < len(text) and text[j].isascii() and text[j].isalpha():
            while j < len(text) and text[j].isascii() and text[j].isalpha():
                j += 1
            return text[i + 1 : j], j
        if j < len(text):
            return text[j], j + 1
        raise self.error("a lone '\\' at the end", i, i + 1)

    def syn(self, kind: str, text: str, start: int, end: int) -> Tok:
        return Tok(kind, text, start, max(end, start + 1), synthetic=True)

    def braced_raw(self, what: str) -> tuple[str, int, int]:
        """Read ``{letters}`` verbatim (for operatorname, subscripts, environment names)."""
        self.skip_spaces()
        if self.peek() != "{":
            raise self.error(f"{what} needs braces, as in {what}{{...}}", self.pos)
        start = self.pos
        end = self.text.find("}", start)
        if end < 0:
            raise self.error("'{' is never closed", start)
        self.pos = end + 1
        return self.text[start + 1 : end].strip(), start, end + 1

    # -- reading ------------------------------------------------------------------------------
    def read_all(self) -> list[Tok]:
        out = self.seq(frozenset())
        if self.pos < len(self.text):
            ch = self.text[self.pos]
            raise self.error(f"unmatched '{ch}'", self.pos)
        return out

    def seq(self, stops: frozenset[str]) -> list[Tok]:
        """Read items until the end, a '}' or a stop ('&' also stops at a row break or end)."""
        out: list[Tok] = []
        text = self.text
        while True:
            self.skip_spaces()
            if self.pos >= len(text):
                return out
            c = text[self.pos]
            if c == "}" or (c == "]" and "]" in stops):
                return out
            if c == "&" and "&" in stops:
                return out
            if c == "\\":
                name, _ = self.command_at(self.pos)
                if name in ("\\", "end") and "&" in stops:
                    return out
            self.item(out)

    def group(self) -> list[Tok]:
        """``{ ... }`` → ``( ... )``."""
        start = self.pos
        self.depth += 1
        if self.depth > self.limits.max_depth:
            from mathdrill.errors import LimitExceededError

            raise LimitExceededError(
                f"braces nested more than {self.limits.max_depth} deep (nesting limit)",
                self.text,
                start,
                start + 1,
            )
        self.pos += 1
        inner = self.seq(frozenset())
        if self.peek() != "}":
            raise self.error("'{' is never closed", start)
        end = self.pos + 1
        self.pos = end
        self.depth -= 1
        if not inner:
            raise self.error("empty braces", start, end)
        return [self.syn("(", "(", start, start + 1), *inner, self.syn(")", ")", end - 1, end)]

    def arg(self, what: str) -> list[Tok]:
        """One argument: a braced group, a command, or a single character."""
        self.skip_spaces()
        c = self.peek()
        if c == "{":
            return self.group()
        if c == "\\":
            out: list[Tok] = []
            self.item(out)
            return out
        if c and c.isascii() and c.isdigit():
            start = self.pos
            self.pos += 1
            return [
                Tok("num", c, start, start + 1, number_literal(c, start, self.text, self.limits))
            ]
        if c and c.isascii() and c.isalpha():
            start = self.pos
            self.pos += 1
            return [Tok("name", c, start, start + 1)]
        raise self.error(f"{what} needs an argument in braces, as in {what}{{x}}", self.pos)

    def item(self, out: list[Tok]) -> None:
        text = self.text
        c = text[self.pos]
        if c == "{":
            out.extend(self.group())
            return
        if c == "^":
            start = self.pos
            self.pos += 1
            out.append(Tok("op", "**", start, start + 1))
            self.skip_spaces()
            sign: list[Tok] = []
            if self.peek() in ("-", "+"):
                sign = [Tok("op", self.peek(), self.pos, self.pos + 1)]
                self.pos += 1
            body = self.arg("^")
            out.extend([self.syn("(", "(", start, start + 1), *sign, *body])
            out.append(self.syn(")", ")", start, start + 1))
            return
        if c == "_":
            self.subscript(out)
            return
        if c == "&":
            raise self.error("'&' is only used between matrix entries", self.pos)
        if c == "\\":
            self.command(out)
            return
        # A run of ordinary characters: the plain tokenizer reads it.
        j = self.pos
        while j < len(text) and text[j] not in _SPECIAL:
            j += 1
        if c == "]":
            j = self.pos + 1
        else:
            k = text.find("]", self.pos, j)
            j = j if k < 0 else max(k, self.pos + 1)
        out.extend(lex_plain(text, self.limits, self.pos, j))
        self.pos = j

    def subscript(self, out: list[Tok]) -> None:
        start = self.pos
        self.pos += 1
        self.skip_spaces()
        if self.peek() == "{":
            sub, _, end = self.braced_raw("_")
        elif self.peek().isascii() and self.peek().isalnum():
            sub, end = self.peek(), self.pos + 1
            self.pos += 1
        else:
            raise self.error("'_' needs a subscript, as in x_1 or x_{12}", start)
        if not out or out[-1].kind != "name" or out[-1].synthetic:
            raise self.error("'_' (a subscript) must follow a variable name, as in x_1", start)
        if not sub.isascii() or not sub.replace("_", "").isalnum():
            raise self.error("a subscript may contain only letters and digits", start, end)
        prev = out[-1]
        if prev.text in ("log",) and sub in ("2", "10", "e"):
            prev.text = {"2": "log2", "10": "log10", "e": "ln"}[sub]
        else:
            prev.text = f"{prev.text}_{sub}"
        prev.end = end

    def command(self, out: list[Tok]) -> None:
        start = self.pos
        name, end = self.command_at(start)
        self.pos = end
        if name in ("frac", "dfrac", "tfrac"):
            num = self.arg(f"\\{name}")
            den = self.arg(f"\\{name}")
            out.append(self.syn("(", "(", start, end))
            out.extend([self.syn("(", "(", start, end), *num, self.syn(")", ")", start, end)])
            out.append(Tok("op", "/", start, end, synthetic=True))
            out.extend([self.syn("(", "(", start, end), *den, self.syn(")", ")", start, end)])
            out.append(self.syn(")", ")", start, end))
        elif name == "sqrt":
            self.skip_spaces()
            index: list[Tok] = []
            if self.peek() == "[":
                open_at = self.pos
                self.pos += 1
                index = self.seq(frozenset("]"))
                if self.peek() != "]":
                    raise self.error("'[' of \\sqrt[n] is never closed", open_at)
                self.pos += 1
                if not index:
                    raise self.error("\\sqrt[n]{x} needs an index n", open_at, self.pos)
            body = self.arg("\\sqrt")
            fname = "root" if index else "sqrt"
            out.append(Tok("name", fname, start, end))
            out.extend([self.syn("(", "(", start, end), *body])
            if index:
                out.extend([self.syn(",", ",", start, end), *index])
            out.append(self.syn(")", ")", start, end))
        elif name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big"):
            self.delimiter(out, name, start)
        elif name in _OPS:
            out.append(Tok("op", _OPS[name], start, end))
        elif name in _FUNCS:
            out.append(Tok("name", name, start, end))
        elif name in ("operatorname", "mathrm", "mathit", "text", "textrm"):
            raw, _, rend = self.braced_raw(f"\\{name}")
            if name.startswith("text") or not raw.isascii() or not raw.isalpha():
                raise self.error(f"\\{name}{{{raw}}} is not accepted: use plain names", start, rend)
            out.append(Tok("name", raw, start, rend))
        elif name == "pi":
            out.append(Tok("name", "pi", start, end))
        elif name == "infty":
            out.append(Tok("name", "oo", start, end))
        elif name in GREEK_NAMES or name in _VARIANTS:
            out.append(Tok("name", _VARIANTS.get(name, name), start, end))
        elif name in ("{", "}"):
            out.append(Tok(name, name, start, end))
        elif name in ("lvert", "rvert", "vert", "mid"):
            out.append(Tok("|", "|", start, end))
        elif name == "%":
            if not out or out[-1].kind != "num" or out[-1].end != start:
                raise self.error("'\\%' is only accepted right after a number", start, end)
            prev = out[-1]
            prev.data = number_literal(prev.text + "%", prev.start, self.text, self.limits)
            prev.text += "%"
            prev.end = end
        elif name in _SPACES:
            return
        elif name == "begin":
            self.matrix(out, start)
        elif name == "end":
            raise self.error("\\end without a matching \\begin", start, end)
        elif name == "\\":
            raise self.error("'\\\\' (a new row) is only used inside a matrix", start, end)
        else:
            raise self.error(f"unknown LaTeX command '\\{name}'", start, end)

    def delimiter(self, out: list[Tok], name: str, start: int) -> None:
        self.skip_spaces()
        if self.pos >= len(self.text):
            raise self.error(f"\\{name} needs a delimiter such as ( or [", start, self.pos)
        if self.text[self.pos] == "\\":
            dname, dend = self.command_at(self.pos)
            key = "\\" + dname
        else:
            key, dend = self.text[self.pos], self.pos + 1
        if key not in _DELIMS or _DELIMS[key] is None:
            raise self.error(f"\\{name} needs a delimiter such as ( or [", start, dend)
        self.pos = dend
        kind = _DELIMS[key]
        if kind:
            out.append(Tok(kind, kind, start, dend))

    def matrix(self, out: list[Tok], start: int) -> None:
        env, _, env_end = self.braced_raw("\\begin")
        if env not in _MATRICES:
            raise self.error(
                f"only bmatrix, pmatrix and matrix environments are accepted, not {env}",
                start,
                env_end,
            )
        rows: list[list[list[Tok]]] = [[]]
        seps: list[Tok] = []
        while True:
            cell = self.seq(frozenset({"&"}))
            rows[-1].append(cell)
            self.skip_spaces()
            if self.pos >= len(self.text):
                raise self.error(
                    f"\\begin{{{env}}} is never closed by \\end{{{env}}}", start, env_end
                )
            c = self.text[self.pos]
            if c == "&":
                seps.append(self.syn(",", ",", self.pos, self.pos + 1))
                self.pos += 1
                continue
            if c == "}":
                raise self.error("unmatched '}'", self.pos)
            name, cend = self.command_at(self.pos)
            if name == "\\":
                self.pos = cend
                rows.append([])
                continue
            # \end
            end_at = self.pos
            self.pos = cend
            closing, _, close_end = self.braced_raw("\\end")
            if closing != env:
                raise self.error(
                    f"\\begin{{{env}}} is closed by \\end{{{closing}}}", end_at, close_end
                )
            break
        if rows and rows[-1] == [[]]:
            rows.pop()  # a trailing \\ before \end
        if not rows:
            raise self.error("an empty matrix", start, close_end)
        out.append(self.syn("[", "[", start, env_end))
        for r, row in enumerate(rows):
            if r:
                out.append(self.syn(",", ",", start, env_end))
            out.append(self.syn("[", "[", start, env_end))
            for k, cell in enumerate(row):
                if not cell:
                    raise self.error("an empty matrix entry", start, close_end)
                if k:
                    out.append(self.syn(",", ",", cell[0].start, cell[0].start + 1))
                out.extend(cell)
            out.append(self.syn("]", "]", end_at, close_end))
        out.append(self.syn("]", "]", end_at, close_end))


def lex_latex(text: str, limits: Limits) -> list[Tok]:
    """Tokenize LaTeX input into plain-language tokens.

    Args:
        text: The input (see the module docstring for the subset).
        limits: Literal and nesting limits.

    Returns:
        Tokens with spans in ``text``.

    Raises:
        MathSyntaxError: Unknown commands, unbalanced braces, malformed environments.
        LimitExceededError: A size limit.
    """
    return _Reader(text, limits).read_all()
