"""mathdrill: spaced-repetition drills for the mathematics of machine learning.

Every card is a skill (a problem template); each review draws a fresh random instance, the
learner types an answer, sympy/numpy decide whether it is right, and an SM-2 scheduler stored
in SQLite decides when the skill comes back. The layers and which may import which are the
``[tool.importlinter]`` table of pyproject.toml.
"""

__version__ = "0.1.0"
