"""Scenarios: named bundles of accounts, faults (API and webhook ones) and job timing, kept as
JSON files.

`fixtures/scenarios/flaky.json` is the scenario `flaky`; a path to any JSON file works too, but
only where the person starting the mock names it (`serve --scenario`, the pytest marker): the
control plane loads bundled scenarios only, never a file from the server's working directory.

A scenario is checked in full when it is read, against the fixtures it will be laid over, so a
bad one is refused there (the file and the field named) and is never made active.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .accounts import Account, change_account
from .catalog import FixtureError, Fixtures
from .errors import ApiError, shown
from .webhook_faults import parse_any_fault

_FIELDS = frozenset({"description", "jobSeconds", "accounts", "faults"})
# Long enough for any job a test wants to keep processing, short enough that every instant a
# job can be due at stays a representable timestamp.
MAX_JOB_SECONDS = 365 * 86_400


class ScenarioNotFound(FixtureError):
    """No scenario by that name (or at that path); the message lists the bundled ones."""


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str = ""
    job_seconds: float | None = None
    accounts: tuple[dict[str, Any], ...] = ()
    faults: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "jobSeconds": self.job_seconds,
            "accounts": list(self.accounts),
            "faults": list(self.faults),
        }


def _job_seconds(raw: Any, where: str) -> float | None:
    if raw is None:
        return None
    if (
        isinstance(raw, bool)
        or not isinstance(raw, int | float)
        or not math.isfinite(raw)  # JSON files may say NaN or Infinity: Python reads both
        or not 0 <= raw <= MAX_JOB_SECONDS
    ):
        raise FixtureError(f"{where}: jobSeconds must be a number from 0 to {MAX_JOB_SECONDS}")
    return float(raw)


def _check_accounts(raw: Any, where: str, fixtures: Fixtures) -> tuple[dict[str, Any], ...]:
    """Lay each account over the fixtures' as a reset will, so any error shows here, not then."""
    if not isinstance(raw, list):
        raise FixtureError(f"{where}: accounts must be a list of objects with an apiKey")
    accounts: dict[str, Account] = {account.api_key: account for account in fixtures.accounts}
    for index, entry in enumerate(raw):
        at = f"{where}: accounts[{index}]"
        if not isinstance(entry, dict):
            raise FixtureError(f"{at}: expected an object with an apiKey")
        api_key = entry.get("apiKey")
        if not isinstance(api_key, str) or not api_key:
            raise FixtureError(f"{at}.apiKey: expected a non-empty string")
        body = {name: value for name, value in entry.items() if name != "apiKey"}
        try:
            accounts[api_key] = change_account(
                accounts.get(api_key), api_key, body, fixtures.plans, lambda: "whsec_checking"
            )
        except ValueError as error:
            field_name, message = error.args
            raise FixtureError(f"{at}.{field_name}: {message}") from None
    return tuple(raw)


def _check_faults(raw: Any, where: str) -> tuple[dict[str, Any], ...]:
    if not isinstance(raw, list):
        raise FixtureError(f"{where}: faults must be a list")
    for index, fault in enumerate(raw):
        try:
            parse_any_fault("check", fault)  # an API fault, or a webhook one
        except ApiError as error:  # not a request's error: the file's, naming where in it
            raise FixtureError(f"{where}: faults[{index}]: {error.message}") from None
    return tuple(raw)


def parse_scenario(name: str, raw: Any, where: str, fixtures: Fixtures) -> Scenario:
    """Check a scenario against `fixtures`; FixtureError naming the file and field otherwise."""
    if not isinstance(raw, dict):
        raise FixtureError(f"{where}: a scenario must be a JSON object")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise FixtureError(f"{where}: unknown field {unknown[0]!r}; known: {sorted(_FIELDS)}")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise FixtureError(f"{where}: description must be a string")
    return Scenario(
        name=name,
        description=description,
        job_seconds=_job_seconds(raw.get("jobSeconds"), where),
        accounts=_check_accounts(raw.get("accounts", []), where, fixtures),
        faults=_check_faults(raw.get("faults", []), where),
    )


def bundled_path(name: str, scenarios_dir: Path) -> Path | None:
    """The bundled scenario called `name` (with or without `.json`), if there is one."""
    stem = name.removesuffix(".json")
    if stem not in available_scenarios(scenarios_dir):
        return None
    return scenarios_dir / f"{stem}.json"


def load_scenario(name_or_path: str, fixtures: Fixtures, *, bundled_only: bool = False) -> Scenario:
    """A bundled scenario by name, else (unless `bundled_only`) a JSON file by path.

    The bundled one comes first, so a file of the same name in the working directory never
    stands in for it.
    """
    scenarios_dir = fixtures.scenarios_dir
    path = bundled_path(name_or_path, scenarios_dir)
    if path is None and not bundled_only and Path(name_or_path).is_file():
        path = Path(name_or_path)
    if path is None:
        available = ", ".join(available_scenarios(scenarios_dir)) or "none"
        raise ScenarioNotFound(f"no scenario {shown(name_or_path)} (available: {available})")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FixtureError(f"{path}: not valid JSON ({error})") from None
    return parse_scenario(path.stem, raw, str(path), fixtures)


def available_scenarios(scenarios_dir: Path) -> list[str]:
    if not scenarios_dir.is_dir():
        return []
    return sorted(path.stem for path in scenarios_dir.glob("*.json"))
