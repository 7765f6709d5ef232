"""Benchmark the answer checker over tests/answers/corpus.jsonl.

Prints machine info, then for the corpus:

* parse latency of learner answers with ``mathdrill.mathlang.parse`` (median / p95 / max),
* check latency in-process (``judge``) and through the capped worker (``Judge``),
* preview latency in-process (``preview``: the drill's live "read as" line), wall and CPU time,
* accuracy: agreement of ``correct`` with the corpus label,
* the same accuracy and latency for a plain ``simplify(a - b) == 0`` checker (capped with the
  same time limit in a killable process), and for HuggingFace ``math_verify`` when installed.

Usage::

    .venv/bin/python bench/bench_answers.py [--rounds 3] [--timeout 2]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mathdrill.answers import AnswerSpec, Judge, Mistake, judge, parse_expected  # noqa: E402
from mathdrill.answers.answer_kind import variable_names  # noqa: E402
from mathdrill.answers.display import as_rows, is_scalar  # noqa: E402
from mathdrill.answers.kinds import preview  # noqa: E402
from mathdrill.mathlang import parse  # noqa: E402

CORPUS = REPO / "tests" / "answers" / "corpus.jsonl"
#: Kinds whose learner text goes through the math parser as a whole.
PARSED_KINDS = {"number", "expression", "vector", "matrix", "set", "multiset", "direction"}


def machine() -> str:
    return (
        f"python {platform.python_version()} on {platform.system()} {platform.machine()}; "
        f"processor {platform.processor() or 'unknown'!r}; cpu_count {os.cpu_count()}"
    )


def summary(values_ms: list[float]) -> str:
    if not values_ms:
        return "n/a"
    ordered = sorted(values_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered):8.3f} ms   p95 {p95:8.3f} ms   "
        f"max {ordered[-1]:8.3f} ms   (n={len(ordered)})"
    )


def load() -> list[tuple[dict[str, Any], AnswerSpec]]:
    cases = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        variables = {k: (float(v[0]), float(v[1])) for k, v in (case.get("vars") or {}).items()}
        spec = AnswerSpec(
            kind=case["kind"],
            expected=parse_expected(case["kind"], case["expected"], variables),
            variables=variables,
            rtol=case.get("rtol"),
            atol=case.get("atol"),
            choices=tuple(case.get("choices") or ()),
            up_to_constant=bool(case.get("up_to_constant", False)),
            mistakes=tuple(
                Mistake(
                    m["name"], parse_expected(case["kind"], m["value"], variables), m["feedback"]
                )
                for m in case.get("mistakes") or []
            ),
        )
        cases.append((case, spec))
    return cases


# -- the plain simplify baseline, in a killable process ----------------------------------------


def _baseline_decide(spec: AnswerSpec, text: str) -> bool:
    """``simplify(a - b) == 0`` entry by entry; anything unreadable or structural is False."""
    import sympy

    if spec.kind not in PARSED_KINDS:
        return False
    try:
        answer = parse(text, symbols=variable_names(spec), allow_imaginary=spec.allow_imaginary)
    except Exception:
        return False
    expected, value = spec.expected, answer.value
    if spec.kind in ("set", "multiset"):
        # Order-free, element by element with simplify (greedy matching).
        left = list(getattr(expected, "items", [expected]))
        right = list(getattr(value, "items", [value]))
        if spec.kind == "set":
            left, right = list(dict.fromkeys(left)), list(dict.fromkeys(right))
        if len(left) != len(right):
            return False
        for item in left:
            match = next((r for r in right if sympy.simplify(r - item) == 0), None)
            if match is None:
                return False
            right.remove(match)
        return True
    if is_scalar(expected) and is_scalar(value):
        return sympy.simplify(value - expected) == 0
    rows_e, rows_a = as_rows(expected), as_rows(value)
    if rows_e is None or rows_a is None:
        return False
    if len(rows_e) == 1 and all(len(r) == 1 for r in rows_a):
        rows_a = [[r[0] for r in rows_a]]
    if [len(r) for r in rows_e] != [len(r) for r in rows_a]:
        return False
    return all(
        sympy.simplify(a - e) == 0
        for row_e, row_a in zip(rows_e, rows_a, strict=True)
        for e, a in zip(row_e, row_a, strict=True)
    )


def _baseline_worker(conn: Any) -> None:
    while True:
        message = conn.recv()
        if message is None:
            return
        spec, text = message
        try:
            conn.send(bool(_baseline_decide(spec, text)))
        except Exception:
            conn.send(False)


class CappedBaseline:
    """The simplify baseline in a worker that is killed at the cap (like ``Judge``)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.context = multiprocessing.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.conn, child = self.context.Pipe()
        self.process = self.context.Process(target=_baseline_worker, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def check(self, spec: AnswerSpec, text: str) -> bool | None:
        self.conn.send((spec, text))
        if self.conn.poll(self.timeout):
            return bool(self.conn.recv())
        self.process.kill()
        self.process.join()
        self._start()
        return None

    def close(self) -> None:
        self.conn.send(None)
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per case")
    parser.add_argument("--timeout", type=float, default=2.0, help="check cap in seconds")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    cases = load()
    print(f"corpus: {len(cases)} cases from {CORPUS.relative_to(REPO)}\n")

    # Parse latency: every learner answer that the math parser reads whole. The first call per
    # answer is reported apart: sympy caches constructed objects, so repeats are faster.
    first_ms: list[float] = []
    parse_ms: list[float] = []
    for case, spec in cases:
        if case["kind"] not in PARSED_KINDS:
            continue
        names = variable_names(spec)
        for round_ in range(max(5, args.rounds)):
            started = time.perf_counter()
            with contextlib.suppress(Exception):
                parse(case["answer"], symbols=names)
            elapsed = (time.perf_counter() - started) * 1000
            (first_ms if round_ == 0 else parse_ms).append(elapsed)
    print(f"parse, first call per answer     {summary(first_ms)}")
    print(f"parse, repeated calls            {summary(parse_ms)}")

    # In-process judge.
    judge_ms: list[float] = []
    agree_in = 0
    for case, spec in cases:
        for round_ in range(args.rounds):
            started = time.perf_counter()
            verdict = judge(spec, case["answer"])
            judge_ms.append((time.perf_counter() - started) * 1000)
            if round_ == 0:
                agree_in += verdict.correct is case["correct"]
    print(f"check in-process (judge)         {summary(judge_ms)}")

    # The drill's live "read as" line: reading and rendering only, nothing compared.
    preview_ms: list[float] = []
    preview_cpu_ms: list[float] = []
    for case, spec in cases:
        for _round in range(args.rounds):
            started, cpu = time.perf_counter(), time.process_time()
            preview(spec, case["answer"])
            preview_ms.append((time.perf_counter() - started) * 1000)
            preview_cpu_ms.append((time.process_time() - cpu) * 1000)
    print(f"preview in-process (read as)     {summary(preview_ms)}")
    print(f"preview in-process, CPU time     {summary(preview_cpu_ms)}")

    # Capped worker: the production path.
    check_ms: list[float] = []
    agree = 0
    undecided = 0
    disagreements: list[str] = []
    with Judge(timeout=args.timeout) as capped:
        capped.check(cases[0][1], cases[0][0]["answer"])  # wait for the worker to start
        for case, spec in cases:
            for round_ in range(args.rounds):
                started = time.perf_counter()
                verdict = capped.check(spec, case["answer"])
                check_ms.append((time.perf_counter() - started) * 1000)
                if round_ == 0:
                    agree += verdict.correct is case["correct"]
                    undecided += verdict.status == "undecided"
                    if verdict.correct is not case["correct"]:
                        disagreements.append(case["id"])
    print(f"check capped (Judge, {args.timeout:g} s cap)   {summary(check_ms)}")
    print(
        f"accuracy (Judge)                 {agree}/{len(cases)} = {agree / len(cases):.1%}"
        f"   in-process {agree_in}/{len(cases)}   undecided {undecided}"
    )
    if disagreements:
        print(f"  disagreements: {', '.join(disagreements)}")

    # Worker lifecycle: cold start, and the first check after the cap killed a worker —
    # at once, and after a 1.5 s pause (a learner retyping).
    start_ms: list[float] = []
    recover: dict[str, list[float]] = {"at once": [], "after 1.5 s": []}
    quick_case, quick_spec = cases[0]
    slow_spec = AnswerSpec("expression", _sqrt_x(), variables={"x": (-2.0, -1.0)})
    slow_text = "(x+1)^40*(x-2)^35*(x+3)^30 - (x-1)^38*(x+2)^33 + sqrt(x)"
    for label, pause in (("at once", 0.0), ("after 1.5 s", 1.5)):
        for _ in range(3):
            started = time.perf_counter()
            with Judge(timeout=0.3) as fresh:
                fresh.check(quick_spec, quick_case["answer"])
                start_ms.append((time.perf_counter() - started) * 1000)
                hit = fresh.check(slow_spec, slow_text)
                assert hit.status == "undecided", hit
                time.sleep(pause)
                started = time.perf_counter()
                fresh.check(quick_spec, quick_case["answer"])
                recover[label].append((time.perf_counter() - started) * 1000)
    print(f"worker cold start + first check  {summary(start_ms)}")
    for label, values in recover.items():
        print(f"check after a cap kill, {label:<17}{summary(values)}")

    # Baseline: plain simplify(a - b) == 0, same cap.
    base_ms: list[float] = []
    base_agree = 0
    base_timeouts = 0
    math_cases = [(c, s) for c, s in cases if c["kind"] in PARSED_KINDS]
    baseline = CappedBaseline(args.timeout)
    try:
        baseline.check(*_warm(math_cases))
        for case, spec in math_cases:
            started = time.perf_counter()
            decided = baseline.check(spec, case["answer"])
            base_ms.append((time.perf_counter() - started) * 1000)
            base_timeouts += decided is None
            base_agree += bool(decided) is case["correct"]
    finally:
        baseline.close()
    ours_on_math = sum(
        judge(spec, case["answer"]).correct is case["correct"] for case, spec in math_cases
    )
    print(
        f"\nside by side on the {len(math_cases)} formula cases (number, expression, vector, "
        "matrix, set, multiset, direction):"
    )
    print(f"  mathdrill judge      accuracy {ours_on_math}/{len(math_cases)}")
    print(
        f"  simplify(a-b)==0     accuracy {base_agree}/{len(math_cases)}"
        f"   timeouts {base_timeouts}   latency {summary(base_ms)}"
    )

    try:
        import math_verify  # noqa: F401
    except ImportError:
        print("  math_verify          skipped: not installed (pip install '.[bench]')")
    else:
        _math_verify_column(math_cases)
    return 0


def _sqrt_x() -> Any:
    import sympy

    return sympy.sqrt(sympy.Symbol("x"))


def _warm(math_cases: list[tuple[dict[str, Any], AnswerSpec]]) -> tuple[AnswerSpec, str]:
    case, spec = math_cases[0]
    return spec, case["answer"]


def _math_verify_column(math_cases: list[tuple[dict[str, Any], AnswerSpec]]) -> None:
    from math_verify import parse as mv_parse
    from math_verify import verify as mv_verify

    times: list[float] = []
    agree = 0
    for case, _spec in math_cases:
        started = time.perf_counter()
        try:
            decided = bool(mv_verify(mv_parse(case["expected"]), mv_parse(case["answer"])))
        except Exception:
            decided = False
        times.append((time.perf_counter() - started) * 1000)
        agree += decided is case["correct"]
    print(f"  math_verify          accuracy {agree}/{len(math_cases)}   latency {summary(times)}")


if __name__ == "__main__":
    sys.exit(main())
