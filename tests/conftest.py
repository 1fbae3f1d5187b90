"""Shared fixtures.

Tests that need the real data in ``../shared/data`` (or a server, a browser, a Debian tool) skip
with the reason when it is missing; with ``TRIALGRAPH_REQUIRE_ALL=1`` (set by ``.ci/run``) every
such skip is a failure instead, so CI cannot pass by skipping.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from graph.store import EmbeddedStore, open_store

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SHARED_DATA = Path(os.environ.get("TRIALGRAPH_SHARED_DATA", ROOT.parent / "shared" / "data"))
REQUIRE_ALL = os.environ.get("TRIALGRAPH_REQUIRE_ALL") == "1"

# Built linkers are kept in a cache directory of the test session's own (never the user's), which
# every test and every trialgraph process a test starts shares: a store built from the same
# reference state reads its linker back instead of building it again.
_SESSION_CACHE = None
if "TRIALGRAPH_CACHE" not in os.environ:
    _SESSION_CACHE = tempfile.mkdtemp(prefix="trialgraph-test-cache-")
    os.environ["TRIALGRAPH_CACHE"] = _SESSION_CACHE


# pytest-xdist gives its workers COLUMNS=80 (and LINES), which would make every trialgraph process a
# test starts draw a progress bar for a terminal it does not have
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``pytest -n N --dist loadgroup`` (``make test``), each test module runs on one worker,
    so its module fixtures are made once, and every test of the session's built real store runs on
    the same worker, so that store is built once."""
    for item in items:
        shared_store = "built_real_store" in getattr(item, "fixturenames", ())
        item.add_marker(pytest.mark.xdist_group("built-real-store" if shared_store else item.nodeid.split("::")[0]))


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SESSION_CACHE:
        shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, but TRIALGRAPH_REQUIRE_ALL=1 makes this mandatory: {reason}"


