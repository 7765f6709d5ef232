"""The layer rules (``[tool.importlinter]`` in pyproject.toml) hold, and every one of them fires.

The package is checked as it is; then a copy gets one planted import for every rule the table
states — an upward import for each pair of layers, an import between independent siblings, each
forbidden library from each layer it is forbidden in, and one import cycle — each inside a
function, and the check must report every one of them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "importlinter"
]


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(exe), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1"},
        check=False,
    )


def rules() -> list[tuple[str, str, str]]:
    """Every rule of the table as ``(contract id, importer, imported)``."""
    found = []
    for contract in CONFIG["contracts"]:
        if contract["type"] == "layers":
            layers = [[m.strip() for m in layer.split("|")] for layer in contract["layers"]]
            for depth, layer in enumerate(layers):
                for source in layer:
                    above = [m for higher in layers[:depth] for m in higher]
                    siblings = [m for m in layer if m != source]
                    found += [(contract["id"], source, target) for target in above + siblings]
        elif contract["type"] == "forbidden":
            for source in contract["source_modules"]:
                for target in contract["forbidden_modules"]:
                    found.append((contract["id"], source, target))
    return found


def _file_of(root: Path, module: str) -> Path:
    path = root.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def test_the_package_keeps_every_layer_rule() -> None:
    done = _lint(REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_rule_fires_on_an_import_inside_a_function(tmp_path: Path) -> None:
    shutil.copytree(REPO / "mathdrill", tmp_path / "mathdrill")
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    planted: list[tuple[str, str, int]] = []
    for number, (_contract, source, target) in enumerate(rules()):
        file = _file_of(tmp_path, source)
        text = file.read_text(encoding="utf-8")
        line = text.count("\n") + 2
        file.write_text(f"{text}\ndef _probe_{number}():\n    import {target}\n")
        planted.append((source, target, line + 1))
    cycle = tmp_path / "mathdrill" / "scheduling"
    (cycle / "probe_a.py").write_text("def f():\n    import mathdrill.scheduling.probe_b\n")
    (cycle / "probe_b.py").write_text("def f():\n    import mathdrill.scheduling.probe_a\n")

    done = _lint(tmp_path)
    report = done.stdout
    assert done.returncode == 1, report + done.stderr
    reported = set(re.findall(r"(mathdrill[\w.]*) -> ([\w.]+) \(l\.(\d+)\)", report))
    missing = [p for p in planted if (p[0], p[1], str(p[2])) not in reported]
    assert not missing, f"{len(missing)} rules did not fire, e.g. {missing[:5]}\n{report[-3000:]}"
    assert "No cycles are allowed in mathdrill.scheduling" in report
    assert re.search(r"\.probe_[ab] -> \.probe_[ab]", report)
    assert len(planted) > 100  # every pair of the table, not a sample
