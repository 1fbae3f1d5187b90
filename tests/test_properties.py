"""Property-based tests of the registry JSON path: reader, mapping, loader, export.

Hypothesis writes registry records, valid ones (every module, any Unicode text, every registry
code and some unknown ones) and corrupted ones (a value replaced by one of another type, a key
dropped, the text cut short, bytes changed, deep nesting), in each shape the reader takes. Two
properties:

* reading, parsing and loading never fail with anything but trialgraph's own error
  (:class:`graph.errors.GraphError`); a valid record is never rejected;
* a valid record survives export and reload: the union graph read back from every export format is
  isomorphic to the one exported.

Example counts are kept moderate for CI (profile ``trialgraph``; ``TRIALGRAPH_HYPOTHESIS_EXAMPLES``
raises them for a long local run).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
import rdflib
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from graph.errors import GraphError
from graph.export import EXPORT_FORMATS, EXTENSIONS, export
from graph.loader import Loader, map_raw
from graph.readers import ctgov_json
from graph.readers.base import RawRecord
from graph.records import Trial
from graph.store import EmbeddedStore, open_store
from graph import vocab
from graph.vocab import SCHEMES, TRIAL_GRAPH_NS

#: The graph of facts about shared entities, if the store keeps one.
ENTITIES = getattr(vocab, "ENTITIES_GRAPH", None)

EXAMPLES = int(os.environ.get("TRIALGRAPH_HYPOTHESIS_EXAMPLES", "40"))
settings.register_profile(
    "trialgraph",
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
PROFILE = settings.get_profile("trialgraph")
LOADED_AT = "2025-01-01T00:00:00Z"

# --- valid records ---------------------------------------------------------------------------------

#: Any character, surrogates and control characters included (JSON escapes can carry them all).
ANY_CHAR = st.characters(exclude_categories=())
TEXT = st.text(ANY_CHAR, max_size=40)
#: Text a record keeps (at least one visible character).
NAME = st.text(ANY_CHAR, min_size=1, max_size=30).filter(lambda s: s.strip() != "")


def code(scheme: str) -> st.SearchStrategy[str]:
    """A code of the scheme, now and then in lower case or unknown (kept as text with a warning)."""
    known = sorted(SCHEMES[scheme].codes)
    return st.one_of(st.sampled_from(known), st.sampled_from(known).map(str.lower),
                     st.text(string.ascii_uppercase + "_", min_size=1, max_size=12))


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


DATE = st.dates().flatmap(lambda d: st.sampled_from([f"{d.year:04d}", f"{d.year:04d}-{d.month:02d}", d.isoformat()]))
NCT = st.integers(0, 99_999_999).map(lambda n: f"NCT{n:08d}")
AGE = st.one_of(st.just("N/A"), st.builds(lambda n, u: f"{n} {u}", st.integers(0, 120),
                                           st.sampled_from(["Years", "Months", "Weeks", "Days", "Hours", "Minutes"])))
MESH = st.builds(lambda letter, n, w: f"{letter}{n:0{w}d}", st.sampled_from("DC"), st.integers(0, 999_999), st.integers(6, 9))


def date_struct(kind: str = "estimate") -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"date": DATE}, optional={"type": code(kind)})


def objects(fields: dict[str, st.SearchStrategy[Any]], *, min_size: int = 0, max_size: int = 3) -> st.SearchStrategy[list]:
    return st.lists(st.fixed_dictionaries({}, optional=fields), min_size=min_size, max_size=max_size)


def org(name_key: str = "name") -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({name_key: NAME}, optional={"class": code("agency")})


MESHES = objects({"id": MESH, "term": TEXT})
MODULES: dict[str, st.SearchStrategy[Any]] = {
    "statusModule": st.fixed_dictionaries({}, optional={
        "overallStatus": code("status"), "lastKnownStatus": code("status"), "whyStopped": TEXT,
        "statusVerifiedDate": DATE, "startDateStruct": date_struct(), "primaryCompletionDateStruct": date_struct(),
        "completionDateStruct": date_struct(), "studyFirstSubmitDate": DATE,
        "studyFirstPostDateStruct": date_struct(), "lastUpdateSubmitDate": DATE,
        "lastUpdatePostDateStruct": date_struct(), "expandedAccessInfo": st.fixed_dictionaries(
            {}, optional={"hasExpandedAccess": st.booleans()})}),
    "sponsorCollaboratorsModule": st.fixed_dictionaries({}, optional={
        "leadSponsor": org(), "collaborators": st.lists(org(), max_size=3),
        "responsibleParty": st.fixed_dictionaries({}, optional={
            "type": code("party"), "investigatorFullName": NAME, "investigatorTitle": TEXT,
            "investigatorAffiliation": TEXT})}),
    "descriptionModule": st.fixed_dictionaries({}, optional={"briefSummary": TEXT, "detailedDescription": TEXT}),
    "conditionsModule": st.fixed_dictionaries({}, optional={"conditions": st.lists(NAME, max_size=4),
                                                            "keywords": st.lists(TEXT, max_size=3)}),
    "designModule": st.fixed_dictionaries({}, optional={
        "studyType": code("studytype"), "phases": st.lists(code("phase"), max_size=2),
        "designInfo": st.fixed_dictionaries({}, optional={
            "allocation": code("allocation"), "interventionModel": code("model"),
            "observationalModel": code("obsmodel"), "timePerspective": code("perspective"),
            "primaryPurpose": code("purpose"), "maskingInfo": st.fixed_dictionaries({}, optional={
                "masking": code("masking"), "whoMasked": st.lists(code("masked"), max_size=3)})}),
        "enrollmentInfo": st.fixed_dictionaries({}, optional={"count": st.integers(0, 100_000_000),
                                                              "type": code("estimate")}),
        "patientRegistry": st.booleans()}),
    "armsInterventionsModule": st.fixed_dictionaries({}, optional={
        "armGroups": objects({"label": NAME, "type": code("armtype"), "description": TEXT,
                              "interventionNames": st.lists(TEXT, max_size=2)}),
        "interventions": objects({"type": code("itype"), "name": NAME, "description": TEXT,
                                  "otherNames": st.lists(TEXT, max_size=2), "armGroupLabels": st.lists(TEXT, max_size=2)})}),
    "outcomesModule": st.fixed_dictionaries({}, optional={
        key: objects({"measure": TEXT, "description": TEXT, "timeFrame": TEXT})
        for key in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes")}),
    "eligibilityModule": st.fixed_dictionaries({}, optional={
        "eligibilityCriteria": TEXT, "minimumAge": AGE, "maximumAge": AGE, "sex": code("sex"),
        "healthyVolunteers": st.booleans(), "stdAges": st.lists(code("agegroup"), max_size=3),
        "genderBased": st.booleans(), "genderDescription": TEXT, "studyPopulation": TEXT,
        "samplingMethod": code("sampling")}),
    "contactsLocationsModule": st.fixed_dictionaries({}, optional={
        "centralContacts": objects({"name": TEXT, "role": code("role"), "phone": TEXT, "email": TEXT}),
        "overallOfficials": objects({"name": NAME, "role": code("role"), "affiliation": TEXT}),
        "locations": objects({"facility": TEXT, "city": TEXT, "state": TEXT, "zip": TEXT, "country": TEXT,
                              "status": code("status"),
                              "geoPoint": st.fixed_dictionaries({}, optional={
                                  "lat": st.floats(-90, 90), "lon": st.floats(-180, 180)}),
                              "contacts": objects({"name": TEXT, "role": code("role"), "phone": TEXT})})}),
    "referencesModule": st.fixed_dictionaries({}, optional={
        "references": objects({"pmid": st.one_of(st.integers(1, 99_999_999).map(str), TEXT),
                               "type": code("reftype"), "citation": TEXT}),
        "seeAlsoLinks": objects({"url": TEXT, "label": TEXT})}),
}


@st.composite
def valid_study(draw: st.DrawFn) -> dict[str, Any]:
    ident = draw(st.fixed_dictionaries({"nctId": NCT}, optional={
        "briefTitle": TEXT, "officialTitle": TEXT, "acronym": TEXT, "orgStudyIdInfo": st.fixed_dictionaries(
            {}, optional={"id": TEXT}), "organization": org("fullName"),
        "secondaryIdInfos": objects({"id": TEXT, "type": TEXT, "domain": TEXT, "link": TEXT}),
        "nctIdAliases": st.lists(NCT, max_size=2)}))
    protocol = {"identificationModule": ident}
    protocol.update(draw(st.fixed_dictionaries({}, optional=MODULES)))
    study: dict[str, Any] = {"protocolSection": protocol}
    derived = draw(st.fixed_dictionaries({}, optional={
        "conditionBrowseModule": st.fixed_dictionaries({}, optional={"meshes": MESHES, "ancestors": MESHES}),
        "interventionBrowseModule": st.fixed_dictionaries({}, optional={"meshes": MESHES, "ancestors": MESHES})}))
    if derived:
        study["derivedSection"] = derived
    if draw(st.booleans()):
        study["hasResults"] = draw(st.booleans())
    return study


# --- corrupted records -----------------------------------------------------------------------------

JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=8,
)


#: Stands for a value nested 3,000 levels deep (deeper than Python's JSON modules go), put in place
#: by :func:`deepen` and :func:`serialize`.
DEEP = "@@deep@@"
DEPTH = 3000


def deepen(value: Any) -> Any:
    """``value`` with :data:`DEEP` replaced by a list nested :data:`DEPTH` levels deep."""
    if value == DEEP:
        nested: Any = 1
        for _ in range(DEPTH):
            nested = [nested]
        return nested
    if isinstance(value, dict):
        return {k: deepen(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deepen(v) for v in value]
    return value


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside a decoded JSON document."""
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, prefix + (key,)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, prefix + (i,)))
    return out


