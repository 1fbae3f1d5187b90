"""``trialgraph serve``, tested as users run it: a real server process on a free loopback port,
over a store built from the seeds, spoken to over HTTP (and by a real headless browser).

Servers and their worker processes are stopped by the fixtures' finalizers, which also check that
nothing of them is left running.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox
import pytest

from graph.build import build
from graph.cli import main
from graph.errors import StoreError
from graph.server.protocol import federation_used, negotiate, read_sparql_request, HttpError
from graph.store import open_store
from tests.conftest import ROOT

TIME_LIMIT = 3.0
MAX_ROWS = 50
MAX_BYTES = 300_000
#: Three copies of all the triples joined: far more work than any time limit allows.
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "SELECT ?nct WHERE { ?t tg:nctId ?nct } ORDER BY ?nct"
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"


# --- a server process ---------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> object:
        return json.loads(self.body)

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0]


def _children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (the server's workers), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class Server:
    store: Path
    args: tuple[str, ...] = ()
    process: subprocess.Popen[str] | None = None
    url: str = ""
    lines: list[str] = field(default_factory=list)
    _banner: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "Server":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "graph", "serve", "--store", str(self.store), "--port", "0", "--no-access-log",
             *self.args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        if not self._banner.wait(60) or not self.url:
            self.stop(check=False)
            pytest.fail("the server did not start:\n" + "".join(self.lines))
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            match = re.match(r"serving (http://127\.0\.0\.1:\d+/)", line)
            if match:
                self.url = match.group(1)
                self._banner.set()
        self._banner.set()

    def request(self, method: str, path: str, *, params: dict[str, str] | list[tuple[str, str]] | None = None,
                data: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 60) -> Answer:
        url = self.url.rstrip("/") + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return Answer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())

    def get(self, path: str, params: dict[str, str] | None = None, **headers: str) -> Answer:
        return self.request("GET", path, params=params, headers={k.replace("_", "-"): v for k, v in headers.items()})

    def query(self, sparql: str, accept: str | None = None) -> Answer:
        return self.request("GET", "/sparql", params={"query": sparql}, headers={"Accept": accept} if accept else {})

    def form(self, fields: dict[str, str], accept: str | None = None) -> Answer:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if accept:
            headers["Accept"] = accept
        return self.request("POST", "/sparql", data=urllib.parse.urlencode(fields).encode(), headers=headers)

    def direct(self, text: str, content_type: str, accept: str | None = None) -> Answer:
        headers = {"Content-Type": content_type}
        if accept:
            headers["Accept"] = accept
        return self.request("POST", "/sparql", data=text.encode("utf-8"), headers=headers)

    def count(self, sparql: str) -> int:
        answer = self.query(sparql)
        assert answer.status == 200, answer.text
        return int(answer.json()["results"]["bindings"][0]["n"]["value"])  # type: ignore[index]

    def wait_ready(self) -> None:
        """Until every worker is up (one replaced after a time-out takes a moment to start)."""
        for _ in range(200):
            status = self.get("/status").json()
            if status["readyWorkers"] == status["workers"]:  # type: ignore[index]
                return
            time.sleep(0.05)
        pytest.fail(f"the workers did not come back: {status}")

    def stop(self, *, check: bool = True) -> None:
        """Stop as Ctrl-C would; check that the server exits cleanly and leaves no process behind."""
        if self.process is None or self.process.poll() is not None:
            return
        workers = _children(self.process.pid)
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
            code = None
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [p for p in workers if _alive(p)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        if check:
            assert code == 0, "".join(self.lines)
            assert not left, f"worker processes {left} outlived the server"
            assert workers, "the server had no worker processes"


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("served") / "store"
    with open_store(path) as store:
        assert build(store, err=io.StringIO(), progress=False, open_reference=False).ok
    return path


def _copy(store: Path, name: str) -> Path:
    target = store.parent / name
    shutil.copytree(store, target, ignore=shutil.ignore_patterns("trialgraph.lock"))
    return target


@pytest.fixture(scope="module")
def reference(seed_store: Path) -> Path:
    """A copy of the seed store that no server holds (for the command line's own answers)."""
    return _copy(seed_store, "reference")


@pytest.fixture(scope="module")
def server(seed_store: Path, reference: Path) -> Iterator[Server]:
    """A read-only server with small limits, so the tests can reach them."""
    running = Server(seed_store, ("--time-limit", str(TIME_LIMIT), "--max-rows", str(MAX_ROWS),
                                  "--max-bytes", str(MAX_BYTES), "--workers", "2")).start()
    yield running
    running.stop()


# --- pure parts ---------------------------------------------------------------------------------


def test_negotiation_follows_the_accept_header() -> None:
    assert negotiate("solutions", "text/csv").name == "csv"
    assert negotiate("solutions", "text/csv;q=0.2, application/sparql-results+json;q=0.9").name == "json"
    assert negotiate("solutions", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8").name == "xml"
    assert negotiate("solutions", "*/*").name == "json"
    assert negotiate("graph", "application/ld+json").name == "jsonld"
    assert negotiate("graph", "text/*").name == "turtle"
    assert negotiate("solutions", "text/csv", "tsv").name == "tsv"  # the format parameter wins
    with pytest.raises(HttpError) as refused:
        negotiate("graph", "text/csv")
    assert refused.value.status == 406
    with pytest.raises(HttpError) as unknown:
        negotiate("solutions", None, "excel")
    assert unknown.value.status == 400


def test_service_is_found_as_a_keyword_only() -> None:
    assert federation_used("select * { service silent <x:y> { ?s ?p ?o } }", update=False) == "SERVICE"
    assert federation_used('SELECT ?service { ?s ex:service "a SERVICE" ; <http://x/SERVICE> ?o }', update=False) is None
    assert federation_used("SELECT * { ?s ?p ?o } # SERVICE <http://x>", update=False) is None
    assert federation_used("SELECT * { FILTER(?a < 3) SERVICE <http://x> { ?a ?b ?c } FILTER(?a > 1) }",
                           update=False) == "SERVICE"


#: Queries that make an engine fetch a URL, hidden by every escape and quoting form SPARQL has. The
#: first is the prefixed-name escape that once fooled a lexer into reading the SERVICE as a string.
HIDDEN_SERVICE = [
    r"SELECT * WHERE { OPTIONAL { ?t tg:a\' ?o } SERVICE <{url}> { ?a ?b ?c } OPTIONAL { ?t tg:b 'x' } }",
    r'SELECT * WHERE { OPTIONAL { ?t tg:a\" ?o } SERVICE <{url}> { ?a ?b ?c } OPTIONAL { ?t tg:b "x" } }',
    r"SELECT * WHERE { SERV\u0049CE <{url}> { ?a ?b ?c } }",
    r"SELECT * WHERE { \U00000053ERVICE <{url}> { ?a ?b ?c } }",
    r"SELECT * WHERE { service SILENT <{url}> { ?a ?b ?c } }",
    r"SELECT * WHERE { ?s <x:p> '''it's''' . SERVICE <{url}> { ?a ?b ?c } }",
    r"SELECT * WHERE { ?s <x:p> 'a\'b' . SERVICE <{url}> { ?a ?b ?c } }",
    "SELECT * WHERE { # it's a comment with a quote\n SERVICE <{url}> { ?a ?b ?c } }",
    r"SELECT * WHERE { ?s <http://x/#'> ?o . SERVICE <{url}> { ?a ?b ?c } ?s <http://x/'> ?o }",
    r"SELECT * WHERE { ?s tg:a\#b ?o . SERVICE <{url}> { ?a ?b ?c } }",
    r"SELECT * WHERE { ?s ?p ?o } #\u000a SERVICE <{url}> { ?a ?b ?c }",
]
#: Queries that only mention the word: they must still be answered.
ONLY_THE_WORD = [
    'SELECT ?service WHERE { ?service <http://x/SERVICE> "SERVICE" } # SERVICE <http://x/>',
    "SELECT * WHERE { ?s tg:service ?o FILTER(CONTAINS(STR(?o), '''SERVICE <http://x/> {}''')) }",
]


@pytest.mark.parametrize("query", HIDDEN_SERVICE)
def test_service_is_found_however_it_is_written(query: str) -> None:
    assert federation_used(query.replace("{url}", "http://127.0.0.1:9/x"), update=False) == "SERVICE"


@pytest.mark.parametrize("query", ONLY_THE_WORD)
def test_a_query_that_only_names_the_word_is_not_refused(query: str) -> None:
    assert federation_used(query, update=False) is None


def test_load_is_found_on_the_parsed_update() -> None:
    assert federation_used("LOAD <http://127.0.0.1:9/x> INTO GRAPH <x:g>", update=True) == "LOAD"
    assert federation_used(r"LO\u0041D SILENT <http://127.0.0.1:9/x>", update=True) == "LOAD"
    assert federation_used("INSERT DATA { <x:a> <x:b> 'x' } ; LOAD <http://127.0.0.1:9/x>", update=True) == "LOAD"
    assert federation_used("INSERT DATA { <x:a> <x:load> 'LOAD <http://x/>' }", update=True) is None
    assert federation_used("INSERT { ?s <x:p> 1 } WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
                           update=True) == "SERVICE"


def test_text_that_cannot_be_parsed_but_names_service_is_refused() -> None:
    # what the checking parser cannot read cannot be shown safe: refused rather than trusted
    assert federation_used("SELECT * WHERE { SERVICE <http://x/> { ?a ?b ?c } ?s ?p ?o ~~~ }", update=False) == "SERVICE"
    assert federation_used("SELECT * WHERE { ?s ?p ?o ~~~ }", update=False) is None


class _Listener:
    """A TCP listener on loopback that counts the connections it is offered (it must get none)."""

    def __init__(self) -> None:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        import socket

        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def test_no_request_of_the_bypass_corpus_reaches_a_listener(server: Server) -> None:
    listener = _Listener()
    try:
        for query in HIDDEN_SERVICE:
            text = query.replace("{url}", listener.url)
            by_get = server.request("GET", "/sparql", params={"query": text})
            by_post = server.request("POST", "/sparql", data=text.encode(),
                                     headers={"Content-Type": "application/sparql-query"})
            assert (by_get.status, by_post.status) == (403, 403), (query, by_get.text, by_post.text)
            assert "--allow-service" in by_get.text
        for query in ONLY_THE_WORD:
            assert server.query(query).status == 200, query
        time.sleep(0.5)
        assert listener.connections == 0
    finally:
        listener.close()


def test_a_deeply_nested_query_gets_400_and_the_workers_stay(server: Server) -> None:
    # 3,000 nested { or 5,000 nested ( crash pyoxigraph's parser: refused before it sees them
    braces = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000
    parens = "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    for query in (braces, parens):
        for answer in (server.query(query), server.request("POST", "/sparql", data=query.encode(),
                                                          headers={"Content-Type": "application/sparql-query"})):
            assert answer.status == 400 and "--max-query-depth" in answer.text, answer.text
    status = server.get("/status").json()
    assert status["readyWorkers"] == status["workers"] and status["maxQueryDepth"] == 100  # type: ignore[index]
    assert _nct_values(server.query(CHEAP, accept="application/sparql-results+json"))
    nested = "SELECT ?nct WHERE " + "{" * 50 + " ?t tg:nctId ?nct " + "}" * 50  # deep, but within the limit
    assert server.query(nested).status == 200
    too_long = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 1_000_001
    answer = server.request("POST", "/sparql", data=too_long.encode(), headers={"Content-Type": "application/sparql-query"})
    assert answer.status == 400 and "--max-query-length" in answer.text, answer.text


ENTITIES = "https://w3id.org/trialgraph/graph/entities"
COUNT = "SELECT (COUNT(*) AS ?n) {from} WHERE {{ ?s ?p ?o }}"


def _count(answer: Answer) -> int:
    assert answer.status == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])  # type: ignore[index]


