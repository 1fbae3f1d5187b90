"""The vocabulary module (``graph/vocab.py``) and the ontology (``ontology/*.ttl``) agree.

``TG`` must name exactly the classes and properties the ontology declares, every term must be
documented (label, comment; domain and range for properties), every code of ``SCHEMES`` must be a
SKOS concept with the IRI ``SCHEMES[...].concept(code)`` and nothing else, and the prefixes the
Turtle files declare must not contradict ``PREFIXES``. A mapped trial is checked against the
declared domains and ranges, so the ontology describes what ``graph/triples.py`` really writes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from graph import paths
from graph.readers.ctgov_json import parse_study
from graph.triples import record_nquads, record_quads, trial_nquads, trial_quads
from graph.vocab import (
    CODE_NS,
    ENTITIES_GRAPH,
    PHASE_PARTS,
    PHASE_RANK,
    PREFIXES,
    SCHEMES,
    TG,
    TRIAL_GRAPH_NS,
    VOCAB_NS,
    code_iri,
)
from tests.conftest import minimal_study

#: a plain namespace (rdflib's closed XSD namespace warns when pytest probes module attributes)
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
ONTOLOGY_IRI = URIRef(VOCAB_NS.rstrip("#"))
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty)


def ontology_files() -> list[Path]:
    return sorted(paths.ontology_dir().glob("*.ttl"))


@lru_cache(maxsize=1)
def ontology() -> Graph:
    """All Turtle files of the ontology folder in one rdflib graph (parsed once)."""
    graph = Graph(bind_namespaces="none")
    for path in ontology_files():
        graph.parse(path, format="turtle")
    return graph


def tg_terms() -> set[str]:
    """Every term ``TG`` names, read from the class's annotations (the declared attributes)."""
    return {name for name in TG.__annotations__ if not name.startswith("_")}


def declared(kinds: tuple[URIRef, ...]) -> set[URIRef]:
    g = ontology()
    return {s for kind in kinds for s in g.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def local(iri: URIRef) -> str | None:
    text = str(iri)
    return text[len(VOCAB_NS):] if text.startswith(VOCAB_NS) else None


def members(node) -> list:  # noqa: ANN001 - an rdflib node
    """The members of an ``owl:unionOf`` class or datatype expression, or ``[node]`` itself."""
    g = ontology()
    union = g.value(node, OWL.unionOf) if isinstance(node, BNode) else None
    return list(Collection(g, union)) if union is not None else [node]


def only(graph: Graph, subject: URIRef, predicate: URIRef) -> list:
    return list(graph.objects(subject, predicate))


# --- the files ----------------------------------------------------------------------------------


def test_ontology_folder_holds_vocabulary_and_codes() -> None:
    names = {p.name for p in ontology_files()}
    assert {"trialgraph.ttl", "codes.ttl"} <= names, f"ontology folder {paths.ontology_dir()} holds {sorted(names)}"


@pytest.mark.parametrize("path", ontology_files(), ids=lambda p: p.name)
def test_every_turtle_file_parses_with_rdflib_and_pyoxigraph(path: Path) -> None:
    graph = Graph()
    graph.parse(path, format="turtle")
    assert len(graph) > 0, f"{path.name} parsed to an empty graph"
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    assert len(quads) == len(graph), f"{path.name}: pyoxigraph read {len(quads)} triples, rdflib {len(graph)}"


def test_ontology_header() -> None:
    g = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    assert g.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.title) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.description) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef("https://opensource.org/licenses/MIT")


# --- TG and the ontology name the same terms ----------------------------------------------------


def test_tg_and_ontology_declare_the_same_terms() -> None:
    in_module = tg_terms()
    in_ontology = {local(t) for t in declared((OWL.Class, *PROPERTY_KINDS)) if local(t) is not None}
    only_module = sorted(in_module - in_ontology)
    only_ontology = sorted(in_ontology - in_module)
    assert not only_module and not only_ontology, (
        f"in graph/vocab.py TG but not declared in ontology/*.ttl: {only_module}; "
        f"declared in ontology/*.ttl but not in TG: {only_ontology}"
    )


