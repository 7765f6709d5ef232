"""The per-instance checks of ``mathdrill deck check`` (pure: no clock unless handed one).

For one (template, seed): the instance generates (constraints satisfiable, expressions valid,
placeholders render, nothing undefined or of the wrong shape for its kind); the reference,
written back as plain text, is judged correct by its own checker; every authored mistake is
judged wrong *and* recognised as that mistake; every answer test of the template gets its
verdict. Per-template checks over many seeds (enough distinct instances, enough distinct
answers, generation time) are summarised by :func:`summarize`.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mathdrill.answers.kinds import canonical_answer
from mathdrill.answers.kinds import judge as pure_judge
from mathdrill.decks.answering import answer_text
from mathdrill.decks.failures import GenerationError
from mathdrill.decks.generate import Instance, generate, generation_deadline
from mathdrill.decks.model import AnswerTest, Problem, Template
from mathdrill.errors import MathdrillError
from mathdrill.mathlang.deadline import cpu_deadline

MIN_DISTINCT = 5
"""A template must produce this many distinct instances (a quarter of the samples if fewer)."""

VARIETY_FLOOR = 50
VARIETY_SEEDS = 300
"""A template's answers must take at least :data:`VARIETY_FLOOR` distinct values (canonical
form, up to the kind's equivalence) in :data:`VARIETY_SEEDS` seeds, in proportion for other
sample counts, unless its ``variety:`` line says why they cannot (docs/decks.md, "Variety")."""

VARIETY_MIN_SAMPLES = 30
"""Below this many samples the floor is not judged: the count says too little."""

MAX_MESSAGES_PER_LINE = 3
"""Distinct messages reported per line of a template (the rest are counted)."""

BUDGET_MEDIAN_SECONDS = 0.1
"""Median generation time per instance above this is reported (the target is 5 ms)."""

JUDGE_CPU_SECONDS = 10.0
"""CPU time judging one instance's reference and mistakes may take (a sound one needs ms).
Generating it is bounded by :data:`mathdrill.decks.generate.GENERATION_CPU_SECONDS`."""


@dataclass(frozen=True)
class SeedResult:
    """What checking one seed found.

    Attributes:
        seed: The seed.
        key: The instance key ("" when generation failed).
        seconds: Generation time (0 when no clock was given).
        problems: ``(line, message, stage, example)`` for each failure: the message is the same
            for every seed with this failure, the example shows this seed's specifics.
        answer: A digest of the reference's canonical form ("" when there is none).
        prompt: A digest of the rendered prompt ("" when generation failed).
    """

    seed: int
    key: str
    seconds: float
    problems: tuple[tuple[int, str, str, str], ...] = ()
    answer: str = ""
    prompt: str = ""


def check_seed(
    template: Template,
    seed: int,
    clock: Callable[[], float] | None = None,
    judge: Callable[..., object] | None = None,
) -> SeedResult:
    """Run every per-instance check for one seed.

    Args:
        template: The template.
        seed: The seed.
        clock: Seconds counter for timing generation (``time.process_time`` in ``deck check``,
            so a loaded machine does not fail a sound deck); None: no timing.
        judge: The judge (default :func:`mathdrill.answers.judge`, in-process; it then judges
            the mistakes with ``explain=False``: only their status and name are checked).

    Returns:
        The result; ``problems`` is empty when the instance is sound.
    """
    mistake_judge = judge
    if judge is None:
        judge = pure_judge

        def mistake_judge(spec: Any, text: str) -> Any:
            return pure_judge(spec, text, explain=False)

    start = clock() if clock else 0.0
    try:
        with generation_deadline(template, seed):  # the rendering below is bounded too
            instance = generate(template, seed)
            instance.render_all()  # every placeholder of every text must render
    except GenerationError as error:
        elapsed = clock() - start if clock else 0.0
        problem = (error.problem.line, error.problem.message, error.stage, "")
        return SeedResult(seed, "", elapsed, (problem,))
    except Exception as error:  # an untrusted deck must not crash the whole check
        elapsed = clock() - start if clock else 0.0
        message = f"generating an instance failed: {type(error).__name__}: {str(error)[:200]}"
        return SeedResult(seed, "", elapsed, ((template.line, message, "crash", ""),))
    elapsed = clock() - start if clock else 0.0
    try:
        with cpu_deadline(JUDGE_CPU_SECONDS, _JudgingTooSlow):
            result = _judge_instance(template, seed, instance, elapsed, judge, mistake_judge)
    except _JudgingTooSlow as error:
        message = (
            f"judging the reference and the mistakes took more than {error.seconds:g} s of CPU "
            "time; the answer values are too heavy to compare"
        )
        result = SeedResult(
            seed, instance.key, elapsed, ((template.answer.line, message, "timeout", ""),)
        )
    except Exception as error:  # report, then keep checking the other seeds
        message = f"checking the answers failed: {type(error).__name__}: {str(error)[:200]}"
        result = SeedResult(
            seed, instance.key, elapsed, ((template.answer.line, message, "crash", ""),)
        )
    return SeedResult(
        result.seed,
        result.key,
        result.seconds,
        result.problems,
        _digest(_canonical(instance)),
        _digest(instance.prompt),
    )


def _canonical(instance: Instance) -> str:
    """The reference's canonical form; its plain text when the kind cannot make one."""
    try:
        with cpu_deadline(JUDGE_CPU_SECONDS, _JudgingTooSlow):
            return canonical_answer(instance.spec)
    except Exception:  # an exotic value: count it by its text rather than fail the check
        return instance.answer_plain


