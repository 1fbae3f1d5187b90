"""Export: the store as RDF files, deterministic so that diffs are meaningful.

N-Quads and TriG carry the whole dataset with its named graphs; Turtle, N-Triples, JSON-LD and
RDF/XML carry the union graph (each triple once). Output is sorted — graphs by name, then
statements by their N-Triples form — so the same store content always gives the same bytes,
whatever order it was loaded in.

Each graph is read as canonical N-Triples and sorted; the union is merged from sorted runs kept
in temporary files, so memory is bounded by a run, not by the size of the store. pyoxigraph's
streaming writers then give the other syntaxes, with our prefixes.

``--trial`` exports those trials' graphs and what the shared entities graph says about the
sponsors, sites, people, conditions and drugs they name.
"""

from __future__ import annotations

import heapq
import io
import tempfile
from contextlib import ExitStack
from typing import IO, Iterable, Iterator, Sequence

import pyoxigraph as ox

from graph import iris
from graph.errors import GraphError
from graph.readers.rdf import FORMATS
from graph.store import Store
from graph.vocab import ENTITIES_GRAPH, PREFIXES

#: Export formats, as ``--format`` spells them.
EXPORT_FORMATS: tuple[str, ...] = tuple(FORMATS)

_DATASET_FORMATS = {"nquads", "trig"}
#: File name extensions for each format.
EXTENSIONS = {
    "turtle": ".ttl", "ntriples": ".nt", "nquads": ".nq", "trig": ".trig", "jsonld": ".jsonld",
    "rdfxml": ".rdf",
}
#: Lines sorted in memory at once before they go to a temporary run file.
RUN_LINES = 1_000_000


def graphs_for_trials(store: Store, nct_ids: Sequence[str]) -> list[str]:
    """The named graphs of the given trials; an unknown NCT id is an error."""
    graphs = []
    for nct in nct_ids:
        graph = iris.trial_graph(nct.strip())
        if not store.has_graph(graph):
            raise GraphError(f"{nct}: no such trial in the store — expected the NCT id of a loaded trial")
        graphs.append(graph)
    return graphs


def _lines(store: Store, graph: str | None) -> list[str]:
    """A graph's statements as N-Triples lines (``None``: the default graph)."""
    dump = getattr(store, "dump_ntriples", None)
    if dump is not None:
        # split at "\n" only: str.splitlines() also splits at U+2028, U+0085 ... which N-Triples
        # keeps raw inside literals
        return dump(graph).decode("utf-8").split("\n")[:-1]
    return [f"{q.triple} ." for q in store.quads("" if graph is None else graph)]


def _entity_lines(store: Store, graphs: Sequence[str]) -> list[str]:
    """What the entities graph says about the IRIs the given graphs name (and what those name)."""
    entities = ox.NamedNode(ENTITIES_GRAPH)
    seen: set[ox.NamedNode] = set()
    frontier = {q.object for g in graphs for q in store.quads(g) if isinstance(q.object, ox.NamedNode)}
    frontier |= {q.subject for g in graphs for q in store.quads(g) if isinstance(q.subject, ox.NamedNode)}
    out: list[str] = []
    for _ in range(3):  # site -> operator, condition -> its MeSH link nodes
        following: set[ox.NamedNode] = set()
        for node in frontier - seen:
            seen.add(node)
            for q in store.quads_of_subject(node):
                if q.graph_name == entities:
                    out.append(f"{q.triple} .")
                    if isinstance(q.object, ox.NamedNode):
                        following.add(q.object)
        frontier = following
    return out


def _sorted_runs(lines: Iterable[str], stack: ExitStack) -> Iterator[str]:
    """The lines sorted and without repeats, sorting at most :data:`RUN_LINES` in memory."""
    runs: list[IO[str]] = []
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= RUN_LINES:
            runs.append(_spill(sorted(set(chunk)), stack))
            chunk = []
    if not runs:
        yield from sorted(set(chunk))
        return
    runs.append(_spill(sorted(set(chunk)), stack))
    previous = None
    for line in heapq.merge(*((ln.rstrip("\n") for ln in run) for run in runs)):
        if line != previous:
            yield line
            previous = line


def _spill(lines: list[str], stack: ExitStack) -> IO[str]:
    run = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))
    run.writelines(line + "\n" for line in lines)
    run.seek(0)
    return run


class _LineStream(io.RawIOBase):
    """Lines of text as a binary stream, for pyoxigraph's parser."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._batches = _batches(lines)
        self._buffer = b""
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray) -> int:  # type: ignore[override]
        if self._offset >= len(self._buffer):
            batch = next(self._batches, None)
            if batch is None:
                return 0
            self._buffer, self._offset = batch.encode("utf-8"), 0
        n = min(len(target), len(self._buffer) - self._offset)
        target[:n] = self._buffer[self._offset:self._offset + n]
        self._offset += n
        return n


def _dataset_lines(store: Store, graphs: Sequence[str] | None, extra: list[str]) -> Iterator[str]:
    """N-Quads lines: the default graph, then each named graph in order, each sorted."""
    if graphs is None:
        yield from sorted(set(_lines(store, None)))
        named = store.named_graphs()
    else:
        named = list(graphs) + ([ENTITIES_GRAPH] if extra else [])
    for graph in sorted(named):
        term = f" <{graph}> ."
        lines = extra if graph == ENTITIES_GRAPH and graphs is not None else _lines(store, graph)
        for line in sorted(set(lines)):
            yield line[:-2] + term


def _union_lines(store: Store, graphs: Sequence[str] | None, extra: list[str]) -> Iterator[str]:
    named = store.named_graphs() if graphs is None else list(graphs)
    sources: list[str | None] = [None, *named] if graphs is None else named

    def every_line() -> Iterator[str]:
        for graph in sources:
            yield from _lines(store, graph)
        yield from extra

    with ExitStack() as stack:
        yield from _sorted_runs(every_line(), stack)


def export(
    store: Store,
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
    extra: list[str] = []
    if trials:
        graphs = graphs_for_trials(store, trials)
        extra = _entity_lines(store, graphs)
    if graph:
        if not store.has_graph(graph):
            raise GraphError(f"{graph}: no such named graph in the store — 'trialgraph stats' lists them")
        graphs = (graphs or []) + [graph]
    if fmt in _DATASET_FORMATS:
        lines: Iterator[str] = _dataset_lines(store, graphs, extra)
        source_format = ox.RdfFormat.N_QUADS
    else:
        lines = _union_lines(store, graphs, extra)
        source_format = ox.RdfFormat.N_TRIPLES
    if fmt in ("nquads", "ntriples"):  # already in their own syntax
        for batch in _batches(lines):
            output.write(batch.encode("utf-8"))
        return
    prefixes = PREFIXES if fmt in {"turtle", "trig", "rdfxml"} else None
    parsed = ox.parse(_LineStream(lines), format=source_format)
    ox.serialize(parsed, output, format=FORMATS[fmt], prefixes=prefixes)


def _batches(lines: Iterable[str], size: int = 8192) -> Iterator[str]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "\n".join(batch) + "\n"
            batch = []
    if batch:
        yield "\n".join(batch) + "\n"
