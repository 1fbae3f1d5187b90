"""MeSH descriptors: NLM's descriptor XML (``descYYYY.xml``, streamed) and our descriptor TSV.

The XML is read one ``DescriptorRecord`` at a time with :func:`xml.etree.ElementTree.iterparse`,
and each record is dropped once read, so a full year (about 300 MB) reads in flat memory. External
DTDs are not fetched and no entity expansion is switched on (ElementTree's defaults).

The TSV has the columns ``descriptor_ui  preferred_label  tree_numbers  entry_terms`` and an
optional final ``source``; ``|`` separates multiple values and lines starting with ``#`` are
comments. Some TSV exports lack the 3-character tree numbers of the category roots (C15, C20 ...);
the curated table ``seeds/reference/mesh_roots.tsv`` supplies them.

MeSH is loaded whole into one named graph (:func:`graph_writes`), since broader links are derived
from the tree numbers of all descriptors together. A file named as NLM names a yearly release of
the descriptors, ``descYYYY`` (``desc2025.xml``, ``desc2025.xml.gz``, or the shipped table
``seeds/open/mesh/desc2024.tsv.gz``), is a *release*: it goes into the one MeSH release graph
(:data:`RELEASE_GRAPH`), replacing the release that was there, and empties the graph of the curated
subset (``seeds/reference/mesh.tsv``), which it supersedes — so the store holds one MeSH tree, the
one loaded last. Any other file is a graph of its own, named after the file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path
from array import array
from typing import Callable, Iterator

from graph import iris
from graph.errors import InputError, OntologyError
from graph.paths import seeds_dir
from graph.readers.base import iter_lines, open_binary, text_stream
from graph.records import MeshDescriptor
from graph.reference_triples import mesh_quads, source_quads
from graph.writes import GraphWrite
from graph.terms import Quad, iri, lit
from graph.triples import P

FORMATS = ("mesh-xml", "mesh-tsv")

DESCRIPTOR_UI = re.compile(r"^D\d{6,9}$")
TREE_NUMBER = re.compile(r"^[A-Z]\d{2}(\.\d{3})*$")
ROOT_NUMBER = re.compile(r"^[A-Z]\d{2}$")
TSV_COLUMNS = ("descriptor_ui", "preferred_label", "tree_numbers", "entry_terms")
_TSV_HEADER = "\t".join(TSV_COLUMNS)
_XML_ROOT = b"<DescriptorRecordSet"
_RECORD = "DescriptorRecord"
_EXPECTED_XML = "NLM MeSH descriptor XML (descYYYY.xml)"
_EXPECTED_TSV = ("a tab-separated header 'descriptor_ui <TAB> preferred_label <TAB> tree_numbers <TAB> entry_terms' "
                 "(and optionally 'source')")


def looks_like(path: Path, head: bytes) -> str | None:
    """``mesh-xml`` or ``mesh-tsv`` when the first bytes (decompressed) are MeSH, else None."""
    if _XML_ROOT in head[:2048]:
        return "mesh-xml"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            return "mesh-tsv" if line.startswith(_TSV_HEADER) else None
    return None


def read_descriptors(path: Path, fmt: str, label: str | None = None) -> Iterator[MeshDescriptor]:
    """The descriptors of one file, in file order.

    Raises :class:`InputError` on the first malformed record, after the records before it.
    """
    label = label or str(path)
    if fmt == "mesh-xml":
        yield from _read_xml(path, label)
    elif fmt == "mesh-tsv":
        yield from _read_tsv(path, label)
    else:
        raise InputError(f"unknown MeSH format {fmt!r}", source=label, expected=" or ".join(FORMATS))


class _Seen:
    """The descriptors of a file as read, compactly (a file holds 30,000): a descriptor that occurs
    twice is found when the file has been read, and rejects it."""

    def __init__(self) -> None:
        self.keys = array("q")
        self.places = array("q")

    def add(self, ui: str, place: int) -> None:
        digits = ui[1:]
        self.keys.append(int(digits) * 10 + len(digits))  # D000740 and D0000740 are two UIs
        self.places.append(place)

    def check(self, label: str, where: Callable[[int], str], field: str) -> None:
        order = sorted(range(len(self.keys)), key=self.keys.__getitem__)
        for first, second in zip(order, order[1:]):
            if self.keys[first] == self.keys[second]:
                first, second = sorted((first, second))
                key = self.keys[first]
                ui = "D" + str(key // 10).zfill(key % 10)
                raise InputError(f"descriptor {ui} again (first at {where(self.places[first])})", source=label,
                                 record=where(self.places[second]), field=field,
                                 expected="each descriptor once per file")


#: The graph of the MeSH release in the store (the shipped 2024 descriptors, or a newer release loaded).
RELEASE_GRAPH = iris.mesh_graph("descriptors")
#: The graph of the curated subset ``seeds/reference/mesh.tsv``, which a release supersedes.
CURATED_GRAPH = iris.mesh_graph("mesh.tsv")
#: NLM's name of a yearly descriptor release, in any of the formats read here, gzipped or not
RELEASE_NAME = re.compile(r"desc(\d{4})\.(?:xml|tsv)(?:\.gz)?", re.IGNORECASE)
#: NLM's terms for its downloadable data, MeSH among them
NLM_TERMS = "https://www.nlm.nih.gov/databases/download/terms_and_conditions.html"
DCT_TITLE = iri("http://purl.org/dc/terms/title")
DCT_LICENSE = iri("http://purl.org/dc/terms/license")


def release_year(label: str) -> str | None:
    """The MeSH year of a file named as NLM names a descriptor release, else None.

    >>> release_year("downloads/desc2025.xml.gz"), release_year("desc2024.tsv.gz"), release_year("mesh.tsv")
    ('2025', '2024', None)
    """
    found = RELEASE_NAME.fullmatch(Path(label).name)
    return found.group(1) if found else None


def graph_writes(path: Path, fmt: str, label: str, loaded_at: str) -> list[GraphWrite]:
    """One named graph holding every descriptor of the file, with its provenance; for a release
    (:func:`release_year`) the release graph, and the curated subset's graph emptied."""
    year = release_year(label)
    graph = RELEASE_GRAPH if year else iris.mesh_graph(Path(label).name)
    descriptors = list(read_descriptors(path, fmt, label))
    quads = mesh_quads(descriptors, graph) + source_quads(
        graph, source=label, fmt=fmt, loaded_at=loaded_at, records=len(descriptors)
    )
    if not year:
        return [GraphWrite(graph, "".join(q.nquad() for q in quads), replace=True)]
    g = iri(graph)
    quads += [Quad(g, DCT_TITLE, lit(f"MeSH {year} descriptors (U.S. National Library of Medicine)"), g),
              Quad(g, DCT_LICENSE, iri(NLM_TERMS), g), Quad(g, P.sourceRelease, lit(year), g)]
    return [GraphWrite(graph, "".join(q.nquad() for q in quads), replace=True), GraphWrite(CURATED_GRAPH, "", replace=True)]