def _set(doc: Any, path: tuple, value: Any, delete: bool = False) -> Any:
    if not path:
        return value
    node = doc
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


@st.composite
def corrupted_study(draw: st.DrawFn) -> dict[str, Any] | Any:
    """A valid study with one to three of its values replaced or removed."""
    doc = draw(valid_study())
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "nest"]))
        if action == "delete" and path:
            doc = _set(doc, path, None, delete=True)
        elif action == "nest":
            doc = _set(doc, path, DEEP)
        else:
            doc = _set(doc, path, draw(JSON_VALUE))
    return doc


SHAPES = ("jsonl", "array", "page", "single")


def serialize(studies: list[Any], shape: str, ascii_only: bool) -> bytes:
    def dumps(value: Any, **kw: Any) -> str:
        return json.dumps(value, ensure_ascii=ascii_only, **kw)

    if shape == "jsonl":
        text = "".join(dumps(s) + "\n" for s in studies)
    elif shape == "array":
        text = dumps(studies, indent=1)
    elif shape == "page":
        text = dumps({"studies": studies, "nextPageToken": "t"})
    else:
        text = dumps(studies[0], indent=2)
    text = text.replace(json.dumps(DEEP), "[" * DEPTH + "1" + "]" * DEPTH)
    # lone surrogates (possible in JSON escapes) cannot be UTF-8: written raw they make invalid bytes
    return text.encode("utf-8", "surrogatepass")


