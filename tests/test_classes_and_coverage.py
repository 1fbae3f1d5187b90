"""MeSH pharmacological actions (reader, provenance), the report of trials by pharmacologic class
and the linking coverage (report and `trialgraph stats`), on the real registry records, with the
expected figures worked out from the JSON and NLM's tables rather than from the store."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
import rdflib

from graph import iris, reports
from graph.build import load_ontology, load_report_catalogue, seed_files
from graph.cli import main
from graph.errors import InputError
from graph.export import export
from graph.loader import Loader
from graph.readers import detect, mesh_actions
from graph.reports import rows
from graph.stats import collect, linking_line
from graph.store import open_store
from tests.conftest import shared
from tests.test_reports import normalised, ox_rows, rdflib_rows

SEEDS_OPEN = Path(__file__).resolve().parent.parent / "seeds" / "open"
SHIPPED = SEEDS_OPEN / "mesh-pharmacological-actions" / "mesh2024_pharmacological_actions.tsv"
PREFIXES = "PREFIX tg: <https://w3id.org/trialgraph/vocab#>\nPREFIX meshv: <http://id.nlm.nih.gov/mesh/vocab#>\n" \
           "PREFIX dct: <http://purl.org/dc/terms/>\n"
ACTIONS_GRAPH = "https://w3id.org/trialgraph/graph/reference/mesh-pharmacological-actions"
DESCRIPTOR_ACTIONS_GRAPH = "https://w3id.org/trialgraph/graph/reference/mesh-descriptor-actions"
PROTEIN_KINASE_INHIBITORS = "D047428"


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


# --- the reader -----------------------------------------------------------------------------------


def test_the_shipped_table_is_nlms_table_unchanged() -> None:
    assert SHIPPED.read_bytes() == shared("mesh", "mesh2024_pharmacological_actions.tsv").read_bytes()
    assert "mesh-pharmacological-actions/mesh2024_pharmacological_actions.tsv" in (SEEDS_OPEN / "SHA256SUMS").read_text()
    licence = (SEEDS_OPEN / "mesh-pharmacological-actions" / "LICENSE").read_text()
    assert "National Library of Medicine" in licence and "2024" in licence


def test_the_table_is_detected_and_every_row_read() -> None:
    assert detect(SHIPPED) == "mesh-actions"
    actions = list(mesh_actions.read_table(SHIPPED))
    assert len(actions) == len(_tsv(SHIPPED)) == 15202
    daratumumab = {a.action_ui for a in actions if a.record_ui == "C556306"}
    assert daratumumab and all(ui.startswith("D") for ui in daratumumab)
    assert mesh_actions.release(SHIPPED) == "2024"


def test_a_bad_row_names_the_line_and_the_column(tmp_path: Path) -> None:
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()[:4]
    cells = lines[3].split("\t")
    cells[2] = "X12"
    bad = tmp_path / "actions.tsv"
    bad.write_text("\n".join(lines[:3] + ["\t".join(cells)]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(mesh_actions.read_table(bad))
    assert "line 4" in str(info.value) and "pharm_action_ui" in str(info.value) and "X12" in str(info.value)


def test_a_descriptor_xml_gives_the_descriptors_and_their_actions(tmp_path: Path) -> None:
    sample = shared("mesh", "desc2015_subset_sample.xml")
    with open_store(tmp_path / "store") as store:
        summary = Loader(store, err=io.StringIO(), progress=False).load([sample])
        assert summary.ok and summary.reference_files == 1
        graphs = set(store.named_graphs())
        assert DESCRIPTOR_ACTIONS_GRAPH in graphs and iris.mesh_graph(sample.name) in graphs
        found = {(r["s"].value, r["k"].value) for r in store.query(
            f"SELECT ?s ?k WHERE {{ GRAPH <{DESCRIPTOR_ACTIONS_GRAPH}> {{ ?s meshv:pharmacologicalAction ?k }} }}")}
        # the sample's two PharmacologicalActionLists: Calcimycin (2 actions) and Temefos (1)
        mesh = "http://id.nlm.nih.gov/mesh/"
        assert found == {(mesh + "D000001", mesh + "D000900"), (mesh + "D000001", mesh + "D061207"),
                         (mesh + "D000002", mesh + "D007306")}
        release = {r["r"].value for r in store.query(
            f"SELECT ?r WHERE {{ GRAPH <{DESCRIPTOR_ACTIONS_GRAPH}> {{ <{DESCRIPTOR_ACTIONS_GRAPH}> tg:sourceRelease ?r }} }}")}
        assert release == {"2015"}
        assert store.query(f'ASK {{ <{mesh}D000001> a meshv:TopicalDescriptor }}')


# --- the real records ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry_json() -> dict[str, dict]:
    with shared("ctgov-json", "collections", "combined_unique_studies.jsonl").open(encoding="utf-8") as lines:
        studies = [json.loads(line) for line in lines if line.strip()]
    return {s["protocolSection"]["identificationModule"]["nctId"]: s for s in studies}


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory):
    """The ontology, every reference table and the open reference data as ``build`` loads them,
    without the seed trial pages (so the store's trials are the registry's), and the 479 real
    records; the shipped MeSH 2024 gives the tree of the pharmacological actions."""
    store = open_store(tmp_path_factory.mktemp("classes") / "store")
    load_ontology(store)
    load_report_catalogue(store)
    inputs = [p for p in seed_files() if p.suffix != ".txt"]
    inputs += [shared("ctgov-json", "collections", "combined_unique_studies.jsonl")]  # MeSH 2024 is among the seed files
    err = io.StringIO()
    summary = Loader(store, err=err, progress=False).load(inputs)
    assert summary.ok and summary.rejected == 0, err.getvalue()
    yield store
    store.close()


def test_the_actions_are_a_named_graph_with_provenance(real) -> None:
    found = list(real.query(PREFIXES + f"""SELECT ?title ?licence ?release WHERE {{ GRAPH <{ACTIONS_GRAPH}> {{
        <{ACTIONS_GRAPH}> a tg:ReferenceSource ; dct:title ?title ; dct:license ?licence ; tg:sourceRelease ?release ; dct:source ?file }} }}"""))
    assert [(r["title"].value, r["release"].value) for r in found] == [("MeSH pharmacological actions, release 2024", "2024")]
    assert "nlm.nih.gov" in found[0]["licence"].value


def _narrower(ui: str) -> set[str]:
    """The descriptor and every descriptor below it in NLM's tree, from the descriptor table."""
    descriptors = _tsv(shared("mesh", "mesh2024_descriptors.tsv"))
    numbers = [n for row in descriptors if row["descriptor_ui"] == ui for n in row["tree_numbers"].split("|") if n]
    return {row["descriptor_ui"] for row in descriptors
            if any(t == n or t.startswith(n + ".") for t in row["tree_numbers"].split("|") for n in numbers)}


