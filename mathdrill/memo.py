"""The one policy of every memo cache in mathdrill: a plain dict, emptied when it is full.

The caches hold values that are pure functions of their keys (printed texts, parsed fronts,
derived deck values …). A full cache is simply emptied: the working set of a drill or a
``deck check`` is far below every bound, so the bound only keeps a pathological input (or a
process that runs for days) from growing without limit, and clearing costs nothing per hit.

A leaf module, like :mod:`mathdrill.errors`: it imports nothing, so every layer (the math
language at the bottom included) may use it without pulling in sympy.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def remember(cache: dict[Any, Any], key: Any, value: T, size: int) -> T:
    """Store ``value`` under ``key``, first emptying ``cache`` when it holds ``size`` entries.

    Args:
        cache: The memo dict.
        key: Its key (hashable).
        value: The value to keep.
        size: The most entries the cache may hold.

    Returns:
        ``value``, so a caller can ``return remember(...)``.
    """
    if len(cache) >= size:
        cache.clear()
    cache[key] = value
    return value
