"""The ClinicalTrials.gov API v2 JSON reader: every input shape, field mapping, bad records."""

from __future__ import annotations

import gzip
import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from graph.errors import InputError
from graph.readers import ctgov_json, detect
from graph.readers.base import RawRecord
from graph.records import Trial
from tests.conftest import minimal_study, shared, write_jsonl


def read_all(path: Path) -> tuple[list[Trial], list[str]]:
    trials: list[Trial] = []
    errors: list[str] = []
    for raw in ctgov_json.read(path):
        if isinstance(raw, InputError):
            errors.append(str(raw))
            continue
        for item in ctgov_json.parse(raw):
            if isinstance(item, InputError):
                errors.append(str(item))
            else:
                trials.append(item)
    return trials, errors


STUDIES = [minimal_study(f"NCT9000000{i}") for i in range(1, 4)]
NCTS = [s["protocolSection"]["identificationModule"]["nctId"] for s in STUDIES]


def _write(path: Path, shape: str) -> Path:
    if shape == "single":
        path.write_text(json.dumps(STUDIES[0], indent=2), encoding="utf-8")
    elif shape == "page":
        path.write_text(json.dumps({"studies": STUDIES, "nextPageToken": "abc"}), encoding="utf-8")
    elif shape == "page-token-first":
        path.write_text(json.dumps({"nextPageToken": "abc", "studies": STUDIES}, indent=1), encoding="utf-8")
    elif shape == "array":
        path.write_text(json.dumps(STUDIES, indent=2), encoding="utf-8")
    elif shape == "jsonl":
        write_jsonl(path, STUDIES)
    elif shape == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            for s in STUDIES:
                archive.writestr(s["protocolSection"]["identificationModule"]["nctId"] + ".json", json.dumps(s))
    return path


@pytest.mark.parametrize("shape", ["single", "page", "page-token-first", "array", "jsonl", "zip"])
@pytest.mark.parametrize("gzipped", [False, True])
def test_every_input_shape_is_detected_and_read(tmp_path: Path, shape: str, gzipped: bool) -> None:
    path = _write(tmp_path / f"input-{shape}", shape)
    if gzipped:
        packed = tmp_path / (path.name + ".gz")
        packed.write_bytes(gzip.compress(path.read_bytes()))
        path = packed
    assert detect(path) == "ctgov-json"
    trials, errors = read_all(path)
    assert errors == []
    expected = NCTS[:1] if shape == "single" else NCTS
    assert [t.nct_id for t in trials] == expected


def test_fields_are_mapped(tmp_path: Path) -> None:
    trials, errors = read_all(_write(tmp_path / "one.json", "single"))
    assert not errors
    t = trials[0]
    assert t.brief_title == "A Test Study NCT90000001"
    assert t.overall_status == "RECRUITING"
    assert t.start is not None and (t.start.value, t.start.kind) == ("2023-07-21", "ACTUAL")
    assert t.primary_completion is not None and t.primary_completion.value == "2026-06"
    assert t.phases == ["PHASE1/PHASE2"]
    assert t.enrollment == 25 and t.enrollment_type == "ESTIMATED"
    assert t.lead_sponsor is not None and t.lead_sponsor.agency_class == "OTHER"
    assert [c.name for c in t.collaborators] == ["Examplia Pharma"]
    assert t.eligibility is not None and t.eligibility.minimum_age is not None
    minimum_iso = t.eligibility.minimum_age.duration  # an age as ISO 8601, not a timing
    assert minimum_iso == "P18Y" and t.eligibility.maximum_age.years == 75
    assert t.locations[0].latitude == pytest.approx(39.80172)
    assert [m.ui for m in t.condition_meshes] == ["D006086"]
    assert [m.ui for m in t.condition_mesh_ancestors] == ["D007154"]
    assert t.interventions[0].other_names == ["EX-123"]
    assert t.references[0].pmid == "12345678"
    assert t.last_update == "2025-07-29"
    assert t.warnings == []


def test_partial_record_loads_with_a_warning() -> None:
    raw = RawRecord("ctgov-json", "x.json", "", {"protocolSection": {"identificationModule": {"nctId": "NCT90000009"}}})
    (trial,) = ctgov_json.parse(raw)
    assert isinstance(trial, Trial)
    assert "overallStatus" in trial.warnings[0] and "studyType" in trial.warnings[0]


