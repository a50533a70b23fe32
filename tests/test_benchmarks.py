"""The benchmark command runs and prints its table (it measures; it never asserts a speed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_command_prints_its_rows() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "throughput", "--seconds", "0.3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "REST create, 16 connections, requests/s" in result.stdout
    assert "GraphQL generate, 16 connections, requests/s" in result.stdout
