"""A non-editable install carries the ontology, queries and seeds inside the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True,
    )
    (path,) = out.glob("trialgraph-*.whl")
    return path


def test_wheel_holds_the_data_folders(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "graph/_data/ontology/trialgraph.ttl" in names
    assert any(n.startswith("graph/_data/seeds/") for n in names)
    assert any(n.startswith("graph/_data/queries/") for n in names) or not any((ROOT / "queries").glob("*.rq"))
    assert "graph/cli.py" in names


def test_installed_package_runs_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
                   check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site))
    where = subprocess.run(
        [sys.executable, "-c", "import graph, graph.paths as p; print(graph.__file__); print(p.ontology_dir())"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    assert where[0].startswith(str(site)), where
    assert where[1] == str(site / "graph" / "_data" / "ontology")
    done = subprocess.run([sys.executable, "-m", "graph", "build", "--store", "st"], cwd=elsewhere, env=env,
                          capture_output=True, text=True)
    assert "ontology:" in done.stderr, done.stderr
    assert (elsewhere / "st").is_dir()
