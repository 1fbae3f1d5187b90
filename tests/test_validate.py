"""SHACL validation: the shapes of ``ontology/shapes.ttl`` and ``graph/validate.py``.

The shapes must be documented, well-formed graphs must conform (hand-written studies, the built
seed graph, the real registry records), and each family of shapes must catch a deliberately broken
graph with its own message, on the right node.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Iterator

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from graph import iris
from graph.build import build, load_ontology
from graph.errors import OntologyError
from graph.export import export
from graph.loader import Loader
from graph.store import MEMORY, EmbeddedStore, open_store
from graph.validate import (
    MAX_EXAMPLES,
    Check,
    ValidationReport,
    Violation,
    data_graph,
    load_shapes,
    ontology_files,
    shape_files,
    validate,
)
from graph.vocab import GRAPH_NS, MESHV, TG
from tests.conftest import minimal_study, shared, write_jsonl

SHAPES_NS = "https://w3id.org/trialgraph/shapes#"
SHAPES_FILE = Path(__file__).resolve().parents[1] / "ontology" / "shapes.ttl"
BROKEN_GRAPH = GRAPH_NS + "test/broken"
#: Constraint parameters that, on a node shape itself, constrain the focus node (and so need a message).
NODE_LEVEL = (SH.pattern, SH.nodeKind, SH["class"], SH.datatype, SH["in"], SH.hasValue, SH.minLength, SH.maxLength)


# --- helpers ------------------------------------------------------------------------------------


def shapes_graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    graph.parse(SHAPES_FILE, format="turtle")
    return graph


def english(graph: Graph, subject: object, predicate: URIRef) -> list[str]:
    return [str(o) for o in graph.objects(subject, predicate)
            if isinstance(o, Literal) and o.language == "en" and str(o).strip()]


def load(store: EmbeddedStore, *paths: Path) -> None:
    err = io.StringIO()
    summary = Loader(store, err=err, progress=False).load(list(paths))
    assert summary.ok, err.getvalue()


def insert(store: EmbeddedStore, triples: str) -> None:
    """Hand-written triples (our prefixes predeclared) into a graph of their own."""
    store.update(f"INSERT DATA {{ GRAPH <{BROKEN_GRAPH}> {{ {triples} }} }}")


def results_for(report: ValidationReport, shape: str, focus: str, path: object = None) -> list[Violation]:
    return [
        v for v in report.violations
        if v.shape == shape and v.focus == str(focus) and (path is None or v.path == str(path))
    ]


def only_result(report: ValidationReport, shape: str, focus: str, path: object = None) -> Violation:
    found = results_for(report, shape, focus, path)
    assert len(found) == 1, f"expected one {shape!r} result on {focus} {path or ''}, got {found}\n{report.to_text()}"
    return found[0]


@pytest.fixture
def onto() -> Iterator[EmbeddedStore]:
    """An in-memory store holding the ontology graph and nothing else."""
    handle = open_store(MEMORY)
    load_ontology(handle)
    yield handle
    handle.close()


def tgc(local: str) -> str:
    """The IRI of a concept of codes.ttl by its local name (``status-RECRUITING``)."""
    return "https://w3id.org/trialgraph/code/" + local


def trial_iri(nct: str) -> str:
    return iris.trial(nct)


def record_iri(nct: str) -> str:
    return iris.trial_graph(nct)


def good_record(nct: str, *, label: str = "A test trial") -> str:
    """The triples of a trial record and its trial that meet every shape."""
    return f"""
        <{record_iri(nct)}> a tg:TrialRecord ; tg:describes <{trial_iri(nct)}> ;
            tg:recordHash "{'a' * 64}" ; prov:generatedAtTime "2025-01-01T00:00:00Z"^^xsd:dateTime ;
            tg:toolVersion "trialgraph 0.1.0" ; dct:source "test.json" ; tg:sourceFormat "ctgov-json" .
        <{trial_iri(nct)}> a tg:Trial ; tg:nctId "{nct}" ; rdfs:label "{label}" .
    """


# --- (a) the shapes file ------------------------------------------------------------------------


def test_shapes_file_declares_its_prefix_and_parses() -> None:
    text = SHAPES_FILE.read_text(encoding="utf-8")
    assert f"@prefix tgsh: <{SHAPES_NS}> ." in text
    graph = shapes_graph()
    assert len(graph) > 100
    node_shapes = set(graph.subjects(RDF.type, SH.NodeShape))
    assert node_shapes and all(str(s).startswith(SHAPES_NS) for s in node_shapes)


def test_every_shape_has_label_and_comment_and_every_property_shape_a_message() -> None:
    graph = shapes_graph()
    problems = []
    for shape in sorted(graph.subjects(RDF.type, SH.NodeShape)):
        name = str(shape).removeprefix(SHAPES_NS)
        for what, predicate in (("rdfs:label", RDFS.label), ("rdfs:comment", RDFS.comment)):
            if len(english(graph, shape, predicate)) != 1:
                problems.append(f"{name}: needs one English {what}")
        if any((shape, p, None) in graph for p in NODE_LEVEL) and len(english(graph, shape, SH.message)) != 1:
            problems.append(f"{name}: constrains the node itself, so needs one English sh:message")
    property_shapes = set(graph.objects(None, SH.property))
    assert len(property_shapes) >= 60
    for prop in property_shapes:
        if len(english(graph, prop, SH.message)) != 1:
            owner = graph.value(predicate=SH.property, object=prop)
            problems.append(f"{str(owner).removeprefix(SHAPES_NS)} {graph.value(prop, SH.path)}: needs one English sh:message")
    assert not problems, "\n".join(sorted(problems))


def test_shapes_cover_every_family_and_reference_declared_shapes() -> None:
    graph = shapes_graph()
    targets = {str(o) for o in graph.objects(None, SH.targetClass)} | {
        f"objects of {o}" for o in graph.objects(None, SH.targetObjectsOf)
    }
    assert targets == {
        str(TG.TrialRecord), f"objects of {TG.describes}", str(TG.Eligibility), str(TG.Drug), str(TG.Target),
        str(TG.TargetClaim), str(TG.MeshLink), str(TG.DrugLink), str(TG.Condition), str(MESHV.TopicalDescriptor),
    }
    declared = set(graph.subjects(RDF.type, SH.NodeShape))
    used = set(graph.objects(None, SH.node))
    assert used and used <= declared, f"sh:node names undeclared shapes: {sorted(used - declared)}"
    # only what records describe is a "well-formed trial": related studies are not targeted
    assert (None, SH.targetClass, TG.Trial) not in graph


def test_shapes_are_well_formed_shacl() -> None:
    shapes = load_shapes(shape_files())  # checks each file against SHACL's shapes for SHACL
    assert len(set(shapes.subjects(RDF.type, SH.NodeShape))) >= 10


# --- (b) well-formed graphs conform -------------------------------------------------------------


def test_hand_written_studies_conform(onto: EmbeddedStore, tmp_path: Path, delete: object) -> None:
    studies = [
        minimal_study("NCT90000001"),
        minimal_study("NCT90000002", protocolSection__designModule__phases=["PHASE3"],
                      protocolSection__statusModule__overallStatus="COMPLETED"),
        minimal_study("NCT90000003", protocolSection__eligibilityModule=delete,
                      protocolSection__designModule__studyType="EXPANDED_ACCESS"),
        {"protocolSection": {"identificationModule": {"nctId": "NCT90000004"}}},  # only the NCT id
    ]
    load(onto, write_jsonl(tmp_path / "studies.jsonl", studies))
    described = list(onto.query("SELECT ?t WHERE { ?g tg:describes ?t }"))
    assert len(described) == 4
    report = validate(onto)
    assert report.conforms, report.to_text()
    assert report.violations == [] and report.ok
    assert report.triples > 1000 and report.shapes >= 10
    assert report.to_text().startswith("SHACL validation: the graph conforms")


def test_data_graph_is_the_exported_union_plus_the_ontology(onto: EmbeddedStore, tmp_path: Path) -> None:
    """The data graph holds exactly what rdflib reads from the N-Triples export and the ontology
    files (plain strings without a datatype, as rdflib's own parsers make them)."""
    load(onto, write_jsonl(tmp_path / "one.jsonl", [minimal_study("NCT90000005")]))
    buffer = io.BytesIO()
    export(onto, buffer, "ntriples")
    expected = Graph()
    expected.parse(data=buffer.getvalue().decode("utf-8"), format="nt")
    for path in ontology_files():
        expected.parse(path, format="turtle")
    assert SHAPES_FILE not in ontology_files()

    def named(graph: Graph) -> set:
        return {t for t in graph if not any(isinstance(term, BNode) for term in t)}

    got = data_graph(onto)
    assert len(got) == len(expected)
    assert named(got) == named(expected)


def test_the_built_seed_graph_conforms() -> None:
    """Acceptance of the seed issue: the graph `trialgraph build` makes has zero violations."""
    handle = open_store(MEMORY)
    try:
        summary = build(handle, err=io.StringIO(), progress=False, open_reference=False)
        assert summary.ok
        families = {
            name: int(next(iter(handle.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a {name} }}")))["n"].value)
            for name in ("tg:TrialRecord", "tg:Drug", "tg:Target", "tg:TargetClaim", "tg:MeshLink", "tg:DrugLink",
                         "tg:Condition", "tg:Eligibility", "meshv:TopicalDescriptor")
        }
        assert all(families.values()), f"the built graph lacks a family the shapes check: {families}"
        report = validate(handle)
        assert report.conforms, report.to_text()
    finally:
        handle.close()


def test_a_mesh_link_shared_by_two_spellings_conforms(tmp_path: Path) -> None:
    """A condition and its MeSH link are shared by every record whose condition text has the same
    key; each record adds its own spelling as the matched text. That is allowed."""
    handle = open_store(MEMORY)
    try:
        build(handle, err=io.StringIO(), progress=False, open_reference=False)
        studies = [
            minimal_study("NCT90000011", protocolSection__conditionsModule__conditions=["Graft vs Host Disease"]),
            minimal_study("NCT90000012", protocolSection__conditionsModule__conditions=["GRAFT VS HOST DISEASE"]),
        ]
        load(handle, write_jsonl(tmp_path / "spellings.jsonl", studies))
        texts = {r["text"].value for r in handle.query(
            "SELECT ?text WHERE { ?c tg:meshLink ?l . ?l tg:mesh mesh:D006086 ; tg:matchedText ?text }")}
        assert {"Graft vs Host Disease", "GRAFT VS HOST DISEASE"} <= texts
        report = validate(handle)
        assert report.conforms, report.to_text()
    finally:
        handle.close()


# --- (c) the real registry records --------------------------------------------------------------


@pytest.mark.shared_data
@pytest.mark.slow
def test_real_registry_records_conform(onto: EmbeddedStore) -> None:
    load(onto, shared("ctgov-json", "collections", "combined_unique_studies.jsonl"))
    report = validate(onto)
    assert report.conforms, report.to_text()


@pytest.mark.shared_data
@pytest.mark.slow
def test_real_records_linked_to_full_mesh_conform(built_real_store, built_real_validation) -> None:
    """The seeds, all 30,764 MeSH 2024 descriptors (shipped with the open reference) and the
    registry records, linked: every descriptor, condition and MeSH link of a realistic graph meets
    its shape (the store of ``trialgraph build`` and a load of the real records, tests/conftest.py)."""
    count = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a meshv:TopicalDescriptor }"
    assert int(next(iter(built_real_store.query(count)))["n"].value) >= 30_764
    links = int(next(iter(built_real_store.query("SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE { ?l a tg:MeshLink }")))["n"].value)
    assert links > 100
    report = built_real_validation
    assert report.conforms, report.to_text()


# --- (d) one broken graph per family of shapes --------------------------------------------------


def test_trial_record_shape_catches_missing_and_mistyped_provenance(onto: EmbeddedStore) -> None:
    nct = "NCT90000101"
    g = record_iri(nct)
    insert(onto, f"""
        <{g}> a tg:TrialRecord ; tg:describes <{trial_iri(nct)}> ;
            prov:generatedAtTime "yesterday" ; tg:toolVersion "trialgraph 0.1.0", "trialgraph 0.0.9" ;
            dct:source "test.json" ; tg:sourceFormat "ctgov-json" .
        <{trial_iri(nct)}> a tg:Trial ; tg:nctId "{nct}" ; rdfs:label "A trial" .
    """)
    report = validate(onto)
    assert not report.conforms
    missing = only_result(report, "trial record", g, TG.recordHash)
    assert missing.message == ("a trial record has exactly one content hash (tg:recordHash), "
                               "64 lower-case hexadecimal digits of SHA-256")
    assert missing.component == "MinCountConstraintComponent" and missing.value is None
    assert missing.where() == f"<{g}>  tg:recordHash  (missing)"
    when = only_result(report, "trial record", g, "http://www.w3.org/ns/prov#generatedAtTime")
    assert when.value == '"yesterday"' and "xsd:dateTime" in when.message
    tools = only_result(report, "trial record", g, TG.toolVersion)
    assert tools.component == "MaxCountConstraintComponent" and "exactly one tool version" in tools.message
    assert {v.shape for v in report.violations} == {"trial record"}


def test_trial_shape_checks_described_trials_and_not_related_ones(onto: EmbeddedStore) -> None:
    nct = "NCT90000102"
    t = trial_iri(nct)
    insert(onto, good_record(nct).replace(f'tg:nctId "{nct}"', 'tg:nctId "NCT123"') + f"""
        <{t}> rdfs:label "Another label" ;
            tg:enrollment -5 ;
            tg:phase tgc:status-RECRUITING ;
            tg:overallStatus "RECRUITING" ;
            tg:startDate "June 2024" ;
            tg:leadSponsor <{iris.org("Nobody Typed This")}> ;
            tg:condition <{iris.condition("untyped condition")}> ;
            tg:relatedTrial <{trial_iri("NCT90000999")}>, <{iris.study("INO-0107")}> .
        <{trial_iri("NCT90000999")}> a tg:Trial ; tg:nctId "NCT90000999" .
        <{iris.study("INO-0107")}> a tg:Trial ; tg:orgStudyId "INO-0107" .
    """)
    report = validate(onto)
    shape = "well-formed trial"
    bad_id = only_result(report, shape, t, TG.nctId)
    assert bad_id.message == "a trial has exactly one NCT id of the form NCT followed by 8 digits"
    assert bad_id.value == '"NCT123"' and bad_id.component == "PatternConstraintComponent"
    assert only_result(report, shape, t, RDFS.label).component == "MaxCountConstraintComponent"
    enrollment = only_result(report, shape, t, TG.enrollment)
    assert enrollment.component == "MinInclusiveConstraintComponent" and "not negative" in enrollment.message
    phase = only_result(report, shape, t, TG.phase)
    assert phase.value == f"<{tgc('status-RECRUITING')}>" and "tgc:Phase" in phase.message
    assert only_result(report, shape, t, TG.overallStatus).value == '"RECRUITING"'
    start = only_result(report, shape, t, TG.startDate)
    assert start.component == "OrConstraintComponent" and "xsd:gYearMonth" in start.message
    assert "tg:Organization" in only_result(report, shape, t, TG.leadSponsor).message
    assert only_result(report, shape, t, TG.condition).message == "every condition of a trial is a tg:Condition"
    # related studies are not described by a record, so they need no label or status
    assert not [v for v in report.violations if v.focus != t]


def test_eligibility_shape_catches_inverted_ages_and_wrong_codes(onto: EmbeddedStore) -> None:
    e = iris.trial_part("NCT90000103", "eligibility", 1)
    insert(onto, f"""
        <{e}> a tg:Eligibility ; tg:minimumAge "P70Y"^^xsd:duration ; tg:maximumAge "18 Years" ;
            tg:minimumAgeYears 70.0 ; tg:maximumAgeYears 18.0 ;
            tg:sex tgc:phase-PHASE1 ; tg:healthyVolunteers "no" .
    """)
    report = validate(onto)
    ages = only_result(report, "eligibility", e, TG.minimumAgeYears)
    assert ages.component == "LessThanOrEqualsConstraintComponent" and "not above its maximum" in ages.message
    assert only_result(report, "eligibility", e, TG.maximumAge).value == '"18 Years"'
    assert "tgc:Sex" in only_result(report, "eligibility", e, TG.sex).message
    assert "xsd:boolean" in only_result(report, "eligibility", e, TG.healthyVolunteers).message
    assert len(report.violations) == 4


def test_drug_shape_catches_missing_label_wrong_kind_and_unknown_target(onto: EmbeddedStore) -> None:
    d = iris.drug("nolabelumab")
    insert(onto, f"""
        <{d}> a tg:Drug ; tg:drugKind tgc:action-INHIBITOR ; tg:hasTarget uniprot:P99999 .
        <{iris.drug("registry-minted")}> a tg:Drug ; rdfs:label "Registry Minted" ; skos:exactMatch mesh:D000001 .
    """)
    report = validate(onto)
    assert only_result(report, "drug", d, RDFS.label).message == \
        "a drug has at least one label (rdfs:label), its normalised name"
    kind = only_result(report, "drug", d, TG.drugKind)
    assert kind.value == f"<{tgc('action-INHIBITOR')}>" and "tgc:DrugKind" in kind.message
    target = only_result(report, "drug", d, TG.hasTarget)
    assert target.value == "<http://purl.uniprot.org/uniprot/P99999>" and "tg:Target" in target.message
    # a drug minted from the registry's MeSH term has no kind, targets or source: that is fine
    assert len(report.violations) == 3


def test_target_shape_catches_non_uniprot_iri_bad_accession_and_gene_symbols(onto: EmbeddedStore) -> None:
    odd = iris.drug("not-a-protein")
    insert(onto, f"""
        <{odd}> a tg:Target ; tg:uniprotId "12345" .
        uniprot:P28907 a tg:Target ; tg:uniprotId "P28907" ; tg:geneSymbol "CD38", "ADPRC1" .
    """)
    report = validate(onto)
    node = [v for v in results_for(report, "target", odd) if v.path is None]
    assert len(node) == 1 and node[0].component == "PatternConstraintComponent"
    assert "UniProt IRI" in node[0].message
    accession = only_result(report, "target", odd, TG.uniprotId)
    assert accession.value == '"12345"' and "UniProt accession" in accession.message
    assert only_result(report, "target", odd, TG.geneSymbol).component == "MinCountConstraintComponent"
    two = only_result(report, "target", "http://purl.uniprot.org/uniprot/P28907", TG.geneSymbol)
    assert two.component == "MaxCountConstraintComponent"
    assert two.message == "a target has exactly one gene symbol (tg:geneSymbol), such as CD38"


def test_target_claim_shape_catches_missing_action_type_and_source(onto: EmbeddedStore) -> None:
    c = iris.target_claim("examplumab", "P28907")
    insert(onto, f"""
        uniprot:P28907 a tg:Target ; tg:uniprotId "P28907" ; tg:geneSymbol "CD38" .
        <{c}> a tg:TargetClaim ; tg:target uniprot:P28907 ; tg:mechanism "Binds CD38." .
    """)
    report = validate(onto)
    action = only_result(report, "drug-target claim", c, TG.actionType)
    assert action.message == "a drug-target claim has exactly one action type, a concept of the scheme tgc:ActionType"
    source = only_result(report, "drug-target claim", c, "http://purl.org/dc/terms/source")
    assert source.message == "a drug-target claim names at least one source (dct:source) it comes from"
    assert len(report.violations) == 2


def test_mesh_link_shape_catches_foreign_iri_wrong_method_and_missing_text(onto: EmbeddedStore) -> None:
    link = iris.mesh_link(iris.condition("example disease"), "http://example.org/D1")
    insert(onto, f"""
        <{link}> a tg:MeshLink ; tg:mesh <http://example.org/D1> ; tg:matchMethod tgc:drugkind-OTHER .
    """)
    report = validate(onto)
    target = only_result(report, "MeSH link", link, TG.mesh)
    assert target.value == "<http://example.org/D1>" and "http://id.nlm.nih.gov/mesh/" in target.message
    method = only_result(report, "MeSH link", link, TG.matchMethod)
    assert "tgc:MatchMethod" in method.message
    text = only_result(report, "MeSH link", link, TG.matchedText)
    assert text.message == "a MeSH link records the words that were matched (tg:matchedText)"
    assert len(report.violations) == 3


def test_drug_link_shape_catches_non_drug_and_two_matched_texts(onto: EmbeddedStore) -> None:
    link = iris.trial_part("NCT90000104", "intervention-1-drug", 1)
    insert(onto, f"""
        <{link}> a tg:DrugLink ; tg:drug <{iris.condition("not a drug")}> ; tg:matchMethod tgc:match-INN ;
            tg:matchedText "Examplumab", "EX-123" .
    """)
    report = validate(onto)
    drug = only_result(report, "drug link", link, TG.drug)
    assert drug.message == "a drug link points to exactly one drug (tg:drug), a tg:Drug"
    texts = only_result(report, "drug link", link, TG.matchedText)
    assert texts.component == "MaxCountConstraintComponent"
    assert len(report.violations) == 2


def test_condition_shape_catches_missing_label_and_bad_mesh(onto: EmbeddedStore) -> None:
    cond = iris.condition("nameless")
    insert(onto, f"""
        <{cond}> a tg:Condition ; tg:mesh <http://id.nlm.nih.gov/mesh/X12>, "D006086" ;
            tg:meshLink <{iris.mesh_link(cond, "http://id.nlm.nih.gov/mesh/D006086")}> .
    """)
    report = validate(onto)
    assert only_result(report, "condition", cond, RDFS.label).component == "MinCountConstraintComponent"
    mesh = results_for(report, "condition", cond, TG.mesh)
    assert {v.value for v in mesh} == {"<http://id.nlm.nih.gov/mesh/X12>", '"D006086"'}
    assert all("NLM IRI" in v.message for v in mesh)
    assert "tg:MeshLink" in only_result(report, "condition", cond, TG.meshLink).message


def test_mesh_descriptor_shape_catches_bad_identifier_and_untyped_neighbours(onto: EmbeddedStore) -> None:
    d = "http://id.nlm.nih.gov/mesh/D000001"
    insert(onto, f"""
        mesh:D000001 a meshv:TopicalDescriptor ; meshv:identifier "X1" ; rdfs:label "Calcimycin"@en ;
            meshv:treeNumber <http://id.nlm.nih.gov/mesh/D03.633.100> ; meshv:broaderDescriptor mesh:D999999 .
        mesh:D000002 a meshv:TopicalDescriptor ; meshv:identifier "D000002" .
    """)
    report = validate(onto)
    ident = only_result(report, "MeSH descriptor", d, MESHV.identifier)
    assert ident.value == '"X1"' and "D followed by digits" in ident.message
    assert "meshv:TreeNumber" in only_result(report, "MeSH descriptor", d, MESHV.treeNumber).message
    assert "meshv:TopicalDescriptor" in only_result(report, "MeSH descriptor", d, MESHV.broaderDescriptor).message
    label = only_result(report, "MeSH descriptor", "http://id.nlm.nih.gov/mesh/D000002", RDFS.label)
    assert label.message == "a MeSH descriptor has at least one label (rdfs:label), its preferred name"
    assert len(report.violations) == 4


# --- (e) the report -----------------------------------------------------------------------------


def test_text_report_counts_and_shows_examples(onto: EmbeddedStore) -> None:
    ncts = [f"NCT9000020{i}" for i in range(7)]
    insert(onto, "".join(good_record(nct).replace(f'tg:nctId "{nct}"', f'tg:nctId "{nct[:-1]}"') for nct in ncts))
    report = validate(onto)
    assert report.by_shape() == [("well-formed trial", 7)]
    text = report.to_text()
    lines = text.splitlines()
    assert lines[0].startswith("SHACL validation: the graph does not conform — 7 violations of 1 shape; ")
    assert "well-formed trial: 7 violations" in lines
    assert "  7 x a trial has exactly one NCT id of the form NCT followed by 8 digits" in lines
    examples = [line for line in lines if line.startswith("      clinicaltrials:NCT")]
    assert len(examples) == MAX_EXAMPLES
    assert examples[0] == '      clinicaltrials:NCT90000200  tg:nctId  "NCT9000020"'
    assert f"      ... and {7 - MAX_EXAMPLES} more" in lines


def test_json_report_is_serialisable_and_complete(onto: EmbeddedStore) -> None:
    insert(onto, good_record("NCT90000301").replace('tg:nctId "NCT90000301"', 'tg:nctId "nct90000301"')
           + f'<{trial_iri("NCT90000301")}> tg:enrollment "12"^^xsd:integer, "-1"^^xsd:integer .')
    report = validate(onto)
    data = json.loads(json.dumps(report.to_json()))
    assert data["conforms"] is False and data["ok"] is False
    assert data["results"] == len(data["violations"]) == 3
    assert data["by_shape"] == [{"shape": "well-formed trial", "count": 3}]
    assert data["shapes_files"] == [str(SHAPES_FILE)] and data["triples"] == report.triples
    first = data["violations"][0]
    assert set(first) == {"shape", "focus", "path", "value", "message", "severity", "component", "shape_iri"}
    assert {v["focus"] for v in data["violations"]} == {trial_iri("NCT90000301")}
    assert {v["shape_iri"] for v in data["violations"]} == {SHAPES_NS + "TrialShape"}
    assert {v["value"] for v in data["violations"]} >= {
        '"nct90000301"', '"-1"^^<http://www.w3.org/2001/XMLSchema#integer>'}
    assert data["checks"] == []


def test_checks_join_the_report() -> None:
    report = ValidationReport(conforms=True, triples=10, shapes_files=[str(SHAPES_FILE)], shapes=17)
    report.checks.append(Check("unlinked drugs", "interventions of type drug that name no known drug", 7,
                               [iris.trial_part("NCT90000001", "intervention", i) for i in range(1, 8)]))
    assert report.ok
    text = report.to_text()
    assert "data-quality checks:" in text
    assert "  7 x unlinked drugs: interventions of type drug that name no known drug" in text
    assert "      tgtrial:NCT90000001-intervention-1" in text and "      ... and 2 more" in text
    report.checks.append(Check("trials without a record", "trials described by no record", 1, [], "Violation"))
    assert report.conforms and not report.ok
    assert json.loads(json.dumps(report.to_json()))["checks"][1]["severity"] == "Violation"


# --- malformed shapes ---------------------------------------------------------------------------


SHAPE_HEAD = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix tg: <https://w3id.org/trialgraph/vocab#> .
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<https://example.org/S> a sh:NodeShape ; sh:targetClass\n", "not valid Turtle at line"),
        ("<https://example.org/S> a sh:NodeShape ; sh:targetClass tg:Trial ;\n"
         "    sh:property [ sh:path tg:nctId ; sh:minCount \"one\" ] .\n", "not valid SHACL: sh:minCount \"one\""),
        ("<https://example.org/S> a sh:NodeShape ; sh:targetClass tg:Trial ; sh:property [ sh:minCount 1 ] .\n",
         "not valid SHACL"),
        ("tg:Trial a <http://www.w3.org/2002/07/owl#Class> .\n", "declares no sh:NodeShape"),
    ],
    ids=["turtle-syntax", "shacl-datatype", "shacl-no-path", "no-shapes"],
)
def test_malformed_shapes_file_raises_ontology_error_naming_it(
    onto: EmbeddedStore, tmp_path: Path, body: str, expected: str
) -> None:
    path = tmp_path / "shapes.ttl"
    path.write_text(SHAPE_HEAD + body, encoding="utf-8")
    with pytest.raises(OntologyError) as caught:
        validate(onto, shapes_dir=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert expected in message


def test_folder_without_shapes_raises_ontology_error(onto: EmbeddedStore, tmp_path: Path) -> None:
    with pytest.raises(OntologyError, match=f"{tmp_path}: no SHACL shapes file"):
        validate(onto, shapes_dir=tmp_path)