def test_class_names_are_capitalised_and_property_names_are_not() -> None:
    classes = {local(t) for t in declared((OWL.Class,))} - {None}
    properties = {local(t) for t in declared(PROPERTY_KINDS)} - {None}
    assert classes and properties
    assert not {c for c in classes if not c[0].isupper()}, "classes must start with a capital"
    assert not {p for p in properties if not p[0].islower()}, "properties must start in lower case"
    assert not classes & properties


def test_every_tg_iri_used_in_the_ontology_is_a_tg_term() -> None:
    """A typo such as ``tg:Trail`` in a domain would otherwise slip through as a new IRI."""
    known = tg_terms()
    used = {
        local(term)
        for triple in ontology()
        for term in triple
        if isinstance(term, URIRef) and local(term) is not None
    }
    assert used, "no tg: IRI found in the ontology"
    assert used <= known, f"tg: IRIs used in ontology/*.ttl that TG does not name: {sorted(used - known)}"


def test_no_term_is_both_a_class_and_a_property_or_both_kinds_of_property() -> None:
    classes = declared((OWL.Class,))
    objects = declared((OWL.ObjectProperty,))
    datatypes = declared((OWL.DatatypeProperty,))
    assert not classes & (objects | datatypes)
    assert not objects & datatypes, f"declared as object and datatype property: {sorted(objects & datatypes)}"


# --- documentation, domains and ranges ----------------------------------------------------------


def _english(graph: Graph, subject: URIRef, predicate: URIRef) -> list[Literal]:
    return [o for o in graph.objects(subject, predicate) if isinstance(o, Literal) and o.language == "en" and str(o).strip()]


def test_every_class_has_an_english_label_and_comment() -> None:
    g = ontology()
    classes = [c for c in declared((OWL.Class,)) if local(c)]
    problems = [
        f"{local(c)}: {what}"
        for c in classes
        for what, predicate in (("rdfs:label", RDFS.label), ("rdfs:comment", RDFS.comment))
        if len(_english(g, c, predicate)) != 1
    ]
    assert classes
    assert not problems, "classes need exactly one English label and comment: " + ", ".join(sorted(problems))


def test_every_property_has_label_comment_domain_and_range() -> None:
    g = ontology()
    props = [p for p in declared(PROPERTY_KINDS) if local(p)]
    problems = []
    for p in props:
        for what, predicate in (("rdfs:label", RDFS.label), ("rdfs:comment", RDFS.comment)):
            if len(_english(g, p, predicate)) != 1:
                problems.append(f"{local(p)}: {what}")
        # one domain and one range each: several would mean their intersection, a union is one node
        for what, predicate in (("rdfs:domain", RDFS.domain), ("rdfs:range", RDFS.range)):
            if len(only(g, p, predicate)) != 1:
                problems.append(f"{local(p)}: {len(only(g, p, predicate))} x {what}")
    assert props
    assert not problems, "properties need label, comment, one domain and one range: " + ", ".join(sorted(problems))


def test_domains_and_ranges_name_declared_classes_or_known_terms() -> None:
    g = ontology()
    classes = declared((OWL.Class,))
    outside = {RDFS.Resource, SKOS.Concept}
    problems = []
    for p in declared(PROPERTY_KINDS):
        for predicate in (RDFS.domain, RDFS.range):
            for node in only(g, p, predicate):
                for member in members(node):
                    if not isinstance(member, URIRef):
                        problems.append(f"{local(p)}: {predicate.fragment} has a blank node that is no union")
                    elif local(member) is not None and member not in classes:
                        problems.append(f"{local(p)}: {predicate.fragment} tg:{local(member)} is not a class")
                    elif predicate == RDFS.domain and local(member) is None and member not in outside:
                        problems.append(f"{local(p)}: domain {member} is not ours")
    assert not problems, "; ".join(sorted(problems))


def test_datatype_properties_range_over_xsd_and_object_properties_do_not() -> None:
    g = ontology()
    problems = []
    for p in declared((OWL.DatatypeProperty,)):
        for node in only(g, p, RDFS.range):
            bad = [m for m in members(node) if not str(m).startswith(str(XSD))]
            if bad:
                problems.append(f"datatype property {local(p)} ranges over {bad}")
    for p in declared((OWL.ObjectProperty,)):
        for node in only(g, p, RDFS.range):
            bad = [m for m in members(node) if str(m).startswith(str(XSD))]
            if bad:
                problems.append(f"object property {local(p)} ranges over the datatype {bad}")
    assert not problems, "; ".join(problems)


