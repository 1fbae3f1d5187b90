"""RDF files: trialgraph's own exports, or any RDF, loaded as they are.

Quad formats (N-Quads, TriG) keep their named graphs: each graph in the file replaces the graph of
that name in the store. Triple formats go to one named graph per file (``tgg:file/<name>``),
replaced when the same file name is loaded again.

trialgraph's own Turtle and N-Triples exports of some graphs (``export --trial`` or ``--graph``)
are the exception: they begin with comment lines naming the graphs they came from
(:func:`origin_header`), and loading one replaces those graphs (:func:`reload_plan`). A triple the
store already holds in one of them stays in that graph; a graph exported whole loses the triples
the file no longer has; the triples no named graph holds go to the one graph exported whole (a
single trial's graph) or, when the file names several, to the file's graph. A graph the export
holds only part of (the shared entities graph beside ``--trial``) keeps everything it has. So
loading an export back, once or many times, leaves the store as it was, and an edited export
replaces what it says of its trial.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Sequence

import pyoxigraph as ox

from graph.errors import InputError
from graph.vocab import BASE

if TYPE_CHECKING:
    from graph.store import Store

#: Format names, as ``--format`` spells them, and their pyoxigraph formats.
FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}

_EXTENSIONS = {
    ".ttl": "turtle",
    ".nt": "ntriples",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "jsonld",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
}


def format_for(path: Path) -> str | None:
    """The RDF format named by a file's extension (``.ttl``, ``.nq.gz`` ...), if any."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return _EXTENSIONS.get(suffixes[-1]) if suffixes else None


def has_graphs(fmt: str) -> bool:
    return FORMATS[fmt].supports_datasets


#: Blank nodes of loaded RDF become IRIs under this namespace (RDF 1.1 skolemisation), named by a
#: canonical labelling of their graph, so loading the same file twice gives the same quads.
GENID_NS = BASE + ".well-known/genid/"


def open_rdf(path: Path) -> IO[bytes]:
    """A file's bytes, gunzipped when its name ends in ``.gz``."""
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")  # type: ignore[return-value]


def _parse(path: Path, fmt: str, stream: IO[bytes]):  # noqa: ANN202 - iterator of ox.Quad
    return ox.parse(stream, format=FORMATS[fmt], base_iri=path.resolve().as_uri())


def scan(path: Path, fmt: str) -> tuple[list[str], bool, int]:
    """The named graphs a file fills, whether it holds blank nodes, and its number of quads.

    The whole file is parsed, so a syntax error is found before anything is written.
    """
    graphs: set[str] = set()
    blank = False
    count = 0
    try:
        with open_rdf(path) as stream:
            for count, q in enumerate(_parse(path, fmt, stream), start=1):
                if isinstance(q.graph_name, ox.NamedNode):
                    graphs.add(q.graph_name.value)
                if not blank and (isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)):
                    blank = True
    except SyntaxError as exc:
        raise InputError(f"not valid {fmt}: {exc}", source=str(path)) from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=str(path)) from None
    return sorted(graphs), blank, count


def skolemized_quads(path: Path, fmt: str, graph: str | None = None) -> list[ox.Quad]:
    """The file's quads with every blank node replaced by a deterministic IRI (held in memory).

    Triples go to ``graph`` (when given). Blank nodes are labelled canonically (RDFC-1.0), then
    named ``GENID_NS + <hash of the file's graph names>-<label>``.
    """
    target = ox.NamedNode(graph) if graph else None
    dataset = ox.Dataset()
    try:
        with open_rdf(path) as stream:
            for q in _parse(path, fmt, stream):
                if target is not None and isinstance(q.graph_name, ox.DefaultGraph):
                    q = ox.Quad(q.subject, q.predicate, q.object, target)
                dataset.add(q)
    except SyntaxError as exc:
        raise InputError(f"not valid {fmt}: {exc}", source=str(path)) from None
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    names = sorted({str(q.graph_name) for q in dataset})
    scope = hashlib.sha1("\n".join(names).encode("utf-8")).hexdigest()[:12]

    def skolem(term):  # noqa: ANN001, ANN202
        return ox.NamedNode(f"{GENID_NS}{scope}-{term.value}") if isinstance(term, ox.BlankNode) else term

    return [ox.Quad(skolem(q.subject), q.predicate, skolem(q.object), q.graph_name) for q in dataset]


