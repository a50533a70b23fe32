"""The vendor page's three Quick Start samples, verbatim but for the host, against `serve`."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from serve_process import ServeProcess

SAMPLES = Path(__file__).parent / "vendor_samples"
VENDOR_HOST = "https://api.doitong.com"


@pytest.fixture(scope="module")
def served() -> Iterator[ServeProcess]:
    with ServeProcess("--port", "0", "--clock", "virtual", "--seed", "11") as process:
        yield process


def sample(name: str, url: str, tmp_path: Path) -> Path:
    """The sample with only the vendor's host replaced by the mock's URL."""
    text = (SAMPLES / name).read_text()
    assert VENDOR_HOST in text
    target = tmp_path / name
    target.write_text(text.replace(VENDOR_HOST, url))
    return target


def run(*command: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def check_generate(job: dict[str, Any]) -> None:
    assert set(job) == {"id", "status", "type", "provider", "url", "metadata", "creditCost"}
    assert re.fullmatch(r"[a-z0-9]{12}", job["id"])
    assert job["status"] == "processing"
    assert job["type"] == "AVATAR"
    assert job["provider"] == "hedra"
    assert job["url"] is None
    assert job["metadata"] == {"duration": None, "width": None, "height": None}
    assert job["creditCost"] == 53


def check_completes(served: ServeProcess, job_id: str) -> None:
    """The job the sample created exists under YOUR_API_KEY and completes when the clock moves."""
    with httpx.Client(base_url=served.url, headers={"X-API-Key": "YOUR_API_KEY"}) as http:
        http.post("/__mock/clock/advance", json={"seconds": 5})
        avatar = http.get(f"/v1/avatar/{job_id}").json()["data"]["avatar"]
    assert avatar["status"] == "completed"
    assert avatar["url"] == f"{served.url}/outputs/{job_id}.mp4"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_sample(served: ServeProcess, tmp_path: Path) -> None:
    output = run("bash", str(sample("quickstart.sh", served.url, tmp_path)))
    job = json.loads(output)["data"]["generate"]
    check_generate(job)
    check_completes(served, job["id"])


def test_python_sample(served: ServeProcess, tmp_path: Path) -> None:
    output = run(sys.executable, str(sample("quickstart.py", served.url, tmp_path)))
    assert output.startswith("Result: ")
    job = ast.literal_eval(output.removeprefix("Result: ").strip())
    check_generate(job)
    check_completes(served, job["id"])


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_sample(served: ServeProcess, tmp_path: Path) -> None:
    script = sample("quickstart.mjs", served.url, tmp_path)
    capture = (SAMPLES / "capture_fetch.mjs").as_uri()
    output = run("node", "--import", capture, str(script))
    printed, _, captured = output.partition("\nCAPTURED ")
    assert printed.startswith("Avatar Video: {")
    (call,) = json.loads(captured)
    assert call["status"] == 200
    job = call["body"]["data"]["generateAvatar"]
    assert set(job) == {"id", "status", "videoUrl"}
    assert job["status"] == "processing" and job["videoUrl"] is None
    assert f"id: '{job['id']}'" in printed
    check_completes(served, job["id"])
