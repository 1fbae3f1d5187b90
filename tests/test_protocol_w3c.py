"""The W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests, sparql/sparql11/protocol/) run against
``trialgraph serve``, and rdflib's SPARQLStore as a client.

The manifest and its data are read from the shared data (``w3c-sparql11-protocol/``; the test
skips without them). Each test's data is loaded into named graphs under the IRIs the manifest's
queries use (``http://kasei.us/2009/09/sparql/data/dataN.rdf``); each ``ht:Request`` is sent as
written — method, headers, body in its character encoding — with the manifest's ``/sparql/``
replaced by this server's ``/sparql`` and its host by the server's (as the manifest says a runner
must), and its status class, result format and boolean are checked.

Query side: all 20 tests run against the read-only server and must pass as the manifest says.

Update side (14 tests): against the read-only server every one must be refused with a 4xx — 403
"read-only" for an update, or the error the manifest expects for a bad request. Against a second
server started with ``--allow-update``:

- ``update_post_form``, ``update_post_direct``, ``update_base_uri`` and the eight ``bad_update_*`` /
  ``bad_multiple_updates`` tests pass as the manifest says;
- ``update_dataset_default_graph``, ``update_dataset_default_graphs``,
  ``update_dataset_named_graphs`` and ``update_dataset_full`` cannot apply: they name the update's
  dataset with the protocol's ``using-graph-uri`` / ``using-named-graph-uri``, which this server
  does not take (the engine has no dataset for updates); they get its documented refusal, 400
  saying to write ``USING`` / ``GRAPH`` in the update instead, and the store is left unchanged.
"""

from __future__ import annotations

import http.client
import json
import shutil
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox
import pytest

from graph.store import open_store
from tests.conftest import SHARED_DATA, shared
from tests.test_server import Server

FOLDER = "w3c-sparql11-protocol"
DATA_IRI = "http://kasei.us/2009/09/sparql/data/{}.rdf"
#: The update-side tests that name the update's dataset by protocol parameters this server refuses.
USING_PARAMETERS = {"update_dataset_default_graph", "update_dataset_default_graphs",
                    "update_dataset_named_graphs", "update_dataset_full"}
SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {"application/rdf+xml": ox.RdfFormat.RDF_XML, "text/turtle": ox.RdfFormat.TURTLE,
             "application/n-triples": ox.RdfFormat.N_TRIPLES}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]  #: the status classes expected (2, 3, 4)
    format: str | None = None  #: boolean, tabular or RDF
    boolean: bool | None = None


@dataclass
class ProtocolTest:
    name: str
    title: str
    requests: list[Request] = field(default_factory=list)

    @property
    def update_side(self) -> bool:
        return self.name.startswith(("update_", "bad_update_", "bad_multiple_updates"))


def read_manifest(path: Path) -> list[ProtocolTest]:
    import rdflib
    from rdflib.collection import Collection
    from rdflib.namespace import RDF

    mf = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
    ht = rdflib.Namespace("http://www.w3.org/2011/http#")
    cnt = rdflib.Namespace("http://www.w3.org/2011/content#")
    graph = rdflib.Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, mf.Manifest))
    tests = []
    for entry in Collection(graph, graph.value(manifest, mf.entries)):
        test = ProtocolTest(str(entry).rsplit("#", 1)[1], str(graph.value(entry, mf.name)))
        action = graph.value(entry, mf.action)
        for request in Collection(graph, graph.value(action, ht.requests)):
            headers = {}
            listed = graph.value(request, ht.headers)
            for header in Collection(graph, listed) if listed is not None else []:
                headers[str(graph.value(header, ht.fieldName))] = str(graph.value(header, ht.fieldValue))
            body = graph.value(request, ht.body)
            data = None
            if body is not None:
                encoding = str(graph.value(body, cnt.characterEncoding) or "UTF-8")
                data = str(graph.value(body, cnt.chars)).encode(encoding)
            response = graph.value(request, ht.resp)
            statuses = {int(str(s).rsplit("StatusCode", 1)[1][0]) for s in graph.objects(response, mf.expectedStatus)}
            boolean = graph.value(response, mf.expectedBoolean)
            fmt = graph.value(response, mf.expectedFormat)
            test.requests.append(Request(
                str(graph.value(request, ht.methodName)), str(graph.value(request, ht.absolutePath)), headers, data,
                statuses, str(fmt) if fmt is not None else None, bool(boolean.toPython()) if boolean is not None else None))
        tests.append(test)
    return tests