def test_trials_by_class_finds_every_trial_whose_registry_drugs_are_kinase_inhibitors(real, registry_json) -> None:
    classes = _narrower(PROTEIN_KINASE_INHIBITORS)
    assert {"D047428", "D000092004", "D000075242"} <= classes  # Tyrosine and Janus Kinase Inhibitors below it
    actions = _tsv(shared("mesh", "mesh2024_pharmacological_actions.tsv"))
    substances = {r["record_ui"] for r in actions if r["pharm_action_ui"] in classes}
    names = {r["record_name"].lower() for r in actions if r["pharm_action_ui"] in classes and r["record_name"]}
    by_mesh, by_name = set(), set()
    for nct, study in registry_json.items():
        browse = study.get("derivedSection", {}).get("interventionBrowseModule", {})
        if any(iris.mesh_ui(m["id"]) in substances for m in browse.get("meshes", [])):
            by_mesh.add(nct)
        for item in study["protocolSection"].get("armsInterventionsModule", {}).get("interventions", []):
            if item.get("type") == "DRUG" and item["name"].strip().lower() in names:
                by_name.add(nct)
    found = rows("trials_by_class", store=real, **{"class": PROTEIN_KINASE_INHIBITORS})
    trials = {r["trial"] for r in found}
    assert len(by_mesh) >= 15 and len(by_name) >= 5
    # a trial whose registry MeSH terms name a kinase inhibitor, or that tests one by its bare name
    assert by_mesh | by_name <= trials, sorted((by_mesh | by_name) - trials)
    # every row is in the class or below it, and says where the claim comes from
    assert {r["classId"] for r in found} <= classes
    assert all(r["source"] and r["drug"] and r["class"] for r in found)
    assert {"erlotinib", "gefitinib", "osimertinib"} <= {r["drug"] for r in found}
    # the narrower class is reached through the tree: osimertinib is a Tyrosine Kinase Inhibitor
    assert any(r["drug"] == "osimertinib" and r["classId"] == "D000092004" for r in found)
    # no trial is listed whose drugs have no such action in any source
    assert trials <= by_mesh | by_name | _trials_with_a_class_drug(real, classes)


