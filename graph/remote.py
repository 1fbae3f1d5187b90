"""A SPARQL 1.1 endpoint as a trialgraph store: Query, Update and the Graph Store Protocol.

:class:`RemoteStore` has the interface of :class:`graph.store.EmbeddedStore`, so every command
(load, query, report, export, network, stats, validate) works on an Oxigraph server, Virtuoso,
Fuseki, GraphDB, Neptune or any other standard endpoint:

- queries are POSTed to the query URL; our prefixes are prepended (those the query does not declare
  itself) and report parameters arrive as a ``VALUES`` block (:func:`graph.sparql.with_values`),
  since endpoints have no pre-bound variables. Results are parsed by pyoxigraph into the very types
  the embedded store returns (``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``);
- each trial's named graph is replaced with one Graph Store Protocol ``PUT`` (N-Triples), graphs are
  dropped with ``DELETE``, read with ``GET``; endpoints without a graph store get SPARQL Update
  (``DROP SILENT GRAPH`` + ``INSERT DATA``) instead;
- queries must see the union of all named graphs as their default graph, as on the embedded store.
  That is checked when the store is opened (and after its first write), and set up where the server
  allows it per request: Oxigraph server takes a ``union-default-graph`` parameter; Virtuoso,
  GraphDB and Neptune query every graph when no ``FROM`` is given; Fuseki needs
  ``tdb2:unionDefaultGraph true``. Virtuoso's own graphs (its RDF views, LDP, the service
  description) are left out of graph listings, counts and exports, but its union includes them.
- Virtuoso changes some literals (an xsd:duration becomes a number of months or seconds, a boolean
  1 or 0) and sorts long strings and aggregated values out of order: results are repaired, and an
  answer whose outermost ``ORDER BY`` is by variables (without LIMIT/OFFSET) is sorted again here.
  It also cuts results at ``ResultSetMaxRows`` (saying so in a header) and may answer partially at
  its time limit: both are errors here, never a silently short answer.

Where the endpoint is and how to log in comes from the environment or a TOML file, never from the
command line (see :func:`endpoint_settings`). httpx is the HTTP client: one pooled keep-alive
connection for the hundreds of requests of a load, explicit timeouts on every request (requests has
none by default), and Basic and Digest authentication (Virtuoso's ``/sparql-auth`` wants Digest).
"""

from __future__ import annotations

import functools
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Callable, Generator, Iterable, Iterator, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from graph import __version__
from graph.errors import QueryError, StoreError
from graph.sparql import order_keys, query_form, with_prefixes, with_values
from graph.vocab import TG

#: Servers whose defaults (update and graph-store URLs, union default graph) trialgraph knows.
SERVERS = ("oxigraph", "virtuoso", "fuseki", "graphdb", "generic")
#: How graphs are written: one Graph Store Protocol PUT per graph, or batched SPARQL updates.
WRITE_MODES = ("graph-store", "update")

ENV_SERVER = "TRIALGRAPH_SERVER"
ENV_UPDATE_URL = "TRIALGRAPH_UPDATE_URL"
ENV_GSP_URL = "TRIALGRAPH_GSP_URL"
ENV_USER = "TRIALGRAPH_USER"
ENV_PASSWORD = "TRIALGRAPH_PASSWORD"
ENV_TIMEOUT = "TRIALGRAPH_TIMEOUT"
ENV_WRITE = "TRIALGRAPH_WRITE"
ENV_CONFIG = "TRIALGRAPH_CONFIG"

#: Graphs Virtuoso creates for itself (its RDF views, LDP and the endpoint's service description
#: are found at open time); they are not part of the trialgraph data.
VIRTUOSO_SYSTEM_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#")

_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_SD_SERVICE = "http://www.w3.org/ns/sparql-service-description#Service"
#: Subjects per request when exporting the union graph subject by subject.
SUBJECT_BATCH = 500
#: Largest SPARQL update sent at once when writing by update: bytes and graphs (Virtuoso compiles
#: an update into one SQL procedure and refuses those of more than a few hundred operations).
UPDATE_BYTES = 4_000_000
UPDATE_GRAPHS = 32
#: Triples of one graph per request when writing a large graph (an RDF file, MeSH).
CHUNK_TRIPLES = 100_000
DEFAULT_TIMEOUT = 300.0


# --- settings ------------------------------------------------------------------------------------


@dataclass
class Endpoint:
    """Where a remote store is and how to talk to it. The password is never shown."""

    query: str
    update: str | None = None
    graph_store: str | None = None
    server: str | None = None  #: one of :data:`SERVERS`, or None to detect from the server's answer
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    write: str | None = None  #: one of :data:`WRITE_MODES`, or None for the server's default
    exclude_graphs: tuple[str, ...] = ()


def config_files(env: Mapping[str, str] | None = None) -> list[Path]:
    """The TOML files read for endpoint settings, first match wins: ``$TRIALGRAPH_CONFIG``, else
    ``./trialgraph.toml`` and ``$XDG_CONFIG_HOME/trialgraph/config.toml`` (``~/.config``)."""
    env = os.environ if env is None else env
    if env.get(ENV_CONFIG):
        return [Path(env[ENV_CONFIG])]
    home = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return [Path("trialgraph.toml"), home / "trialgraph" / "config.toml"]


