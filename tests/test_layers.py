"""Imports flow downwards only: each layer imports the layers below it, never one above
(envs ← wrappers ← agents.search ← models ← players ← training ← evaluation ← cli).

Every import statement of every module counts, including those inside functions; the one
exception is PettingZoo's classic entry points `envs/<game>_v0.py`, which build the AEC adapter
inside their factory functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"envs": "boardzoo.envs", "wrappers": "boardzoo.wrappers", "agents": "boardzoo.agents"}
LAYERS = (
    "boardzoo.envs",
    "boardzoo.wrappers",
    "boardzoo.agents.search",
    "boardzoo.agents.models",
    "boardzoo.agents.players",
    "boardzoo.agents.training",
    "boardzoo.agents.evaluation",
    "boardzoo.agents.cli",
)
# Packages that share a layer with one in LAYERS: the solvers sit beside search (numpy/numba, no
# torch); the ground truth (solver-labelled positions, scoring players against perfect play) sits
# beside players, below training, so a training run can log its accuracy against perfect play.
SAME_LEVEL = {
    "boardzoo.agents.solvers": "boardzoo.agents.search",
    "boardzoo.agents.ground_truth": "boardzoo.agents.players",
}
# Modules at the root of boardzoo.agents: helpers every agents layer may use (they import no
# agents layer themselves), and the package itself (lazy exports by name only).
AGENTS_ROOT = {
    "boardzoo.agents": 2,
    "boardzoo.agents.atomic": 2,
    "boardzoo.agents._moved": 2,
    "boardzoo.agents.validation": 2,
}


def module_name(path: Path) -> str:
    folder, *rest = path.relative_to(ROOT).with_suffix("").parts
    parts = [FOLDERS[folder], *rest]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(name: str) -> int | None:
    if name in AGENTS_ROOT:
        return AGENTS_ROOT[name]
    for package, level in SAME_LEVEL.items():
        if name == package or name.startswith(package + "."):
            return LAYERS.index(level)
    matches = [i for i, layer in enumerate(LAYERS) if name == layer or name.startswith(layer + ".")]
    return max(matches) if matches else None


def imported_modules(tree: ast.Module, *, top_level_only: bool) -> list[tuple[int, str]]:
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


MODULES = sorted(path for folder in FOLDERS for path in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_no_module_imports_a_layer_above_its_own(path):
    name = module_name(path)
    own = layer_of(name)
    assert own is not None, f"{name} is in no layer: add it to LAYERS or AGENTS_ROOT"
    entry_point = path.parent.name == "envs" and path.stem.endswith("_v0")
    tree = ast.parse(path.read_text())
    upward = []
    for line, imported in imported_modules(tree, top_level_only=entry_point):
        target = layer_of(imported)
        if target is not None and target > own and (imported, name) != ("boardzoo.agents", name):
            upward.append(f"line {line}: {imported} (layer {LAYERS[target]})")
    assert not upward, f"{name} (layer {LAYERS[own]}) imports upwards:\n" + "\n".join(upward)


@pytest.mark.parametrize("package", ["search", "solvers"])
def test_search_never_imports_torch(package):
    for path in (ROOT / "agents" / package).rglob("*.py"):
        for line, imported in imported_modules(ast.parse(path.read_text()), top_level_only=False):
            assert imported.split(".")[0] != "torch", f"{path.name}:{line} imports {imported}"


def test_the_layer_test_catches_an_upward_import(tmp_path):
    tree = ast.parse("def f():\n    from boardzoo.agents.training.run import Run\n")
    imported = [name for _, name in imported_modules(tree, top_level_only=False)]
    assert layer_of(imported[0]) == LAYERS.index("boardzoo.agents.training") > layer_of("boardzoo.agents.models.x")
