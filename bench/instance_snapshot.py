"""Write every built-in template's instances, texts and verdicts as JSON lines, for diffing.

A refactoring of generation, rendering or judging must not change what a learner sees. Run this
before and after the change and compare the two files (``cmp`` or ``diff``)::

    .venv/bin/python bench/instance_snapshot.py -o /tmp/before.jsonl     # seeds 0-39
    .venv/bin/python bench/instance_snapshot.py -o /tmp/after.jsonl
    cmp /tmp/before.jsonl /tmp/after.jsonl

One record per (template, seed): the drawn values, every text of the instance (prompt in its three
forms, hints, solution, reference in plain and unicode), the answer spec (kind, mistakes and their
feedback), and the explained verdict of the reference's plain and unicode texts and of every
authored mistake's text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import sympy

from mathdrill.answers import judge
from mathdrill.decks.answering import answer_text
from mathdrill.decks.generate import generate
from mathdrill.decks.loader import load_deck_file


def plain(value: Any) -> Any:
    """A JSON-ready picture of a value: sympy's srepr for sympy objects, structure otherwise."""
    if isinstance(value, sympy.Basic | sympy.MatrixBase):
        return sympy.srepr(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    fields = getattr(value, "__dataclass_fields__", None)
    if fields:
        return {name: plain(getattr(value, name)) for name in fields}
    items = getattr(value, "items", None)
    if isinstance(items, tuple | list):
        return [plain(v) for v in items]
    return str(value)


def verdict(spec: Any, text: str) -> dict[str, Any]:
    """The explained verdict of ``text`` as a dict."""
    v = judge(spec, text)
    return {name: plain(getattr(v, name)) for name in v.__dataclass_fields__}


def record(template: Any, seed: int) -> dict[str, Any]:
    """Everything observable about one instance."""
    try:
        instance = generate(template, seed)
        instance.render_all()
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}
    spec = instance.spec
    out: dict[str, Any] = {
        "key": instance.key,
        "vars": instance.vars,
        "values": plain(instance.values),
        "prompt": instance.prompt,
        "prompt_plain": instance.prompt_plain,
        "prompt_latex": instance.prompt_latex,
        "hints": list(instance.hints),
        "solution": instance.solution,
        "answer_plain": instance.answer_plain,
        "answer_unicode": instance.answer_unicode,
        "expected_form": instance.expected_form,
        "expected_seconds": instance.expected_seconds,
        "kind": spec.kind,
        "expected": plain(spec.expected),
        "choices": list(spec.choices),
        "variables": plain(dict(spec.variables)),
        "mistakes": [
            {"name": m.name, "feedback": m.feedback, "value": plain(m.value)} for m in spec.mistakes
        ],
        "reference_verdict": verdict(spec, instance.answer_plain),
        "unicode_verdict": verdict(spec, instance.answer_unicode),
        "mistake_verdicts": [],
    }
    for mistake in spec.mistakes:
        text = answer_text(spec, mistake.value)
        out["mistake_verdicts"].append({"text": text, "verdict": verdict(spec, text)})
    return out


def main() -> None:
    """Write the snapshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("decks", nargs="*", default=["decks"], help="deck files or folders")
    parser.add_argument("--seeds", type=int, default=40, help="seeds 0..N-1 (default 40)")
    parser.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    args = parser.parse_args()
    files: list[Path] = []
    for name in args.decks:
        path = Path(name)
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    with out:
        for file in files:
            deck = load_deck_file(file, trial=False)
            for template in deck.templates:
                for seed in range(args.seeds):
                    line = {"card": f"{deck.id}/{template.id}", "seed": seed}
                    line.update(record(template, seed))
                    out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
