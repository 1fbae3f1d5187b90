"""The open drug and target reference (DrugCentral 2016, DrugBank vocabulary) and the linking of
real registry interventions to it: readers, provenance, coverage, target reachability, precision."""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from pathlib import Path

import pytest

from graph import drug_text
from graph.linking import norm
from graph.readers import detect, drugbank, drugcentral
from graph.reports import rows
from tests.conftest import shared

SEEDS_OPEN = Path(__file__).resolve().parent.parent / "seeds" / "open"
TG = "PREFIX tg: <https://w3id.org/trialgraph/vocab#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n" \
     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX dct: <http://purl.org/dc/terms/>\n"
DRUG_TYPES = ("DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", "DIETARY_SUPPLEMENT")


# --- the name rules, on the registry's own spellings -------------------------------------------


@pytest.mark.parametrize("name, cleaned", [
    ("Cisplatin 75mg/m2", "Cisplatin"), ("TY-9591(10mg,40mg) qd. po", "TY-9591"),
    ("Poziotinib Once Daily Dosing", "Poziotinib"), ("Pregabalin 75mg", "Pregabalin"),
    ("Afatinib 40 MG", "Afatinib"), ("Neratinib tablets", "Neratinib"),
    ("Rituximab (genetical recombination)", "Rituximab"), ("Anifrolumab (unblinded, open label)", "Anifrolumab"),
])
def test_doses_routes_schedules_and_forms_are_left_out(name: str, cleaned: str) -> None:
    assert drug_text.clean_name(name) == cleaned


@pytest.mark.parametrize("name, parts", [
    ("paclitaxel/carboplatin", ["paclitaxel", "carboplatin"]), ("Vinorelbine, cisplatin", ["Vinorelbine", "cisplatin"]),
    ("AK104+anlotinib", ["AK104", "anlotinib"]), ("Sugemalimab and Chemotherapy", ["Sugemalimab", "Chemotherapy"]),
    ("SHR-1826；Adebrelimab；SHR-8068；Bevacizumab", ["SHR-1826", "Adebrelimab", "SHR-8068", "Bevacizumab"]),
    ("Pregabaline (150mg), Dexamethasone (20mg/5ml; 0.2mg/kg)", ["Pregabaline (150mg)", "Dexamethasone (20mg/5ml; 0.2mg/kg)"]),
    ("Erlotinib", ["Erlotinib"]),
])
def test_combinations_split_outside_parentheses(name: str, parts: list[str]) -> None:
    assert drug_text.combination_parts(name) == parts


@pytest.mark.parametrize("name, role, imitated", [
    ("Placebo", "CONTROL", None), ("Placebo for Atogepant", "CONTROL", "Atogepant"),
    ("Placebo of KNP2002", "CONTROL", "KNP2002"), ("Placebo Semaglutide", "CONTROL", "Semaglutide"),
    ("Sham injection", "CONTROL", None), ("normal saline", "CONTROL", None),
    ("Standard Therapy", "STANDARD_OF_CARE", None), ("Chemotherapy", "DRUG_CLASS", None),
    ("PD-1 Inhibitors", "DRUG_CLASS", None), ("Erlotinib", None, None), ("Sildenafil Citrate", None, None),
])
def test_controls_standard_care_and_classes_are_told_apart(name: str, role: str | None, imitated: str | None) -> None:
    assert drug_text.role(name) == (role, imitated)


def test_salts_fold_to_the_active_ingredient() -> None:
    assert drug_text.fold_salt("Erlotinib Hydrochloride") == "Erlotinib"
    assert drug_text.fold_salt("dexamethasone sodium phosphate") == "dexamethasone"
    assert drug_text.fold_salt("Apatinib Mesylate") == "Apatinib"
    assert drug_text.fold_salt("Sodium") == "Sodium"  # a name that is only a salt word stays


# --- readers ----------------------------------------------------------------------------------


def test_shipped_files_are_the_originals_with_the_stated_filters() -> None:
    import hashlib

    sums = dict(line.split("  ")[::-1] for line in (SEEDS_OPEN / "SHA256SUMS").read_text().split("\n") if line)
    for name, digest in sums.items():
        assert hashlib.sha256((SEEDS_OPEN / name).read_bytes()).hexdigest() == digest, name
    original = shared("targets-open", "drugcentral-2016", "drug_target.tsv")
    assert (SEEDS_OPEN / "drugcentral-2016" / "drug_target.tsv").read_bytes() == original.read_bytes()
    assert (SEEDS_OPEN / "drugbank-vocabulary" / "drugbank_vocabulary.csv").read_bytes() == \
        shared("ids", "drugbank_vocabulary.csv").read_bytes()
    assert (SEEDS_OPEN / "drugcentral-2016" / "LICENSE").is_file() and (SEEDS_OPEN / "drugbank-vocabulary" / "LICENSE").is_file()


