"""The benchmark's quick mode as a smoke test: every pipeline (trialgraph load, the store's own
bulk loader on the same N-Quads, plain rdflib) must produce the same triples. Speed is not checked
here; ``python bench/run.py`` measures it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_quick_benchmark_pipelines_agree(tmp_path: Path) -> None:
    if shutil.which("oxigraph", path=str(Path(sys.executable).parent)) is None and shutil.which("oxigraph") is None:
        pytest.skip("needs the 'oxigraph' command (pip install the test extra)")
    results = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--no-open-reference",
                           "--out", str(tmp_path / "work"), "--json", str(results)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "same triples in every pipeline: yes" in done.stdout
    data = json.loads(results.read_text())
    (size,) = data["sizes"].values()
    counts = size["union_triples"]
    assert counts["ours"] == counts["oxigraph_load"] == counts["rdflib"] > 100_000
    stored = size["stored_quads"]
    assert stored["ours"] == stored["oxigraph_load"] >= counts["ours"]
    # "quads written" counts each statement once (an entity statement repeated by later records is
    # not written again), so it cannot exceed the distinct triples the store holds
    assert size["studies"] == 1000 and 150_000 < size["quads"] <= counts["ours"]
    assert set(data["reports_ms"]) >= {"trials_by_target", "drug_target_condition", "phase_status_summary"}
    from graph.reports import load_reports

    assert set(data["reports_ms"]) == set(load_reports())  # every report timed, none dropped
    assert {fmt: e["studies"] for fmt, e in data["export"].items()} == {"nquads": 1000, "turtle": 1000}
    # each figure is the size of the file that export wrote, which the work folder still holds
    files = {"nquads": tmp_path / "work" / "store-1000.nq", "turtle": tmp_path / "work" / "export-1000.ttl"}
    for fmt, entry in data["export"].items():
        assert entry["mb"] > 10 and entry["mb"] == files[fmt].stat().st_size / 1e6, fmt
