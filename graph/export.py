"""Export: the store as RDF files, deterministic so that diffs are meaningful.

N-Quads and TriG carry the whole dataset with its named graphs; Turtle, N-Triples, JSON-LD and
RDF/XML carry the union graph (each triple once). Output is sorted — graphs by name, then
statements by their N-Triples form — so the same store content always gives the same bytes,
whatever order it was loaded in.

Each graph is read as canonical N-Triples and sorted; the union is merged from sorted runs kept
in temporary files, so memory is bounded by a run, not by the size of the store. pyoxigraph's
streaming writers then give the other syntaxes, with our prefixes. An on-disk store's graphs are
read by two threads a few graphs ahead of the writer: the store decodes its terms outside
Python's lock, and reading is most of an export's work.

``--trial`` exports those trials' graphs and what the shared entities graph says about the
sponsors, sites, people, conditions and drugs they name.

A Turtle or N-Triples export of some graphs (``--trial``, ``--graph``) begins with comment lines
naming them (:func:`graph.readers.rdf.export_origin` reads them back), so that loading the file
again replaces those graphs instead of adding a copy of their triples (see :mod:`graph.readers.rdf`).
"""

from __future__ import annotations

import heapq
import io
import tempfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from itertools import chain, islice
from typing import IO, Callable, Iterable, Iterator, Sequence, TypeVar

import pyoxigraph as ox

from graph import iris
from graph.errors import GraphError
from graph.readers.rdf import FORMATS, ORIGIN_FORMATS, origin_header
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
#: Threads reading graphs from an embedded store at once, and graphs each may read ahead.
READERS = 2
READ_AHEAD = 8
#: Lines joined into one piece of output text (and of a run file).
PIECE_LINES = 8192

T = TypeVar("T")


def graphs_for_trials(store: Store, nct_ids: Sequence[str]) -> list[str]:
    """The named graphs of the given trials; an unknown NCT id is an error."""
    graphs = []
    for nct in nct_ids:
        graph = iris.trial_graph(nct.strip())
        if not store.has_graph(graph):
            raise GraphError(f"{nct}: no such trial in the store — expected the NCT id of a loaded trial")
        graphs.append(graph)
    return graphs


def _statements(store: Store, graph: str | None) -> list[str]:
    """A graph's statements in N-Triples, each without its closing `` .`` (``None``: the default graph)."""
    dump = getattr(store, "dump_ntriples", None)
    if dump is not None:
        text = dump(graph).decode("utf-8")
        # canonical N-Triples: every line ends " .\n", and a line feed inside a literal is escaped
        # (split at that only: str.splitlines() also splits at U+2028, U+0085 ..., kept raw)
        return text[:-3].split(" .\n") if text else []
    return [str(q.triple) for q in store.quads("" if graph is None else graph)]


def _block(statements: Iterable[str], graph: str | None) -> str:
    """Statements, sorted and each once, as N-Quads lines in ``graph`` (N-Triples if ``None``)."""
    end = f" <{graph}> .\n" if graph else " .\n"
    ordered = sorted(set(statements))
    return end.join(ordered) + end if ordered else ""


def _graph_block(store: Store, graph: str | None) -> str:
    return _block(_statements(store, graph), graph)


def _read_ahead(store: Store, read: Callable[[Store, str | None], T], graphs: Iterable[str | None]) -> Iterator[T]:
    """``read(store, graph)`` of each graph, in the order of ``graphs``.

    On a store that dumps graphs itself (an embedded one), :data:`READERS` threads read up to
    :data:`READ_AHEAD` graphs each ahead of the consumer, so memory holds a few graphs at most.
    Other stores are read one graph at a time.
    """
    if getattr(store, "dump_ntriples", None) is None or READERS < 2:
        for graph in graphs:
            yield read(store, graph)
        return
    pending: deque[Future[T]] = deque()
    with ThreadPoolExecutor(READERS, thread_name_prefix="trialgraph-export") as pool:
        try:
            for graph in graphs:
                pending.append(pool.submit(read, store, graph))
                if len(pending) >= READERS * READ_AHEAD:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # the consumer stopped early or a read failed: read nothing more
            for future in pending:
                future.cancel()