def test_formats_are_detected_from_content(tmp_path: Path) -> None:
    assert detect(SEEDS_OPEN / "drugcentral-2016" / "drug_target.tsv") == "drugcentral-targets"
    assert detect(SEEDS_OPEN / "drugcentral-2016" / "identifiers.tsv") == "drugcentral-ids"
    assert detect(SEEDS_OPEN / "drugcentral-2016" / "pharm_class.tsv") == "drugcentral-classes"
    assert detect(SEEDS_OPEN / "drugbank-vocabulary" / "drugbank_vocabulary.csv") == "drugbank-vocabulary"
    sample = shared("targets-open", "drugcentral-current-sample", "drug.target.interaction.sample.tsv")
    renamed = tmp_path / "whatever.txt"
    renamed.write_bytes(sample.read_bytes())
    assert detect(renamed) == "drugcentral-targets"
    assert detect(shared("targets-noncommercial", "drugbank_5.1.7_target_uniprot_links.csv")) == "drugbank-targets"


def test_only_mechanism_rows_of_the_current_download_become_claims() -> None:
    sample = shared("targets-open", "drugcentral-current-sample", "drug.target.interaction.sample.tsv")
    with sample.open(encoding="utf-8") as handle:
        moa = sum(1 for row in csv.DictReader(handle, delimiter="\t") if row["MOA"] == "1")
    claims = list(drugcentral.read_claims(sample))
    assert 0 < len(claims) == moa
    assert all(c.components and c.components[0].organism for c in claims)


def test_a_malformed_accession_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "drug_target.tsv"
    lines = (SEEDS_OPEN / "drugcentral-2016" / "drug_target.tsv").read_text().splitlines()[:4]
    cells = lines[3].split("\t")
    cells[5] = "NOT-AN-ID"
    bad.write_text("\n".join(lines[:3] + ["\t".join(cells)]) + "\n")
    with pytest.raises(Exception) as info:
        list(drugcentral.read_claims(bad))
    assert "line 4" in str(info.value) and "UNIPROT" in str(info.value) and "NOT-AN-ID" in str(info.value)


def test_drugbank_vocabulary_reads_every_row() -> None:
    drugs = list(drugbank.read_vocabulary(SEEDS_OPEN / "drugbank-vocabulary" / "drugbank_vocabulary.csv"))
    with (SEEDS_OPEN / "drugbank-vocabulary" / "drugbank_vocabulary.csv").open(encoding="utf-8") as handle:
        assert len(drugs) == sum(1 for _ in csv.DictReader(handle))
    cetuximab = next(d for d in drugs if d.key == "DB00002")
    assert cetuximab.name == "Cetuximab" and "Chimeric MoAb C225" in cetuximab.synonyms and cetuximab.xrefs["unii"] == ["PQX0D8J21J"]


# --- the real registry records, after build and a load ------------------------------------------


@pytest.fixture(scope="module")
def real(built_real_store):
    """The store of ``trialgraph build`` and a load of the real records (tests/conftest.py)."""
    return built_real_store


def test_each_open_source_is_a_named_graph_with_its_provenance(real) -> None:
    found = {r["g"].value: (r["title"].value, r["licence"].value) for r in real.query(TG + """
        SELECT ?g ?title ?licence WHERE { GRAPH ?g { ?g a tg:ReferenceSource ; dct:title ?title ; dct:license ?licence ;
                                                       dct:source ?file } }""")}
    titles = {t for t, _ in found.values()}
    assert {"DrugCentral mechanism-of-action targets, release 2016", "DrugCentral drug identifiers, release 2016",
            "DrugCentral pharmacologic classes, release 2016", "DrugBank vocabulary"} <= titles
    assert {"https://creativecommons.org/licenses/by/4.0/", "https://creativecommons.org/publicdomain/zero/1.0/"} <= \
        {lic for _, lic in found.values()}