def _clean_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(f"{what} {url!r} is not an http(s) URL — expected http://HOST:PORT/PATH")
    if parts.password is not None:
        raise StoreError(
            f"{urlunsplit(parts._replace(netloc=parts.hostname + (f':{parts.port}' if parts.port else '')))}: "
            "the URL carries a password — never put one on the command line; set TRIALGRAPH_USER and "
            "TRIALGRAPH_PASSWORD, or user and password in the [endpoints] section of a trialgraph.toml"
        )
    if parts.username is not None:
        raise StoreError(f"{what} {url!r}: give the user name as TRIALGRAPH_USER or in trialgraph.toml, not in the URL")
    return url


def _section(path: Path, url: str) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"{path}: cannot read the settings ({exc})") from None
    endpoints = data.get("endpoints", {})
    if not isinstance(endpoints, dict):
        raise StoreError(f"{path}: [endpoints] must be a table of tables keyed by query URL")
    section = endpoints.get(url) or endpoints.get(url.rstrip("/"))
    if section is not None and not isinstance(section, dict):
        raise StoreError(f'{path}: [endpoints."{url}"] must be a table')
    return section


_KEYS = {"server", "update", "graph-store", "user", "password", "timeout", "write", "exclude-graphs"}


def endpoint_settings(url: str, env: Mapping[str, str] | None = None,
                      files: Sequence[Path] | None = None) -> Endpoint:
    """The settings for the endpoint whose query URL is ``url``.

    The environment wins over the first config file holding a section for this URL
    (``[endpoints."http://host:8890/sparql"]``); what neither gives is detected or defaulted per
    server when the store opens. Keys: ``server``, ``update``, ``graph-store``, ``user``,
    ``password``, ``timeout``, ``write``, ``exclude-graphs``; environment: ``TRIALGRAPH_SERVER``,
    ``TRIALGRAPH_UPDATE_URL``, ``TRIALGRAPH_GSP_URL``, ``TRIALGRAPH_USER``, ``TRIALGRAPH_PASSWORD``,
    ``TRIALGRAPH_TIMEOUT``, ``TRIALGRAPH_WRITE``.
    """
    env = os.environ if env is None else env
    endpoint = Endpoint(query=_clean_url(url, "the endpoint"))
    for path in files if files is not None else config_files(env):
        section = _section(path, url)
        if section is None:
            continue
        unknown = sorted(set(section) - _KEYS)
        if unknown:
            raise StoreError(f'{path}: [endpoints."{url}"]: unknown key {unknown[0]!r} — expected one of '
                             + ", ".join(sorted(_KEYS)))
        endpoint.server = section.get("server", endpoint.server)
        endpoint.update = section.get("update", endpoint.update)
        endpoint.graph_store = section.get("graph-store", endpoint.graph_store)
        endpoint.user = section.get("user", endpoint.user)
        endpoint.password = section.get("password", endpoint.password)
        endpoint.write = section.get("write", endpoint.write)
        if "timeout" in section:
            endpoint.timeout = _timeout(section["timeout"], str(path))
        excluded = section.get("exclude-graphs", [])
        if not isinstance(excluded, list) or not all(isinstance(g, str) for g in excluded):
            raise StoreError(f'{path}: [endpoints."{url}"]: exclude-graphs must be a list of graph IRIs')
        endpoint.exclude_graphs = tuple(excluded)
        break
    endpoint.server = env.get(ENV_SERVER) or endpoint.server
    endpoint.update = env.get(ENV_UPDATE_URL) or endpoint.update
    endpoint.graph_store = env.get(ENV_GSP_URL) or endpoint.graph_store
    endpoint.user = env.get(ENV_USER) or endpoint.user
    endpoint.password = env.get(ENV_PASSWORD) or endpoint.password
    endpoint.write = env.get(ENV_WRITE) or endpoint.write
    if env.get(ENV_TIMEOUT):
        endpoint.timeout = _timeout(env[ENV_TIMEOUT], ENV_TIMEOUT)
    if endpoint.server is not None and endpoint.server not in SERVERS:
        raise StoreError(f"server {endpoint.server!r} is not one trialgraph knows — expected one of {', '.join(SERVERS)}")
    if endpoint.write is not None and endpoint.write not in WRITE_MODES:
        raise StoreError(f"write {endpoint.write!r} — expected one of {', '.join(WRITE_MODES)}")
    for name in ("update", "graph_store"):
        value = getattr(endpoint, name)
        if value is not None:
            setattr(endpoint, name, _clean_url(value, f"the {name.replace('_', '-')} URL"))
    if endpoint.password and not endpoint.user:
        raise StoreError(f"{url}: a password is set but no user — set TRIALGRAPH_USER (or user in trialgraph.toml)")
    return endpoint


def _timeout(value: object, where: str) -> float:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = -1.0
    if seconds <= 0:
        raise StoreError(f"{where}: timeout {value!r} — expected a number of seconds above 0")
    return seconds


def _sibling(url: str, path: str) -> str:
    """``url`` with its last path segment replaced by ``path``."""
    parts = urlsplit(url)
    base = parts.path.rstrip("/").rsplit("/", 1)[0]
    return urlunsplit(parts._replace(path=f"{base}/{path}", query="", fragment=""))


def _below(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + path, query="", fragment=""))


