"""The README's examples run as written."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver import ServerThread
from mockserver.receiver_check import check_receiver

from conftest import Api, rest_body
from serve_process import ServeProcess

pytest_plugins = ["pytester"]

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def fenced_block(language: str, containing: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README, re.DOTALL)
    (block,) = [b for b in blocks if containing in b]
    return block


def python_block(containing: str) -> str:
    return fenced_block("python", containing)


# A comment line that shows what the command above it prints: a JSON answer, or status codes.
OUTPUT = re.compile(r"\{|\d{3}( \d{3})+\s*$")
needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def shell_steps(block: str) -> list[tuple[str, list[str]]]:
    """The commands of a shell example, each with the outputs its comments show under it."""
    steps: list[tuple[str, list[str]]] = []
    command = ""
    for line in block.splitlines():
        if command or not line.startswith("#"):
            command = f"{command}\n{line}" if command else line
            if not command.endswith("\\"):
                if command.strip():
                    steps.append((command, []))
                command = ""
        elif OUTPUT.match(line.removeprefix("# ")):
            steps[-1][1].append(line.removeprefix("# "))
    return steps


def run_shell_example(block: str, written_url: str, url: str) -> None:
    """Run each command as written (the mock's URL aside); what it prints must match every
    output shown under it, `...` standing for anything."""
    env = dict(os.environ)
    for command, outputs in shell_steps(block.replace(written_url, url)):
        if re.fullmatch(r"\w+=\S+", command):
            name, value = command.split("=", 1)
            env[name] = value
            continue
        result = subprocess.run(
            ["bash", "-c", command],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, (command, result.stderr)
        for output in outputs:
            pattern = ".*?".join(re.escape(part) for part in output.split("..."))
            assert re.search(pattern, result.stdout), (command, output, result.stdout)
        assert outputs or "curl -s $M/v1" not in command, f"no output shown for {command}"


def test_the_verifying_receiver_accepts_real_deliveries_and_rejects_forged_ones(
    live_api: Api,
) -> None:
    namespace: dict[str, Any] = {}
    exec(python_block("async def doitong_webhook"), namespace)
    with ServerThread(namespace["app"]) as receiver:
        hook = f"{receiver.url}/webhooks/doitong"
        live_api.rest_create(rest_body(webhookUrl=hook))  # signed with YOUR_API_KEY's secret
        live_api.rest_create(rest_body(webhookUrl=hook), key="test_pro_key")  # another secret
        live_api.advance(30)
    deliveries = live_api.client.get("/__mock/webhooks").json()["deliveries"]
    outcomes = {d["apiKey"]: d["attempts"][0]["status"] for d in deliveries}
    assert outcomes == {"YOUR_API_KEY": 204, "test_pro_key": 401}


def test_the_readme_integration_test_passes_as_a_user_would_run_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_avatar_client=python_block("class AvatarClient"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


@needs_curl
def test_the_frozen_clock_example_runs_beside_the_default_serve() -> None:
    """A newcomer has the default `serve` on 8910 already: the example starts its own mock with
    the venv's executable on another port, then finishes a job by moving the clock."""
    (serve,) = fenced_block("sh", "serve --clock virtual").strip().splitlines()
    args = shlex.split(serve)
    assert args[:2] == [".venv/bin/mock-doitong", "serve"]
    port = args[args.index("--port") + 1]
    assert port != "8910"
    args[args.index("--port") + 1] = "0"
    with ServeProcess(*args[2:]) as served:
        example = fenced_block("sh", f"M=http://127.0.0.1:{port}")
        assert "completed" in example
        run_shell_example(example, f"http://127.0.0.1:{port}", served.url)


@needs_curl
def test_one_of_each_error_prints_what_the_readme_shows_under_each_command() -> None:
    with ServeProcess("--port", "0", "--clock", "virtual") as served:
        # 23 s into the minute: the README's 429 shows the 37 s left of it.
        httpx.post(f"{served.url}/__mock/clock/advance", json={"seconds": 23})
        example = fenced_block("sh", "# 500:")
        run_shell_example(example, "http://127.0.0.1:8910", served.url)


def test_the_readme_fuzzes_with_the_key_the_suite_fuzzes_with() -> None:
    """`YOUR_API_KEY` would rate-limit a fuzzer into testing nothing."""
    from test_fuzzing import KEY  # noqa: PLC0415 - schemathesis loads only for this test

    command = fenced_block("sh", "schemathesis run")
    assert f'-H "X-API-Key: {KEY}"' in command and KEY == "test_unlimited_key"


def test_the_verifying_receiver_passes_the_receiver_check() -> None:
    namespace: dict[str, Any] = {}
    exec(python_block("async def doitong_webhook"), namespace)
    report = check_receiver(
        namespace["app"], secret=namespace["WEBHOOK_SECRET"], path="/webhooks/doitong"
    )
    assert report.passed, str(report)


def test_the_careless_receiver_fails_the_check_as_the_readme_shows() -> None:
    namespace: dict[str, Any] = {}
    exec(python_block("async def careless_webhook"), namespace)
    report = check_receiver(namespace["careless"], secret="whsec_x", path="/webhooks/doitong")
    shown = fenced_block("text", "trusts forgeries")
    verdicts = re.compile(r"^\s*(PASS|FAIL)\s+(\S+)\s+want (\S+)\s+got (\S+)", re.MULTILINE)
    assert verdicts.findall(str(report)) == verdicts.findall(shown)
    assert str(report).splitlines()[-1] == shown.strip().splitlines()[-1]


def test_the_readme_verification_audit_and_ledger_example_passes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_what_my_client_did=python_block("def test_what_the_test_spent"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*mock-doitong: what this run would have spent*",
            "3 tests used the mock: 3 jobs, 100 credits (150 debited, 50 refunded)",
        ]
    )


def test_the_readme_audit_failure_is_what_the_plugin_prints(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_what_my_client_did=python_block("def test_what_the_test_spent"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--mock-doitong-audit=fail")
    result.assert_outcomes(passed=3, errors=1)
    shown = fenced_block("text", "mock-doitong audit:").strip().splitlines()
    result.stdout.fnmatch_lines([line.replace("[", "[[]") for line in shown])
