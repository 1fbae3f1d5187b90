"""The named reports of ``queries/`` and the engine that runs them (:mod:`graph.reports`).

Every report file is checked on its own (header, SPARQL, prefixes, parameters, columns), then run on
the seed graph with concrete expected rows, on the registry records of ``../shared/data``, and on a
second SPARQL engine (rdflib) that must agree with pyoxigraph. Parameters are checked for types,
friendly names and injection; the command line and the Python API are driven as users drive them.

The stores are built once per module: the seed graph takes about a second, the registry fixture a
few seconds.
"""

from __future__ import annotations

import datetime

import csv
import decimal
import io
import json
import re
import shutil
import sys
import types
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterator

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.sparql import prepareQuery

from graph import reports
from graph.build import build
from graph.cli import main
from graph.errors import ReportError
from graph.export import export
from graph.iris import site as site_iri
from graph.loader import Loader
from graph.reports import KNOWN_KEYS, Report, load_reports, parse_report, rows, with_values
from graph.sparql import strip_comments
from graph.store import EmbeddedStore, open_store
from graph.terms import XSD
from graph.vocab import PREFIXES, REPORT_NS, REPORTS_GRAPH, TRIAL_NS

from .conftest import DATA, ROOT, minimal_study, shared, write_jsonl

QUERIES = ROOT / "queries"
REPORT_FILES = sorted(QUERIES.glob("*.rq"))
BAD = DATA / "reports-bad"
PARAMS = DATA / "reports-params"
SCHEMA = rdflib.Namespace("http://schema.org/")

#: Values for required parameters that have no default (none of queries/ has one today; a new
#: report with such a parameter must get a value here, or the parametrised tests say so).
SAMPLE_VALUES = {
    "target": "CD38",
    "drug": "isatuximab",
    "condition": "D006425",
    "trial": "NCT05873205",
    "sponsor": "Memorial Sloan Kettering Cancer Center",
    "since": "2020-01-01",
}

ISATUXIMAB_TRIAL = "NCT05873205"
INOLIMOMAB_TRIAL = "NCT05047328"
MSK = "Memorial Sloan Kettering Cancer Center"


def report_of(path: Path) -> Report:
    return load_reports(path.parent)[path.stem]


def required_values(report: Report) -> dict[str, str]:
    """Values for the report's required parameters: the header's example, else a sample value
    (a required parameter must be given: its header default is only an example)."""
    missing = [p.name for p in report.parameters.values() if p.required and p.default is None]
    unknown = [name for name in missing if name not in SAMPLE_VALUES]
    assert not unknown, f"{report.name}: add a sample value for {unknown} to SAMPLE_VALUES in {__file__}"
    return {**{p.name: p.default for p in report.parameters.values() if p.required and p.default is not None},
            **{name: SAMPLE_VALUES[name] for name in missing}}


# --- stores ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The seed graph built on disk, and a copy of it for the command line (which takes the lock)."""
    base = tmp_path_factory.mktemp("seed")
    path = base / "store"
    err = io.StringIO()
    with open_store(path) as store:
        summary = build(store, err=err, progress=False, open_reference=False)
    assert summary.ok, err.getvalue()
    copy = base / "cli-store"
    shutil.copytree(path, copy)
    return path, copy


@pytest.fixture(scope="module")
def seed(seed_dirs: tuple[Path, Path]) -> Iterator[EmbeddedStore]:
    handle = open_store(seed_dirs[0], create=False)
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def cli_store(seed_dirs: tuple[Path, Path]) -> str:
    return str(seed_dirs[1])


@pytest.fixture(scope="module")
def registry_studies() -> list[dict[str, Any]]:
    path = shared("ctgov-json", "collections", "combined_unique_studies.jsonl")
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, registry_studies: list[dict[str, Any]]) -> Iterator[EmbeddedStore]:
    """The seed graph plus the 479 real registry records of the shared data."""
    source = shared("ctgov-json", "collections", "combined_unique_studies.jsonl")
    err = io.StringIO()
    handle = open_store(tmp_path_factory.mktemp("registry") / "store")
    assert build(handle, err=err, progress=False, open_reference=False).ok, err.getvalue()
    summary = Loader(handle, err=err, progress=False).load([source])
    assert summary.ok and summary.rejected == 0, err.getvalue()
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def seed_dataset(seed: EmbeddedStore) -> rdflib.Dataset:
    """The seed graph in rdflib, every named graph kept, the default graph their union.

    rdflib's union holds each triple once (the RDF merge), while pyoxigraph's union repeats a
    triple once per graph stating it; reports that count distinct things agree on both.
    """
    buf = io.BytesIO()
    export(seed, buf, "nquads")
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data=buf.getvalue(), format="nquads")
    return dataset


# --- comparing results ----------------------------------------------------------------------------

_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                              "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                              "unsignedInt", "unsignedLong")}


def _plain_literal(lexical: str, datatype: str | None, language: str | None) -> object:
    if datatype in _NUMERIC:
        return decimal.Decimal(lexical).normalize()
    if datatype == XSD + "boolean":
        return lexical in ("true", "1")
    return (lexical, language) if language else lexical


def plain_ox(term: object) -> object:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return _plain_literal(term.value, term.datatype.value if term.datatype else None, term.language)
    return term.value  # type: ignore[attr-defined]


def plain_rdflib(term: object) -> object:
    if term is None:
        return None
    if isinstance(term, rdflib.Literal):
        return _plain_literal(str(term), str(term.datatype) if term.datatype else None, term.language)
    return str(term)


_CONCAT = re.compile(r'GROUP_CONCAT\s*\(\s*(?:DISTINCT\s+)?(?:[^;()]|\([^()]*\))*(?:;\s*separator\s*=\s*"([^"]*)")?\s*\)\s*AS\s*\?(\w+)',
                     re.IGNORECASE)


def concat_columns(sparql: str) -> dict[str, str]:
    """Columns made by GROUP_CONCAT, with their separator: the order of the joined values is
    unspecified in SPARQL, so comparisons sort them."""
    return {m.group(2): m.group(1) if m.group(1) is not None else " " for m in _CONCAT.finditer(sparql)}


