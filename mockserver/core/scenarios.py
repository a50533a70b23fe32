"""Scenarios: named bundles of accounts, faults and job timing, kept as JSON files.

`fixtures/scenarios/flaky.json` is the scenario `flaky`; a path to any JSON file works too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import FixtureError
from .errors import ApiError
from .faults import Fault, parse_fault

_FIELDS = frozenset({"description", "jobSeconds", "accounts", "faults"})


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

    def build_faults(self, make_id: Any) -> list[Fault]:
        return [parse_fault(make_id(), raw) for raw in self.faults]


def parse_scenario(name: str, raw: Any, where: str) -> Scenario:
    """Check a scenario's shape; FixtureError naming the file and field otherwise."""
    if not isinstance(raw, dict):
        raise FixtureError(f"{where}: a scenario must be a JSON object")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise FixtureError(f"{where}: unknown field {unknown[0]!r}; known: {sorted(_FIELDS)}")
    job_seconds = raw.get("jobSeconds")
    if job_seconds is not None and (
        isinstance(job_seconds, bool) or not isinstance(job_seconds, int | float) or job_seconds < 0
    ):
        raise FixtureError(f"{where}: jobSeconds must be a number >= 0")
    accounts, faults = raw.get("accounts", []), raw.get("faults", [])
    if not isinstance(accounts, list) or not all(
        isinstance(a, dict) and isinstance(a.get("apiKey"), str) for a in accounts
    ):
        raise FixtureError(f"{where}: accounts must be a list of objects with an apiKey")
    if not isinstance(faults, list):
        raise FixtureError(f"{where}: faults must be a list")
    for index, fault in enumerate(faults):
        try:
            parse_fault("check", fault)
        except ApiError as error:
            raise FixtureError(f"{where}: faults[{index}]: {error.message}") from None
    return Scenario(
        name=name,
        description=str(raw.get("description", "")),
        job_seconds=None if job_seconds is None else float(job_seconds),
        accounts=tuple(accounts),
        faults=tuple(faults),
    )


def scenario_path(name_or_path: str, scenarios_dir: Path) -> Path:
    """A bundled scenario by name, or a JSON file by path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".json" or candidate.is_file():
        return candidate
    return scenarios_dir / f"{name_or_path}.json"


def load_scenario(name_or_path: str, scenarios_dir: Path) -> Scenario:
    path = scenario_path(name_or_path, scenarios_dir)
    if not path.is_file():
        available = ", ".join(available_scenarios(scenarios_dir)) or "none"
        raise FixtureError(f"no scenario {name_or_path!r} (available: {available})")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FixtureError(f"{path}: not valid JSON ({error})") from None
    return parse_scenario(path.stem, raw, str(path))


def available_scenarios(scenarios_dir: Path) -> list[str]:
    if not scenarios_dir.is_dir():
        return []
    return sorted(path.stem for path in scenarios_dir.glob("*.json"))
