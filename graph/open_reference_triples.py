"""Open drug and target sources to quads: DrugCentral, DrugBank and MeSH's pharmacological actions
(:mod:`graph.readers.drugcentral`, :mod:`graph.readers.drugbank`, :mod:`graph.readers.mesh_actions`).

Drug nodes: a DrugCentral drug is ``tgdrug:<INN>`` — the node the curated table uses for the same
INN, so curated and DrugCentral facts about rituximab meet on one node; a DrugBank drug is its
DrugBank IRI, the node that DrugCentral and the curated table point at with ``skos:exactMatch``.
The linker (:func:`graph.linking.from_store`) joins the nodes that share a DrugBank id or UNII and
links a trial to one of them.

MeSH pharmacological actions are NLM's statements about MeSH records, kept on the record's IRI in
NLM's vocabulary (``mesh:C556306 meshv:pharmacologicalAction mesh:D000074322``); a drug node whose
sources give that MeSH identifier (``skos:exactMatch``) reaches them, whichever order the sources
were loaded in. The action descriptor is a ``tg:PharmacologicClass`` like DrugCentral's classes.

Target claims: one claim node per source, drug and protein, so each source's action type and
reference stay its own; ``tg:hasTarget`` is the shortcut every source states. A target of several
proteins (a receptor complex) gives a claim on each protein, with the complex's name kept.
"""

from __future__ import annotations

from typing import Iterable

from rdflib.namespace import DCTERMS

from graph import iris
from graph.records import DrugClass, MechanismClaim, PharmacologicalAction, SourceDrug
from graph.reference_triples import source_quads
from graph.terms import (
    DCT_SOURCE as _SOURCE,
    RDF_TYPE as _A,
    RDFS_LABEL as _LABEL,
    SKOS_ALT_LABEL as _ALT,
    SKOS_EXACT_MATCH as _EXACT,
    SKOS_PREF_LABEL as _PREF,
    Quad,
    iri,
    lit,
)
from graph.triples import P
from graph.vocab import MESHV, SCHEMES

_TITLE = iri(str(DCTERMS.title))
_LICENSE = iri(str(DCTERMS.license))
_ACTION = iri(str(MESHV.pharmacologicalAction))

DRUGCENTRAL_TARGETS = iris.reference_graph("drugcentral-targets")
DRUGCENTRAL_IDS = iris.reference_graph("drugcentral-identifiers")
DRUGCENTRAL_CLASSES = iris.reference_graph("drugcentral-classes")
DRUGBANK_VOCABULARY = iris.reference_graph("drugbank-vocabulary")
DRUGBANK_TARGETS = iris.reference_graph("drugbank-targets")
MESH_ACTIONS = iris.reference_graph("mesh-pharmacological-actions")
MESH_DESCRIPTOR_ACTIONS = iris.reference_graph("mesh-descriptor-actions")
_NLM_TERMS = "https://www.nlm.nih.gov/databases/download/terms_and_conditions.html"

#: graph -> (title, licence IRI)
SOURCES = {
    DRUGCENTRAL_TARGETS: ("DrugCentral mechanism-of-action targets", "https://creativecommons.org/licenses/by/4.0/"),
    DRUGCENTRAL_IDS: ("DrugCentral drug identifiers", "https://creativecommons.org/licenses/by/4.0/"),
    DRUGCENTRAL_CLASSES: ("DrugCentral pharmacologic classes", "https://creativecommons.org/licenses/by/4.0/"),
    DRUGBANK_VOCABULARY: ("DrugBank vocabulary", "https://creativecommons.org/publicdomain/zero/1.0/"),
    DRUGBANK_TARGETS: ("DrugBank drug-target identifiers", "https://go.drugbank.com/legal/terms_of_use"),
    MESH_ACTIONS: ("MeSH pharmacological actions", _NLM_TERMS),
    MESH_DESCRIPTOR_ACTIONS: ("MeSH pharmacological actions of descriptors", _NLM_TERMS),
}
#: the current DrugCentral download is CC BY-SA 4.0; the 2016 release CC BY 4.0
_CURRENT_DRUGCENTRAL_LICENCE = "https://creativecommons.org/licenses/by-sa/4.0/"

