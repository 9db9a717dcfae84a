"""Render every stack listed in stacks.txt with `npm run render` and let real Airflow check the values.

Adding a stack to the check = one line in tests/airflow/stacks.txt: a stack name (Pulumi.<name>.yaml at
the repository root), optionally followed by the path of its stack file relative to the repository.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ci_guard import cannot_run

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CHECKER = HERE / "check_values.py"


def stacks() -> list[tuple[str, str | None]]:
    lines = (HERE / "stacks.txt").read_text().splitlines()
    out: list[tuple[str, str | None]] = []
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if fields:
            out.append((fields[0], fields[1] if len(fields) > 1 else None))
    return out


def _render_available() -> str | None:
    if shutil.which("npm") is None:
        return "npm not on PATH"
    if not (REPO / "node_modules").is_dir():
        return "node_modules missing (run npm ci)"
    pkg = json.loads((REPO / "package.json").read_text())
    if "render" not in pkg.get("scripts", {}):
        return "package.json has no 'render' script"
    return None


@pytest.mark.parametrize("stack,stack_file", stacks(), ids=[name for name, _ in stacks()])
def test_stack_values_pass_airflow_checks(stack, stack_file, tmp_path):
    reason = _render_available()
    if reason:
        cannot_run(reason)
    out = tmp_path / f"{stack}-values.yaml"
    file_args = ["--stack-file", str(REPO / stack_file)] if stack_file else []
    render = subprocess.run(
        ["npm", "run", "-s", "render", "--", "--stack", stack, *file_args, "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "CI": "true"},
    )
    # the values are checked even if render also complained, so both problems show up
    assert out.exists() and out.stat().st_size > 0, f"render wrote no values:\n{render.stdout}\n{render.stderr}"
    check = subprocess.run(
        [sys.executable, str(CHECKER), "--quiet-pass", str(out)], capture_output=True, text=True, timeout=600
    )
    assert check.returncode == 0, f"check_values.py failed for stack {stack}:\n{check.stdout}\n{check.stderr}"
    assert render.returncode == 0, f"npm run render -- --stack {stack} exited {render.returncode}:\n{render.stderr[-3000:]}"
