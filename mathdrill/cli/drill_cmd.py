"""``mathdrill drill``: the daily session, in a terminal, through a pipe, or as JSON lines.

Three front ends share one loop (:func:`run_loop`) over a
:class:`mathdrill.usecases.drill.DrillSession`:

* :class:`TerminalUI` — stdin is a terminal: rich rendering, prompt_toolkit line editing and a
  persistent answer history.
* :class:`PlainUI` — stdin is not a terminal: one answer line per prompt, plain text, no colour
  or cursor movement.
* :class:`JsonUI` — ``--json``: one JSON object per line on stdout (README, "JSON-lines protocol"),
  one answer line per problem from stdin.

At the answer prompt: ``?`` hint, ``!`` give up, ``s`` skip, ``f [comment]`` flag the problem
for a report (:func:`flag_comment`), ``u`` undo the last graded answer, ``q`` quit, ``help``.
Ctrl-D and
Ctrl-C end the session too; every answer confirmed on screen is already saved. In a terminal the
verdict stays on screen until the learner presses Enter (``w`` shows the worked solution, ``f``
flags the problem just answered).
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

from mathdrill.cli import completion, jsonout, root
from mathdrill.cli.counts import counted
from mathdrill.errors import AnswerNotSavedError, UsageError
from mathdrill.scheduling.queue import DEFAULT_NEW_PER_DAY, DEFAULT_REVIEW_CAP

if TYPE_CHECKING:
    from collections.abc import Callable

    from mathdrill.answers.verdict import Preview
    from mathdrill.cli.live_preview import LivePreview
    from mathdrill.storage import Flag
    from mathdrill.usecases.drill import (
        DrillSession,
        Outcome,
        Problem,
        QueuePlan,
        Summary,
        Undone,
    )

    #: Flags the problem on screen with a comment (``DrillSession.flag``).
    Flagger = Callable[[str], Flag]

COMMANDS_HELP = (
    "?  next hint (lowers the grade)   !  give up and see the solution   s  skip (not logged)\n"
    "u  undo the last graded answer (its skill comes again, a fresh problem)\n"
    "q  quit (Ctrl-D and Ctrl-C too; everything answered is saved)   help  this list\n"
    "f [comment]  flag this problem for a report (not an answer: it stays to be answered)"
)
#: The confirmation of a flag typed while a verdict is on screen.
FLAGGED_AFTER_VERDICT = "Flagged for a report with your answer: `mathdrill flags` lists it."
#: ``f`` or ``flag``, alone or followed by white space and a comment (see flag_comment).
FLAG_COMMAND = re.compile(r"(?:f|flag)(?:\s+(.*))?", re.IGNORECASE | re.DOTALL)
UNDO_WORDS = frozenset({"u", "undo"})
QUIT_WORDS = frozenset({"q", "quit", "exit"})
#: A ``--json`` line that asks how a text is read, ungraded (README, "JSON-lines protocol"):
#: ``?read TEXT``. No answer starts with ``?`` (the math language has no ``?``).
READ_PREFIX = "?read"

#: Asked when an answer could not be saved (the database server is away).
SAVE_AGAIN_PROMPT = "Press Enter to try saving this answer again, or q to quit without it: "
WRONG_GRADE_REFUSED = (
    "This answer was judged wrong: a grade above 2 would count it as remembered. "
    "Give 0, 1 or 2 (Enter keeps the suggested grade)."
)
# A blank row that sympy's pretty printer puts between a matrix's rows (only brackets and
# spaces): on an 80×24 terminal a 3×3 matrix would take five rows instead of three.
MATRIX_SPACER = re.compile(r"[ \t]*(?:[⎢⎜][ \t]*[⎥⎟][ \t]*)+")


def register(app: typer.Typer) -> None:
    """Attach the ``drill`` command to the root application.

    Args:
        app: The root typer application.
    """
    app.command(
        "drill",
        help=(
            "Today's drill: due skills plus a few new ones, one fresh problem at a time.\n\n"
            "Type your answer and press Enter. At the prompt: ? hint, ! give up, s skip, "
            "f flag the problem for a report, u undo the last answer, q quit, help. Every "
            "answer is saved the moment its verdict is shown."
        ),
    )(drill_command)


def drill_command(
    ctx: typer.Context,
    deck: Annotated[
        list[str] | None,
        typer.Option(
            "--deck",
            "-d",
            metavar="ID",
            help="Only this deck (repeat for several).",
            autocompletion=completion.deck_ids,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", "-t", metavar="TAG", help="Only skills with this tag (repeatable)."),
    ] = None,
    new: Annotated[
        int | None,
        typer.Option(
            "--new",
            metavar="N",
            min=0,
            help=(
                "Introduce up to N new skills in this session, whatever today's earlier "
                f"sessions did (default: {DEFAULT_NEW_PER_DAY} a day, MATHDRILL_NEW_PER_DAY)."
            ),
        ),
    ] = None,
    reviews: Annotated[
        int | None,
        typer.Option(
            "--reviews",
            metavar="N",
            min=0,
            help=(
                "Review up to N due skills in this session, whatever today's earlier sessions "
                f"did (default: {DEFAULT_REVIEW_CAP} a day, MATHDRILL_REVIEWS_PER_DAY)."
            ),
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", metavar="N", min=0, help="At most N problems (repeats extra)."),
    ] = None,
    minutes: Annotated[
        float | None,
        typer.Option(
            "--minutes",
            metavar="M",
            help="Plan a session that fits M minutes, from your measured solve times.",
        ),
    ] = None,
    cram: Annotated[
        bool,
        typer.Option("--cram", help="Practise ahead of schedule; the schedule does not move."),
    ] = False,
    self_grade: Annotated[
        bool,
        typer.Option("--self-grade", help="Grade yourself 0–5 after each verdict."),
    ] = False,
    decks: Annotated[
        list[Path] | None,
        typer.Option(
            "--decks", metavar="PATH", help="Also load decks from this file or folder (repeatable)."
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Speak the JSON-lines protocol on stdin/stdout (see README)."),
    ] = False,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", metavar="S", help="Seed the instance draws, to replay a session exactly."
        ),
    ] = None,
    scheduler: Annotated[
        str,
        typer.Option(
            "--scheduler",
            metavar="NAME",
            envvar="MATHDRILL_SCHEDULER",
            help="sm2 (default) or fsrs: which rule sets the next due date.",
        ),
    ] = "sm2",
) -> None:
    """Run today's drill (see ``mathdrill drill --help``)."""
    from mathdrill.usecases.drill import DrillOptions

    options = DrillOptions(
        decks=tuple(deck or ()),
        tags=tuple(tag or ()),
        new=new,
        reviews=reviews,
        limit=limit,
        minutes=minutes,
        cram=cram,
        self_grade=self_grade,
        scheduler=scheduler,
    )
    environment = root.environment(ctx)
    if as_json:
        ui: UI = JsonUI()
    elif sys.stdin.isatty() and sys.stdout.isatty():
        ui = TerminalUI(environment.data_dir)
    else:
        ui = PlainUI()
    from mathdrill.usecases.drill import open_session

    with open_session(
        environment,
        options,
        extra_decks=decks or [],
        seed=seed,
        problems=root.options(ctx).problems,
    ) as session:
        for problem in session.deck_problems:
            typer.echo(f"warning: skipped {problem} (`mathdrill deck check` explains)", err=True)
        run_loop(session, ui, self_grade=self_grade)


