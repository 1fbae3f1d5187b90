"""What is in a store: counts of trials, drugs, targets, conditions, MeSH links, sponsors, sites,
people, triples and named graphs, and how many drug interventions are linked to a drug."""

from __future__ import annotations

from graph.store import EmbeddedStore
from graph.vocab import TRIAL_GRAPH_NS

#: Label, SPARQL returning ?n — in the order they are printed.
COUNTS: tuple[tuple[str, str], ...] = (
    ("trials", "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?r tg:describes ?x }"),
    (
        "other studies named",
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a tg:Trial FILTER NOT EXISTS { ?r tg:describes ?x } }",
    ),
    ("drugs", "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a tg:Drug }"),
    ("targets", "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a tg:Target }"),
    ("conditions", "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a tg:Condition }"),
    ("MeSH descriptors", "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a meshv:TopicalDescriptor }"),
    (
        "MeSH links",
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?t ?m WHERE { "
        "{ ?t tg:conditionMesh|tg:interventionMesh ?m } UNION { ?t tg:condition/tg:mesh ?m } } }",
    ),
    (
        "sponsors",
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?t tg:leadSponsor|tg:collaborator ?x }",
    ),
    ("sites", "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a tg:Site }"),
    ("people", "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a tg:Person }"),
    ("triples", "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"),
)


#: DRUG and BIOLOGICAL interventions that name a drug (not a control, the standard of care or a
#: class of drugs: those have a tg:interventionRole), and how many of them are linked to one
DRUG_INTERVENTIONS = """
SELECT (COUNT(DISTINCT ?i) AS ?n) (COUNT(DISTINCT ?linked) AS ?linked) WHERE {
  ?t tg:intervention ?i .
  ?i tg:interventionType ?type .
  FILTER(?type = tgc:itype-DRUG || ?type = tgc:itype-BIOLOGICAL)
  FILTER NOT EXISTS { ?i tg:interventionRole ?role }
  OPTIONAL { ?i tg:drug ?d BIND(?i AS ?linked) }
}"""
DRUG_KEYS = ("drug interventions", "drug interventions linked")


def collect(store: EmbeddedStore) -> dict[str, int]:
    """The counts of :data:`COUNTS`, the drug interventions and how many are linked
    (:data:`DRUG_INTERVENTIONS`), plus quads and named graphs."""
    out: dict[str, int] = {}
    for label, sparql in COUNTS:
        row = next(iter(store.query(sparql)))  # type: ignore[call-overload]
        out[label] = int(row["n"].value)
    row = next(iter(store.query(DRUG_INTERVENTIONS)))  # type: ignore[call-overload]
    out[DRUG_KEYS[0]], out[DRUG_KEYS[1]] = int(row["n"].value), int(row["linked"].value)
    out["quads"] = len(store)
    graphs = store.named_graphs()
    out["named graphs"] = len(graphs)
    out["trial graphs"] = sum(1 for g in graphs if g.startswith(TRIAL_GRAPH_NS))
    return out


def linking_line(counts: dict[str, int]) -> str:
    """The stats line on drug interventions.

    >>> linking_line({"drug interventions": 226, "drug interventions linked": 179})
    'drug interventions linked: 179 of 226 (79%)'
    """
    total, linked = counts[DRUG_KEYS[0]], counts[DRUG_KEYS[1]]
    share = f" ({100 * linked / total:.0f}%)" if total else ""
    return f"drug interventions linked: {linked:,} of {total:,}{share}"
