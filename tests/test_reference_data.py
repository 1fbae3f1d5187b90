"""Lint the curated reference tables against the public sources they cite, and print the fix.

These tests need ``../shared/data`` (MeSH 2024, the DrugBank vocabulary, the UniProt human
Swiss-Prot list, DrugBank 5.1.7 target links, INDRA and iit-Demokritos mappings, and the table of
identifiers already checked); they skip when it is missing. Each test collects every mismatch and
fails once, listing the row, what is wrong and the value the source has.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pytest

from graph.paths import seeds_dir
from graph.readers.reference import Reference, load_reference, name_key

from tests.conftest import shared

pytestmark = pytest.mark.shared_data

ROOT_TREE = re.compile(r"^[A-Z]\d{2}$")
TREE = re.compile(r"\b[A-Z]\d{2}(?:\.\d{3})+\b")
ACCESSION = re.compile(r"\b(?:[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})\b")


def _tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _fail(problems: list[str]) -> None:
    if problems:
        pytest.fail("\n".join(["reference tables disagree with their sources; fix:", *problems]), pytrace=False)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


@lru_cache(maxsize=None)
def mesh_descriptors() -> dict[str, dict[str, str]]:
    return {r["descriptor_ui"]: r for r in _tsv(shared("mesh", "mesh2024_descriptors.tsv"))}


@lru_cache(maxsize=None)
def mesh_trees() -> dict[str, str]:
    return {r["tree_number"]: r["descriptor_ui"] for r in _tsv(shared("mesh", "mesh2024_tree_numbers.tsv"))}


def _split(cell: str) -> list[str]:
    return [v for v in cell.split("|") if v]


# --- MeSH ---------------------------------------------------------------------------------------


def test_mesh_rows_equal_mesh_2024(ref: Reference) -> None:
    """Label, tree numbers and entry terms as in MeSH 2024; a root's added 3-character tree number
    is the parent prefix of its children and of no other descriptor."""
    descriptors, trees = mesh_descriptors(), mesh_trees()
    children: dict[str, set[str]] = defaultdict(set)
    for number in trees:
        if "." in number:
            children[number.rpartition(".")[0]].add(number)
    problems = []
    for row in ref.mesh:
        source = descriptors.get(row.ui)
        if source is None:
            problems.append(f"mesh.tsv {row.ui}: not a MeSH 2024 descriptor — remove the row or correct the UI")
            continue
        if row.label != source["preferred_label"]:
            problems.append(f"mesh.tsv {row.ui}: preferred_label {row.label!r} — MeSH 2024 has {source['preferred_label']!r}")
        if row.entry_terms != _split(source["entry_terms"]):
            problems.append(f"mesh.tsv {row.ui}: entry_terms {'|'.join(row.entry_terms)!r} — MeSH 2024 has "
                            f"{source['entry_terms']!r}")
        theirs = set(_split(source["tree_numbers"]))
        ours = set(row.tree_numbers)
        if theirs - ours:
            problems.append(f"mesh.tsv {row.ui}: tree numbers {sorted(theirs - ours)} missing — MeSH 2024 has "
                            f"{'|'.join(sorted(theirs))}")
        for added in sorted(ours - theirs):
            if not ROOT_TREE.match(added):
                problems.append(f"mesh.tsv {row.ui}: tree number {added} is not in MeSH 2024 — MeSH 2024 has "
                                f"{'|'.join(sorted(theirs)) or 'none (a root: add its 3-character number only)'}")
            elif not children.get(added):
                problems.append(f"mesh.tsv {row.ui}: root tree number {added} has no children in MeSH 2024 — "
                                "not a category root")
            elif added in trees:
                problems.append(f"mesh.tsv {row.ui}: tree number {added} belongs to {trees[added]} in MeSH 2024")
        if "NLM MeSH 2024" not in row.source or row.ui not in row.source:
            problems.append(f"mesh.tsv {row.ui}: source {row.source!r} — cite 'NLM MeSH 2024 descriptor {row.ui}'")
        for added in sorted(ours - theirs):
            if f"tree number {added}" not in row.source:
                problems.append(f"mesh.tsv {row.ui}: source does not cite the added root tree number — append "
                                f"'; NLM MeSH 2024 (desc2024), tree number {added}'")
    _fail(problems)


def test_mesh_roots_agree_with_the_roots_table(ref: Reference) -> None:
    """The 3-character tree numbers added here are those of ``seeds/reference/mesh_roots.tsv``."""
    path = seeds_dir() / "reference" / "mesh_roots.tsv"
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    roots = {row["tree_number"]: row["descriptor_ui"] for row in csv.DictReader(lines, delimiter="\t")}
    problems = [f"mesh.tsv {row.ui}: root tree number {t} — mesh_roots.tsv gives it to {roots.get(t)}"
                for row in ref.mesh for t in row.tree_numbers if ROOT_TREE.match(t) and roots.get(t) != row.ui]
    _fail(problems)


def test_every_ancestor_is_in_the_mesh_table(ref: Reference) -> None:
    trees = mesh_trees()
    ours = {row.ui for row in ref.mesh}
    holder = {t: row.ui for row in ref.mesh for t in row.tree_numbers}
    problems = []
    for row in ref.mesh:
        for number in row.tree_numbers:
            parts = number.split(".")
            for k in range(1, len(parts)):
                prefix = ".".join(parts[:k])
                if k == 1:
                    if prefix not in holder:
                        problems.append(f"mesh.tsv {row.ui}: ancestor root {prefix} of {number} is in no row — add "
                                        "the root descriptor with that 3-character tree number")
                elif trees.get(prefix) not in ours:
                    ui = trees.get(prefix)
                    label = mesh_descriptors().get(ui or "", {}).get("preferred_label")
                    problems.append(f"mesh.tsv {row.ui}: ancestor {prefix} of {number} missing — add {ui} {label!r}")
    _fail(sorted(set(problems)))


# --- drugs ----------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def drugbank_vocabulary() -> dict[str, dict[str, str]]:
    with open(shared("ids", "drugbank_vocabulary.csv"), encoding="utf-8", newline="") as handle:
        return {row["DrugBank ID"]: row for row in csv.DictReader(handle)}


def _names(drug) -> set[str]:
    return {name_key(n) for n in [drug.name, *drug.brand_names, *drug.codes, *drug.synonyms]}


def test_drugs_agree_with_drugbank_vocabulary(ref: Reference) -> None:
    vocabulary = drugbank_vocabulary()
    problems = []
    for drug in ref.drugs:
        dbid = drug.xrefs.get("drugbank")
        if not dbid:
            continue
        row = vocabulary.get(dbid)
        if row is None:
            problems.append(f"drugs.tsv {drug.drug_id}: drugbank {dbid} is not in the DrugBank vocabulary")
            continue
        if name_key(row["Common name"]) not in _names(drug):
            problems.append(f"drugs.tsv {drug.drug_id}: DrugBank {dbid} is {row['Common name']!r}, which is neither "
                            "the name nor a synonym — add it to synonyms, or correct the DrugBank id")
        if row["UNII"] and drug.xrefs.get("unii") != row["UNII"]:
            problems.append(f"drugs.tsv {drug.drug_id}: unii {drug.xrefs.get('unii')!r} — DrugBank {dbid} has {row['UNII']}")
        cas = re.findall(r"\bCAS (\d{2,7}-\d{2}-\d)\b", drug.source)
        for value in cas:
            if value != row["CAS"]:
                problems.append(f"drugs.tsv {drug.drug_id}: source cites CAS {value} — DrugBank {dbid} has {row['CAS'] or 'none'}")
        if row["CAS"] and not cas:
            problems.append(f"drugs.tsv {drug.drug_id}: source cites no CAS — DrugBank {dbid} has CAS {row['CAS']}")
        if dbid not in drug.source:
            problems.append(f"drugs.tsv {drug.drug_id}: source does not cite DrugBank {dbid}")
    _fail(problems)


def test_drug_chembl_ids_agree_with_mappings(ref: Reference) -> None:
    """Each ChEMBL id is the one INDRA or the DrugBank 5.1.8-derived iit-Demokritos mapping gives."""
    known: dict[str, set[str]] = defaultdict(set)
    for row in _tsv(shared("ids", "indra_drugbank_mappings.tsv")):
        if row["NAMESPACE"] == "CHEMBL":
            known[row["DRUGBANK_ID"]].add(row["ID"])
    for row in _tsv(shared("ids", "drug-mappings_demokritos.tsv")):
        if row["chembl_id"].startswith("CHEMBL"):
            known[row["drugbankId"]].add(row["chembl_id"])
    problems = []
    for drug in ref.drugs:
        chembl, dbid = drug.xrefs.get("chembl"), drug.xrefs.get("drugbank", "")
        if chembl and chembl not in known.get(dbid, set()):
            problems.append(f"drugs.tsv {drug.drug_id}: chembl {chembl} — the mappings give "
                            f"{sorted(known.get(dbid, set())) or 'nothing'} for {dbid}")
    _fail(problems)


def test_drug_mesh_ids_name_the_drug(ref: Reference) -> None:
    """A drug's MeSH descriptor exists and one of its names is the label or an entry term; a
    supplementary concept is named after the drug in the MeSH 2024 or INDRA tables."""
    descriptors = mesh_descriptors()
    concept_names: dict[str, set[str]] = defaultdict(set)
    for row in _tsv(shared("mesh", "mesh2024_pharmacological_actions.tsv")):
        concept_names[row["record_ui"]].add(row["record_name"])
    with open(shared("ids", "indra_mesh_mappings.tsv"), encoding="utf-8") as handle:
        for line in handle:
            cells = line.rstrip("\n").split("\t")
            if len(cells) >= 3 and cells[0] == "MESH":
                concept_names[cells[1]].add(cells[2])
    problems = []
    for drug in ref.drugs:
        ui = drug.xrefs.get("mesh")
        if not ui:
            continue
        if ui.startswith("D"):
            row = descriptors.get(ui)
            if row is None:
                problems.append(f"drugs.tsv {drug.drug_id}: mesh {ui} is not a MeSH 2024 descriptor")
                continue
            names = {name_key(n) for n in [row["preferred_label"], *_split(row["entry_terms"])]}
        else:
            names = {name_key(n) for n in concept_names.get(ui, set()) if n}
        if not names & _names(drug):
            problems.append(f"drugs.tsv {drug.drug_id}: mesh {ui} is named {sorted(names) or 'nowhere'} — none is a "
                            "name of the drug; correct the UI or add the name")
    _fail(problems)


# --- targets and claims ---------------------------------------------------------------------------


def test_targets_agree_with_uniprot(ref: Reference) -> None:
    entries = {r["Entry"]: r for r in _tsv(shared("targets-noncommercial", "uniprot_human_swissprot_gene_names.tab"))}
    problems = []
    for target in ref.targets:
        entry = entries.get(target.uniprot)
        if entry is None:
            problems.append(f"targets.tsv {target.uniprot}: not a reviewed human UniProt entry")
            continue
        genes = entry["Gene names"].split()
        if not genes or genes[0] != target.symbol:
            problems.append(f"targets.tsv {target.uniprot}: symbol {target.symbol!r} — UniProt gives gene "
                            f"{genes[0] if genes else 'none'!r} ({entry['Entry name']})")
    _fail(problems)


def test_claims_agree_with_drugbank_targets(ref: Reference) -> None:
    """A claim DrugBank 5.1.7 knows cites it; a claim it lacks (inolimomab) cites another source."""
    listed: dict[str, set[str]] = defaultdict(set)
    with open(shared("targets-noncommercial", "drugbank_5.1.7_target_uniprot_links.csv"), encoding="utf-8",
              newline="") as handle:
        for row in csv.DictReader(handle):
            listed[row["DrugBank ID"]].add(row["UniProt ID"])
    problems = []
    for claim in ref.claims:
        dbid = ref.drug(claim.drug_id).xrefs.get("drugbank", "")
        known = listed.get(dbid, set())
        where = f"drug_targets.tsv {claim.drug_id} -> {claim.uniprot}"
        if claim.uniprot in known:
            if f"{dbid} target {claim.uniprot}" not in claim.source:
                problems.append(f"{where}: DrugBank 5.1.7 lists it — cite 'DrugBank {dbid} target {claim.uniprot}'")
        else:
            if f"target {claim.uniprot}" in claim.source and dbid in claim.source:
                problems.append(f"{where}: the source cites DrugBank, but DrugBank 5.1.7 lists "
                                f"{sorted(known) or 'no target'} for {dbid}")
            others = re.sub(r"DrugBank[^;]*", "", claim.source).strip(" ;")
            if not others:
                problems.append(f"{where}: not in DrugBank 5.1.7 ({sorted(known) or 'no target'} for {dbid}) — "
                                "cite the source that supports it")
    _fail(problems)


# --- identifiers already checked ------------------------------------------------------------------

#: focus_identifiers.tsv entity -> (table, key) of our row
FOCUS_ENTITIES = {
    "isatuximab": ("drug", "isatuximab"),
    "daratumumab": ("drug", "daratumumab"),
    "inolimomab": ("drug", "inolimomab"),
    "basiliximab": ("drug", "basiliximab"),
    "daclizumab": ("drug", "daclizumab"),
    "rituximab": ("drug", "rituximab"),
    "ruxolitinib": ("drug", "ruxolitinib"),
    "anti-thymocyte globulin (rabbit)": ("drug", "anti-thymocyte-globulin-rabbit"),
    "anti-thymocyte globulin (horse)": ("drug", "anti-thymocyte-globulin-horse"),
    "IL2RA": ("target", "IL2RA"), "CD38": ("target", "CD38"), "MS4A1": ("target", "MS4A1"),
    "JAK1": ("target", "JAK1"), "JAK2": ("target", "JAK2"),
}
DRUG_COLUMNS = {"DrugBank": "drugbank", "UNII": "unii", "ChEMBL": "chembl", "MeSH_SCR": "mesh",
                "MeSH_descriptor": "mesh"}
TARGET_COLUMNS = {"UniProt": "uniprot", "HGNC": "hgnc", "NCBI_Gene": "ncbi_gene"}


def test_verified_identifiers_match(ref: Reference) -> None:
    """Every identifier focus_identifiers.tsv marks verified agrees with the row that uses it."""
    by_symbol = {t.symbol: t for t in ref.targets}
    mesh = {m.ui: m for m in ref.mesh}
    mesh_by_label = {m.label: m for m in ref.mesh}
    problems = []
    for row in _tsv(shared("ids", "focus_identifiers.tsv")):
        if not row["status"].startswith("verified"):
            continue
        entity, id_type, value = row["entity"], row["id_type"], row["id"]
        table, key = FOCUS_ENTITIES.get(entity, ("mesh", None))
        where = f"focus_identifiers {entity} {id_type} {value}"
        if table == "drug":
            drug = ref.drug(key)
            if id_type in DRUG_COLUMNS:
                ours = drug.xrefs.get(DRUG_COLUMNS[id_type])
                if ours != value:
                    problems.append(f"drugs.tsv {key}: {DRUG_COLUMNS[id_type]} {ours!r} — {where}")
            elif id_type == "CAS" and f"CAS {value}" not in drug.source:
                problems.append(f"drugs.tsv {key}: source should cite CAS {value} — {where}")
            elif id_type == "target":
                claimed = {c.uniprot for c in ref.claims_of(key)}
                if not claimed <= set(ACCESSION.findall(value)):
                    problems.append(f"drug_targets.tsv {key}: claims {sorted(claimed)} — {where} lists only "
                                    f"{ACCESSION.findall(value)}")
        elif table == "target":
            target = by_symbol.get(key)
            if target is not None and id_type in TARGET_COLUMNS:
                ours = getattr(target, TARGET_COLUMNS[id_type])
                if ours != value:
                    problems.append(f"targets.tsv {key}: {TARGET_COLUMNS[id_type]} {ours!r} — {where}")
        elif id_type == "MeSH_descriptor":
            row_by_ui, row_by_label = mesh.get(value), mesh_by_label.get(entity)
            if row_by_label is not None and row_by_label.ui != value:
                problems.append(f"mesh.tsv {entity!r}: UI {row_by_label.ui} — {where}")
            if row_by_ui is not None:
                if entity in mesh_descriptors().get(value, {}).get("preferred_label", entity) and row_by_ui.label != entity:
                    problems.append(f"mesh.tsv {value}: label {row_by_ui.label!r} — {where}")
                for number in TREE.findall(row["label_or_note"]):
                    if number not in row_by_ui.tree_numbers:
                        problems.append(f"mesh.tsv {value}: tree number {number} missing — {where}")
    _fail(problems)
