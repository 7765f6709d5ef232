"""``mathdrill fsrs fit``: fit FSRS parameters to the learner's own review log."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from mathdrill.cli import root
from mathdrill.errors import EXIT_FAILED


def register(app: typer.Typer) -> None:
    """Attach the ``fsrs`` group to the root application.

    Args:
        app: The root typer application.
    """
    group = typer.Typer(
        help="FSRS, the scheduler chosen with drill --scheduler fsrs.", no_args_is_help=True
    )
    group.command(
        "fit",
        help=(
            "Fit FSRS's parameters to your review log and store them in the database (needs "
            "400 graded answers and mathdrill[fsrs-optimizer])."
        ),
    )(fit_command)
    app.add_typer(group, name="fsrs")


def fit_command(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as one JSON object (docs/data.md).")
    ] = False,
) -> None:
    """Fit FSRS parameters to the review log."""
    from mathdrill.usecases import collection
    from mathdrill.usecases.calibration import fit_fsrs, fit_to_json, settings_of

    environment = root.environment(ctx)
    with collection.open_collection(environment, create=False) as db:
        result = fit_fsrs(db, settings_of(environment), environment.now())
    if as_json:
        typer.echo(json.dumps(fit_to_json(result)))
    elif not result.fitted:
        typer.echo(
            f"Not enough history to fit FSRS: {result.answers} graded answers, "
            f"{result.needed} needed. The default parameters stay in use."
        )
    if not result.fitted:
        raise typer.Exit(EXIT_FAILED)  # a "no": nothing was fitted
    if as_json:
        return
    assert result.parameters is not None
    typer.echo(
        f"Fitted FSRS to {result.answers} graded answers; drill --scheduler fsrs uses them now."
    )
    typer.echo("parameters: " + ", ".join(f"{p:.4f}" for p in result.parameters))