def default_urls(endpoint: Endpoint) -> tuple[str | None, str | None]:
    """The update and graph-store URLs a server of this kind has beside ``endpoint.query``."""
    url, server = endpoint.query, endpoint.server
    path = urlsplit(url).path.rstrip("/")
    if server == "oxigraph":  # /query (or /sparql), /update, /store
        return _sibling(url, "update"), _sibling(url, "store")
    if server == "virtuoso":  # /sparql; logged in: /sparql-auth and /sparql-graph-crud-auth (Digest)
        auth = "-auth" if endpoint.user else ""
        return (_sibling(url, "sparql" + auth) if endpoint.user else url), _sibling(url, "sparql-graph-crud" + auth)
    if server == "fuseki":  # /DATASET/sparql or /DATASET/query, /DATASET/update, /DATASET/data
        if path.endswith(("/sparql", "/query")):
            return _sibling(url, "update"), _sibling(url, "data")
        return _below(url, "update"), _below(url, "data")
    if server == "graphdb":  # /repositories/NAME, /statements, /rdf-graphs/service
        return _below(url, "statements"), _below(url, "rdf-graphs/service")
    return url, None  # the SPARQL 1.1 protocol allows updates at the query URL


def _server_kind(response: httpx.Response) -> str:
    header = response.headers.get("server", "").lower()
    for name in ("oxigraph", "virtuoso", "fuseki", "graphdb"):
        if name in header:
            return name
    if "jena" in header:
        return "fuseki"
    return "generic"


# --- authentication ------------------------------------------------------------------------------


class _ChallengeAuth(httpx.Auth):
    """Answers the server's challenge: Digest when asked for it (Virtuoso), otherwise Basic.

    Nothing is sent until the server asks, so credentials never go to an endpoint that is open.
    """

    def __init__(self, user: str, password: str) -> None:
        self._basic = httpx.BasicAuth(user, password)
        self._digest = httpx.DigestAuth(user, password)
        self._scheme: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._scheme is not None:
            yield from (self._digest if self._scheme == "digest" else self._basic).auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        digest = response.headers.get("www-authenticate", "").lower().startswith("digest")
        self._scheme = "digest" if digest else "basic"
        yield from (self._digest if digest else self._basic).auth_flow(request)

    requires_response_body = True


# --- Virtuoso's changed literals -----------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _duration_from_virtuoso(value: str) -> str:
    """Virtuoso keeps an xsd:duration as a number: months for a year-month duration (``216`` for
    ``P18Y``), seconds as a double for a day-time one (``2.592e+06`` for ``P30D``). Back to the
    canonical ISO 8601 form Oxigraph gives (``P18Y``, ``P30D``, ``PT0S``); other values unchanged."""
    if not _NUMBER.fullmatch(value):
        return value
    sign = "-" if value.startswith("-") else ""
    if re.fullmatch(r"[+-]?\d+", value):
        months = abs(int(value))
        years, months = divmod(months, 12)
        text = (f"{years}Y" if years else "") + (f"{months}M" if months else "")
        return sign + ("P" + text if text else "PT0S")
    seconds = abs(Decimal(str(float(value))))
    whole = int(seconds)
    fraction = seconds - whole
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    second_text = ""
    if secs or fraction:
        amount = (Decimal(secs) + fraction).normalize()
        second_text = f"{amount:f}S"
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + second_text
    text = (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return sign + ("P" + text if text else "PT0S")


def _boolean_from_virtuoso(value: str) -> str:
    return {"1": "true", "0": "false"}.get(value, value)


_REPAIRS: dict[str, Callable[[str], str]] = {
    _XSD + "duration": _duration_from_virtuoso,
    _XSD + "boolean": _boolean_from_virtuoso,
}


def _repair_term(term: Any) -> Any:
    if isinstance(term, ox.Literal):
        repair = _REPAIRS.get(term.datatype.value)
        if repair is not None:
            fixed = repair(term.value)
            if fixed != term.value:
                return ox.Literal(fixed, datatype=term.datatype)
    return term


def _repair_bindings(data: dict[str, Any]) -> None:
    """Virtuoso's durations and booleans back in their XSD forms, in SPARQL JSON results."""
    for row in data.get("results", {}).get("bindings", []):
        for term in row.values():
            repair = _REPAIRS.get(term.get("datatype", ""))
            if repair is not None and term.get("type") in ("literal", "typed-literal"):
                term["value"] = repair(term["value"])


_NUMERIC = {_XSD + name for name in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong",
    "unsignedShort", "unsignedByte")}


def _order_key(term: dict[str, str] | None) -> tuple:
    """Where a term sorts in SPARQL's ORDER BY: unbound, blank nodes, IRIs, then literals
    (numbers by value, strings by code point, others by datatype and lexical form)."""
    if term is None:
        return (0,)
    kind, value = term.get("type"), term.get("value", "")
    if kind == "bnode":
        return (1, value)
    if kind == "uri":
        return (2, value)
    datatype = term.get("datatype")
    if datatype in _NUMERIC:
        try:
            number = Decimal(value)
            if number.is_finite():
                return (3, 0, number)
        except ArithmeticError:
            pass
    if term.get("xml:lang"):
        return (3, 1, value, term["xml:lang"])
    if datatype in (None, _XSD + "string"):
        return (3, 1, value, "")
    return (3, 2, datatype, value)


