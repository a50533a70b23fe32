"""tests/js/sessions.test.mjs, run with `node --test` against a real `serve --port 0`.

With CI set, a machine without node fails this test instead of skipping it (.ci/run installs
node), so CI cannot pass without having run the JavaScript.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from serve_process import ServeProcess

TEST = Path(__file__).resolve().parent / "js" / "sessions.test.mjs"


def test_the_node_session_test_passes() -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed, and CI must run the JavaScript session test")
        pytest.skip("node is not installed")
    with ServeProcess("--port", "0", "--clock", "virtual") as served:
        result = subprocess.run(
            [node, "--test", str(TEST)],
            check=False,
            env={**os.environ, "MOCK_DOITONG_URL": served.url},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 1" in result.stdout