def _trials_with_a_class_drug(store, classes: set[str]) -> set[str]:
    values = " ".join(f"<{iris.mesh(c)}>" for c in classes)
    return {r["nct"].value for r in store.query(PREFIXES + f"""SELECT DISTINCT ?nct WHERE {{ VALUES ?k {{ {values} }}
        ?t tg:nctId ?nct ; tg:intervention/tg:drug ?d .
        {{ ?d tg:pharmacologicClass ?k }} UNION {{ ?d <http://www.w3.org/2004/02/skos/core#exactMatch>/meshv:pharmacologicalAction ?k }} }}""")}


@pytest.mark.parametrize("value", ["protein kinase inhibitors", "Protein Kinase Inhibitors", "mesh:D047428", "d047428"])
def test_a_class_by_name_or_identifier(real, value: str) -> None:
    by_ui = {(r["trial"], r["drug"], r["classId"]) for r in rows("trials_by_class", store=real, **{"class": "D047428"})}
    got = {(r["trial"], r["drug"], r["classId"]) for r in rows("trials_by_class", store=real, **{"class": value})}
    if value.startswith("mesh:"):  # a CURIE is the class's IRI: the same rows
        assert got == by_ui
    else:  # the name also names FDA's mechanism class Protein Kinase Inhibitors (N0000175076)
        assert by_ui <= got and {c for _, _, c in got - by_ui} <= {"N0000175076"}


def test_an_fda_class_by_name_and_by_nui(real) -> None:
    by_name = rows("trials_by_class", store=real, **{"class": "Kinase Inhibitor"})
    by_nui = rows("trials_by_class", store=real, **{"class": "N0000175605"})
    assert by_name and [r | {"_class": ""} for r in by_name] == [r | {"_class": ""} for r in by_nui]
    assert {r["classId"] for r in by_name} == {"N0000175605"}
    assert all(r["source"] == "DrugCentral pharmacologic classes, release 2016" for r in by_name)
    assert not rows("trials_by_class", store=real, **{"class": "no such class"})


# --- linking coverage ---------------------------------------------------------------------------


def test_linking_coverage_adds_up_to_the_records(real, registry_json) -> None:
    expected = Counter(item.get("type", "(none)") for study in registry_json.values()
                       for item in study["protocolSection"].get("armsInterventionsModule", {}).get("interventions", []))
    found = rows("linking_coverage", store=real)
    assert {r["outcome"] for r in found} >= {"linked", "unlinked", "control", "drug class", "not linked, names no drug"}
    linked = {r["t"].value: int(r["n"].value) for r in real.query(PREFIXES + """SELECT ?t (COUNT(DISTINCT ?i) AS ?n) WHERE {
        ?x tg:intervention ?i . ?i tg:drug ?d ; tg:interventionType ?t } GROUP BY ?t""")}
    for kind, count in expected.items():
        others = sum(int(r["interventions"]) for r in found if r["type"] == kind and r["outcome"] != "linked")
        assert others + linked.get(f"https://w3id.org/trialgraph/code/itype-{kind}", 0) == count, kind
    # no drug-type intervention is "names no drug": it is linked, unlinked or has a role
    assert not [r for r in found if r["type"] in ("DRUG", "BIOLOGICAL") and r["outcome"] == "not linked, names no drug"]
    # unlinked rows are the interventions the check flags
    flagged = len(rows("check_unlinked_drug_interventions", store=real))
    assert sum(int(r["interventions"]) for r in found if r["outcome"] == "unlinked") == flagged
    # every linked row names how and from which source
    assert all(r["method"] for r in found if r["outcome"] == "linked")


def test_stats_says_how_many_drug_interventions_are_linked(real, registry_json) -> None:
    counts = collect(real)
    total, linked = counts["drug interventions"], counts["drug interventions linked"]
    kinds = ("DRUG", "BIOLOGICAL")
    in_json = sum(1 for study in registry_json.values()
                  for item in study["protocolSection"].get("armsInterventionsModule", {}).get("interventions", [])
                  if item.get("type") in kinds)
    coverage = rows("linking_coverage", store=real)
    roles = sum(int(r["interventions"]) for r in coverage if r["type"] in kinds and r["outcome"] not in ("linked", "unlinked"))
    unlinked = sum(int(r["interventions"]) for r in coverage if r["type"] in kinds and r["outcome"] == "unlinked")
    assert total == in_json - roles and total - linked == unlinked
    # measured: 179 of 226 (79%)
    assert linked / total >= 0.78, (linked, total)
    assert linking_line(counts) == f"drug interventions linked: {linked} of {total} ({100 * linked / total:.0f}%)"