def normalised(report: Report, table: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    concat = concat_columns(report.sparql)
    index = {i: concat[c] for i, c in enumerate(report.columns) if c in concat}
    out = []
    for row in table:
        out.append(tuple(sep.join(sorted(v.split(sep))) if i in index and isinstance(v, str) and (sep := index[i]) else v
                         for i, v in enumerate(row)))
    return out


def is_ordered(report: Report) -> bool:
    """Whether the outermost query has an ORDER BY (written after its last closing brace)."""
    return "ORDER BY" in report.sparql[report.sparql.rfind("}"):].upper()


def ox_rows(store: EmbeddedStore, report: Report, params: dict[str, str]) -> list[tuple[object, ...]]:
    bindings = reports.bind(report, params, reports.Resolver(store))
    return [tuple(plain_ox(row[c]) for c in report.columns) for row in store.query(report.sparql, substitutions=bindings)]


def rdflib_rows(dataset: rdflib.Dataset, store: EmbeddedStore, report: Report,
                params: dict[str, str]) -> list[tuple[object, ...]]:
    bindings = reports.bind(report, params, reports.Resolver(store))
    result = dataset.query(with_values(report.sparql, bindings), initNs=PREFIXES)
    return [tuple(plain_rdflib(row[i]) for i in range(len(report.columns))) for row in result]


def by_column(records: list[dict[str, str]], *columns: str) -> list[tuple[str, ...]]:
    return [tuple(r[c] for c in columns) for r in records]


# === 1. every report file ===========================================================================


def test_the_library_has_the_reports_the_issue_asks_for() -> None:
    names = {p.stem for p in REPORT_FILES}
    wanted = {"trial_overview", "trials_by_target", "drug_target_condition", "trials_in_mesh_branch",
              "target_landscape", "sponsor_portfolio", "recruiting_sites", "investigators",
              "phase_status_summary", "trials_by_study_type", "enrollment_by_condition", "enrollment_by_target",
              "eligibility_summary", "drugs_sharing_target", "conditions_via_target",
              "check_unlinked_drug_interventions", "check_drugs_without_target", "check_conditions_without_mesh",
              "check_trials_without_sponsor", "check_domain_range"}
    assert wanted <= names
    assert len(names) >= 15


@pytest.mark.parametrize("path", REPORT_FILES, ids=lambda p: p.stem)
def test_header_parses_with_known_keys_only(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a header problem is an error, never a warning
        report = parse_report(path)
    assert set(report.header) <= KNOWN_KEYS
    assert report.summary and "\n" not in report.summary
    assert isinstance(report.tags, list) and report.tags, f"{path.name}: give it at least one tag"
    assert re.fullmatch(r"[a-z][a-z0-9_]*", report.name)


@pytest.mark.parametrize("path", REPORT_FILES, ids=lambda p: p.stem)
def test_sparql_parses_on_its_own(path: Path) -> None:
    """rdflib parses the query with no predeclared prefixes: grlc serves the file unchanged."""
    report = report_of(path)
    query = prepareQuery(path.read_text(encoding="utf-8"))
    assert [str(v) for v in query.algebra.get("PV", [])] == report.columns or report.form != "SELECT"


@pytest.mark.parametrize("path", REPORT_FILES, ids=lambda p: p.stem)
def test_prefixes_agree_with_the_vocabulary(path: Path) -> None:
    declared = re.findall(r"(?im)^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", path.read_text(encoding="utf-8"))
    assert declared, f"{path.name} declares no prefixes"
    for prefix, iri in declared:
        assert prefix in PREFIXES, f"{path.name}: prefix {prefix}: is not in graph.vocab.PREFIXES"
        assert iri == PREFIXES[prefix], f"{path.name}: {prefix}: is <{iri}>, the vocabulary says <{PREFIXES[prefix]}>"


@pytest.mark.parametrize("path", REPORT_FILES, ids=lambda p: p.stem)
def test_parameter_variables_are_projected_and_named_the_grlc_way(path: Path) -> None:
    report = report_of(path)
    for param in report.parameters.values():
        assert param.variable in report.columns, f"{path.name}: ?{param.variable} must be in the SELECT projection"
        assert "_" not in param.name
        assert re.fullmatch(r"_{1,2}[A-Za-z0-9]+(_[A-Za-z0-9]+){0,2}", param.variable)


@pytest.mark.parametrize("path", REPORT_FILES, ids=lambda p: p.stem)
def test_parameters_are_not_tested_with_bound(path: Path) -> None:
    """pyoxigraph substitutes a parameter's value in patterns and expressions, but BOUND(?_param)
    stays false: a filter written 'FILTER(!BOUND(?__x) || ...)' would ignore the parameter.
    Write 'COALESCE(?__x, "") = "" || ...' instead."""
    text = strip_comments(path.read_text(encoding="utf-8"))
    for param in report_of(path).parameters.values():
        assert not re.search(r"BOUND\s*\(\s*[?$]" + param.variable + r"\b", text, re.IGNORECASE), path.name


@pytest.mark.parametrize("path", REPORT_FILES, ids=lambda p: p.stem)
def test_runs_on_the_seed_graph_with_its_declared_columns(path: Path, seed: EmbeddedStore) -> None:
    report = report_of(path)
    table = reports.run_table(seed, report, required_values(report))
    assert table.variables == report.columns
    if report.is_check:
        assert table.rows == [], f"{report.name} is a check and must return no rows on the seed graph:\n{table.records()}"


# === 2. header errors ==============================================================================

#: fixture file -> (line the message must name, what it must say)
HEADER_ERRORS = {
    "bad_yaml.rq": (5, ["the header is not valid YAML", "starts on line 4", "expected '#+ key: value' lines"]),
    "unknown_key.rq": (4, ["unknown header key 'sumary'", "expected one of", "summary"]),
    "default_without_variable.rq": (5, ["defaults names 'targte'", "no parameter variable", "expected one of: target"]),
    "enumerate_unknown_parameter.rq": (8, ["enumerate names 'phaze'", "expected one of: phase, status"]),
    "no_summary.rq": (1, ["no summary", "expected '#+ summary:"]),
    "Not-Snake-Case.rq": (1, ["'Not-Snake-Case.rq' is not snake_case", "expected a-z, 0-9 and _"]),
    "sparql_does_not_parse.rq": (11, ["the SPARQL does not parse", "found 'ORDER'", "expected valid SPARQL"]),
    "unknown_type_suffix.rq": (6, ["?_since_datum", "unknown parameter type 'datum'", "expected iri, string"]),
}


def test_every_bad_header_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in BAD.glob("*.rq")) == sorted(HEADER_ERRORS)


@pytest.mark.parametrize("name", sorted(HEADER_ERRORS))
def test_a_bad_report_file_is_an_error_naming_file_and_line(name: str) -> None:
    line, fragments = HEADER_ERRORS[name]
    path = BAD / name
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ReportError) as caught:
            parse_report(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    for fragment in fragments:
        assert fragment in message, message


def test_a_bad_file_in_a_folder_stops_the_listing(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    shutil.copy(QUERIES / "trials_by_target.rq", tmp_path)
    shutil.copy(BAD / "unknown_key.rq", tmp_path)
    with pytest.raises(ReportError, match=r"unknown_key\.rq:4: unknown header key"):
        load_reports(tmp_path)
    assert main(["report", "list", "--queries", str(tmp_path)]) == 1
    assert "unknown_key.rq:4: unknown header key 'sumary'" in capfd.readouterr().err


def test_a_hash_inside_an_iri_or_string_is_not_a_comment(tmp_path: Path) -> None:
    path = tmp_path / "hash_in_iri.rq"
    path.write_text("#+ summary: A parameter on a line with an IRI that holds a hash\n"
                    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                    'SELECT ?_label_en ?x WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?_label_en ; '
                    'rdfs:comment "a # b" } # a comment naming ?_other_iri\n', encoding="utf-8")
    report = parse_report(path)
    assert list(report.parameters) == ["label"] and report.parameters["label"].lang == "en"


# === 3. parameters =================================================================================


class SpyStore:
    """A store that counts the queries it is asked, to show a bad value starts no work."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store, self.calls = store, 0

    def query(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.store.query(*args, **kwargs)


@pytest.mark.parametrize("params, expected", [
    ({"since": "2020-13-01"}, "since: '2020-13-01' is not a date — expected YYYY-MM-DD"),
    ({"since": "20200101"}, "since: '20200101' is not a date — expected YYYY-MM-DD"),
    ({"since": "2020-01-01", "minimum": "12x"}, "minimum: '12x' is not an integer — expected digits"),
    ({"since": "2020-01-01", "minimum": "1e3"}, "minimum: '1e3' is not an integer"),
    ({"since": "2020-01-01", "status": "PAUSED"}, "status='PAUSED' — expected one of RECRUITING, COMPLETED, AVAILABLE"),
    ({"since": "2020-01-01", "status": "<http://x> } ; DROP ALL ; #"}, "expected one of RECRUITING"),
])
def test_typed_values_are_checked_before_anything_runs(seed: EmbeddedStore, params: dict[str, str], expected: str) -> None:
    spy = SpyStore(seed)
    with pytest.raises(ReportError) as caught:
        reports.run(spy, "trials_started_since", params, folder=PARAMS)
    assert expected in str(caught.value)
    assert str(caught.value).startswith("trials_started_since: ")
    assert spy.calls == 0


def test_typed_values_that_pass_are_bound_as_typed_literals(seed: EmbeddedStore) -> None:
    report = load_reports(PARAMS)["trials_started_since"]
    bindings = reports.bind(report, {"since": "2020-01-01", "minimum": "10", "status": "recruiting"},
                            reports.Resolver(seed))
    assert bindings[ox.Variable("_since_date")] == ox.Literal("2020-01-01", datatype=ox.NamedNode(XSD + "date"))
    assert bindings[ox.Variable("__minimum_integer")] == ox.Literal("10", datatype=ox.NamedNode(XSD + "integer"))
    assert bindings[ox.Variable("__status_iri")] == ox.NamedNode("https://w3id.org/trialgraph/code/status-RECRUITING")
    assert by_column(rows("trials_started_since", store=seed, folder=PARAMS, since="2020-01-01"), "nct", "enrollment") == [
        (ISATUXIMAB_TRIAL, 25)]
    assert rows("trials_started_since", store=seed, folder=PARAMS, since="2020-01-01", minimum="26") == []
    assert rows("trials_started_since", store=seed, folder=PARAMS, since="2023-07-22") == []
    assert rows("trials_started_since", store=seed, folder=PARAMS, since="2020-01-01", status="COMPLETED") == []


def test_an_unknown_parameter_lists_the_known_ones(seed: EmbeddedStore) -> None:
    with pytest.raises(ReportError) as caught:
        rows("trials_by_target", store=seed, tagret="CD38")
    message = str(caught.value)
    assert "trials_by_target: unknown parameter 'tagret'" in message
    assert "known parameters: target (iri, required) example CD38" in message


def test_a_missing_required_parameter_says_how_to_pass_it(seed: EmbeddedStore) -> None:
    spy = SpyStore(seed)
    with pytest.raises(ReportError) as caught:
        reports.run(spy, "trials_started_since", {}, folder=PARAMS)
    message = str(caught.value)
    assert "parameter 'since' is required" in message
    assert "-p since=VALUE" in message and "since=... in Python" in message
    assert spy.calls == 0


@pytest.mark.parametrize("value", ["CD38", "cd38", "P28907", "uniprot:P28907", "http://purl.uniprot.org/uniprot/P28907",
                                   "<http://purl.uniprot.org/uniprot/P28907>"])
def test_a_target_can_be_given_in_any_form(seed: EmbeddedStore, value: str) -> None:
    assert rows("trials_by_target", store=seed, target=value) == rows("trials_by_target", store=seed, target="CD38")
    assert by_column(rows("trials_by_target", store=seed, target=value), "nct", "drug") == [(ISATUXIMAB_TRIAL, "isatuximab")]


@pytest.mark.parametrize("value", ["isatuximab", "ISATUXIMAB", "Sarclisa", "SAR650984", "isatuximab-irfc",
                                   "tgdrug:isatuximab", "https://w3id.org/trialgraph/id/drug/isatuximab"])
def test_a_drug_by_name_brand_code_or_synonym(seed: EmbeddedStore, value: str) -> None:
    assert by_column(rows("trials_by_drug", store=seed, folder=PARAMS, drug=value), "_drug_iri", "nct") == [
        ("https://w3id.org/trialgraph/id/drug/isatuximab", ISATUXIMAB_TRIAL)]


@pytest.mark.parametrize("value", ["Leukotac", "B-B10", "inolimomab"])
def test_the_other_seed_drug_by_brand_and_code(seed: EmbeddedStore, value: str) -> None:
    assert by_column(rows("trials_by_drug", store=seed, folder=PARAMS, drug=value), "drug", "nct") == [
        ("inolimomab", INOLIMOMAB_TRIAL)]


def test_an_unknown_name_says_what_was_expected(seed: EmbeddedStore) -> None:
    with pytest.raises(ReportError, match="drug: nothing in the store is called 'no such drug' — expected a drug name"):
        rows("trials_by_drug", store=seed, folder=PARAMS, drug="no such drug")
    with pytest.raises(ReportError, match="target: nothing in the store is called 'IL-2R'"):
        rows("trials_by_target", store=seed, target="IL-2R")
    with pytest.raises(ReportError, match="is not an NCT id"):
        rows("trial_overview", store=seed, trial="NCT123")


@pytest.mark.parametrize("value", ["D006425", "d006425", "mesh:D006425", "http://id.nlm.nih.gov/mesh/D006425",
                                   "Hemic and Lymphatic Diseases", "hemic and lymphatic diseases",
                                   "Blood and Lymphatic System Disorders"])
def test_a_condition_by_mesh_ui_curie_label_or_entry_term(seed: EmbeddedStore, value: str) -> None:
    got = rows("trials_in_mesh_branch", store=seed, condition=value)
    assert got == rows("trials_in_mesh_branch", store=seed, condition="D006425")
    assert {r["_condition_iri"] for r in got} == {"http://id.nlm.nih.gov/mesh/D006425"}


def test_trials_in_mesh_branch_follows_every_descendant(seed: EmbeddedStore) -> None:
    """C15 holds the isatuximab trial's five descriptors. The GvHD trial's only descriptor, Graft vs
    Host Disease (D006086), sits under C20 in MeSH 2024 (tree number C20.452) and not under C15, so
    Immune System Diseases (D007154) finds both seed trials and C15 finds one."""
    c15 = rows("trials_in_mesh_branch", store=seed, condition="Hemic and Lymphatic Diseases")
    assert [r["nct"] for r in c15] == [ISATUXIMAB_TRIAL]  # one row per trial
    assert set(c15[0]["descriptors"].split(" | ")) == {"D000095542", "D000744", "D012010", "D016553", "D019337"}
    assert set(c15[0]["descriptorLabels"].split(" | ")) >= {"Hematologic Neoplasms", "Anemia, Hemolytic, Autoimmune"}
    assert c15[0]["via"] == "MeSH tree"  # the seed pages list no registry ancestors
    c20 = rows("trials_in_mesh_branch", store=seed, condition="Immune System Diseases")
    assert sorted(r["nct"] for r in c20) == sorted([ISATUXIMAB_TRIAL, INOLIMOMAB_TRIAL])
    assert (INOLIMOMAB_TRIAL, "D006086", "Graft vs Host Disease", "AVAILABLE") in by_column(
        c20, "nct", "descriptors", "descriptorLabels", "status")
    assert {r["nct"] for r in rows("trials_in_mesh_branch", store=seed, condition="D006086")} == {INOLIMOMAB_TRIAL}


# === 4. injection ==================================================================================

HOSTILE = ['x" } ; DROP ALL ; #', "') . } INSERT DATA { <a> <b> <c> } #", 'a\n> } ; CLEAR ALL ; <b "\n']
NO_MATCH = "zzz-no-such-value"

STRING_PARAMS = [(p.stem, param.name) for p in REPORT_FILES
                 for param in report_of(p).parameters.values() if param.kind != "iri"]
IRI_PARAMS = [(p.stem, param.name) for p in REPORT_FILES
              for param in report_of(p).parameters.values() if param.kind == "iri"]


def test_there_are_parameters_of_both_kinds_to_attack() -> None:
    assert STRING_PARAMS and IRI_PARAMS


def _without_parameters(report: Report, records: list[dict[str, str]]) -> list[tuple[str, ...]]:
    keep = [c for c in report.columns if c not in {p.variable for p in report.parameters.values()}]
    return [tuple(r[c] for c in keep) for r in records]


@pytest.mark.parametrize("value", HOSTILE, ids=["drop", "insert", "newline"])
@pytest.mark.parametrize("name, param", STRING_PARAMS, ids=[f"{n}-{p}" for n, p in STRING_PARAMS])
def test_a_hostile_string_is_just_a_string_that_matches_nothing(
        seed: EmbeddedStore, seed_dataset: rdflib.Dataset, name: str, param: str, value: str) -> None:
    report = reports.get_report(name)
    quads = len(seed)
    got = rows(name, store=seed, **{param: value})
    plain = rows(name, store=seed, **{param: NO_MATCH})
    assert len(seed) == quads
    assert _without_parameters(report, got) == _without_parameters(report, plain)
    # The same value through a VALUES block (the path for rdflib and remote endpoints).
    bindings = reports.bind(report, {param: value}, reports.Resolver(seed))
    text = with_values(report.sparql, bindings)
    prepareQuery(text)  # still one well-formed query
    assert Counter(rdflib_rows(seed_dataset, seed, report, {param: value})) == Counter(
        rdflib_rows(seed_dataset, seed, report, {param: NO_MATCH}))
    # every quad still there, in rdflib as in the store (counted per graph: a triple that two
    # reference sources both state is one triple of rdflib's union but two quads)
    assert sum(len(g) for g in seed_dataset.graphs() if g.identifier != DATASET_DEFAULT_GRAPH_ID) == len(seed)


@pytest.mark.parametrize("value", [*HOSTILE, "http://example.org/a> } ; DROP ALL ; #", "<http://example.org/a\n>"],
                         ids=["drop", "insert", "newline", "iri-drop", "iri-newline"])
@pytest.mark.parametrize("name, param", IRI_PARAMS, ids=[f"{n}-{p}" for n, p in IRI_PARAMS])
def test_a_hostile_iri_is_rejected(seed: EmbeddedStore, name: str, param: str, value: str) -> None:
    quads = len(seed)
    with pytest.raises(ReportError):
        rows(name, store=seed, **{param: value})
    assert len(seed) == quads


def test_values_block_serialises_terms_it_never_pastes_them() -> None:
    block = reports.values_block({ox.Variable("__city"): ox.Literal('x" } ; DROP ALL ; #'),
                                  ox.Variable("_target_iri"): ox.NamedNode("http://purl.uniprot.org/uniprot/P28907")})
    assert block == 'VALUES (?__city ?_target_iri) { ("x\\" } ; DROP ALL ; #" <http://purl.uniprot.org/uniprot/P28907>) }'


# === 5. rows on the seed graph =====================================================================


def test_trials_by_drug_by_name_brand_code_and_synonym(seed: EmbeddedStore) -> None:
    (row,) = rows("trials_by_drug", store=seed, drug="isatuximab")
    assert (row["nct"], row["intervention"], row["linkedBy"], row["phase"]) == (ISATUXIMAB_TRIAL, "Isatuximab", "INN", "PHASE2")
    assert "Refractory Immune Cytopenias" in row["conditions"]
    for name in ("Sarclisa", "SAR650984", "isatuximab-irfc", "ISATUXIMAB"):
        assert rows("trials_by_drug", store=seed, drug=name) == [row], name
    (ino,) = rows("trials_by_drug", store=seed, drug="Leukotac")
    assert (ino["nct"], ino["linkedBy"], ino["matched"]) == (INOLIMOMAB_TRIAL, "TEXT_MENTION", "Leukotac (inolimomab)")
    assert rows("trials_by_drug", store=seed, drug="daratumumab") == []


def test_trials_by_target(seed: EmbeddedStore) -> None:
    (cd38,) = rows("trials_by_target", store=seed, target="CD38")
    assert cd38["_target_iri"] == "http://purl.uniprot.org/uniprot/P28907"
    assert (cd38["symbol"], cd38["nct"], cd38["drug"], cd38["actionType"], cd38["phase"], cd38["status"],
            cd38["sponsor"]) == ("CD38", ISATUXIMAB_TRIAL, "isatuximab", "Cytolytic antibody", "PHASE2", "RECRUITING", MSK)
    assert cd38["title"].startswith("Open-Label, Phase II Trial of Isatuximab")
    assert "CD38" in cd38["mechanism"]
    (il2ra,) = rows("trials_by_target", store=seed, target="IL2RA")
    assert (il2ra["symbol"], il2ra["nct"], il2ra["drug"], il2ra["actionType"], il2ra["phase"], il2ra["status"],
            il2ra["sponsor"]) == ("IL2RA", INOLIMOMAB_TRIAL, "inolimomab", "Binding agent", None, "AVAILABLE", "ElsaLys Biotech")
    assert rows("trials_by_target", store=seed, target="CD25") == rows("trials_by_target", store=seed, target="IL2RA")


def test_drug_target_condition(seed: EmbeddedStore) -> None:
    got = by_column(rows("drug_target_condition", store=seed), "drug", "target", "mesh", "condition", "trials",
                    "highestPhase")
    assert got == [
        ("inolimomab", "IL2RA", "D006086", "Graft vs Host Disease", 1, None),  # expanded access: no phase
        ("isatuximab", "CD38", "D000744", "Anemia, Hemolytic, Autoimmune", 1, "PHASE2"),
        ("isatuximab", "CD38", "D000095542", "Cytopenia", 1, "PHASE2"),
        ("isatuximab", "CD38", "D019337", "Hematologic Neoplasms", 1, "PHASE2"),
        ("isatuximab", "CD38", "D016553", "Purpura, Thrombocytopenic, Idiopathic", 1, "PHASE2"),
        ("isatuximab", "CD38", "D012010", "Red-Cell Aplasia, Pure", 1, "PHASE2"),
    ]


def test_target_landscape(seed: EmbeddedStore) -> None:
    got = rows("target_landscape", store=seed, target="CD38")
    assert by_column(got, "drug", "trials", "highestPhase", "sponsors", "actionType") == [
        ("isatuximab", 1, "PHASE2", MSK, "Cytolytic antibody"),
        ("daratumumab", 0, None, None, "Cytolytic antibody"),
    ]
    assert "DrugBank DB14811 target P28907" in got[0]["claimSource"]
    il2ra = by_column(rows("target_landscape", store=seed, target="IL2RA"), "drug", "trials", "actionType", "sponsors")
    assert il2ra == [("inolimomab", 1, "Binding agent", "ElsaLys Biotech"), ("basiliximab", 0, "Antagonist", None),
                     ("daclizumab", 0, "Antagonist", None)]


def test_sponsor_portfolio(seed: EmbeddedStore) -> None:
    columns = ("nct", "role", "phase", "status", "partners")
    assert by_column(rows("sponsor_portfolio", store=seed, sponsor=MSK), *columns) == [
        (ISATUXIMAB_TRIAL, "lead sponsor", "PHASE2", "RECRUITING", "Sanofi")]
    assert by_column(rows("sponsor_portfolio", store=seed, sponsor="Sanofi"), *columns) == [
        (ISATUXIMAB_TRIAL, "collaborator", "PHASE2", "RECRUITING", MSK)]
    # A trial with no other organisation keeps its row.
    assert by_column(rows("sponsor_portfolio", store=seed, sponsor="ElsaLys Biotech"), *columns) == [
        (INOLIMOMAB_TRIAL, "lead sponsor", None, "AVAILABLE", None)]


def test_recruiting_sites(seed: EmbeddedStore) -> None:
    every = rows("recruiting_sites", store=seed)
    assert len(every) == 7 and {r["nct"] for r in every} == {ISATUXIMAB_TRIAL}
    new_jersey = rows("recruiting_sites", store=seed, state="New Jersey")
    assert by_column(new_jersey, "city", "site") == [
        ("Basking Ridge", "Memorial Sloan Kettering Basking Ridge (Limited Protocol Activities)"),
        ("Middletown", "Memorial Sloan Kettering Monmouth (Limited Protocol Activities)"),
        ("Montvale", "Memorial Sloan Kettering Bergen (Limited protocol activities)"),
    ]
    assert {r["__state"] for r in new_jersey} == {"New Jersey"}
    assert by_column(rows("recruiting_sites", store=seed, state="new jersey"), "site") == by_column(new_jersey, "site")
    assert len(rows("recruiting_sites", store=seed, state="New York")) == 4
    assert len(rows("recruiting_sites", store=seed, country="united states")) == 7
    assert by_column(rows("recruiting_sites", store=seed, country="United States", city="new york"), "site") == [
        ("Memorial Sloan Kettering Cancer Center (All Protocol Activities)",)]
    assert rows("recruiting_sites", store=seed, country="France") == []


def test_investigators(seed: EmbeddedStore) -> None:
    (scordo,) = rows("investigators", store=seed)
    assert (scordo["person"], scordo["roles"], scordo["affiliations"], scordo["trials"], scordo["nctIds"],
            scordo["alsoWritten"]) == ("Michael Scordo, MD", "PRINCIPAL_INVESTIGATOR", MSK, 1, ISATUXIMAB_TRIAL,
                                       "Michael Scorder, MD")
    assert "Scorder" in scordo["resolution"] and "typo" in scordo["resolution"]
    assert rows("investigators", store=seed, role="principal_investigator") == [
        {**scordo, "__role_iri": "https://w3id.org/trialgraph/code/role-PRINCIPAL_INVESTIGATOR"}]
    assert rows("investigators", store=seed, role="STUDY_CHAIR") == []


def test_eligibility_summary(seed: EmbeddedStore) -> None:
    """18 years and 28 days, as xsd:durations (P18Y, P28D) and in years."""
    gvhd, isatuximab = rows("eligibility_summary", store=seed)
    assert (isatuximab["nct"], isatuximab["minimumAge"], isatuximab["minimumYears"], isatuximab["maximumAge"],
            isatuximab["sex"], isatuximab["healthyVolunteers"]) == (ISATUXIMAB_TRIAL, "P18Y", 18, None, "ALL", False)
    assert (gvhd["nct"], gvhd["minimumAge"], gvhd["sex"]) == (INOLIMOMAB_TRIAL, "P28D", None)
    assert abs(float(gvhd["minimumYears"]) - 28 / 365.25) < 1e-4
    assert gvhd["population"] == "adults and in children over 28 days of age"
    assert by_column(rows("eligibility_summary", store=seed, sex="ALL"), "nct") == [(ISATUXIMAB_TRIAL,)]
    assert rows("eligibility_summary", store=seed, sex="FEMALE") == []


def test_drugs_sharing_target(seed: EmbeddedStore) -> None:
    assert by_column(rows("drugs_sharing_target", store=seed), "target", "drug1", "drug2") == [
        ("CD38", "daratumumab", "isatuximab"),
        ("IL2RA", "basiliximab", "daclizumab"),
        ("IL2RA", "basiliximab", "inolimomab"),
        ("IL2RA", "daclizumab", "inolimomab"),
    ]
    assert by_column(rows("drugs_sharing_target", store=seed, target="P28907"), "target", "drug1", "drug2") == [
        ("CD38", "daratumumab", "isatuximab")]


def test_conditions_via_target(seed: EmbeddedStore) -> None:
    assert by_column(rows("conditions_via_target", store=seed, target="IL2RA"), "mesh", "condition", "viaDrugs", "trials") == [
        ("D006086", "Graft vs Host Disease", "inolimomab", 1)]
    cd38 = rows("conditions_via_target", store=seed, target="CD38")
    assert {r["mesh"] for r in cd38} == {"D000095542", "D000744", "D012010", "D016553", "D019337"}


def test_related_trials(seed: EmbeddedStore) -> None:
    got = {r["relatedId"]: r for r in rows("related_trials", store=seed)}
    assert set(got) == {"NCT00379587", "INO-0107", "INO-0107-LTFU"}
    assert (got["NCT00379587"]["nct"], got["NCT00379587"]["relatedTitle"], got["NCT00379587"]["status"],
            got["NCT00379587"]["phase"]) == (ISATUXIMAB_TRIAL, "Rituximab for Prevention of Chronic GVHD", "COMPLETED",
                                             "PHASE1/PHASE2")
    assert got["NCT00379587"]["related"] == TRIAL_NS + "NCT00379587"
    assert (got["INO-0107"]["nct"], got["INO-0107"]["phase"], got["INO-0107"]["alsoWritten"]) == (
        INOLIMOMAB_TRIAL, "PHASE3", "INO-107")
    assert "Thymoglobulin" in got["INO-0107"]["relation"]


def test_phase_status_and_study_type_counts_add_up_to_the_trial_records(seed: EmbeddedStore) -> None:
    (records,) = seed.query("SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a tg:TrialRecord }")
    assert int(records["n"].value) == 2
    phases = by_column(rows("phase_status_summary", store=seed), "phase", "status", "cell", "trials")
    assert phases == [("PHASE2", "RECRUITING", "PHASE2 / RECRUITING", 1), ("none", "AVAILABLE", "none / AVAILABLE", 1)]
    types_ = by_column(rows("trials_by_study_type", store=seed), "studyType", "trials", "enrollment")
    assert types_ == [("Expanded access", 1, 0), ("Interventional", 1, 25)]
    assert sum(t[3] for t in phases) == sum(t[1] for t in types_) == 2


def test_enrollment_by_condition_and_by_target(seed: EmbeddedStore) -> None:
    by_condition = {r["mesh"]: (r["condition"], r["trials"], r["participants"])
                    for r in rows("enrollment_by_condition", store=seed)}
    assert by_condition == {
        "D000095542": ("Cytopenia", 1, 25), "D000744": ("Anemia, Hemolytic, Autoimmune", 1, 25),
        "D012010": ("Red-Cell Aplasia, Pure", 1, 25), "D016553": ("Purpura, Thrombocytopenic, Idiopathic", 1, 25),
        "D019337": ("Hematologic Neoplasms", 1, 25), "D006086": ("Graft vs Host Disease", 1, 0),
    }
    assert by_column(rows("enrollment_by_target", store=seed), "target", "trials", "participants") == [
        ("CD38", 1, 25), ("IL2RA", 1, 0)]


def test_trial_overview(seed: EmbeddedStore) -> None:
    (row,) = rows("trial_overview", store=seed, trial=ISATUXIMAB_TRIAL)
    assert row["_trial_iri"] == TRIAL_NS + ISATUXIMAB_TRIAL
    assert (row["studyType"], row["status"], row["phase"], row["enrollment"], row["start"], row["leadSponsor"],
            row["collaborators"], row["drugs"], row["targets"], row["sites"], row["people"]) == (
        "INTERVENTIONAL", "RECRUITING", "PHASE2", 25, datetime.date(2023, 7, 21), MSK, "Sanofi", "isatuximab", "CD38", 7,
        "Michael Scordo, MD")
    assert set(row["conditions"].split(" | ")) == {"PRCA", "AIHA", "Blood Cancer", "ITP", "Refractory Immune Cytopenias"}
    assert len(row["meshDescriptors"].split(" | ")) == 5
    (gvhd,) = rows("trial_overview", store=seed, trial=INOLIMOMAB_TRIAL.lower())
    assert (gvhd["nct"], gvhd["studyType"], gvhd["status"], gvhd["phase"], gvhd["drugs"], gvhd["targets"]) == (
        INOLIMOMAB_TRIAL, "EXPANDED_ACCESS", "AVAILABLE", None, "inolimomab", "IL2RA")


@pytest.mark.parametrize("path", [p for p in REPORT_FILES if report_of(p).is_check], ids=lambda p: p.stem)
def test_checks_return_no_rows_on_the_seed_graph(seed: EmbeddedStore, path: Path) -> None:
    assert rows(path.stem, store=seed) == []


def test_checks_find_what_they_look_for(tmp_path: Path) -> None:
    """A trial record without a lead sponsor is found (the checks can fail)."""
    with open_store("memory:") as store:
        study = minimal_study("NCT90000009")
        del study["protocolSection"]["sponsorCollaboratorsModule"]
        Loader(store, err=io.StringIO(), progress=False).load([write_jsonl(tmp_path / "s.jsonl", [study])])
        assert by_column(rows("check_trials_without_sponsor", store=store), "nct") == [("NCT90000009",)]


# === 5b. rows on the registry records ==============================================================

NON_CHECKS = [p for p in REPORT_FILES if not report_of(p).is_check]


@pytest.mark.shared_data
@pytest.mark.parametrize("path", NON_CHECKS, ids=lambda p: p.stem)
def test_runs_on_the_registry_records(registry: EmbeddedStore, path: Path) -> None:
    report = report_of(path)
    table = reports.run_table(registry, report, required_values(report))
    assert table.variables == report.columns


@pytest.mark.shared_data
def test_study_type_counts_match_the_json(registry: EmbeddedStore, registry_studies: list[dict[str, Any]]) -> None:
    label = {"INTERVENTIONAL": "Interventional", "OBSERVATIONAL": "Observational", "EXPANDED_ACCESS": "Expanded access"}
    trials: Counter[str] = Counter({"Interventional": 1, "Expanded access": 1})  # the two seed pages
    enrollment: Counter[str] = Counter({"Interventional": 25})
    for study in registry_studies:
        design = study["protocolSection"].get("designModule", {})
        kind = label.get(design.get("studyType"), "not given")
        trials[kind] += 1
        enrollment[kind] += design.get("enrollmentInfo", {}).get("count", 0)
    assert len(registry_studies) == 479
    got = rows("trials_by_study_type", store=registry)
    assert {r["studyType"]: int(r["trials"]) for r in got} == dict(trials)
    assert {r["studyType"]: int(r["enrollment"]) for r in got} == {kind: enrollment[kind] for kind in trials}
    assert sum(int(r["trials"]) for r in got) == 481


def _recruiting_pairs(studies: list[dict[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    """(NCT id, site IRI) of each location whose own status, or else its trial's, is RECRUITING."""
    pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for study in studies:
        section = study["protocolSection"]
        nct = section["identificationModule"]["nctId"]
        overall = section.get("statusModule", {}).get("overallStatus")
        for loc in section.get("contactsLocationsModule", {}).get("locations", []):
            if (loc.get("status") or overall) == "RECRUITING" and loc.get("country"):
                pairs[loc["country"]].add((nct, site_iri(loc.get("facility"), loc.get("city"), loc.get("state"),
                                                         loc.get("country"))))
    return pairs


@pytest.mark.shared_data
@pytest.mark.parametrize("country", ["France", "Germany", "Japan", "China", "United States"])
def test_recruiting_sites_match_the_json(registry: EmbeddedStore, registry_studies: list[dict[str, Any]],
                                         country: str) -> None:
    """One row per trial and site; a location without a status of its own counts when its trial
    is recruiting. (Sites are one node per facility, city, state and country, however spelled.)"""
    expected = _recruiting_pairs(registry_studies)[country]
    got = [r for r in rows("recruiting_sites", store=registry, country=country.upper())
           if r["nct"] != ISATUXIMAB_TRIAL]
    assert len(got) == len(expected) > 0
    assert {r["nct"] for r in got} == {nct for nct, _ in expected}
    assert {r["country"] for r in got} == {country}


@pytest.mark.shared_data
def test_registry_spot_checks(registry: EmbeddedStore) -> None:
    assert by_column(rows("sponsor_portfolio", store=registry, sponsor="Sanofi"), "nct", "role", "partners") == [
        ("NCT02210780", "collaborator", "Regeneron Pharmaceuticals"), (ISATUXIMAB_TRIAL, "collaborator", MSK)]
    # The seed answers do not change when 479 more records are loaded beside them.
    assert by_column(rows("trials_by_target", store=registry, target="CD38"), "nct", "drug") == [
        (ISATUXIMAB_TRIAL, "isatuximab")]
    missing = by_column(rows("check_trials_without_sponsor", store=registry), "nct")
    assert missing == [("NCT00465816",), ("NCT03453554",)]  # partial records the loader warns about


@pytest.mark.shared_data
def test_reports_count_distinct_things_over_the_union(registry: EmbeddedStore) -> None:
    """pyoxigraph's union repeats a triple once per graph that states it (an entity described by
    several records' graphs, or by a record and a reference table). Each report must give the same
    rows on the merged graph, where every triple is stated once, so none may count repetitions."""
    buf = io.BytesIO()
    export(registry, buf, "ntriples")
    merged = ox.Store()
    merged.bulk_load(buf.getvalue(), format=ox.RdfFormat.N_TRIPLES)
    assert len(merged) <= len(registry)
    differ = []
    for path in REPORT_FILES:
        report = report_of(path)
        if re.search(r"\bGRAPH\b", report.sparql):
            continue  # asks about graphs themselves
        bindings = reports.bind(report, required_values(report), reports.Resolver(registry))
        bag = normalised(report, [tuple(plain_ox(r[c]) for c in report.columns)
                                  for r in registry.query(report.sparql, substitutions=bindings)])
        merge = normalised(report, [tuple(plain_ox(r[c]) for c in report.columns)
                                    for r in merged.query(report.sparql, substitutions=bindings, prefixes=PREFIXES)])
        if Counter(bag) != Counter(merge):
            differ.append(f"{report.name}: {len(bag)} rows over the union, {len(merge)} over the merged graph")
    assert not differ, "\n".join(differ)


# === 6. a second engine ============================================================================

#: Parameter sets beyond each report's defaults, for the engine comparison.
ENGINE_PARAMS: dict[str, list[dict[str, str]]] = {
    "trials_by_target": [{"target": "IL2RA"}],
    "target_landscape": [{"target": "IL2RA"}],
    "conditions_via_target": [{"target": "CD38"}],
    "drugs_sharing_target": [{"target": "IL2RA"}],
    "trials_in_mesh_branch": [{"condition": "D007154"}],
    "sponsor_portfolio": [{"sponsor": "Sanofi"}, {"sponsor": "ElsaLys Biotech"}],
    "trial_overview": [{"trial": INOLIMOMAB_TRIAL}],
    "recruiting_sites": [{"state": "New Jersey"}, {"country": "united states", "city": "New York"}],
    "eligibility_summary": [{"sex": "ALL"}, {"sex": "FEMALE"}],
    "investigators": [{"role": "PRINCIPAL_INVESTIGATOR"}],
}
ENGINE_CASES = [(p, params) for p in REPORT_FILES if report_of(p).form == "SELECT"
                for params in [{}, *ENGINE_PARAMS.get(p.stem, [])]]


@pytest.mark.parametrize("path, params", ENGINE_CASES,
                         ids=[p.stem + "".join(f"-{k}={v}" for k, v in params.items()) for p, params in ENGINE_CASES])
def test_rdflib_returns_the_same_rows_as_pyoxigraph(seed: EmbeddedStore, seed_dataset: rdflib.Dataset, path: Path,
                                                    params: dict[str, str]) -> None:
    report = report_of(path)
    params = {**required_values(report), **params}
    expected = normalised(report, ox_rows(seed, report, params))
    got = normalised(report, rdflib_rows(seed_dataset, seed, report, params))
    if is_ordered(report):
        assert got == expected
    else:
        assert Counter(got) == Counter(expected)


def test_the_engines_are_compared_on_rows_not_on_nothing(seed: EmbeddedStore, seed_dataset: rdflib.Dataset) -> None:
    report = reports.get_report("recruiting_sites")
    assert len(rdflib_rows(seed_dataset, seed, report, {"state": "New Jersey"})) == 3
    assert normalised(report, [("a | c | b",) * len(report.columns)]) == [("a | c | b",) * len(report.columns)]
    overview = reports.get_report("trial_overview")
    assert concat_columns(overview.sparql)["conditions"] == " | "
    assert normalised(overview, [tuple("b | a" for _ in overview.columns)])[0][overview.columns.index("conditions")] == "a | b"


# === 7. running them ===============================================================================


def test_cli_report_list(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "list"]) == 0
    out = capfd.readouterr().out
    for path in REPORT_FILES:
        report = report_of(path)
        line = next(line for line in out.splitlines() if line.split(" ", 1)[0] == report.name)
        assert report.summary in line
        for param in report.parameters.values():
            assert f"{param.name}=" in line
    assert "(target=)" in next(line for line in out.splitlines() if line.startswith("trials_by_target "))
    assert "([city=] [country=] [state=])" in next(line for line in out.splitlines() if line.startswith("recruiting_sites "))


def test_cli_report_list_json(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "list", "--format", "json"]) == 0
    listed = {r["name"]: r for r in json.loads(capfd.readouterr().out)}
    assert set(listed) == {p.stem for p in REPORT_FILES}
    assert listed["trials_by_target"]["parameters"] == [
        {"name": "target", "type": "iri", "required": True, "default": "CD38", "choices": []}]
    assert listed["check_domain_range"]["check"] is True and listed["trials_by_target"]["check"] is False
    assert listed["investigators"]["parameters"][0]["choices"][0] == "PRINCIPAL_INVESTIGATOR"