MANIFEST = SHARED_DATA / FOLDER / "manifest.ttl"
TESTS = {t.name: t for t in read_manifest(MANIFEST)} if MANIFEST.exists() else {}
QUERY_SIDE = sorted(n for n, t in TESTS.items() if not t.update_side) or ["manifest missing"]
UPDATE_SIDE = sorted(n for n, t in TESTS.items() if t.update_side) or ["manifest missing"]


@pytest.fixture(scope="module")
def w3c_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = shared(FOLDER)
    path = tmp_path_factory.mktemp("w3c") / "store"
    with open_store(path) as store:
        for data in sorted(folder.glob("data*.nt")):
            iri = DATA_IRI.format(data.stem)
            quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(iri))
                     for t in ox.parse(path=str(data), format=ox.RdfFormat.N_TRIPLES)]
            assert quads, data
            store.replace_with_quads([iri], quads)
        assert len(store.named_graphs()) == 3
    return path


@pytest.fixture(scope="module")
def read_only(w3c_store: Path) -> Iterator[Server]:
    server = Server(w3c_store, ("--time-limit", "20")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def writable(w3c_store: Path) -> Iterator[Server]:
    copy = w3c_store.parent / "writable"
    shutil.copytree(w3c_store, copy, ignore=shutil.ignore_patterns("trialgraph.lock"))
    server = Server(copy, ("--time-limit", "20", "--allow-update")).start()
    yield server
    server.stop()


@dataclass
class Sent:
    status: int
    media_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def send(server: Server, request: Request) -> Sent:
    """The request as the manifest writes it, to this server's endpoint."""
    assert request.path.startswith("/sparql/")
    path = "/sparql" + request.path[len("/sparql/"):]
    parts = urllib.parse.urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request(request.method, path, body=request.body, headers=request.headers)
        response = conn.getresponse()
        return Sent(response.status, (response.getheader("content-type") or "").split(";")[0].strip(), response.read())
    finally:
        conn.close()


def result_boolean(sent: Sent) -> bool:
    if sent.media_type == "application/sparql-results+json":
        return bool(json.loads(sent.body)["boolean"])
    element = ET.fromstring(sent.body).find(SPARQL_RESULTS + "boolean")
    assert element is not None and element.text in ("true", "false"), sent.text
    return element.text == "true"


def check(sent: Sent, request: Request, name: str) -> None:
    """As the manifest expects: the status class, then the format (and boolean) of the answer."""
    assert sent.status // 100 in request.statuses, (name, sent.status, sent.text)
    if request.format == "boolean":
        assert sent.media_type in BOOLEAN_TYPES, (name, sent.media_type)
        if request.boolean is not None:
            assert result_boolean(sent) is request.boolean, (name, sent.text)
    elif request.format == "tabular":
        assert sent.media_type in TABULAR_TYPES, (name, sent.media_type)
        if sent.media_type == "application/sparql-results+json":
            assert json.loads(sent.body)["head"]["vars"] == ["value"], sent.text
    elif request.format == "RDF":
        assert sent.media_type in RDF_TYPES, (name, sent.media_type)
        list(ox.parse(sent.body, format=RDF_TYPES[sent.media_type]))  # well-formed


@pytest.mark.parametrize("name", QUERY_SIDE)
def test_query_side(read_only: Server, name: str) -> None:
    shared(FOLDER, "manifest.ttl")
    test = TESTS[name]
    for request in test.requests:
        check(send(read_only, request), request, name)


@pytest.mark.parametrize("name", UPDATE_SIDE)
def test_update_side_is_refused_by_a_read_only_server(read_only: Server, name: str) -> None:
    shared(FOLDER, "manifest.ttl")
    request = TESTS[name].requests[0]  # the update itself; what follows checks its effect
    sent = send(read_only, request)
    assert 400 <= sent.status < 500, (name, sent.status, sent.text)
    if name in USING_PARAMETERS:
        assert sent.status == 400 and "USING" in sent.text, sent.text
    elif 2 in request.statuses:  # a valid update: refused because the server is read-only
        assert sent.status == 403 and "read-only" in sent.text and "--allow-update" in sent.text, sent.text
    # nothing changed: the three graphs and their triples are all there
    count = send(read_only, Request("POST", "/sparql/", {"Content-Type": "application/sparql-query",
                                                         "Accept": "application/sparql-results+json"},
                                    b"SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", {2}))
    assert json.loads(count.body)["results"]["bindings"][0]["n"]["value"] == "3"


@pytest.mark.parametrize("name", UPDATE_SIDE)
def test_update_side_with_allow_update(writable: Server, name: str) -> None:
    shared(FOLDER, "manifest.ttl")
    test = TESTS[name]
    if name in USING_PARAMETERS:  # cannot apply: see the module's docstring
        before = send(writable, _count_request())
        sent = send(writable, test.requests[0])
        assert sent.status == 400 and "using-" in sent.text and "USING" in sent.text, sent.text
        assert send(writable, _count_request()).body == before.body  # refused before anything ran
        return
    for request in test.requests:
        check(send(writable, request), request, name)


def _count_request() -> Request:
    return Request("POST", "/sparql/", {"Content-Type": "application/sparql-query",
                                        "Accept": "text/csv"}, b"SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                   {2})


# --- rdflib's SPARQLStore as a client -----------------------------------------------------------


def test_rdflib_sparqlstore_reads_the_union_and_each_named_graph(read_only: Server) -> None:
    import rdflib
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    folder = shared(FOLDER)
    expected = {data.stem: {tuple(str(term) for term in (t.subject, t.predicate, t.object))
                            for t in ox.parse(path=str(data), format=ox.RdfFormat.N_TRIPLES)}
                for data in sorted(folder.glob("data*.nt"))}
    store = SPARQLStore(read_only.url + "sparql")
    try:
        graphs = {str(g) for g in store.contexts()}
        assert graphs == {DATA_IRI.format(stem) for stem in expected}
        # each named graph by itself (rdflib sends default-graph-uri)
        for stem, triples in expected.items():
            graph = rdflib.Graph(store=store, identifier=rdflib.URIRef(DATA_IRI.format(stem)))
            got = {tuple(f"<{term}>" for term in triple) for triple in graph}
            assert got == triples, stem
            assert len(graph) == 1
            ask = graph.query(f"ASK {{ <{DATA_IRI.format(stem)}> a <http://xmlns.com/foaf/0.1/Document> }}")
            assert ask.askAnswer is True
            other = next(s for s in expected if s != stem)
            assert graph.query(f"ASK {{ <{DATA_IRI.format(other)}> ?p ?o }}").askAnswer is False
        # without a graph: the union of them all, the server's default
        union = rdflib.Graph(store=store)
        assert len(union) == 3
        rows = union.query("SELECT ?doc WHERE { ?doc a <http://xmlns.com/foaf/0.1/Document> } ORDER BY ?doc")
        assert [str(r.doc) for r in rows] == [DATA_IRI.format(stem) for stem in sorted(expected)]
        # and GRAPH over the dataset
        dataset = rdflib.Dataset(store=store)
        named = dataset.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
        assert [str(r.g) for r in named] == sorted(graphs)
    finally:
        store.close()
