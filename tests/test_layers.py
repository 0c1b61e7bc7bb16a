"""The package layout is the pipeline: every import points down a layer, and none go round.

Each module's imports are read with ``ast`` (so imports inside functions and under
``if TYPE_CHECKING:`` count as much as those at the top) and resolved to modules of the
``model`` package. A lower layer importing a higher one, two packages of one layer
importing each other, or any circle of imports fails the test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "model"

LAYERS: dict[str, int] = {
    "model": 1,  # the package itself: a docstring and the version
    "model.vocabulary": 1,
    "model.files": 2,
    "model.record": 3,
    "model.world": 4,
    "model.runs": 5,
    "model.classroom": 5,  # beside runs: neither may import the other
    "model.analysis": 6,
    "model.cli": 7,
    "model.__main__": 8,  # the `python -m model` shim over the CLI
}
"""The layer of each sub-package (or top-level module), bottom to top."""


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The longest model module ``name`` is or is inside (``model.world.x.Y`` -> module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """Every model module ``module`` imports, wherever in the file the import is."""
    path = MODULES[module]
    return imports_in(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")


def imports_in(source: str, module: str, is_package: bool = False) -> set[str]:
    """The model modules the Python ``source`` of ``module`` imports."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            # ``from model.runs import ensemble`` imports the module model.runs.ensemble
            names = [f"{source}.{alias.name}" for alias in node.names] or [source]
            names = [n if n in MODULES else source for n in names]
        else:
            continue
        for name in names:
            if name == "model" or name.startswith("model."):
                target = _resolve(name)
                if target and target != module and target != "model":
                    found.add(target)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def layer_of(module: str) -> tuple[str, int]:
    """The sub-package (or top-level module) ``module`` belongs to, and its layer."""
    for unit in sorted(LAYERS, key=len, reverse=True):
        if module == unit or module.startswith(unit + "."):
            return unit, LAYERS[unit]
    raise AssertionError(f"{module} is in no layer: add its sub-package to LAYERS")


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_the_parser_sees_every_kind_of_import() -> None:
    """The graph would miss circles if it read only top-level absolute imports."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "import numpy\n"
        "from model.vocabulary import MEMBERS\n"
        "if TYPE_CHECKING:\n    from model.runs.ensemble import Plan\n"
        "def f():\n    import model.world.batched.np\n    from model.record import seeds\n"
        "    from .window import windowed\n    from .. import analysis\n"
    )
    assert imports_in(source, "model.runs.results") == {
        "model.vocabulary",
        "model.runs.ensemble",
        "model.world.batched",
        "model.record.seeds",
        "model.runs.window",
        "model.analysis",
    }


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module: str) -> None:
    unit, layer = layer_of(module)
    for target in sorted(GRAPH[module]):
        other, other_layer = layer_of(target)
        if other == unit:
            continue
        assert other_layer < layer, (
            f"{module} (layer {layer}, {unit}) imports {target} "
            f"(layer {other_layer}, {other}): imports must point to a lower layer"
        )


def test_no_import_circles() -> None:
    """Depth-first search over the whole graph; report the first circle found."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (circle := visit(target)):
                return circle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(GRAPH):
        if module not in state and (circle := visit(module)):
            pytest.fail("import circle: " + " -> ".join(circle))
