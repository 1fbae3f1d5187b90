"""grlc as a client of ``trialgraph serve``: grlc's own server, from its own virtual environment
(``make grlc``), reads ``queries/`` locally and sends each report to a real ``trialgraph serve`` on
loopback over a store built from the seeds. Its API must list every report with its parameters,
and answer each report with the rows ``trialgraph report run`` gives on the same store.

grlc pastes a parameter's value into the query text wherever ``?_name`` is written; the reports
write a parameter as ``$_name`` in their SELECT, GROUP BY and ORDER BY clauses (the same variable
in SPARQL), so the pasted text is still a query. grlc's answers therefore leave the parameter's own
column empty (it is the value the caller passed); the other columns are compared.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pyoxigraph as ox
import pytest

from graph.reports import Report, Resolver, _projection, bind, load_reports, run
from graph.store import open_store
from tests.conftest import ROOT
from tests.test_reports import concat_columns, required_values
from tests.test_server import Server, _copy, seed_store  # noqa: F401 (a fixture)

QUERIES = ROOT / "queries"
GRLC_VENV = Path(os.environ.get("TRIALGRAPH_GRLC_VENV", ROOT / ".venv-grlc"))
REPORTS = load_reports(QUERIES)
#: Reports that answer no rows on the seed graph (so only their columns are compared), and why.
EMPTY_ON_SEEDS = {
    "trials_by_class": "the seed graph has no pharmacologic classes (DrugCentral's and MeSH's come with the reference data)",
    "unlinked_interventions": "every drug intervention of the seed trials links to a curated drug (the real records have unlinked ones: tests/test_classes_and_coverage.py)",
}


def _grlc_gunicorn() -> Path:
    """The gunicorn of grlc's environment; skips when that environment is not set up."""
    gunicorn = GRLC_VENV / "bin" / "gunicorn"
    python = GRLC_VENV / "bin" / "python"
    if not gunicorn.exists() or not python.exists() or subprocess.run(
            [str(python), "-c", "import grlc.server"], capture_output=True, cwd=GRLC_VENV).returncode:
        pytest.skip(f"needs grlc in its own virtual environment at {GRLC_VENV} (make grlc; "
                    "or set TRIALGRAPH_GRLC_VENV to one where grlc is installed)")
    return gunicorn


@dataclass
class Grlc:
    """grlc's server (gunicorn over grlc's Flask app), its config.ini in a folder of its own."""

    folder: Path
    endpoint: str
    process: subprocess.Popen[str] | None = None
    url: str = ""
    lines: list[str] = field(default_factory=list)
    _listening: threading.Event = field(default_factory=threading.Event)

    def start(self, gunicorn: Path) -> "Grlc":
        # grlc reads config.ini from its working directory
        (self.folder / "config.ini").write_text(
            "[defaults]\n"
            f"sparql_endpoint = {self.endpoint}\n"
            "debug = False\n"
            "[local]\n"
            f"local_sparql_dir = {QUERIES}\n", encoding="utf-8")
        self.process = subprocess.Popen(
            [str(gunicorn), "--bind", "127.0.0.1:0", "--workers", "1", "--timeout", "120", "grlc.server:app"],
            cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
            env={"PATH": f"{gunicorn.parent}:/usr/bin:/bin", "HOME": str(self.folder)},
        )
        threading.Thread(target=self._read, daemon=True).start()
        if not self._listening.wait(60) or not self.url:
            self.stop()
            pytest.fail("grlc did not start:\n" + "".join(self.lines))
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            match = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line)
            if match:
                self.url = match.group(1)
                self._listening.set()
        self._listening.set()

    def get(self, path: str, params: dict[str, str] | None = None, accept: str = "application/json") -> Any:
        url = self.url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(url, headers={"Accept": accept})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        try:
            assert status == 200
            return json.loads(body)
        except (AssertionError, ValueError):
            pytest.fail(f"grlc answered {status} to {url}: {body[:2000]!r}\n" + "".join(self.lines[-30:]))

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


@pytest.fixture(scope="module")
def gunicorn() -> Path:
    return _grlc_gunicorn()


@pytest.fixture(scope="module")
def reference(seed_store: Path) -> Path:  # noqa: F811 (seed_store is a fixture)
    """A copy of the served store that no server holds, for the reports run directly."""
    return _copy(seed_store, "grlc-reference")


@pytest.fixture(scope="module")
def grlc(gunicorn: Path, seed_store: Path, reference: Path,  # noqa: F811
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Grlc]:
    served = Server(seed_store, ("--workers", "2")).start()
    client = Grlc(tmp_path_factory.mktemp("grlc"), served.url + "sparql")
    try:
        client.start(gunicorn)
        yield client
    finally:
        client.stop()
        served.stop()