@st.composite
def damaged_bytes(draw: st.DrawFn) -> bytes:
    """A serialized batch, then cut short, with bytes changed or inserted."""
    studies = draw(st.lists(st.one_of(valid_study(), corrupted_study()), min_size=1, max_size=3))
    data = serialize(studies, draw(st.sampled_from(SHAPES)), draw(st.booleans()))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        what = draw(st.sampled_from(["cut", "flip", "insert"]))
        if what == "cut":
            data = data[:at]
        elif what == "flip" and at < len(data):
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        else:
            data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return data


# --- the properties ------------------------------------------------------------------------------


def _load_bytes(data: bytes, name: str) -> tuple[EmbeddedStore, object, str]:
    store = open_store("memory:")
    err = io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        summary = Loader(store, err=err, progress=False).load([path])
    return store, summary, err.getvalue()


@PROFILE
@given(st.one_of(valid_study(), corrupted_study(), JSON_VALUE))
def test_parsing_any_decoded_record_gives_trials_or_input_errors(study: Any) -> None:
    study = deepen(study)
    for item in ctgov_json.parse(RawRecord(ctgov_json.FORMAT, "x.json", "line 1", study)):
        assert isinstance(item, (Trial, GraphError))
        if isinstance(item, GraphError):
            assert str(item).startswith("x.json: "), str(item)
    for item in map_raw(RawRecord(ctgov_json.FORMAT, "x.json", "line 1", study), LOADED_AT):
        assert not isinstance(item, BaseException) or isinstance(item, GraphError)


@PROFILE
@given(damaged_bytes(), st.sampled_from(["batch.json", "batch.jsonl", "batch.json.gz"]), st.floats(0.0, 1.0))
def test_loading_damaged_files_never_crashes(data: bytes, name: str, keep: float) -> None:
    if name.endswith(".gz"):  # compressed, and the compressed file cut short (keep < 1)
        packed = gzip.compress(data, mtime=0)
        data = packed[: max(2, int(len(packed) * keep))] if keep < 0.9 else packed
    try:
        store, summary, err = _load_bytes(data, name)
    except GraphError:
        return  # our own error: reported, not a crash
    for line in err.splitlines():
        assert line.startswith(("error: ", "warning: ", "note: ")), line
    trial_graphs = [g for g in store.named_graphs() if g.startswith(TRIAL_GRAPH_NS)]
    assert len(trial_graphs) == len(set(store.named_graphs()) - {ENTITIES})
    assert len(trial_graphs) <= summary.new  # type: ignore[attr-defined]


