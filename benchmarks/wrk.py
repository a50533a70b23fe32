"""The same loads sent by wrk, a load generator written in C, where one is installed.

The project's own generator is a Python process sharing the machine's cores with the server it
measures, so part of what it reports is its own cost. wrk spends far less per request; when both
ran, the table shows both, and a reader sees how much the yardstick moved the result.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CONNECTIONS = 16  # as the Python generator's


def available() -> bool:
    return shutil.which("wrk") is not None


def lua_script(request: bytes) -> str:
    """wrk's Lua settings for one raw HTTP/1.1 request: its method, headers and body."""
    head, _, body = request.partition(b"\r\n\r\n")
    method, _path, _version = head.split(b"\r\n")[0].decode().split(" ")
    lines = [f'wrk.method = "{method}"']
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode().partition(": ")
        if name.lower() not in ("host", "content-length"):  # wrk writes both itself
            lines.append(f'wrk.headers["{name}"] = "{value}"')
    if body:
        lines.append(f"wrk.body = [==[{body.decode()}]==]")
    return "\n".join(lines) + "\n"


def rates(port: int, request: bytes, seconds: float) -> float:
    """Requests per second over `seconds` (whole seconds, at least one: wrk's resolution)."""
    path = request.split(b" ")[1].decode()
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "request.lua"
        script.write_text(lua_script(request))
        command = [
            "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s",
            "-s", str(script), f"http://127.0.0.1:{port}{path}",
        ]  # fmt: skip
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise AssertionError(f"wrk saw answers other than 2xx:\n{output}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if found is None:
        raise RuntimeError(f"wrk printed no rate:\n{output}")
    return float(found.group(1))
