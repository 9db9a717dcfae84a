"""A proof that cannot run fails under CI=true instead of being skipped (ci_guard.py), and no test module of
this suite skips any other way. Needs no Airflow: runs with any Python that has pytest."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ci_guard import cannot_run

HERE = Path(__file__).resolve().parent


def test_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="^npm not on PATH$"):
        cannot_run("npm not on PATH")


def test_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="^npm not on PATH \\(CI=true: a proof that cannot run fails"):
        cannot_run("npm not on PATH")


def test_no_module_skips_but_through_the_guard() -> None:
    skipping = re.compile(r"pytest\.skip\(|importorskip|mark\.skip|mark\.xfail|pytest\.xfail\(")
    found = [
        f"{p.name}:{n}"
        for p in sorted(HERE.glob("*.py"))
        if p.name not in ("ci_guard.py", "test_ci_guard.py")
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if skipping.search(line)
    ]
    assert found == []