def _interventions(store):
    return [(r["nct"].value, r["name"].value, r["type"].value, r["linked"].value == "true", r["role"] is not None,
             r["flag"].value == "true")
            for r in store.query(TG + """
        SELECT ?nct ?name ?type (BOUND(?d) AS ?linked) ?role (EXISTS { ?i tg:qualityFlag <https://w3id.org/trialgraph/code/quality-UNLINKED_DRUG> } AS ?flag)
        WHERE { ?t tg:nctId ?nct ; tg:intervention ?i . ?i rdfs:label ?name ; tg:interventionType/skos:notation ?type
                FILTER(?type IN ("DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", "DIETARY_SUPPLEMENT"))
                OPTIONAL { ?i tg:drug ?d } OPTIONAL { ?i tg:interventionRole ?role } }""")]


def test_drug_interventions_are_linked_or_classified(real) -> None:
    rows_ = {(nct, name, kind): (linked, role, flag) for nct, name, kind, linked, role, flag in _interventions(real)}
    specific = {k: v for k, v in rows_.items() if not v[1] and k[2] in ("DRUG", "BIOLOGICAL")}
    linked = sum(1 for linked, _, _ in specific.values() if linked)
    # measured: 179 of 226 (79%); the rest are development codes and products no shipped source knows
    assert linked / len(specific) >= 0.78, f"{linked} of {len(specific)}"
    # no placebo, sham, vehicle or saline is flagged as an unlinked drug
    for (nct, name, _), (_, role, flag) in rows_.items():
        if drug_text.role(name)[0] == "CONTROL":
            assert role and not flag, (nct, name)
    # a name still unlinked is one no loaded source knows, whole or without doses and forms
    known = {norm(r["n"].value) for r in real.query(TG + "SELECT DISTINCT ?n WHERE { ?d a tg:Drug ; rdfs:label|skos:altLabel|tg:brandName|tg:developmentCode ?n }")}
    for (nct, name, _), (is_linked, role, _) in specific.items():
        if not is_linked:
            assert norm(name) not in known and norm(drug_text.clean_name(name)) not in known, (nct, name)


def test_placebo_of_a_drug_is_not_that_drug(real) -> None:
    got = real.query(TG + """SELECT ?imitated ?drug WHERE { ?i rdfs:label "Placebo for Atogepant" .
        OPTIONAL { ?i tg:placeboOf/rdfs:label ?imitated } OPTIONAL { ?i tg:drug ?drug } }""")
    got = list(got)
    assert got and all(r["drug"] is None for r in got)
    assert {r["imitated"].value.lower() for r in got if r["imitated"] is not None} == {"atogepant"}


def test_registry_mesh_classes_and_tests_are_not_drugs(real) -> None:
    for term in ("Pregnancy Tests", "Radiotherapy", "Immune Checkpoint Inhibitors", "Drug Therapy"):
        assert not real.query(TG + f'ASK {{ ?d a tg:Drug ; rdfs:label "{term}" }}'), term


def test_trials_by_target_egfr_lists_the_erlotinib_gefitinib_and_osimertinib_trials(real) -> None:
    found = rows("trials_by_target", store=real, target="EGFR")
    drugs = {row["drug"].lower() for row in found}
    assert {"erlotinib", "gefitinib", "osimertinib"} <= drugs
    expected = {r["nct"].value for r in real.query(TG + """SELECT DISTINCT ?nct WHERE { ?t tg:nctId ?nct ; tg:intervention ?i .
        ?i rdfs:label|tg:otherName ?n FILTER(REGEX(?n, "erlotinib|gefitinib|osimertinib|Tagrisso|Iressa|Tarceva", "i")) }""")}
    assert len(expected) >= 10
    assert expected <= {row["nct"] for row in found}
    assert all(row["sources"] for row in found)