def shared(*parts: str) -> Path:
    """A path under ../shared/data; skips the test when it is not there."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the project's shared real data, beside the checkout)")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    """A fresh on-disk store."""
    handle = open_store(tmp_path / "store")
    yield handle
    handle.close()


def minimal_study(nct: str = "NCT90000001", **changes: Any) -> dict[str, Any]:
    """A small but complete API v2 study, written for these tests."""
    study: dict[str, Any] = {
        "protocolSection": {
            "identificationModule": {
                "nctId": nct,
                "orgStudyIdInfo": {"id": "TG-001"},
                "organization": {"fullName": "Example University Hospital", "class": "OTHER"},
                "briefTitle": f"A Test Study {nct}",
                "officialTitle": "An Open-Label Test Study of Examplumab in Example Disease",
                "acronym": "TEST",
            },
            "statusModule": {
                "overallStatus": "RECRUITING",
                "startDateStruct": {"date": "2023-07-21", "type": "ACTUAL"},
                "primaryCompletionDateStruct": {"date": "2026-06", "type": "ESTIMATED"},
                "completionDateStruct": {"date": "2026-06-29", "type": "ESTIMATED"},
                "studyFirstSubmitDate": "2023-05-01",
                "studyFirstPostDateStruct": {"date": "2023-05-10", "type": "ACTUAL"},
                "lastUpdateSubmitDate": "2025-07-20",
                "lastUpdatePostDateStruct": {"date": "2025-07-29", "type": "ACTUAL"},
            },
            "sponsorCollaboratorsModule": {
                "leadSponsor": {"name": "Example University Hospital", "class": "OTHER"},
                "collaborators": [{"name": "Examplia Pharma", "class": "INDUSTRY"}],
            },
            "descriptionModule": {"briefSummary": "Tests examplumab.", "detailedDescription": "Longer."},
            "conditionsModule": {"conditions": ["Example Disease", "Other Disease"], "keywords": ["example"]},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": ["PHASE1", "PHASE2"],
                "designInfo": {
                    "allocation": "NA",
                    "interventionModel": "SINGLE_GROUP",
                    "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "NONE"},
                },
                "enrollmentInfo": {"count": 25, "type": "ESTIMATED"},
            },
            "armsInterventionsModule": {
                "armGroups": [
                    {"label": "Examplumab arm", "type": "EXPERIMENTAL", "interventionNames": ["Biological: Examplumab"]}
                ],
                "interventions": [
                    {"type": "BIOLOGICAL", "name": "Examplumab", "otherNames": ["EX-123"],
                     "armGroupLabels": ["Examplumab arm"]}
                ],
            },
            "outcomesModule": {
                "primaryOutcomes": [{"measure": "Response rate", "timeFrame": "12 weeks"}],
                "secondaryOutcomes": [{"measure": "Survival", "timeFrame": "1 year"}],
            },
            "eligibilityModule": {
                "eligibilityCriteria": "Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* None",
                "healthyVolunteers": False,
                "sex": "ALL",
                "minimumAge": "18 Years",
                "maximumAge": "75 Years",
                "stdAges": ["ADULT", "OLDER_ADULT"],
            },
            "contactsLocationsModule": {
                "overallOfficials": [
                    {"name": "Jane Doe, MD", "affiliation": "Example University Hospital",
                     "role": "PRINCIPAL_INVESTIGATOR"}
                ],
                "locations": [
                    {"facility": "Example University Hospital", "city": "Springfield", "state": "Illinois",
                     "zip": "62701", "country": "United States", "status": "RECRUITING",
                     "geoPoint": {"lat": 39.80172, "lon": -89.64371}},
                    {"facility": "Example Clinic", "city": "Lyon", "country": "France"},
                ],
            },
            "referencesModule": {"references": [{"pmid": "12345678", "type": "BACKGROUND", "citation": "Doe J. 2020."}]},
        },
        "derivedSection": {
            "conditionBrowseModule": {
                "meshes": [{"id": "D006086", "term": "Graft vs Host Disease"}],
                "ancestors": [{"id": "D007154", "term": "Immune System Diseases"}],
            },
            "interventionBrowseModule": {"meshes": [{"id": "D000074322", "term": "Antibodies, Monoclonal, Humanized"}]},
        },
        "hasResults": False,
    }
    for dotted, value in changes.items():
        node = study
        keys = dotted.split("__")
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        if value is _DELETE:
            node.pop(keys[-1], None)
        else:
            node[keys[-1]] = value
    return copy.deepcopy(study)


_DELETE = object()


@pytest.fixture
def study() -> Callable[..., dict[str, Any]]:
    """Factory of hand-written studies: ``study("NCT90000002", protocolSection__statusModule__overallStatus="COMPLETED")``."""
    return minimal_study


@pytest.fixture
def delete() -> object:
    return _DELETE


def write_jsonl(path: Path, studies: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(s) + "\n" for s in studies), encoding="utf-8")
    return path


def synthetic_registry(out: Path, studies: int, seed: int) -> Path:
    """``studies`` synthetic registry records as JSON Lines in ``out`` (bench/synth.py, no calibration)."""
    import subprocess
    import sys

    subprocess.run([sys.executable, str(ROOT / "bench" / "synth.py"), "--studies", str(studies), "--seed", str(seed),
                    "--out", str(out), "--format", "jsonl", "--no-calibrate", "-q", "-j", "1"],
                   check=True, cwd=ROOT, capture_output=True)
    path = out / f"studies-{studies}.jsonl"
    assert path.is_file()
    return path


def bench_script(name: str) -> Any:
    """``bench/NAME.py`` as a module (``bench/`` is not a package), loaded once and registered in
    ``sys.modules`` as ``bench_NAME``."""
    import importlib.util
    import sys

    module_name = f"bench_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def built_real_store(tmp_path_factory: pytest.TempPathFactory):
    """``trialgraph build`` (the whole open reference) and a load of the real registry records
    (the JSON Lines collection and ``single/``), once per test session: read-only for its users."""
    import io

    from graph.build import build
    from graph.loader import Loader
    from graph.store import open_store

    records = [shared("ctgov-json", "collections", "combined_unique_studies.jsonl"), shared("ctgov-json", "single")]
    store = open_store(tmp_path_factory.mktemp("built-real") / "store")
    assert build(store, err=io.StringIO(), progress=False).ok
    err = io.StringIO()
    summary = Loader(store, err=err, progress=False).load(records)
    assert summary.ok, err.getvalue()
    yield store
    store.close()


@pytest.fixture(scope="session")
def built_real_validation(built_real_store):
    """``graph.validate.validate`` of :func:`built_real_store` (pySHACL over the whole store takes
    more than a minute), once per test session for the tests that judge it."""
    from graph.validate import validate

    return validate(built_real_store)
