"""Export: the store as RDF files, deterministic so that diffs are meaningful.

N-Quads and TriG carry the whole dataset with its named graphs; Turtle, N-Triples, JSON-LD and
RDF/XML carry the union graph (each triple once). Output is sorted — graphs by name, subjects,
then predicates and objects by their N-Triples form — so the same store content always gives the
same bytes, whatever order it was loaded in. Memory is bounded by one graph (dataset formats) or
by the list of subjects (triple formats), not by the size of the store.
"""

from __future__ import annotations

from typing import IO, Iterable, Iterator, Sequence

import pyoxigraph as ox

from graph import iris
from graph.errors import GraphError
from graph.readers.rdf import FORMATS
from graph.store import EmbeddedStore
from graph.vocab import PREFIXES

#: Export formats, as ``--format`` spells them.
EXPORT_FORMATS: tuple[str, ...] = tuple(FORMATS)

_DATASET_FORMATS = {"nquads", "trig"}
#: File name extensions for each format.
EXTENSIONS = {
    "turtle": ".ttl", "ntriples": ".nt", "nquads": ".nq", "trig": ".trig", "jsonld": ".jsonld",
    "rdfxml": ".rdf",
}


def _key(term: object) -> str:
    return str(term)


def _sorted_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    return sorted(quads, key=lambda q: (_key(q.subject), _key(q.predicate), _key(q.object)))


def graphs_for_trials(store: EmbeddedStore, nct_ids: Sequence[str]) -> list[str]:
    """The named graphs of the given trials; an unknown NCT id is an error."""
    graphs = []
    for nct in nct_ids:
        graph = iris.trial_graph(nct.strip())
        if not store.has_graph(graph):
            raise GraphError(f"{nct}: no such trial in the store — expected the NCT id of a loaded trial")
        graphs.append(graph)
    return graphs


def _dataset_quads(store: EmbeddedStore, graphs: Sequence[str] | None) -> Iterator[ox.Quad]:
    if graphs is None:
        yield from _sorted_quads(store.quads(""))
        graphs = store.named_graphs()
    for graph in sorted(graphs):
        yield from _sorted_quads(store.quads(graph))


def _union_triples(store: EmbeddedStore, graphs: Sequence[str] | None) -> Iterator[ox.Triple]:
    if graphs is not None:
        triples = {q.triple for graph in graphs for q in store.quads(graph)}
        yield from sorted(triples, key=lambda t: (_key(t.subject), _key(t.predicate), _key(t.object)))
        return
    subjects = sorted(
        {row["s"] for row in store.query("SELECT DISTINCT ?s WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
                                         union=False)},  # type: ignore[index]
        key=_key,
    )
    for subject in subjects:
        triples = {q.triple for q in store.quads_of_subject(subject)}
        yield from sorted(triples, key=lambda t: (_key(t.predicate), _key(t.object)))


def export(
    store: EmbeddedStore,
    output: IO[bytes],
    fmt: str = "turtle",
    *,
    trials: Sequence[str] | None = None,
    graph: str | None = None,
) -> None:
    """Write the store (or some trials, or one named graph) to ``output`` in format ``fmt``."""
    if fmt not in FORMATS:
        raise GraphError(f"unknown export format {fmt!r} — expected one of {', '.join(EXPORT_FORMATS)}")
    graphs: list[str] | None = None
    if trials:
        graphs = graphs_for_trials(store, trials)
    if graph:
        if not store.has_graph(graph):
            raise GraphError(f"{graph}: no such named graph in the store — 'trialgraph stats' lists them")
        graphs = (graphs or []) + [graph]
    if fmt in _DATASET_FORMATS:
        data: Iterable[ox.Quad] | Iterable[ox.Triple] = _dataset_quads(store, graphs)
    else:
        data = _union_triples(store, graphs)
    prefixes = PREFIXES if fmt in {"turtle", "trig", "rdfxml"} else None
    ox.serialize(data, output, format=FORMATS[fmt], prefixes=prefixes)
