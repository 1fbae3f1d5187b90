"""The parts of the SPARQL 1.1 Protocol that need no server: content negotiation, reading a request's
query or update, and refusing what this server does not do.

Everything here is pure (strings in, values or :class:`HttpError` out), so it is tested without a
socket and shared by the serving process and its query workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence
from urllib.parse import parse_qsl

from graph.errors import GraphError
from graph.sparql import grammar_rules, mentions


class HttpError(GraphError):
    """A request this server answers with an error status and a one-line message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})  #: extra response headers (Retry-After)


@dataclass(frozen=True)
class Format:
    name: str  #: as in ``--format`` and ``?format=``: json, csv, turtle ...
    media_type: str  #: what the response says it is
    kind: str  #: "solutions" (SELECT/ASK) or "graph" (CONSTRUCT/DESCRIBE)
    aliases: tuple[str, ...] = ()  #: other media types a client may ask for


#: Result formats, in the server's order of preference (the first is the default).
SOLUTION_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "solutions", ("application/json",)),
    Format("xml", "application/sparql-results+xml", "solutions", ("application/xml", "text/xml")),
    Format("csv", "text/csv", "solutions"),
    Format("tsv", "text/tab-separated-values", "solutions"),
)
GRAPH_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", "graph", ("application/x-turtle",)),
    Format("ntriples", "application/n-triples", "graph", ("text/plain",)),
    Format("nquads", "application/n-quads", "graph"),
    Format("trig", "application/trig", "graph"),
    Format("jsonld", "application/ld+json", "graph", ("application/json",)),
    Format("rdfxml", "application/rdf+xml", "graph", ("application/xml", "text/xml")),
)
FORMATS: dict[str, Format] = {f.name: f for f in (*SOLUTION_FORMATS, *GRAPH_FORMATS)}
#: File extensions a report may be asked for by (``/reports/NAME.csv``).
EXTENSIONS: dict[str, str] = {"json": "json", "csv": "csv", "tsv": "tsv", "xml": "xml",
                              "ttl": "turtle", "nt": "ntriples", "jsonld": "jsonld", "rdf": "rdfxml"}


