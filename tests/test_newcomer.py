"""Right answers for a newcomer, on the real registry records after `trialgraph build` and a load:
typed Python results, names users type, one row per answer, required parameters asked for, an
unknown trial or drug said to be unknown."""

from __future__ import annotations

import datetime
import io
import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import reports
from graph.errors import ReportError
from graph.linking import norm
from graph.reports import dataframe, load_reports, rows
from tests.conftest import shared
from tests.test_reports import required_values

pandas = pytest.importorskip("pandas", reason="pandas is a test dependency (pip install -e '.[test]')")


def _records() -> list[dict]:
    out = []
    with shared("ctgov-json", "collections", "combined_unique_studies.jsonl").open(encoding="utf-8") as handle:
        out += [json.loads(line) for line in handle if line.strip()]
    for path in sorted(shared("ctgov-json", "single").glob("*.json")):
        out.append(json.loads(path.read_text(encoding="utf-8")))
    return out


@pytest.fixture(scope="module")
def real(built_real_store):
    """The store of ``trialgraph build`` and a load of the real records (tests/conftest.py)."""
    return built_real_store


# --- 1. typed results ----------------------------------------------------------------------------


def test_counts_are_numbers_that_sum_and_sort(real) -> None:
    got = rows("enrollment_by_condition", store=real)
    assert got and all(isinstance(r["trials"], int) and isinstance(r["participants"], int) for r in got)
    frame = dataframe("enrollment_by_condition", store=real)
    assert str(frame["participants"].dtype) == "Int64" and str(frame["trials"].dtype) == "Int64"
    # the sum is the sum of the numbers, not a concatenation of their digits
    assert int(frame["participants"].sum()) == sum(r["participants"] for r in got)
    ordered = frame.sort_values("participants", ascending=False)["participants"].tolist()
    assert ordered == sorted((r["participants"] for r in got), reverse=True)
    assert ordered[0] > 9929  # the text sort put 9,929 above 32,353


def test_dates_booleans_and_decimals_have_their_python_types(real) -> None:
    (row,) = rows("trial_overview", store=real, trial="NCT05873205")
    assert row["start"] == datetime.date(2023, 7, 21) and isinstance(row["enrollment"], int)
    frame = dataframe("trial_overview", store=real, trial="NCT05873205")
    assert str(frame["start"].dtype).startswith("datetime64") and str(frame["sites"].dtype) == "Int64"
    eligibility = rows("eligibility_summary", store=real)
    assert {type(r["healthyVolunteers"]) for r in eligibility if r["healthyVolunteers"] is not None} == {bool}
    assert {type(r["minimumYears"]) for r in eligibility if r["minimumYears"] is not None} <= {Decimal, int, float}
    # a value the row leaves unbound is None, not an empty string
    assert any(r["maximumAge"] is None for r in eligibility)


def test_the_w3c_json_stays_as_the_standard_says(real) -> None:
    from graph.results import write_result

    out = io.BytesIO()
    write_result(reports.run(real, "enrollment_by_condition"), out, "json")
    binding = json.loads(out.getvalue())["results"]["bindings"][0]["participants"]
    assert binding["type"] == "literal" and binding["datatype"].endswith("#integer") and isinstance(binding["value"], str)


# --- 3. names users type ----------------------------------------------------------------------


def _trials_naming(*names: str) -> set[str]:
    """Trials of the records with an intervention whose name or other names contain one of these."""
    wanted = [n.lower() for n in names]
    found = set()
    for record in _records():
        protocol = record["protocolSection"]
        for intervention in protocol.get("armsInterventionsModule", {}).get("interventions", []):
            given = [intervention.get("name", "")] + intervention.get("otherNames", [])
            if any(w in g.lower() for g in given for w in wanted):
                found.add(protocol["identificationModule"]["nctId"])
    return found


@pytest.mark.parametrize("name", ["Keytruda", "MK-3475", "pembrolizumab", "Pembrolizumab"])
def test_every_pembrolizumab_trial_however_the_user_names_it(real, name: str) -> None:
    expected = _trials_naming("pembrolizumab", "keytruda", "mk-3475")
    assert len(expected) >= 3
    got = {r["nct"] for r in rows("trials_by_drug", store=real, drug=name)}
    assert got == expected


@pytest.mark.parametrize("brand, inn", [("Lenvima", "lenvatinib"), ("Tagrisso", "osimertinib")])
def test_a_brand_the_registry_gives_resolves_to_its_drug(real, brand: str, inn: str) -> None:
    got = rows("trials_by_drug", store=real, drug=brand)
    assert got and {r["_drug_iri"].rsplit("/", 1)[-1] for r in got} == {inn}
    assert {r["nct"] for r in got} == {r["nct"] for r in rows("trials_by_drug", store=real, drug=inn)}


