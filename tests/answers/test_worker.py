"""The capped checker: time cap, killed workers, hostile input, shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy

from mathdrill.answers import AnswerSpec, Judge, Verdict, judge
from mathdrill.errors import UsageError, WorkerError
from tests.answers.conftest import make_spec

X = sympy.Symbol("x")

#: A real pathological check: the reference sqrt(x) is not real anywhere on [-2, -1], so the
#: numeric test has no usable points and the symbolic fallback has to simplify a heavy answer
#: (several seconds in-process on this machine).
SLOW_SPEC = AnswerSpec("expression", sympy.sqrt(X), variables={"x": (-2.0, -1.0)})
SLOW_TEXT = "(x+1)^40*(x-2)^35*(x+3)^30 - (x-1)^38*(x+2)^33 + sqrt(x)"
#: The same, heavier: about 20 s in-process here.
VERY_SLOW_TEXT = "(x+1)^90*(x-2)^85*(x+3)^80 - (x-1)^88*(x+2)^83 + sqrt(x)"


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for a reaper counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return True
    return "\nState:\tZ" not in status


@pytest.mark.slow
def test_slow_check_is_undecided_within_the_cap_and_the_next_check_works() -> None:
    quick = make_spec("number", "1/3")
    with Judge(timeout=0.3) as capped:
        assert capped.check(quick, "1/3").correct  # the worker is up before timing starts
        first_pid = capped.worker_pid
        verdict = capped.check(SLOW_SPEC, SLOW_TEXT)
        assert verdict.status == "undecided"
        assert verdict.reason == "could not decide within 0.3 s — simplify your answer"
        assert not _alive(first_pid)  # killed and reaped, not left running
        assert capped.check(quick, "0.333").correct
        assert capped.worker_pid != first_pid


@pytest.mark.slow
def test_worker_killed_from_outside_is_replaced() -> None:
    spec = make_spec("expression", "diff(sin(x^2), x)", variables={"x": (-2.0, 2.0)})
    with Judge(timeout=5.0) as capped:
        pid = capped.worker_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        verdict = capped.check(spec, "2x cos(x^2)")
        assert verdict.correct
        assert capped.worker_pid != pid


@pytest.mark.slow
def test_worker_killed_between_checks_twice() -> None:
    spec = make_spec("number", "sqrt(2)/2")
    with Judge(timeout=5.0) as capped:
        for _ in range(2):
            os.kill(capped.worker_pid, signal.SIGKILL)
            time.sleep(0.05)
            assert capped.check(spec, "1/sqrt(2)").correct


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('touch {marker}')",
        "open('{marker}', 'w')",
        "exec(\"open('{marker}','w')\")",
        "eval('1')",
        "(lambda: 1)()",
        "x.__class__",
        "[c for c in ().__class__.__bases__]",
        "import os",
        "globals()",
        "\x00\x01",
        "'{marker}'",
    ],
)
def test_code_injection_has_no_effect(text: str, tmp_path: Path, warm_judge: Judge) -> None:
    marker = tmp_path / "pwned"
    spec = make_spec("expression", "x^2", variables={"x": (-2.0, 2.0)})
    verdict = warm_judge.check(spec, text.format(marker=marker))
    assert verdict.status == "unreadable"
    assert verdict.error
    assert not marker.exists()


BOMBS = [
    "9^9^9^9",
    "10^10^10",
    "factorial(factorial(100))",
    "(x+1)^1000000",
    "2^(2^(2^(2^(2^x))))",
    "(" * 5000 + "x" + ")" * 5000,
    "x" + "+x" * 20000,
    "1e999999999",
    "sin(" * 200 + "x" + ")" * 200,
    "exp(exp(exp(exp(exp(x)))))",
    "binomial(10^9, 10^8)",
    "x^(10^9)",
    "[[" + ",".join(["1"] * 3000) + "]]",
    # Inputs the parser accepts that cost the checker real work.
    "x^2 + 10^-36*((x+1)^40*(x-2)^35*(x+3)^30 - (x-1)^38*(x+2)^33)",
    "(x+1)^999 - (x-1)^999",
    "tan(x)^999",
    "sin(10^300)",
    "floor(10^50 x)",
    SLOW_TEXT,
]


@pytest.fixture(scope="module")
def bomb_judge():
    judge_ = Judge(timeout=1.0)
    yield judge_
    judge_.close()


@pytest.mark.parametrize("text", BOMBS, ids=[f"bomb{i}" for i in range(len(BOMBS))])
@pytest.mark.parametrize("kind", ["expression", "number", "matrix", "set"])
def test_resource_bombs_return_within_the_cap(text: str, kind: str, bomb_judge: Judge) -> None:
    expected = {"expression": "x^2", "number": "2", "matrix": "[[1, 2]]", "set": "{1}"}[kind]
    spec = make_spec(kind, expected, variables={"x": (-2.0, 2.0)})
    verdict = bomb_judge.check(spec, text)
    assert verdict.status in ("wrong", "unreadable", "undecided")


def test_unknown_kind_raises_usage_error(warm_judge: Judge) -> None:
    with pytest.raises(UsageError, match="unknown answer kind"):
        warm_judge.check(AnswerSpec("colour", "red"), "red")
    with pytest.raises(UsageError, match="unknown answer kind"):
        judge(AnswerSpec("colour", "red"), "red")


def test_closed_judge_refuses_and_leaves_no_process() -> None:
    capped = Judge(timeout=2.0)
    pid = capped.worker_pid
    capped.close()
    capped.close()  # idempotent
    assert not _alive(pid)
    with pytest.raises(WorkerError, match="closed"):
        capped.check(make_spec("number", "1"), "1")
    assert capped.worker_pid is None


def test_bad_timeout_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        Judge(timeout=0)


def test_verdict_from_worker_is_plain_json_data(warm_judge: Judge) -> None:
    verdict = warm_judge.check(make_spec("number", "1/3"), "0.33")
    data = verdict.to_dict()
    assert all(isinstance(v, str | bool | list | type(None)) for v in data.values())
    assert Verdict.from_dict(data) == verdict
    assert verdict.near_miss == "give at least 3 significant figures"


@pytest.mark.slow
def test_interpreter_exit_without_close_does_not_hang(tmp_path: Path) -> None:
    script = tmp_path / "no_close.py"
    script.write_text(
        "from mathdrill.answers import Judge, AnswerSpec\n"
        "import sympy\n"
        "j = Judge(timeout=2.0)\n"
        "print(j.check(AnswerSpec('number', sympy.Rational(1, 2)), '0.5').status)\n"
        "print(j.worker_pid)\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert done.returncode == 0, done.stderr
    status, pid = done.stdout.split()
    assert status == "correct"
    time.sleep(0.2)
    assert not _alive(int(pid))


class _ExitsWhenUnpickled:
    """A spec value whose unpickling ends the process: a worker that dies on every attempt."""

    def __reduce__(self):
        return (os._exit, (3,))


@pytest.mark.slow
def test_worker_dying_on_the_check_itself_is_undecided_not_a_crash() -> None:
    with Judge(timeout=5.0) as capped:
        verdict = capped.check(AnswerSpec("number", _ExitsWhenUnpickled()), "1")
        assert verdict.status == "undecided"
        assert "stopped unexpectedly" in verdict.reason
        assert capped.check(make_spec("number", "1/2"), "0.5").correct


@pytest.mark.slow
def test_worker_exits_when_the_parent_is_killed_mid_check(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, sympy\n"
        "from mathdrill.answers import Judge, AnswerSpec\n"
        "j = Judge(timeout=120.0)\n"
        "print(j.worker_pid, flush=True)\n"
        "x = sympy.Symbol('x')\n"
        "spec = AnswerSpec('expression', sympy.sqrt(x), variables={'x': (-2.0, -1.0)})\n"
        f"j.check(spec, {VERY_SLOW_TEXT!r})\n",
        encoding="utf-8",
    )
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    try:
        worker = int(parent.stdout.readline())
        time.sleep(0.5)  # the slow check is running in the worker now
        assert _alive(worker)
        parent.kill()
        parent.wait(10)
        # The check alone would keep the orphan busy for ~20 s; the parent watch ends it.
        deadline = time.monotonic() + 5
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker)
    finally:
        parent.kill()
        parent.wait(10)
        parent.stdout.close()


class _Interrupted(Exception):
    pass


@pytest.mark.slow
def test_interrupted_check_never_leaks_a_stale_verdict_into_the_next() -> None:
    def interrupt(signum, frame):
        raise _Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with Judge(timeout=30.0) as capped:
            wrong_spec = make_spec("number", "7")
            capped.check(wrong_spec, "7")  # started and warm
            signal.setitimer(signal.ITIMER_REAL, 0.5)
            with pytest.raises(_Interrupted):
                capped.check(SLOW_SPEC, SLOW_TEXT)
            # Without replacing the busy worker, this would read the slow check's reply.
            verdict = capped.check(wrong_spec, "8")
            assert verdict.status == "wrong"
            assert verdict.read_as == "8"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _worker_children() -> set[int]:
    """Pids of this process's children running the checking worker."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if (
            ppid == os.getpid()
            and b"mathdrill.answers.serve" in cmdline
            and _alive(int(entry.name))
        ):
            found.add(int(entry.name))
    return found


@pytest.mark.slow
def test_close_while_a_worker_is_starting_leaves_no_worker() -> None:
    before = _worker_children()
    capped = Judge(timeout=0.3)
    assert capped.check(make_spec("number", "1/2"), "0.5").correct
    # A cap kill starts the replacement in the background.
    assert capped.check(SLOW_SPEC, SLOW_TEXT).status == "undecided"
    # A worker is importing sympy now; close kills it.
    capped.close()
    assert _worker_children() - before == set()