def _drugcentral_moa() -> dict[str, set[str]]:
    by_name: dict[str, set[str]] = {}
    with (SEEDS_OPEN / "drugcentral-2016" / "drug_target.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            by_name.setdefault(norm(row["DRUG_NAME"]), set()).update(row["UNIPROT"].split("|"))
    return by_name


def test_trials_reach_the_targets_drugcentral_gives_their_drugs(real) -> None:
    moa = _drugcentral_moa()
    names = [(r["nct"].value, r["n"].value) for r in real.query(TG + """SELECT DISTINCT ?nct ?n WHERE {
        ?t tg:nctId ?nct ; tg:intervention ?i . ?i rdfs:label|tg:otherName ?n }""")]
    expected = set()
    for nct, name in names:
        for part in drug_text.combination_parts(name):
            key = norm(drug_text.fold_salt(drug_text.clean_name(part)) or part)
            for accession in moa.get(key, ()):
                expected.add((nct, accession))
    reached = {(r["nct"].value, r["u"].value) for r in real.query(TG + """SELECT DISTINCT ?nct ?u WHERE {
        ?t tg:nctId ?nct ; tg:intervention/tg:drug/tg:hasTarget/tg:uniprotId ?u }""")}
    assert len(expected) >= 100
    hit = len(expected & reached)
    assert hit / len(expected) >= 0.95, f"{hit} of {len(expected)}; missing {sorted(expected - reached)[:10]}"


def test_no_trial_reaches_a_target_no_source_gives(real) -> None:
    assert not real.query(TG + """ASK { ?t tg:intervention/tg:drug ?d . ?d tg:hasTarget ?x .
        FILTER NOT EXISTS { GRAPH ?g { ?d tg:hasTarget ?x } FILTER(STRSTARTS(STR(?g), "https://w3id.org/trialgraph/graph/reference/")) } }""")


def test_fifty_random_links_are_backed_by_the_reference_they_cite(real) -> None:
    """Each audited link: its matched words, once doses, forms and salts are left out (or a part of
    a combination, or a near spelling), are a name of the linked drug in the graph it cites."""
    links = sorted((r["l"].value, r["method"].value, r["matched"].value, r["d"].value, r["src"].value)
                   for r in real.query(TG + """SELECT ?l ?method ?matched ?d ?src WHERE {
        ?l a tg:DrugLink ; tg:drug ?d ; tg:matchMethod/skos:notation ?method ; tg:matchedText ?matched ; tg:matchSource ?src }"""))
    sample = random.Random(19).sample(links, 50)
    wrong = []
    for link, method, matched, drug, source in sample:
        names = {norm(r["n"].value) for r in real.query(TG + f"""SELECT ?n WHERE {{ GRAPH <{source}> {{ ?x rdfs:label|skos:altLabel|tg:brandName|tg:developmentCode ?n }}
            {{ BIND(<{drug}> AS ?x) }} UNION {{ <{drug}> skos:exactMatch ?x }} UNION {{ ?x skos:exactMatch/^skos:exactMatch <{drug}> }} }}""")}
        candidates = {norm(matched), norm(drug_text.clean_name(matched)), norm(drug_text.fold_salt(matched))}
        candidates |= {norm(drug_text.fold_salt(p)) for p in drug_text.combination_parts(drug_text.clean_name(matched))}
        if method == "SPELLING_VARIANT":
            ok = any(drug_text.edit_distance(c, n, 2) <= 2 for c in candidates for n in names)
        else:
            ok = bool(candidates & names) or any(n and n in norm(matched) for n in names if method == "PARTIAL_MATCH")
        if not ok:
            wrong.append((method, matched, drug, source))
    assert len(wrong) <= 1, wrong


# --- MeSH 2024, shipped ---------------------------------------------------------------------------


def _tsv_rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_shipped_mesh_is_every_2024_descriptor_with_the_curated_roots() -> None:
    """mesh/desc2024.tsv.gz holds every row of the descriptor table as it is, except that a category
    root gets its 3-character tree number from seeds/reference/mesh_roots.tsv; its LICENSE names NLM."""
    shipped = _tsv_rows(gzip.decompress((SEEDS_OPEN / "mesh" / "desc2024.tsv.gz").read_bytes()).decode("utf-8"))
    original = _tsv_rows(shared("mesh", "mesh2024_descriptors.tsv").read_text(encoding="utf-8"))
    roots = {row[0]: row[1] for row in _tsv_rows((SEEDS_OPEN.parent / "reference" / "mesh_roots.tsv").read_text())[1:]}
    assert shipped[0] == original[0] == ["descriptor_ui", "preferred_label", "tree_numbers", "entry_terms"]
    assert len(shipped) == len(original) > 30000
    for got, row in zip(shipped[1:], original[1:]):
        assert (got[0], got[1], got[3]) == (row[0], row[1], row[3])
        numbers = set(filter(None, row[2].split("|"))) | ({roots[row[0]]} if row[0] in roots else set())
        assert set(filter(None, got[2].split("|"))) == numbers, row[0]
    assert {row[0] for row in shipped[1:] if not row[2]} == {"D005260", "D008297"}  # Female, Male: check tags
    licence = (SEEDS_OPEN / "mesh" / "LICENSE").read_text(encoding="utf-8")
    assert "National Library of Medicine" in licence and "terms_and_conditions" in licence and "2024" in licence


def test_rebuild_makes_the_shipped_mesh_table() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("rebuild", SEEDS_OPEN / "rebuild.py")
    rebuild = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rebuild)
    made = rebuild.MESH_PREAMBLE + "\n".join(rebuild.mesh_rows(shared("mesh", "mesh2024_descriptors.tsv"),
                                                                rebuild.mesh_roots())) + "\n"
    assert gzip.decompress((SEEDS_OPEN / "mesh" / "desc2024.tsv.gz").read_bytes()).decode("utf-8") == made
    assert "mesh/desc2024.tsv.gz" in (SEEDS_OPEN / "SHA256SUMS").read_text()