@PROFILE
@given(st.lists(valid_study(), min_size=1, max_size=3, unique_by=lambda s: s["protocolSection"]["identificationModule"]["nctId"]),
       st.sampled_from(SHAPES), st.booleans())
def test_valid_records_always_load(studies: list[dict[str, Any]], shape: str, ascii_only: bool) -> None:
    if not ascii_only:  # raw surrogates would be invalid UTF-8: that is the damaged case
        assume(not any(0xD800 <= ord(c) <= 0xDFFF for c in json.dumps(studies, ensure_ascii=False)))
    studies = studies[:1] if shape == "single" else studies
    store, summary, err = _load_bytes(serialize(studies, shape, ascii_only), f"batch.{'json' if shape != 'jsonl' else 'jsonl'}")
    assert summary.rejected == 0 and not summary.errors, err  # type: ignore[attr-defined]
    assert summary.new == len(studies), err  # type: ignore[attr-defined]


def _exported(store: EmbeddedStore, fmt: str) -> bytes:
    out = io.BytesIO()
    export(store, out, fmt)
    return out.getvalue()


def _union(store: EmbeddedStore) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=_exported(store, "ntriples").decode("utf-8"), format="nt")
    return graph


@PROFILE
@given(valid_study(), st.sampled_from(EXPORT_FORMATS))
def test_export_then_reload_is_isomorphic(study: dict[str, Any], fmt: str) -> None:
    store, summary, err = _load_bytes(serialize([study], "jsonl", True), "one.jsonl")
    assert summary.new == 1, err  # type: ignore[attr-defined]
    again = open_store("memory:")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export{EXTENSIONS[fmt]}"
        path.write_bytes(_exported(store, fmt))
        reloaded = Loader(again, err=io.StringIO(), progress=False).load([path])
    assert reloaded.ok
    assert isomorphic(_union(again), _union(store))


#: Characters ``str.splitlines`` breaks lines at, besides ``\n`` and ``\r`` (which N-Quads escapes).
LINE_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _without_line_breaks(value: Any) -> Any:
    if isinstance(value, str):
        return value.translate({ord(c): " " for c in LINE_BREAKS})
    if isinstance(value, dict):
        return {k: _without_line_breaks(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_line_breaks(v) for v in value]
    return value


def _trial_graph(store: EmbeddedStore, nct: str) -> set[str]:
    from graph import iris

    # where and when the record was loaded from differ (an unchanged record keeps its first source)
    skip = {"http://www.w3.org/ns/prov#generatedAtTime", "http://purl.org/dc/terms/source"}
    return {str(q) for q in store.quads(iris.trial_graph(nct)) if q.predicate.value not in skip}


def _changed(first: dict[str, Any], second: dict[str, Any]) -> tuple[EmbeddedStore, EmbeddedStore, str]:
    nct = first["protocolSection"]["identificationModule"]["nctId"]
    second["protocolSection"]["identificationModule"]["nctId"] = nct
    store, summary, err = _load_bytes(serialize([first], "jsonl", True), "v1.jsonl")
    assert summary.new == 1, err  # type: ignore[attr-defined]
    err_out = io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "v2.jsonl"
        path.write_bytes(serialize([second], "jsonl", True))
        summary = Loader(store, err=err_out, progress=False).load([path])
        assert summary.rejected == 0, err_out.getvalue()
        alone = open_store("memory:")
        Loader(alone, err=io.StringIO(), progress=False).load([path])
    return store, alone, nct


@PROFILE
@given(valid_study().map(_without_line_breaks), valid_study().map(_without_line_breaks))
def test_a_changed_record_replaces_its_graph_whole(first: dict[str, Any], second: dict[str, Any]) -> None:
    store, alone, nct = _changed(first, second)
    assert _trial_graph(store, nct) == _trial_graph(alone, nct)


def test_a_changed_record_with_line_separators_in_its_text_replaces_its_graph() -> None:
    first = {"protocolSection": {"identificationModule": {"nctId": "NCT90000001", "briefTitle": "A\u2028B \x85 C"}}}
    second = {"protocolSection": {"identificationModule": {"nctId": "NCT90000001", "briefTitle": "A\u2028B v2"}}}
    store, alone, nct = _changed(first, second)
    assert _trial_graph(store, nct) == _trial_graph(alone, nct)
