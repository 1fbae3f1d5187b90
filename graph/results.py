"""Query results in the formats users read or feed to other tools.

``json``, ``xml``, ``csv`` and ``tsv`` are the W3C SPARQL 1.1 result formats (written by
pyoxigraph, streamed). ``table`` is for people at a terminal (IRIs shortened to CURIEs, long
values cut), ``md`` a Markdown table for notes and reports. CONSTRUCT and DESCRIBE results are RDF
in any of the export formats.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Iterable, Sequence

import pyoxigraph as ox

from graph.errors import GraphError
from graph.readers.rdf import FORMATS as RDF_FORMATS
from graph.vocab import PREFIXES

#: Formats for SELECT and ASK results.
SOLUTION_FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json", "xml", "md")
_W3C = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}
#: Longest cell shown by the ``table`` format.
MAX_CELL = 60

_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def curie(iri: str) -> str:
    """The shortest CURIE for an IRI under our prefixes, or the IRI in angle brackets.

    >>> curie("http://id.nlm.nih.gov/mesh/D006086")
    'mesh:D006086'
    """
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace):
            local = iri[len(namespace):]
            if local and all(ch.isalnum() or ch in "-_." for ch in local):
                return f"{prefix}:{local}"
    return f"<{iri}>"


def display(term: object | None) -> str:
    """A term as a person reads it: CURIE for IRIs, the lexical value for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return curie(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def plain(term: object | None) -> str:
    """A term's value (IRI or lexical form), for CSV cells and Python rows."""
    if term is None:
        return ""
    return getattr(term, "value", str(term))


_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = frozenset(_XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"))
_FLOATS = frozenset({_XSD + "double", _XSD + "float"})


def _date(text: str) -> _dt.date:
    # xsd:date may carry a time zone (2024-01-31Z, 2024-01-31+02:00); a calendar day has none
    return _dt.date.fromisoformat(text[:10]) if len(text) > 10 else _dt.date.fromisoformat(text)


def _datetime(text: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


_CONVERT = {
    **{t: int for t in _INTEGERS},
    **{t: float for t in _FLOATS},
    _XSD + "decimal": Decimal,
    _XSD + "boolean": lambda text: text.strip() in ("true", "1"),
    _XSD + "date": _date,
    _XSD + "dateTime": _datetime,
    _XSD + "gYear": int,
}


def python_value(term: object | None) -> object | None:
    """A term as the Python value of its RDF datatype.

    ``xsd:integer`` and its subtypes (and ``xsd:gYear``) give ``int``, ``xsd:decimal`` gives
    ``Decimal``, ``xsd:double``/``xsd:float`` ``float``, ``xsd:boolean`` ``bool``, ``xsd:date``
    ``datetime.date``, ``xsd:dateTime`` ``datetime.datetime``; other literals (strings, language
    strings) give their text. IRIs give the full IRI as a string, blank nodes ``_:label``; an
    unbound value is ``None``. A literal whose text is not valid for its datatype stays text.

    >>> python_value(ox.Literal("4", datatype=ox.NamedNode(_XSD + "integer")))
    4
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        convert = _CONVERT.get(term.datatype.value)
        if convert is None:
            return term.value
        try:
            return convert(term.value.strip())
        except (ValueError, InvalidOperation):
            return term.value
    return str(term)


@dataclass
class Table:
    """A SELECT result held in memory."""

    variables: list[str]
    rows: list[tuple[object | None, ...]]

    @classmethod
    def from_solutions(cls, solutions: ox.QuerySolutions) -> "Table":
        names = [v.value for v in solutions.variables]
        return cls(names, [tuple(row[n] for n in names) for row in solutions])

    def records(self) -> list[dict[str, str]]:
        """Rows as dicts of plain values (every value its lexical form or IRI; unbound is ``""``)."""
        return [{n: plain(v) for n, v in zip(self.variables, row)} for row in self.rows]

    def values(self) -> list[dict[str, object | None]]:
        """Rows as dicts of Python values of the RDF datatypes (see :func:`python_value`)."""
        return [{n: python_value(v) for n, v in zip(self.variables, row)} for row in self.rows]

    def datatypes(self) -> dict[str, set[str]]:
        """For each column, the datatypes of its literals (``"iri"`` for IRIs and blank nodes)."""
        found: dict[str, set[str]] = {n: set() for n in self.variables}
        for row in self.rows:
            for name, term in zip(self.variables, row):
                if isinstance(term, ox.Literal):
                    found[name].add(term.datatype.value)
                elif term is not None:
                    found[name].add("iri")
        return found


def _cut(text: str, limit: int) -> tuple[str, bool]:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text, False
    return text[: limit - 1] + "…", True


def render_table(variables: Sequence[str], rows: Iterable[Sequence[object | None]]) -> tuple[str, bool]:
    """A fixed-width text table; the flag says whether any value was cut."""
    cut_any = False
    cells: list[list[str]] = []
    for row in rows:
        line = []
        for value in row:
            text, cut = _cut(display(value), MAX_CELL)
            cut_any |= cut
            line.append(text)
        cells.append(line)
    widths = [len(v) for v in variables]
    for line in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, line)]
    def fmt(line: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip()
    out = [fmt(variables), fmt(["-" * w for w in widths])]
    out.extend(fmt(line) for line in cells)
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out) + "\n", cut_any


def render_markdown(variables: Sequence[str], rows: Iterable[Sequence[object | None]]) -> str:
    def cell(value: object | None) -> str:
        text = " ".join(display(value).split())
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # data is never markup
        return text.replace("|", "\\|")
    out = ["| " + " | ".join(variables) + " |", "|" + "---|" * len(variables)]
    out.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return "\n".join(out) + "\n"


def write_result(result: object, out: IO[bytes], fmt: str, *, err: IO[str] | None = None) -> None:
    """Write any query result (solutions, boolean, triples) to a binary stream."""
    if isinstance(result, ox.QueryTriples):
        rdf_fmt = "turtle" if fmt == "table" else fmt
        if rdf_fmt not in RDF_FORMATS:
            raise GraphError(
                f"--format {fmt} is for SELECT/ASK results — expected an RDF format for CONSTRUCT/DESCRIBE: "
                + ", ".join(RDF_FORMATS)
            )
        prefixes = PREFIXES if rdf_fmt in {"turtle", "trig", "rdfxml"} else None
        ox.serialize(result, out, format=RDF_FORMATS[rdf_fmt], prefixes=prefixes)
        return
    if fmt not in SOLUTION_FORMATS:
        raise GraphError(
            f"--format {fmt} is for CONSTRUCT/DESCRIBE results — expected one of {', '.join(SOLUTION_FORMATS)}"
        )
    if isinstance(result, ox.QueryBoolean):
        if fmt in ("json", "xml"):
            result.serialize(out, format=_W3C[fmt])
        else:
            out.write(b"true\n" if bool(result) else b"false\n")
        return
    assert isinstance(result, ox.QuerySolutions)
    if fmt in _W3C:
        result.serialize(out, format=_W3C[fmt])
        return
    table = Table.from_solutions(result)
    if fmt == "md":
        out.write(render_markdown(table.variables, table.rows).encode("utf-8"))
        return
    text, cut = render_table(table.variables, table.rows)
    out.write(text.encode("utf-8"))
    if cut and err is not None:
        print(f"note: values longer than {MAX_CELL} characters were cut; --format csv gives them whole", file=err)


def table_csv(table: Table, delimiter: str = ",") -> str:
    """A :class:`Table` as CSV of plain values (for files users open in spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(table.variables)
    writer.writerows([plain(v) for v in row] for row in table.rows)
    return buffer.getvalue()
