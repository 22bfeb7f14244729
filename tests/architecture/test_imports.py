"""Apps import each other in one direction only (issue 13; .importlinter, docs/architecture.md).

Pure analysis of the source (grimp, the engine of import-linter): no database, no Django set-up.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"

# institutions is two nodes: its lower part (agreements, tables, selectors, models) sits below
# claims, the rest (clearing, DRG year-end, supervision, admin wiring) above it.
INSTITUTIONS_LOWER = (
    "institutions.agreements",
    "institutions.tables",
    "institutions.selectors",
    "institutions.models",
)

# Cycles between apps that exist today and are being removed: this set may only shrink.
KNOWN_CYCLES: set[frozenset[str]] = set()


def _packages() -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return parser["importlinter"]["root_packages"].split()


def _node(module: str) -> str:
    top = module.split(".")[0]
    if top != "institutions":
        return top
    lower = any(module == name or module.startswith(name + ".") for name in INSTITUTIONS_LOWER)
    return "institutions (lower)" if lower else "institutions (higher)"


@pytest.fixture(scope="module")
def app_edges() -> dict[str, set[str]]:
    """App → apps it imports anywhere in its modules (function-level imports included)."""
    graph = grimp.build_graph(*_packages(), cache_dir=None)
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            importer, target = _node(module), _node(imported)
            if importer != target:
                edges.setdefault(importer, set()).add(target)
    return edges


def strongly_connected(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's components with more than one node: each is a set of apps importing each other in a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for following in edges.get(node, ()):
            if following not in index:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in on_stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(set(edges) | {n for targets in edges.values() for n in targets}):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert strongly_connected({"a": {"b"}, "b": {"c"}}) == []


def test_no_new_import_cycle_between_apps(app_edges):
    cycles = {frozenset(component) for component in strongly_connected(app_edges)}
    new = cycles - KNOWN_CYCLES
    assert not new, (
        "apps importing each other in a cycle (pass values in, or let the higher app register a hook): "
        + ("; ".join(" ↔ ".join(sorted(cycle)) for cycle in new))
    )
    assert not (KNOWN_CYCLES - cycles), "a known cycle is gone: remove it from KNOWN_CYCLES"


def test_policy_and_core_import_no_app(app_edges):
    apps = set(_packages()) - {"policy", "core"}
    for low in ("policy", "core"):
        assert not (app_edges.get(low, set()) & apps), f"{low} imports {sorted(app_edges[low] & apps)}"


def test_the_layers_contract_is_kept():
    command = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(command), str(CONFIG), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
