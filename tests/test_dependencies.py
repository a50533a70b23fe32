"""Every library the package, its tests and its benchmarks import is declared in pyproject.toml:
the package's among the dependencies, the tests' there or in the `test` extra.

A library that is only installed because another one pulls it in (as schemathesis pulls in
hypothesis) works on one machine and breaks on the next install that resolves differently.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
FIRST_PARTY = {"mockserver", "tests", "benchmarks"}
# The plugin module is loaded by pytest itself (the `pytest11` entry point), never without it.
PYTEST_PLUGIN = ROOT / "mockserver" / "pytest_plugin.py"


def normalized(name: str) -> str:
    """A distribution's name in the form PEP 503 compares: lower case, runs of `-_.` as `-`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements: list[str]) -> set[str]:
    """The distribution names in requirement strings such as `uvicorn[standard]>=0.30,<0.56`."""
    names = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, requirement
        names.add(normalized(match.group()))
    return names


PACKAGE_DEPENDENCIES = declared(PROJECT["dependencies"])
TEST_DEPENDENCIES = PACKAGE_DEPENDENCIES | declared(PROJECT["optional-dependencies"]["test"])


def local_modules() -> set[str]:
    """Modules the tests and benchmarks import from their own folders (`serve_process`, ...)."""
    return {
        path.stem for folder in ("tests", "benchmarks") for path in (ROOT / folder).glob("*.py")
    }


def third_party_imports(path: Path) -> set[str]:
    """The top-level names of the libraries `path` imports: no standard library, no own code."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    ignored = set(sys.stdlib_module_names) | FIRST_PARTY | local_modules() | {"__future__"}
    return names - ignored


@cache
def distributions_of(module: str) -> set[str]:
    found = packages_distributions().get(module)
    assert found, f"no installed distribution provides {module!r}"
    return {normalized(name) for name in found}


SOURCES = sorted(
    path
    for folder in ("mockserver", "tests", "benchmarks")
    for path in (ROOT / folder).glob("**/*.py")
    if "vendor_samples" not in path.parts  # the vendor's files, run by their own interpreter
)


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_import_is_declared(path: Path) -> None:
    if path.is_relative_to(ROOT / "mockserver"):
        allowed = PACKAGE_DEPENDENCIES | ({"pytest"} if path == PYTEST_PLUGIN else set())
    else:
        allowed = TEST_DEPENDENCIES
    undeclared = {
        module: sorted(distributions_of(module))
        for module in third_party_imports(path)
        if not distributions_of(module) & allowed
    }
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_the_check_sees_an_undeclared_library(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text("import json\nimport hypothesis.strategies\nfrom . import sibling\n")
    assert third_party_imports(source) == {"hypothesis"}
    assert "hypothesis" in distributions_of("hypothesis")
    assert declared(["uvicorn[standard]>=0.30,<0.56", "Hypothesis_GraphQL"]) == {
        "uvicorn",
        "hypothesis-graphql",
    }