def _digest(text: str) -> str:
    """A short digest: only equality matters, and it crosses the worker pool."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


EQUALS_REFERENCE = "equals-reference"
"""Stage of a mistake judged correct; :func:`summarize` words it by how many samples it hit."""


def _equals_reference_advice(template: Template, count: int, judged: int) -> str:
    """Explain a mistake judged correct on ``count`` of ``judged`` instances."""
    if count >= judged:
        # Never wrong: not a matter of parameters but of what was written.
        return (
            ": it equals the reference on every sample — either the reference answer (line "
            f"{template.answer.value.line}) is wrong, or this mistake is the right answer "
            "written another way; fix or remove one of them"
        )
    return ": it equals the reference for some instances; exclude those parameters with where:"


class _JudgingTooSlow(MathdrillError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"judging took more than {seconds:g} s")
        self.seconds = seconds


def _judge_instance(
    template: Template,
    seed: int,
    instance: Instance,
    elapsed: float,
    judge: Callable[..., Any],
    mistake_judge: Callable[..., Any] | None = None,
) -> SeedResult:
    """Judge the reference and every mistake of one generated instance."""
    mistake_judge = mistake_judge or judge
    problems: list[tuple[int, str, str, str]] = []
    answer_line = template.answer.value.line
    # The status alone first (as for the mistakes): a sound reference needs no explanation,
    # and only a failing one is judged again for the reason shown to the author.
    verdict = mistake_judge(instance.spec, instance.answer_plain)
    if verdict.status != "correct" and mistake_judge is not judge:
        verdict = judge(instance.spec, instance.answer_plain)
    if verdict.status != "correct":
        problems.append(
            (
                answer_line,
                f"the reference answer is judged {verdict.status} by its own checker",
                "reference",
                f"'{instance.answer_plain}': {verdict.reason}",
            )
        )
    for definition, mistake in zip(template.mistakes, instance.spec.mistakes, strict=True):
        text = answer_text(instance.spec, mistake.value)
        result = mistake_judge(instance.spec, text)
        line = definition.value.line
        name = mistake.name
        if result.status == "correct":
            # How often it happens decides the advice: see summarize (stage EQUALS_REFERENCE).
            problems.append(
                (line, f"mistake '{name}' is judged correct", EQUALS_REFERENCE, f"'{text}'")
            )
        elif result.status != "wrong":
            problems.append(
                (
                    line,
                    f"mistake '{name}' is judged {result.status}",
                    "mistake",
                    f"'{text}': {result.reason}",
                )
            )
        elif result.mistake != name:
            other = (
                f"recognised as '{result.mistake}' instead (the same answer as an earlier "
                "mistake for some instances)"
                if result.mistake
                else "judged wrong but not recognised as that mistake"
            )
            problems.append((line, f"mistake '{name}' is {other}", "mistake", f"'{text}'"))
    for test, text in zip(template.tests, instance.test_answers, strict=True):
        result = mistake_judge(instance.spec, text)
        if not _test_passes(test, result):
            got = f"mistake:{result.mistake}" if result.mistake else result.status
            problems.append(
                (
                    test.line,
                    f"answer test '{test.answer.text}' must be judged {test.verdict}, "
                    f"but is judged {got}",
                    "test",
                    f"'{text}': {result.reason}",
                )
            )
    return SeedResult(seed, instance.key, elapsed, tuple(problems))


def _test_passes(test: AnswerTest, verdict: Any) -> bool:
    """Whether a verdict is the one an answer test asks for."""
    if test.verdict == "correct":
        return bool(verdict.status == "correct")
    if verdict.status != "wrong":
        return False
    return test.mistake is None or verdict.mistake == test.mistake


@dataclass
class TemplateReport:
    """The outcome of checking one template over many seeds.

    Attributes:
        template: The template.
        samples: Seeds checked.
        distinct: Distinct instance keys seen.
        answers: Distinct answers (canonical form, up to the kind's equivalence).
        prompts: Distinct rendered prompts.
        floor: Distinct answers the variety floor asks of these samples (0: not judged).
        seconds: Generation time of every successful instance.
        problems: Problems, each message once (with the first seed and a count).
    """

    template: Template
    samples: int = 0
    distinct: int = 0
    answers: int = 0
    prompts: int = 0
    floor: int = 0
    seconds: list[float] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def timing(self) -> dict[str, float]:
        """Return median, p95 and max generation time in milliseconds.

        Returns:
            ``{"median_ms", "p95_ms", "max_ms"}`` (zeros when nothing was timed).
        """
        if not self.seconds:
            return {"median_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
        ordered = sorted(self.seconds)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        return {
            "median_ms": round(statistics.median(ordered) * 1000, 3),
            "p95_ms": round(p95 * 1000, 3),
            "max_ms": round(ordered[-1] * 1000, 3),
        }


def variety_floor(samples: int) -> int:
    """Distinct answers ``samples`` seeds must show: 50 per 300, rounded up; 0 below 30.

    Args:
        samples: Seeds checked.

    Returns:
        The floor, or 0 when so few samples are not judged.
    """
    if samples < VARIETY_MIN_SAMPLES:
        return 0
    return math.ceil(VARIETY_FLOOR * samples / VARIETY_SEEDS)


def summarize(template: Template, results: Iterable[SeedResult], timed: bool) -> TemplateReport:
    """Fold per-seed results into a template report with the per-template checks.

    Args:
        template: The template.
        results: One result per seed.
        timed: Whether results carry generation times (then the time budget is checked).

    Returns:
        The report.
    """
    report = TemplateReport(template)
    keys: set[str] = set()
    answers: set[str] = set()
    prompts: set[str] = set()
    grouped: dict[tuple[int, str], list[tuple[int, str]]] = {}
    stages: dict[tuple[int, str], str] = {}
    generation_failures = 0
    for result in sorted(results, key=lambda r: r.seed):
        report.samples += 1
        if result.key:
            keys.add(result.key)
            report.seconds.append(result.seconds)
        if result.answer:
            answers.add(result.answer)
        if result.prompt:
            prompts.add(result.prompt)
        else:
            generation_failures += 1
        for line, message, stage, example in result.problems:
            grouped.setdefault((line, message), []).append((result.seed, example))
            stages[(line, message)] = stage
    judged = report.samples - generation_failures
    report.distinct = len(keys)
    report.answers = len(answers)
    report.prompts = len(prompts)
    report.floor = variety_floor(report.samples)
    shown_per_line: dict[int, int] = {}
    hidden_per_line: dict[int, int] = {}
    for (line, message), cases in grouped.items():
        # Instance-specific messages (a value in the text) would print once per seed; show a
        # few per line and count the rest.
        if shown_per_line.get(line, 0) >= MAX_MESSAGES_PER_LINE:
            hidden_per_line[line] = hidden_per_line.get(line, 0) + len(cases)
            continue
        shown_per_line[line] = shown_per_line.get(line, 0) + 1
        seed, example = cases[0]
        if stages[(line, message)] == EQUALS_REFERENCE:
            message += _equals_reference_advice(template, len(cases), judged)
        detail = f"seed {seed}" + (f": {example}" if example else "")
        if len(cases) > 1:
            detail += f"; {len(cases)} of {report.samples} samples"
        report.problems.append(Problem(template.path, line, f"{message} [{detail}]", template.id))
    for line, count in hidden_per_line.items():
        report.problems.append(
            Problem(template.path, line, f"… and {count} more failing sample(s) here", template.id)
        )
    # With few samples even a varied template repeats itself: ask for a quarter of them then.
    needed = min(MIN_DISTINCT, -(-report.samples // 4))
    if report.samples and generation_failures < report.samples and report.distinct < needed:
        report.problems.append(
            Problem(
                template.path,
                template.line,
                f"only {report.distinct} distinct instance(s) in {report.samples} samples; "
                f"a drill needs at least {needed} — widen the parameter ranges",
                template.id,
            )
        )
    judged_answers = report.samples - generation_failures
    if (
        report.floor
        and template.variety is None
        and judged_answers >= report.samples // 2
        and report.answers < report.floor
    ):
        report.problems.append(
            Problem(
                template.path,
                template.line,
                f"only {report.answers} distinct answer(s) in {report.samples} samples "
                f"({report.prompts} distinct prompts); the variety floor is {report.floor} "
                f"({VARIETY_FLOOR} per {VARIETY_SEEDS} samples) — draw parameters that change "
                "the answer, or say in one line why it cannot vary more (variety: …)",
                template.id,
            )
        )
    if timed and report.seconds:
        timing = report.timing()
        if timing["median_ms"] > BUDGET_MEDIAN_SECONDS * 1000:
            report.problems.append(
                Problem(
                    template.path,
                    template.line,
                    f"generating an instance takes {timing['median_ms']:.0f} ms (median); the "
                    f"budget is {BUDGET_MEDIAN_SECONDS * 1000:.0f} ms — simplify let: "
                    "expressions or use structured samplers instead of where: filtering",
                    template.id,
                )
            )
    report.problems.sort(key=lambda p: p.line)
    return report