def _grlc_value(report: Report, name: str, value: str, store: Any) -> str:
    """What a grlc caller passes for a parameter: the RDF term trialgraph resolves the friendly
    value to (an IRI for ``?_name_iri``; grlc writes it between ``<`` and ``>``), or the literal."""
    param = report.parameters[name]
    term = bind(report, {name: value}, Resolver(store))[ox.Variable(param.variable)]
    return term.value


def _cell(term: Any) -> tuple[str, str, str]:
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value, "")
    if isinstance(term, ox.BlankNode):
        return ("bnode", "", "")
    datatype = term.datatype.value if term.datatype is not None else ""
    if term.language:
        return ("literal", term.value, "@" + term.language)
    return ("literal", term.value, "" if datatype == "http://www.w3.org/2001/XMLSchema#string" else datatype)


def _json_cell(binding: dict[str, str]) -> tuple[str, str, str]:
    kind = {"typed-literal": "literal"}.get(binding["type"], binding["type"])
    if kind == "bnode":
        return ("bnode", "", "")
    if "xml:lang" in binding:
        return (kind, binding["value"], "@" + binding["xml:lang"])
    datatype = binding.get("datatype", "")
    return (kind, binding["value"], "" if datatype == "http://www.w3.org/2001/XMLSchema#string" else datatype)


def _rows(report: Report, columns: list[str], rows: list[dict[str, tuple[str, str, str]]]) -> list[tuple]:
    """The rows as sorted tuples; GROUP_CONCAT's values sorted (SPARQL leaves their order open)."""
    concat = concat_columns(report.sparql)

    def cell(column: str, row: dict[str, tuple[str, str, str]]) -> tuple[str, str, str]:
        kind, value, extra = row.get(column, ("unbound", "", ""))
        if column in concat and kind == "literal":
            value = concat[column].join(sorted(value.split(concat[column])))
        return (kind, value, extra)

    return sorted(tuple(cell(c, row) for c in columns) for row in rows)


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_a_report_stays_a_query_when_grlc_pastes_its_values(name: str) -> None:
    """grlc's substitution, done here as grlc does it (every ``?_name`` in the text replaced by the
    value, an IRI between ``<`` and ``>``): what is left must parse, and still project every column."""
    report = REPORTS[name]
    text = report.sparql
    for param in report.parameters.values():
        value = "<urn:example:x>" if param.kind == "iri" else '"x"'
        text = text.replace("?" + param.variable, value)
    try:
        ox.Store().query(text)
    except SyntaxError as exc:
        pytest.fail(f"{name}: grlc would send a query that does not parse: {exc}")
    assert _projection(text) == report.columns


def test_grlc_lists_every_report_with_its_parameters(grlc: Grlc) -> None:
    spec = grlc.get("/api-local/swagger")
    paths = spec["paths"]
    assert sorted(paths) == sorted(f"/{name}" for name in REPORTS), "grlc's API and queries/ list different reports"
    for name, report in REPORTS.items():
        operation = paths[f"/{name}"]["get"]
        assert operation["summary"] == report.summary, name
        assert sorted(operation.get("tags", [])) == sorted(report.tags), name
        listed = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"
                  and p["name"] not in ("endpoint", "page", "per_page")}
        assert sorted(listed) == sorted(report.parameters), f"{name}: grlc reads other parameters"
        for pname, param in report.parameters.items():
            got = listed[pname]
            assert got["required"] == param.required, f"{name}: {pname}"
            if param.kind == "iri":
                assert got.get("format") == "iri", f"{name}: {pname} is not an IRI to grlc: {got}"
            if param.default is not None:
                assert got.get("default") == param.default, f"{name}: {pname}"
            if param.choices:
                assert sorted(got.get("enum", [])) == sorted(param.choices), f"{name}: {pname}"


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_grlc_answers_as_report_run(grlc: Grlc, reference: Path, name: str) -> None:
    report = REPORTS[name]
    assert report.form == "SELECT", f"{name}: only SELECT reports are compared"
    values = required_values(report)
    with open_store(reference, create=False) as store:
        expected = [{var: _cell(term) for var, term in ((v, row[v]) for v in report.columns) if term is not None}
                    for row in run(store, report, values)]
        passed = {pname: _grlc_value(report, pname, value, store) for pname, value in values.items()}
    answer = grlc.get(f"/api-local/{name}", passed)
    assert answer["head"]["vars"] == report.columns, name
    got = [{var: _json_cell(cell) for var, cell in binding.items()} for binding in answer["results"]["bindings"]]
    # a parameter's own column is the value passed: grlc wrote it into the query text
    own = {p.variable for p in report.parameters.values() if p.name in passed}
    assert all(not own & set(row) for row in got), f"{name}: grlc filled a parameter's column"
    compared = [c for c in report.columns if c not in own]
    assert _rows(report, compared, got) == _rows(report, compared, expected), name
    if name in EMPTY_ON_SEEDS:
        assert not expected, f"{name} now answers rows on the seed graph: drop it from EMPTY_ON_SEEDS"
    elif not report.is_check:
        assert expected, f"{name}: no rows on the seed graph, so the comparison says little"
