"""The seed trials in the built graph: one test per fact of the pages (issue 3, sections 3 and 4),
asked as SPARQL of the store that ``trialgraph build`` makes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator

import pytest

from graph.build import build
from graph.loader import Loader
from graph.store import EmbeddedStore, open_store
from tests.conftest import minimal_study, shared, write_jsonl

ISA = "<https://clinicaltrials.gov/study/NCT05873205>"
INO = "<https://clinicaltrials.gov/study/NCT05047328>"


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = open_store(tmp_path_factory.mktemp("seeds") / "store")
    summary = build(store, err=io.StringIO(), progress=False, open_reference=False)
    assert summary.ok, summary.seeds.errors
    yield store
    store.close()


def ask(store: EmbeddedStore, where: str) -> bool:
    return bool(store.query(f"ASK {{ {where} }}"))


def values(store: EmbeddedStore, sparql: str) -> list[str]:
    return sorted(row[0].value for row in store.query(sparql))  # type: ignore[index]


def one(store: EmbeddedStore, sparql: str) -> str:
    found = values(store, sparql)
    assert len(found) == 1, found
    return found[0]


# --- section 3: everything on the pages -------------------------------------------------------


def test_nct_ids_and_records(seeds: EmbeddedStore) -> None:
    assert values(seeds, "SELECT ?id WHERE { ?r tg:describes ?t . ?t tg:nctId ?id }") == ["NCT05047328", "NCT05873205"]


def test_titles(seeds: EmbeddedStore) -> None:
    assert one(seeds, f"SELECT ?x WHERE {{ {ISA} tg:briefTitle ?x }}") == (
        "Open-Label, Phase II Trial of Isatuximab for Patients With Refractory Immune Cytopenias After "
        "Allogeneic Hematopoietic Cell Transplantation")
    assert "inolimomab" in one(seeds, f"SELECT ?x WHERE {{ {INO} rdfs:label ?x }}").lower()


def test_study_types_including_expanded_access(seeds: EmbeddedStore) -> None:
    assert ask(seeds, f"{INO} a tg:ExpandedAccessStudy ; tg:studyType tgc:studytype-EXPANDED_ACCESS")
    assert ask(seeds, f"{ISA} a tg:InterventionalStudy ; tg:studyType tgc:studytype-INTERVENTIONAL")


def test_status_and_phase(seeds: EmbeddedStore) -> None:
    assert ask(seeds, f"{INO} tg:overallStatus tgc:status-AVAILABLE")
    assert ask(seeds, f"{ISA} tg:overallStatus tgc:status-RECRUITING ; tg:phase tgc:phase-PHASE2")
    assert not ask(seeds, f"{INO} tg:phase ?p")


def test_enrollment_and_dates(seeds: EmbeddedStore) -> None:
    assert ask(seeds, f'{ISA} tg:enrollment 25 ; tg:startDate "2023-07-21"^^xsd:date ; '
                      f'tg:completionDate "2026-06-29"^^xsd:date ; tg:lastUpdatePostedDate "2025-07-29"^^xsd:date')
    assert ask(seeds, '?r tg:describes ' + ISA + ' ; tg:recordLastUpdate "2025-07-29"^^xsd:date')


def test_summary_and_description(seeds: EmbeddedStore) -> None:
    assert "isatuximab is an effective treatment" in one(seeds, f"SELECT ?x WHERE {{ {ISA} tg:briefSummary ?x }}")
    description = one(seeds, f"SELECT ?x WHERE {{ {INO} tg:detailedDescription ?x }}")
    assert "INO-0107" in description and "58.4 months" in description
    assert "Temporary Authorisation for Use" in one(seeds, f"SELECT ?x WHERE {{ {INO} tg:briefSummary ?x }}")


def test_conditions_split_and_original_line_kept(seeds: EmbeddedStore) -> None:
    assert values(seeds, f"SELECT ?x WHERE {{ {ISA} tg:condition/rdfs:label ?x FILTER(?x IN "
                         '("Blood Cancer", "Refractory Immune Cytopenias")) }') == [
        "Blood Cancer", "Refractory Immune Cytopenias"]
    assert one(seeds, f"SELECT ?x WHERE {{ {ISA} tg:conditionText ?x }}") == "Blood Cancer Refractory Immune Cytopenias"


def test_arm_with_its_intervention(seeds: EmbeddedStore) -> None:
    assert ask(seeds, f"""{ISA} tg:arm ?arm . ?arm rdfs:label "Participants with Refractory Immune Cytopenias" ;
        tg:armType tgc:armtype-EXPERIMENTAL ; tg:armIntervention ?i .
        ?i rdfs:label "Isatuximab" ; tg:interventionType tgc:itype-BIOLOGICAL""")


def test_eligibility(seeds: EmbeddedStore) -> None:
    eligibility = f"""{ISA} tg:eligibility ?e . ?e tg:minimumAge "P18Y"^^xsd:duration ; tg:sex tgc:sex-ALL ;
        tg:healthyVolunteers false ; tg:inclusionCriteria ?inc ; tg:exclusionCriteria ?exc .
        FILTER(CONTAINS(?inc, "AIHA") && CONTAINS(?exc, "daratumumab") && !CONTAINS(?inc, "Exclusion Criteria"))"""
    assert ask(seeds, eligibility)


def test_expanded_access_population(seeds: EmbeddedStore) -> None:
    population = f"""{INO} tg:eligibility ?e . ?e tg:minimumAge "P28D"^^xsd:duration ; tg:ageDescription ?d .
        FILTER(CONTAINS(?d, "adults") && CONTAINS(?d, "children over 28 days of age"))"""
    assert ask(seeds, population)


def test_sponsors_with_role_and_class(seeds: EmbeddedStore) -> None:
    assert ask(seeds, f"""{ISA} tg:leadSponsor ?msk ; tg:collaborator ?sanofi .
        ?msk rdfs:label "Memorial Sloan Kettering Cancer Center" ; tg:agencyClass tgc:agency-OTHER .
        ?sanofi rdfs:label "Sanofi" ; tg:agencyClass tgc:agency-INDUSTRY""")
    assert one(seeds, f"SELECT ?x WHERE {{ {INO} tg:leadSponsor/rdfs:label ?x }}") == "ElsaLys Biotech"
    assert ask(seeds, f"{ISA} tg:responsiblePartyType tgc:party-SPONSOR")


def test_principal_investigator_with_affiliation(seeds: EmbeddedStore) -> None:
    assert ask(seeds, f"""{ISA} tg:official ?o . ?o tg:role tgc:role-PRINCIPAL_INVESTIGATOR ; tg:person ?p ;
        tg:affiliation/rdfs:label "Memorial Sloan Kettering Cancer Center" .
        ?p rdfs:label "Michael Scordo, MD" """)


def test_seven_sites_with_address_and_status(seeds: EmbeddedStore) -> None:
    rows = list(seeds.query(f"""SELECT ?city ?state ?country ?status WHERE {{ {ISA} tg:location ?l .
        ?l tg:site ?s ; tg:recruitmentStatus ?status . ?s tg:city ?city ; tg:state ?state ; tg:country ?country }}"""))
    assert sorted(r["city"].value for r in rows) == sorted(
        ["Basking Ridge", "Middletown", "Montvale", "Commack", "Harrison", "New York", "Rockville Centre"])
    assert sorted(r["state"].value for r in rows).count("New Jersey") == 3
    assert {r["country"].value for r in rows} == {"United States"}
    assert {r["status"].value for r in rows} == {"https://w3id.org/trialgraph/code/status-RECRUITING"}


def test_central_and_facility_contacts(seeds: EmbeddedStore) -> None:
    central = list(seeds.query(f"SELECT ?name ?phone WHERE {{ {ISA} tg:centralContact ?c . ?c tg:phone ?phone ; "
                               "tg:person/rdfs:label ?name }"))
    assert sorted((r["name"].value, r["phone"].value) for r in central) == [
        ("Michael Scordo, MD", "646-608-3771"), ("Sergio Geralt, MD", "646-608-3731")]
    assert one(seeds, f"SELECT (COUNT(?c) AS ?n) WHERE {{ {ISA} tg:location/tg:contact ?c }}") == "7"
    assert ask(seeds, f"""{INO} tg:centralContact ?c . ?c tg:person/rdfs:label "Raphaele Beaudet" ;
        tg:phone "+33 (0) 6 85 06 46 23" ; tg:email "relationshospitalieres_RB@elsalysbiotech.com" """)


def test_other_identifiers_and_links(seeds: EmbeddedStore) -> None:
    assert ask(seeds, f'{ISA} tg:orgStudyId "23-119"')
    assert ask(seeds, f'{ISA} tg:webLink ?l . ?l tg:url "http://www.mskcc.org"^^xsd:anyURI ; '
                      'rdfs:label "Memorial Sloan Kettering Cancer Center"')


def test_related_trial_named_on_the_page(seeds: EmbeddedStore) -> None:
    assert ask(seeds, f"""{ISA} tg:relatedTrial ?r . ?r tg:nctId "NCT00379587" ;
        rdfs:label "Rituximab for Prevention of Chronic GVHD" ; tg:overallStatus tgc:status-COMPLETED ;
        tg:phase tgc:phase-PHASE1_PHASE2""")


def test_phase_3_study_and_its_follow_up_from_the_description(seeds: EmbeddedStore) -> None:
    assert ask(seeds, f"""{INO} tg:relatedTrial ?s . ?s tg:orgStudyId "INO-0107" ; skos:altLabel "INO-107" ;
        tg:phase tgc:phase-PHASE3 ; tg:relationNote ?note FILTER(CONTAINS(?note, "Thymoglobulin"))""")
    assert ask(seeds, f"""{INO} tg:relatedTrial ?f . ?f tg:relationNote ?note .
        FILTER(CONTAINS(LCASE(?note), "follow-up") && CONTAINS(?note, "INO-0107"))""")


# --- section 4: linking -----------------------------------------------------------------------


def _drug_link(seeds: EmbeddedStore, trial: str, drug: str) -> list[tuple[str, str]]:
    rows = seeds.query(f"""SELECT ?matched ?method WHERE {{ {trial} tg:intervention ?i .
        ?i tg:drug tgdrug:{drug} ; tg:drugLink ?l . ?l tg:drug tgdrug:{drug} ; tg:matchedText ?matched ;
        tg:matchMethod/skos:notation ?method }}""")
    return [(r["matched"].value, r["method"].value) for r in rows]


def test_leukotac_inolimomab_is_linked_to_inolimomab(seeds: EmbeddedStore) -> None:
    assert _drug_link(seeds, INO, "inolimomab") == [("Leukotac (inolimomab)", "TEXT_MENTION")]


def test_isatuximab_is_linked_by_its_inn(seeds: EmbeddedStore) -> None:
    assert _drug_link(seeds, ISA, "isatuximab") == [("Isatuximab", "INN")]


def test_thymoglobulin_and_atg_in_the_description(seeds: EmbeddedStore) -> None:
    assert ask(seeds, f"""{INO} tg:mentionsDrug tgdrug:anti-thymocyte-globulin-rabbit ; tg:drugLink ?l .
        ?l tg:drug tgdrug:anti-thymocyte-globulin-rabbit ; tg:matchedText ?m FILTER(STRSTARTS(?m, "Thymoglobulin"))""")


def test_daratumumab_named_in_the_criteria(seeds: EmbeddedStore) -> None:
    assert ask(seeds, f"""{ISA} tg:eligibility ?e . ?e tg:mentionsDrug tgdrug:daratumumab ; tg:drugLink ?l .
        ?l tg:drug tgdrug:daratumumab ; tg:matchedText "daratumumab" ; tg:matchMethod tgc:match-TEXT_MENTION""")


def test_trials_whose_drug_acts_on_cd38_is_plain_sparql(seeds: EmbeddedStore) -> None:
    assert values(seeds, """SELECT DISTINCT ?id WHERE { ?t tg:nctId ?id ; tg:intervention/tg:drug/tg:hasTarget ?x .
        ?x tg:geneSymbol "CD38" }""") == ["NCT05873205"]


def test_trials_whose_drug_acts_on_il2ra_cd25_is_plain_sparql(seeds: EmbeddedStore) -> None:
    by_symbol = values(seeds, """SELECT DISTINCT ?id WHERE { ?t tg:nctId ?id ;
        tg:intervention/tg:drug/tg:hasTarget/tg:geneSymbol "IL2RA" }""")
    by_alias = values(seeds, """SELECT DISTINCT ?id WHERE { ?t tg:nctId ?id ;
        tg:intervention/tg:drug/tg:hasTarget/skos:altLabel "CD25" }""")
    assert by_symbol == by_alias == ["NCT05047328"]


def test_drug_target_claims_say_where_they_come_from(seeds: EmbeddedStore) -> None:
    assert ask(seeds, """tgdrug:inolimomab tg:targetClaim ?c . ?c tg:target uniprot:P01589 ;
        tg:actionType ?a ; tg:mechanism ?m ; dct:source ?s""")
    assert ask(seeds, """tgdrug:isatuximab tg:targetClaim ?c . ?c tg:target uniprot:P28907 ; dct:source ?s
        FILTER(CONTAINS(?s, "DB14811"))""")


def _mesh_links(seeds: EmbeddedStore, trial: str) -> dict[str, tuple[str, str]]:
    rows = seeds.query(f"""SELECT ?text ?ui ?method WHERE {{ {trial} tg:condition ?c . ?c rdfs:label ?text ;
        tg:meshLink ?l . ?l tg:mesh ?m ; tg:matchMethod/skos:notation ?method ; tg:matchedText ?matched .
        ?m meshv:identifier ?ui }}""")
    return {r["text"].value: (r["ui"].value, r["method"].value) for r in rows}


def test_graft_versus_host_disease_is_d006086(seeds: EmbeddedStore) -> None:
    links = _mesh_links(seeds, INO)
    assert links == {"graft versus host disease": ("D006086", "TEXT_MENTION")}


def test_blood_cancer_is_hematologic_neoplasms(seeds: EmbeddedStore) -> None:
    assert _mesh_links(seeds, ISA)["Blood Cancer"] == ("D019337", "ENTRY_TERM")


def test_immune_cytopenias_is_cytopenia_by_a_curated_rule(seeds: EmbeddedStore) -> None:
    assert _mesh_links(seeds, ISA)["Refractory Immune Cytopenias"] == ("D000095542", "CURATED_RULE")
    assert ask(seeds, f"""{ISA} tg:condition ?c . ?c rdfs:label "Refractory Immune Cytopenias" ; tg:meshLink ?l .
        ?l tg:matchRule ?rule""")


def test_the_cytopenias_the_criteria_name(seeds: EmbeddedStore) -> None:
    links = _mesh_links(seeds, ISA)
    assert {links[k] for k in ("AIHA", "ITP", "PRCA")} == {
        ("D000744", "CURATED_RULE"), ("D016553", "CURATED_RULE"), ("D012010", "CURATED_RULE")}


def test_every_link_records_how_it_was_made(seeds: EmbeddedStore) -> None:
    assert not ask(seeds, "{ ?l a tg:MeshLink } UNION { ?l a tg:DrugLink } FILTER NOT EXISTS { ?l tg:matchMethod ?m ; tg:matchedText ?t }")
    assert one(seeds, "SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE { { ?l a tg:MeshLink } UNION { ?l a tg:DrugLink } }") != "0"


def test_mesh_hierarchy_is_queryable(seeds: EmbeddedStore) -> None:
    under_c15 = values(seeds, """SELECT DISTINCT ?id WHERE { ?t tg:nctId ?id ; tg:condition/tg:mesh ?m .
        ?m meshv:broaderDescriptor* mesh:D006425 }""")
    assert under_c15 == ["NCT05873205"]
    under_c20 = values(seeds, """SELECT DISTINCT ?id WHERE { ?t tg:nctId ?id ; tg:condition/tg:mesh ?m .
        ?m meshv:broaderDescriptor* mesh:D007154 }""")
    assert under_c20 == ["NCT05047328", "NCT05873205"]
    assert ask(seeds, "mesh:D006425 meshv:treeNumber mesh:C15 . mesh:C15 a meshv:TreeNumber")


def test_unmatched_names_stay_as_text_with_a_flag(seeds: EmbeddedStore, tmp_path: Path) -> None:
    study = minimal_study("NCT90000077")
    study["protocolSection"]["armsInterventionsModule"]["interventions"][0]["name"] = "Zorblimab"
    study["protocolSection"]["armsInterventionsModule"]["interventions"][0]["otherNames"] = []
    study["protocolSection"]["conditionsModule"]["conditions"] = ["Quux Syndrome"]
    study["derivedSection"] = {}
    Loader(seeds, err=io.StringIO(), progress=False).load([write_jsonl(tmp_path / "x.jsonl", [study])])
    try:
        assert ask(seeds, """<https://clinicaltrials.gov/study/NCT90000077> tg:intervention ?i .
            ?i rdfs:label "Zorblimab" ; tg:qualityFlag tgc:quality-UNLINKED_DRUG FILTER NOT EXISTS { ?i tg:drug ?d }""")
        assert ask(seeds, """<https://clinicaltrials.gov/study/NCT90000077> tg:condition ?c .
            ?c rdfs:label "Quux Syndrome" ; tg:qualityFlag tgc:quality-UNLINKED_CONDITION""")
    finally:
        seeds.drop_graphs(["https://w3id.org/trialgraph/graph/trial/NCT90000077"])


# --- section 5: entity resolution --------------------------------------------------------------


def test_scorder_and_scordo_are_one_person_with_the_decision_recorded(seeds: EmbeddedStore) -> None:
    people = values(seeds, "SELECT DISTINCT ?p WHERE { ?p a tg:Person ; rdfs:label ?l FILTER(CONTAINS(?l, 'Scor')) }")
    assert len(people) == 1
    assert ask(seeds, f'<{people[0]}> skos:altLabel "Michael Scorder, MD" ; tg:resolutionNote ?why')


def test_msk_is_one_organisation_running_the_sites(seeds: EmbeddedStore) -> None:
    orgs = values(seeds, "SELECT DISTINCT ?o WHERE { ?o a tg:Organization ; rdfs:label ?l FILTER(STRSTARTS(?l, 'Memorial')) }")
    assert orgs == ["https://w3id.org/trialgraph/id/org/memorial-sloan-kettering-cancer-center"]
    operated = one(seeds, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {ISA} tg:location/tg:site ?s . ?s tg:operatedBy <{orgs[0]}> }}")
    assert operated == "7"
    assert ask(seeds, f"{ISA} tg:leadSponsor <{orgs[0]}> ; tg:official/tg:affiliation <{orgs[0]}>")
    assert ask(seeds, '?s tg:siteNote "Limited Protocol Activities"')


def test_ino_107_and_ino_0107_are_one_study(seeds: EmbeddedStore) -> None:
    studies = values(seeds, "SELECT DISTINCT ?s WHERE { ?s tg:orgStudyId ?c FILTER(STRSTARTS(?c, 'INO-') && !STRENDS(?c, 'LTFU')) }")
    assert studies == ["https://w3id.org/trialgraph/id/study/ino-0107"]


# --- section 6: full MeSH joins ---------------------------------------------------------------


@pytest.mark.shared_data
@pytest.mark.slow
def test_full_mesh_loads_and_the_seed_conditions_join(tmp_path: Path) -> None:
    store = open_store(tmp_path / "full")
    build(store, err=io.StringIO(), progress=False, open_reference=False)
    summary = Loader(store, err=io.StringIO(), progress=False).load([shared("mesh", "mesh2024_descriptors.tsv")])
    assert summary.ok
    assert one(store, "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a meshv:TopicalDescriptor }") == "30764"
    graphs = [g for g in store.named_graphs() if "/graph/mesh/" in g]
    assert len(graphs) == 2  # the curated subset and the full table, side by side
    full = [g for g in graphs if g.endswith("mesh2024-descriptors-tsv")][0]
    joined = values(store, f"""SELECT DISTINCT ?ui WHERE {{ ?t tg:condition/tg:mesh ?m .
        GRAPH <{full}> {{ ?m meshv:identifier ?ui ; meshv:broaderDescriptor ?b }} }}""")
    assert {"D006086", "D019337", "D000095542", "D000744", "D016553", "D012010"} <= set(joined)
    store.close()