def test_the_sparql_dataset_is_honoured(server: Server) -> None:
    json_ = "application/sparql-results+json"
    in_entities = _count(server.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ENTITIES}> {{ ?s ?p ?o }} }}", json_))
    union = _count(server.query(COUNT.format(**{"from": ""}), json_))
    assert 0 < in_entities < union
    assert _count(server.query(COUNT.format(**{"from": f"FROM <{ENTITIES}>"}), json_)) == in_entities < union
    by_protocol = server.request("GET", "/sparql", params={"query": COUNT.format(**{"from": ""}),
                                                           "default-graph-uri": ENTITIES}, headers={"Accept": json_})
    assert _count(by_protocol) == in_entities
    named = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    graphs = server.request("GET", "/sparql", params=[("query", named), ("named-graph-uri", ENTITIES)],
                            headers={"Accept": json_}).json()["results"]["bindings"]  # type: ignore[index]
    assert [(b["g"]["value"], int(b["n"]["value"])) for b in graphs] == [(ENTITIES, in_entities)]
    from_named = server.query(named.replace("WHERE", f"FROM NAMED <{ENTITIES}> WHERE"), json_).json()
    assert len(from_named["results"]["bindings"]) == 1  # type: ignore[index]
    # a relative IRI is resolved against the endpoint's address, not a syntax error
    relative = server.query("SELECT ?x WHERE { BIND(<graph/x> AS ?x) }", json_).json()
    assert relative["results"]["bindings"][0]["x"]["value"] == server.url + "graph/x"  # type: ignore[index]


