"""JSON output is valid UTF-8 whatever comes in, with bidi and zero-width characters escaped.

An answer holding a byte that is not UTF-8 (``\\xff``) reaches Python as a lone surrogate; a
right-to-left override (U+202E) or a zero-width space (U+200B) would reorder or hide text in a
terminal or a log viewer. ``drill --json`` and ``check --json`` (single and batch) must write
each as an escape, never as raw bytes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mathdrill.cli.jsonout import dumps
from tests.drill.drillkit import drill_argv

HOSTILE = b"x\xff\xe2\x80\xae\xe2\x80\x8b"  # x, an invalid byte, U+202E, U+200B
RAW = ("\u202e", "\u200b", "\u2066", "\ufeff")


def check_lines(stdout: bytes) -> list[dict]:
    """Every line is strict UTF-8 JSON with no raw bidi or zero-width character."""
    text = stdout.decode("utf-8")  # raises on an invalid byte
    assert not any(char in text for char in RAW), text
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def md(md_env: dict[str, str], *args: bytes | str, stdin: bytes | None = None):
    return subprocess.run(
        [sys.executable, "-m", "mathdrill", *args],
        input=stdin,
        capture_output=True,
        env=md_env,
        timeout=120,
    )


def test_dumps_escapes_what_would_hide_or_break_text() -> None:
    text = dumps({"answer": "a\udcffb\u202ec\u200bd\u2066e\ufefff", "ok": "π √2"})
    assert text.isascii() is False  # ordinary non-ASCII stays readable
    assert "π √2" in text
    assert text.encode("utf-8")
    back = json.loads(text)
    assert back["answer"] == "a\ufffdb\u202ec\u200bd\u2066e\ufefff"
    assert "\\u202e" in text
    assert "\\u200b" in text
    assert "\\ufffd" in text


def test_check_json_never_echoes_raw_bytes(md_env) -> None:
    args = ("check", "-k", "expression", "-e", "x", "--var", "x", "--json", "-a")
    done = md(md_env, *args, HOSTILE)
    assert done.returncode in (1, 2), done.stderr
    (result,) = check_lines(done.stdout)
    assert result["status"] == "unreadable"


def test_check_batch_never_echoes_raw_bytes(md_env) -> None:
    request = b'{"kind": "expression", "expected": "x", "vars": ["x"], "answer": "'
    lines = request + HOSTILE + b'"}\n' + request + b'x"}\n'
    done = md(md_env, "check", "--batch", "-", stdin=lines)
    assert done.returncode in (0, 1), done.stderr
    results = check_lines(done.stdout)
    # The line holding bytes that are no UTF-8 gets its own error; the next one is judged.
    assert results[0]["line"] == 1
    assert "error" in results[0]
    assert results[1]["correct"] is True


def test_drill_json_never_echoes_raw_bytes(md_env) -> None:
    argv = drill_argv("2026-11-21T09:00", "--json", "--seed", "8")
    done = subprocess.run(
        argv, input=HOSTILE + b"\n\n", capture_output=True, env=md_env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    events = check_lines(done.stdout)
    verdicts = [e for e in events if e["event"] == "verdict"]
    assert verdicts[0]["status"] == "unreadable"
    assert verdicts[1]["status"] == "gave_up"
    assert Path(md_env["MATHDRILL_HOME"], "mathdrill.db").exists()