def _entity_statements(store: Store, graphs: Sequence[str]) -> list[str]:
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
                    out.append(str(q.triple))
                    if isinstance(q.object, ox.NamedNode):
                        following.add(q.object)
        frontier = following
    return out


def _sorted_runs(parts: Iterable[list[str]], stack: ExitStack) -> Iterator[str]:
    """The statements of all parts sorted and without repeats, sorting at most :data:`RUN_LINES`
    in memory at once (the rest wait in temporary files)."""
    runs: list[IO[str]] = []
    chunk: list[str] = []
    for part in parts:
        chunk.extend(part)
        if len(chunk) >= RUN_LINES:
            runs.append(_spill(sorted(set(chunk)), stack))
            chunk = []
    if not runs:
        yield from sorted(set(chunk))
        return
    runs.append(_spill(sorted(set(chunk)), stack))
    previous = None
    for line in heapq.merge(*((ln[:-1] for ln in run) for run in runs)):
        if line != previous:
            yield line
            previous = line


def _spill(lines: list[str], stack: ExitStack) -> IO[str]:
    # the run's own line feeds only: newline="\n" keeps U+2028 and the like inside a line
    run = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n"))
    for start in range(0, len(lines), PIECE_LINES):
        run.write("\n".join(lines[start:start + PIECE_LINES]) + "\n")
    run.seek(0)
    return run


class _TextStream(io.RawIOBase):
    """Pieces of text as a binary stream, for pyoxigraph's parser."""

    def __init__(self, pieces: Iterable[str]) -> None:
        self._pieces = iter(pieces)
        self._buffer = b""
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray) -> int:  # type: ignore[override]
        while self._offset >= len(self._buffer):
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._buffer, self._offset = piece.encode("utf-8"), 0
        n = min(len(target), len(self._buffer) - self._offset)
        target[:n] = self._buffer[self._offset:self._offset + n]
        self._offset += n
        return n


def _dataset_text(store: Store, graphs: Sequence[str] | None, extra: list[str]) -> Iterator[str]:
    """N-Quads, a graph at a time: the default graph, then each named graph in order, each sorted.

    ``extra`` is what the entities graph says about the exported trials: it stands for that graph
    unless the graph was asked for whole.
    """
    if graphs is None:
        named, partial = [None, *store.named_graphs()], {}
    else:
        partial = {ENTITIES_GRAPH: extra} if extra and ENTITIES_GRAPH not in graphs else {}
        named = sorted(set(graphs) | set(partial))
    read = _read_ahead(store, _graph_block, [g for g in named if g not in partial])
    for graph in named:
        yield _block(partial[graph], graph) if graph in partial else next(read)


def _union_text(store: Store, graphs: Sequence[str] | None, extra: list[str]) -> Iterator[str]:
    """N-Triples of the union of the graphs (all of them if ``None``), sorted, each triple once."""
    sources: list[str | None] = [None, *store.named_graphs()] if graphs is None else list(graphs)
    with ExitStack() as stack:
        lines = _sorted_runs(chain(_read_ahead(store, _statements, sources), [extra]), stack)
        for batch in iter(lambda: list(islice(lines, PIECE_LINES)), []):
            yield " .\n".join(batch) + " .\n"


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
        extra = _entity_statements(store, graphs)
    if graph:
        if not store.has_graph(graph):
            raise GraphError(f"{graph}: no such named graph in the store — 'trialgraph stats' lists them")
        graphs = (graphs or []) + [graph]
    if graphs is not None and fmt in ORIGIN_FORMATS:
        output.write(origin_header(graphs, partial=[ENTITIES_GRAPH] if extra and ENTITIES_GRAPH not in graphs
                                   else []).encode("utf-8"))
    if fmt in _DATASET_FORMATS:
        text = _dataset_text(store, graphs, extra)
        source_format = ox.RdfFormat.N_QUADS
    else:
        text = _union_text(store, graphs, extra)
        source_format = ox.RdfFormat.N_TRIPLES
    if fmt in ("nquads", "ntriples"):  # already in their own syntax
        for piece in text:
            output.write(piece.encode("utf-8"))
        return
    prefixes = PREFIXES if fmt in {"turtle", "trig", "rdfxml"} else None
    parsed = ox.parse(_TextStream(text), format=source_format)
    ox.serialize(parsed, output, format=FORMATS[fmt], prefixes=prefixes)