#: DrugCentral's action types -> codes of the ActionType scheme
ACTIONS = {
    "ANTIBODY BINDING": "BINDING_AGENT", "BINDING AGENT": "BINDING_AGENT", "POSITIVE MODULATOR": "POSITIVE_ALLOSTERIC_MODULATOR",
    "ALLOSTERIC ANTAGONIST": "ANTAGONIST", "ALLOSTERIC MODULATOR": "MODULATOR", "GATING INHIBITOR": "BLOCKER",
    "NEGATIVE MODULATOR": "NEGATIVE_ALLOSTERIC_MODULATOR",
}


def action_code(text: str | None) -> str | None:
    """The ActionType code for a source's action type, or None when none fits."""
    if not text:
        return None
    text = text.strip().upper()
    code = ACTIONS.get(text, text.replace(" ", "_"))
    return code if code in SCHEMES["action"].codes else "OTHER"


def drugcentral_drug(name: str) -> str:
    return iris.drug(name)


def drugbank_drug(key: str) -> str:
    return iris.xref("drugbank", key)


class _Out:
    def __init__(self) -> None:
        self.lines: dict[tuple[str, str, str], None] = {}

    def add(self, s: str, p: str, o: str) -> None:
        self.lines[(s, p, o)] = None


def _xref(out: _Out, d: str, prefix: str, value: str) -> None:
    out.add(d, P.xref, lit(f"{prefix}:{value}"))
    if prefix == "mesh":
        out.add(d, _EXACT, iri(iris.mesh(value)))
    elif prefix not in ("cas", "inchikey"):
        out.add(d, _EXACT, iri(iris.xref(prefix, value)))


def _drug_node(out: _Out, d: str, name: str | None) -> str:
    """A drug node of a source: typed, and labelled when the source names it."""
    out.add(d, _A, P.Drug)
    if name:
        out.add(d, _LABEL, lit(name))
    return d


def _drugcentral_node(out: _Out, name: str, key: str | None = None) -> str:
    d = _drug_node(out, iri(drugcentral_drug(name)), name)
    if key:
        _xref(out, d, "drugcentral", key)
    return d


def drugcentral_drug_quads(drugs: Iterable[SourceDrug]) -> _Out:
    out = _Out()
    for drug in drugs:
        d = _drugcentral_node(out, drug.name, drug.key)
        for prefix, values in sorted(drug.xrefs.items()):
            for value in values:
                _xref(out, d, prefix, value)
    return out


def drugbank_drug_quads(drugs: Iterable[SourceDrug]) -> _Out:
    out = _Out()
    for drug in drugs:
        d = _drug_node(out, iri(drugbank_drug(drug.key)), drug.name)
        for name in drug.synonyms:
            out.add(d, _ALT, lit(name))
        out.add(d, P.xref, lit(f"drugbank:{drug.key}"))
        for prefix, values in sorted(drug.xrefs.items()):
            if prefix != "drugbank":
                for value in values:
                    _xref(out, d, prefix, value)
    return out