def test_coded_properties_range_over_skos_concepts_and_name_their_scheme() -> None:
    """A property whose comment says its values are "a concept of tgc:X" has range skos:Concept, and
    the scheme X exists."""
    g = ontology()
    schemes = {scheme.name for scheme in SCHEMES.values()}
    coded = 0
    problems = []
    for p in declared(PROPERTY_KINDS):
        comment = str(g.value(p, RDFS.comment) or "")
        named = set(re.findall(r"\bconcept of tgc:([A-Z]\w*)\b", comment))
        if not named:
            continue
        coded += 1
        if g.value(p, RDFS.range) != SKOS.Concept:
            problems.append(f"{local(p)} names {sorted(named)} but its range is not skos:Concept")
        if named - schemes:
            problems.append(f"{local(p)} names unknown schemes {sorted(named - schemes)}")
    assert coded >= 20, f"only {coded} properties name a tgc: scheme in their comment"
    assert not problems, "; ".join(problems)


# --- the SKOS code lists ------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(SCHEMES))
def test_scheme_has_exactly_the_codes_of_vocab(key: str) -> None:
    g = ontology()
    scheme = SCHEMES[key]
    scheme_iri = URIRef(scheme.iri)
    assert (scheme_iri, RDF.type, SKOS.ConceptScheme) in g, f"{scheme.iri} is not declared as a skos:ConceptScheme"
    assert g.value(scheme_iri, SKOS.prefLabel) is not None and g.value(scheme_iri, RDFS.comment) is not None
    concepts = set(g.subjects(SKOS.inScheme, scheme_iri))
    notations: dict[str, URIRef] = {}
    problems = []
    for concept in concepts:
        found = [str(n) for n in g.objects(concept, SKOS.notation)]
        if len(found) != 1:
            problems.append(f"{concept} has notations {found}")
            continue
        code = found[0]
        notations[code] = concept
        if str(concept) != scheme.concept(code):
            problems.append(f"{concept} has notation {code!r}, so its IRI should be {scheme.concept(code)}")
        if (concept, RDF.type, SKOS.Concept) not in g:
            problems.append(f"{concept} is not a skos:Concept")
        if (concept, SKOS.topConceptOf, scheme_iri) not in g:
            problems.append(f"{concept} is not a top concept of {scheme.name}")
        if len(_english(g, concept, SKOS.prefLabel)) != 1:
            problems.append(f"{concept} needs one English skos:prefLabel")
        if len(_english(g, concept, SKOS.definition)) != 1:
            problems.append(f"{concept} needs one English skos:definition")
    missing = sorted(set(scheme.codes) - set(notations))
    extra = sorted(set(notations) - set(scheme.codes))
    assert not missing and not extra and not problems, (
        f"tgc:{scheme.name}: codes in vocab.SCHEMES but not in codes.ttl: {missing}; "
        f"in codes.ttl but not in vocab.SCHEMES: {extra}; {'; '.join(sorted(problems))}"
    )


def test_every_concept_belongs_to_one_scheme_of_vocab() -> None:
    g = ontology()
    known = {URIRef(s.iri) for s in SCHEMES.values()}
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == sum(len(s.codes) for s in SCHEMES.values())
    stray = sorted(str(c) for c in concepts if set(g.objects(c, SKOS.inScheme)) - known or len(set(g.objects(c, SKOS.inScheme))) != 1)
    assert not stray, f"concepts outside the schemes of vocab.SCHEMES: {stray}"
    schemes = set(g.subjects(RDF.type, SKOS.ConceptScheme))
    assert schemes == known, f"extra schemes {sorted(map(str, schemes - known))}, missing {sorted(map(str, known - schemes))}"


def test_phase_concepts_carry_rank_and_parts() -> None:
    g = ontology()
    for code, rank in PHASE_RANK.items():
        concept = URIRef(code_iri("phase", code))
        ranks = list(g.objects(concept, TG.phaseRank))
        assert len(ranks) == 1 and ranks[0].datatype == XSD.decimal, f"{concept}: tg:phaseRank {ranks}"
        assert float(ranks[0].toPython()) == rank, f"{concept}: rank {ranks[0]} but vocab.PHASE_RANK says {rank}"
        parts = {str(o) for o in g.objects(concept, TG.includesPhase)}
        assert parts == {code_iri("phase", p) for p in PHASE_PARTS.get(code, ())}, f"{concept}: tg:includesPhase {parts}"
    assert set(PHASE_RANK) == set(SCHEMES["phase"].codes)


