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
_DRUG_INTERVENTION = """
  ?t tg:intervention ?i .
  ?i tg:interventionType ?type .
  FILTER(?type = tgc:itype-DRUG || ?type = tgc:itype-BIOLOGICAL)
  FILTER NOT EXISTS { ?i tg:interventionRole ?role }"""
DRUG_KEYS = ("drug interventions", "drug interventions linked")
DRUG_COUNTS: tuple[tuple[str, str], ...] = (
    (DRUG_KEYS[0], "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {" + _DRUG_INTERVENTION + " }"),
    (DRUG_KEYS[1], "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {" + _DRUG_INTERVENTION + " ?i tg:drug ?d }"),
    # the drugs any intervention is linked to (a placebo's drug is not: tg:placeboLink), and of
    # those the ones some loaded source gives a mechanism-of-action target
    ("drugs linked to interventions", "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?t tg:intervention/tg:drug ?d }"),
    ("linked drugs with a target",
     "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?t tg:intervention/tg:drug ?d FILTER EXISTS { ?d tg:hasTarget ?x } }"),
)


def collect(store: EmbeddedStore) -> dict[str, int]:
    """The counts of :data:`COUNTS`, the drug interventions and how many are linked
    (:data:`DRUG_COUNTS`), plus quads and named graphs."""
    out: dict[str, int] = {}
    for label, sparql in (*COUNTS, *DRUG_COUNTS):
        row = next(iter(store.query(sparql)))  # type: ignore[call-overload]
        out[label] = int(row["n"].value)
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
