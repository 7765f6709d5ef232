"""Problems for the drill as plain data: made in a worker process, shown by the main process.

Why: generating a problem needs sympy, and importing sympy costs the better part of a second. The
drill's main process (the terminal, the queue, the database) never imports it. It knows each skill
from the light deck catalogue (:class:`Skill`), asks a worker process for a problem
(:class:`ProblemView`: every text already rendered) and sends the learner's answer back to the same
worker to be judged against the instance it made. The worker is the capped checker of
:mod:`mathdrill.answers.worker` running :mod:`mathdrill.usecases.problem_server`; it can be killed
at any time (a check over its time cap kills it), because an instance is a pure function of
(template, seed): a fresh worker makes the same instance again from the seed before judging.

Three pieces:

* :class:`ProblemMaker` — the worker's side: loads deck files on demand (each once, again when
  the file changes), generates instances, keeps the recent ones, judges answers. It is plain
  in-process code, so tests drive it directly.
* :class:`WorkerProblems` — the main process's side: the same operations over JSON messages to
  the worker.
* :class:`Skill` / :func:`skills_from_catalog` — what the queue needs to know of a template.

A template that cannot produce a problem (a deck file that does not load, an expression that
fails for this seed, generation over its CPU budget) raises :class:`SkillBroken`; the drill
skips it and names it in the summary.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mathdrill.answers.verdict import CANNOT_PREVIEW, Preview, Verdict
from mathdrill.errors import (
    CheckTimeoutError,
    DeckError,
    InputError,
    WorkerError,
    WorkerStoppedError,
)

if TYPE_CHECKING:
    from mathdrill.decks.catalog import Catalog
    from mathdrill.decks.generate import Instance
    from mathdrill.decks.model import Deck

#: The module a problem worker runs (``python -m mathdrill.usecases.problem_server FD``).
SERVER = "mathdrill.usecases.problem_server"
#: Seconds of wall time a generation request may take before the worker is killed. Generation
#: itself stops at its CPU budget (5 s, ``mathdrill.decks.generate``); this only catches a
#: worker that hangs for another reason.
GENERATE_TIMEOUT = 20.0
#: Instances a worker keeps for checking, so judging the problem on screen does not make it again
#: (serves the verdict target, p95 ≤ 100 ms after Enter); an evicted one is made again from its
#: seed if it is needed.
KEPT_INSTANCES = 4
#: Seconds of wall time a preview (the live "read as" line) may take before the worker is
#: killed. The preview bounds its own CPU time far below this (``answers.kinds.preview``); this
#: catches a worker that hangs, so a preview never holds the verdict after Enter for long.
PREVIEW_TIMEOUT = 0.5


class SkillBroken(DeckError):
    """A template could not produce a problem.

    Args:
        problem: Where and what, as ``path:line: message`` when the place is known.
    """

    def __init__(self, problem: str) -> None:
        super().__init__(problem, [problem])
        self.problem = problem


@dataclass(frozen=True)
class Skill:
    """A template as the drill's queue sees it: read from the catalogue, not loaded.

    Attributes:
        deck: Deck id.
        id: Template id.
        title: The template's title (its id when it has none).
        deck_title: The deck's title (its id when it has none).
        tags: Its tags.
        requires: Prerequisites as ``deck/id`` keys.
        expected_seconds: Seconds a fluent learner needs.
        hints: How many hints it has.
        path: The deck file that defines it.
        fingerprint: The template's source fingerprint (a problem made from an older text of
            the template has another one).
        slow: An earlier drill found it too slow to make a problem from, and its deck file has
            not changed since (the drill skips it).
    """

    deck: str
    id: str
    title: str
    deck_title: str
    tags: tuple[str, ...]
    requires: tuple[str, ...]
    expected_seconds: float
    hints: int
    path: str
    fingerprint: str = ""
    slow: bool = False

    @property
    def key(self) -> str:
        """``deck/id``."""
        return f"{self.deck}/{self.id}"


def skills_from_catalog(catalog: Catalog) -> list[Skill]:
    """List every catalogued template as a :class:`Skill`, in deck and file order.

    Args:
        catalog: The deck catalogue.

    Returns:
        The skills; a bare id in ``requires`` is made ``deck/id`` of the same deck.
    """
    skills = []
    for deck in catalog.decks.values():
        for template in deck.templates.values():
            skills.append(
                Skill(
                    deck=deck.id,
                    id=template.id,
                    title=template.title or template.id,
                    deck_title=deck.title or deck.id,
                    tags=template.tags,
                    requires=tuple(r if "/" in r else f"{deck.id}/{r}" for r in template.requires),
                    expected_seconds=template.expected_seconds,
                    hints=template.hints,
                    path=deck.path,
                    fingerprint=template.fingerprint,
                    slow=f"{deck.id}/{template.id}" in catalog.slow,
                )
            )
    return skills


@dataclass(frozen=True)
class ProblemView:
    """One generated problem with every text rendered: what the learner can be shown.

    Attributes:
        deck: Deck id.
        template: Template id.
        seed: The seed it was made from (the same seed makes the same problem).
        fingerprint: The template's source fingerprint (stored with each review).
        prompt: The question in unicode.
        prompt_plain: The question in plain ASCII.
        prompt_latex: The question with inline LaTeX.
        expected_form: What shape of answer is expected, in words.
        kind: The answer kind's name.
        variables: The free symbols an expression answer may use, sorted.
        hints: The hints, in order.
        solution: The worked solution ("" when the template has none).
        answer_unicode: The reference answer for display.
        answer_plain: The reference answer as plain text the checker reads back as correct.
        expected_seconds: Seconds a fluent learner needs.
    """

    deck: str
    template: str
    seed: int
    fingerprint: str
    prompt: str
    prompt_plain: str
    prompt_latex: str
    expected_form: str
    kind: str
    variables: tuple[str, ...]
    hints: tuple[str, ...]
    solution: str
    answer_unicode: str
    answer_plain: str
    expected_seconds: float

    @classmethod
    def of(cls, instance: Instance) -> ProblemView:
        """Render every text of an instance into a view.

        Args:
            instance: A generated instance.

        Returns:
            Its view.

        Raises:
            GenerationError: A text cannot be rendered.
        """
        instance.render_all()
        return cls(
            deck=instance.deck,
            template=instance.template,
            seed=instance.seed,
            fingerprint=instance.fingerprint,
            prompt=instance.prompt,
            prompt_plain=instance.prompt_plain,
            prompt_latex=instance.prompt_latex,
            expected_form=instance.expected_form,
            kind=instance.spec.kind,
            variables=tuple(sorted(instance.spec.variables)),
            hints=tuple(instance.hints),
            solution=instance.solution,
            answer_unicode=instance.answer_unicode,
            answer_plain=instance.answer_plain,
            expected_seconds=float(instance.expected_seconds),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the view as JSON-ready data (lists for tuples).

        Returns:
            One key per attribute.
        """
        data = dict(self.__dict__)
        data["variables"] = list(self.variables)
        data["hints"] = list(self.hints)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProblemView:
        """Rebuild a view from :meth:`to_dict`'s data.

        Args:
            data: The data.

        Returns:
            The view.

        Raises:
            WorkerError: The data is not shaped like a view (a worker that answers nonsense).
        """
        try:
            return cls(
                deck=str(data["deck"]),
                template=str(data["template"]),
                seed=int(data["seed"]),
                fingerprint=str(data["fingerprint"]),
                prompt=str(data["prompt"]),
                prompt_plain=str(data["prompt_plain"]),
                prompt_latex=str(data["prompt_latex"]),
                expected_form=str(data["expected_form"]),
                kind=str(data["kind"]),
                variables=tuple(str(v) for v in data["variables"]),
                hints=tuple(str(h) for h in data["hints"]),
                solution=str(data["solution"]),
                answer_unicode=str(data["answer_unicode"]),
                answer_plain=str(data["answer_plain"]),
                expected_seconds=float(data["expected_seconds"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise WorkerError(f"the problem worker sent a malformed problem ({error})") from None


class ProblemSource(Protocol):
    """Where a drill session gets problems and verdicts."""

    @property
    def ready(self) -> bool:
        """Whether a problem can be made now without waiting for a process to start."""

    def generate(self, skill: Skill, seed: int) -> ProblemView:
        """Make the problem of ``skill`` for ``seed``; raises :class:`SkillBroken`."""

    def check(self, skill: Skill, seed: int, text: str) -> Verdict:
        """Judge ``text`` against the problem of ``skill`` for ``seed``."""

    def preview(self, skill: Skill, seed: int, text: str) -> Preview:
        """Say how ``text`` is read for the problem of ``skill`` for ``seed``; never grades."""

    def close(self) -> None:
        """Release the source (stop a worker)."""


# --------------------------------------------------------------------------- the worker side


class ProblemMaker:
    """Generate problems and judge answers in-process; the worker runs one of these.

    Deck files are loaded on first use and again when their size or modification time changes;
    the last :data:`KEPT_INSTANCES` instances are kept so a check does not regenerate.
    """

    def __init__(self) -> None:
        self._decks: dict[str, tuple[tuple[int, int], Deck | str]] = {}
        self._instances: OrderedDict[tuple[str, str, int], Instance] = OrderedDict()

    def _deck(self, path: str) -> Deck:
        from mathdrill.decks.loader import DeckReadError, load_deck_file

        try:
            status = Path(path).stat()
        except OSError as error:
            raise SkillBroken(f"{path}: cannot read the deck file ({error.strerror})") from None
        stamp = (status.st_size, status.st_mtime_ns)
        known = self._decks.get(path)
        if known is None or known[0] != stamp:
            loaded: Deck | str
            try:
                loaded = load_deck_file(Path(path), trial=False)
            except (DeckReadError, DeckError) as error:
                problems = list(getattr(error, "problems", None) or [str(error)])
                more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
                loaded = "; ".join(problems[:3]) + more
            known = (stamp, loaded)
            self._decks[path] = known
        if isinstance(known[1], str):
            raise SkillBroken(known[1])
        return known[1]

    def instance(self, path: str, template_id: str, seed: int) -> Instance:
        """Return the instance of a template for a seed, made now or kept from before.

        Args:
            path: The deck file.
            template_id: The template's id in that file.
            seed: The seed.

        Returns:
            The instance.

        Raises:
            SkillBroken: The file does not load, has no such template, or the template fails
                for this seed.
        """
        key = (path, template_id, seed)
        kept = self._instances.get(key)
        if kept is not None:
            self._instances.move_to_end(key)
            return kept
        from mathdrill.decks.generate import GenerationError, generate

        deck = self._deck(path)
        template = next((t for t in deck.templates if t.id == template_id), None)
        if template is None:
            raise SkillBroken(f"{path}: no template {template_id!r} in deck {deck.id!r} any more")
        try:
            made = generate(template, seed)
        except GenerationError as error:
            raise SkillBroken(str(error.problem)) from None
        self._instances[key] = made
        while len(self._instances) > KEPT_INSTANCES:
            self._instances.popitem(last=False)
        return made

    def generate(self, path: str, template_id: str, seed: int) -> ProblemView:
        """Make a problem and render all its texts.

        Args:
            path: The deck file.
            template_id: The template's id.
            seed: The seed.

        Returns:
            The problem's view.

        Raises:
            SkillBroken: See :meth:`instance`; also when a text cannot be rendered.
        """
        from mathdrill.decks.generate import GenerationError

        made = self.instance(path, template_id, seed)
        try:
            return ProblemView.of(made)
        except GenerationError as error:
            self._instances.pop((path, template_id, seed), None)
            raise SkillBroken(str(error.problem)) from None

    def check(self, path: str, template_id: str, seed: int, text: str) -> Verdict:
        """Judge an answer against the instance of a template for a seed.

        Args:
            path: The deck file.
            template_id: The template's id.
            seed: The seed the problem was made from.
            text: The learner's answer.

        Returns:
            The verdict (learner text never raises).

        Raises:
            SkillBroken: The instance cannot be made again (the deck file changed under the
                session).
        """
        from mathdrill.answers.serve import judge_safely

        return judge_safely(self.instance(path, template_id, seed).spec, text)

    def preview(self, path: str, template_id: str, seed: int, text: str) -> Preview:
        """Say how an answer is read for the instance of a template for a seed; never grades.

        Args:
            path: The deck file.
            template_id: The template's id.
            seed: The seed the problem was made from.
            text: The learner's text as typed so far.

        Returns:
            The preview (learner text never raises; over its CPU budget it is ``unknown``).

        Raises:
            SkillBroken: The instance cannot be made again.
        """
        from mathdrill.answers.kinds import preview

        return preview(self.instance(path, template_id, seed).spec, text)

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one protocol request (the worker's loop calls this).

        Requests: ``{"op": "generate", "path", "template", "seed"}`` →
        ``{"view": {...}}``; ``{"op": "check", "path", "template", "seed", "text"}`` →
        ``{"verdict": {...}}``; ``{"op": "read", "path", "template", "seed", "text"}`` →
        ``{"preview": {...}}`` (how the text is read, ungraded). A broken skill gives
        ``{"broken": "path:line: message"}``, a malformed request ``{"error": "..."}``.

        Args:
            request: The decoded request.

        Returns:
            The reply, JSON-ready.
        """
        try:
            op = request["op"]
            path, template_id, seed = request["path"], request["template"], request["seed"]
            if not (isinstance(path, str) and isinstance(template_id, str)):
                raise TypeError("path and template must be strings")
            if isinstance(seed, bool) or not isinstance(seed, int):
                raise TypeError("seed must be an integer")
            if op == "generate":
                return {"view": self.generate(path, template_id, seed).to_dict()}
            if op in ("check", "read"):
                text = request["text"]
                if not isinstance(text, str):
                    raise TypeError("text must be a string")
                if op == "read":
                    return {"preview": self.preview(path, template_id, seed, text).to_dict()}
                return {"verdict": self.check(path, template_id, seed, text).to_dict()}
            raise ValueError(f"unknown op {op!r}")
        except SkillBroken as error:
            return {"broken": error.problem}
        except (KeyError, TypeError, ValueError) as error:
            return {"error": f"bad request: {error}"}


# --------------------------------------------------------------------------- the main side


class WorkerProblems:
    """A :class:`ProblemSource` backed by a killable worker process.

    The worker starts in the background at construction (it imports sympy while the caller
    opens the database and reads the catalogue). Checks are capped at ``timeout`` seconds: over
    the cap the worker is killed and the verdict is "undecided"; its replacement starts at once
    and makes instances again from their seeds.

    Args:
        timeout: Seconds one check may take.
        generate_timeout: Seconds one generation may take (wall time).
        startup_timeout: Seconds to wait for a worker to start.
        preview_timeout: Seconds one preview may take (wall time).

    Raises:
        UsageError: When ``timeout`` is not positive.
    """

    def __init__(
        self,
        timeout: float = 2.0,
        *,
        generate_timeout: float = GENERATE_TIMEOUT,
        startup_timeout: float | None = None,
        preview_timeout: float = PREVIEW_TIMEOUT,
    ) -> None:
        from mathdrill.answers.worker import DEFAULT_STARTUP_TIMEOUT, Judge

        self._judge = Judge(
            timeout,
            startup_timeout=DEFAULT_STARTUP_TIMEOUT if startup_timeout is None else startup_timeout,
            server=SERVER,
        )
        self.timeout = self._judge.timeout
        self._generate_timeout = generate_timeout
        self._preview_timeout = preview_timeout

    @property
    def worker_pid(self) -> int | None:
        """Process id of the worker that takes the next request (waits for it to start)."""
        return self._judge.worker_pid

    @property
    def ready(self) -> bool:
        """Whether the worker has started and is idle-or-busy but alive (never waits)."""
        return self._judge.warm

    def _ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        reply = self._judge.exchange(json.dumps(request).encode("utf-8"), timeout)
        try:
            data = json.loads(reply.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise WorkerError("the problem worker sent an unreadable reply") from None
        if not isinstance(data, dict):
            raise WorkerError("the problem worker sent an unreadable reply")
        if "broken" in data:
            raise SkillBroken(str(data["broken"]))
        if "error" in data:
            raise WorkerError(f"the problem worker refused a request: {data['error']}")
        return data

    def _make(self, skill: Skill, seed: int) -> ProblemView:
        request = {"op": "generate", "path": skill.path, "template": skill.id, "seed": seed}
        try:
            data = self._ask(request, self._generate_timeout)
        except CheckTimeoutError:
            raise SkillBroken(
                f"{skill.path}: {skill.key}: no problem within {self._generate_timeout:g} s "
                f"(seed {seed})"
            ) from None
        return ProblemView.from_dict(data.get("view") or {})

    def generate(self, skill: Skill, seed: int) -> ProblemView:
        """Make the problem of ``skill`` for ``seed``.

        Args:
            skill: The skill.
            seed: The seed.

        Returns:
            The problem.

        Raises:
            SkillBroken: The skill cannot produce a problem.
            WorkerError: No worker can be started.
        """
        return self._make(skill, seed)

    def check(self, skill: Skill, seed: int, text: str) -> Verdict:
        """Judge ``text`` in the worker, within the time cap.

        Args:
            skill: The skill of the problem on screen.
            seed: Its seed.
            text: The learner's answer.

        Returns:
            The verdict; ``undecided`` when the cap was hit or the worker died twice.

        Raises:
            SkillBroken: The problem could not be made again in a fresh worker.
            WorkerError: No worker can be started, or it replied nonsense.
        """
        from mathdrill.answers.worker import undecided_within

        request = {
            "op": "check",
            "path": skill.path,
            "template": skill.id,
            "seed": seed,
            "text": text,
        }
        try:
            data = self._ask(request, self.timeout)
        except CheckTimeoutError:
            return undecided_within(self.timeout)
        except WorkerStoppedError:
            return Verdict(
                "undecided", "could not decide: the checking process stopped unexpectedly"
            )
        try:
            return Verdict.from_dict(data["verdict"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise WorkerError("the problem worker sent a malformed verdict") from None

    def preview(self, skill: Skill, seed: int, text: str) -> Preview:
        """Say how ``text`` is read for the problem on screen, in the worker; never grades.

        Within :data:`PREVIEW_TIMEOUT` of wall time (the worker is killed over it, as for a
        check). Every failure is a quiet ``unknown`` preview, never an error: a preview is a
        courtesy, and Enter still checks the answer.

        Args:
            skill: The skill of the problem on screen.
            seed: Its seed.
            text: The learner's text as typed so far.

        Returns:
            The preview.
        """
        if not text.strip():
            return Preview()
        request = {
            "op": "read",
            "path": skill.path,
            "template": skill.id,
            "seed": seed,
            "text": text,
        }
        try:
            return Preview.from_dict(self._ask(request, self._preview_timeout)["preview"])
        except (
            CheckTimeoutError,
            WorkerError,
            SkillBroken,
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
        ):
            # The cap, dead workers or a closed source; a problem that cannot be made again
            # (Enter will say so); a reply that is not a preview.
            return Preview("unknown", error=CANNOT_PREVIEW)

    def close(self) -> None:
        """Stop the worker. Idempotent."""
        self._judge.close()


def serve_requests(maker: ProblemMaker, requests: Iterator[bytes]) -> Iterator[bytes]:
    """Turn raw request bytes into raw reply bytes, one for one (the worker's loop).

    Args:
        maker: The problem maker.
        requests: JSON request bytes.

    Yields:
        JSON reply bytes; a request that is not a JSON object gets an ``error`` reply.
    """
    for raw in requests:
        try:
            request = json.loads(raw.decode("utf-8"))
            if not isinstance(request, dict):
                raise InputError("a request must be a JSON object")
            reply = maker.handle(request)
        except (UnicodeDecodeError, ValueError, InputError) as error:
            reply = {"error": f"bad request: {error}"}
        yield json.dumps(reply).encode("utf-8")
