"""The default data: plans, accounts, avatars, voices, versions, the sample video.

Read from `fixtures/` in a checkout, from the copy shipped inside the wheel when installed, or
from any directory given with `--fixtures`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .accounts import PLANS, Account, Limits, build_account, parse_limits


class FixtureError(ValueError):
    """A fixture file is missing or malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Avatar:
    id: str
    name: str
    width: int
    height: int


@dataclass(frozen=True)
class Catalog:
    """What a request may name: avatars, voices, model versions."""

    avatars: dict[str, Avatar]
    voices: frozenset[str]
    versions: frozenset[str]
    languages: frozenset[str]


@dataclass(frozen=True)
class Fixtures:
    root: Path
    plans: dict[str, Limits]
    accounts: tuple[Account, ...]
    catalog: Catalog
    sample_video: Path

    @property
    def scenarios_dir(self) -> Path:
        return self.root / "scenarios"


def default_fixtures_dir() -> Path:
    """The wheel's bundled copy when installed, else the checkout's top-level `fixtures/`."""
    package_dir = Path(__file__).resolve().parent.parent
    bundled = package_dir / "_fixtures"
    if bundled.is_dir():
        return bundled
    return package_dir.parent / "fixtures"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FixtureError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FixtureError(f"{path}: not valid JSON ({error})") from None


def _fixture_limits(raw: Any, where: str) -> dict[str, int | None]:
    try:
        return parse_limits(raw, where)
    except ValueError as error:
        raise FixtureError(str(error)) from None


def _load_plans(path: Path) -> dict[str, Limits]:
    raw = _read_json(path)
    plans: dict[str, Limits] = {}
    for plan in PLANS:
        entry = raw.get(plan) if isinstance(raw, dict) else None
        if entry is None:
            raise FixtureError(f"{path}: plan {plan!r} is missing")
        limits = _fixture_limits(entry, f"{path}: {plan}")
        plans[plan] = Limits(
            limits.get("requestsPerMinute"),
            limits.get("concurrentJobs"),
            limits.get("dailyRequests"),
        )
    return plans


def _load_accounts(path: Path, plans: dict[str, Limits]) -> tuple[Account, ...]:
    raw = _read_json(path)
    if not isinstance(raw, list):
        raise FixtureError(f"{path}: expected a list of accounts")
    accounts = []
    for index, entry in enumerate(raw):
        where = f"{path}: [{index}]"
        if not isinstance(entry, dict):
            raise FixtureError(f"{where}: expected an object")
        api_key, plan, credits = entry.get("apiKey"), entry.get("plan"), entry.get("credits")
        secret = entry.get("webhookSecret")
        if not isinstance(api_key, str) or not api_key:
            raise FixtureError(f"{where}.apiKey: expected a non-empty string")
        if plan not in plans:
            raise FixtureError(f"{where}.plan: expected one of {list(PLANS)}, got {plan!r}")
        if isinstance(credits, bool) or not isinstance(credits, int) or credits < 0:
            raise FixtureError(f"{where}.credits: expected a whole number >= 0")
        if not isinstance(secret, str) or not secret:
            raise FixtureError(f"{where}.webhookSecret: expected a non-empty string")
        custom = _fixture_limits(entry.get("limits", {}), f"{where}.limits")
        accounts.append(
            build_account(
                api_key=api_key,
                plan=plan,
                credits=credits,
                webhook_secret=secret,
                plans=plans,
                custom_limits=custom,
            )
        )
    return tuple(accounts)


def _string_set(raw: dict[str, Any], name: str, path: Path) -> frozenset[str]:
    values = raw.get(name)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise FixtureError(f"{path}: {name}: expected a list of strings")
    return frozenset(values)


def _load_catalog(path: Path) -> Catalog:
    raw = _read_json(path)
    if not isinstance(raw, dict):
        raise FixtureError(f"{path}: expected an object")
    avatars = {}
    for index, entry in enumerate(raw.get("avatars", [])):
        try:
            avatar = Avatar(
                str(entry["id"]), str(entry["name"]), int(entry["width"]), int(entry["height"])
            )
        except (KeyError, TypeError, ValueError):
            raise FixtureError(f"{path}: avatars[{index}]: needs id, name, width, height") from None
        avatars[avatar.id] = avatar
    if not avatars:
        raise FixtureError(f"{path}: avatars: at least one avatar is needed")
    return Catalog(
        avatars=avatars,
        voices=_string_set(raw, "voices", path),
        versions=_string_set(raw, "versions", path),
        languages=_string_set(raw, "languages", path),
    )


def load_fixtures(root: Path | None = None) -> Fixtures:
    """Read and check every fixture file under `root` (the bundled defaults when None)."""
    root = Path(root) if root is not None else default_fixtures_dir()
    if not root.is_dir():
        raise FixtureError(f"{root}: fixtures directory not found")
    plans = _load_plans(root / "plans.json")
    sample_video = root / "sample.mp4"
    if not sample_video.is_file():
        raise FixtureError(f"{sample_video}: file not found")
    return Fixtures(
        root=root,
        plans=plans,
        accounts=_load_accounts(root / "accounts.json", plans),
        catalog=_load_catalog(root / "catalog.json"),
        sample_video=sample_video,
    )
