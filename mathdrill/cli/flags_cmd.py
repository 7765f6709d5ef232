"""``mathdrill flags``: the problems flagged in drills (the ``f`` key), to report and clear."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Annotated

import typer

from mathdrill.cli import jsonout, root
from mathdrill.cli.counts import counted

if TYPE_CHECKING:
    from mathdrill.storage import Flag


def register(app: typer.Typer) -> None:
    """Attach ``flags`` to the root application.

    Args:
        app: The root typer application.
    """
    app.command(
        "flags",
        help=(
            "The problems you flagged in drills (f at the prompt), newest first: the card, the "
            "seed, when, your comment and answer, and the command that shows the problem "
            "again. --clear ID removes one once it is reported."
        ),
    )(flags_command)


def preview_command(flag: Flag) -> str:
    """Return the command that shows a flagged problem again.

    Args:
        flag: The flag.

    Returns:
        ``mathdrill deck preview DECK/TEMPLATE --seed SEED`` (quoted for a shell when needed).
    """
    return f"mathdrill deck preview {shlex.quote(flag.card)} --seed {flag.seed}"


def flags_command(
    ctx: typer.Context,
    clear: Annotated[
        int | None,
        typer.Option(
            "--clear",
            metavar="ID",
            min=1,
            help="Remove the flag with this id (once reported); the card and its history stay.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the flags as JSON.")] = False,
) -> None:
    """List the flagged problems, or clear one."""
    from mathdrill.usecases import collection

    environment = root.environment(ctx)
    if clear is not None:
        flag = collection.clear_flag(environment, clear)
        if as_json:
            typer.echo(jsonout.dumps({"cleared": _flag_json(flag)}))
        else:
            typer.echo(f"cleared flag {flag.id}: {_shown(flag.card)} · seed {flag.seed}")
        return
    flags = collection.list_flags(environment)
    if as_json:
        typer.echo(jsonout.dumps({"flags": [_flag_json(flag) for flag in flags]}))
        return
    _print_flags(flags)


def _flag_json(flag: Flag) -> dict:
    return {
        "id": flag.id,
        "card": flag.card,
        "deck": flag.deck,
        "template": flag.template,
        "seed": flag.seed,
        "flagged_at": flag.flagged_at.isoformat(),
        "comment": flag.comment,
        "answer": flag.answer,
        "preview": preview_command(flag),
    }


def _shown(text: str) -> str:
    r"""Text as the screen may show it: control, bidi and invisible characters as ``\u`` escapes.

    A flag may come from an import file: its comment must not move the cursor or hide text.
    """
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def _print_flags(flags: list[Flag]) -> None:
    echo = typer.echo
    if not flags:
        echo("No flagged problems. Type f (and a comment) at the drill's prompt to flag one.")
        return
    echo(f"{counted(len(flags), 'flagged problem')}, newest first:")
    for flag in flags:
        when = flag.flagged_at.astimezone().strftime("%a %d %b %Y %H:%M")
        echo(f"\n[{flag.id}] {_shown(flag.card)} · seed {flag.seed} · {when}")
        if flag.comment:
            echo(f"  comment: {_shown(flag.comment)}")
        if flag.answer is not None:
            echo(f"  your answer: {_shown(flag.answer)}")
        echo(f"  see it again: {_shown(preview_command(flag))}")
    echo("\nOnce reported, remove one with: mathdrill flags --clear ID")
