"""Every docstring example in the package runs, as in pyoxigraph's own test suite."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import graph

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(graph.__path__, prefix="graph.") if not name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_there_are_examples() -> None:
    counts = [doctest.testmod(importlib.import_module(n), report=False).attempted for n in MODULES]
    assert sum(counts) >= 20
