"""Size limits that keep parsing and building cheap, whatever the input.

Every limit is checked *before* the costly step it protects (a power is refused from the sizes of
its base and exponent, never by computing it), so hostile input is refused in microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Bounds on one parse. Exceeding any raises :class:`mathdrill.errors.LimitExceededError`.

    Attributes:
        max_length: Characters of input.
        max_nodes: Nodes of the syntax tree after the rewrite (roughly operands + operators).
        max_depth: Nesting depth of brackets and of the syntax tree.
        max_int_digits: Digits of one number literal (before any exponent).
        max_decimal_exponent: Largest ``|n|`` in a scientific literal such as ``2e-3``.
        max_power_digits: Largest number of digits an exact numeric power may have.
        max_symbolic_exponent: Largest ``|n|`` of a numeric exponent on a symbolic or irrational
            base, and largest denominator of a rational exponent on a number.
        max_number_digits: Largest exact rational (digits of numerator or denominator) any
            operation may produce.
        max_factorial: Largest integer argument of ``factorial`` / ``n!``.
        max_binomial: Largest integer arguments of ``binomial`` / ``C(n, k)``.
        max_exp_nesting: How deep exponentials may nest (``exp``, ``sigmoid``, ``softplus``, the
            exponent of ``^``): ``e^(e^(e^x))`` is 3.
        max_matrix_dim: Largest number of rows or columns of a matrix (author functions).
        max_matrix_power: Largest ``|n|`` for a matrix power ``A^n``.
        max_function_args: Most arguments of one call (``max(…)``, ``softmax(…)`` …).
        max_function_arg_digits: Largest exact number (in digits) inside the argument of a
            function or under a root: ``sqrt(10^999 + 1)`` would make sympy search for an exact
            root of a 1000-digit number.
    """

    max_length: int = 1000
    max_nodes: int = 500
    max_depth: int = 50
    max_int_digits: int = 60
    max_decimal_exponent: int = 300
    max_power_digits: int = 1000
    max_symbolic_exponent: int = 1000
    max_number_digits: int = 2000
    max_factorial: int = 500
    max_binomial: int = 1000
    max_exp_nesting: int = 4
    max_matrix_dim: int = 10
    max_matrix_power: int = 64
    max_function_args: int = 64
    max_function_arg_digits: int = 100


#: Limits for learner answers (the ``parse`` default).
LEARNER_LIMITS = Limits()

#: Limits for deck expressions (the ``parse_author`` default): same kinds, more room.
AUTHOR_LIMITS = Limits(
    max_length=5000,
    max_nodes=5000,
    max_depth=80,
    max_int_digits=100,
    max_power_digits=2000,
    max_number_digits=4000,
    max_factorial=1000,
    max_binomial=2000,
    max_exp_nesting=6,
    max_matrix_dim=12,
    max_function_args=200,
    max_function_arg_digits=300,
)
