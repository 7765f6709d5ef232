"""Package attributes imported on first use (PEP 562), shared by the packages that need it.

``mathdrill.answers``, ``mathdrill.decks`` and ``mathdrill.storage`` re-export names from
submodules that bring sympy or SQLAlchemy; importing them eagerly would put those libraries on
every command's start-up (and on the drill's first problem).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any


def lazy_getattr(
    package: str, exports: Mapping[str, str], namespace: MutableMapping[str, Any]
) -> Callable[[str], Any]:
    """Build a module ``__getattr__`` that imports each exported name's module on first use.

    Args:
        package: The package's name (for the error message).
        exports: Public name → the module that defines it.
        namespace: The package's ``globals()``; a name, once imported, is stored there so the
            next access does not come back here.

    Returns:
        The ``__getattr__`` function.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
