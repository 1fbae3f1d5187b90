"""A refresh recognises a record read byte for byte as before, by the same code with the same
reference data, by its mapping key, and counts it unchanged without parsing or mapping it; anything
else about it (other bytes, other code, other reference data, --strict) has it mapped as before."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from pathlib import Path

import pytest

import graph.loader as loader
from graph import iris
from graph.linking import DrugName, Linker, MeshName, Rule
from graph.loader import LoadSummary
from graph.store import EmbeddedStore, open_store
from tests.conftest import minimal_study, shared, write_jsonl
from graph.vocab import TRIAL_GRAPH_NS
from tests.test_loader import quad_set, run_load


class CountingMaps:
    """``graph.loader.map_raw``, counting the records it is given."""

    def __init__(self) -> None:
        self.calls = 0
        self._real = loader.map_raw

    def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN204 - passed through
        self.calls += 1
        return self._real(*args, **kwargs)


@pytest.fixture
def maps(monkeypatch: pytest.MonkeyPatch) -> CountingMaps:
    counter = CountingMaps()
    monkeypatch.setattr(loader, "map_raw", counter)
    return counter


def keys(store: EmbeddedStore) -> dict[str, str]:
    """Trial graph -> its stored mapping key."""
    return {row["g"].value: row["k"].value
            for row in store.query("SELECT ?g ?k WHERE { GRAPH ?g { ?g tg:mappingKey ?k } }")}


def counts(summary: LoadSummary) -> tuple[int, int, int, int]:
    return summary.new, summary.changed, summary.unchanged, summary.recognised


TWO = [minimal_study("NCT90000001"), minimal_study("NCT90000002")]


def test_a_reload_recognises_every_record_without_mapping_it(store: EmbeddedStore, tmp_path: Path,
                                                              maps: CountingMaps) -> None:
    path = write_jsonl(tmp_path / "two.jsonl", TWO)
    first, _ = run_load(store, path)
    assert counts(first) == (2, 0, 0, 0) and maps.calls == 2
    stored = keys(store)
    assert set(stored) == {iris.trial_graph("NCT90000001"), iris.trial_graph("NCT90000002")}
    assert all(re.fullmatch("[0-9a-f]{16}", k) for k in stored.values())
    assert len(set(stored.values())) == 2
    before = quad_set(store)

    again, _ = run_load(store, path)
    assert counts(again) == (0, 0, 2, 2) and again.studies == 2
    assert maps.calls == 2, "a recognised record was parsed and mapped again"
    assert quad_set(store) == before


def test_the_same_record_in_another_file_or_archive_is_recognised(store: EmbeddedStore, tmp_path: Path) -> None:
    run_load(store, write_jsonl(tmp_path / "two.jsonl", TWO))
    other = write_jsonl(tmp_path / "copy.jsonl", TWO)
    summary, _ = run_load(store, other)
    assert counts(summary) == (0, 0, 2, 2)
    # a per-study file of a bulk archive holds the same bytes as a line (without its line break)
    archive = tmp_path / "bulk.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for study in TWO:
            z.writestr(f"{study['protocolSection']['identificationModule']['nctId']}.json", json.dumps(study) + "\n")
    summary, _ = run_load(store, archive)
    assert counts(summary) == (0, 0, 2, 2)


def test_a_changed_record_is_mapped_and_stored_with_its_new_key(store: EmbeddedStore, tmp_path: Path,
                                                                maps: CountingMaps) -> None:
    run_load(store, write_jsonl(tmp_path / "v1.jsonl", TWO))
    before = keys(store)
    changed = [TWO[0], minimal_study("NCT90000002", protocolSection__statusModule__overallStatus="COMPLETED")]
    path = write_jsonl(tmp_path / "v2.jsonl", changed)
    summary, _ = run_load(store, path)
    assert counts(summary) == (0, 1, 1, 1) and maps.calls == 3
    after = keys(store)
    second = iris.trial_graph("NCT90000002")
    assert after[second] != before[second]
    assert after[iris.trial_graph("NCT90000001")] == before[iris.trial_graph("NCT90000001")]
    summary, _ = run_load(store, path)
    assert counts(summary) == (0, 0, 2, 2)


def test_the_same_text_written_differently_is_mapped_and_then_known_by_its_new_key(
        store: EmbeddedStore, tmp_path: Path, maps: CountingMaps) -> None:
    run_load(store, write_jsonl(tmp_path / "compact.jsonl", TWO))
    before_keys, before = keys(store), quad_set(store)
    spaced = tmp_path / "spaced.jsonl"  # the same studies, other bytes: mapped, same content, new keys
    spaced.write_text("".join(json.dumps(s, indent=None, separators=(" , ", " : ")) + "\n" for s in TWO))
    summary, _ = run_load(store, spaced)
    assert counts(summary) == (0, 0, 2, 0) and maps.calls == 4
    after = keys(store)
    assert set(after) == set(before_keys) and not set(after.values()) & set(before_keys.values())
    changed = before ^ quad_set(store)
    assert {q.split(" ")[1] for q in changed} == {"<https://w3id.org/trialgraph/vocab#mappingKey>"}
    summary, _ = run_load(store, spaced)
    assert counts(summary) == (0, 0, 2, 2) and maps.calls == 4


def test_new_code_maps_every_record_again(store: EmbeddedStore, tmp_path: Path, maps: CountingMaps,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_jsonl(tmp_path / "two.jsonl", TWO)
    run_load(store, path)
    monkeypatch.setattr(loader, "_code_digest", lambda: b"another version of trialgraph")
    summary, _ = run_load(store, path)
    assert counts(summary) == (0, 0, 2, 0) and maps.calls == 4
    summary, _ = run_load(store, path)
    assert counts(summary) == (0, 0, 2, 2) and maps.calls == 4


def test_new_reference_data_maps_every_record_again_and_links_it(store: EmbeddedStore, tmp_path: Path,
                                                                  maps: CountingMaps) -> None:
    path = write_jsonl(tmp_path / "two.jsonl", TWO)
    run_load(store, path, linker=Linker())
    assert not store.query("ASK { ?i tg:drug ?d }")
    linker = Linker(drug_names=[DrugName("https://w3id.org/trialgraph/id/drug/examplumab", "Examplumab", "INN")])
    summary, _ = run_load(store, path, linker=linker)
    assert counts(summary) == (0, 2, 0, 0) and maps.calls == 4
    assert store.query("ASK { ?i tg:drug <https://w3id.org/trialgraph/id/drug/examplumab> }")
    summary, _ = run_load(store, path, linker=linker)
    assert counts(summary) == (0, 0, 2, 2)


def test_strict_is_not_answered_by_a_lenient_load(store: EmbeddedStore, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [minimal_study(protocolSection__statusModule__overallStatus="PAUSED")])
    summary, _ = run_load(store, path)
    assert summary.new == 1 and summary.warnings
    summary, err = run_load(store, path, strict=True)
    assert summary.rejected == 1 and summary.recognised == 0 and "--strict" in err


def test_an_older_record_after_a_newer_one_in_the_same_load_is_kept_as_the_later(
        store: EmbeddedStore, tmp_path: Path) -> None:
    older = write_jsonl(tmp_path / "older.jsonl", [TWO[0]])
    run_load(store, older)
    newer = write_jsonl(tmp_path / "newer.jsonl", [
        minimal_study("NCT90000001", protocolSection__statusModule__overallStatus="COMPLETED")])
    summary, err = run_load(store, newer, older)  # the older record's key is stored, but it comes later
    assert summary.recognised == 0 and "the later one is kept" in err
    statuses = {r["s"].value for r in store.query("SELECT ?s WHERE { ?t tg:overallStatus ?s }")}
    assert statuses == {"https://w3id.org/trialgraph/code/status-RECRUITING"}


def test_a_raw_record_of_several_studies_has_no_key_and_is_compared_by_content(
        store: EmbeddedStore, tmp_path: Path, maps: CountingMaps) -> None:
    archive = tmp_path / "bulk.zip"  # one member holding two studies: one raw record, two trials
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("studies.jsonl", "".join(json.dumps(s) + "\n" for s in TWO))
    first, _ = run_load(store, archive)
    assert first.new == 2 and maps.calls == 1
    assert keys(store) == {}
    summary, _ = run_load(store, archive)
    assert counts(summary) == (0, 0, 2, 0) and maps.calls == 2


def test_studies_of_a_streamed_array_have_no_key(store: EmbeddedStore, tmp_path: Path, maps: CountingMaps) -> None:
    page = tmp_path / "page.json"
    page.write_bytes(json.dumps({"studies": TWO}).encode("utf-8"))
    run_load(store, page)
    assert keys(store) == {}
    summary, _ = run_load(store, page)
    assert counts(summary) == (0, 0, 2, 0) and maps.calls == 4


@pytest.mark.shared_data
def test_real_records_are_recognised_on_a_reload_of_a_built_store(store: EmbeddedStore) -> None:
    """Loading trials must not change what the linker knows (the registry's own MeSH labels repeat
    the reference's names), or no reload could be recognised."""
    from graph.build import build
    from graph.loader import build_linker

    build(store, err=io.StringIO(), progress=False, open_reference=False)
    data = shared("ctgov-json")
    lines = len((data / "collections" / "combined_unique_studies.jsonl").read_text().splitlines())
    before = build_linker(store).fingerprint
    first, err = run_load(store, data)
    assert first.rejected == 0 and first.new == lines, err  # the pages and single files repeat them
    assert build_linker(store).fingerprint == before
    again, _ = run_load(store, data)
    assert (again.new, again.changed, again.unchanged) == (0, 0, first.studies)
    # the JSON Lines file comes first: each of its lines is recognised; a later copy of a trial in
    # this load is compared with the first, as before
    assert again.recognised == lines
    # a single-study file holds other bytes than its line: mapped once, found unchanged, re-keyed
    singles = len(list((data / "single").glob("*.json")))
    single, _ = run_load(store, data / "single")
    assert (single.unchanged, single.recognised) == (singles, 0)
    single, _ = run_load(store, data / "single")
    assert (single.unchanged, single.recognised) == (singles, singles)


def test_worker_processes_keep_the_key(tmp_path: Path) -> None:
    studies = [minimal_study(f"NCT9100{i:04d}") for i in range(200)]
    path = write_jsonl(tmp_path / "many.jsonl", studies)
    with open_store(tmp_path / "store") as store:
        first, _ = run_load(store, path, workers=2)
        assert first.new == 200 and len(keys(store)) == 200
        again, _ = run_load(store, path, workers=2)
        assert counts(again) == (0, 0, 200, 200) and again.studies == 200


def test_the_key_depends_on_the_bytes_the_format_and_the_context() -> None:
    from graph.readers.base import RawRecord

    context = loader.mapping_context(Linker(), False)
    raw = RawRecord("ctgov-json", "a.jsonl", "line 1", b'{"x": 1}\n')
    key = loader.mapping_key(context, raw)
    assert key == loader.mapping_key(context, RawRecord("ctgov-json", "b.jsonl", "line 9", b'{"x": 1}\n'))
    assert key == loader.mapping_key(context, RawRecord("ctgov-json", "a.jsonl", "line 1", '{"x": 1}\n'))
    assert key != loader.mapping_key(context, RawRecord("ctgov-json", "a.jsonl", "line 1", b'{"x": 2}\n'))
    assert key != loader.mapping_key(context, RawRecord("ctgov-page", "a.jsonl", "line 1", b'{"x": 1}\n'))
    assert key != loader.mapping_key(loader.mapping_context(Linker(), True), raw)
    assert key != loader.mapping_key(loader.mapping_context(Linker(rules=[Rule("x", "m", "condition", "")]), False), raw)
    assert loader.mapping_key(context, RawRecord("ctgov-json", "a.json", "study 1", {"x": 1})) == 0


def test_a_linkers_fingerprint_is_its_content_in_any_order() -> None:
    names = [MeshName("mesh:D1", "Alpha", "PREFERRED_LABEL", True), MeshName("mesh:D2", "Beta", "ENTRY_TERM", False)]
    drugs = [DrugName("d1", "Examplumab", "INN"), DrugName("d1", "Exampla", "BRAND_NAME")]
    one = Linker(drug_names=drugs, mesh_names=names).fingerprint
    assert one == Linker(drug_names=drugs[::-1], mesh_names=names[::-1]).fingerprint
    assert one != Linker(drug_names=drugs[:1], mesh_names=names).fingerprint
    assert one != Linker(drug_names=drugs, mesh_names=[names[0]._replace(disease=False), names[1]]).fingerprint
    assert one != Linker(drug_names=drugs, mesh_names=names, drug_by_mesh={"mesh:D1": "d1"}).fingerprint
    assert one != Linker(drug_names=drugs, mesh_names=names, resolutions={("sponsor", "x"): ("X", "")}).fingerprint
    assert Linker().fingerprint == Linker().fingerprint != one
    # a name given twice (the registry's label and MeSH's, say) links as it does once
    assert one == Linker(drug_names=drugs, mesh_names=names + names[:1]).fingerprint


def test_what_a_refresh_remembers_of_stored_keys_stays_small() -> None:
    """The stored keys are read once per load: for the whole registry (560k trials), a 64-bit key
    and an NCT number each."""
    import tracemalloc

    from graph.vocab import TG

    n = 50_000
    store = open_store("memory:")
    lines = "".join(f'<{g}> <{TG.mappingKey}> "{(i * 0x9E3779B97F4A7C15) % (1 << 64):016x}" <{g}> .\n'
                    for i in range(1, n + 1) for g in [iris.trial_graph(f"NCT{i:08d}")])
    store.write_graphs([loader.GraphWrite(loader.ENTITIES_GRAPH, lines, replace=False, additive=True)])
    writer = loader._Writer(store, LoadSummary(), bulk=False)
    try:
        tracemalloc.start()
        try:
            stored = writer.stored_keys()
            size = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    finally:
        writer.close()
    assert stored is not None and len(stored) == n
    assert set(stored.values()) == set(range(1, n + 1))
    assert size / n < 130, f"{size / n:.0f} bytes per trial"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_reload_of_known_records_builds_no_linker_and_a_new_reference_maps_them_again(
        store: EmbeddedStore, tmp_path: Path, maps: CountingMaps, workers: int) -> None:
    """The key is made from the state of the reference graphs (their write times and sizes), so a
    refresh that finds every record known never builds the linker (seconds with the open
    reference); writing a reference graph again changes the state and the records are mapped."""
    from graph.build import build
    from graph.loader import Loader, linker_stamp
    from graph.paths import seeds_dir

    build(store, err=io.StringIO(), progress=False, open_reference=False)
    page = write_jsonl(tmp_path / "studies.jsonl", [minimal_study(f"NCT{n:08d}") for n in range(1, 6)])
    first = Loader(store, err=io.StringIO(), progress=False, workers=workers)
    assert first.load([page]).new == 5 and first.linker is not None
    stamp = linker_stamp(store)
    again = Loader(store, err=io.StringIO(), progress=False, workers=workers)
    summary = again.load([page])
    assert (summary.new, summary.changed, summary.unchanged) == (0, 0, 5)
    assert again.linker is None and linker_stamp(store) == stamp  # nothing asked for a linker
    mapped = maps.calls
    time.sleep(1.1)  # write times are kept to the second
    # --no-relink: the trials in the store stay as they were, and the next load maps them again
    assert run_load(store, seeds_dir() / "reference" / "drugs.tsv", relink=False)[0].ok
    assert linker_stamp(store) != stamp
    relinked = Loader(store, err=io.StringIO(), progress=False, workers=workers)
    summary = relinked.load([page])
    assert summary.unchanged == 5 and summary.recognised == 0 and relinked.linker is not None
    if workers == 1:
        assert maps.calls == mapped + 5
    # by default the reference load itself maps them again (from their kept records), so the next
    # load of the same records knows them by their keys and builds no linker
    mapped, stamp = maps.calls, linker_stamp(store)
    time.sleep(1.1)
    loaded = run_load(store, seeds_dir() / "reference" / "drugs.tsv", workers=workers)[0]
    trials = sum(g.startswith(TRIAL_GRAPH_NS) for g in store.named_graphs())  # the seed pages too
    assert loaded.ok and loaded.relinked is not None and loaded.relinked.studies == trials == 7
    assert linker_stamp(store) != stamp
    if workers == 1:
        assert maps.calls == mapped + trials
    after = Loader(store, err=io.StringIO(), progress=False, workers=workers)
    summary = after.load([page])
    assert summary.unchanged == 5 and summary.recognised == 5 and after.linker is None
