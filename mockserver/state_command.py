"""`mock-doitong state save FILE` / `state load FILE`: a running mock's state to a file and back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .runtime.config import DEFAULT_HOST, DEFAULT_PORT

if TYPE_CHECKING:
    import httpx

ADMIN_TOKEN_HEADER = "X-Mock-Admin-Token"
DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
# A full mock's snapshot takes a while to encode and to load.
TIMEOUT_SECONDS = 120.0

url_option = click.option(
    "--url",
    default=DEFAULT_URL,
    show_default=True,
    envvar="MOCK_DOITONG_URL",
    show_envvar=True,
    help="Where the mock listens.",
)
token_option = click.option(
    "--admin-token",
    envvar="MOCK_DOITONG_ADMIN_TOKEN",
    show_envvar=True,
    help="The mock's --admin-token, if it has one.",
)


@click.group("state")
def state_command() -> None:
    """Save a running mock's whole state to a JSON file, or load one into it.

    \b
    mock-doitong state save prepared.json --url http://127.0.0.1:8910
    mock-doitong state load prepared.json --url http://127.0.0.1:8910
    """


def _client(url: str, admin_token: str | None) -> httpx.Client:
    import httpx  # noqa: PLC0415 - off `serve`'s start-up, which never needs it

    headers = {ADMIN_TOKEN_HEADER: admin_token} if admin_token else {}
    return httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=TIMEOUT_SECONDS)


def _refused(what: str, response: httpx.Response) -> click.ClickException:
    try:
        error = response.json()["errors"][0]
        field = error.get("extensions", {}).get("field")
        message = f"{error['message']}" + (f" (field {field})" if field else "")
    except (ValueError, KeyError, IndexError, TypeError):
        message = response.text[:500]
    return click.ClickException(f"{what}: {response.status_code} {message}")


@state_command.command("save")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@url_option
@token_option
def save(file: Path, url: str, admin_token: str | None) -> None:
    """Write the mock's state (GET /__mock/state) to FILE."""
    import httpx  # noqa: PLC0415 - see _client

    try:
        with _client(url, admin_token) as client:
            response = client.get("/__mock/state")
    except httpx.HTTPError as error:
        raise click.ClickException(f"could not reach the mock at {url}: {error}") from None
    if response.status_code != 200:
        raise _refused(f"GET {url}/__mock/state", response)
    partial = file.with_name(file.name + ".partial")
    partial.write_bytes(response.content)
    partial.replace(file)  # a file that is there is a whole snapshot, never half of one
    click.echo(f"saved the state of {url} to {file} ({len(response.content):,} bytes)")


@state_command.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@url_option
@token_option
def load(file: Path, url: str, admin_token: str | None) -> None:
    """Make the mock hold the state in FILE (PUT /__mock/state)."""
    import httpx  # noqa: PLC0415 - see _client

    content = file.read_bytes()
    try:
        json.loads(content)
    except (ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{file} is not a JSON state document: {error}") from None
    try:
        with _client(url, admin_token) as client:
            response = client.put(
                "/__mock/state", content=content, headers={"Content-Type": "application/json"}
            )
    except httpx.HTTPError as error:
        raise click.ClickException(f"could not reach the mock at {url}: {error}") from None
    if response.status_code != 200:
        raise _refused(f"{file} was not loaded", response)
    click.echo(f"loaded {file} into {url}")
