"""The validated, immutable form of a deck file: :class:`Deck`, :class:`Template` and parts.

Everything here is plain data (strings, numbers, tuples), so a template can be handed to a worker
process, compared and hashed; turning it into an instance is :mod:`mathdrill.decks.generate`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass

DECK_SUFFIXES = (".yaml", ".yml")
"""File name endings of deck files (a folder is searched recursively for these)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a deck file.

    Attributes:
        path: The file as given (or ``<text>``).
        line: 1-based line (0 for the whole file).
        message: What is wrong and, where possible, how to fix it.
        template: The template id the problem belongs to, if any.
    """

    path: str
    line: int
    message: str
    template: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = f"{self.template}: " if self.template else ""
        return f"{where}: {prefix}{self.message}"


@dataclass(frozen=True)
class Expr:
    """An expression written in a deck, with where it stands.

    Attributes:
        text: The expression as written (numbers from YAML are turned into their text).
        line: 1-based line in the deck file.
        where: Which field it is, e.g. ``"let.f"``, ``"answer.value"``, ``"where[0]"``.
    """

    text: str
    line: int
    where: str


@dataclass(frozen=True)
class Text:
    """A text with ``{placeholders}`` (prompt, hint, solution, feedback, choice option).

    Attributes:
        text: The text as written.
        line: 1-based line in the deck file.
        where: Which field it is, e.g. ``"prompt"``, ``"hints[1]"``.
    """

    text: str
    line: int
    where: str


@dataclass(frozen=True)
class MistakeDef:
    """An authored wrong answer.

    Attributes:
        name: Its id (given, or ``mistake-1``, ``mistake-2`` … by position).
        value: The wrong answer as an expression.
        feedback: What the learner is told when their answer matches it.
    """

    name: str
    value: Expr
    feedback: Text


@dataclass(frozen=True)
class AnswerTest:
    """An author's answer test: a learner input and the verdict it must get on every instance.

    Attributes:
        answer: The input, with placeholders (rendered in plain form, as a learner types).
        verdict: ``correct``, ``wrong`` (judged wrong, recognised mistake or not) or
            ``mistake:ID`` (judged wrong and recognised as that authored mistake).
        line: Line of the test's ``answer:`` key.
    """

    answer: Text
    verdict: str
    line: int

    @property
    def mistake(self) -> str | None:
        """The mistake id a ``mistake:ID`` verdict names (None for correct and wrong)."""
        kind, _, name = self.verdict.partition(":")
        return name if kind == "mistake" else None


@dataclass(frozen=True)
class AnswerDef:
    """The ``answer:`` block of a template.

    Attributes:
        kind: An answer kind name (``expression``, ``number``, ``matrix`` …).
        value: The reference answer as an expression (for ``choice``: the right option's text or
            letter; for ``boolean``: ``true``/``false`` or a comparison).
        line: Line of the ``answer:`` key.
        rtol: Relative tolerance override.
        atol: Absolute tolerance override.
        up_to_constant: Accept answers that differ by a constant (antiderivatives).
        allow_imaginary: Let the learner use ``I``.
        choices: Option texts for ``choice``.
        domain: Sampling interval per symbol for numeric comparison, ``{x: (lo, hi)}``.
    """

    kind: str
    value: Expr
    line: int
    rtol: float | None = None
    atol: float | None = None
    up_to_constant: bool = False
    allow_imaginary: bool = False
    choices: tuple[Text, ...] = ()
    domain: tuple[tuple[str, tuple[float, float]], ...] = ()


@dataclass(frozen=True)
class Template:
    """One problem template: everything needed to generate instances.

    Attributes:
        deck: Id of the deck it belongs to.
        id: Its id within the deck; ``deck/id`` is the card identity.
        title: One-line title.
        path: The deck file.
        line: Line of the template's ``id``.
        tags: Topic tags.
        requires: Prerequisite templates (``id`` in this deck or ``deck/id``).
        symbols: Free symbols the learner may use.
        params: Sampled parameters in order, ``(name, sampler call)``.
        where: Constraints on the parameters.
        let: Derived values in order, ``(name, expression)``.
        prompt: The question.
        answer: The answer block.
        hints: Hints in order.
        solution: The worked solution, if any.
        mistakes: Authored wrong answers.
        expected_seconds: How long a fluent learner takes.
        variety: Why the template cannot have many distinct answers (one line), which exempts
            it from ``deck check``'s variety floor; None when it has to meet it.
        tests: The author's answer tests, run by ``deck check`` on every sample.
        fingerprint: Hash of the template's YAML source (changes when the template is edited).
    """

    deck: str
    id: str
    title: str
    path: str
    line: int
    prompt: Text
    answer: AnswerDef
    tags: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()
    params: tuple[tuple[str, Expr], ...] = ()
    where: tuple[Expr, ...] = ()
    let: tuple[tuple[str, Expr], ...] = ()
    hints: tuple[Text, ...] = ()
    solution: Text | None = None
    mistakes: tuple[MistakeDef, ...] = ()
    expected_seconds: float = 60.0
    variety: str | None = None
    tests: tuple[AnswerTest, ...] = ()
    fingerprint: str = ""

    @property
    def key(self) -> str:
        """The card identity ``deck/id``."""
        return f"{self.deck}/{self.id}"


@dataclass(frozen=True)
class Deck:
    """A loaded deck file.

    Attributes:
        id: The deck id (``[a-z0-9-]+``).
        title: One-line title.
        path: Where it was loaded from.
        description: Longer description.
        templates: The templates in file order.
        version: The deck format version (1).
        line: Line of the ``deck:`` key.
        source: Where the file was found: ``"built-in"``, ``"user"`` or ``"--decks"``.
    """

    id: str
    title: str
    path: str
    description: str = ""
    templates: tuple[Template, ...] = ()
    version: int = 1
    line: int = 1
    source: str = ""

    def template(self, template_id: str) -> Template | None:
        """Return the template with this id, or None.

        Args:
            template_id: A template id of this deck.

        Returns:
            The template or None.
        """
        for template in self.templates:
            if template.id == template_id:
                return template
        return None
