"""mathdrill: spaced-repetition drills for the mathematics of machine learning.

Every card is a skill (a problem template); each review draws a fresh random instance, the
learner types an answer, sympy/numpy decide whether it is right, and an SM-2 scheduler stored
in SQLite decides when the skill comes back. See DESIGN.md for the layers.
"""

import os

__version__ = "0.1.0"

SYMPY_CACHE_SIZE = 20_000
"""Entries of each of sympy's memo caches in every process that imports mathdrill first.

sympy remembers the results of its constructors and queries (``Add``, ``Mul``, assumptions …)
in least-recently-used caches of ``SYMPY_CACHE_SIZE`` entries each, 1,000 by default, read once
when sympy is imported. Instances of different templates follow each other in the drill's
worker and in ``deck check``; with 1,000 entries each template found its sub-expressions
evicted by the others: generating an instance cost up to 1.5× as much (median of the template
medians 1.54 ms against 1.09 ms with 20,000; ``deck check decks/`` 88 s CPU against 78 s, peak
memory 207 against 219 MB). A value the user set in the environment wins.
"""

# Set before anything imports sympy (mathdrill imports it lazily, after this module).
os.environ.setdefault("SYMPY_CACHE_SIZE", str(SYMPY_CACHE_SIZE))