def test_cli_report_show(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "show", "trials_by_target"]) == 0
    out = capfd.readouterr().out
    assert out.startswith("trials_by_target: Trials whose drug acts on a target\n")
    assert "tags: targets, trials" in out
    assert "-p target=VALUE   target (iri, required) example CD38" in out
    assert "SELECT DISTINCT $_target_iri ?symbol ?nct" in out and "PREFIX tg: <https://w3id.org/trialgraph/vocab#>" in out
    assert main(["report", "show", "trials_by_targets"]) == 1
    assert "no report named 'trials_by_targets' — did you mean trials_by_target?" in capfd.readouterr().err


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "md"])
def test_cli_report_run_formats(cli_store: str, capfd: pytest.CaptureFixture[str], fmt: str) -> None:
    assert main(["report", "run", "trials_by_target", "-p", "target=cd38", "--format", fmt, "--store", cli_store]) == 0
    out = capfd.readouterr().out
    columns = reports.get_report("trials_by_target").columns
    if fmt == "table":
        assert out.splitlines()[0].split() == columns
        assert "NCT05873205" in out and "isatuximab" in out and "uniprot:P28907" in out and "(1 row)" in out
    elif fmt == "csv":
        (header, row) = list(csv.reader(io.StringIO(out)))
        assert header == columns
        assert dict(zip(header, row))["nct"] == "NCT05873205"
        assert dict(zip(header, row))["_target_iri"] == "http://purl.uniprot.org/uniprot/P28907"
    elif fmt == "tsv":
        header, row = out.rstrip("\n").split("\n")
        assert header.split("\t") == [f"?{c}" for c in columns]
        assert '"NCT05873205"' in row.split("\t") and "<http://purl.uniprot.org/uniprot/P28907>" in row.split("\t")
    elif fmt == "json":
        data = json.loads(out)
        assert data["head"]["vars"] == columns
        (binding,) = data["results"]["bindings"]
        assert binding["drug"] == {"type": "literal", "value": "isatuximab"}
        assert binding["_target_iri"] == {"type": "uri", "value": "http://purl.uniprot.org/uniprot/P28907"}
    else:
        lines = out.splitlines()
        assert lines[0] == "| " + " | ".join(columns) + " |"
        assert lines[1].startswith("|---|") and "| NCT05873205 |" in lines[2]