class UI(Protocol):
    """What a front end must do for :func:`run_loop`."""

    blank_gives_up: bool

    def use_preview(self, preview: Callable[[str], Preview]) -> None:
        """Learn how to say how a text is read before it is graded (the "read as" preview)."""

    def start(self, plan: QueuePlan, cram: bool) -> None:
        """Show the session's plan (or the first-run line)."""

    def nothing_due(self, next_due: datetime | None, plan: QueuePlan) -> None:
        """Say there is nothing to do, when the next review is; offer ``--new N`` and ``--cram``.

        When the daily cap holds reviews back, say so and how to review more.
        """

    def show_problem(self, problem: Problem) -> None:
        """Show a problem."""

    def read_answer(self, problem: Problem) -> str | None:
        """Read one answer line; None at end of input, Ctrl-D or Ctrl-C."""

    def show_hint(self, problem: Problem, hint: str | None, number: int) -> None:
        """Show a hint (None: no hints left)."""

    def show_help(self) -> None:
        """List the prompt commands."""

    def show_flagged(self, problem: Problem, flag: Flag) -> None:
        """Confirm a flag in one quiet line; the same problem waits for an answer."""

    def show_unreadable(self, problem: Problem, outcome: Outcome) -> None:
        """Say the input could not be read or decided, and ask again."""

    def ask_grade(self, problem: Problem, outcome: Outcome) -> int | None:
        """Ask for a 0–5 self-grade; None at end of input."""

    def show_outcome(self, problem: Problem, outcome: Outcome) -> None:
        """Show the verdict, the reference, feedback, grade and (when wrong) the solution."""

    def after_outcome(
        self, problem: Problem, outcome: Outcome, *, flag: Flagger | None = None
    ) -> bool:
        """After a verdict: wait for the learner if need be; False when the learner quits.

        ``flag`` flags the problem just answered (``f`` while the verdict is on screen).
        """

    def skipped(self, problem: Problem) -> None:
        """Acknowledge a skip."""

    def undone(self, undone: Undone | None) -> None:
        """Say in one line what ``u`` undid (None: there was nothing to undo)."""

    def save_failed(self, problem: Problem, message: str) -> bool:
        """Say the answer could not be saved (it is kept); True to try again, False to quit."""

    def finish(self, summary: Summary) -> None:
        """Show the end-of-session summary."""


def run_loop(session: DrillSession, ui: UI, *, self_grade: bool) -> None:
    """Drive a session through a front end until the queue is empty or the learner quits.

    Args:
        session: The session (answers are saved by it as they are graded).
        ui: The front end.
        self_grade: Ask the learner for each grade.
    """
    ui.use_preview(session.preview)
    ui.start(session.queue_info, session.cram)
    if not session.queue_info.items:
        ui.nothing_due(session.next_due(), session.queue_info)
        return
    try:
        while (problem := session.next_problem()) is not None:
            if not _one_problem(session, ui, problem, self_grade=self_grade):
                break
    except KeyboardInterrupt:
        pass
    ui.finish(session.summary())