def _ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their weights (``q``), malformed parts skipped."""
    out = []
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append((media, q))
    return out


def _weight(fmt: Format, ranges: Sequence[tuple[str, float]]) -> float:
    """The weight the client gives ``fmt``: from its most specific matching range (RFC 9110 12.5.1)."""
    best: tuple[int, float] | None = None
    for media, q in ranges:
        if media in (fmt.media_type, *fmt.aliases):
            specificity = 3
        elif media.endswith("/*") and fmt.media_type.startswith(media[:-1]):
            specificity = 2
        elif media == "*/*":
            specificity = 1
        else:
            continue
        if best is None or specificity > best[0] or (specificity == best[0] and q > best[1]):
            best = (specificity, q)
    return 0.0 if best is None else best[1]


#: Format names clients send that mean one thing for solutions and another for graphs: SPARQLWrapper,
#: for one, sends format=xml / json for a CONSTRUCT and means RDF/XML / JSON-LD.
_NAMES = {
    "graph": {"xml": "rdfxml", "rdf+xml": "rdfxml", "rdf": "rdfxml", "json": "jsonld", "json-ld": "jsonld",
              "n3": "turtle", "text/n3": "turtle", "ttl": "turtle", "nt": "ntriples"},
    "solutions": {"sparql-results+json": "json", "sparql-results+xml": "xml", "srj": "json", "srx": "xml"},
}


def _named_format(kind: str, value: str, what: str, offered: str) -> Format:
    """The format one ``format`` value names, for a result of ``kind``; a comma-separated list of
    names or media types (as SPARQLWrapper sends for JSON-LD) names its first one that fits."""
    if "," in value:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                return _named_format(kind, part, what, offered)
            except HttpError:
                continue
    wanted = value.strip().lower()
    candidates = SOLUTION_FORMATS if kind == "solutions" else GRAPH_FORMATS
    found = FORMATS.get(_NAMES[kind].get(wanted, "")) or next(
        (f for f in candidates if wanted in (f.name, f.media_type, *f.aliases)), None) or FORMATS.get(wanted) or next(
        (f for f in FORMATS.values() if wanted in (f.media_type, *f.aliases)), None)
    if found is None:
        raise HttpError(400, f"format={value!r} is not a format this server writes — expected one of: "
                        + ", ".join(FORMATS))
    if found.kind != kind:
        raise HttpError(406, f"format={value!r} cannot hold {what} — expected one of: {offered}")
    return found


def negotiate(kind: str, accept: str | None, fmt: str | Sequence[str] | None = None) -> Format:
    """The format to answer with, for a result of ``kind`` (``solutions`` or ``graph``).

    ``fmt`` (the ``format`` parameter or a report's file extension) wins over the Accept header; it
    is a name (``csv``) or a media type, or several that must name the same format (a client may
    send both). A name means the format of the result's kind: ``xml`` is SPARQL XML for a SELECT
    and RDF/XML for a CONSTRUCT. Raises :class:`HttpError` 400 for an unknown name, 406 when
    nothing acceptable fits the result.

    >>> negotiate("solutions", "text/csv;q=0.5, application/sparql-results+xml").name
    'xml'
    >>> negotiate("graph", None).media_type
    'text/turtle'
    >>> negotiate("graph", None, "xml").name, negotiate("solutions", None, ["tsv", "text/tab-separated-values"]).name
    ('rdfxml', 'tsv')
    """
    candidates = SOLUTION_FORMATS if kind == "solutions" else GRAPH_FORMATS
    what = "SELECT and ASK results" if kind == "solutions" else "CONSTRUCT and DESCRIBE results"
    offered = ", ".join(f"{f.name} ({f.media_type})" for f in candidates)
    asked = [fmt] if isinstance(fmt, str) else list(fmt or ())
    if asked:
        chosen = {_named_format(kind, value, what, offered) for value in asked}
        if len(chosen) > 1:
            raise HttpError(400, "the parameter 'format' is given more than once with different formats ("
                            + ", ".join(repr(v) for v in asked) + ") — expected one format")
        return chosen.pop()
    ranges = _ranges(accept or "")
    if not ranges:
        return candidates[0]
    weights = [(_weight(f, ranges), -i, f) for i, f in enumerate(candidates)]
    weight, _, chosen = max(weights, key=lambda w: (w[0], w[1]))
    if weight <= 0:
        raise HttpError(406, f"nothing in 'Accept: {accept}' fits {what} — this server writes {offered}; "
                        "or add ?format=NAME")
    return chosen


# --- reading a request -------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
_DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")
_USING_PARAMS = ("using-graph-uri", "using-named-graph-uri")


@dataclass
class SparqlRequest:
    """What a request to ``/sparql`` asks for: exactly one of ``query`` and ``update``."""

    query: str | None = None
    update: str | None = None
    format: tuple[str, ...] = ()  #: every ``format`` value given (they must agree; see negotiate)
    #: the protocol's dataset (``default-graph-uri`` / ``named-graph-uri``): it overrides the query's
    #: FROM / FROM NAMED; with neither, the query's own dataset, else the union of all graphs
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def _single(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in pairs:
        if key in out and key in ("query", "update"):
            raise HttpError(400, f"the parameter {key!r} is given twice — expected it once")
        out[key] = value
    return out


def read_sparql_request(method: str, url_params: Sequence[tuple[str, str]], content_type: str | None,
                        body: bytes) -> SparqlRequest:
    """Read a SPARQL Protocol request: GET ``?query=``, POST form (``query=`` or ``update=``), or
    POST of the query or update itself (``application/sparql-query`` / ``application/sparql-update``).

    >>> read_sparql_request("GET", [("query", "ASK {}")], None, b"").query
    'ASK {}'
    >>> read_sparql_request("POST", [], "application/sparql-update", b"CLEAR ALL").update
    'CLEAR ALL'
    """
    params = _single(url_params)
    every = list(url_params)
    media = (content_type or "").split(";")[0].strip().lower()
    if method == "POST":
        if media == FORM:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise HttpError(400, "the form is not UTF-8 — expected UTF-8 percent-encoded text") from None
            pairs = parse_qsl(text, keep_blank_values=True)
            every += pairs
            form = _single(pairs)
            if set(form) & set(params) & {"query", "update"}:
                raise HttpError(400, "the query is given both in the URL and in the form — expected one")
            params = {**params, **form}
        elif media in (QUERY_TYPE, UPDATE_TYPE):
            if "query" in params or "update" in params:
                raise HttpError(400, f"a {media} request carries its text in the body — expected no "
                                "query= or update= in the URL")
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise HttpError(400, f"the {media} body is not UTF-8") from None
            params["query" if media == QUERY_TYPE else "update"] = text
        else:
            raise HttpError(415, f"Content-Type {content_type or '(none)'!r} is not a SPARQL request — expected "
                            f"{FORM}, {QUERY_TYPE} or {UPDATE_TYPE}")
    elif "update" in params:
        raise HttpError(405, "a SPARQL update must be sent by POST (form update= or application/sparql-update)")
    for name in _USING_PARAMS:
        if name in params:
            raise HttpError(400, f"{name} is not supported by this server — name the graphs with USING (or "
                            "GRAPH) inside the update instead")
    dataset = {name: tuple(v for k, v in every if k == name) for name in _DATASET_PARAMS}
    for name, values in dataset.items():
        for value in values:
            if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$", value):
                raise HttpError(400, f"{name}={value!r} is not an absolute IRI — expected a graph's IRI")
    if "update" in params and any(dataset.values()):
        raise HttpError(400, "default-graph-uri and named-graph-uri go with queries — an update names its "
                        "graphs with USING or GRAPH")
    query, update = params.get("query"), params.get("update")
    if query is not None and update is not None:
        raise HttpError(400, "both query= and update= are given — expected one of them")
    if query is None and update is None:
        raise HttpError(400, "no query — expected ?query=SPARQL (GET), a form with query= or update= "
                        f"(POST {FORM}), or a {QUERY_TYPE} body")
    if not (query or update or "").strip():
        raise HttpError(400, "the query is empty — expected SPARQL text")
    return SparqlRequest(query=query, update=update, format=tuple(v for k, v in every if k == "format" and v),
                         default_graphs=dataset["default-graph-uri"], named_graphs=dataset["named-graph-uri"])


# --- what the server will not do --------------------------------------------------------------

def federation_used(sparql: str, *, update: bool) -> str | None:
    """``SERVICE`` or ``LOAD`` when the query (or, with ``update``, the update) uses them, else None.

    Decided on the query as a SPARQL parser reads it (rdflib's, which applies every escape the
    grammar has: prefixed-name escapes such as ``tg:a\\'``, codepoint escapes, long strings,
    comments), never by matching text. A query that names one of the keywords anywhere (after
    codepoint escapes) but that the parser cannot read is taken as using it: what cannot be checked
    is refused.

    >>> federation_used("SELECT * { ?t <x:a> ?o } # SERVICE <http://x/>", update=False) is None
    True
    >>> federation_used("SELECT * { SERV\\u0049CE <http://x/> { ?s ?p ?o } }", update=False)
    'SERVICE'
    """
    keywords = ("SERVICE", "LOAD") if update else ("SERVICE",)
    named = [k for k in keywords if mentions(sparql, k)]
    if not named:
        return None
    rules = grammar_rules(sparql, update=update)
    if rules is None:
        return named[0]
    if "ServiceGraphPattern" in rules:
        return "SERVICE"
    if update and "Load" in rules:
        return "LOAD"
    return None


_BRACKETS = re.compile(r"[{}()\[\]]")


def check_size(sparql: str, *, depth: int, length: int) -> None:
    """Refuse, before any parser sees it, a query longer than ``length`` characters or nesting
    brackets deeper than ``depth`` (pyoxigraph's parser recurses, and a few thousand nested ``{`` or
    ``(`` crash it). Brackets inside strings count too: a safe over-estimate.

    >>> check_size("SELECT * { { ?s ?p ?o } }", depth=2, length=100)
    >>> try:
    ...     check_size("SELECT * { { { ?s ?p ?o } } }", depth=2, length=100)
    ... except HttpError as exc:
    ...     print(exc.status, exc.message)
    400 the query nests brackets 3 deep — this server reads at most 2 (serve --max-query-depth)
    """
    if len(sparql) > length:
        raise HttpError(400, f"the query has {len(sparql):,} characters — this server reads at most {length:,} "
                        "(serve --max-query-length)")
    level = deepest = 0
    for bracket in _BRACKETS.findall(sparql):
        if bracket in "{([":
            level += 1
            deepest = max(deepest, level)
        else:
            level = max(level - 1, 0)
    if deepest > depth:
        raise HttpError(400, f"the query nests brackets {deepest} deep — this server reads at most {depth} "
                        "(serve --max-query-depth)")


def check_federation(sparql: str, *, update: bool) -> None:
    """Refuse SERVICE (and, in updates, LOAD): pyoxigraph would fetch the URLs they name, so a server
    would make requests wherever a client points it. (The query workers also run without a network
    of their own unless --allow-service: see :mod:`graph.server.sandbox`.)"""
    used = federation_used(sparql, update=update)
    if used == "SERVICE":
        raise HttpError(403, "SERVICE is disabled on this server (it would make the server fetch URLs "
                        "for its clients) — start it with --allow-service to allow it")
    if used == "LOAD":
        raise HttpError(403, "LOAD is disabled on this server (it would make the server fetch URLs for "
                        "its clients) — start it with --allow-service to allow it")


def report_params(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """A report's parameters from a query string; a name given twice is an error."""
    out: dict[str, str] = {}
    for key, value in pairs:
        if key in out:
            raise HttpError(400, f"the parameter {key!r} is given twice — expected it once")
        out[key] = value
    return out


def accepts_turtle(accept: str | None) -> bool:
    """Whether a client prefers Turtle to JSON (for the report catalogue)."""
    ranges = _ranges(accept or "")
    turtle = _weight(GRAPH_FORMATS[0], ranges)
    json_ = max(_weight(Format("json", "application/json", "other"), ranges), 0.0)
    return turtle > 0 and turtle > json_


__all__: Sequence[str] = (
    "HttpError", "Format", "FORMATS", "SOLUTION_FORMATS", "GRAPH_FORMATS", "EXTENSIONS", "negotiate",
    "SparqlRequest", "read_sparql_request", "federation_used", "check_size", "check_federation", "report_params",
    "accepts_turtle",
)