# --- prefixes -----------------------------------------------------------------------------------

_PREFIX_LINE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)


@pytest.mark.parametrize("path", ontology_files(), ids=lambda p: p.name)
def test_prefixes_agree_with_vocab(path: Path) -> None:
    declared_prefixes = _PREFIX_LINE.findall(path.read_text(encoding="utf-8"))
    assert declared_prefixes, f"{path.name} declares no prefix"
    by_namespace = {ns: prefix for prefix, ns in PREFIXES.items()}
    problems = []
    for prefix, namespace in declared_prefixes:
        if prefix in PREFIXES and PREFIXES[prefix] != namespace:
            problems.append(f"{prefix}: is <{namespace}> here but <{PREFIXES[prefix]}> in vocab.PREFIXES")
        if namespace in by_namespace and by_namespace[namespace] != prefix:
            problems.append(f"<{namespace}> is {prefix}: here but {by_namespace[namespace]}: in vocab.PREFIXES")
    seen: dict[str, str] = {}
    for prefix, namespace in declared_prefixes:
        if seen.setdefault(prefix, namespace) != namespace:
            problems.append(f"{prefix}: declared twice with different namespaces")
    assert not problems, f"{path.name}: " + "; ".join(problems)


# --- the closed namespace -----------------------------------------------------------------------


def test_misspelt_term_raises() -> None:
    assert str(TG.Trial) == VOCAB_NS + "Trial"
    with pytest.raises(AttributeError):
        TG.Trail  # noqa: B018 - the lookup itself must fail
    with pytest.raises(AttributeError):
        TG.nctid  # noqa: B018 - case matters


# --- the ontology describes what the mapping writes ---------------------------------------------


def _rich_study() -> dict:
    """The shared test study, with the parts it lacks added, so most of the mapping runs."""
    study = minimal_study("NCT90000077")
    p = study["protocolSection"]
    p["identificationModule"]["secondaryIdInfos"] = [
        {"id": "2023-000001-11", "type": "EUDRACT_NUMBER", "domain": "EudraCT", "link": "https://example.org/eudract/1"}
    ]
    p["identificationModule"]["nctIdAliases"] = ["NCT90000078"]
    p["statusModule"]["whyStopped"] = "Funding"
    p["statusModule"]["lastKnownStatus"] = "RECRUITING"
    p["statusModule"]["statusVerifiedDate"] = "2025-07"
    p["statusModule"]["expandedAccessInfo"] = {"hasExpandedAccess": False}
    p["sponsorCollaboratorsModule"]["responsibleParty"] = {
        "type": "PRINCIPAL_INVESTIGATOR", "investigatorFullName": "Jane Doe, MD",
        "investigatorAffiliation": "Example University Hospital",
    }
    p["designModule"]["designInfo"]["maskingInfo"] = {"masking": "DOUBLE", "whoMasked": ["PARTICIPANT", "INVESTIGATOR"]}
    p["designModule"]["designInfo"]["timePerspective"] = "SIDEWAYS"  # unknown: kept as tg:uncodedValue
    p["armsInterventionsModule"]["armGroups"][0]["description"] = "Examplumab weekly."
    p["armsInterventionsModule"]["interventions"][0]["description"] = "An antibody."
    p["outcomesModule"]["otherOutcomes"] = [{"measure": "Quality of life", "description": "EQ-5D", "timeFrame": "1 year"}]
    p["eligibilityModule"].update(
        genderBased=True, genderDescription="Self-identified.", studyPopulation="Clinic patients.",
        samplingMethod="PROBABILITY_SAMPLE",
    )
    contact = {"name": "Sam Roe", "role": "CONTACT", "phone": "555-0100", "phoneExt": "12", "email": "sam@example.org"}
    p["contactsLocationsModule"]["centralContacts"] = [contact]
    p["contactsLocationsModule"]["locations"][0]["contacts"] = [dict(contact, role="PRINCIPAL_INVESTIGATOR")]
    p["referencesModule"]["seeAlsoLinks"] = [{"label": "Study site", "url": "https://example.org/study"}]
    return study