def _one_problem(session: DrillSession, ui: UI, problem: Problem, *, self_grade: bool) -> bool:
    """Handle one problem; return False when the learner quits."""
    ui.show_problem(problem)
    started = time.monotonic()
    while True:
        line = ui.read_answer(problem)
        if line is None:
            return False
        command = line.strip()
        elapsed = time.monotonic() - started
        if command.lower() in QUIT_WORDS:
            return False
        if command == "?":
            hint = session.hint()
            ui.show_hint(problem, hint, session.hints_used)
            continue
        if command.lower() in ("help", "h"):
            ui.show_help()
            continue
        comment = flag_comment(command)
        if comment is not None:
            ui.show_flagged(problem, session.flag(comment))
            continue
        if command.lower() == "s":
            session.skip()
            ui.skipped(problem)
            return True
        if command.lower() in UNDO_WORDS:
            undone = session.undo()
            ui.undone(undone)
            if undone is None:
                continue
            return True
        if command == "!" or (not command and ui.blank_gives_up):
            give_up = partial(session.give_up, elapsed, blank=not command)
            gave_up = _saving(session, ui, problem, give_up)
            if gave_up is None:
                return False
            ui.show_outcome(problem, gave_up)
            return ui.after_outcome(problem, gave_up, flag=session.flag)
        if not command:
            continue
        submitted = _saving(session, ui, problem, partial(session.submit, line, elapsed))
        if submitted is None:
            return False
        outcome = submitted
        if not outcome.graded:
            ui.show_unreadable(problem, outcome)
            continue
        if self_grade:
            grade = ui.ask_grade(problem, outcome)
            quality = outcome.derived_quality if grade is None else grade
            if quality is None:  # a graded outcome always carries the grade mathdrill derived
                raise UsageError("this answer has no grade to save")
            graded = _saving(session, ui, problem, partial(session.self_grade, quality))
            if graded is None:
                return False
            outcome = graded
            if grade is None:
                ui.show_outcome(problem, outcome)
                return False
        ui.show_outcome(problem, outcome)
        return ui.after_outcome(problem, outcome, flag=session.flag)


def flag_comment(command: str) -> str | None:
    """Return the comment of a flag command (``f``, ``f comment``, ``flag …``), else None.

    Like ``s`` and ``q``, the key always means the command, so a learner who flags is never
    graded by mistake. The few answers it takes away have other spellings, and the confirmation
    names them where they matter (:func:`f_answer_spelling`): ``f`` for "false" is ``no``, the
    sixth option of a choice is ``f)``, a formula in a variable named ``f`` is ``(f)`` or ``1*f``
    (``f(x)``, ``f*x`` and ``f'`` are answers, not commands).

    Args:
        command: The prompt line, stripped.

    Returns:
        The comment ("" for none), or None when the line is not a flag command.
    """
    match = FLAG_COMMAND.fullmatch(command)
    if match is None:
        return None
    return " ".join((match.group(1) or "").split())


def f_answer_spelling(problem: Problem) -> str | None:
    """Say how to answer what ``f`` would mean on this problem, or None when it means nothing.

    Args:
        problem: The problem on screen.

    Returns:
        The advice, e.g. "to answer false, type no".
    """
    view = problem.view
    if view.kind == "boolean":
        return "to answer false, type no"
    if view.kind == "choice":
        return "to answer option f, type f)"
    if "f" in view.variables:
        return "to answer f itself, type (f)"
    return None


def _flagged_line(problem: Problem) -> str:
    """The one quiet line confirming a flag."""
    advice = f_answer_spelling(problem)
    other = f" ({advice})" if advice else ""
    # The panel names the card and the seed already; the line fits 80 columns.
    return f"Flagged for a report: `mathdrill flags` lists it. Now answer the problem{other}."


def _saving(
    session: DrillSession, ui: UI, problem: Problem, save: Callable[[], Outcome]
) -> Outcome | None:
    """Run a step that saves an answer; while the database cannot take it, offer to try again.

    Returns:
        The outcome, or None when the learner quits with the answer unsaved (after being told).
    """
    try:
        return save()
    except AnswerNotSavedError as exc:
        message = str(exc)
    while ui.save_failed(problem, message):
        try:
            return session.retry_save()
        except AnswerNotSavedError as exc:
            message = str(exc)
    return None


# ------------------------------------------------------------------------------- shared text


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "nothing scheduled yet"
    return moment.astimezone().strftime("%a %d %b %H:%M")


def _plan_line(plan: QueuePlan) -> str:
    """The problem count, with the estimated time (scheduling/workload.py)."""
    if not plan.items:
        return "no problems"
    minutes = max(1, round(plan.planned_seconds / 60))
    return f"{counted(len(plan.items), 'problem')}, about {minutes} min"


def _workload_lines(plan: QueuePlan) -> list[str]:
    """What the daily limits did to the plan: reviews held back, new skills left (not cram)."""
    if plan.new_per_day is None or plan.reviews_per_day is None:
        return []
    reviews = sum(1 for _, kind in plan.items if kind == "review")
    new = sum(1 for _, kind in plan.items if kind == "learn")
    lines = []
    if plan.held_back:
        lines.append(
            f"Reviews: {reviews} of {plan.due_total} due; the cap of {plan.reviews_per_day} a "
            f"day keeps {plan.held_back} for the next days."
        )
    elif plan.due_total:
        lines.append(f"Reviews: {reviews} of {plan.due_total} due.")
    earlier = f", {plan.new_done_today} earlier today" if plan.new_done_today else ""
    if new or not plan.new_total:
        lines.append(f"New skills: {new} ({plan.new_per_day} a day{earlier}).")
    elif plan.new_limit == 0:
        lines.append(f"New skills: none left today ({plan.new_per_day} a day{earlier}).")
    return lines


