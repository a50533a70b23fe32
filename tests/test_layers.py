"""Each layer of `mockserver/` imports only the layers below it, and only what it may know of.

The folders are the architecture (README, "How a request travels"): this holds them to it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mockserver"

# Rank of each layer: a module may import its own layer and those of a lower rank. Layers of
# one rank are neighbours that know nothing of each other.
LAYERS = {
    "core": 0,
    "runtime": 1,
    "receiver_check": 1,
    "web": 1,
    "api": 2,
    "control": 2,
    "graphql": 3,
    "contract": 4,
    "edge": 5,  # the modules at the top: app, cli, server, pytest_plugin, ...
}
# Modules at the top that import nothing and that every layer may read.
LEAVES = {"mockserver.version"}
# Libraries a layer must not import: the core is plain Python, and only the planes speak HTTP
# through Starlette; only the GraphQL plane loads graphql-core and ariadne.
FORBIDDEN = {
    "core": {"starlette", "ariadne", "graphql", "uvicorn", "httpx", "click"},
    "runtime": {"starlette", "ariadne", "graphql", "uvicorn", "click"},
    "web": {"ariadne", "graphql", "uvicorn", "httpx", "click"},
    "api": {"ariadne", "graphql", "uvicorn", "httpx", "click"},
    "control": {"ariadne", "graphql", "uvicorn", "click"},
    "graphql": {"uvicorn", "httpx", "click"},
}


def layer_of(module: str) -> str:
    """`mockserver.api.rest` -> "api"; a module at the top of the package is the edge."""
    parts = module.split(".")
    folder = parts[1] if len(parts) > 1 else ""
    return folder if folder and (PACKAGE / folder).is_dir() else "edge"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Absolute names of everything `path` imports, with the line, relative imports resolved."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from . import rest` imports the module mockserver.<package>.rest
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_folder_is_a_known_layer() -> None:
    folders = {path.parent.name for path in MODULES if path.parent != PACKAGE}
    assert folders <= set(LAYERS), folders - set(LAYERS)


def violations(module: str, imports: list[tuple[int, str]]) -> list[str]:
    """What in `imports` (line, absolute name) module `module` may not import."""
    layer = layer_of(module)
    wrong = []
    for line, name in imports:
        top = name.split(".")[0]
        if top in FORBIDDEN.get(layer, set()):
            wrong.append(f"line {line}: {layer} imports {name}")
        if top != "mockserver" or name in LEAVES or not _is_module(name):
            continue
        other = layer_of(name)
        if other != layer and LAYERS[other] >= LAYERS[layer]:
            wrong.append(f"line {line}: {layer} imports {name} ({other})")
    return wrong


def _is_module(name: str) -> bool:
    """Whether `name` is a module or package inside mockserver (not a name inside one)."""
    if "." not in name:
        return False  # the package itself, from its own __init__'s relative imports
    root = PACKAGE / Path(*name.split(".")[1:])
    return root.with_suffix(".py").exists() or (root / "__init__.py").exists()


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_imports_point_down(path: Path) -> None:
    module = module_name(path)
    wrong = violations(module, imports_of(path))
    assert not wrong, f"{module}:\n" + "\n".join(wrong)


def test_the_check_finds_an_upward_import_and_a_framework_in_the_core() -> None:
    found = violations(
        "mockserver.core.engine",
        [(1, "mockserver.core.jobs"), (2, "mockserver.api.rest"), (3, "starlette.responses")],
    )
    assert found == [
        "line 2: core imports mockserver.api.rest (api)",
        "line 3: core imports starlette.responses",
    ]
    assert violations("mockserver.api.rest", [(1, "mockserver.control.routes")]) == [
        "line 1: api imports mockserver.control.routes (control)"
    ]
    assert violations("mockserver.cli", [(1, "mockserver.api.rest")]) == []
