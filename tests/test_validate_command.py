"""``trialgraph validate``: the SHACL shapes and the data-quality checks, from the command line.

On a clean seed store it exits 0 with a readable report; after a quad that breaks a shape and a
record that trips the checks, it exits 1 and the text says what is wrong (the shape and its
message, the check and its summary), where (the node and property, the trial), and how many; the
``--format json`` report is valid JSON with the same counts.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from graph import iris
from graph.build import build
from graph.cli import main
from graph.loader import Loader
from graph.store import open_store
from tests.conftest import _DELETE, minimal_study, write_jsonl

BROKEN = "https://w3id.org/trialgraph/graph/test/broken"
CHECK_LINE = re.compile(r"^  (\d[\d,]*) x (check_\w+): ")
SHAPE_LINE = re.compile(r"^(\S[^:]*): (\d[\d,]*) (?:violation|result)s?$")


def validate(store_dir: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["validate", "--store", str(store_dir), *extra])
    captured = capsys.readouterr()
    assert captured.err == ""
    return code, captured.out


def text_counts(text: str) -> tuple[dict[str, int], dict[str, int]]:
    """Results per shape and rows per check, as the text report states them."""
    shapes = {m.group(1): int(m.group(2).replace(",", "")) for line in text.splitlines() if (m := SHAPE_LINE.match(line))}
    checks = {m.group(2): int(m.group(1).replace(",", "")) for line in text.splitlines() if (m := CHECK_LINE.match(line))}
    return shapes, checks


@pytest.fixture
def seed_store(tmp_path: Path) -> Path:
    store_dir = tmp_path / "store"
    with open_store(store_dir) as store:
        assert build(store, err=io.StringIO(), progress=False, open_reference=False).ok
    return store_dir


def test_a_clean_seed_store_validates(seed_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = validate(seed_store, capsys)
    assert code == 0, text
    lines = text.splitlines()
    assert re.fullmatch(r"SHACL validation: the graph conforms — [\d,]+ triples checked against \d+ shapes "
                        r"\(shapes\.ttl\)", lines[0]), lines[0]
    assert "data-quality checks:" in lines
    shapes, checks = text_counts(text)
    assert shapes == {}
    assert len(checks) >= 5 and set(checks.values()) == {0}
    code, out = validate(seed_store, capsys, "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["conforms"] is True and report["ok"] is True
    assert report["results"] == 0 and report["violations"] == [] and report["by_shape"] == []
    assert {c["name"]: c["count"] for c in report["checks"]} == checks


def test_violations_and_failed_checks_are_reported_with_what_where_and_how_many(
        seed_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = iris.trial("NCT90000888")
    record = iris.trial_graph("NCT90000888")
    # a trial record whose trial has a malformed NCT id: one violation of the trial shape
    study = minimal_study("NCT90000777", protocolSection__sponsorCollaboratorsModule__leadSponsor=_DELETE,
                          protocolSection__conditionsModule={"conditions": ["Zzyzx syndrome"]},
                          protocolSection__armsInterventionsModule={
                              "interventions": [{"type": "DRUG", "name": "Notarealumab"}]})
    del study["derivedSection"]
    with open_store(seed_store) as store:
        store.update(f"""INSERT DATA {{ GRAPH <{BROKEN}> {{
            <{record}> a tg:TrialRecord ; tg:describes <{broken}> ; tg:recordHash "{'a' * 64}" ;
                prov:generatedAtTime "2025-01-01T00:00:00Z"^^xsd:dateTime ; tg:toolVersion "test" ;
                dct:source "test" ; tg:sourceFormat "ctgov-json" .
            <{broken}> a tg:Trial ; tg:nctId "NCT123" ; rdfs:label "A broken trial" . }} }}""")
        # a record without a lead sponsor, with a condition and a drug nothing links: three checks
        summary = Loader(store, err=io.StringIO(), progress=False).load([write_jsonl(tmp_path / "x.jsonl", [study])])
        assert summary.ok

    code, text = validate(seed_store, capsys)
    assert code == 1, text
    lines = text.splitlines()
    assert re.fullmatch(r"SHACL validation: the graph does not conform — 1 violation of 1 shape; [\d,]+ triples "
                        r"checked against \d+ shapes \(shapes\.ttl\)", lines[0]), lines[0]
    # what, where, how many: the shape and its message, the node, property and value
    assert "well-formed trial: 1 violation" in lines
    assert "  1 x a trial has exactly one NCT id of the form NCT followed by 8 digits" in lines
    assert '      clinicaltrials:NCT90000888  tg:nctId  "NCT123"' in lines
    shapes, checks = text_counts(text)
    assert shapes == {"well-formed trial": 1}
    failed = {name: n for name, n in checks.items() if n}
    # the broken trial has no sponsor either
    assert failed == {"check_trials_without_sponsor": 2, "check_conditions_without_mesh": 1,
                      "check_unlinked_drug_interventions": 1}
    for name, count in failed.items():  # each failed check names the trials it found
        at = next(i for i, line in enumerate(lines) if CHECK_LINE.match(line) and f" {name}: " in line)
        shown = lines[at + 1:at + 1 + count]
        assert any("NCT90000777" in line for line in shown), lines[at:at + 1 + count]
    assert any("NCT90000888" in line for line in lines if line.startswith("      ") and "NCT90000888 " in line)

    code, out = validate(seed_store, capsys, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False and report["ok"] is False
    assert report["results"] == len(report["violations"]) == sum(shapes.values())
    assert {entry["shape"]: entry["count"] for entry in report["by_shape"]} == shapes
    assert {c["name"]: c["count"] for c in report["checks"]} == checks
    (violation,) = report["violations"]
    assert violation["focus"] == broken and violation["value"] == '"NCT123"'
    assert violation["path"] == "https://w3id.org/trialgraph/vocab#nctId"
    examples = {c["name"]: c["examples"] for c in report["checks"] if c["count"]}
    assert all(any("NCT90000777" in e for e in found) for found in examples.values())


def test_validate_needs_an_existing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "--store", str(tmp_path / "nothing-here")])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert f"error: {tmp_path / 'nothing-here'}: no store here — run 'trialgraph build'" in captured.err