def claim_quads(claims: Iterable[MechanismClaim], source: str, release: str | None) -> _Out:
    """Target claims of one source (``drugcentral`` or ``drugbank``)."""
    out = _Out()
    title = {"drugcentral": "DrugCentral", "drugbank": "DrugBank"}[source] + (f" {release}" if release else "")
    for claim in claims:
        if source == "drugcentral":
            d = _drugcentral_node(out, claim.drug_name, claim.drug_key)
        else:
            d = _drug_node(out, iri(drugbank_drug(claim.drug_key)), None)
        code = action_code(claim.action)
        several = len(claim.components) > 1
        for part in claim.components:
            t = iri(iris.uniprot(part.uniprot))
            out.add(t, _A, P.Target)
            out.add(t, P.uniprotId, lit(part.uniprot))
            if part.symbol:
                out.add(t, P.geneSymbol, lit(part.symbol))
                out.add(t, _LABEL, lit(part.symbol))
            if not several and claim.target_name:
                out.add(t, _PREF, lit(claim.target_name))
            if claim.family:
                out.add(t, P.targetFamily, lit(claim.family))
            if part.organism:
                out.add(t, P.organism, lit(part.organism))
            c = iri(iris.target_claim(f"{source}-{claim.drug_key}", part.uniprot))
            out.add(d, P.hasTarget, t)
            out.add(d, P.targetClaim, c)
            out.add(c, _A, P.TargetClaim)
            out.add(c, P.target, t)
            if code:
                out.add(c, P.actionType, iri(SCHEMES["action"].concept(code)))
                out.add(c, P.sourceActionType, lit(claim.action or ""))
            if several and claim.target_name:
                out.add(c, P.complexName, lit(claim.target_name))
            cited = f"{title}" + (f", citing {claim.source}" if claim.source else "") + (f": {claim.reference}" if claim.reference else "")
            out.add(c, _SOURCE, lit(cited))
            if claim.reference:
                out.add(c, P.claimReference, lit(claim.reference))
    return out


def class_quads(classes: Iterable[DrugClass]) -> _Out:
    """Drugs to their pharmacologic classes: MeSH PA descriptors by NLM IRI, FDA classes by NUI."""
    out = _Out()
    for item in classes:
        d = _drugcentral_node(out, item.drug_name)
        if item.class_type == "PA" and item.class_id.startswith("D"):
            k = iri(iris.mesh(item.class_id))
        else:
            k = iri(iris.xref("ndfrt", item.class_id))
            out.add(k, _LABEL, lit(item.class_name))
        out.add(k, _A, P.PharmacologicClass)
        out.add(k, P.className, lit(item.class_name))
        out.add(k, P.classType, lit(item.class_type))
        out.add(d, P.pharmacologicClass, k)
    return out


def action_quads(actions: Iterable[PharmacologicalAction]) -> _Out:
    """MeSH records to their pharmacological actions. A supplementary concept is labelled with its
    name (no other graph names it); a descriptor is labelled by the MeSH graph, and typed there."""
    out = _Out()
    for action in actions:
        record = iri(iris.mesh(action.record_ui))
        k = iri(iris.mesh(action.action_ui))
        if action.record_ui.startswith("C") and action.record_name:
            out.add(record, _LABEL, lit(action.record_name))
        out.add(record, _ACTION, k)
        out.add(k, _A, P.PharmacologicClass)
        out.add(k, P.className, lit(action.action_name))
        out.add(k, P.classType, lit("PA"))
    return out


def write(graph: str, out: _Out, *, label: str, fmt: str, release: str | None, loaded_at: str) -> "GraphWrite":
    """The whole graph of one source file, replacing what the graph held, with its provenance."""
    from graph.writes import GraphWrite

    g = iri(graph)
    quads = [Quad(s, p, o, g) for s, p, o in out.lines]
    if graph in (MESH_ACTIONS, MESH_DESCRIPTOR_ACTIONS):  # the substances the file gives actions for
        records = len({s for s, p, _ in out.lines if p == _ACTION})
    else:
        records = len({s for s, p, _ in out.lines if p == _A})
    quads += source_quads(graph, source=label, fmt=fmt, loaded_at=loaded_at, records=records)
    title, licence = SOURCES[graph]
    if graph.endswith("drugcentral-targets") and release == "current":
        licence = _CURRENT_DRUGCENTRAL_LICENCE
    quads.append(Quad(g, _TITLE, lit(title + (f", release {release}" if release else "")), g))
    quads.append(Quad(g, _LICENSE, iri(licence), g))
    if release:
        quads.append(Quad(g, P.sourceRelease, lit(release), g))
    return GraphWrite(graph, "".join(q.nquad() for q in quads), replace=True)
