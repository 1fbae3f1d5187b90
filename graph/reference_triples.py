"""Reference records to quads: curated drugs, targets, drug→target claims, MeSH descriptors.

Each reference source is one named graph with its provenance (:func:`source_quads`). MeSH uses
NLM's own IRIs and vocabulary (``meshv:``), so NLM's full MeSH RDF loaded beside it joins; entry
terms are ``skos:altLabel``. Broader links between descriptors are derived from tree numbers.
"""

from __future__ import annotations

from typing import Iterable

from rdflib.namespace import PROV, RDFS

from graph import __version__, iris
from graph.records import Drug, MeshDescriptor, Target, TargetClaim
from graph.terms import (
    DCT_SOURCE as _SOURCE,
    RDF_TYPE as _A,
    RDFS_LABEL as _LABEL,
    SKOS_ALT_LABEL as _ALT,
    SKOS_EXACT_MATCH as _EXACT,
    SKOS_PREF_LABEL as _PREF,
    XSD_DATETIME,
    Quad,
    iri,
    lang_lit,
    lit,
    typed,
)
from graph.triples import P
from graph.vocab import MESHV, SCHEMES

_DESCRIPTOR = iri(str(MESHV.TopicalDescriptor))
_TREE_NUMBER = iri(str(MESHV.TreeNumber))
_HAS_TREE = iri(str(MESHV.treeNumber))
_PARENT_TREE = iri(str(MESHV.parentTreeNumber))
_BROADER = iri(str(MESHV.broaderDescriptor))
_IDENTIFIER = iri(str(MESHV.identifier))

#: Cross-reference columns of the drug table: column -> Bioregistry prefix.
DRUG_XREFS = {"drugbank": "drugbank", "chembl": "chembl.compound", "unii": "unii"}


class _Out:
    def __init__(self, graph: str) -> None:
        self.g = iri(graph)
        self.quads: list[Quad] = []

    def add(self, s: str, p: str, o: str) -> None:
        self.quads.append(Quad(s, p, o, self.g))

    def result(self) -> list[Quad]:
        return list(dict.fromkeys(self.quads))


def drug_quads(drugs: Iterable[Drug], graph: str) -> list[Quad]:
    out = _Out(graph)
    for drug in drugs:
        d = iri(iris.drug(drug.drug_id))
        out.add(d, _A, P.Drug)
        out.add(d, _LABEL, lit(drug.name))
        out.add(d, _PREF, lit(drug.name))
        if drug.kind in SCHEMES["drugkind"].codes:
            out.add(d, P.drugKind, iri(SCHEMES["drugkind"].concept(drug.kind)))
        for name in drug.brand_names:
            out.add(d, P.brandName, lit(name))
        for code in drug.codes:
            out.add(d, P.developmentCode, lit(code))
        for name in drug.synonyms:
            out.add(d, _ALT, lit(name))
        for column, value in sorted(drug.xrefs.items()):
            if not value:
                continue
            if column == "mesh":
                out.add(d, _EXACT, iri(iris.mesh(value)))
                out.add(d, P.xref, lit(f"mesh:{value}"))
            else:
                prefix = DRUG_XREFS.get(column, column)
                out.add(d, _EXACT, iri(iris.xref(prefix, value)))
                out.add(d, P.xref, lit(f"{prefix}:{value}"))
        if drug.note:
            out.add(d, P.qualityNote, lit(drug.note))
        out.add(d, _SOURCE, lit(drug.source))
    return out.result()


def target_quads(targets: Iterable[Target], graph: str) -> list[Quad]:
    out = _Out(graph)
    for target in targets:
        t = iri(iris.uniprot(target.uniprot))
        out.add(t, _A, P.Target)
        out.add(t, _LABEL, lit(target.symbol))
        out.add(t, _PREF, lit(target.name))
        out.add(t, P.geneSymbol, lit(target.symbol))
        out.add(t, P.uniprotId, lit(target.uniprot))
        if target.hgnc:
            out.add(t, P.hgncId, lit(target.hgnc))
            out.add(t, _EXACT, iri(iris.xref("hgnc", target.hgnc.split(":")[-1])))
        if target.ncbi_gene:
            out.add(t, P.ncbiGeneId, lit(target.ncbi_gene))
            out.add(t, _EXACT, iri(iris.xref("ncbigene", target.ncbi_gene)))
        for alias in target.aliases:
            out.add(t, _ALT, lit(alias))
        out.add(t, _SOURCE, lit(target.source))
    return out.result()


def claim_quads(claims: Iterable[TargetClaim], graph: str) -> list[Quad]:
    out = _Out(graph)
    for claim in claims:
        d = iri(iris.drug(claim.drug_id))
        t = iri(iris.uniprot(claim.uniprot))
        c = iri(iris.target_claim(claim.drug_id, claim.uniprot))
        out.add(d, P.hasTarget, t)
        out.add(d, P.targetClaim, c)
        out.add(c, _A, P.TargetClaim)
        out.add(c, P.target, t)
        if claim.action_type in SCHEMES["action"].codes:
            out.add(c, P.actionType, iri(SCHEMES["action"].concept(claim.action_type)))
        out.add(c, P.mechanism, lit(claim.mechanism))
        out.add(c, _SOURCE, lit(claim.source))
    return out.result()


def mesh_quads(descriptors: Iterable[MeshDescriptor], graph: str) -> list[Quad]:
    """MeSH descriptors in NLM's vocabulary, with broader links derived from tree numbers.

    A tree number's parent is the number without its last ``.NNN`` part; the descriptor holding
    the parent number is a broader descriptor. Parents outside the given descriptors give no link.
    """
    descriptors = list(descriptors)
    owner = {number: d.ui for d in descriptors for number in d.tree_numbers}
    out = _Out(graph)
    for d in descriptors:
        m = iri(iris.mesh(d.ui))
        out.add(m, _A, _DESCRIPTOR)
        out.add(m, _IDENTIFIER, lit(d.ui))
        out.add(m, _LABEL, lang_lit(d.label, "en"))
        for term in d.entry_terms:
            out.add(m, _ALT, lang_lit(term, "en"))
        for number in d.tree_numbers:
            node = iri(iris.tree_number(number))
            out.add(m, _HAS_TREE, node)
            out.add(node, _A, _TREE_NUMBER)
            out.add(node, _LABEL, lit(number))
            parent, dot, _ = number.rpartition(".")
            if dot:
                out.add(node, _PARENT_TREE, iri(iris.tree_number(parent)))
                if parent in owner and owner[parent] != d.ui:
                    out.add(m, _BROADER, iri(iris.mesh(owner[parent])))
        if d.source:
            out.add(m, _SOURCE, lit(d.source))
    return out.result()


def source_quads(graph: str, *, source: str, fmt: str, loaded_at: str, records: int) -> list[Quad]:
    """Provenance of a reference graph: where it came from, when, by which tool."""
    out = _Out(graph)
    g = iri(graph)
    out.add(g, _A, P.ReferenceSource)
    out.add(g, _A, iri(str(PROV.Entity)))
    out.add(g, _SOURCE, lit(source))
    out.add(g, P.sourceFormat, lit(fmt))
    out.add(g, iri(str(PROV.generatedAtTime)), typed(loaded_at, XSD_DATETIME))
    out.add(g, P.toolVersion, lit(f"trialgraph {__version__}"))
    out.add(g, iri(str(RDFS.comment)), lit(f"{records} records"))
    return out.result()
