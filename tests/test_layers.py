"""Imports point down the pipeline only, and no module imports another in a circle.

Every ``from .x import`` and ``import topics.x`` in the package, those inside functions
too, is read with ``ast``. A module may import modules of its own package (its folder)
and of lower layers; never a higher or equal layer's.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "topics"

#: Layers from the bottom up: the units (folders, or top-level modules) of each.
LAYERS = [
    {"errors"},
    {"fileio"},
    {"config", "resources"},
    {"taxonomy"},
    {"read"},
    {"text"},
    {"features"},
    {"classify", "topic"},
    {"pipeline"},
    {"bundle_schema"},
    {"labels"},  # labelled sentences, which labelled documents are made of
    {"bundle", "compare", "labelled_docs", "weak"},
    {"render", "parallel"},
    {"labelling", "evaluate"},
    {"train"},
    {"resolve", "review"},
    {"cli"},
]
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}
#: The public API (lazy) and ``python -m topics`` sit above everything.
ABOVE_ALL = {"topics", "topics.__main__"}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The topics modules (or packages) that the module at ``path`` imports."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")
            base = base[:len(base) - node.level + 1]
            target = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:  # `from . import x` may name a module
                candidate = f"{target}.{alias.name}"
                found.add(candidate if _exists(candidate) else target)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("topics"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("topics"))
    return found


def _exists(module: str) -> bool:
    path = PACKAGE.parent / module.replace(".", "/")
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _unit(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


MODULES = {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {module: _imports(path) for module, path in MODULES.items()}


def test_every_unit_has_a_layer():
    assert {_unit(m) for m in MODULES} - ABOVE_ALL - {"__main__"} == set(RANK)


@pytest.mark.parametrize("module", sorted(set(MODULES) - ABOVE_ALL))
def test_imports_point_down(module):
    upward = sorted(target for target in GRAPH[module]
                    if target not in ("topics",) and _unit(target) != _unit(module)
                    and RANK[_unit(target)] >= RANK[_unit(module)])
    assert not upward, f"{module} imports {upward}: a layer not below its own"


def test_no_import_cycles():
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH.get(module, ())):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target in GRAPH and not state.get(target):
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(set(GRAPH) - ABOVE_ALL):
        if not state.get(module):
            visit(module, [module])


def test_only_the_cli_talks_to_the_terminal():
    users = {m for m, path in MODULES.items()
             if any(isinstance(node, ast.Import | ast.ImportFrom)
                    and "click" in ({a.name for a in node.names} | {getattr(node, "module", "")})
                    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))}
    assert users == {"topics.cli"}
    assert {m for m, targets in GRAPH.items() if "topics.cli" in targets} == {"topics.__main__"}
