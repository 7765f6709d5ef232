"""The allow-list walker: Python syntax tree (of the rewritten input) → sympy values.

Only the node types named in :meth:`Walker.walk` are accepted; anything else (attributes, lambdas,
comprehensions, strings, starred arguments, walrus, slices …) is refused with a message and the
span of the offending part of the original input. Names are placeholders that point to tokens
resolved through explicit tables, so no name can reach Python's builtins.

Limits on powers, factorials and number sizes are checked from the operands *before* sympy is
asked to build anything.
"""

from __future__ import annotations

import ast
from typing import Any

import sympy

from mathdrill.errors import LimitExceededError, MathdrillError, MathSyntaxError
from mathdrill.mathlang.functions import (
    CallEnv,
    FuncSpec,
    Refusal,
    digits_of,
    int_value,
    is_scalar,
    kind_of,
    to_matrix,
)
from mathdrill.mathlang.lexer import Tok
from mathdrill.mathlang.rewrite import Context, Emitted, coerce
from mathdrill.mathlang.values import MathValue, Sequence, SetLiteral

_REFUSED = {
    ast.Attribute: "attribute access (x.y) is not allowed",
    ast.Lambda: "lambda is not allowed: only mathematical expressions are accepted",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "strings are not allowed",
    ast.Constant: "literal constants such as strings are not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.NamedExpr: "':=' is not allowed",
    ast.IfExp: "conditional expressions are not allowed (use Piecewise)",
    ast.Slice: "slices are not allowed",
    ast.Dict: "dictionaries are not allowed",
    ast.Await: "this is not allowed",
}

_BOOLEAN = (sympy.logic.boolalg.Boolean,)