def _nothing_due_lines(next_due: datetime | None, plan: QueuePlan) -> list[str]:
    """The nothing-due screen: why, when the next review is, and how to do more."""
    lines = []
    if plan.held_back:
        done = f" ({plan.reviews_done_today} reviewed today)" if plan.reviews_done_today else ""
        lines.append(
            f"Today's reviews are done: the cap of {plan.reviews_per_day} a day is reached"
            f"{done}, and {plan.held_back} more wait for the next days."
        )
        lines.append(
            f"Review more now with `mathdrill drill --reviews {plan.held_back}`; "
            "MATHDRILL_REVIEWS_PER_DAY changes the daily cap."
        )
    else:
        lines.append(f"Nothing is due now. Next review: {_when(next_due)}.")
    if plan.new_total and plan.new_limit == 0 and plan.new_per_day:
        lines.append(
            f"Today's {counted(plan.new_per_day, 'new skill')} are introduced "
            "(MATHDRILL_NEW_PER_DAY changes how many a day)."
        )
    lines.append(
        "Learn more new skills with `mathdrill drill --new 5`, or practise ahead with "
        "`mathdrill drill --cram` (it does not move the schedule)."
    )
    return lines


def _grade_words(outcome: Outcome) -> str:
    """The grade and what earned it ("2/5 (wrong, but close)"); see scheduling/grading.py."""
    quality = outcome.quality
    if quality is None:
        return ""
    verdict = outcome.verdict
    if quality != outcome.derived_quality:
        words = "your own grade"
    elif quality == 2 and verdict is not None and verdict.correct:
        words = "correct, with much help"  # two or more hints, or after the solution
    elif quality == 2 and verdict is not None and verdict.mistake is not None:
        words = "wrong: a known mistake"
    elif quality == 2:
        words = "wrong, but close"
    else:
        words = {
            5: "perfect",
            4: "correct",
            3: "correct, with effort",
            1: "wrong",
            0: "not answered",
        }[quality]
    return f"{quality}/5 ({words})"


def _compact_matrices(text: str) -> str:
    """``text`` without the blank rows between the rows of its matrices."""
    lines = text.split("\n")
    return "\n".join(line for line in lines if not MATRIX_SPACER.fullmatch(line))


def _undone_line(undone: Undone | None) -> str:
    """The one line that says what ``u`` undid."""
    if undone is None:
        return "Nothing to undo: no answer graded in this session yet (or it was undone)."
    return (
        f"Undone: {undone.title} ({undone.card}, graded {undone.quality}/5); its review is "
        "removed and the skill comes again now, a fresh problem."
    )


def _summary_lines(summary: Summary) -> list[str]:
    lines = []
    minutes, seconds = divmod(round(summary.seconds), 60)
    accuracy = "—" if summary.accuracy is None else f"{summary.accuracy:.0%}"
    lines.append(
        f"{counted(summary.answered, 'problem')} answered · first-try accuracy {accuracy} · "
        f"{minutes}m {seconds:02d}s"
    )
    if summary.skipped:
        lines.append(f"{summary.skipped} skipped (still due)")
    if summary.needs_work:
        lines.append("needs work: " + ", ".join(summary.needs_work))
    if summary.leeches:
        lines.append(
            "leeches (keep failing — consider the hints or `mathdrill card show`): "
            + ", ".join(summary.leeches)
        )
    lines.append(f"streak: {counted(summary.streak, 'day')}")
    lines.append(
        f"next review: {_when(summary.next_due)} · due by tomorrow: {summary.due_tomorrow}"
    )
    for problem in summary.broken:
        lines.append(f"skipped a broken template (run `mathdrill deck check`): {problem}")
    return lines


# ------------------------------------------------------------------------------- plain text