# --- XML ----------------------------------------------------------------------------------------


def descriptor_records(path: Path, label: str) -> Iterator[tuple[int, ET.Element]]:
    """The ``DescriptorRecord`` elements of a descriptor XML with their 1-based number, streamed:
    each record is dropped once the next is asked for, so memory stays flat. A wrong root or
    malformed XML is an :class:`InputError` naming the last descriptor read and the position."""
    count = 0
    last = ""
    root: ET.Element | None = None
    with open_binary(path) as stream:
        try:
            for event, elem in ET.iterparse(stream, events=("start", "end")):
                if root is None:
                    root = elem
                    if elem.tag != "DescriptorRecordSet":
                        raise InputError(f"the root element is <{elem.tag}>", source=label,
                                         expected=_EXPECTED_XML)
                if event != "end" or elem.tag != _RECORD:
                    continue
                count += 1
                yield count, elem
                last = (elem.findtext("DescriptorUI") or "").strip()
                root.clear()  # drop the record just read (and its emptied predecessors)
        except ET.ParseError as exc:
            line, column = exc.position
            after = f"after descriptor {count} ({last})" if count else "before the first descriptor"
            reason = str(exc).split(":")[0]
            raise InputError(
                f"malformed or truncated XML {after}: {reason}; the rest of the file was not read",
                source=label,
                record=f"line {line}, column {column}",
                expected=_EXPECTED_XML,
            ) from None


def _read_xml(path: Path, label: str) -> Iterator[MeshDescriptor]:
    seen = _Seen()
    for count, record in descriptor_records(path, label):
        descriptor = _descriptor(record, label, count)
        seen.add(descriptor.ui, count)
        yield descriptor
    seen.check(label, lambda n: f"descriptor {n}", "DescriptorUI")


def _descriptor(record: ET.Element, label: str, count: int) -> MeshDescriptor:
    ui = (record.findtext("DescriptorUI") or "").strip()
    where = f"descriptor {count}" + (f" ({ui})" if ui else "")
    if not DESCRIPTOR_UI.match(ui):
        raise InputError(f"{ui!r} is not a descriptor UI", source=label, record=where,
                         field="DescriptorUI", expected="D followed by 6 to 9 digits")
    name = (record.findtext("DescriptorName/String") or "").strip()
    if not name:
        raise InputError("no preferred label", source=label, record=where,
                         field="DescriptorName/String", expected="the descriptor's name")
    numbers = [(e.text or "").strip() for e in record.iterfind("TreeNumberList/TreeNumber")]
    for number in numbers:
        if not TREE_NUMBER.match(number):
            raise InputError(f"{number!r} is not a tree number", source=label, record=where,
                             field="TreeNumberList/TreeNumber", expected="a tree number such as C15.378.400")
    terms = [(e.text or "").strip() for e in record.iterfind("ConceptList/Concept/TermList/Term/String")]
    entry_terms = [t for t in dict.fromkeys(terms) if t and t != name]
    return MeshDescriptor(ui=ui, label=name, tree_numbers=numbers, entry_terms=entry_terms)