def test_stats_prints_the_line(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "store"
    assert main(["build", "--no-open-reference", "--store", str(path)]) == 0
    capfd.readouterr()
    assert main(["stats", "--store", str(path)]) == 0
    out = capfd.readouterr().out
    with open_store(path, create=False) as store:
        counts = collect(store)
    assert counts["drug interventions"] > 0
    assert linking_line(counts) in out.splitlines()
    assert "drug interventions  " not in out  # the two counts are that one line, not two rows


# --- both engines ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):
    """The curated tables, the seed trials and the shipped actions, with the MeSH tree of the
    pharmacological actions (D27.505) from NLM's descriptor table: small enough for rdflib."""
    folder = tmp_path_factory.mktemp("small")
    tree = folder / "actions-tree.tsv"
    with shared("mesh", "mesh2024_descriptors.tsv").open(encoding="utf-8") as source, tree.open("w", encoding="utf-8") as out:
        for number, line in enumerate(source):
            if number == 0 or "D27.505" in line.split("\t")[2]:
                out.write(line)
    store = open_store(folder / "store")
    load_ontology(store)
    load_report_catalogue(store)
    inputs = [p for p in seed_files(open_reference=False)] + [SHIPPED, tree]
    assert Loader(store, err=io.StringIO(), progress=False).load(inputs).ok
    buf = io.BytesIO()
    export(store, buf, "nquads")
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data=buf.getvalue(), format="nquads")
    yield store, dataset
    store.close()


@pytest.mark.parametrize("name, params", [
    ("trials_by_class", {"class": "D007166"}), ("trials_by_class", {"class": "immunosuppressive agents"}),
    ("trials_by_class", {"class": "Protein Kinase Inhibitors"}), ("linking_coverage", {}),
])
def test_rdflib_gives_the_same_rows(small, name: str, params: dict[str, str]) -> None:
    store, dataset = small
    report = reports.get_report(name)
    expected = normalised(report, ox_rows(store, report, params))
    got = normalised(report, rdflib_rows(dataset, store, report, params))
    assert got == expected
    if params.get("class") != "Protein Kinase Inhibitors":  # the seed trials test no kinase inhibitor
        assert expected  # compared on rows, not on nothing


def test_a_curated_drug_reaches_its_mesh_actions(small) -> None:
    """inolimomab's curated MeSH id C079843 has the action Immunosuppressive Agents (D007166): the
    seed trial testing it is in that class, through the shipped table alone."""
    store, _ = small
    found = rows("trials_by_class", store=store, **{"class": "D007166"})
    assert ("NCT05047328", "inolimomab") in {(r["trial"], r["drug"]) for r in found}
    assert all(r["source"] == "MeSH pharmacological actions, release 2024" for r in found if r["drug"] == "inolimomab")


# --- placebos -----------------------------------------------------------------------------------


def test_a_placebo_reaches_the_drug_it_imitates_by_a_link_of_its_own(real) -> None:
    """'Placebo for Atogepant' is linked to atogepant by tg:placeboLink, never by tg:drugLink, so a
    query that follows tg:drugLink/tg:drug does not count the placebo as atogepant."""
    assert not real.query(PREFIXES + 'ASK { ?i <http://www.w3.org/2000/01/rdf-schema#label> "Placebo for Atogepant" ; tg:drugLink ?l }')
    imitated = {r["n"].value.lower() for r in real.query(PREFIXES + """SELECT ?n WHERE {
        ?i <http://www.w3.org/2000/01/rdf-schema#label> "Placebo for Atogepant" ; tg:placeboLink ?l ; tg:placeboOf ?d .
        ?l a tg:DrugLink ; tg:drug ?d ; tg:matchMethod ?m . ?d <http://www.w3.org/2000/01/rdf-schema#label> ?n }""")}
    assert imitated == {"atogepant"}
    # no intervention of any trial reaches the drug it is a placebo of through tg:drugLink
    assert not real.query(PREFIXES + "ASK { ?i tg:placeboOf ?d ; tg:drugLink/tg:drug ?d }")
    # every placebo of a named drug has its link (4 in the real records)
    count = lambda where: int(next(iter(real.query(PREFIXES + f"SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {{ {where} }}")))["n"].value)  # noqa: E731
    assert count("?i tg:placeboLink/tg:drug ?d") == count("?i tg:placeboOf ?d") >= 3