def _sort_bindings(data: dict[str, Any], keys: list[tuple[str, bool]]) -> None:
    """Sort SPARQL JSON results by ``keys`` (variable, descending), stably."""
    def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
        for name, descending in keys:
            ka, kb = _order_key(a.get(name)), _order_key(b.get(name))
            try:
                if ka == kb:
                    continue
                result = -1 if ka < kb else 1
            except TypeError:
                continue
            return -result if descending else result
        return 0

    bindings = data.get("results", {}).get("bindings")
    if bindings:
        bindings.sort(key=functools.cmp_to_key(compare))


def _iri(value: str) -> str:
    return str(ox.NamedNode(value))


# --- the store -----------------------------------------------------------------------------------


class RemoteStore:
    """A SPARQL 1.1 endpoint with the interface of :class:`graph.store.EmbeddedStore`."""

    path = None  #: no directory: nothing on this machine

    def __init__(self, location: str, *, create: bool = True, env: Mapping[str, str] | None = None,
                 endpoint: Endpoint | None = None) -> None:
        self.endpoint = endpoint or endpoint_settings(location, env)
        self.location = self.endpoint.query
        self.recovered: list[str] = []
        self._union_checked = False
        self._absent: set[str] = set()
        self._sizes: dict[str, int] = {}  #: triples per graph, as last listed (see named_graphs)
        self._params: dict[str, str] = {}
        self._update_graphs = UPDATE_GRAPHS
        self.excluded: tuple[str, ...] = ()
        auth = _ChallengeAuth(self.endpoint.user, self.endpoint.password or "") if self.endpoint.user else None
        self._client = httpx.Client(
            auth=auth,
            timeout=httpx.Timeout(self.endpoint.timeout, connect=min(10.0, self.endpoint.timeout)),
            headers={"User-Agent": f"trialgraph/{__version__}"},
        )
        try:
            self._open()
        except BaseException:
            self._client.close()
            raise

    def _open(self) -> None:
        probe = self._request("POST", self.location, "query", data={"query": "ASK {}"},
                              headers={"Accept": _RESULTS_JSON})
        ep = self.endpoint
        if ep.server is None:
            ep.server = _server_kind(probe)
        update, graph_store = default_urls(ep)
        ep.update = ep.update or update
        ep.graph_store = ep.graph_store or graph_store
        if ep.write is None:
            # measured on the 479 registry records: Oxigraph server loads faster from batched
            # updates (one transaction per batch) than from one PUT per graph; Virtuoso cannot
            # take an xsd:duration in SPARQL Update at all, and its graph store is the fast path
            ep.write = "update" if ep.server == "oxigraph" or not ep.graph_store else "graph-store"
        self._update_graphs = UPDATE_GRAPHS if ep.server in ("virtuoso", "generic") else 1000
        if ep.write == "graph-store" and not ep.graph_store:
            raise StoreError(f"{self.location}: write = graph-store, but no graph-store URL is known for this "
                             f"server — set {ENV_GSP_URL} or graph-store in trialgraph.toml")
        self._params = {"union-default-graph": ""} if ep.server == "oxigraph" else {}
        excluded = list(ep.exclude_graphs)
        if ep.server == "virtuoso":
            excluded += self._virtuoso_system_graphs()
        self.excluded = tuple(dict.fromkeys(excluded))
        self._check_union()

    def _virtuoso_system_graphs(self) -> list[str]:
        found = list(VIRTUOSO_SYSTEM_GRAPHS)
        rows = self._select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g a <{_SD_SERVICE}> }} }}")
        found.extend(row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode))
        return found

    # --- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "RemoteStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def flush(self) -> None:
        """Nothing to do: every write is committed by the server when it answers."""

    def optimize(self) -> None:
        """Nothing to do: the server manages its own storage."""

    def __repr__(self) -> str:
        return f"RemoteStore({self.location!r}, server={self.endpoint.server!r})"

    # --- HTTP --------------------------------------------------------------------------------

    def _request(self, method: str, url: str, what: str, *, capped_ok: bool = False, **kwargs: Any) -> httpx.Response:
        """One request; every failure becomes a StoreError or QueryError naming the URL."""
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.ConnectError as exc:
            raise StoreError(f"{url}: cannot connect to the SPARQL endpoint ({_reason(exc)}) — is the server "
                             "running, and is the URL right?") from None
        except httpx.TimeoutException:
            raise StoreError(f"{url}: no answer within {self.endpoint.timeout:g} s — raise TRIALGRAPH_TIMEOUT "
                             "(or timeout in trialgraph.toml) if the server is just slow") from None
        except httpx.HTTPError as exc:
            raise StoreError(f"{url}: the request failed ({_reason(exc)})") from None
        status = response.status_code
        if status < 300:
            self._check_complete(response, url, capped_ok)
            return response
        message = _server_message(response)
        if status == 401:
            who = f"as user {self.endpoint.user!r}" if self.endpoint.user else "without credentials"
            raise StoreError(f"{url}: the server refused the {what} {who} (HTTP 401: {message}) — set "
                             "TRIALGRAPH_USER and TRIALGRAPH_PASSWORD, or user and password in trialgraph.toml")
        if status == 403 or (status >= 500 and _is_permission_error(message)):
            raise StoreError(f"{url}: the server does not allow this {what} (HTTP {status}: {message})"
                             + _permission_hint(self.endpoint.server, what))
        if status == 400:
            kind = "SPARQL update" if what == "update" else "SPARQL" if what == "query" else what
            raise QueryError(f"{url}: malformed {kind} (HTTP 400): {message}")
        if status == 404 and what in ("query", "update"):
            raise StoreError(f"{url}: no SPARQL endpoint here (HTTP 404) — expected the query URL of a SPARQL 1.1 "
                             "endpoint, such as http://HOST:7878/query (Oxigraph) or http://HOST:8890/sparql (Virtuoso)")
        raise StoreError(f"{url}: the {what} failed (HTTP {status}: {message})")

    def _check_complete(self, response: httpx.Response, url: str, capped_ok: bool) -> None:
        """Virtuoso cuts results at ResultSetMaxRows and answers long queries partially ("anytime
        queries"), saying so only in a header: never let a partial answer pass for a whole one."""
        if response.headers.get("x-sql-state") == "S1TAT":
            raise StoreError(f"{url}: the server stopped the query at its time limit and returned a partial "
                             "answer — raise MaxQueryExecutionTime in virtuoso.ini")
        cap = response.headers.get("x-sparql-maxrows")
        if cap is not None and not capped_ok:
            raise _Truncated(int(cap) if cap.isdigit() else 0,
                             f"{url}: the server cut the result at {cap} rows — raise ResultSetMaxRows in the [SPARQL] "
                             "section of virtuoso.ini above the largest result you need")

    def _select(self, sparql: str, *, capped_ok: bool = False) -> Any:
        """A query of our own (no prefixes added): solutions or a boolean, repaired."""
        response = self._request("POST", self.location, "query", capped_ok=capped_ok,
                                 data={"query": sparql}, params=self._params,
                                 headers={"Accept": _RESULTS_JSON})
        return self._solutions(response)

    def _fix(self, term: Any) -> Any:
        """A term as written, where Virtuoso changed it (durations, booleans)."""
        return _repair_term(term) if self.endpoint.server == "virtuoso" else term

    def _solutions(self, response: httpx.Response, order: list[tuple[str, bool]] | None = None) -> Any:
        body = response.content
        if self.endpoint.server == "virtuoso" and (order or b"#duration" in body or b"#boolean" in body):
            # Virtuoso changes durations and booleans, and sorts long strings and aggregated values
            # out of order: repair the terms, and sort the whole answer again by its ORDER BY
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            if isinstance(data, dict) and "results" in data:
                _repair_bindings(data)
                if order:
                    _sort_bindings(data, order)
                body = json.dumps(data).encode("utf-8")
        try:
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"{self.location}: the answer is not SPARQL JSON results ({exc}) — is this the "
                             "query URL of a SPARQL endpoint?") from None

    def _select_all(self, sparql: str, order: str) -> Iterator[ox.QuerySolution]:
        """A SELECT of our own, read in pages ordered by ``order`` when the server caps result sizes
        (Virtuoso's ResultSetMaxRows, 10,000 rows by default)."""
        try:
            solutions = self._select(sparql)
        except _Truncated as exc:
            if exc.rows <= 0:
                raise StoreError(str(exc)) from None
            return self._pages(sparql, order, exc.rows)
        return iter(solutions)

    def _pages(self, sparql: str, order: str, page: int) -> Iterator[ox.QuerySolution]:
        offset = 0
        while True:
            # a page of exactly the cap carries the header too: it is whole, as LIMIT asked for no more
            rows = list(self._select(f"{sparql} ORDER BY {order} LIMIT {page} OFFSET {offset}", capped_ok=True))
            yield from rows
            if len(rows) < page:
                return
            offset += page

    # --- reading -----------------------------------------------------------------------------

    def query(self, sparql: str, *, substitutions: Mapping[ox.Variable, ox.NamedNode | ox.Literal] | None = None,
              union: bool = True) -> Any:
        """Run a query over the union of all graphs; our prefixes are predeclared.

        ``substitutions`` become a ``VALUES`` block. ``union`` is accepted for the embedded store's
        interface; an endpoint always answers over its union default graph.
        """
        if substitutions:
            sparql = with_values(sparql, substitutions)
        form = query_form(sparql)
        accept = _NTRIPLES if form in ("CONSTRUCT", "DESCRIBE") else _RESULTS_JSON
        text = with_prefixes(sparql)
        try:
            response = self._request("POST", self.location, "query", data={"query": text}, params=self._params,
                                     headers={"Accept": accept})
        except _Truncated as exc:
            raise StoreError(str(exc)) from None
        if accept == _NTRIPLES:
            return self._triples(response)
        return self._solutions(response, order_keys(sparql) if self.endpoint.server == "virtuoso" else None)

    def _triples(self, response: httpx.Response) -> ox.QueryTriples:
        """CONSTRUCT/DESCRIBE results as the embedded store's QueryTriples (via a store in memory)."""
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        fmt = {"text/turtle": ox.RdfFormat.TURTLE, "application/rdf+xml": ox.RdfFormat.RDF_XML}.get(
            kind, ox.RdfFormat.N_TRIPLES)
        scratch = ox.Store()
        try:
            triples = ox.parse(response.content, format=fmt)
            scratch.extend(ox.Quad(t.subject, t.predicate, self._fix(t.object)) for t in triples)
        except SyntaxError as exc:
            raise StoreError(f"{self.location}: the answer is not RDF ({exc})") from None
        return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")  # type: ignore[return-value]

    def named_graphs(self) -> list[str]:
        """The named graphs, sorted (remembering their sizes, to check graph-store reads by)."""
        rows = self._select_all("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", "?g")
        excluded = set(self.excluded)
        self._sizes = {r["g"].value: int(r["n"].value) for r in rows
                       if isinstance(r["g"], ox.NamedNode) and r["g"].value not in excluded}
        return sorted(self._sizes)

    def has_graph(self, graph: str) -> bool:
        if graph in self._absent:
            return False
        return bool(self._select(f"ASK {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}"))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad, or those of one named graph (``""``: the default graph, which trialgraph never
        writes; read only from an Oxigraph server, where it is a graph of its own)."""
        if graph is None:
            return self._all_quads()
        if graph == "":
            if self.endpoint.server == "oxigraph" and self.endpoint.graph_store:
                return self._graph_store_get(None)
            return iter(())
        if self.endpoint.graph_store and self.endpoint.server != "generic":
            return self._graph_store_get(graph)
        node = ox.NamedNode(graph)
        rows = self._select_all(f"SELECT ?s ?p ?o WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}", "?s ?p ?o")
        return (ox.Quad(r["s"], r["p"], self._fix(r["o"]), node) for r in rows)

    def _all_quads(self) -> Iterator[ox.Quad]:
        for graph in self.named_graphs():
            yield from self.quads(graph)

    def _graph_store_get(self, graph: str | None) -> Iterator[ox.Quad]:
        """A graph read with one graph-store GET. Virtuoso's graph store cuts a graph at
        ResultSetMaxRows without a word, so there the number of triples is checked against a count."""
        assert self.endpoint.graph_store is not None
        params = {"graph": graph} if graph else {"default": ""}
        response = self._client_get_graph(params)
        if response is None:
            return iter(())
        target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        try:
            triples = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as exc:
            raise StoreError(f"{self.endpoint.graph_store}: the graph store's answer is not N-Triples ({exc})") from None
        if graph and self.endpoint.server == "virtuoso":
            expected = self._sizes.get(graph)
            if expected is None:
                row = next(iter(self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}")))
                expected = int(row["n"].value)
            if len(triples) < expected:
                raise StoreError(f"{self.endpoint.graph_store}: the graph store gave {len(triples):,} of the "
                                 f"{expected:,} triples of {graph} — raise ResultSetMaxRows in the [SPARQL] section "
                                 "of virtuoso.ini above the size of the largest graph")
        return iter([ox.Quad(t.subject, t.predicate, self._fix(t.object), target) for t in triples])

    def _client_get_graph(self, params: dict[str, str]) -> httpx.Response | None:
        url = self.endpoint.graph_store
        assert url is not None
        try:
            return self._request("GET", url, "read", params=params, headers={"Accept": _NTRIPLES})
        except StoreError as exc:
            if "(HTTP 404" in str(exc):
                return None
            raise

    def quads_of_subject(self, subject: ox.NamedNode | ox.BlankNode) -> Iterator[ox.Quad]:
        return self.quads_of_subjects([subject])

    def quads_of_subjects(self, subjects: Sequence[ox.NamedNode | ox.BlankNode]) -> Iterator[ox.Quad]:
        """The quads of many subjects, one request per :data:`SUBJECT_BATCH` of them."""
        for start in range(0, len(subjects), SUBJECT_BATCH):
            chunk = [s for s in subjects[start:start + SUBJECT_BATCH] if isinstance(s, ox.NamedNode)]
            if not chunk:
                continue
            values = " ".join(str(s) for s in chunk)
            rows = self._select_all(
                f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}", "?s ?p ?o ?g")
            excluded = set(self.excluded)
            for r in rows:
                if r["g"].value not in excluded:
                    yield ox.Quad(r["s"], r["p"], self._fix(r["o"]), r["g"])

    def __len__(self) -> int:
        row = next(iter(self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } " + self._not_excluded() + "}")))
        return int(row["n"].value)

    def _not_excluded(self) -> str:
        if not self.excluded:
            return ""
        return f"FILTER(?g NOT IN ({', '.join(_iri(g) for g in self.excluded)})) "

    def record_hashes(self, graphs: Sequence[str]) -> dict[str, str]:
        """The stored content hash of each listed trial graph that exists (one query per call);
        the listed graphs found absent are remembered for the :meth:`has_graph` calls that follow."""
        if not graphs:
            return {}
        values = " ".join(_iri(g) for g in graphs)
        rows = self._select(
            f"SELECT ?g ?h WHERE {{ VALUES ?g {{ {values} }} FILTER EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} "
            f"OPTIONAL {{ GRAPH ?g {{ ?g <{TG.recordHash}> ?h }} }} }}")
        found: dict[str, str] = {}
        present: set[str] = set()
        for row in rows:
            present.add(row["g"].value)
            if row["h"] is not None:
                found[row["g"].value] = row["h"].value
        self._absent = set(graphs) - present
        return found

    # --- writing -----------------------------------------------------------------------------

    def update(self, sparql: str) -> None:
        if not self.endpoint.update:
            raise StoreError(f"{self.location}: no update URL — set {ENV_UPDATE_URL} or update in trialgraph.toml")
        self._request("POST", self.endpoint.update, "update", data={"update": with_prefixes(sparql)})

    def write_graphs(self, writes: Sequence[Any], *, bulk: bool = False, slot: int = 0,
                     trusted: bool = False) -> None:
        """Replace each listed graph by its new content (``GraphWrite``: graph IRI and N-Quads);
        an ``additive`` write adds to its graph (the entities graph many records share).

        With the graph store each graph is one PUT (an additive write one POST), which the server
        applies atomically; with SPARQL Update graphs go in batches of ``DROP SILENT GRAPH`` +
        ``INSERT DATA``.
        """
        if not writes:
            return
        self._absent.difference_update(w.graph for w in writes)
        self._sizes.clear()
        additive = [getattr(w, "additive", False) for w in writes]
        if self.endpoint.write == "graph-store":
            for w, add in zip(writes, additive):
                self._write_graph(w.graph, _ntriples_of(w.graph, w.nquads), replace=not add)
        else:  # a graph known to be new needs no DROP (a slow operation on Oxigraph)
            self._update_batches((w.graph, _ntriples_of(w.graph, w.nquads), w.replace and not add)
                                 for w, add in zip(writes, additive))
        if not self._union_checked:
            self._check_union(writes[0].nquads)

    def _put(self, graph: str, ntriples: bytes) -> None:
        assert self.endpoint.graph_store is not None
        if not ntriples:
            self._delete(graph)
            return
        self._request("PUT", self.endpoint.graph_store, "graph store write", params={"graph": graph},
                      content=ntriples, headers={"Content-Type": _NTRIPLES})

    def _delete(self, graph: str) -> None:
        assert self.endpoint.graph_store is not None
        try:
            self._request("DELETE", self.endpoint.graph_store, "graph store write", params={"graph": graph})
        except StoreError as exc:
            if "(HTTP 404" not in str(exc):
                raise

    def _update_batches(self, graphs: Iterable[tuple[str, bytes, bool]]) -> None:
        """(graph, N-Triples, replace) as few SPARQL updates as Virtuoso accepts."""
        parts: list[str] = []
        size = 0
        for graph, ntriples, replace in graphs:
            text = ntriples.decode("utf-8")
            statements = [f"DROP SILENT GRAPH {_iri(graph)}"] if replace else []
            if text:
                statements.append(f"INSERT DATA {{ GRAPH {_iri(graph)} {{\n{text}}} }}")
            if not statements:
                continue
            part = " ;\n".join(statements)
            if parts and (size + len(part) > UPDATE_BYTES or len(parts) >= self._update_graphs):
                self._send_update(" ;\n".join(parts))
                parts, size = [], 0
            parts.append(part)
            size += len(part)
        if parts:
            self._send_update(" ;\n".join(parts))

    def _send_update(self, text: str) -> None:
        if not self.endpoint.update:
            raise StoreError(f"{self.location}: no update URL — set {ENV_UPDATE_URL} or update in trialgraph.toml")
        self._request("POST", self.endpoint.update, "update", content=text.encode("utf-8"),
                      headers={"Content-Type": "application/sparql-update"})

    def replace_from_file(self, path: Path, fmt: ox.RdfFormat, graphs: Sequence[str], *,
                          graph: str | None = None, opener: Callable[[Path], IO[bytes]] = open) -> None:
        """Replace ``graphs`` by the content of an RDF file (triples go to ``graph``), streamed in
        chunks of :data:`CHUNK_TRIPLES` per graph."""
        kwargs = {"to_graph": ox.NamedNode(graph)} if graph else {}
        with opener(path) as stream:
            self.replace_with_quads(graphs, ox.parse(stream, format=fmt, base_iri=path.resolve().as_uri(), **kwargs))

    def replace_with_quads(self, graphs: Sequence[str], quads: Iterable[ox.Quad]) -> None:
        """Replace ``graphs`` (and any other graph the quads are in) by the given quads; listed graphs
        left without quads are dropped. A graph up to :data:`CHUNK_TRIPLES` triples is written in one
        request (atomic); a larger one in several."""
        self._sizes.clear()
        started: set[str] = set()
        buffers: dict[str, list[str]] = {}
        sample = ""

        def flush(g: str) -> None:
            body = "".join(buffers.pop(g, [])).encode("utf-8")
            self._write_graph(g, body, replace=g not in started)
            started.add(g)

        for quad in quads:
            if not isinstance(quad.graph_name, ox.NamedNode):
                raise StoreError(f"{self.location}: a quad outside any named graph — trialgraph writes every "
                                 "triple to a named graph")
            g = quad.graph_name.value
            self._absent.discard(g)
            line = f"{ox.Triple(quad.subject, quad.predicate, quad.object)} .\n"
            if not sample and isinstance(quad.object, ox.NamedNode) and isinstance(quad.subject, ox.NamedNode):
                sample = line
            buffer = buffers.setdefault(g, [])
            buffer.append(line)
            if len(buffer) >= CHUNK_TRIPLES:
                flush(g)
        for g in list(buffers):
            flush(g)
        for g in graphs:
            if g not in started:
                self._write_graph(g, b"", replace=True)
        if sample and not self._union_checked:
            self._check_union(sample)

    def _write_graph(self, graph: str, ntriples: bytes, *, replace: bool) -> None:
        """Replace a graph by (or add to it) N-Triples: PUT/POST to the graph store, or an update."""
        if self.endpoint.write == "graph-store":
            if replace:
                self._put(graph, ntriples)
            elif ntriples:
                assert self.endpoint.graph_store is not None
                self._request("POST", self.endpoint.graph_store, "graph store write", params={"graph": graph},
                              content=ntriples, headers={"Content-Type": _NTRIPLES})
            return
        self._update_batches([(graph, ntriples, replace)])

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        """Drop graphs: batched ``DROP SILENT GRAPH`` updates, or one graph-store DELETE each."""
        graphs = list(graphs)
        self._sizes.clear()
        if self.endpoint.write == "graph-store" and not self.endpoint.update:
            for g in graphs:
                self._delete(g)
            return
        for start in range(0, len(graphs), self._update_graphs):
            batch = graphs[start:start + self._update_graphs]
            self._send_update(" ;\n".join(f"DROP SILENT GRAPH {_iri(g)}" for g in batch))

    def clear(self) -> None:
        """Drop every named graph of the store (Virtuoso's own graphs are left alone)."""
        self.drop_graphs(self.named_graphs())

    # --- the union default graph ---------------------------------------------------------------

    def _check_union(self, written: str | None = None) -> None:
        """Make sure queries see the union of the named graphs as their default graph.

        Checked with one triple: one the store holds at open time, else one just written.
        """
        triple = None
        if written:
            for line in written.splitlines():
                try:
                    quad = next(iter(ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_QUADS)))
                except (SyntaxError, StopIteration):
                    continue
                if isinstance(quad.object, ox.NamedNode) and isinstance(quad.subject, ox.NamedNode):
                    triple = (quad.subject, quad.predicate, quad.object)
                    break
        else:
            rows = list(self._select("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o "
                                     "FILTER(isIRI(?s) && isIRI(?o)) } } LIMIT 1"))
            if rows:
                triple = (rows[0]["s"], rows[0]["p"], rows[0]["o"])
        if triple is None:
            return
        if not bool(self._select(f"ASK {{ {triple[0]} {triple[1]} {triple[2]} }}")):
            raise StoreError(f"{self.location}: queries here do not see the named graphs — trialgraph expects "
                             "the union of all named graphs as the default graph. " + _union_hint(self.endpoint.server))
        self._union_checked = True