# --- TSV ----------------------------------------------------------------------------------------


def _read_tsv(path: Path, label: str) -> Iterator[MeshDescriptor]:
    roots = mesh_roots()
    columns: list[str] | None = None
    number = 0
    seen = _Seen()
    with text_stream(open_binary(path)) as lines:
        try:
            for number, line in enumerate(lines, start=1):
                line = line.rstrip("\r\n")
                if not line.strip() or line.startswith("#"):
                    continue
                cells = line.split("\t")
                if columns is None:
                    columns = _header(cells, label, number)
                    continue
                descriptor = _row(cells, columns, roots, label, number)
                seen.add(descriptor.ui, number)
                yield descriptor
        except UnicodeDecodeError as exc:
            raise InputError(f"invalid UTF-8 ({exc.reason})", source=label, record=_bad_line(path, number),
                             expected="UTF-8 text") from None
    if columns is None:
        raise InputError("no header row", source=label, expected=_EXPECTED_TSV)
    seen.check(label, lambda n: f"line {n}", "descriptor_ui")


def _bad_line(path: Path, after: int) -> str:
    """Where the first invalid UTF-8 of a file is (text is decoded in chunks, so the error does not say)."""
    with open_binary(path) as stream:
        for number, raw in enumerate(iter_lines(stream), start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return f"line {number}, column {len(raw[:exc.start].decode('utf-8')) + 1}"
    return f"after line {after}"


def _header(cells: list[str], label: str, number: int) -> list[str]:
    if tuple(cells[:4]) != TSV_COLUMNS or cells[4:] not in ([], ["source"]):
        raise InputError(f"unexpected header {chr(9).join(cells)!r}", source=label, record=f"line {number}",
                         expected=_EXPECTED_TSV)
    return cells


def _row(cells: list[str], columns: list[str], roots: dict[str, str], label: str, number: int) -> MeshDescriptor:
    record = f"line {number}"
    if len(cells) != len(columns):
        raise InputError(f"{len(cells)} columns", source=label, record=record,
                         expected=f"{len(columns)} tab-separated columns ({', '.join(columns)})")
    row = dict(zip(columns, cells))
    ui = row["descriptor_ui"].strip()
    if not DESCRIPTOR_UI.match(ui):
        raise InputError(f"{ui!r} is not a descriptor UI", source=label, record=record,
                         field="descriptor_ui", expected="D followed by 6 to 9 digits")
    name = row["preferred_label"].strip()
    if not name:
        raise InputError("empty", source=label, record=record, field="preferred_label",
                         expected="the descriptor's preferred label")
    numbers = _split(row["tree_numbers"])
    for tree_number in numbers:
        if not TREE_NUMBER.match(tree_number):
            raise InputError(f"{tree_number!r} is not a tree number", source=label, record=record,
                             field="tree_numbers", expected="tree numbers such as C15.378.400, separated by '|'")
    root = roots.get(ui)
    if root and root not in numbers:
        numbers.append(root)
    terms = [t for t in dict.fromkeys(_split(row["entry_terms"])) if t != name]
    return MeshDescriptor(ui=ui, label=name, tree_numbers=numbers, entry_terms=terms,
                          source=row.get("source", "").strip())


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


# --- the curated roots table ----------------------------------------------------------------------


ROOTS_COLUMNS = ("descriptor_ui", "tree_number", "preferred_label", "source")


def roots_path() -> Path:
    return seeds_dir() / "reference" / "mesh_roots.tsv"


@lru_cache(maxsize=1)
def mesh_roots() -> dict[str, str]:
    """Descriptor UI -> 3-character tree number of each MeSH category root (our curated table)."""
    path = roots_path()
    if not path.is_file():
        raise OntologyError(f"{path}: missing — expected trialgraph's curated table of MeSH category roots")
    roots: dict[str, str] = {}
    header = True
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.split("\t")
            if header:
                if tuple(cells) != ROOTS_COLUMNS:
                    raise OntologyError(
                        f"{path}: line {number}: unexpected header — expected {' '.join(ROOTS_COLUMNS)}"
                    )
                header = False
                continue
            if len(cells) != len(ROOTS_COLUMNS) or not DESCRIPTOR_UI.match(cells[0]) \
                    or not ROOT_NUMBER.match(cells[1]):
                raise OntologyError(f"{path}: line {number}: malformed row — expected a descriptor UI, "
                                    "a 3-character tree number, a label and a source")
            roots[cells[0]] = cells[1]
    return roots