def test_a_registry_name_of_two_drugs_is_not_guessed(real) -> None:
    """A combination's title ("paclitaxel/carboplatin") is a name of two drugs: the resolver says so."""
    pairs = defaultdict(set)
    for r in real.query("PREFIX tg: <https://w3id.org/trialgraph/vocab#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                        "SELECT ?n ?d WHERE { ?i tg:drug ?d ; rdfs:label|tg:otherName ?n }"):
        pairs[r["n"].value].add(r["d"].value)
    drug_names = {norm(r["n"].value) for r in real.query(
        "PREFIX tg: <https://w3id.org/trialgraph/vocab#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT DISTINCT ?n WHERE { ?d a tg:Drug ; rdfs:label|skos:altLabel|tg:brandName|tg:developmentCode ?n }")}
    shared_names = sorted(n for n, drugs in pairs.items() if len(drugs) > 1 and norm(n) not in drug_names)
    assert len(shared_names) >= 3
    for name in shared_names[:5]:
        with pytest.raises(ReportError, match="names [0-9]+ things"):
            rows("trials_by_drug", store=real, drug=name)


# --- 4. one row per answer --------------------------------------------------------------------


def _lexical(term: object) -> object:
    return (term.value, term.datatype.value if not term.language else None) if isinstance(term, ox.Literal) else term


@pytest.mark.parametrize("name", sorted(load_reports()))
def test_no_report_gives_two_rows_that_differ_only_in_a_language_tag(real, name: str) -> None:
    report = load_reports()[name]
    if report.form != "SELECT":
        pytest.skip("not a SELECT report")  # every report is one today; a new form would need its own check
    result = reports.run(real, report, required_values(report))
    variables = [v.value for v in result.variables]
    seen: dict[tuple, set] = defaultdict(set)
    for solution in result:
        raw = tuple(solution[v] for v in variables)
        seen[tuple(_lexical(t) for t in raw)].add(raw)
    doubled = {k: v for k, v in seen.items() if len(v) > 1}
    assert not doubled, f"{name}: rows that differ only in a language tag: {list(doubled.values())[:2]}"


def test_a_mesh_descriptor_has_one_label(real) -> None:
    doubled = list(real.query("""SELECT DISTINCT ?m WHERE { ?m a <http://id.nlm.nih.gov/mesh/vocab#TopicalDescriptor> ;
        <http://www.w3.org/2000/01/rdf-schema#label> ?a, ?b FILTER(STR(?a) = STR(?b) && ?a != ?b) } LIMIT 5"""))
    assert doubled == []
    counts = Counter(r["condition"] for r in rows("enrollment_by_condition", store=real))
    assert counts["Neoplasms"] <= 1


# --- 8. parameters --------------------------------------------------------------------------------


def test_a_required_parameter_is_asked_for_not_taken_from_the_example(real) -> None:
    with pytest.raises(ReportError) as caught:
        rows("trial_overview", store=real)
    assert "parameter 'trial' is required — pass -p trial=NCT05873205" in str(caught.value)
    with pytest.raises(ReportError, match="parameter 'target' is required"):
        rows("trials_by_target", store=real)


@pytest.mark.parametrize("report, param, value", [
    ("trial_overview", "trial", "NCT00000000"),
    ("trials_by_drug", "drug", "https://w3id.org/trialgraph/id/drug/no-such-drug"),
    ("sponsor_portfolio", "sponsor", "https://w3id.org/trialgraph/id/org/no-such-org"),
])
def test_an_unknown_trial_drug_or_sponsor_is_an_error_like_an_unknown_target(real, report: str, param: str,
                                                                             value: str) -> None:
    with pytest.raises(ReportError, match=f"{param}: '{value}' is not in the store"):
        rows(report, store=real, **{param: value})


def test_a_parameter_outside_the_select_list_is_bound(real, tmp_path: Path) -> None:
    (tmp_path / "title_only.rq").write_text(
        "#+ summary: the title of a trial\nPREFIX tg: <https://w3id.org/trialgraph/vocab#>\n"
        "SELECT ?title WHERE { ?_trial_iri tg:briefTitle ?title }\n", encoding="utf-8")
    (row,) = rows("title_only", store=real, folder=tmp_path, trial="NCT05873205")
    assert row["title"].startswith("Open-Label, Phase II Trial of Isatuximab")


# --- 9. validate on a clean load of real data ----------------------------------------------------


def test_a_clean_build_and_load_of_real_records_conforms(real, built_real_validation) -> None:
    """No SHACL violation on the shipped reference and the real records: open-source claims
    without a mechanism in words, and targets of other organisms without a gene symbol, are
    warnings; a complex's proteins get no gene symbol that belongs to another of its proteins."""
    report = built_real_validation
    violations = [v for v in report.violations if v.severity == "Violation"]
    assert report.conforms and not violations, violations[:5]
    doubled = list(real.query("""PREFIX tg: <https://w3id.org/trialgraph/vocab#>
        SELECT ?t WHERE { ?t a tg:Target ; tg:geneSymbol ?a, ?b FILTER(?a != ?b) } LIMIT 3"""))
    assert doubled == []