def test_mesh_2024_is_one_release_graph_with_its_provenance(real) -> None:
    from graph.readers import mesh

    g = mesh.RELEASE_GRAPH
    assert g in real.named_graphs() and mesh.CURATED_GRAPH not in real.named_graphs()
    about = real.query(TG + f"""SELECT ?title ?licence ?release ?records WHERE {{ GRAPH <{g}> {{
        <{g}> dct:title ?title ; dct:license ?licence ; tg:sourceRelease ?release ; rdfs:comment ?records }} }}""")
    assert [(r["title"].value, r["licence"].value, r["release"].value, r["records"].value) for r in about] == [
        ("MeSH 2024 descriptors (U.S. National Library of Medicine)", mesh.NLM_TERMS, "2024", "30764 records")]
    count = real.query(TG + "PREFIX meshv: <http://id.nlm.nih.gov/mesh/vocab#>\n"
                            "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a meshv:TopicalDescriptor }")
    assert int(next(iter(count))["n"].value) == 30764


def _registry_ancestors() -> dict[str, set[int]]:
    """NCT id -> the numbers of the MeSH UIs the registry lists as its conditions' ancestors, read
    from the JSON itself (D000006402 and D006402 are one UI)."""
    studies = [json.loads(line) for line in shared("ctgov-json", "collections", "combined_unique_studies.jsonl")
               .read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted(shared("ctgov-json", "single").glob("*.json")):
        studies.append(json.loads(path.read_text(encoding="utf-8")))
    found: dict[str, set[int]] = {}
    for study in studies:
        nct = study.get("protocolSection", {}).get("identificationModule", {}).get("nctId")
        browse = study.get("derivedSection", {}).get("conditionBrowseModule", {})
        if nct:
            found.setdefault(nct, set()).update(int(a["id"][1:]) for a in browse.get("ancestors", []))
    return found


def test_trials_in_hematologic_diseases_include_every_trial_the_registry_places_there_once(real) -> None:
    expected = {nct for nct, ancestors in _registry_ancestors().items() if 6402 in ancestors}
    assert len(expected) >= 3
    got = rows("trials_in_mesh_branch", store=real, condition="D006402")
    ncts = [r["nct"] for r in got]
    assert len(ncts) == len(set(ncts))  # each trial once
    assert {r["nct"] for r in got if "registry ancestors" in r["via"]} == expected
    # the shipped MeSH tree places the registry's own terms of these trials there too
    assert {r["nct"] for r in got if "MeSH tree" in r["via"]} >= expected
    assert rows("trials_in_mesh_branch", store=real, condition="Hematologic Diseases") == got


@pytest.mark.parametrize("name", ["Multiple Myeloma", "multiple myeloma", "Myeloma, Multiple", "Plasma-Cell Myeloma"])
def test_a_condition_resolves_by_label_and_entry_term_of_the_full_mesh(real, name: str) -> None:
    by_ui = rows("trials_in_mesh_branch", store=real, condition="D009101")
    assert by_ui and rows("trials_in_mesh_branch", store=real, condition=name) == by_ui
    myeloma = {nct for nct, ancestors in _registry_ancestors().items() if 9101 in ancestors}
    assert {r["nct"] for r in by_ui} >= myeloma


def test_network_mesh_branch_keeps_the_drug_trials_the_registry_places_there(real) -> None:
    from graph.network import build_network

    placed = {nct for nct, ancestors in _registry_ancestors().items() if 6402 in ancestors}
    drug_trials = {nct for _, nct in build_network(real).graph.nodes(data="nct") if nct}
    assert placed & drug_trials
    branch = {nct for _, nct in build_network(real, mesh_branch="D006402").graph.nodes(data="nct") if nct}
    assert placed & drug_trials <= branch


def test_inside_condition_texts_only_disease_and_behaviour_names_link(real) -> None:
    """With the full MeSH, a name found inside a longer condition text is a disease (C), behaviour
    (F01) or mental disorder (F03): not "Hand" (A01) in "Arthritis Hand"."""
    outside = real.query(TG + """PREFIX meshv: <http://id.nlm.nih.gov/mesh/vocab#>
        SELECT DISTINCT ?m WHERE { ?l a tg:MeshLink ; tg:mesh ?m ; tg:matchRule ?rule
          FILTER(CONTAINS(STR(?rule), "inside the condition text"))
          FILTER NOT EXISTS { ?m meshv:treeNumber ?n FILTER(REGEX(STR(?n), "/mesh/(C|F01|F03)")) } }""")
    assert [r["m"].value for r in outside] == []
    linked = real.query(TG + "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?t tg:condition ?c . ?c tg:mesh ?m }")
    assert int(next(iter(linked))["n"].value) > 300  # of the 433 condition texts


def test_mesh_2024_comes_with_the_open_reference_and_is_a_release() -> None:
    from graph.build import seed_files
    from graph.readers import mesh

    shipped = SEEDS_OPEN / "mesh" / "desc2024.tsv.gz"
    assert shipped in seed_files() and shipped not in seed_files(open_reference=False)
    assert mesh.release_year(str(shipped)) == "2024"
    assert detect(shipped) == "mesh-tsv"


# --- condition linking against NLM's own indexing -------------------------------------------------


def _condition_links(real, records: list[dict]) -> dict[str, set[str]]:
    """NCT id -> the MeSH UIs trialgraph links the conditions of each record to, the record read
    with its derivedSection (NLM's terms) removed and mapped by the linker of the built store."""
    from graph.loader import build_linker
    from graph.readers.ctgov_json import parse_study
    from graph.triples import trial_quads
    from graph.vocab import MESH_NS

    linker = build_linker(real)
    condition, mesh = "<https://w3id.org/trialgraph/vocab#condition>", "<https://w3id.org/trialgraph/vocab#mesh>"
    out: dict[str, set[str]] = {}
    for record in records:
        trial = parse_study({k: v for k, v in record.items() if k != "derivedSection"})
        quads = trial_quads(trial, linker)
        nodes = {q.o for q in quads if q.p == condition}
        out[trial.nct_id] = {_ui(q.o.strip("<>").removeprefix(MESH_NS)) for q in quads if q.s in nodes and q.p == mesh}
    return out


def _ui(ui: str) -> str:
    return ui[0] + ui[1:].lstrip("0").rjust(6, "0")


def test_conditions_recover_nlms_mesh_terms_of_the_first_100_real_records(real) -> None:
    """Issue 19, 3c: with NLM's derivedSection removed, the conditions of the first 100 real
    records link to the descriptors NLM gave them. Precision counts every link, and (the figure
    that can be judged) the links of records NLM gave condition terms at all: 30 of the 100 have
    none (most list only "NSCLC", which no MeSH name matches)."""
    lines = shared("ctgov-json", "collections", "combined_unique_studies.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines[:100]]
    nlm = {r["protocolSection"]["identificationModule"]["nctId"]:
           {_ui(m["id"]) for m in r.get("derivedSection", {}).get("conditionBrowseModule", {}).get("meshes", [])}
           for r in records}
    linked = _condition_links(real, records)
    hit = sum(len(linked[n] & nlm[n]) for n in nlm)
    made = sum(len(linked[n]) for n in nlm)
    made_indexed = sum(len(linked[n]) for n in nlm if nlm[n])
    wanted = sum(len(v) for v in nlm.values())
    recall, precision, precision_indexed = hit / wanted, hit / made, hit / made_indexed
    assert recall >= 0.80, (recall, hit, wanted)
    assert precision_indexed >= 0.84, (precision_indexed, hit, made_indexed)
    assert precision >= 0.70, (precision, hit, made)