class Walker:
    """Build the value of one rewritten input.

    Args:
        emitted: Rewritten source and maps.
        ctx: Name tables, limits and notes.
    """

    def __init__(self, emitted: Emitted, ctx: Context) -> None:
        self.em = emitted
        self.ctx = ctx
        self.limits = ctx.limits

    # -- errors ---------------------------------------------------------------------------------
    def span(self, node: ast.AST) -> tuple[int, int]:
        """Span in the original input of a node."""
        col = getattr(node, "col_offset", 0)
        end = getattr(node, "end_col_offset", None) or col + 1
        return self.em.span(col, end)

    def error(self, message: str, node: ast.AST) -> MathSyntaxError:
        """A syntax error located at ``node``."""
        start, end = self.span(node)
        return MathSyntaxError(message, self.ctx.text, start, end)

    def limit(self, message: str, node: ast.AST) -> LimitExceededError:
        """A limit error located at ``node``."""
        start, end = self.span(node)
        return LimitExceededError(message, self.ctx.text, start, end)

    # -- walking --------------------------------------------------------------------------------
    def walk(self, node: ast.AST, exp_depth: int = 0) -> MathValue:
        """Return the value of ``node``.

        Args:
            node: An expression node.
            exp_depth: How many exponentials enclose it.

        Returns:
            A sympy value, Sequence, SetLiteral or (author) matrix/boolean.

        Raises:
            MathSyntaxError: Refused syntax or values.
            LimitExceededError: A size limit.
        """
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node, exp_depth)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, exp_depth)
        if isinstance(node, ast.Call):
            return self.call(node, exp_depth)
        if isinstance(node, ast.Tuple):
            items = tuple(self.walk(e, exp_depth) for e in node.elts)
            return Sequence(items, "(" if self.parenthesized(node) else "")
        if isinstance(node, ast.List):
            return Sequence(tuple(self.walk(e, exp_depth) for e in node.elts), "[")
        if isinstance(node, ast.Set):
            return SetLiteral(tuple(self.walk(e, exp_depth) for e in node.elts))
        if isinstance(node, ast.Dict) and not node.keys:
            return SetLiteral(())
        if self.ctx.author:
            if isinstance(node, ast.Compare):
                return self.compare(node, exp_depth)
            if isinstance(node, ast.BoolOp):
                return self.boolop(node, exp_depth)
            if isinstance(node, ast.Subscript):
                return self.subscript(node, exp_depth)
        elif isinstance(node, (ast.Compare, ast.BoolOp, ast.Subscript)):
            what = {
                ast.Compare: "comparisons are",
                ast.BoolOp: "'and'/'or' are",
                ast.Subscript: "indexing like v[0] is",
            }[type(node)]
            raise self.error(f"{what} not accepted in an answer", node)
        for cls, message in _REFUSED.items():
            if isinstance(node, cls):
                raise self.error(message, node)
        raise self.error("this is not part of the math language", node)

    def parenthesized(self, node: ast.Tuple) -> bool:
        """True when a tuple was typed in its own parentheses, ``(1, 2)``, not ``1, 2``."""
        em = self.em
        src = em.source
        col, end = node.col_offset, node.end_col_offset or node.col_offset
        if not (0 <= col < len(src) and src[col] == "(" and src[end - 1] == ")"):
            return False
        depth = 0
        for k in range(col, end):
            ch = src[k]
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0:
                    return k == end - 1
        return False

    def ref(self, node: ast.Name) -> Tok:
        """The token a placeholder name (``_t12``) stands for."""
        ident = node.id
        if not (ident.startswith("_t") and ident[2:].isdigit()):
            raise self.error("this name is not allowed", node)
        k = int(ident[2:])
        if k >= len(self.em.refs):
            raise self.error("this name is not allowed", node)
        return self.em.refs[k]

    def name(self, node: ast.Name) -> MathValue:
        """Value of a number, symbol, constant or bound name."""
        tok = self.ref(node)
        if tok.kind == "num":
            return tok.data.value
        if tok.kind == "func":
            raise self.error(f"{tok.text} needs an argument, as in {tok.text}(x)", node)
        if tok.kind == "value":
            return coerce(self.ctx.names[tok.text])
        return tok.data

    def unary(self, node: ast.UnaryOp, exp_depth: int) -> MathValue:
        """Unary minus, plus and (author) not."""
        v = self.walk(node.operand, exp_depth)
        if isinstance(node.op, ast.UAdd):
            return v
        if isinstance(node.op, ast.USub):
            return self.arith("*", sympy.Integer(-1), v, node)
        if isinstance(node.op, ast.Not) and self.ctx.author:
            return self.guard(lambda: sympy.Not(v), node, "'not' needs a condition")
        raise self.error("this operator is not allowed", node)

    def binop(self, node: ast.BinOp, exp_depth: int) -> MathValue:
        """+ − × ÷ and powers.

        Left-associative chains (``a + b + c + …``) are walked iteratively, so a long sum costs
        no recursion depth.
        """
        if isinstance(node.op, ast.Pow):
            left = self.walk(node.left, exp_depth)
            if exp_depth + 1 > self.limits.max_exp_nesting:
                raise self.limit(
                    f"powers and exponentials nested more than {self.limits.max_exp_nesting} "
                    "deep (nesting limit)",
                    node,
                )
            right = self.walk(node.right, exp_depth + 1)
            return self.arith("**", left, right, node)
        chain: list[ast.BinOp] = []
        cur: ast.AST = node
        while isinstance(cur, ast.BinOp) and not isinstance(cur.op, ast.Pow):
            chain.append(cur)
            cur = cur.left
        value = self.walk(cur, exp_depth)
        # Runs of scalar operands of one class (+− or ×/) are built with a single Add/Mul:
        # building a + b + c … pairwise would cost quadratic time in sympy.
        pending: list[Any] = []
        run_cls = ""
        run_node: ast.AST = node
        for link in reversed(chain):
            op = _BINOPS.get(type(link.op))
            if op is None:
                raise self.error("this operator is not allowed", link)
            right = self.walk(link.right, exp_depth)
            cls = "add" if op in ("+", "-") else "mul"
            if pending and (cls != run_cls or not is_scalar(right)):
                value = self.flush(run_cls, pending, run_node)
                pending = []
            if is_scalar(value) and is_scalar(right):
                if not pending:
                    pending = [value]
                    run_cls = cls
                pending.append(_operand(op, right))
                run_node = link
            else:
                value = self.arith(op, value, right, link)
        if pending:
            value = self.flush(run_cls, pending, run_node)
        return value

    def flush(self, cls: str, operands: list[Any], node: ast.AST) -> MathValue:
        """Build one Add or Mul of scalar operands, refusing oversized exact products first."""
        if cls == "mul":
            size = sum(
                max(digits_of(v.p), digits_of(v.q))
                for v in operands
                if isinstance(v, sympy.Rational)
            )
            if size > self.limits.max_number_digits:
                raise self.limit(
                    f"this number has more than {self.limits.max_number_digits} digits "
                    "(number size limit)",
                    node,
                )
            result = self.guard(lambda: sympy.Mul(*operands), node, "could not compute this")
        else:
            result = self.guard(lambda: sympy.Add(*operands), node, "could not compute this")
        return self.check_number(result, node)

    # -- arithmetic -----------------------------------------------------------------------------
    def guard(self, fn: Any, node: ast.AST, message: str) -> MathValue:
        """Run a sympy construction, turning its failures into located errors."""
        try:
            return fn()
        except MathSyntaxError:
            raise
        except Exception as exc:
            raise self.failure(exc, node, message, " ({kind}: {text})") from None

    def failure(self, exc: Exception, node: ast.AST, message: str, detail: str) -> MathSyntaxError:
        """The located error for a failed construction or call.

        A refusal keeps its own message (as a limit when it is one), runaway recursion is a
        nesting limit, and anything else gets ``message`` — with the exception's type and text
        formatted into ``detail`` for deck authors, who need them to fix an expression.
        """
        if isinstance(exc, Refusal):
            return self.limit(exc.message, node) if exc.limit else self.error(exc.message, node)
        if isinstance(exc, RecursionError):
            return self.limit("this expression is too deeply nested to build", node)
        text = str(exc)[:200]
        if self.ctx.author and text:
            message += detail.format(kind=type(exc).__name__, text=text)
        return self.error(message, node)

    def check_number(self, value: Any, node: ast.AST) -> MathValue:
        """Refuse exact rationals with too many digits."""
        if not isinstance(value, sympy.Rational):
            return value
        limit = self.limits.max_number_digits
        # digits_of(n) = int(0.30103·bits) + 1 <= limit while bits <= 3·limit: the usual small
        # number needs no digit count.
        if value.p.bit_length() <= 3 * limit and value.q.bit_length() <= 3 * limit:
            return value
        if max(digits_of(value.p), digits_of(value.q)) > limit:
            raise self.limit(
                f"this number has more than {self.limits.max_number_digits} digits "
                "(number size limit)",
                node,
            )
        return value

    def check_power(self, base: Any, exp: Any, node: ast.AST) -> None:
        """Refuse powers whose exact result would be huge, before building them."""
        lim = self.limits
        if not isinstance(exp, sympy.Rational):
            return
        p, q = abs(exp.p), exp.q
        if isinstance(base, sympy.Rational):
            if base in (sympy.Integer(0), sympy.Integer(1), sympy.Integer(-1)):
                return
            size = max(digits_of(base.p), digits_of(base.q))
            if q > 1 and size > lim.max_function_arg_digits:
                raise self.limit(
                    f"roots of numbers longer than {lim.max_function_arg_digits} digits are "
                    "refused (function argument limit)",
                    node,
                )
            if q > lim.max_symbolic_exponent:
                raise self.limit(
                    f"a root of index above {lim.max_symbolic_exponent} is refused "
                    "(exponent limit)",
                    node,
                )
            if p * max(size - 1, 1) > lim.max_power_digits * q:
                raise self.limit(
                    f"this power would have more than {lim.max_power_digits} digits "
                    "(exponent limit)",
                    node,
                )
            return
        if p > lim.max_symbolic_exponent * q:
            raise self.limit(
                f"exponents larger than {lim.max_symbolic_exponent} are refused here "
                "(exponent limit)",
                node,
            )

    def arith(self, op: str, a: Any, b: Any, node: ast.AST) -> MathValue:
        """Combine two values with ``op`` (scalars, lists elementwise, matrices)."""
        if is_scalar(a) and is_scalar(b):
            if op == "**":
                self.check_power(a, b, node)
            result = self.guard(lambda: _SCALAR_OPS[op](a, b), node, "could not compute this")
            return self.check_number(result, node)
        for v in (a, b):
            if isinstance(v, SetLiteral):
                raise self.error("sets cannot be used in arithmetic", node)
            if isinstance(v, (bool, *_BOOLEAN)):
                raise self.error("conditions cannot be used in arithmetic", node)
        if isinstance(a, sympy.MatrixBase) or isinstance(b, sympy.MatrixBase):
            return self.matrix_arith(op, a, b, node)
        if isinstance(a, Sequence) and isinstance(b, Sequence):
            if op not in ("+", "-"):
                raise self.error(
                    "lists can only be added or subtracted; use dot(u, v) or Matrix(...) "
                    "for products",
                    node,
                )
            if len(a.items) != len(b.items):
                raise self.error(
                    f"cannot {('add' if op == '+' else 'subtract')} lists of lengths "
                    f"{len(a.items)} and {len(b.items)}",
                    node,
                )
            return Sequence(
                tuple(self.arith(op, x, y, node) for x, y in zip(a.items, b.items, strict=True)),
                a.bracket or b.bracket,
            )
        if isinstance(a, Sequence) and is_scalar(b) and op in ("*", "/"):
            return Sequence(tuple(self.arith(op, x, b, node) for x in a.items), a.bracket)
        if is_scalar(a) and isinstance(b, Sequence) and op == "*":
            return Sequence(tuple(self.arith(op, a, y, node) for y in b.items), b.bracket)
        raise self.error(f"cannot use '{_SHOWN_OP[op]}' with {kind_of(a)} and {kind_of(b)}", node)

    def matrix_arith(self, op: str, a: Any, b: Any, node: ast.AST) -> MathValue:
        """Matrix arithmetic (author table: one side is a sympy matrix)."""
        env = CallEnv("matrix arithmetic", self.limits)
        if op == "**":
            n = int_value(b)
            if n is None or not isinstance(a, sympy.MatrixBase):
                raise self.error("a matrix power needs an integer exponent", node)
            if abs(n) > self.limits.max_matrix_power:
                raise self.limit(
                    f"matrix powers above {self.limits.max_matrix_power} are refused "
                    "(exponent limit)",
                    node,
                )
            return self.guard(lambda: sympy.ImmutableMatrix(a**n), node, "could not compute this")
        vector_in = (isinstance(a, Sequence) and not _nested(a)) or (
            isinstance(b, Sequence) and not _nested(b)
        )

        def convert(v: Any) -> Any:
            return to_matrix(env, v) if isinstance(v, Sequence) else v

        ma = self.guard(lambda: convert(a), node, "not a matrix")
        mb = self.guard(lambda: convert(b), node, "not a matrix")
        result = self.guard(
            lambda: _SCALAR_OPS[op](ma, mb), node, "the sizes of these matrices do not fit"
        )
        if vector_in and isinstance(result, sympy.MatrixBase) and result.cols == 1:
            return Sequence(tuple(result), "[")
        if isinstance(result, sympy.MatrixBase):
            return sympy.ImmutableMatrix(result)
        return result

    # -- calls ----------------------------------------------------------------------------------
    def call(self, node: ast.Call, exp_depth: int) -> MathValue:
        """Call an allow-listed function."""
        if not isinstance(node.func, ast.Name):
            raise self.error("only named functions can be called", node)
        tok = self.ref(node.func)
        if tok.kind != "func":
            raise self.error(f"'{tok.text}' is not a function", node.func)
        spec: FuncSpec = self.ctx.functions[tok.text]
        name = tok.text
        depth = exp_depth + 1 if spec.exp_like else exp_depth
        if depth > self.limits.max_exp_nesting:
            raise self.limit(
                f"exponentials nested more than {self.limits.max_exp_nesting} deep (nesting limit)",
                node,
            )
        if node.keywords and not (self.ctx.author and spec.kwargs):
            raise self.error(f"{name} takes no keyword arguments", node)
        n = len(node.args)
        if n > self.limits.max_function_args:
            raise self.limit(
                f"{name} takes at most {self.limits.max_function_args} arguments (argument limit)",
                node,
            )
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            raise self.error(f"{name} takes {_arity(spec)}, got {n}", node)
        args = [self.walk(a, depth) for a in node.args]
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise self.error("'**' arguments are not allowed", node)
            kwargs[kw.arg] = self.walk(kw.value, depth)
        env = CallEnv(name, self.limits)
        try:
            result = spec(env, *args, **kwargs)
        except MathSyntaxError as exc:
            if exc.text:
                raise
            start, end = self.span(node)
            cls = LimitExceededError if isinstance(exc, LimitExceededError) else MathSyntaxError
            raise cls(exc.message, self.ctx.text, start, end) from None
        except MathdrillError:
            raise
        except Exception as exc:
            message = f"could not compute {name}(...)"
            raise self.failure(exc, node, message, ": {kind}: {text}") from None
        return self.check_number(coerce(result), node)

    # -- author-only ----------------------------------------------------------------------------
    def compare(self, node: ast.Compare, exp_depth: int) -> MathValue:
        """Comparisons, chained ``a < b < c`` as a conjunction."""
        values = [self.walk(node.left, exp_depth)] + [
            self.walk(c, exp_depth) for c in node.comparators
        ]
        parts = []
        for op, a, b in zip(node.ops, values, values[1:], strict=False):
            fn = _COMPARE.get(type(op))
            if fn is None:
                raise self.error("this comparison is not allowed", node)
            if isinstance(op, (ast.Eq, ast.NotEq)) and not (is_scalar(a) and is_scalar(b)):
                same = a == b
                parts.append(sympy.true if same == isinstance(op, ast.Eq) else sympy.false)
                continue
            if not (is_scalar(a) and is_scalar(b)):
                raise self.error("only numbers and expressions can be ordered", node)
            parts.append(self.guard(lambda f=fn, x=a, y=b: f(x, y), node, "cannot compare these"))
        if len(parts) == 1:
            return parts[0]
        return self.guard(lambda: sympy.And(*parts), node, "cannot combine these comparisons")

    def boolop(self, node: ast.BoolOp, exp_depth: int) -> MathValue:
        """``and`` / ``or``."""
        values = [self.walk(v, exp_depth) for v in node.values]
        fn = sympy.And if isinstance(node.op, ast.And) else sympy.Or
        return self.guard(lambda: fn(*values), node, "'and'/'or' need conditions on both sides")

    def subscript(self, node: ast.Subscript, exp_depth: int) -> MathValue:
        """Indexing ``v[0]``, ``A[0, 1]`` (0-based, negative from the end)."""
        target = self.walk(node.value, exp_depth)
        idx_node = node.slice
        idx_nodes = idx_node.elts if isinstance(idx_node, ast.Tuple) else [idx_node]
        indices = []
        for inode in idx_nodes:
            k = int_value(self.walk(inode, exp_depth))
            if k is None:
                raise self.error("an index must be an integer", inode)
            indices.append(k)
        value = target
        for pos, k in enumerate(indices):
            left = len(indices) - pos
            if isinstance(value, sympy.MatrixBase):
                if left == 2:
                    i, j = indices[pos:]
                    if not (-value.rows <= i < value.rows and -value.cols <= j < value.cols):
                        raise self.error(f"index out of range for a {_dims(value)} matrix", node)
                    return value[i, j]
                if left > 2:
                    raise self.error("a matrix takes at most two indices", node)
                if not -value.rows <= k < value.rows:
                    raise self.error(f"index out of range for a {_dims(value)} matrix", node)
                # One index: an entry of a column vector, otherwise a row (as a list).
                if value.cols == 1:
                    return value[k, 0]
                return Sequence(tuple(value.row(k)), "[")
            if not isinstance(value, Sequence):
                raise self.error(f"cannot index {kind_of(value)}", node)
            if not -len(value.items) <= k < len(value.items):
                raise self.error(
                    f"index {k} out of range for a list of length {len(value.items)}", node
                )
            value = value.items[k]
        return value


def _dims(m: Any) -> str:
    return f"{m.rows}×{m.cols}"


def _operand(op: str, value: Any) -> Any:
    """The operand as it enters an Add/Mul run: ``-v`` for minus, ``v**-1`` for division."""
    if op == "-":
        return sympy.Mul(sympy.Integer(-1), value)
    if op == "/":
        return sympy.Pow(value, sympy.Integer(-1))
    return value


def _nested(s: Sequence) -> bool:
    return any(isinstance(v, Sequence) for v in s.items)


def _arity(spec: FuncSpec) -> str:
    lo, hi = spec.min_args, spec.max_args
    if hi == lo:
        return f"{lo} argument" + ("s" if lo != 1 else "")
    if hi is None:
        return f"at least {lo} argument" + ("s" if lo != 1 else "")
    return f"{lo} to {hi} arguments"


_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_SCALAR_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}
_SHOWN_OP = {"+": "+", "-": "−", "*": "×", "/": "/", "**": "^"}
_COMPARE = {
    ast.Eq: sympy.Eq,
    ast.NotEq: sympy.Ne,
    ast.Lt: sympy.Lt,
    ast.LtE: sympy.Le,
    ast.Gt: sympy.Gt,
    ast.GtE: sympy.Ge,
}
