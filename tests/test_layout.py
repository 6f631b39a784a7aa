"""The layout holds: no import cycle between the parts of casework (ARCHITECTURE.md, "Layout").

Imports are read from the source (AST), not by importing: an import inside a function counts
as much as one at the top of a module, because it is the same dependency, only hidden. Imports
under ``if TYPE_CHECKING:`` never run and are not counted.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import casework

SRC = Path(casework.__file__).resolve().parent.parent
PACKAGE = "casework"

# Pairs (importer, imported) of parts the check leaves out: none.
ALLOWED: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """Every import statement, at any depth, except under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _owning_module(name: str) -> str | None:
    """The casework module ``name`` is, or lives in (``casework.a.b.func`` → ``casework.a.b``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> list[tuple[str, int]]:
    """(imported casework module, line) for every import in ``module``'s source.

    ``from x import y`` counts as an import of ``x.y`` when y is a submodule, else of ``x``.
    """
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    found = []
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[:len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                     for alias in node.names]
        for name in names:
            target = _owning_module(name) if name.split(".")[0] == PACKAGE else None
            if target is not None and target != module:
                found.append((target, node.lineno))
    return found


def part_of(module: str) -> str:
    """The subpackage or top-level module a module belongs to: ``casework.areas.views`` →
    ``casework.areas``."""
    return ".".join(module.split(".")[:2])


def _graph(node_of, modules) -> dict[str, dict[str, list[str]]]:
    """node → imported node → the import sites ("module:line") that make the edge."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for module in modules:
        for target, line in imports_of(module):
            if target not in modules:
                continue
            a, b = node_of(module), node_of(target)
            if a != b:
                graph[a][b].append(f"{module}:{line}")
    return graph


def find_cycle(graph) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first repeated last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def describe(cycle, graph) -> str:
    lines = [" → ".join(cycle)]
    for a, b in zip(cycle, cycle[1:], strict=False):
        sites = graph[a][b]
        lines.append(f"  {a} → {b}: {', '.join(sites[:4])}{' …' if len(sites) > 4 else ''}")
    return "\n".join(lines)


def test_the_parser_sees_imports_inside_functions():
    sites = {t for t, _ in imports_of("casework.cli")}
    # cli imports create_app inside a function: the dependency on the package root counts.
    assert "casework" in sites


def test_no_cycle_between_the_parts_of_casework():
    # The package root (create_app) wires every part together and is left out; every
    # subpackage and top-level module is one node.
    modules = [m for m in MODULES if m != PACKAGE]
    graph = _graph(part_of, modules)
    for a, b in ALLOWED:
        graph.get(a, {}).pop(b, None)
    assert graph, "no imports found: is the source tree where the test looks?"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle between parts of casework:\n" + describe(cycle, graph)


def test_workflow_knows_no_feature():
    features = {"casework.people", "casework.areas", "casework.recognition", "casework.plans",
                "casework.imports", "casework.demo", "casework.web"}
    modules = [m for m in MODULES if m != PACKAGE]
    graph = _graph(part_of, modules)
    assert not features & set(graph["casework.workflow"]), dict(graph["casework.workflow"])


def test_no_cycle_between_the_modules_of_plans():
    modules = [m for m in MODULES if m.startswith("casework.plans.")]
    assert len(modules) > 3
    graph = _graph(lambda m: m, modules)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle inside casework.plans:\n" + describe(cycle, graph)


def test_views_never_import_an_api_module():
    found = [f"{m} imports {t} (line {line})"
             for m in MODULES if m.rpartition(".")[2] in {"views", "admin_views"}
             for t, line in imports_of(m) if t.rpartition(".")[2].endswith("api")]
    assert not found, found


def test_views_use_no_private_function_of_another_part():
    found = []
    for module, path in MODULES.items():
        if not module.endswith("views"):
            continue
        for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and (
                    part_of(node.module) != part_of(module)):
                found += [f"{module}:{node.lineno} {node.module}.{a.name}"
                          for a in node.names if a.name.startswith("_")]
    assert not found, found
