"""What is in a store: counts of trials, drugs, targets, conditions, MeSH links, sponsors, sites,
people, triples and named graphs."""

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


def collect(store: EmbeddedStore) -> dict[str, int]:
    """The counts of :data:`COUNTS`, plus quads and named graphs."""
    out: dict[str, int] = {}
    for label, sparql in COUNTS:
        row = next(iter(store.query(sparql)))  # type: ignore[call-overload]
        out[label] = int(row["n"].value)
    out["quads"] = len(store)
    graphs = store.named_graphs()
    out["named graphs"] = len(graphs)
    out["trial graphs"] = sum(1 for g in graphs if g.startswith(TRIAL_GRAPH_NS))
    return out
