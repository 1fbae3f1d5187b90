"""The curated reference tables (seeds/reference) and their reader, graph.readers.reference."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph.errors import InputError
from graph.paths import seeds_dir
from graph.readers import reference
from graph.readers.reference import (
    FORMAT,
    KINDS,
    Reference,
    load_reference,
    looks_like_table,
    name_key,
    read_table,
    table_kind,
)
from graph.records import ConditionRule, Drug, MeshDescriptor, Resolution, Target, TargetClaim
from graph.vocab import SCHEMES

from tests.conftest import DATA

FOLDER = seeds_dir() / "reference"
BAD = DATA / "reference-bad"
RECORD_TYPES = {
    "drugs": Drug, "targets": Target, "drug_targets": TargetClaim, "mesh": MeshDescriptor,
    "condition_rules": ConditionRule, "resolutions": Resolution,
}


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


# --- the seed tables --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_table_reads(kind: reference.TableKind) -> None:
    path = FOLDER / kind.filename
    assert table_kind(path) == kind.name
    assert looks_like_table(path)
    records = read_table(path)
    assert records, f"{path} has no rows"
    assert all(isinstance(r, RECORD_TYPES[kind.name]) for r in records)


def test_every_row_cites_a_source(ref: Reference) -> None:
    for table in (ref.drugs, ref.targets, ref.claims, ref.mesh, ref.condition_rules, ref.resolutions):
        for record in table:
            assert record.source.strip(), record


def test_claims_name_defined_drugs_and_targets(ref: Reference) -> None:
    drugs = {d.drug_id for d in ref.drugs}
    targets = {t.uniprot for t in ref.targets}
    for claim in ref.claims:
        assert claim.drug_id in drugs and claim.uniprot in targets, claim
        assert claim.action_type in SCHEMES["action"].codes


def test_rules_name_descriptors_of_the_mesh_table(ref: Reference) -> None:
    uis = {m.ui for m in ref.mesh}
    assert all(rule.mesh_ui in uis for rule in ref.condition_rules)
    assert set(ref.rule_scopes) <= {"condition", "inclusion", "summary"}
    assert len(ref.rule_scopes) == len(ref.condition_rules)


def test_mesh_table_is_closed_under_ancestors(ref: Reference) -> None:
    trees = {t for m in ref.mesh for t in m.tree_numbers}
    for descriptor in ref.mesh:
        for tree_number in descriptor.tree_numbers:
            parts = tree_number.split(".")
            for k in range(1, len(parts)):
                assert ".".join(parts[:k]) in trees, (descriptor.ui, tree_number)


def test_issue_facts(ref: Reference) -> None:
    """The drugs, targets and links issue 3 names."""
    targets_of = {d.drug_id: {ref.target(c.uniprot).symbol for c in ref.claims_of(d.drug_id)} for d in ref.drugs}
    assert targets_of["inolimomab"] == {"IL2RA"}
    assert targets_of["isatuximab"] == {"CD38"}
    assert targets_of["daratumumab"] == {"CD38"}
    assert targets_of["rituximab"] == {"MS4A1"}
    assert targets_of["ruxolitinib"] == {"JAK1", "JAK2"}
    assert "Leukotac" in ref.drug("inolimomab").brand_names
    assert "SAR650984" in ref.drug("isatuximab").codes
    atg = ref.drug("anti-thymocyte-globulin-rabbit")
    assert {"Thymoglobulin"} <= set(atg.brand_names) and {"ATG", "anti-thymocyte globulin"} <= set(atg.synonyms)
    assert {"CD25", "IL-2R alpha", "IL-2 receptor alpha chain", "TAC antigen"} <= set(ref.target("P01589").aliases)
    assert ref.target("P01589").hgnc == "HGNC:6008"
    rules = {(r.phrase, r.mesh_ui) for r in ref.condition_rules}
    assert {("immune cytopenias", "D000095542"), ("AIHA", "D000744"), ("ITP", "D016553"),
            ("PRCA", "D012010")} <= rules
    resolutions = {(r.kind, r.variant): r.canonical for r in ref.resolutions}
    assert resolutions[("person", "Michael Scorder, MD")] == "Michael Scordo, MD"
    assert resolutions[("study", "INO-107")] == "INO-0107"
    for ui in ("D006086", "D019337", "D000095542", "D018380", "D006425", "D007154"):
        ref.descriptor(ui)
    assert "C15" in ref.descriptor("D006425").tree_numbers


def test_drug_names_are_unambiguous(ref: Reference) -> None:
    owner: dict[str, str] = {}
    for drug in ref.drugs:
        for name in [drug.name, *drug.brand_names, *drug.codes, *drug.synonyms]:
            assert owner.setdefault(name_key(name), drug.drug_id) == drug.drug_id, name


def test_default_folder_is_read_once() -> None:
    assert load_reference() is load_reference()
    assert load_reference(FOLDER) is not load_reference()  # other folders are read afresh


def test_format_detection_rejects_other_files(tmp_path: Path) -> None:
    assert FORMAT == "reference-tsv"
    assert not looks_like_table(seeds_dir() / "000_b15e3bfb093243a2.txt")
    assert not looks_like_table(BAD / "unknown_header.tsv")
    assert not looks_like_table(tmp_path / "absent.tsv")
    empty = tmp_path / "empty.tsv"
    empty.write_text("# only a comment\n\n", encoding="utf-8")
    assert table_kind(empty) is None


def test_comments_blank_lines_and_bom_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "r.tsv"
    text = (BAD / "_base" / "resolutions.tsv").read_text(encoding="utf-8")
    path.write_text("\ufeff# comment\n\n" + text + "\n# trailing comment\n", encoding="utf-8")
    [resolution] = read_table(path)
    assert resolution.canonical == "Jane Doe, MD"


def test_small_valid_folder_loads() -> None:
    ref = load_reference(BAD / "_base")
    assert [d.drug_id for d in ref.drugs] == ["examplumab"]
    assert ref.drugs[0].xrefs == {"drugbank": "DB99999", "chembl": "CHEMBL999", "unii": "ABCDEFGHIJ", "mesh": "C000001"}
    assert ref.rule_scopes == ("condition",)


# --- one bad table per failure mode: the message names file, line, column and what was expected ---

TABLE_ERRORS = [
    # file, line, column, problem (part of), expected (part of)
    ("wrong_column_count.tsv", 3, None, "11 columns", "12 tab-separated columns"),
    ("unknown_drug_kind.tsv", 3, "kind", "'VACCINE' is not a drug kind", "one of MONOCLONAL_ANTIBODY"),
    ("unknown_action_type.tsv", 3, "action_type", "'BLOCKS' is not an action type", "one of ANTAGONIST"),
    ("bad_uniprot.tsv", 3, "uniprot", "'P0158' is not a UniProt accession", "such as P01589"),
    ("bad_hgnc.tsv", 3, "hgnc", "'6008' is not an HGNC id", "such as HGNC:6008"),
    ("bad_drugbank.tsv", 3, "drugbank", "'DB1481' is not a DrugBank id", "such as DB14811"),
    ("bad_chembl.tsv", 3, "chembl", "'CHEMBL-35' is not a ChEMBL id", "such as CHEMBL3545131"),
    ("bad_unii.tsv", 3, "unii", "'R30772KCU' is not a UNII", "10 letters or digits"),
    ("bad_mesh_ui.tsv", 3, "mesh", "'M000001' is not a MeSH descriptor", "D006086 or C079843"),
    ("bad_tree_number.tsv", 4, "tree_numbers", "'C20.45' is not a MeSH tree number", "such as C20.452"),
    ("bad_scope.tsv", 3, "scope", "'criteria' is not a rule scope", "condition, inclusion, summary"),
    ("duplicate_key.tsv", 4, "uniprot", "duplicate key uniprot='P01589', first on line 3", "each uniprot once"),
    ("empty_source.tsv", 3, "source", "empty", "a non-empty value"),
    ("unknown_header.tsv", 2, None, "unexpected header", "drugs (drug_id name kind"),
]


@pytest.mark.parametrize(("name", "line", "column", "problem", "expected"), TABLE_ERRORS,
                         ids=[e[0] for e in TABLE_ERRORS])
def test_bad_table(name: str, line: int, column: str | None, problem: str, expected: str) -> None:
    path = BAD / name
    with pytest.raises(InputError) as info:
        read_table(path)
    error = info.value
    assert error.source == str(path)
    assert error.record == f"line {line}"
    assert error.field == column
    assert problem in error.problem
    assert expected in (error.expected or "")
    message = str(error)
    assert message.startswith(f"{path}: line {line}: " + (f"{column}: " if column else ""))
    assert "— expected" in message


FOLDER_ERRORS = [
    # replacement file, table it replaces, line, column, problem (part of), expected (part of)
    ("undefined_drug.tsv", "drug_targets.tsv", 3, "drug_id", "'otheromab' is not defined", "the drugs table"),
    ("undefined_target.tsv", "drug_targets.tsv", 3, "uniprot", "'P28907' is not defined", "the targets table"),
    ("undefined_rule_descriptor.tsv", "condition_rules.tsv", 3, "mesh_ui", "'D000095542' is not defined",
     "the mesh table"),
    ("missing_ancestor.tsv", "mesh.tsv", 3, "tree_numbers", "the parent C20 of tree number C20.452",
     "every ancestor"),
    ("ambiguous_name.tsv", "drugs.tsv", 4, "synonyms", "'EXA' also names examplumab (line 3)", "one drug only"),
]


@pytest.mark.parametrize(("name", "replaces", "line", "column", "problem", "expected"), FOLDER_ERRORS,
                         ids=[e[0] for e in FOLDER_ERRORS])
def test_bad_folder(tmp_path: Path, name: str, replaces: str, line: int, column: str, problem: str,
                    expected: str) -> None:
    folder = tmp_path / "reference"
    shutil.copytree(BAD / "_base", folder)
    shutil.copyfile(BAD / name, folder / replaces)
    with pytest.raises(InputError) as info:
        load_reference(folder)
    error = info.value
    assert error.source == str(folder / replaces)
    assert (error.record, error.field) == (f"line {line}", column)
    assert problem in error.problem and expected in (error.expected or "")


def test_missing_table_and_wrong_kind(tmp_path: Path) -> None:
    folder = tmp_path / "reference"
    shutil.copytree(BAD / "_base", folder)
    (folder / "resolutions.tsv").unlink()
    with pytest.raises(InputError, match="resolutions.tsv: missing — expected a resolutions"):
        load_reference(folder)
    shutil.copyfile(folder / "targets.tsv", folder / "resolutions.tsv")
    with pytest.raises(InputError, match=r"resolutions.tsv: line 1: a targets table — expected the header of a resolutions"):
        load_reference(folder)


def test_invalid_utf8_and_headerless_files(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.tsv"
    bad.write_bytes((BAD / "_base" / "resolutions.tsv").read_bytes() + "caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"line 3: invalid UTF-8"):
        read_table(bad)
    empty = tmp_path / "empty.tsv"
    empty.write_text("# nothing here\n", encoding="utf-8")
    with pytest.raises(InputError, match="no header row"):
        read_table(empty)
