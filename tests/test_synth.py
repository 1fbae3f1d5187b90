"""The synthetic registry generator (``bench/synth.py``).

``bench/`` is not a package: the script is loaded from its path with importlib and registered in
``sys.modules`` (its parallel writer pickles module functions by name): see ``bench_script`` in conftest.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from graph.readers import ctgov_json
from graph.readers.base import RawRecord
from tests.conftest import ROOT, SHARED_DATA, bench_script, shared

SCRIPT = ROOT / "bench" / "synth.py"


synth = bench_script("synth")
BUILTIN_MESH = synth.load_mesh(None)  # the built-in MeSH list: the tests do not depend on shared data


def _write(tmp: Path, n: int, seed: int, fmt: str = "both", workers: int = 1) -> list[Path]:
    files, tally, _ = synth.write(n, seed, tmp, fmt, synth.BUILTIN_PARAMS, BUILTIN_MESH, workers=workers)
    assert tally.studies == n
    return files


def _problems(trials) -> list[str]:
    out = []
    for item in trials:
        if isinstance(item, Exception):
            out.append(f"error: {item}")
        else:
            out.extend(f"{item.nct_id}: {w}" for w in item.warnings)
    return out


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    first = _write(tmp_path / "a", 200, seed=7)
    second = _write(tmp_path / "b", 200, seed=7)
    assert [f.name for f in first] == ["studies-200.jsonl", "studies-200.zip"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_different_seed_differs(tmp_path: Path) -> None:
    (a,) = _write(tmp_path / "a", 200, seed=7, fmt="jsonl")
    (b,) = _write(tmp_path / "b", 200, seed=8, fmt="jsonl")
    assert a.read_bytes() != b.read_bytes()


def test_worker_processes_do_not_change_the_bytes(tmp_path: Path) -> None:
    n = synth.CHUNK * 2 + 100  # three chunks
    (one,) = _write(tmp_path / "one", n, seed=3, fmt="jsonl", workers=1)
    (two,) = _write(tmp_path / "two", n, seed=3, fmt="jsonl", workers=2)
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.parametrize("mesh", ["built-in", pytest.param("shared", marks=pytest.mark.shared_data)])
def test_every_study_parses_without_errors_or_warnings(mesh: str) -> None:
    table = BUILTIN_MESH if mesh == "built-in" else synth.load_mesh(shared("mesh", "mesh2024_descriptors.tsv"))
    ids = set()
    for study in synth.generate(200, seed=11, params=synth.BUILTIN_PARAMS, mesh=table):
        trials = ctgov_json.parse(RawRecord("ctgov-json", "x", "", study))
        assert _problems(trials) == []
        (trial,) = trials
        ids.add(trial.nct_id)
        assert re.fullmatch(r"NCT9\d{7}", trial.nct_id)
        assert trial.conditions and trial.brief_title and trial.lead_sponsor and trial.study_type
    assert len(ids) == 200


def test_serialization_is_plain_json() -> None:
    for study in synth.generate(300, seed=6, params=synth.BUILTIN_PARAMS, mesh=BUILTIN_MESH):
        text, results = synth.serialize_sized(study)
        assert text == json.dumps(study) == synth.serialize(study)
        assert results == (len(json.dumps(study["resultsSection"])) if "resultsSection" in study else 0)


def test_files_read_back_through_the_reader(tmp_path: Path) -> None:
    jsonl, archive = _write(tmp_path, 200, seed=5)
    for path in (jsonl, archive):
        records = list(ctgov_json.read(path))
        assert len(records) == 200
        trials = [t for raw in records for t in ctgov_json.parse(raw)]
        assert _problems(trials) == []
        assert len({t.nct_id for t in trials}) == 200


def test_zip_holds_one_member_per_study(tmp_path: Path) -> None:
    jsonl, archive = _write(tmp_path, 200, seed=5)
    ids = [line.split('"nctId": "', 1)[1][:11] for line in jsonl.read_text(encoding="utf-8").splitlines()]
    with zipfile.ZipFile(archive) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert names == [f"{nct}.json" for nct in ids]
        assert len(set(names)) == 200
        # each member is the same JSON as the corresponding line
        assert zf.read(names[0]).decode("utf-8") == jsonl.read_text(encoding="utf-8").splitlines()[0]


def test_share_without_phase_is_about_sixty_percent() -> None:
    share = synth.no_phase_share(synth.generate(2000, seed=1, params=synth.BUILTIN_PARAMS, mesh=BUILTIN_MESH))
    assert abs(share - synth.NO_PHASE_SHARE) < 0.035, share


def test_interventional_studies_have_phases_observational_do_not() -> None:
    for study in synth.generate(300, seed=2, params=synth.BUILTIN_PARAMS, mesh=BUILTIN_MESH):
        design = study["protocolSection"]["designModule"]
        if design["studyType"] == "INTERVENTIONAL":
            assert design["phases"]
        else:
            assert "phases" not in design


def test_entities_recur_across_studies() -> None:
    sponsors: dict[str, int] = {}
    facilities: dict[str, int] = {}
    for study in synth.generate(1000, seed=4, params=synth.BUILTIN_PARAMS, mesh=BUILTIN_MESH):
        protocol = study["protocolSection"]
        name = protocol["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
        sponsors[name] = sponsors.get(name, 0) + 1
        for loc in protocol.get("contactsLocationsModule", {}).get("locations", []):
            facilities[loc["facility"]] = facilities.get(loc["facility"], 0) + 1
    assert max(sponsors.values()) >= 10 and len(sponsors) >= 20
    assert max(facilities.values()) >= 10


def test_command_line_writes_both_formats(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--studies", "50", "--seed", "2", "--out", str(tmp_path), "--format", "both",
         "--no-calibrate", "--mesh", str(tmp_path / "absent.tsv"), "--workers", "1"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "studies-50.jsonl").exists() and (tmp_path / "studies-50.zip").exists()
    assert "real mean" in result.stderr and "no phase (absent or NA)" in result.stderr


@pytest.mark.shared_data
def test_calibration_matches_the_real_records() -> None:
    real_file = shared("ctgov-json", "collections", "combined_unique_studies.jsonl")
    params = synth.measure_file(real_file)
    # the built-in constants are these measurements, written into the script
    assert synth.BUILTIN_PARAMS == params
    tally = synth.Tally()
    for study in synth.generate(2000, seed=1, params=params, mesh=synth.load_mesh(shared("mesh", "mesh2024_descriptors.tsv"))):
        tally.add(study)
    real = synth.params_summary(params)["counts"]
    ours = tally.summary()["counts"]
    for key in ("conditions", "keywords", "arms", "interventions", "primaryOutcomes", "secondaryOutcomes",
                "locations", "officials", "collaborators", "conditionMeshes", "conditionAncestors", "interventionMeshes"):
        real_mean, ours_mean = real[key][0], ours[key][0]
        assert abs(ours_mean - real_mean) <= 0.30 * real_mean, (key, real_mean, ours_mean)
    text = synth.calibration_table(params, tally, seed=1)
    assert "no phase (absent or NA)" in text and "brief summary" in text


def test_help_names_the_default_data_relative_to_the_project() -> None:
    shown = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split()).replace("- ", "-")  # argparse wraps long paths at hyphens
    assert os.path.relpath(SHARED_DATA / "mesh" / "mesh2024_descriptors.tsv", ROOT) in text  # ../shared/data/...
    assert str(ROOT.parent) not in text  # no path of the machine it runs on
