"""RDF terms as N-Triples text, and cleaning of text that comes from input files.

Mapping a record builds each term as its N-Triples string, and each statement as its N-Quads line.
That keeps the mapping pure and cheap (no per-term Python objects), and lets the store take whole
batches as N-Quads.

>>> iri("https://clinicaltrials.gov/study/NCT05873205")
'<https://clinicaltrials.gov/study/NCT05873205>'
>>> lit('say "hi"\\n')
'"say \\\\"hi\\\\"\\\\n"'
>>> typed("25", XSD_INTEGER)
'"25"^^<http://www.w3.org/2001/XMLSchema#integer>'
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import quote

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
XSD_DECIMAL = XSD + "decimal"
XSD_DOUBLE = XSD + "double"
XSD_BOOLEAN = XSD + "boolean"
XSD_DATE = XSD + "date"
XSD_DATETIME = XSD + "dateTime"
XSD_GYEARMONTH = XSD + "gYearMonth"
XSD_GYEAR = XSD + "gYear"
XSD_DURATION = XSD + "duration"
XSD_ANYURI = XSD + "anyURI"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SKOS_PREF_LABEL = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
SKOS_ALT_LABEL = "<http://www.w3.org/2004/02/skos/core#altLabel>"
SKOS_EXACT_MATCH = "<http://www.w3.org/2004/02/skos/core#exactMatch>"
DCT_SOURCE = "<http://purl.org/dc/terms/source>"


class Quad(NamedTuple):
    """One quad, each part already in N-Triples syntax."""

    s: str
    p: str
    o: str
    g: str

    def nquad(self) -> str:
        return f"{self.s} {self.p} {self.o} {self.g} .\n"


# Characters that may not appear raw inside an IRI in N-Triples / Turtle / SPARQL.
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
# Characters that must be escaped inside a quoted literal.
_LIT_SPECIAL = re.compile(r'[\x00-\x1f"\\\x7f]')
_LIT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    return _LIT_ESCAPES.get(ch) or f"\\u{ord(ch):04X}"


def iri(value: str) -> str:
    """An IRI term. Characters that IRIs may not hold are percent-encoded, so the result is
    always a valid term whatever the input."""
    if _IRI_UNSAFE.search(value):
        value = _IRI_UNSAFE.sub(lambda m: quote(m.group(), safe=""), value)
    return f"<{value}>"


def _quoted(text: str) -> str:
    if _LIT_SPECIAL.search(text):
        text = _LIT_SPECIAL.sub(_escape_char, text)
    return f'"{text}"'


def lit(text: str) -> str:
    """A plain string literal (``xsd:string``)."""
    return _quoted(text)


def typed(value: str, datatype: str) -> str:
    """A literal with a datatype IRI (given without angle brackets)."""
    return f"{_quoted(value)}^^<{datatype}>"


def lang_lit(text: str, lang: str) -> str:
    """A language-tagged string literal."""
    return f"{_quoted(text)}@{lang}"


def boolean(value: bool) -> str:
    return typed("true" if value else "false", XSD_BOOLEAN)


def integer(value: int) -> str:
    return typed(str(int(value)), XSD_INTEGER)


def decimal(value: float) -> str:
    text = f"{value:.6f}".rstrip("0")
    if text.endswith("."):
        text += "0"
    return typed(text, XSD_DECIMAL)


_UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text from an input file, made safe for every RDF syntax we write.

    Control characters that XML cannot carry and lone UTF-16 surrogates (possible in JSON escapes)
    become U+FFFD; everything else, including line breaks, is kept as given.

    >>> clean_text("a\\x00b")
    'a\\ufffdb'
    """
    if _UNSAFE_TEXT.search(text):
        text = _UNSAFE_TEXT.sub("\ufffd", text)
    return text
