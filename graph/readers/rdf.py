"""RDF files: trialgraph's own exports, or any RDF, loaded as they are.

Quad formats (N-Quads, TriG) keep their named graphs: each graph in the file replaces the graph of
that name in the store. Triple formats go to one named graph per file (``tgg:file/<name>``),
replaced when the same file name is loaded again.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from graph.errors import InputError
from graph.vocab import BASE

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