def _as_rdflib(quads: list) -> Graph:
    """The triples of mapped quads (their graph names dropped) as an rdflib graph."""
    graph = Graph()
    graph.parse(data="".join(f"{q.s} {q.p} {q.o} .\n" for q in quads), format="nt")
    return graph


def test_quads_are_the_nquads_lines_split_into_their_terms() -> None:
    """The mapping writes N-Quads lines; the quads read back from them have each term whole, even
    when a literal holds spaces, dots, quotes, angle brackets or line breaks."""
    study = _rich_study()
    tricky = 'A "quoted" title . <urn:x:o> <urn:x:g> .\nsecond line\u2028 end \\ . '
    study["protocolSection"]["identificationModule"]["briefTitle"] = tricky
    study["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = "Org . <urn:x> ."
    trial = parse_study(study, source="test.json")
    own, shared = trial_nquads(trial)
    quads = trial_quads(trial)
    assert own and shared
    assert [q.nquad() for q in quads] == own + shared
    graph = f"<{TRIAL_GRAPH_NS}NCT90000077>"
    assert {q.g for q in quads[: len(own)]} == {graph}
    assert {q.g for q in quads[len(own):]} == {f"<{ENTITIES_GRAPH}>"}
    for q in quads:
        for term in (q.s, q.p):
            assert term.startswith("<") and term.endswith(">") and " " not in term, q
        parsed = list(ox.parse(f"<urn:x:s> <urn:x:p> {q.o} .\n".encode(), format=ox.RdfFormat.N_TRIPLES))
        assert len(parsed) == 1, q
    titles = [q.o for q in quads if q.p == f"<{TG}briefTitle>"]
    assert [t.object.value for t in ox.parse(f"<urn:x:s> <urn:x:p> {titles[0]} .".encode(),
                                              format=ox.RdfFormat.N_TRIPLES)] == [tricky.strip()]
    provenance = record_quads(trial, record_hash="0" * 64, loaded_at="2025-01-01T00:00:00Z")
    assert [q.nquad() for q in provenance] == record_nquads(trial, record_hash="0" * 64,
                                                            loaded_at="2025-01-01T00:00:00Z")
    assert {q.g for q in provenance} == {graph}


def test_mapped_trial_fits_declared_domains_and_ranges() -> None:
    trial = parse_study(_rich_study(), source="test.json")
    data = _as_rdflib(trial_quads(trial) + record_quads(trial, record_hash="0" * 64, loaded_at="2025-01-01T00:00:00Z"))
    g = ontology()
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    types = {s: set(data.objects(s, RDF.type)) for s in set(data.subjects())}
    used = set()
    problems = []
    for s, p, o in data:
        name = local(p)
        if name is None:
            continue
        used.add(name)
        if (p, RDF.type, OWL.ObjectProperty) not in g and (p, RDF.type, OWL.DatatypeProperty) not in g:
            problems.append(f"tg:{name} is written but not declared")
            continue
        domain = members(g.value(p, RDFS.domain))
        if RDFS.Resource not in domain and not (types.get(s, set()) & set(domain)):
            problems.append(f"tg:{name}: subject {s} has types {sorted(map(str, types.get(s, ())))}, domain is {domain}")
        rng = members(g.value(p, RDFS.range))
        if isinstance(o, Literal):
            datatype = o.datatype or XSD.string
            if datatype not in rng:
                problems.append(f"tg:{name}: literal of type {datatype}, range is {rng}")
        elif rng == [SKOS.Concept]:
            if o not in concepts:
                problems.append(f"tg:{name}: {o} is not a concept of codes.ttl")
        elif RDFS.Resource not in rng and not (types.get(o, set()) & set(rng)):
            problems.append(f"tg:{name}: object {o} has types {sorted(map(str, types.get(o, ())))}, range is {rng}")
    assert not problems, "\n".join(sorted(problems))
    # the study exercises most of the vocabulary, so the check above means something
    assert {"uncodedValue", "qualityFlag", "responsibleParty", "affiliation", "person", "role", "url",
            "description", "recruitmentStatus", "phone", "webLink", "describes", "recordHash"} <= used
    assert len(used) >= 90, f"only {len(used)} tg: properties written by the test study"