class PlainUI:
    """Plain text for pipes and scripts: one answer line per prompt, no colour, no cursor."""

    blank_gives_up = True

    def __init__(self, stdin: Any = None, stdout: Any = None) -> None:
        self._in = stdin or sys.stdin
        self._out = stdout or sys.stdout

    def use_preview(self, preview: Callable[[str], Preview]) -> None:
        """No live "read as" line: a pipe is read a whole line at a time."""

    def _say(self, text: str = "") -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def start(self, plan: QueuePlan, cram: bool) -> None:
        """Show the plan in one line."""
        what = "cram session" if cram else "drill"
        self._say(f"mathdrill {what}: {_plan_line(plan)}. Type 'help' at the prompt.")
        for line in _workload_lines(plan):
            self._say(line)

    def nothing_due(self, next_due: datetime | None, plan: QueuePlan) -> None:
        """Say nothing is due (or the cap is reached) and offer --reviews N, --new N, --cram."""
        for line in _nothing_due_lines(next_due, plan):
            self._say(line)

    def show_problem(self, problem: Problem) -> None:
        """Print the problem as plain text."""
        view = problem.view
        tag = " (again)" if problem.repeat else ""
        self._say(
            f"\n[{problem.number}/{problem.total}] {problem.deck_title} — {problem.title}{tag}"
        )
        self._say(view.prompt)
        self._say(f"Answer: {view.expected_form}")

    def read_answer(self, problem: Problem) -> str | None:
        """Write the prompt marker and read one line."""
        self._out.write("> ")
        self._out.flush()
        line = self._in.readline()
        if not line:
            return None
        return line.rstrip("\r\n")

    def show_hint(self, problem: Problem, hint: str | None, number: int) -> None:
        """Print a hint."""
        if hint is None:
            self._say("No more hints. '!' shows the solution.")
        else:
            self._say(f"Hint {number}/{problem.hints_total}: {hint}")

    def show_help(self) -> None:
        """Print the prompt commands."""
        self._say(COMMANDS_HELP)

    def show_flagged(self, problem: Problem, flag: Flag) -> None:
        """Confirm the flag in one line."""
        self._say(_flagged_line(problem))

    def show_unreadable(self, problem: Problem, outcome: Outcome) -> None:
        """Print the parse error or undecided reason and ask again."""
        verdict = outcome.verdict
        assert verdict is not None
        self._say(verdict.error or verdict.reason)
        self._say("Not counted — try again.")

    def ask_grade(self, problem: Problem, outcome: Outcome) -> int | None:
        """Read a 0–5 grade (Enter keeps the derived one; above 2 refused for a wrong answer)."""
        while True:
            self._out.write(f"Your grade 0–5 [{outcome.derived_quality}]: ")
            self._out.flush()
            line = self._in.readline()
            if not line:
                return None
            text = line.strip()
            if not text:
                return outcome.derived_quality
            if not (text.isdigit() and 0 <= int(text) <= 5):
                self._say("A grade is a whole number from 0 to 5.")
            elif int(text) > outcome.highest_grade:
                self._say(WRONG_GRADE_REFUSED)
            else:
                return int(text)

    def show_outcome(self, problem: Problem, outcome: Outcome) -> None:
        """Print the verdict and what goes with it."""
        for line in _outcome_lines(problem, outcome):
            self._say(line)

    def after_outcome(
        self, problem: Problem, outcome: Outcome, *, flag: Flagger | None = None
    ) -> bool:
        """Scripts do not pause after a verdict."""
        return True

    def skipped(self, problem: Problem) -> None:
        """Acknowledge a skip."""
        self._say("Skipped (not logged).")

    def undone(self, undone: Undone | None) -> None:
        """Say what was undone."""
        self._say(_undone_line(undone))

    def save_failed(self, problem: Problem, message: str) -> bool:
        """Print why the answer is not saved; Enter tries again, q (or end of input) quits."""
        self._say(message)
        self._out.write(SAVE_AGAIN_PROMPT)
        self._out.flush()
        line = self._in.readline()
        return bool(line) and line.strip().lower() not in QUIT_WORDS

    def finish(self, summary: Summary) -> None:
        """Print the summary."""
        self._say("\nSession over.")
        for line in _summary_lines(summary):
            self._say(line)


def _outcome_lines(problem: Problem, outcome: Outcome) -> Iterator[str]:
    # A generator: the verdict is on the screen before the answer and the solution are rendered
    # (usually they are ready: the session renders them while the learner thinks).
    yield from _verdict_lines(problem, outcome)
    if _shows_solution(problem, outcome):
        yield "solution:"
        yield problem.view.solution
    yield from _grade_lines(outcome)


def _shows_solution(problem: Problem, outcome: Outcome) -> bool:
    """The worked solution follows a wrong answer or a give-up unasked (when there is one)."""
    verdict = outcome.verdict
    return bool(problem.view.solution) and not (verdict is not None and verdict.correct)


def _verdict_lines(problem: Problem, outcome: Outcome) -> Iterator[str]:
    """How the answer was read, the verdict, the feedback and the reference answer."""
    view = problem.view
    verdict = outcome.verdict
    if outcome.gave_up:
        yield "Given up."
    elif verdict is not None:
        if verdict.read_as:
            yield f"read as: {verdict.read_as}"
        for note in verdict.notes:
            yield f"note: {note}"
        yield "✓ correct" if verdict.correct else f"✗ not correct — {verdict.reason}"
        if verdict.near_miss and not verdict.correct:
            yield f"close: {verdict.near_miss}"
        if verdict.feedback:
            yield verdict.feedback
    yield f"answer: {view.answer_unicode}"


def _grade_lines(outcome: Outcome) -> Iterator[str]:
    """The grade, when the skill is due again, and the leech warning."""
    grade = _grade_words(outcome)
    if grade:
        due = f" · next: {_when(outcome.next_due)}" if outcome.next_due else ""
        again = " · comes back later this session" if outcome.will_repeat else ""
        yield f"grade {grade}{due}{again}"
    if outcome.leech_warning:
        yield "This skill keeps slipping (a leech): read the solution slowly, try the hints."


# ------------------------------------------------------------------------------- JSON lines


