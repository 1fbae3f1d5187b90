"""The package's shape, read from its code: data flows one way, so no module imports one that
imports it back (counting imports inside functions, which run later but still tie the two
modules together), nothing below the command line imports click, and the lower layers keep to
themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "graph"


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of imports under ``if TYPE_CHECKING:`` (never run)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for inner in node.body:
                lines.update(n.lineno for n in ast.walk(inner) if isinstance(n, (ast.Import, ast.ImportFrom)))
    return lines


def _imports() -> dict[str, set[str]]:
    """Each module of the package, and every module or package it imports when it runs (a
    ``from graph.x import name`` counts as importing ``graph.x``, and ``graph.x.name`` when that is
    a module)."""
    paths = {_module(p): p for p in PACKAGE.rglob("*.py")}
    out: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_only(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)) or node.lineno in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            found.update(t for t in targets if t in paths or not t.startswith("graph"))
        found.discard(name)
        out[name] = found
    return out


IMPORTS = _imports()


def test_the_package_is_read() -> None:
    assert {"graph.cli", "graph.store", "graph.sparql", "graph.readers.ctgov_json"} <= IMPORTS.keys()
    assert "graph.sparql" in IMPORTS["graph.store"]


def test_no_import_cycle() -> None:
    modules = nx.DiGraph((m, t) for m, targets in IMPORTS.items() for t in targets if t in IMPORTS)
    cycles = sorted(nx.simple_cycles(modules), key=len)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c + c[:1]) for c in cycles[:5])


def test_only_the_command_line_imports_click() -> None:
    users = sorted(m for m, targets in IMPORTS.items() if any(t == "click" or t.startswith("click.") for t in targets))
    assert users == ["graph.cli"], users


def _below(module: str, layers: tuple[str, ...]) -> bool:
    return any(module == layer or module.startswith(layer + ".") for layer in layers)


@pytest.mark.parametrize(("lower", "upper"), [
    # readers read files into records; the store is written by the loader
    (("graph.readers",), ("graph.store", "graph.remote", "graph.loader", "graph.build")),
    # the store and the SPARQL text never reach up into reports, the loader or the server
    (("graph.store", "graph.remote", "graph.sparql"),
     ("graph.reports", "graph.loader", "graph.build", "graph.server", "graph.network", "graph.export")),
    # the record model and the mapping to quads know nothing of stores, readers or reports
    (("graph.records", "graph.triples"), ("graph.store", "graph.remote", "graph.readers", "graph.reports")),
])
def test_lower_layers_do_not_import_upper_ones(lower: tuple[str, ...], upper: tuple[str, ...]) -> None:
    wrong = sorted(f"{m} imports {t}" for m, targets in IMPORTS.items() if _below(m, lower)
                   for t in targets if _below(t, upper))
    assert not wrong, wrong