def test_cli_report_run_parameter_errors(cli_store: str, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "run", "trials_by_target", "-p", "tagret=CD38", "--store", cli_store]) == 1
    assert "unknown parameter 'tagret' — known parameters: target (iri, required) example CD38" in capfd.readouterr().err
    assert main(["report", "run", "trials_by_target", "-p", "CD38", "--store", cli_store]) == 2
    assert "expected key=value" in capfd.readouterr().err
    assert main(["report", "run", "recruiting_sites", "-p", 'state=x" } ; DROP ALL ; #', "--format", "csv",
                 "--store", cli_store]) == 0
    assert capfd.readouterr().out.count("\n") == 1  # the header only


def _png_pixels_vary(path: Path) -> bool:
    import matplotlib.image

    pixels = matplotlib.image.imread(path)
    return float(pixels.std()) > 0.01 and pixels.shape[0] > 100 and pixels.shape[1] > 100


def test_cli_report_run_with_a_png_chart(cli_store: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "phases.png"
    assert main(["report", "run", "phase_status_summary", "--chart", str(out), "--store", cli_store]) == 0
    captured = capfd.readouterr()
    assert "PHASE2 / RECRUITING" in captured.out  # the rows still go to stdout
    assert f"wrote {out} (2 bars)" in captured.err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _png_pixels_vary(out)


def test_cli_report_run_with_an_svg_chart(cli_store: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "landscape.svg"
    assert main(["report", "run", "target_landscape", "-p", "target=IL2RA", "--chart", str(out),
                 "--store", cli_store]) == 0
    assert "(3 bars)" in capfd.readouterr().err
    text = out.read_text(encoding="utf-8")
    assert "<svg" in text and text.rstrip().endswith("</svg>")
    assert "inolimomab" in text  # matplotlib names each drawn label in a comment


def test_cli_chart_on_a_report_without_one_is_a_clear_error(cli_store: str, tmp_path: Path,
                                                            capfd: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.png"
    assert main(["report", "run", "trials_by_target", "--chart", str(out), "--store", cli_store]) == 1
    err = capfd.readouterr().err
    assert "trials_by_target does not count by category, so it has no chart — reports with one:" in err
    assert "phase_status_summary" in err and "target_landscape" in err
    assert not out.exists()


@pytest.mark.parametrize("path", [p for p in REPORT_FILES if report_of(p).chart], ids=lambda p: p.stem)
def test_every_chart_names_columns_of_its_report(path: Path) -> None:
    report = report_of(path)
    assert report.chart["x"] in report.columns and report.chart["y"] in report.columns  # type: ignore[index]


def test_python_api_rows(seed: EmbeddedStore) -> None:
    got = rows("trials_by_target", store=seed, target="CD38")
    assert isinstance(got, list) and isinstance(got[0], dict)
    assert list(got[0]) == reports.get_report("trials_by_target").columns
    assert got[0]["nct"] == "NCT05873205" and got[0]["drug"] == "isatuximab"


def test_python_api_dataframe(seed: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """pandas is optional: with it, a DataFrame; without it, a clear error. Both paths run here
    (pandas is replaced by a stand-in when it is not installed), so the test never skips."""
    try:
        import pandas  # noqa: F401
    except ImportError:
        stand_in = types.ModuleType("pandas")

        class DataFrame(list):  # type: ignore[type-arg]
            @property
            def columns(self) -> list[str]:
                return list(self[0]) if self else []

        stand_in.DataFrame = DataFrame  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "pandas", stand_in)
    import pandas

    frame = reports.dataframe("trials_by_target", store=seed, target="CD38")
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == reports.get_report("trials_by_target").columns
    assert len(frame) == 1
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if not installed
    with pytest.raises(ReportError, match="pandas is not installed — pip install pandas, or use graph.reports.rows"):
        reports.dataframe("trials_by_target", store=seed)


# === 8. reports as data ============================================================================


def _catalogue(capfd: pytest.CaptureFixture[str]) -> rdflib.Graph:
    assert main(["report", "list", "--format", "turtle"]) == 0
    return rdflib.Graph().parse(data=capfd.readouterr().out, format="turtle")


def test_catalogue_turtle_describes_every_report(capfd: pytest.CaptureFixture[str]) -> None:
    graph = _catalogue(capfd)
    executables = set(graph.subjects(RDF.type, SH.SPARQLExecutable))
    assert executables == {rdflib.URIRef(REPORT_NS + p.stem) for p in REPORT_FILES}
    for path in REPORT_FILES:
        report = report_of(path)
        node = rdflib.URIRef(report.iri)
        key = {"SELECT": SH.select, "ASK": SH.ask, "CONSTRUCT": SH.construct}[report.form]
        (text,) = graph.objects(node, key)
        assert str(text).endswith(report.sparql)
        prepareQuery(str(text))  # runs as it stands
        (comment,) = graph.objects(node, RDFS.comment)
        assert str(comment) == (report.description or report.summary) and comment.language == "en"
        assert {str(k) for k in graph.objects(node, SCHEMA.keywords)} == set(report.tags)


def test_build_loads_the_catalogue_into_its_own_graph(seed: EmbeddedStore) -> None:
    (count,) = seed.query(
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { GRAPH tgg:reports { ?x a sh:SPARQLExecutable ; sh:select ?q } }",
        union=False)
    assert int(count["n"].value) == len(REPORT_FILES)
    assert seed.has_graph(REPORTS_GRAPH)
    found = seed.query("SELECT ?x WHERE { GRAPH tgg:reports { ?x schema:keywords \"targets\" } } ORDER BY ?x", union=False)
    names = [row["x"].value.removeprefix(REPORT_NS) for row in found]
    assert "trials_by_target" in names and "target_landscape" in names and "phase_status_summary" not in names