def test_sparqlwrapper_with_its_default_settings(server: Server) -> None:
    from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

    def client(query: str, fmt: str, conneg_only: bool = False) -> object:
        wrapper = SPARQLWrapper(server.url + "sparql")
        wrapper.setQuery("PREFIX tg: <https://w3id.org/trialgraph/vocab#>\n" + query)
        wrapper.setReturnFormat(fmt)
        wrapper.setOnlyConneg(conneg_only)
        return wrapper.query().convert()

    select = "SELECT ?nct WHERE { ?t tg:nctId ?nct } ORDER BY ?nct"
    construct = "CONSTRUCT { ?t tg:nctId ?nct } WHERE { ?t tg:nctId ?nct }"
    for conneg_only in (False, True):
        rows = client(select, JSON, conneg_only)["results"]["bindings"]  # type: ignore[index]
        expected = [r["nct"]["value"] for r in rows]
        assert expected == _nct_values(server.query(CHEAP, "application/sparql-results+json"))
        assert {"NCT05047328", "NCT05873205"} <= set(expected)
        assert client(select, TSV, conneg_only).decode().split() == ["?nct", *(f'"{n}"' for n in expected)]  # type: ignore[union-attr]
        assert client(select, CSV, conneg_only).decode().split() == ["nct", *expected]  # type: ignore[union-attr]
        xml = client(select, XML, conneg_only)
        assert [e.firstChild.data for e in xml.getElementsByTagName("literal")] == expected  # type: ignore[attr-defined]
        for fmt in (XML, RDFXML, JSONLD, N3, TURTLE):
            graph = client(construct, fmt, conneg_only)
            if isinstance(graph, bytes):  # SPARQLWrapper hands Turtle and N3 over as text
                import rdflib

                graph = rdflib.Graph().parse(data=graph, format="turtle")
            assert sorted(str(o) for o in graph.objects()) == expected, (fmt, conneg_only)  # type: ignore[attr-defined]


