"""ruff and mypy --strict are part of the test command, so CI holds them too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_lint() -> None:
    result = run("ruff", "check", "mockserver", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    # The README's and the docs' Python examples too: ruff formats the code blocks of Markdown.
    paths = ("mockserver", "tests", "benchmarks", "README.md", "docs")
    result = run("ruff", "format", "--check", *paths)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run("mypy", "--strict", "mockserver", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr
