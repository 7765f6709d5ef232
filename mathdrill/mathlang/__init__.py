r"""The safe math language: learner answers and deck expressions → sympy, and back to text.

Learner answers and deck files are untrusted text. Nothing here ever calls ``eval``, ``exec``,
``sympify`` or ``parse_expr``. Reading goes in four steps:

1. **Tokenize** (``lexer.py``, or ``latex.py`` for LaTeX input) into tokens that keep their span
   in the original text. Number literals are read here digit by digit into
   :class:`NumberLiteral` values, so Python's parser never sees a numeric literal.
2. **Rewrite** (``rewrite.py``): resolve names through explicit tables, make implicit
   multiplication and parenthesis-free function application explicit, and write Python
   expression source in which every name and number is a placeholder (``_t0``, ``_t1`` …)
   mapped back to its token.
3. ``ast.parse(source, mode="eval")``.
4. **Walk** (``walker.py``) an allow-list of node types, building sympy objects directly with
   size limits checked before anything costly is built.

Public API
==========

``parse(text, *, symbols=(), allow_imaginary=False, limits=LEARNER_LIMITS) -> Parsed``
    Learner table. Raises :class:`~mathdrill.errors.MathSyntaxError` (span in the original
    text, LaTeX included) or its subclass :class:`~mathdrill.errors.LimitExceededError`, and
    never any other exception, whatever the text.
``parse_author(text, *, names={}, symbols=(), functions=None, allow_imaginary=True,
limits=AUTHOR_LIMITS) -> Parsed``
    Author table: everything above plus the author functions, comparisons, ``and``/``or``/
    ``not``, indexing and keyword arguments. ``names`` binds deck parameters and ``let`` values
    (sympy expressions, :class:`Sequence`, sympy matrices; plain ``int``/``float``/``bool``/
    ``list``/``tuple`` are converted). ``functions`` adds callables (samplers such as
    ``integer(2, 9, nonzero)``) called with the walked positional and keyword arguments; an
    unknown flag such as ``nonzero`` resolves through ``names``.
``to_unicode(value)``, ``to_pretty(value)``, ``to_plain(value)``, ``to_latex(value)``
    Rendering (below). ``to_plain`` output parses back to an equivalent value.
``Limits``, ``LEARNER_LIMITS``, ``AUTHOR_LIMITS``, ``LEARNER_FUNCTIONS``, ``AUTHOR_FUNCTIONS``
    The limits and the function tables (name → :class:`FuncSpec`).
``warm_up()``
    Parses a few representative answers so sympy's lazy first-use set-up is not paid by
    the first real answer (the drill's problem worker runs it after its first problem).

Values
======

``MathValue`` is the type of every value read (``Parsed.value``). Scalars are sympy
expressions. ``[a, b]`` is a ``Sequence(bracket="[")``, ``(a, b)`` a
``Sequence(bracket="(")``, a bare ``a, b`` a ``Sequence(bracket="")``; nested lists
``[[1, 2], [3, 4]]`` (and LaTeX ``bmatrix``/``pmatrix``) are lists of row lists. ``{1, 3}`` is a
``SetLiteral`` (duplicates kept; ``{}`` is the empty set). The parser never decides what a
collection means: answer kinds do. ``Parsed.numbers`` lists the typed number literals in input
order (superscript exponents such as ``²`` are not typed literals and are left out);
``Parsed.single_number`` is true when the input is one literal, optionally signed.

Every exact number stays exact: ``0.333`` is ``333/1000``, ``15%`` is ``3/20``, ``2e-3`` is
``1/500``. The literal's significant figures and last-digit unit are in its
:class:`NumberLiteral` (``1200`` has 2 significant figures, ``1200.`` has 4).

Syntax (learner table)
======================

Operators, loosest first: ``,`` (a bare list) · ``+ -`` · ``* /`` and implicit multiplication ·
unary ``-`` · ``^`` / ``**`` (right-associative: ``2^3^2`` = 2⁹) · postfix ``!``. So
``-x^2`` = −(x²) and, for authors, ``e^2x`` = e²·x. A learner's ``e^2x``, ``e^-3x`` or
``x^-2y`` (a product glued to a signed exponent, or to a number exponent of e) is refused as
ambiguous with both parenthesized readings offered; ``x^2y`` is x²·y. Unicode
``· × ∗ − ÷ √ π ∞ ≤ ≥ ≠`` and superscripts ``⁰…⁹ ⁻ ⁺`` (``x²``, ``x⁻¹``) are accepted.

Implicit multiplication: ``2x``, ``x y``, ``3(x+1)``, ``(x+1)(x-1)``, ``2|x|``, ``2√x``,
``sin(x)cos(x)``, ``2[1, 2]``. A run of letters that is not a known name is split into declared
symbols when it can be (``xy`` → x·y when ``x`` and ``y`` are declared and ``xy`` is not; also
``e`` and ``pi``), with a note in ``Parsed.notes``; otherwise it is an unknown name. A function
name glued to its argument is refused with a hint: ``sinx`` → "unknown name 'sinx': write
sin(x) or sin x".

**1/2x** — DECISION: standard precedence, so ``1/2x`` is (1/2)·x, and ``Parsed.notes`` says
``"1/2x was read as (1/2)·x; write 1/(2x) for the other reading"``. The same note is made for
any ``a/b c`` whose denominator is a single number or name followed by implicit
multiplication (``x/2y``).

Functions without parentheses take the implicit product after them: ``sin 2x`` = sin(2x),
``sin x^2`` = sin(x²), ``ln x`` = ln(x), ``2 sin x cos x`` = 2·sin(x)·cos(x) (a second function
starts a new factor), ``sin x/2`` = sin(x)/2 (explicit ``*`` and ``/`` end the argument).
``sin^2 x`` and ``sin²x`` are sin(x)²; ``sin^-1 x`` is refused as ambiguous (write ``asin``).

Other forms: ``|x|`` (absolute value), ``n!``, ``√2``, ``√(x+1)``, percentages ``15%``,
scientific ``2e-3``/``2E-3``, ``.5``, vectors/tuples/matrices/sets as above.

Names resolve in this order: author ``names`` → declared ``symbols`` → constants → functions.
So a declared symbol ``e``, ``C`` or ``sigma`` shadows Euler's number, ``C(n, k)`` and the
sigmoid. Constants: ``pi``/``π``, ``e``/``E``, ``oo``/``inf``/``infinity``/``∞``; ``i``,
``j``, ``I`` are the imaginary unit only with ``allow_imaginary`` (otherwise the error
"i (the imaginary unit) is not accepted here"). Greek letters may be typed as characters or
spelled out (``λ`` or ``lambda``); a symbol declared as ``"λ"`` or ``"lambda"`` accepts both
spellings and is built with the declared spelling. Subscripted names such as ``x_1`` (also
typed ``x₁``) are one name (declare them). Names starting with ``_`` are refused.

Learner functions (``LEARNER_FUNCTIONS``)
-----------------------------------------

=========================================  ====================================================
``sin cos tan cot sec csc``                trigonometric
``asin/arcsin acos/arccos atan/arctan``    inverse trigonometric (also ``acot/arccot``)
``sinh cosh tanh coth sech csch``          hyperbolic; ``asinh/arsinh/arcsinh``,
                                           ``acosh/arcosh/arccosh``, ``atanh/artanh/arctanh``
``exp``, ``e^x``                           exponential
``ln``, ``log``                            natural logarithm; ``log(x, b)`` to base b
``log2/log_2``, ``log10/log_10``          logarithms to base 2 and 10
``sqrt``, ``√``, ``cbrt``, ``root(x, n)``  roots
``abs/Abs``, ``|x|``, ``sign/sgn``         absolute value, sign
``re``, ``im``, ``conjugate``              real and imaginary parts, conjugate (sympy writes
                                           ``|e^x|`` as ``exp(re(x))``: it must read back)
``floor``, ``ceil/ceiling``                rounding
``max/Max``, ``min/Min``                   of arguments or of one list
``factorial``, ``n!``                      argument ≤ 500 when numeric
``binomial``, ``C``, ``choose``            ``C(n, k)``; numeric arguments ≤ 1000
``sigmoid``, ``sigma``, ``σ``, ``logistic``  → ``1/(1 + exp(-x))``
``relu``, ``ReLU``                         → ``Max(0, x)``
``softplus``                               → ``log(1 + exp(x))``
``softmax``                                ``softmax([a, b, c])`` → a list (Sequence)
=========================================  ====================================================

The machine-learning functions are expanded into elementary sympy expressions so that
derivatives and numeric evaluation need no special cases (``diff(sigmoid(x), x)`` just works).

Author functions (``AUTHOR_FUNCTIONS``: all of the above, plus)
----------------------------------------------------------------

``diff(f, x[, n])``, ``integrate(f, x)``/``integrate(f, (x, a, b))``, ``limit(f, x, a[, ±1])``,
``solve(expr, x)`` (→ list of roots), ``simplify expand factor cancel together apart``,
``subs(expr, old, new, …)``, ``Rational(p, q)``, ``N(x, digits)``, ``round(x[, n])``,
``Matrix(rows)``/``matrix``, ``det``, ``inv``/``inverse``, ``transpose``/``T``, ``trace``,
``rank``, ``eigenvals`` (→ sorted list with multiplicity), ``eigenvects`` (→ list of
``(value, multiplicity, [vectors])``), ``nullspace`` (→ list of vectors), ``shape``,
``eye``/``identity``, ``zeros``, ``ones``, ``diag``, ``norm(v[, p])``, ``dot``, ``cross``,
``gradient``/``grad(f, [x, y])``, ``hessian(f, [x, y])``, ``jacobian([f, g], [x, y])``
(matrices from these three come back as lists of rows), ``Piecewise((a, cond), (b, True))``,
``Heaviside``, ``sum``, ``prod``, ``len``, ``numer``,
``denom``, ``gcd``, ``lcm``, ``Mod``/``mod``; constants ``True``/``False``.

Authors may also write comparisons ``== != < <= > >=`` (chained: ``1 < a < 5`` is a
conjunction; ``==`` between lists compares them structurally), ``and``/``or``/``not``,
indexing ``v[0]``, ``v[-1]``, ``A[0, 1]`` (0-based), and keyword arguments in calls to deck
functions. Arithmetic: lists add elementwise and scale by scalars; once a sympy matrix is
involved, ``*`` is the matrix product (a flat list acts as a column vector and the result
comes back as a list) and ``A^n`` a matrix power.

Refused everywhere, with a message and a caret: attributes (``x.__class__``), ``lambda``,
comprehensions, strings and f-strings, starred arguments, ``:=``, conditional expressions,
slices, dictionaries, names starting with ``_``, Python keywords other than ``and or not``,
``@ % ; # $ & ~`` and backquotes. Learner mode also refuses comparisons, logic, ``=`` and
indexing.

LaTeX subset
============

Input containing a backslash, ``^{`` or ``_{`` is read as LaTeX: ``\frac \dfrac \tfrac``
(also ``\frac12``), ``\sqrt{}``, ``\sqrt[n]{}``, ``^{}`` (``x^2`` takes one character, as in
LaTeX), ``x_1``/``x_{12}`` subscripts (part of the name), ``\cdot \times \div``,
``\left( \right)``, ``\left[ \right]``, ``\left| \right|`` (absolute value), ``\lvert \rvert``,
``\sin \cos \tan \cot \sec \csc \arcsin \arccos \arctan \sinh \cosh \tanh \ln \log \exp \max
\min``, ``\log_2``, ``\log_{10}``, ``\pi``, ``\infty``, Greek letters (``\sigma`` is the
sigmoid unless ``sigma`` is declared), ``\operatorname{relu}``, ``\mathrm{e}``,
``\begin{bmatrix} a & b \\ c & d \end{bmatrix}`` (also ``pmatrix``, ``matrix``) → list of rows,
``\{1, 3\}`` sets, ``15\%``, ``\le \ge \ne``; spacing commands are ignored; braces group like
parentheses. Error spans point into the LaTeX text.

Limits
======

Checked before anything expensive is built; exceeding one raises ``LimitExceededError`` with a
message naming the limit. Learner / author values:

=====================================  =========  ========
input length (characters)              1000       5000
syntax-tree nodes                      500        5000
nesting depth (brackets, tree)         50         80
digits of one literal                  60         100
decimal exponent ``1e±n``              300        300
digits of an exact power               1000       2000
numeric exponent on a symbolic base,
root index                             1000       1000
digits of any exact number             2000       4000
``factorial`` argument                 500        1000
``binomial`` arguments                 1000       2000
nested exponentials / powers           4          6
matrix rows or columns                 10         12
matrix power                           64         64
arguments of one call                  64         200
digits of a number inside a function
or under a root                        100        300
=====================================  =========  ========

So ``9^9^9^9``, ``2^(10^10)``, ``(x+1)^(10^6)``, ``x^(2^200)``, ``factorial(10^8)``,
``1e999999``, ``exp(exp(exp(exp(exp(x)))))`` and 10 000 nested parentheses are all refused in
before anything is computed.

Rendering
=========

``to_unicode``: one line for "read as" echoes — ``x²·sin(x)``, ``√2/2``, ``e^(−x)``,
``ln(x)``, ``|x − 1|``, ``max(0, x)``, ``λ·x₁``, ``[1, 2]``, ``{1, 3}``; its output is itself
valid learner input. ``to_pretty``: multi-line 2-D unicode (sympy's pretty printer); lists of
equal-length rows and matrices as aligned grids. ``to_plain``: ASCII that :func:`parse` reads
back to an equivalent value (``x**2*sin(x)``, ``sqrt(2)/2``, ``[[1, 2], [3, 4]]``,
``{1, 3}``). ``to_latex``: sympy's LaTeX, with ``bmatrix`` for matrices and lists of rows.
All four accept sympy objects, :class:`Sequence`, :class:`SetLiteral`, sympy matrices and
Python ``int``/``bool``/``str``.
"""

from mathdrill.mathlang.functions import AUTHOR_FUNCTIONS, LEARNER_FUNCTIONS, FuncSpec
from mathdrill.mathlang.limits import AUTHOR_LIMITS, LEARNER_LIMITS, Limits
from mathdrill.mathlang.parser import parse, parse_author, warm_up
from mathdrill.mathlang.render import to_latex, to_plain, to_pretty, to_unicode
from mathdrill.mathlang.values import MathValue, NumberLiteral, Parsed, Sequence, SetLiteral

__all__ = [
    "AUTHOR_FUNCTIONS",
    "AUTHOR_LIMITS",
    "LEARNER_FUNCTIONS",
    "LEARNER_LIMITS",
    "FuncSpec",
    "Limits",
    "MathValue",
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
    "warm_up",
]