def test_from_is_honoured_on_the_command_line(seed_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = _copy(seed_store, "from-cli")
    with open_store(store, create=False) as opened:
        in_entities = sum(1 for _ in opened.quads(ENTITIES))
    assert main(["query", "--store", str(store), "--format", "csv", COUNT.format(**{"from": f"FROM <{ENTITIES}>"})]) == 0
    assert capsys.readouterr().out.split() == ["n", str(in_entities)]


def test_isolated_network_reaches_nothing() -> None:
    # the lowest guard: a process in its own network namespace cannot connect, even to loopback
    listener = _Listener()
    try:
        script = ("import socket, sys; from graph.server.sandbox import isolate_network\n"
                  "why = isolate_network()\n"
                  "if why: print(why); sys.exit(3)\n"
                  f"s = socket.socket(); s.settimeout(2)\n"
                  f"try:\n    s.connect(('127.0.0.1', {listener.sock.getsockname()[1]})); sys.exit(1)\n"
                  "except OSError as e:\n    print(e); sys.exit(0)\n")
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
        if done.returncode == 3 and not os.environ.get("TRIALGRAPH_REQUIRE_ALL"):
            pytest.skip(f"no network namespace on this system: {done.stdout.strip()}")
        assert done.returncode == 0, done.stdout + done.stderr
        assert listener.connections == 0
    finally:
        listener.close()


def test_query_workers_run_in_a_network_of_their_own(server: Server) -> None:
    assert server.process is not None
    own = os.readlink(f"/proc/{server.process.pid}/ns/net")
    workers = [pid for pid in _children(server.process.pid)  # not multiprocessing's resource tracker
               if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert workers, "the server has no worker processes"
    assert all(os.readlink(f"/proc/{pid}/ns/net") != own for pid in workers)
def test_request_reading() -> None:
    assert read_sparql_request("POST", [], "application/x-www-form-urlencoded; charset=UTF-8",
                               b"query=ASK%20%7B%7D&format=csv").format == ("csv",)
    with pytest.raises(HttpError, match="twice"):
        read_sparql_request("GET", [("query", "ASK {}"), ("query", "ASK {}")], None, b"")
    # a format given twice is fine when both name the same format, a 400 when they do not
    twice = read_sparql_request("GET", [("query", "ASK {}"), ("format", "tsv"), ("format", "text/tab-separated-values")],
                                None, b"").format
    assert negotiate("solutions", None, twice).name == "tsv"
    with pytest.raises(HttpError, match="different formats") as differing:
        negotiate("solutions", None, ("tsv", "csv"))
    assert differing.value.status == 400
    # one name, the format of the result's kind
    assert [negotiate("graph", None, n).name for n in ("xml", "rdf+xml", "json-ld", "json", "n3", "turtle")] == [
        "rdfxml", "rdfxml", "jsonld", "jsonld", "turtle", "turtle"]
    assert [negotiate("solutions", None, n).name for n in ("xml", "json", "csv")] == ["xml", "json", "csv"]
    assert negotiate("graph", None, "application/ld+json,application/x-json+ld").name == "jsonld"


# --- the SPARQL protocol ------------------------------------------------------------------------


def _nct_values(answer: Answer) -> list[str]:
    data = answer.json()
    return [row["nct"]["value"] for row in data["results"]["bindings"]]  # type: ignore[index]


def test_get_post_form_and_direct_give_the_same_answer(server: Server) -> None:
    by_get = server.query(CHEAP)
    by_form = server.form({"query": CHEAP})
    by_body = server.direct(CHEAP, "application/sparql-query")
    for answer in (by_get, by_form, by_body):
        assert answer.status == 200, answer.text
        assert answer.media_type == "application/sparql-results+json"
    assert _nct_values(by_get) == _nct_values(by_form) == _nct_values(by_body)
    assert "NCT05873205" in _nct_values(by_get)


def test_result_formats_by_accept_header(server: Server) -> None:
    xml = server.query(CHEAP, "application/sparql-results+xml")
    assert xml.status == 200 and xml.media_type == "application/sparql-results+xml"
    root = ET.fromstring(xml.body)
    assert root.tag == SPARQL_RESULTS + "sparql"
    assert [v.get("name") for v in root.iter(SPARQL_RESULTS + "variable")] == ["nct"]
    csv = server.query(CHEAP, "text/csv")
    assert csv.media_type == "text/csv"
    assert csv.text.splitlines()[0] == "nct" and "NCT05873205" in csv.text
    tsv = server.query(CHEAP, "text/tab-separated-values")
    assert tsv.media_type == "text/tab-separated-values" and tsv.text.splitlines()[0] == "?nct"
    assert server.form({"query": CHEAP, "format": "csv"}, accept="application/sparql-results+json").media_type == "text/csv"
    ask = server.query("ASK { ?t tg:nctId 'NCT05873205' }", "application/sparql-results+json")
    assert ask.json() == {"head": {}, "boolean": True}


@pytest.mark.parametrize("media_type,fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/n-quads", ox.RdfFormat.N_QUADS), ("application/trig", ox.RdfFormat.TRIG),
    ("application/ld+json", ox.RdfFormat.JSON_LD), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_construct_in_every_rdf_format(server: Server, media_type: str, fmt: ox.RdfFormat) -> None:
    answer = server.query("CONSTRUCT { ?t tg:nctId ?nct } WHERE { ?t tg:nctId ?nct }", media_type)
    assert answer.status == 200, answer.text
    assert answer.media_type == media_type
    triples = {(str(q.subject), str(q.object)) for q in ox.parse(answer.body, format=fmt)}
    assert ("<https://clinicaltrials.gov/study/NCT05873205>", '"NCT05873205"') in triples


def test_malformed_query_gets_400_with_the_parsers_message(server: Server) -> None:
    bad = "SELECT ?x WHERE { ?x tg:nctId }"
    with pytest.raises(SyntaxError) as parser:
        ox.Store().query(bad, prefixes={"tg": "https://w3id.org/trialgraph/vocab#"})
    line, column = re.match(r"error at (\d+):(\d+)", str(parser.value)).groups()  # type: ignore[union-attr]
    for answer in (server.query(bad), server.form({"query": bad}), server.direct(bad, "application/sparql-query")):
        assert answer.status == 400
        # the parser's message, told in words: where, what is there, what would fit
        first, shown, mark = answer.text.splitlines()
        assert first.startswith(f"malformed SPARQL query at line {line}, column {column}, at “}}”: expected ")
        assert "a variable" in first and "an IRI" in first and "a string" in first
        assert shown.strip() == bad and mark.index("^") == shown.index(bad) + int(column) - 1
        assert "..=" not in answer.text and "\\u{" not in answer.text  # not the engine's character ranges


@pytest.mark.parametrize("query,said", [
    ("SELECT * WHERE { ?s nosuch:p ?o }", "the prefix nosuch: is not declared — add PREFIX nosuch: <…>"),
    ('SELECT * WHERE { ?s ?p "open }', "a string is not closed"),
    ("SELECT * WHERE { ?s ?p ?o ) }", "at “)”"),  # the engine names nothing: the other parser's place
    ("SELECT * WHERE { ?s ?p ?o } GROUP ?s", "expected BY"),
    ("DROP GRAPH <https://example.org/g>", "is a SPARQL update, not a query: send it as update="),
])
def test_syntax_errors_are_told_in_words(server: Server, query: str, said: str) -> None:
    answer = server.query(query)
    assert answer.status == 400 and said in answer.text, answer.text
    assert answer.text.startswith("malformed SPARQL query at line 1, column ")
    assert "[_]" not in answer.text and "..=" not in answer.text


def test_malformed_update_is_told_in_words(seed_store: Path) -> None:
    store = _copy(seed_store, "writable-syntax")
    writable = Server(store, ("--allow-update",)).start()
    try:
        answer = writable.form({"update": "CLEAR XYZ"})
        assert answer.status == 400, answer.text
        assert answer.text.startswith("malformed SPARQL update at line 1, column ") and "expected ALL" in answer.text
    finally:
        writable.stop()


def test_a_client_that_goes_away_is_logged_in_one_line_and_its_query_stopped(server: Server) -> None:
    import socket

    server.wait_ready()
    before = server.get("/status").json()
    host, port = urllib.parse.urlsplit(server.url).hostname, urllib.parse.urlsplit(server.url).port
    lines_before = len(server.lines)
    # one goes away while its query runs, one after reading the start of a large answer
    for read in (0, 1024):
        query = EXPENSIVE if not read else "SELECT * WHERE { ?s ?p ?o } LIMIT 50"
        conn = socket.create_connection((host, port))
        conn.sendall(f"GET /sparql?{urllib.parse.urlencode({'query': query})} HTTP/1.1\r\n"
                     f"Host: 127.0.0.1:{port}\r\nAccept: text/csv\r\n\r\n".encode())
        if read:
            assert conn.recv(read).startswith(b"HTTP/1.1 200")
        else:
            time.sleep(0.5)  # on a worker by now
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset
        conn.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any("went away" in line for line in server.lines[lines_before:]):
        time.sleep(0.05)
    time.sleep(0.5)
    logged = server.lines[lines_before:]
    went = [line for line in logged if "went away" in line]
    assert len(went) == 1 and "GET /sparql" in went[0], logged
    assert not any("Traceback" in line or "Exception" in line for line in logged), "".join(logged)
    # the runaway was stopped long before its time limit: its worker was replaced, the server answers
    assert server.get("/status").json()["replacedWorkers"] == before["replacedWorkers"] + 1  # type: ignore[index]
    assert server.query(CHEAP).status == 200


def test_an_unknown_extension_function_is_the_clients_error(server: Server) -> None:
    answer = server.query("SELECT (<http://example.org/fn>(1) AS ?x) WHERE {}")
    assert answer.status == 400 and "http://example.org/fn" in answer.text, answer.text


def test_status_codes(server: Server) -> None:
    assert server.query(CHEAP, "image/png").status == 406
    refused = server.query("CONSTRUCT WHERE { ?s tg:nctId ?o }", "text/csv")
    assert refused.status == 406 and "text/turtle" in refused.text
    assert server.request("GET", "/sparql").status == 400
    # the protocol's dataset is honoured (an empty graph: no rows); a value that is no IRI is a 400
    empty = server.request("GET", "/sparql", params={"query": CHEAP, "default-graph-uri": "http://example.org/g"},
                           headers={"Accept": "application/sparql-results+json"})
    assert empty.status == 200 and _nct_values(empty) == []
    bad_graph = server.request("GET", "/sparql", params={"query": CHEAP, "default-graph-uri": "not an iri"})
    assert bad_graph.status == 400 and "default-graph-uri" in bad_graph.text
    assert server.request("GET", "/sparql", params={"query": CHEAP, "format": "excel"}).status == 400
    assert server.direct(CHEAP, "text/plain").status == 415
    assert server.request("DELETE", "/sparql").status == 405
    assert server.request("PUT", "/reports/trials_by_target", data=b"x").status == 405
    assert server.request("GET", "/sparql", params={"update": "CLEAR ALL"}).status == 405
    assert server.get("/no/such/page").status == 404


def test_service_is_refused(server: Server) -> None:
    answer = server.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert answer.status == 403 and "--allow-service" in answer.text


def test_requests_from_other_sites_are_refused(server: Server) -> None:
    cross = server.request("POST", "/sparql", data=urllib.parse.urlencode({"query": CHEAP}).encode(),
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "Origin": "http://evil.example"})
    assert cross.status == 403
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = urllib.parse.urlencode({"query": CHEAP}).encode()
    refused = [
        server.request("GET", "/sparql", params={"query": CHEAP}, headers={"Sec-Fetch-Site": "cross-site"}),
        server.request("GET", "/sparql", params={"query": CHEAP}, headers={"Origin": "http://evil.example"}),
        server.request("GET", "/reports/trials_by_target", params={"target": "CD38"},
                       headers={"Sec-Fetch-Site": "cross-site"}),
        server.request("GET", "/network", params={"target": "CD38"}, headers={"Origin": "null"}),
        server.request("POST", "/sparql", data=body, headers={**form, "Referer": "http://evil.example/page"}),
        server.request("POST", "/sparql", data=body, headers={**form, "Sec-Fetch-Site": "cross-site"}),
    ]
    assert [a.status for a in refused] == [403] * len(refused), [a.text for a in refused]
    assert "another web site" in refused[0].text
    # the same requests from the server's own page, a typed address or a program are answered
    own = server.url.rstrip("/")
    assert server.request("GET", "/sparql", params={"query": CHEAP}, headers={"Sec-Fetch-Site": "same-origin"}).status == 200
    assert server.request("GET", "/sparql", params={"query": CHEAP}, headers={"Sec-Fetch-Site": "none"}).status == 200
    assert server.request("POST", "/sparql", data=body, headers={**form, "Origin": own, "Referer": own + "/"}).status == 200
    assert server.request("GET", "/", headers={"Sec-Fetch-Site": "cross-site"}).status == 200  # the page itself
    rebound = server.request("GET", "/sparql", params={"query": CHEAP}, headers={"Host": "evil.example"})
    assert rebound.status == 421
    assert server.get("/").headers.get("x-content-type-options") == "nosniff"


# --- read-only and updates ----------------------------------------------------------------------


INSERT = "INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/s> <https://example.org/p> 'x' } }"
INSERTED = "ASK { <https://example.org/s> <https://example.org/p> 'x' }"


def test_updates_are_refused_when_read_only(server: Server) -> None:
    before = server.count(COUNT_QUADS)
    for answer in (server.form({"update": INSERT}), server.direct(INSERT, "application/sparql-update")):
        assert answer.status == 403
        assert "read-only" in answer.text and "--allow-update" in answer.text
    assert server.count(COUNT_QUADS) == before
    assert server.query(INSERTED).json()["boolean"] is False  # type: ignore[index]


def test_updates_with_allow_update(seed_store: Path) -> None:
    """A second server, read-write: updates work; stopped, it leaves no worker and frees the store."""
    store = _copy(seed_store, "writable")
    writable = Server(store, ("--allow-update", "--time-limit", "20")).start()
    try:
        assert writable.get("/status").json()["readOnly"] is False  # type: ignore[index]
        before = writable.count(COUNT_QUADS)
        done = writable.direct(INSERT, "application/sparql-update")
        assert done.status == 204, done.text
        assert writable.query(INSERTED).json()["boolean"] is True  # type: ignore[index]
        assert writable.count(COUNT_QUADS) == before + 1
        dropped = writable.form({"update": "DROP GRAPH <https://example.org/g>"})
        assert dropped.status == 204, dropped.text
        assert writable.count(COUNT_QUADS) == before
        assert writable.direct(INSERT, "application/sparql-update").status == 204
        malformed = writable.form({"update": "INSERT DATA { <a> }"})
        assert malformed.status == 400 and "malformed SPARQL update" in malformed.text
        assert writable.form({"update": "LOAD <http://127.0.0.1:9/data.ttl>"}).status == 403
        workers = _children(writable.process.pid)  # type: ignore[union-attr]
    except BaseException:
        writable.stop(check=False)
        raise
    writable.stop()  # exit code 0, no worker left
    assert workers and not any(_alive(p) for p in workers)
    assert "stopped" in "".join(writable.lines)
    with open_store(store, create=False) as reopened:  # the lock is free again, and the update was kept
        assert bool(reopened.query(INSERTED))


def test_the_store_is_locked_while_served(server: Server, seed_store: Path) -> None:
    with pytest.raises(StoreError, match="trialgraph serve"):
        open_store(seed_store)


# --- limits ---------------------------------------------------------------------------------------


def test_a_runaway_query_is_stopped_while_others_are_answered(server: Server) -> None:
    server.wait_ready()
    expensive: dict[str, object] = {}

    def run_expensive() -> None:
        expensive["answer"] = server.query(EXPENSIVE)

    thread = threading.Thread(target=run_expensive)
    thread.start()
    time.sleep(0.3)  # let it reach a worker
    cheap = server.query(CHEAP)
    expensive_still_running = thread.is_alive()
    thread.join(TIME_LIMIT + 15)  # stopped, not run to its end (that takes hours)
    assert not thread.is_alive(), "the expensive query was not stopped"
    assert cheap.status == 200 and "NCT05873205" in _nct_values(cheap)
    assert expensive_still_running, "the cheap query was only answered after the expensive one"
    answer = expensive["answer"]
    assert isinstance(answer, Answer)
    assert answer.status == 503
    assert f"time limit of {TIME_LIMIT:g} s" in answer.text
    after = server.query(CHEAP)
    assert after.status == 200 and _nct_values(after) == _nct_values(cheap)
    server.wait_ready()
    assert server.get("/status").json()["replacedWorkers"] >= 1  # type: ignore[index]


def test_result_size_limits(server: Server) -> None:
    rows = server.query("SELECT * WHERE { ?s ?p ?o }")
    assert rows.status == 422 and f"more than {MAX_ROWS} rows" in rows.text
    assert server.query(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_ROWS}").status == 200
    size = server.query("CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    assert size.status == 422 and f"larger than {MAX_BYTES:,} bytes" in size.text
    assert server.query(CHEAP).status == 200


# --- named reports ------------------------------------------------------------------------------


def test_report_catalogue(server: Server) -> None:
    listed = server.get("/reports")
    assert listed.status == 200 and listed.media_type == "application/json"
    reports = {r["name"]: r for r in listed.json()}  # type: ignore[union-attr]
    target = reports["trials_by_target"]
    assert target["summary"] and "targets" in target["tags"]
    assert target["parameters"] == [{"name": "target", "type": "iri", "required": True, "default": "CD38",
                                     "choices": [], "language": None, "datatype": None}]
    assert reports["investigators"]["parameters"][0]["choices"][0] == "PRINCIPAL_INVESTIGATOR"
    turtle = server.get("/reports", accept="text/turtle")
    assert turtle.media_type == "text/turtle"
    graph = list(ox.parse(turtle.body, format=ox.RdfFormat.TURTLE))
    assert ox.NamedNode("https://w3id.org/trialgraph/report/trials_by_target") in {t.subject for t in graph} or any(
        str(t.subject).endswith("trials_by_target>") for t in graph)


def test_report_run_with_parameters(server: Server) -> None:
    answer = server.get("/reports/trials_by_target", {"target": "CD38"})
    assert answer.status == 200 and answer.media_type == "application/sparql-results+json"
    assert _nct_values(answer) == ["NCT05873205"]
    # the header's CD38 is an example for the form, not an answer nobody asked for
    missing = server.get("/reports/trials_by_target")
    assert missing.status == 400 and "parameter 'target' is required — pass -p target=CD38" in missing.text
    il2ra = server.get("/reports/trials_by_target", {"target": "CD25"})
    assert _nct_values(il2ra) == ["NCT05047328"]


def test_report_csv_by_extension_and_by_accept(server: Server, reference: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    by_extension = server.get("/reports/trials_by_target.csv", {"target": "CD38"})
    by_accept = server.get("/reports/trials_by_target", {"target": "CD38"}, accept="text/csv")
    assert by_extension.media_type == by_accept.media_type == "text/csv"
    assert by_extension.body == by_accept.body
    assert by_extension.text.splitlines()[0].startswith("_target_iri,symbol,nct")
    tsv = server.get("/reports/trials_by_target.tsv", {"target": "CD38"})
    assert tsv.media_type == "text/tab-separated-values"
    assert main(["report", "run", "trials_by_target", "-p", "target=CD38", "--format", "csv",
                 "--store", str(reference)]) == 0
    assert capsysbinary.readouterr().out == by_extension.body  # the same bytes as the command line
    assert server.get("/reports/trials_by_target.xlsx").status == 404
    assert server.get("/reports/no_such_report").status == 404


@pytest.mark.parametrize("params", [{"nosuch": "1"}, {"target": "NOPE"}, {}], ids=["unknown", "unresolved", "invalid"])
def test_bad_report_parameters_get_the_command_lines_message(
        server: Server, reference: Path, capsys: pytest.CaptureFixture[str], params: dict[str, str]) -> None:
    name = "trials_by_target" if params else "trial_overview"
    args = ["report", "run", name, "--store", str(reference)]
    if not params:  # a value of the wrong shape
        params = {"trial": "NCT99999999X"}
    for key, value in params.items():
        args += ["-p", f"{key}={value}"]
    assert main(args) == 1
    message = capsys.readouterr().err.strip().removeprefix("error: ")
    answer = server.get(f"/reports/{name}", params)
    assert answer.status == 400
    assert answer.text.strip() == message


def test_a_string_parameter_cannot_inject_sparql(server: Server) -> None:
    before = server.count(COUNT_QUADS)
    everything = server.get("/reports/recruiting_sites").json()["results"]["bindings"]  # type: ignore[index]
    assert everything
    for evil in ['United States" ) || true || ("', "x\" } UNION { ?s ?p ?o } #", "') ; DROP ALL ; #",
                 "United States\"@en . } INSERT DATA { <https://example.org/x> <https://example.org/y> 1 } #"]:
        answer = server.get("/reports/recruiting_sites", {"country": evil})
        assert answer.status == 200, answer.text
        assert answer.json()["results"]["bindings"] == []  # type: ignore[index]
    fine = server.get("/reports/recruiting_sites", {"country": "united states"}).json()
    assert len(fine["results"]["bindings"]) == len(everything)  # type: ignore[index]
    assert server.count(COUNT_QUADS) == before


# --- the network view ---------------------------------------------------------------------------


def test_network_page(server: Server) -> None:
    answer = server.get("/network", {"target": "CD38"})
    if answer.status == 501:
        assert "network view is not available" in answer.text
        return
    assert answer.status == 200 and answer.media_type == "text/html", answer.text
    assert "isatuximab" in answer.text.lower()
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    data = server.get("/network", {"target": "CD38", "radius": "1", "format": "cyjs"})
    assert data.status == 200 and data.media_type == "application/json", data.text
    assert "isatuximab" in data.text.lower()
    unknown = server.get("/network", {"colour": "red"})
    assert unknown.status == 400 and "drug" in unknown.text
    assert server.get("/network", {"radius": "two"}).status == 400
    nothing = server.get("/network", {"target": "NOPE"})
    assert nothing.status == 400 and "NOPE" in nothing.text


# --- the browser page -----------------------------------------------------------------------------

EXTERNAL = re.compile(r"https?://|[\"'(=]\s*//[A-Za-z0-9]")


def test_page_is_served_and_loads_nothing_from_elsewhere(server: Server) -> None:
    page = server.get("/")
    assert page.status == 200 and page.media_type == "text/html"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    linked = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert {"/static/app.js", "/static/style.css"} <= set(linked)
    for path in linked:
        assert path.startswith("/") and not path.startswith("//"), path
        answer = server.get(path)
        assert answer.status == 200, path
        if path.startswith("/static/"):
            assert not EXTERNAL.search(answer.text), f"{path} refers to another host"
    assert not EXTERNAL.search(page.text)


CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"needs chromium at {CHROMIUM} (Debian package chromium; see .ci/system-deps)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("needs playwright (pip install -e '.[test]'), which drives the system chromium")
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def test_page_runs_a_query_and_a_report_in_a_real_browser(server: Server, browser: object) -> None:
    context = browser.new_context()  # type: ignore[attr-defined]
    elsewhere: list[str] = []

    def only_this_server(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(server.url):
            route.continue_()  # type: ignore[attr-defined]
        else:
            elsewhere.append(url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", only_this_server)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(server.url)
        page.fill("#query", 'SELECT ?nct ?mark WHERE { ?t tg:nctId ?nct BIND("<b>bold</b>" AS ?mark) } ORDER BY ?nct')
        page.select_option("#query-format", "table")
        page.click("#query-run")
        page.wait_for_selector("#query-result table.results tbody tr", timeout=20_000)
        headers = page.locator("#query-result th").all_inner_texts()
        assert headers == ["nct", "mark"]
        cells = page.locator("#query-result tbody tr td:first-child").all_inner_texts()
        assert "NCT05873205" in cells
        assert page.locator("#query-result tbody td:nth-child(2)").first.inner_text() == "<b>bold</b>"
        assert page.locator("#query-result b").count() == 0  # shown as text, not as HTML

        page.wait_for_selector("#report-name option[value=trials_by_target]", state="attached", timeout=20_000)
        page.select_option("#report-name", "trials_by_target")
        assert page.input_value("#report-params [data-param=target]") == "CD38"  # the report's default
        page.fill("#report-params [data-param=target]", "CD25")
        page.click("#report-run")
        page.wait_for_selector("#report-result table.results tbody tr", timeout=20_000)
        assert "NCT05047328" in page.locator("#report-result tbody").inner_text()
        assert page.get_attribute("#report-csv", "href") == "/reports/trials_by_target.csv?target=CD25"

        page.select_option("#report-name", "investigators")
        assert page.locator("#report-params select[data-param=role] option").count() == 5  # blank + 4 roles
        page.fill("#query", "SELECT WHERE {")
        page.click("#query-run")
        page.wait_for_selector("#query-result .error", timeout=20_000)
        assert "HTTP 400" in page.locator("#query-result .error").inner_text()

        network = page.goto(server.url + "network?target=CD38")
        if network is not None and network.status == 200:  # the network view (501 while not installed)
            page.wait_for_load_state("load")
            assert "CD38" in page.content()
    finally:
        context.close()
    assert elsewhere == [], f"the page tried to reach other hosts: {elsewhere}"
    assert [p for p in problems if "400" not in p] == []


# --- starting and stopping ----------------------------------------------------------------------


def test_serve_refuses_a_memory_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--store", "memory:"]) == 1
    assert "on-disk store" in capsys.readouterr().err


def test_serve_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Examples:" in out and "--allow-update" in out and "--time-limit" in out