class JsonUI:
    """The JSON-lines protocol: events on stdout, one answer line per problem from stdin."""

    blank_gives_up = True

    def __init__(self, stdin: Any = None, stdout: Any = None) -> None:
        self._in = stdin or sys.stdin
        self._out = stdout or sys.stdout
        self._preview: Callable[[str], Preview] | None = None

    def use_preview(self, preview: Callable[[str], Preview]) -> None:
        """Answer ``?read TEXT`` lines at the answer prompt with a ``read_as`` event."""
        self._preview = preview

    def _emit(self, event: str, **fields: Any) -> None:
        self._out.write(jsonout.dumps({"event": event, **fields}) + "\n")
        self._out.flush()

    def start(self, plan: QueuePlan, cram: bool) -> None:
        """Emit a ``session`` event with the plan."""
        self._emit(
            "session",
            planned=len(plan.items),
            due=plan.due_total,
            new=plan.new_total,
            cram=cram,
            held_back=plan.held_back,
            new_limit=plan.new_limit,
            review_limit=plan.review_limit,
            new_per_day=plan.new_per_day,
            reviews_per_day=plan.reviews_per_day,
            new_done_today=plan.new_done_today,
            reviews_done_today=plan.reviews_done_today,
            planned_seconds=plan.planned_seconds,
        )

    def nothing_due(self, next_due: datetime | None, plan: QueuePlan) -> None:
        """Emit ``nothing_due`` with the next due time."""
        self._emit("nothing_due", next_due=next_due.isoformat() if next_due else None)

    def show_problem(self, problem: Problem) -> None:
        """Emit a ``problem`` event."""
        view = problem.view
        self._emit(
            "problem",
            number=problem.number,
            total=problem.total,
            card=problem.card,
            deck=problem.deck_title,
            title=problem.title,
            review_kind=problem.review_kind,
            seed=view.seed,
            prompt=view.prompt_plain,
            prompt_unicode=view.prompt,
            prompt_latex=view.prompt_latex,
            kind=view.kind,
            form=view.expected_form,
            variables=list(view.variables),
            hints=problem.hints_total,
        )

    def read_answer(self, problem: Problem) -> str | None:
        """Read one answer line; answer each ``?read TEXT`` line before it, ungraded."""
        while True:
            line = self._in.readline()
            if not line:
                return None
            line = line.rstrip("\r\n")
            if line != READ_PREFIX and not line.startswith(READ_PREFIX + " "):
                return line
            self._read_as(problem, line[len(READ_PREFIX) + 1 :])

    def _read_as(self, problem: Problem, text: str) -> None:
        """Emit how ``text`` is read for the problem on screen (nothing graded or saved)."""
        from mathdrill.answers.verdict import CANNOT_PREVIEW, Preview

        preview = self._preview(text) if self._preview else Preview("unknown", error=CANNOT_PREVIEW)
        span = None if preview.start is None else [preview.start, preview.end]
        self._emit(
            "read_as",
            card=problem.card,
            text=text,
            status=preview.status,
            read_as=preview.read_as_plain,
            read_as_unicode=preview.read_as,
            error=preview.error,
            span=span,
            notes=list(preview.notes),
        )

    def show_hint(self, problem: Problem, hint: str | None, number: int) -> None:
        """Emit a ``hint`` event (``text`` null when none are left)."""
        self._emit("hint", card=problem.card, number=number, text=hint)

    def show_help(self) -> None:
        """Emit the prompt commands."""
        self._emit("help", text=COMMANDS_HELP)

    def show_flagged(self, problem: Problem, flag: Flag) -> None:
        """Emit ``flagged``; the same problem waits for a line."""
        self._emit("flagged", id=flag.id, card=flag.card, seed=flag.seed, comment=flag.comment)

    def show_unreadable(self, problem: Problem, outcome: Outcome) -> None:
        """Emit a ``verdict`` event with ``graded: false``; the same problem waits for a line."""
        self._verdict(problem, outcome)

    def ask_grade(self, problem: Problem, outcome: Outcome) -> int | None:
        """Emit ``grade_request`` and read a 0–5 line (blank or invalid: the derived grade).

        Above 2 is invalid for an answer judged wrong (it would count as remembered).
        """
        self._emit("grade_request", card=problem.card, derived_quality=outcome.derived_quality)
        line = self._in.readline()
        if not line:
            return None
        text = line.strip()
        valid = text.isdigit() and 0 <= int(text) <= outcome.highest_grade
        return int(text) if valid else outcome.derived_quality

    def show_outcome(self, problem: Problem, outcome: Outcome) -> None:
        """Emit the ``verdict`` event."""
        self._verdict(problem, outcome)

    def _verdict(self, problem: Problem, outcome: Outcome) -> None:
        verdict = outcome.verdict
        view = problem.view
        self._emit(
            "verdict",
            card=problem.card,
            seed=view.seed,
            graded=outcome.graded,
            correct=bool(verdict and verdict.correct),
            status=verdict.status if verdict else "gave_up",
            reason=verdict.reason if verdict else "gave up",
            read_as=verdict.read_as_plain if verdict else None,
            error=verdict.error if verdict else None,
            reference=view.answer_plain if outcome.graded else None,
            mistake=verdict.mistake if verdict else None,
            feedback=verdict.feedback if verdict else None,
            near_miss=verdict.near_miss if verdict else None,
            quality=outcome.quality,
            saved=outcome.saved,
            will_repeat=outcome.will_repeat,
            next_due=outcome.next_due.isoformat() if outcome.next_due else None,
            solution=view.solution if outcome.graded else None,
        )

    def after_outcome(
        self, problem: Problem, outcome: Outcome, *, flag: Flagger | None = None
    ) -> bool:
        """No pause in the protocol."""
        return True

    def skipped(self, problem: Problem) -> None:
        """Emit ``skipped``."""
        self._emit("skipped", card=problem.card)

    def undone(self, undone: Undone | None) -> None:
        """Emit ``undone`` (``card`` null when there was nothing to undo)."""
        self._emit(
            "undone",
            card=undone.card if undone else None,
            review_kind=undone.review_kind if undone else None,
            quality=undone.quality if undone else None,
            text=_undone_line(undone),
        )

    def save_failed(self, problem: Problem, message: str) -> bool:
        """Emit ``save_failed``; the next line retries the save, ``q`` or end of input quits."""
        self._emit("save_failed", card=problem.card, message=message)
        line = self._in.readline()
        return bool(line) and line.strip().lower() not in QUIT_WORDS

    def finish(self, summary: Summary) -> None:
        """Emit the ``summary`` event."""
        self._emit(
            "summary",
            answered=summary.answered,
            first_showings=summary.first_showings,
            first_try_correct=summary.first_try_correct,
            accuracy=summary.accuracy,
            seconds=round(summary.seconds, 3),
            needs_work=list(summary.needs_work),
            leeches=list(summary.leeches),
            streak=summary.streak,
            next_due=summary.next_due.isoformat() if summary.next_due else None,
            due_tomorrow=summary.due_tomorrow,
            skipped=summary.skipped,
            broken=list(summary.broken),
        )