class _Truncated(StoreError):
    """The server said it cut the result at ``rows`` rows."""

    def __init__(self, rows: int, message: str) -> None:
        super().__init__(message)
        self.rows = rows


def _ntriples_of(graph: str, nquads: str) -> bytes:
    """The N-Quads of one graph as N-Triples (every line ends with the graph's IRI)."""
    suffix = f" <{graph}> ."
    out = []
    for line in nquads.splitlines():
        if not line:
            continue
        if not line.endswith(suffix):
            raise StoreError(f"{graph}: a quad of another graph in its write: {line[:200]}")
        out.append(line[: -len(suffix)] + " .\n")
    return "".join(out).encode("utf-8")


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


def _server_message(response: httpx.Response) -> str:
    """The server's own words about a failure, without the query it may echo."""
    try:
        text = response.text
    except (UnicodeDecodeError, httpx.HTTPError):
        text = ""
    text = text.split("\n\nSPARQL query:", 1)[0]  # Virtuoso appends the whole query
    text = re.sub(r"<[^>]+>", " ", text) if "<html" in text.lower() else text
    text = " ".join(text.split())
    return (text[:500] + "…") if len(text) > 500 else (text or response.reason_phrase or "no message")


def _is_permission_error(message: str) -> bool:
    return "SECURITY" in message or "permission" in message.lower()


def _permission_hint(server: str | None, what: str) -> str:
    if what == "query":
        return ""
    if server == "virtuoso":
        return (" — grant the SPARQL user update rights: isql-vt, then GRANT SPARQL_UPDATE TO \"SPARQL\"; "
                "(or log in: TRIALGRAPH_USER/TRIALGRAPH_PASSWORD of a user with SPARQL_UPDATE, which uses "
                "/sparql-auth and /sparql-graph-crud-auth)")
    return " — the endpoint must allow SPARQL Update and Graph Store Protocol writes for this user"


def _union_hint(server: str | None) -> str:
    return {
        "oxigraph": "Oxigraph server: start it with 'oxigraph serve --union-default-graph'.",
        "fuseki": "Fuseki: set tdb2:unionDefaultGraph true on the dataset (assembler file), or "
                  "start it with fuseki-server --set tdb:unionDefaultGraph=true.",
        "virtuoso": "Virtuoso queries every graph when no FROM is given; is a default-graph-uri set for /sparql?",
        "graphdb": "GraphDB: queries without FROM should see every graph; check the repository settings.",
    }.get(server or "", "Configure the endpoint so that queries without FROM see every named graph "
                        "(Oxigraph: --union-default-graph; Fuseki: unionDefaultGraph).")
