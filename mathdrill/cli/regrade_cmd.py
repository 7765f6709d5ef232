"""``mathdrill regrade``: every stored answer judged again with today's checker and decks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mathdrill.cli import jsonout, root
from mathdrill.cli.counts import counted

if TYPE_CHECKING:
    from mathdrill.usecases.regrade import RegradeReport

#: Changed verdicts listed on screen (``--json`` lists all).
CHANGES_SHOWN = 50


def register(app: typer.Typer) -> None:
    """Attach ``regrade`` to the root application.

    Args:
        app: The root typer application.
    """
    app.command(
        "regrade",
        help=(
            "Judge every stored answer again with today's checker and decks; list the verdicts "
            "that change and why, then (after a backup) correct them and rebuild the schedules."
        ),
    )(regrade_command)


def regrade_command(
    ctx: typer.Context,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Only list what would change; write nothing."),
    ] = False,
    decks: Annotated[
        list[Path] | None,
        typer.Option(
            "--decks", metavar="PATH", help="Also load decks from this file or folder (repeatable)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Judge every stored answer again (see ``mathdrill regrade --help``)."""
    from mathdrill.cli.transfer_cmd import _bar
    from mathdrill.usecases.regrade import run_regrade

    environment = root.environment(ctx)
    with _bar("regrade", "answers") as progress:
        report = run_regrade(
            environment,
            dry_run=dry_run,
            extra_decks=decks or [],
            problems=root.options(ctx).problems,
            on_judged=progress,
        )
    if as_json:
        typer.echo(jsonout.dumps(_json(report)))
    else:
        for line in _lines(report):
            typer.echo(line)


def _json(report: RegradeReport) -> dict:
    rebuilt = report.rebuilt
    return {
        "dry_run": report.dry_run,
        "judged": report.judged,
        "not_judged": report.not_judged,
        "changes": [
            {
                "review": c.review_id,
                "card": c.card,
                "reviewed_at": c.reviewed_at.isoformat(),
                "answer": c.answer,
                "why": c.why,
                "before": {"status": c.before[0], "mistake": c.before[1], "quality": c.before[2]},
                "after": {"status": c.after[0], "mistake": c.after[1], "quality": c.after[2]},
            }
            for c in report.changes
        ],
        "missing": report.missing,
        "undecided": [
            {"card": card, "review": review, "reason": reason}
            for card, review, reason in report.undecided
        ],
        "cards_rebuilt": [f"{r.card.deck}/{r.card.template}" for r in rebuilt.changed]
        if rebuilt
        else [],
        "backup": str(report.backup) if report.backup else None,
    }


def _lines(report: RegradeReport) -> list[str]:
    lines = [
        f"judged again: {counted(report.judged, 'answer')}"
        + (f" ({report.not_judged} given up or blank, not judged)" if report.not_judged else "")
    ]
    why = {"deck": "deck fix", "checker": "checker fix"}
    if report.changes:
        lines.append(f"verdicts that change: {len(report.changes)}")
        for c in report.changes[:CHANGES_SHOWN]:
            old = c.before[0] + (f" ({c.before[1]})" if c.before[1] else "")
            new = c.after[0] + (f" ({c.after[1]})" if c.after[1] else "")
            lines.append(
                f"  review {c.review_id} {c.card} {c.reviewed_at:%Y-%m-%d}: {c.answer!r} "
                f"{old} {c.before[2]}/5 → {new} {c.after[2]}/5 [{why[c.why]}]"
            )
        if len(report.changes) > CHANGES_SHOWN:
            lines.append(f"  … and {len(report.changes) - CHANGES_SHOWN} more (--json lists all)")
    else:
        lines.append("no verdict changes")
    for card, count in sorted(report.missing.items()):
        lines.append(
            f"kept: {counted(count, 'answer')} to {card}, which no loaded deck defines any more"
        )
    for card, review, reason in report.undecided[:20]:
        lines.append(f"kept: review {review} ({card}) cannot be judged now: {reason}")
    if report.dry_run:
        if report.changes:
            lines.append("dry run: nothing was changed (run without --dry-run to apply)")
    elif report.rebuilt is not None:
        lines.append(
            f"corrected {counted(len(report.changes), 'review')}; rebuilt "
            f"{counted(len(report.rebuilt.changed), 'schedule')} from the review log"
            + (f"; backup: {report.backup}" if report.backup else "")
        )
    return lines