def test_unknown_code_is_kept_with_a_warning() -> None:
    data = minimal_study(protocolSection__statusModule__overallStatus="PAUSED_FOR_REVIEW")
    (trial,) = ctgov_json.parse(RawRecord("ctgov-json", "x.json", "", data))
    assert isinstance(trial, Trial)
    assert trial.overall_status == "PAUSED_FOR_REVIEW"
    assert any("unknown code 'PAUSED_FOR_REVIEW'" in w for w in trial.warnings)


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"protocolSection__identificationModule__nctId": "NCT123"}, "identificationModule.nctId", "NCT followed by 8 digits"),
        ({"protocolSection__statusModule__startDateStruct": {"date": "2023-02-30"}}, "startDateStruct.date", "a real calendar date"),
        ({"protocolSection__statusModule__startDateStruct": {"date": "June 2024"}}, "startDateStruct.date", "YYYY-MM-DD"),
        ({"protocolSection__designModule__enrollmentInfo": {"count": "25"}}, "enrollmentInfo.count", "an integer"),
        ({"protocolSection__designModule__enrollmentInfo": {"count": -3}}, "enrollmentInfo.count", "at least 0"),
        ({"protocolSection__conditionsModule__conditions": "Asthma"}, "conditionsModule.conditions", "a list"),
        ({"protocolSection__eligibilityModule__minimumAge": "eighteen"}, "eligibilityModule.minimumAge", "'18 Years'"),
        ({"protocolSection__sponsorCollaboratorsModule__leadSponsor": ["x"]}, "leadSponsor", "an object"),
    ],
)
def test_malformed_fields_reject_the_record_with_file_record_and_field(changes, field, expected) -> None:
    data = minimal_study("NCT90000005", **changes)
    (error,) = ctgov_json.parse(RawRecord("ctgov-json", "batch.jsonl", "line 7", data))
    assert isinstance(error, InputError)
    message = str(error)
    assert message.startswith("batch.jsonl: ")
    assert "line 7" in message
    assert field in message
    assert expected in message


def test_missing_nct_id_names_the_position() -> None:
    data = minimal_study()
    del data["protocolSection"]["identificationModule"]["nctId"]
    (error,) = ctgov_json.parse(RawRecord("ctgov-json", "batch.jsonl", "line 2", data))
    assert isinstance(error, InputError)
    assert str(error).startswith("batch.jsonl: line 2: protocolSection.identificationModule.nctId: no NCT id")


def test_truncated_array_reports_the_last_good_study(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    text = json.dumps(STUDIES)
    path.write_text(text[: len(text) - 200], encoding="utf-8")
    trials, errors = read_all(path)
    assert [t.nct_id for t in trials] == NCTS[:2]
    assert len(errors) == 1
    assert "cut.json" in errors[0] and "truncated" in errors[0] and "after study 2 (NCT90000002)" in errors[0]


def test_truncated_single_study(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(STUDIES[0], indent=2)[:500], encoding="utf-8")
    trials, errors = read_all(path)
    assert trials == []
    assert errors == [f"{path}: truncated JSON — expected a complete JSON object"]


def test_bad_jsonl_line_does_not_stop_the_others(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [json.dumps(STUDIES[0]), '{"protocolSection": {"identificationModule": ', json.dumps(STUDIES[1])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    trials, errors = read_all(path)
    assert [t.nct_id for t in trials] == NCTS[:2]
    assert len(errors) == 1 and "line 2" in errors[0]


def test_zip_member_with_path_traversal_is_refused_and_others_read(tmp_path: Path) -> None:
    path = tmp_path / "bulk.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("NCT90000001.json", json.dumps(STUDIES[0]))
        archive.writestr("../../evil.json", json.dumps(STUDIES[1]))
        archive.writestr("NCT90000003.json", json.dumps(STUDIES[2]))
    trials, errors = read_all(path)
    assert [t.nct_id for t in trials] == [NCTS[0], NCTS[2]]
    assert len(errors) == 1 and "../../evil.json" in errors[0] and "unsafe member name" in errors[0]


def _count(value: object) -> int:
    return len(value) if isinstance(value, list) else 0


@pytest.mark.shared_data
def test_every_real_record_reads_with_zero_errors() -> None:
    folder = shared("ctgov-json")
    trials: list[Trial] = []
    errors: list[str] = []
    for path in sorted(folder.rglob("*.json*")):
        got, errs = read_all(path)
        trials.extend(got)
        errors.extend(errs)
    assert errors == []
    assert len(trials) == 958
    assert len({t.nct_id for t in trials}) == 479


@pytest.mark.shared_data
def test_record_counts_match_the_json_for_every_real_study() -> None:
    path = shared("ctgov-json", "collections", "combined_unique_studies.jsonl")
    trials, errors = read_all(path)
    assert not errors
    by_id = {t.nct_id: t for t in trials}
    for line in path.read_text(encoding="utf-8").splitlines():
        study = json.loads(line)
        p = study["protocolSection"]
        d = study.get("derivedSection", {})
        t = by_id[p["identificationModule"]["nctId"]]
        expected = Counter(
            conditions=_count(p.get("conditionsModule", {}).get("conditions")),
            arms=_count(p.get("armsInterventionsModule", {}).get("armGroups")),
            interventions=_count(p.get("armsInterventionsModule", {}).get("interventions")),
            locations=_count(p.get("contactsLocationsModule", {}).get("locations")),
            officials=_count(p.get("contactsLocationsModule", {}).get("overallOfficials")),
            collaborators=_count(p.get("sponsorCollaboratorsModule", {}).get("collaborators")),
            meshes=_count(d.get("conditionBrowseModule", {}).get("meshes")),
            ancestors=_count(d.get("conditionBrowseModule", {}).get("ancestors")),
        )
        got = Counter(
            conditions=len(t.conditions), arms=len(t.arms), interventions=len(t.interventions),
            locations=len(t.locations), officials=len(t.officials), collaborators=len(t.collaborators),
            meshes=len(t.condition_meshes), ancestors=len(t.condition_mesh_ancestors),
        )
        assert got == expected, t.nct_id