# ------------------------------------------------------------------------------- terminal


class TerminalUI:
    """An interactive terminal: rich panels, prompt_toolkit line editing and history."""

    blank_gives_up = False

    def __init__(self, data_dir: Path) -> None:
        from rich.console import Console

        self._console = Console(highlight=False)
        self._data_dir = data_dir
        self._prompt: Any = None
        self._verdict_shown = False  # ask_grade showed it: show_outcome adds only the grade
        self._solution_shown = False  # the worked solution of the current problem is on screen
        self._panel_rows = 0  # the height of the current problem's panel
        self._preview: Callable[[str], Preview] | None = None
        self._live: LivePreview | None = None  # the "read as" line under the answer

    def use_preview(self, preview: Callable[[str], Preview]) -> None:
        """Show how the answer is read, live, under it while the learner types."""
        # The line is built with the prompt, after the first problem is on the screen: its
        # module needs asyncio, which prompt_toolkit imports anyway (first problem visible,
        # bench/README.md).
        self._preview = preview

    def _session(self) -> Any:
        if self._prompt is None:
            from prompt_toolkit import PromptSession
            from prompt_toolkit.history import FileHistory, InMemoryHistory

            try:
                self._data_dir.mkdir(parents=True, exist_ok=True)
                history: Any = FileHistory(str(self._data_dir / "answer_history"))
            except OSError:
                history = InMemoryHistory()  # a read-only home must not stop the drill
            self._prompt = PromptSession(history=history)
            if self._preview is not None:
                from mathdrill.cli.live_preview import LivePreview

                self._live = LivePreview(self._preview)
                self._live.attach(self._prompt)
        return self._prompt

    def start(self, plan: QueuePlan, cram: bool) -> None:
        """Show the plan and the one line on getting help."""
        what = "Cram session (the schedule does not move)" if cram else "Today's drill"
        self._console.print(f"[bold]{what}[/]: {_plan_line(plan)}.")
        for line in _workload_lines(plan):
            self._console.print(line, markup=False)
        self._console.print(
            "Type help at the prompt for commands; mathdrill --help for everything else.",
            style="dim",
            markup=False,
        )
        if plan.leeches:
            names = ", ".join(c.key for c in plan.leeches[:5])
            self._console.print(f"[yellow]Leeches (skills that keep slipping): {names}[/]")

    def nothing_due(self, next_due: datetime | None, plan: QueuePlan) -> None:
        """Say nothing is due (or the cap is reached), and offer --reviews N, --new N, --cram."""
        for line in _nothing_due_lines(next_due, plan):
            self._console.print(line, markup=False)

    def show_problem(self, problem: Problem) -> None:
        """Show the problem in a panel with its progress, its card and its seed."""
        from rich.panel import Panel
        from rich.text import Text

        from mathdrill.cli.emphasis import rich_text

        view = problem.view
        again = " · again" if problem.repeat else ""
        # Deck texts are text: emphasis rendered, never read as rich markup.
        body = rich_text(_compact_matrices(view.prompt))
        body.append(f"\n\nAnswer: {view.expected_form}", style="dim")
        # The card and the seed name this instance exactly, for a report or `deck preview`.
        body.append(f"\n{problem.card} · seed {view.seed}", style="dim")
        title: Text | None = Text(f"{problem.deck_title} · {problem.title}")
        # A title longer than the top border would be cut: the deck title, then the template
        # title, move into the panel, where long lines wrap.
        room = self._console.width - 6  # "╭─ " and " ─╮"
        lead: list[Text] = []
        if title is not None and title.cell_len > room:
            title = Text(problem.title)
            lead = [Text(problem.deck_title, style="dim")]
            if title.cell_len > room:
                title = None
                lead = [Text(problem.title, style="bold"), *lead]
        if lead:
            body = Text("\n").join([*lead, Text(""), body])
        panel = Panel(
            body,
            title=title,
            title_align="left",
            subtitle=f"{problem.number}/{problem.total}{again}",
            subtitle_align="right",
        )
        self._panel_rows = self._rows(panel)
        self._console.print()
        self._console.print(panel)

    def read_answer(self, problem: Problem) -> str | None:
        """Read a line with editing and history, how it is read shown under it; None on Ctrl-D/C."""
        prompt = self._session()
        if self._live is not None:
            self._live.open()
        try:
            return prompt.prompt("› ")
        except (EOFError, KeyboardInterrupt):
            return None
        finally:
            if self._live is not None:
                self._live.close()

    def show_hint(self, problem: Problem, hint: str | None, number: int) -> None:
        """Show a hint."""
        if hint is None:
            self._console.print("[dim]No more hints. '!' shows the solution.[/]")
        else:
            from rich.text import Text

            from mathdrill.cli.emphasis import rich_text

            label = (f"Hint {number}/{problem.hints_total}: ", "cyan")
            self._console.print(Text.assemble(label, rich_text(hint)))

    def show_help(self) -> None:
        """List the prompt commands."""
        self._console.print(COMMANDS_HELP, markup=False)

    def show_flagged(self, problem: Problem, flag: Flag) -> None:
        """Confirm the flag in one quiet line."""
        self._console.print(_flagged_line(problem), style="dim", markup=False)

    def show_unreadable(self, problem: Problem, outcome: Outcome) -> None:
        """Show the parse error with its caret and ask again."""
        verdict = outcome.verdict
        assert verdict is not None
        self._console.print(verdict.error or verdict.reason, markup=False, style="yellow")
        self._console.print("[dim]Not counted — try again.[/]")

    def ask_grade(self, problem: Problem, outcome: Outcome) -> int | None:
        """Show the verdict, the reference and the feedback, then ask for a grade 0–5.

        Enter keeps the derived grade. A grade above 2 would count a wrong answer as
        remembered (scheduling/grading.py), so it is refused for one, with the reason.
        """
        for line in _verdict_lines(problem, outcome):
            self._print_line(problem, outcome, line)
        self._verdict_shown = True
        while True:
            try:
                text = self._session().prompt(f"Your grade 0–5 [{outcome.derived_quality}]: ")
            except (EOFError, KeyboardInterrupt):
                return None
            text = text.strip()
            if not text:
                return outcome.derived_quality
            if not (text.isdigit() and 0 <= int(text) <= 5):
                self._console.print("A grade is a whole number from 0 to 5.")
            elif int(text) > outcome.highest_grade:
                self._console.print(WRONG_GRADE_REFUSED, style="yellow", markup=False)
            else:
                return int(text)

    def _print_line(self, problem: Problem, outcome: Outcome, line: str) -> None:
        """Print one line of :func:`_verdict_lines` or :func:`_grade_lines` in its style."""
        from mathdrill.cli.emphasis import rich_text

        feedback = outcome.verdict.feedback if outcome.verdict is not None else None
        if line.startswith("✓"):
            self._console.print(line, style="bold green", markup=False)
        elif line.startswith("✗") or line == "Given up.":
            self._console.print(line, style="bold red", markup=False)
        elif line == feedback:
            self._console.print(rich_text(line))
        else:
            self._console.print(_compact_matrices(line), markup=False)

    def _solution_panel(self, problem: Problem) -> Any:
        from rich.panel import Panel

        from mathdrill.cli.emphasis import rich_text

        solution = _compact_matrices(problem.view.solution)
        return Panel(rich_text(solution), title="worked solution", title_align="left")

    def _rows(self, renderable: Any) -> int:
        """How many terminal rows ``renderable`` takes at the console's width."""
        return len(self._console.render_lines(renderable, self._console.options, pad=False))

    def show_outcome(self, problem: Problem, outcome: Outcome) -> None:
        """Show the verdict, the reference, feedback, the grade and, when wrong, the solution.

        The solution is shown unasked only when the problem, the answer, the verdict, the
        solution and the key prompt that follows fit in the console's height together: the
        verdict must stay on screen with its problem; otherwise the solution waits behind ``w``.
        """
        from rich.console import Group
        from rich.text import Text

        lines = [] if self._verdict_shown else list(_verdict_lines(problem, outcome))
        lines += list(_grade_lines(outcome))
        self._verdict_shown = False
        self._solution_shown = False
        for line in lines:
            self._print_line(problem, outcome, line)
        if not _shows_solution(problem, outcome):
            return
        panel = self._solution_panel(problem)
        block = Group(*(Text(_compact_matrices(line)) for line in lines))
        # The problem panel, the answer line, the verdict, the solution and the key prompt.
        needed = self._panel_rows + 1 + self._rows(block) + self._rows(panel) + 1
        if needed <= self._console.height:
            self._console.print(panel)
            self._solution_shown = True

    def after_outcome(
        self, problem: Problem, outcome: Outcome, *, flag: Flagger | None = None
    ) -> bool:
        """Keep the verdict on screen until Enter; ``w`` shows the worked solution, ``q`` quits.

        ``f [comment]`` flags the problem just answered (a verdict the learner disputes).
        """
        while True:
            offer = bool(problem.view.solution) and not self._solution_shown
            keys = (
                "Enter: next · w: worked solution · q: quit · f: flag › "
                if offer
                else ("Enter: next · q: quit · f: flag › ")
            )
            try:
                typed = self._session().prompt(keys).strip()
            except (EOFError, KeyboardInterrupt):
                return False
            text = typed.lower()
            if text in QUIT_WORDS:
                return False
            comment = flag_comment(typed) if flag is not None else None
            if flag is not None and comment is not None:
                flag(comment)
                self._console.print(FLAGGED_AFTER_VERDICT, style="dim", markup=False)
                continue
            if not (offer and text in ("w", "s", "solution")):
                return True
            self._console.print(self._solution_panel(problem))
            self._solution_shown = True

    def skipped(self, problem: Problem) -> None:
        """Acknowledge a skip."""
        self._console.print("[dim]Skipped (not logged).[/]")

    def undone(self, undone: Undone | None) -> None:
        """Say what was undone, in one line."""
        self._console.print(
            _undone_line(undone), style="dim" if undone is None else "cyan", markup=False
        )

    def save_failed(self, problem: Problem, message: str) -> bool:
        """Show why the answer is not saved (it stays on screen); Enter tries again, q quits."""
        self._console.print(message, markup=False, style="bold red")
        try:
            text = self._session().prompt(SAVE_AGAIN_PROMPT)
        except (EOFError, KeyboardInterrupt):
            return False
        return text.strip().lower() not in QUIT_WORDS

    def finish(self, summary: Summary) -> None:
        """Show the summary."""
        self._console.print()
        self._console.rule("Session over")
        for line in _summary_lines(summary):
            self._console.print(line, markup=False)
