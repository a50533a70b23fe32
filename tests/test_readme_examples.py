"""The README's examples run as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mockserver import ServerThread

from conftest import Api, rest_body

pytest_plugins = ["pytester"]

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def python_block(containing: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
    (block,) = [b for b in blocks if containing in b]
    return block


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