# --- what stays unlinked, and why ----------------------------------------------------------------


def _interventions_of(store, nct: str) -> dict[str, dict[str, set[str]]]:
    """Each intervention of a trial by label: its roles, quality flags and linked drugs' labels (lower case)."""
    found: dict[str, dict[str, set[str]]] = {}
    for r in store.query(PREFIXES + f"""SELECT ?label ?role ?flag ?drug WHERE {{
        ?t tg:nctId "{nct}" ; tg:intervention ?i . ?i <http://www.w3.org/2000/01/rdf-schema#label> ?label .
        OPTIONAL {{ ?i tg:interventionRole ?role }} OPTIONAL {{ ?i tg:qualityFlag ?flag }}
        OPTIONAL {{ ?i tg:drugLink/tg:drug/<http://www.w3.org/2000/01/rdf-schema#label> ?drug }} }}"""):
        entry = found.setdefault(r["label"].value, {"role": set(), "flag": set(), "drug": set()})
        for key in ("role", "flag", "drug"):
            if r[key] is not None:
                entry[key].add(r[key].value.rsplit("/", 1)[-1].lower())
    return found


def test_tests_and_samples_entered_as_drugs_are_no_substance_not_unlinked(real, registry_json) -> None:
    """NCT06620835 lists blood samples and a pregnancy test as BIOLOGICAL interventions: they name no
    substance, so they carry that role and are not counted as unlinked drugs."""
    names = [i["name"] for i in registry_json["NCT06620835"]["protocolSection"]["armsInterventionsModule"]["interventions"]
             if "sample" in i["name"].lower() or "pregnancy test" in i["name"].lower()]
    assert len(names) == 4
    found = _interventions_of(real, "NCT06620835")
    for name in names:
        assert found[name]["role"] == {"irole-no_substance"}, (name, found[name])
        assert not found[name]["drug"] and "quality-unlinked_drug" not in found[name]["flag"], name


def test_the_one_unexplained_registry_mesh_term_links_the_one_unlinked_drug(real, registry_json) -> None:
    """NCT03058094 tests pemetrexed, 'Cisplatin 75mg/m2' and the code AC0010, and the registry's MeSH terms are
    pemetrexed, cisplatin and abivertinib: the one term no name explains links the one intervention no name
    links. NCT05994131 (IN10018, furmonertinib; the registry's only term: aflutinib, another name of
    furmonertinib) has fewer terms than drug interventions, so IN10018 is not given aflutinib."""
    record = registry_json["NCT03058094"]
    assert [m["term"] for m in record["derivedSection"]["interventionBrowseModule"]["meshes"]][-1] == "abivertinib"
    found = _interventions_of(real, "NCT03058094")
    assert found["AC0010"]["drug"] == {"abivertinib"}
    method = {r["m"].value for r in real.query(PREFIXES + """SELECT ?m WHERE { ?t tg:nctId "NCT03058094" ;
        tg:intervention ?i . ?i <http://www.w3.org/2000/01/rdf-schema#label> "AC0010" ; tg:drugLink/tg:matchMethod ?m }""")}
    assert {m.rsplit("-", 1)[-1] for m in method} == {"REGISTRY_MESH_XREF"}
    other = _interventions_of(real, "NCT05994131")
    assert not other["IN10018"]["drug"] and "quality-unlinked_drug" in other["IN10018"]["flag"]


def test_unlinked_interventions_lists_every_flagged_intervention_once_by_name(real) -> None:
    flagged = Counter(r["i"].value.lower() for r in real.query(PREFIXES + """SELECT ?x ?i WHERE {
        ?x tg:qualityFlag <https://w3id.org/trialgraph/code/quality-UNLINKED_DRUG> ;
           <http://www.w3.org/2000/01/rdf-schema#label> ?i }"""))
    found = rows("unlinked_interventions", store=real)
    assert found and len({r["name"].lower() for r in found}) == len({(r["name"].lower(), r["type"]) for r in found})
    by_name = Counter()
    for r in found:
        by_name[r["name"].lower()] += int(r["interventions"])
    assert by_name == flagged
    counts = [int(r["interventions"]) for r in found]
    assert counts == sorted(counts, reverse=True)  # most frequent first
