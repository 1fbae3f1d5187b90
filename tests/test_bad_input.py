"""Bad input, one file per failure mode (``tests/data/bad/``), for every reader.

Each case loads its file in one batch with a good companion file and checks three things: the
message (one stderr line naming the file, the record and the field, and what was expected), that
the good records of the batch loaded, and that nothing of the bad record reached the store (no
graph, no trial node, no literal carrying the ``MARKER-BAD`` text the bad records hold).

Some inputs are not errors at all and must load: a byte-order mark, an unknown registry code (kept
as text with a warning and a quality flag), HTML and script tags in text (kept as text, escaped in
every output), names full of characters IRIs may not hold (the IRIs made from them are still valid).

Reference sources (MeSH, the curated tables, RDF files) are loaded whole into one named graph each,
so there the unit that is rejected is the file: nothing of it is written, the rest of the batch loads.

Files too big to commit (10 MB strings) are written by the test (:data:`GENERATED`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import rdflib

from graph import iris, vocab
from graph.cli import main
from graph.export import EXPORT_FORMATS, export
from graph.loader import Loader, LoadSummary
from graph.results import write_result
from graph.store import EmbeddedStore, open_store
from tests.conftest import DATA

BAD = DATA / "bad"
COMPANION = BAD / "_companion"
#: Text every bad record carries somewhere, so that any trace of it in the store can be found.
MARKER = "MARKER-BAD"
#: The two studies of the companion file, loaded in every batch.
COMPANION_IDS = ("NCT91099001", "NCT91099002")
#: The graph where records state facts about shared entities (sponsors, sites ...), if the store has one.
ENTITIES = getattr(vocab, "ENTITIES_GRAPH", None)


@dataclass(frozen=True)
class Case:
    """One failure mode: its file, the messages it must give, and what the store must then hold."""

    file: str
    #: one tuple per expected stderr line: the parts it holds besides ``error:``/``warning:`` and the file
    messages: tuple[tuple[str, ...], ...]
    #: NCT ids of the file's own good records, all of which must be loaded
    good: tuple[str, ...] = ()
    #: NCT id of the bad record (None when it has none): no graph and no node of it in the store
    bad: str | None = None
    #: ``error`` (the bad record is rejected and load fails) or ``warning`` (everything loads)
    level: str = "error"
    #: named graphs other than trial graphs the batch must leave (a reference file that loads)
    graphs: tuple[str, ...] = ()
    #: the good file loaded in the same batch (after the bad one), and the NCT ids it holds
    companion: str = "good.jsonl"
    companion_ids: tuple[str, ...] = COMPANION_IDS
    #: a ``--format`` for the batch (None: detected from content)
    fmt: str | None = None

    @property
    def id(self) -> str:
        return self.file.rsplit(".", 2)[0] if self.file.endswith(".gz") else self.file.rsplit(".", 1)[0]


def _expected(*parts: str) -> tuple[str, ...]:
    return parts


DATE = "expected YYYY, YYYY-MM or YYYY-MM-DD (a real calendar date)"
NCT_FORMAT = "expected NCT followed by 8 digits"

CASES: tuple[Case, ...] = (
    # --- ClinicalTrials.gov API v2 JSON: broken files ------------------------------------------
    Case("json_truncated_array.json",
         (_expected("invalid or truncated JSON after study 2 (NCT91001002)", "the rest of the file was not read",
                    "expected a complete JSON document"),),
         good=("NCT91001001", "NCT91001002"), bad="NCT91001003"),
    Case("json_truncated_single_study.json",
         (_expected("truncated JSON (it ends in the string that starts at line 24 column 5)",
                    "expected a complete JSON object"),),
         bad="NCT91002001"),
    Case("jsonl_truncated_line.jsonl",
         (_expected("line 2: truncated JSON", "expected a complete JSON object"),),
         good=("NCT91003001", "NCT91003003"), bad="NCT91003002"),
    Case("jsonl_truncated_first_line.jsonl",
         (_expected("line 1: truncated JSON", "expected a complete JSON object"),),
         good=("NCT91004002", "NCT91004003"), bad="NCT91004001"),
    Case("gzip_truncated.jsonl.gz",
         (_expected("cannot decompress: Compressed file ended before the end-of-stream marker was reached",
                    "after line 6", "the rest of the file was not read",
                    "expected a complete gzip file (it is truncated or corrupt)"),),
         good=tuple(f"NCT9104300{k}" for k in range(1, 7)), bad="NCT91043010"),
    Case("jsonl_invalid_utf8.jsonl",
         (_expected("line 2: invalid UTF-8 at byte 107", "expected UTF-8 text"),),
         good=("NCT91005001", "NCT91005003"), bad="NCT91005002"),
    Case("json_array_invalid_utf8.json",
         (_expected("NCT91006002 (study 2)", "protocolSection.identificationModule.briefTitle",
                    "invalid UTF-8 bytes in the text", "expected UTF-8 text"),),
         good=("NCT91006001", "NCT91006003"), bad="NCT91006002"),
    Case("json_empty.json", (_expected("the file is empty", "expected a trial document"),)),
    Case("jsonl_whitespace_only.jsonl", (_expected("the file is empty", "expected a trial document"),)),
    Case("json_page_studies_not_a_list.json",
         (_expected("studies: 'studies' is an object", "expected a list of study objects"),),
         bad="NCT91015001"),
    Case("json_array_of_non_objects.json",
         (_expected("study 2: found a number", "expected a study object"),
          _expected("study 3: found a string", "expected a study object")),
         good=("NCT91016001", "NCT91016004"), bad="NCT91016003"),
    Case("jsonl_deeply_nested.jsonl",
         (_expected("line 2: JSON nested too deeply", "expected registry JSON (a few levels of nesting)"),),
         good=("NCT91027001", "NCT91027003"), bad="NCT91027002"),
    Case("json_array_deeply_nested.json",
         (_expected("NCT91028002 (study 2): nested too deeply", "expected registry JSON"),),
         good=("NCT91028001", "NCT91028003"), bad="NCT91028002"),
    # --- registry JSON: well-formed files, bad records -----------------------------------------
    Case("json_list_where_object_belongs.jsonl",
         (_expected("NCT91012002 (line 2)", "protocolSection.statusModule: found a list", "expected an object"),),
         good=("NCT91012001", "NCT91012003"), bad="NCT91012002"),
    Case("json_enrollment_as_string.jsonl",
         (_expected("NCT91013002 (line 2)", "protocolSection.designModule.enrollmentInfo.count",
                    "found a string '40'", "expected an integer"),),
         good=("NCT91013001", "NCT91013003"), bad="NCT91013002"),
    Case("json_latitude_as_string.jsonl",
         (_expected("NCT91014002 (line 2)", "protocolSection.contactsLocationsModule.locations[0].geoPoint.lat",
                    "found a string '45.75'", "expected a number"),),
         good=("NCT91014001", "NCT91014003"), bad="NCT91014002"),
    Case("json_boolean_as_string.jsonl",
         (_expected("NCT91034002 (line 2)", "protocolSection.eligibilityModule.healthyVolunteers",
                    "found a string 'No'", "expected true or false"),),
         good=("NCT91034001", "NCT91034003"), bad="NCT91034002"),
    Case("json_results_section_not_an_object.jsonl",
         (_expected("NCT91035002 (line 2)", "resultsSection: found a list", "expected an object"),),
         good=("NCT91035001", "NCT91035003"), bad="NCT91035002"),
    Case("json_missing_nct_id.jsonl",
         (_expected("line 2", "protocolSection.identificationModule.nctId: no NCT id",
                    "expected an NCT id such as NCT01234567"),),
         good=("NCT91017001", "NCT91017003")),
    Case("json_malformed_nct_id.jsonl",
         (_expected("NCT-2024-0017 (line 2)", "protocolSection.identificationModule.nctId",
                    "'NCT-2024-0017' is not an NCT id", NCT_FORMAT),),
         good=("NCT91018001", "NCT91018003")),
    Case("json_nct_id_as_number.jsonl",
         (_expected("line 2", "protocolSection.identificationModule.nctId", "found a number 91019002",
                    "expected a string"),),
         good=("NCT91019001", "NCT91019003"), bad="NCT91019002"),
    Case("json_malformed_mesh_id.jsonl",
         (_expected("NCT91033002 (line 2)", "derivedSection.conditionBrowseModule.meshes[0].id",
                    "'D-6086' is not a MeSH unique id", "expected D or C followed by digits"),),
         good=("NCT91033001", "NCT91033003"), bad="NCT91033002"),
    Case("json_impossible_date.jsonl",
         (_expected("NCT91021002 (line 2)", "protocolSection.statusModule.startDateStruct.date",
                    "'2023-02-30' is not a date", DATE),),
         good=("NCT91021001", "NCT91021003"), bad="NCT91021002"),
    Case("json_date_in_words.jsonl",
         (_expected("NCT91022002 (line 2)", "protocolSection.statusModule.completionDateStruct.date",
                    "'June 2024' is not a date", DATE),),
         good=("NCT91022001", "NCT91022003"), bad="NCT91022002"),
    Case("json_negative_enrollment.jsonl",
         (_expected("NCT91023002 (line 2)", "protocolSection.designModule.enrollmentInfo.count",
                    "-12 is too small", "expected at least 0"),),
         good=("NCT91023001", "NCT91023003"), bad="NCT91023002"),
    Case("json_absurd_enrollment.jsonl",
         (_expected("NCT91024002 (line 2)", "protocolSection.designModule.enrollmentInfo.count",
                    "8,000,000,000 is implausibly large", "expected at most 100,000,000"),),
         good=("NCT91024001", "NCT91024003"), bad="NCT91024002"),
    Case("json_nan_latitude.jsonl",
         (_expected("NCT91032002 (line 2)", "locations[0].geoPoint.lat", "nan is out of range",
                    "expected a number from -90 to 90"),),
         good=("NCT91032001", "NCT91032003"), bad="NCT91032002"),
    Case("json_huge_title.jsonl",
         (_expected("NCT91036002 (line 2)", "protocolSection.identificationModule.briefTitle",
                    "text of 10,485,760 characters", "expected at most 1,000,000 characters"),),
         good=("NCT91036001", "NCT91036003"), bad="NCT91036002"),
    Case("json_duplicate_nct_ids.jsonl",
         (_expected("NCT91020002: a different record with this NCT id is also in", "the later one is kept"),),
         good=("NCT91020001", "NCT91020002", "NCT91020003"), level="warning"),
    # --- registry JSON: inputs that must load ----------------------------------------------------
    Case("json_array_with_bom.json", (), good=("NCT91007001", "NCT91007002"), level="warning"),
    Case("jsonl_with_bom.jsonl", (), good=("NCT91008001", "NCT91008002"), level="warning"),
    Case("json_single_with_bom.json", (), good=("NCT91009001",), level="warning"),
    Case("json_unknown_status_code.jsonl",
         (_expected("NCT91025002: protocolSection.statusModule.overallStatus",
                    "unknown code 'PAUSED_FOR_AUDIT' kept as text"),),
         good=("NCT91025001", "NCT91025002"), level="warning"),
    Case("json_unknown_phase_code.jsonl",
         (_expected("NCT91026002: protocolSection.designModule.phases", "unknown code 'PHASE5' kept as text"),),
         good=("NCT91026001", "NCT91026002"), level="warning"),
    Case("json_html_and_script_in_text.jsonl", (), good=("NCT91029001", "NCT91029002"), level="warning"),
    Case("json_iri_unsafe_names.jsonl", (), good=("NCT91030001", "NCT91030002"), level="warning"),
    Case("json_control_characters.jsonl", (), good=("NCT91031001", "NCT91031002"), level="warning"),
    # --- archives --------------------------------------------------------------------------------
    Case("zip_path_traversal.zip",
         (_expected("!../../../tmp/evil.json", "unsafe member name (absolute or with '..'); member skipped",
                    "expected member names relative to the archive"),
          _expected("!/etc/evil.json", "unsafe member name", "expected member names relative to the archive")),
         good=("NCT91040001", "NCT91040004"), bad="NCT91040002"),
    Case("zip_truncated.zip",
         (_expected("not a readable zip archive (File is not a zip file)", "expected a .zip file"),),
         bad="NCT91041001"),
    Case("zip_corrupt_member.zip",
         (_expected("!NCT91042002.json", "cannot read archive member (Bad CRC-32 for file 'NCT91042002.json')"),),
         good=("NCT91042001", "NCT91042003"), bad="NCT91042002"),
    # --- trial pages (both layouts) --------------------------------------------------------------
    Case("page_sectioned_truncated.txt",
         (_expected("NCT91050001", "Basic Information.Study Start Date", "'2024-0' is not a date", DATE),),
         bad="NCT91050001"),
    Case("page_summary_truncated.txt",
         (_expected("NCT number: no NCT id", "expected a 'NCT number' line with an NCT id such as NCT01234567"),),
         bad="NCT91051001"),
    Case("page_invalid_utf8.txt",
         (_expected("NCT91052001: invalid UTF-8 at byte 14", "expected UTF-8 text"),), bad="NCT91052001"),
    Case("page_empty.txt", (_expected("the file is empty", "expected a trial document"),)),
    Case("page_malformed_nct_id.txt",
         (_expected("NCT ID: 'NCT 9105-5001' is not an NCT id", NCT_FORMAT),)),
    Case("page_date_in_words.txt",
         (_expected("NCT91056001", "Basic Information.Study Start Date", "'June 2024' is not a date", DATE),),
         bad="NCT91056001"),
    Case("page_negative_enrollment.txt",
         (_expected("NCT91057001", "Basic Information.Total Enrollment", "'-25 participants' is not an enrollment",
                    "expected a number of participants, such as '25 participants'"),),
         bad="NCT91057001"),
    Case("page_absurd_enrollment.txt",
         (_expected("NCT91058001", "Basic Information.Total Enrollment", "9,000,000,000 is implausibly large",
                    "expected at most 100,000,000"),),
         bad="NCT91058001"),
    Case("page_huge_summary.txt",
         (_expected("NCT91062001", "Brief Summary: a line of 10,485,760 characters",
                    "expected at most 1,000,000 characters in one field"),),
         bad="NCT91062001"),
    Case("page_huge_title.txt",
         (_expected("NCT91063001", "title line: a line of 10,485,760 characters",
                    "expected at most 1,000,000 characters in one field"),),
         bad="NCT91063001", fmt="trial-page", companion="good_page.txt", companion_ids=("NCT91099101",)),
    Case("page_duplicate_nct_id.txt",
         (_expected("good_page.txt: NCT91099101: a different record with this NCT id is also in",
                    "page_duplicate_nct_id.txt in this load; the later one is kept"),),
         level="warning", companion="good_page.txt", companion_ids=("NCT91099101",)),
    Case("page_with_bom.txt", (), good=("NCT91053001",), level="warning"),
    Case("page_unknown_status_code.txt",
         (_expected("NCT91059001: Basic Information.Recruitment Status", "unknown code 'PAUSED_FOR_AUDIT' kept as text"),),
         good=("NCT91059001",), level="warning"),
    Case("page_html_in_text.txt", (), good=("NCT91060001",), level="warning"),
    Case("page_iri_unsafe_sponsor.txt", (), good=("NCT91061001",), level="warning"),
    # --- MeSH: descriptor XML and TSV --------------------------------------------------------------
    Case("mesh_xml_truncated.xml",
         (_expected("line 21, column 38", "malformed or truncated XML after descriptor 2 (D006402): no element found",
                    "expected NLM MeSH descriptor XML"),)),
    Case("mesh_xml_invalid_utf8.xml",
         (_expected("line 21, column 41", "after descriptor 2 (D006402): not well-formed (invalid token)",
                    "expected NLM MeSH descriptor XML"),)),
    Case("mesh_xml_bad_descriptor_ui.xml",
         (_expected("descriptor 3 (D12): DescriptorUI: 'D12' is not a descriptor UI",
                    "expected D followed by 6 to 9 digits"),)),
    Case("mesh_xml_entity_expansion.xml",
         (_expected("line 17", "limit on input amplification factor (from DTD and entities) breached",
                    "expected NLM MeSH descriptor XML"),)),
    Case("mesh_xml_external_entity.xml",
         (_expected("line 8", "undefined entity &secret;", "expected NLM MeSH descriptor XML"),)),
    Case("mesh_tsv_wrong_column_count.tsv",
         (_expected("line 3: 3 columns", "expected 5 tab-separated columns (descriptor_ui, preferred_label, "
                    "tree_numbers, entry_terms, source)"),)),
    Case("mesh_tsv_truncated.tsv", (_expected("line 3: 2 columns", "expected 5 tab-separated columns"),)),
    Case("mesh_tsv_invalid_utf8.tsv",
         (_expected("line 3, column 22: invalid UTF-8 (invalid continuation byte)", "expected UTF-8 text"),)),
    Case("mesh_tsv_duplicate_descriptor.tsv",
         (_expected("line 3: descriptor_ui: descriptor D006425 again (first at line 2)",
                    "expected each descriptor once per file"),)),
    Case("mesh_tsv_empty.tsv", (_expected("the file is empty", "expected a trial document, a reference table or RDF"),)),
    Case("mesh_xml_with_bom.xml", (), level="warning", graphs=(iris.mesh_graph("mesh_xml_with_bom.xml"),)),
    Case("mesh_tsv_with_bom.tsv", (), level="warning", graphs=(iris.mesh_graph("mesh_tsv_with_bom.tsv"),)),
    # --- curated reference tables ------------------------------------------------------------------
    Case("reference_drugs_truncated.tsv",
         (_expected("line 3: 5 columns", "expected 12 tab-separated columns (drug_id, name, kind"),)),
    Case("reference_targets_invalid_utf8.tsv",
         (_expected("line 3: invalid UTF-8 (invalid continuation byte)", "expected a UTF-8 text file"),)),
    Case("reference_drug_targets_duplicate_key.tsv",
         (_expected("line 3: uniprot: duplicate key drug_id='corpumab', uniprot='P28907', first on line 2",
                    "expected each drug_id/uniprot once per table"),)),
    Case("reference_empty.tsv", (_expected("the file is empty"),)),
    Case("reference_drugs_with_bom.tsv", (), level="warning",
         graphs=(iris.reference_graph("reference_drugs_with_bom"),)),
    Case("reference_drugs_html_in_name.tsv", (), level="warning",
         graphs=(iris.reference_graph("reference_drugs_html_in_name"),)),
    # --- RDF files --------------------------------------------------------------------------------
    Case("rdf_truncated.ttl", (_expected("not valid turtle", "line 3", "Unexpected end of file"),)),
    Case("rdf_invalid_utf8.nt", (_expected("not valid ntriples", "line 2", "Invalid UTF-8"),)),
)


# --- files too big to commit ----------------------------------------------------------------------

TEN_MB = 10 * 1024 * 1024


def _corpus_study(nct: str, title: str) -> dict:
    """A small complete study of the same shape as the committed fixtures."""
    return {"protocolSection": {
        "identificationModule": {"nctId": nct, "briefTitle": title},
        "statusModule": {"overallStatus": "RECRUITING"},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Corpus Test Hospital", "class": "OTHER"}},
        "conditionsModule": {"conditions": ["Corpus Disease"]},
        "designModule": {"studyType": "INTERVENTIONAL"},
    }}


def _huge_title(path: Path) -> None:
    studies = [_corpus_study("NCT91036001", "Corpus study 36.1"),
               _corpus_study("NCT91036002", MARKER + "x" * (TEN_MB - len(MARKER))),
               _corpus_study("NCT91036003", "Corpus study 36.3")]
    path.write_text("".join(json.dumps(s) + "\n" for s in studies), encoding="utf-8")


def _page(nct: str, title: str, summary: str) -> str:
    good = (COMPANION / "good_page.txt").read_text(encoding="utf-8")
    page = good.replace("NCT91099101", nct).replace("Companion page study", title)
    return page.replace("Adults with corpus page disease take the study drug for twelve weeks.", summary)


def _huge_page_summary(path: Path) -> None:
    path.write_text(_page("NCT91062001", f"{MARKER} Huge Summary", MARKER + "y" * (TEN_MB - len(MARKER))),
                    encoding="utf-8")


def _huge_page_title(path: Path) -> None:
    path.write_text(_page("NCT91063001", MARKER + "z" * (TEN_MB - len(MARKER)), "A short summary."), encoding="utf-8")


GENERATED: dict[str, Callable[[Path], None]] = {
    "json_huge_title.jsonl": _huge_title,
    "page_huge_summary.txt": _huge_page_summary,
    "page_huge_title.txt": _huge_page_title,
}


# --- helpers ---------------------------------------------------------------------------------------


def case_path(case: Case, tmp_path: Path) -> Path:
    if case.file in GENERATED:
        path = tmp_path / case.file
        GENERATED[case.file](path)
        return path
    return BAD / case.file


def load_batch(store: EmbeddedStore, paths: list[Path], fmt: str | None = None) -> tuple[LoadSummary, str]:
    err = io.StringIO()
    summary = Loader(store, err=err, progress=False, fmt=fmt).load(paths)
    return summary, err.getvalue()


def trials_in(store: EmbeddedStore) -> set[str]:
    return {row["n"].value for row in store.query("SELECT ?n WHERE { ?t a tg:Trial ; tg:nctId ?n }")}  # type: ignore[index]


def marker_in_store(store: EmbeddedStore) -> bool:
    return bool(store.query(f'ASK {{ ?s ?p ?o FILTER(isLiteral(?o) && CONTAINS(STR(?o), "{MARKER}")) }}'))


def mentions(store: EmbeddedStore, nct: str) -> bool:
    """Whether any quad has the trial of ``nct`` (or one of its parts) as subject or object."""
    trial = iris.trial(nct)
    return bool(store.query(f"""ASK {{ {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{trial}")) }}
                                UNION {{ ?s ?p ?o FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{trial}")) }} }}"""))


# --- the corpus ------------------------------------------------------------------------------------


def test_the_corpus_has_one_file_per_failure_mode_and_every_file_is_tested() -> None:
    committed = {p.name for p in BAD.iterdir() if p.is_file()}
    named = {c.file for c in CASES}
    assert committed - named == set(), "fixtures no case uses"
    assert named - committed - set(GENERATED) == set(), "cases without their fixture"
    assert len(CASES) == len(named), "two cases share a file"
    assert len(CASES) >= 30
    readers = {name.split("_")[0] for name in named}
    assert readers >= {"json", "jsonl", "zip", "gzip", "page", "mesh", "reference", "rdf"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    path = case_path(case, tmp_path)
    store = open_store("memory:")
    summary, err = load_batch(store, [path, COMPANION / case.companion], fmt=case.fmt)
    lines = [line for line in err.splitlines() if line.startswith(("error: ", "warning: "))]

    # the message: one line per problem, naming the file (and record, field, expectation)
    errors = [line for line in lines if line.startswith("error: ")]
    if case.level == "error":
        assert len(errors) == len(case.messages), err
        assert summary.ok is False
    else:
        assert errors == [], err
        assert summary.ok is True
    prefix = "error: " if case.level == "error" else "warning: "
    for parts in case.messages:
        matching = [line for line in lines if line.startswith(prefix) and all(part in line for part in parts)]
        assert len(matching) == 1, f"no single {prefix!r}line with {parts} in:\n{err}"
        assert path.name in matching[0], matching[0]

    # the good records of the batch loaded, and nothing else
    expected = set(case.good) | set(case.companion_ids)
    assert trials_in(store) == expected, err
    trial_graphs = {iris.trial_graph(nct) for nct in expected}
    assert set(store.named_graphs()) - {ENTITIES} == trial_graphs | set(case.graphs), err

    # nothing of the bad record
    assert not marker_in_store(store), "text of the bad record reached the store"
    if case.bad is not None:
        assert not store.has_graph(iris.trial_graph(case.bad))
        assert not mentions(store, case.bad)


@pytest.mark.parametrize("case", [c for c in CASES if c.file.startswith("json_") and c.level == "error"][:1],
                         ids=lambda c: c.id)
def test_the_command_line_exits_1_after_loading_the_rest(case: Case, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    store_dir = tmp_path / "store"
    code = main(["load", str(BAD / case.file), str(COMPANION / "good.jsonl"), "--store", str(store_dir)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"error: {BAD / case.file}: " in err
    assert re.search(r"loaded 4 studies .*rejected 1,", err), err
    assert main(["query", "SELECT (COUNT(*) AS ?n) WHERE { ?t a tg:Trial }", "--store", str(store_dir),
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", "4"]


def test_a_warning_is_not_a_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["load", str(BAD / "json_unknown_status_code.jsonl"), "--store", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 0 and "warning: " in err and "error: " not in err
    store = open_store(tmp_path / "store")
    try:
        assert store.query("""ASK { ?t tg:nctId "NCT91025002" ; tg:qualityFlag tgc:quality-UNKNOWN_CODE ;
                                       tg:uncodedValue "overallStatus=PAUSED_FOR_AUDIT" }""")
    finally:
        store.close()


# --- what must load, loads as it was written ---------------------------------------------------------

HTML_FILES = ("json_html_and_script_in_text.jsonl", "page_html_in_text.txt", "reference_drugs_html_in_name.tsv")
HTML_TEXTS = (
    '<script>alert("title")</script> Study of <b>Boldumab</b> & <i>Co</i>',
    "</textarea><img src=x onerror=alert(1)> 1 < 2 && 3 > 2 ]]> -->",
    "<![CDATA[ not cdata ]]> <!-- comment --> &amp; &lt;",
    "<i>Asthma</i>",
    '<a href="javascript:alert(1)">Clinic</a>',
    "<script>alert('page')</script> Study of <b>Pagemab</b> & Co",
    "<script>alert(1)</script> scriptumab",
)
RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig", "jsonld": "json-ld",
                 "rdfxml": "xml"}


@pytest.fixture(scope="module")
def html_store() -> EmbeddedStore:
    store = open_store("memory:")
    summary, err = load_batch(store, [BAD / name for name in HTML_FILES])
    assert summary.ok, err
    return store


def _literals(store: EmbeddedStore) -> set[str]:
    return {row["o"].value for row in store.query("SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }")}  # type: ignore[index]


def test_html_and_script_tags_are_kept_as_text(html_store: EmbeddedStore) -> None:
    literals = _literals(html_store)
    for text in HTML_TEXTS:
        assert text in literals, text


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_html_and_script_tags_are_escaped_in_every_export(html_store: EmbeddedStore, fmt: str) -> None:
    out = io.BytesIO()
    export(html_store, out, fmt)
    data = out.getvalue()
    parsed = rdflib.Dataset()
    parsed.parse(data=data.decode("utf-8"), format=RDFLIB_FORMAT[fmt])
    values = {str(o) for _, _, o, _ in parsed.quads() if isinstance(o, rdflib.Literal)}
    for text in HTML_TEXTS:
        assert text in values, f"{fmt}: {text!r} did not come back"
    if fmt == "rdfxml":  # markup in literals is character data, never elements
        assert b"<script" not in data and b"<b>" not in data and b"<img" not in data
        assert all(el.tag.rsplit("}", 1)[-1] not in {"script", "b", "img"} for el in ET.fromstring(data).iter())


def _solutions(store: EmbeddedStore, fmt: str) -> bytes:
    out = io.BytesIO()
    query = "SELECT ?title WHERE { ?t tg:briefTitle ?title } ORDER BY ?title"
    write_result(store.query(query), out, fmt)
    return out.getvalue()


TITLES = sorted([t for t in HTML_TEXTS if "Study of" in t] + ["Corpus study 29.2"])


def test_html_is_escaped_in_xml_json_csv_and_tsv_results(html_store: EmbeddedStore) -> None:
    root = ET.fromstring(_solutions(html_store, "xml"))
    assert sorted(el.text for el in root.iter("{http://www.w3.org/2005/sparql-results#}literal")) == TITLES
    assert all(el.tag.split("}")[-1] != "script" for el in root.iter())
    rows = json.loads(_solutions(html_store, "json"))["results"]["bindings"]
    assert sorted(r["title"]["value"] for r in rows) == TITLES
    table = list(csv.reader(io.StringIO(_solutions(html_store, "csv").decode("utf-8"))))
    assert sorted(r[0] for r in table[1:]) == TITLES
    tsv = _solutions(html_store, "tsv").decode("utf-8").splitlines()[1:]
    assert sorted(json.loads(line) for line in tsv) == TITLES  # TSV writes literals as "quoted" N-Triples


def test_html_is_escaped_in_markdown_results(html_store: EmbeddedStore) -> None:
    text = _solutions(html_store, "md").decode("utf-8")
    assert "<script>" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text


def test_iri_unsafe_names_keep_their_text_and_give_valid_iris() -> None:
    store = open_store("memory:")
    summary, err = load_batch(store, [BAD / "json_iri_unsafe_names.jsonl", BAD / "page_iri_unsafe_sponsor.txt"])
    assert summary.ok, err
    labels = _literals(store)
    for name in ('Acme <Labs> "Quoted" {Braces} |Pipe| ^Caret\\Back`tick`', "\U0001F48A Pill Co \U0001F9EA",
                 "H\u00f4pital Saint-Louis \u2013 Paris", "\u5317\u4eac\u534f\u548c\u533b\u9662", '<>"{}|^`\\',
                 'Dr. J\u00f6rg <Smith> "JS" {PI}', "X|Y^Z `tick` \\slash", 'Acme <Labs> "Q" {B} |P| ^C\\B`t` '
                 "\U0001F48A H\u00f4pital"):
        assert name in labels, name
    iri_chars = re.compile(r'[\x00-\x20<>"{}|^`\\]')
    bad_iris = [q for q in store.quads() for term in (q.subject, q.predicate, q.object, q.graph_name)
                if hasattr(term, "value") and not hasattr(term, "datatype") and iri_chars.search(term.value)]
    assert bad_iris == []
    sponsors = {row["o"].value for row in store.query("SELECT ?o WHERE { ?t tg:leadSponsor ?o }")}  # type: ignore[index]
    assert sponsors == {iris.org("Corpus Test Hospital"), iris.org("acme labs quoted braces pipe caret back tick"),
                        iris.org("acme labs q b p c b t hopital")}
    # a name made only of characters IRIs may not hold still gets a node of its own
    orgs = {row["o"].value for row in store.query("SELECT ?o WHERE { ?t tg:collaborator ?o }")}  # type: ignore[index]
    assert len(orgs) == 4 and iris.org('<>"{}|^`\\') in orgs