# --- trialgraph's own exports of some graphs, loaded back -------------------------------------

#: Triple formats whose exports name the graphs they came from (their syntax has comments).
ORIGIN_FORMATS = frozenset({"turtle", "ntriples"})
_WHOLE = "# trialgraph export of graph "
_PART = "# trialgraph export of part of graph "
#: Bytes read at the start of a file to find its header (a line per graph: a few hundred graphs).
_HEADER_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ExportOrigin:
    """The graphs a trialgraph triple export came from: ``whole`` ones were exported whole,
    ``partial`` ones only in part (the shared entities graph beside ``--trial``)."""

    whole: tuple[str, ...]
    partial: tuple[str, ...] = ()


def origin_header(whole: Sequence[str], partial: Sequence[str] = ()) -> str:
    """The comment lines that begin a Turtle or N-Triples export of these graphs."""
    lines = [f"{_WHOLE}<{g}>\n" for g in sorted(set(whole))]
    lines += [f"{_PART}<{g}>\n" for g in sorted(set(partial) - set(whole))]
    return "".join(lines)


def export_origin(path: Path, fmt: str) -> ExportOrigin | None:
    """The graphs a file names in a trialgraph export header, or None for any other file.

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "t.nt"
    >>> _ = f.write_text(origin_header(["x:g"], ["x:e"]) + "<x:s> <x:p> <x:o> .\\n")
    >>> export_origin(f, "ntriples")
    ExportOrigin(whole=('x:g',), partial=('x:e',))
    """
    if fmt not in ORIGIN_FORMATS:
        return None
    try:
        with open_rdf(path) as stream:
            start = stream.read(_HEADER_BYTES)
    except (OSError, EOFError):
        return None  # the parser that reads the file says what is wrong with it
    whole: list[str] = []
    partial: list[str] = []
    for line in start.decode("utf-8", errors="replace").split("\n"):
        for prefix, into in ((_WHOLE, whole), (_PART, partial)):
            if line.startswith(prefix) and line.endswith(">") and line[len(prefix)] == "<":
                into.append(line[len(prefix) + 1:-1])
                break
        else:
            break  # the header ends at the first other line
    return ExportOrigin(tuple(whole), tuple(partial)) if whole or partial else None


def reload_plan(store: "Store", path: Path, fmt: str, origin: ExportOrigin,
                file_graph: str) -> tuple[list[str], list[ox.Quad]]:
    """What loading a trialgraph export back writes: the graphs it replaces and their new content.

    Each triple of the file stays in the graphs the export names that hold it now; the others go
    to the only graph exported whole, or to ``file_graph`` when there are several (or none). A
    graph exported whole is replaced by the triples of the file it keeps (plus those that have no
    other place); a graph exported in part is not touched (nothing is taken from it, and what the
    file says of it that it lacks goes, like any unplaced triple, to the graph named above).
    """
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in skolemized_quads(path, fmt)}
    named = set(origin.whole) | set(origin.partial)
    held: dict[ox.Triple, set[str]] = {}
    for subject in {t.subject for t in triples}:
        for q in store.quads_of_subject(subject):
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in named:
                held.setdefault(q.triple, set()).add(q.graph_name.value)
    home = origin.whole[0] if len(origin.whole) == 1 else file_graph
    replaced = sorted(set(origin.whole) | {home})
    quads = []
    for triple in sorted(triples, key=str):
        places = held.get(triple, set()) & set(origin.whole) if triple in held else {home}
        for graph in sorted(places):
            quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, ox.NamedNode(graph)))
    return replaced, quads
