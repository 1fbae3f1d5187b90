"""Loading into the store: one graph per trial, idempotent reloads, atomic replacement, bad
records rejected whole, interrupted loads rolled back."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import iris
from graph.loader import Loader
from graph.store import EmbeddedStore, open_store
from graph.vocab import ENTITIES_GRAPH, TRIAL_GRAPH_NS
from tests.conftest import ROOT, minimal_study, shared, write_jsonl


def run_load(store: EmbeddedStore, *paths: Path, **options: object) -> tuple[object, str]:
    err = io.StringIO()
    summary = Loader(store, err=err, progress=False, **options).load(list(paths))  # type: ignore[arg-type]
    return summary, err.getvalue()


def quad_set(store: EmbeddedStore, *, without_load_time: bool = False) -> set[str]:
    out = set()
    for q in store.quads():
        if without_load_time and q.predicate.value == "http://www.w3.org/ns/prov#generatedAtTime":
            continue
        out.add(str(q))
    return out


def ask(store: EmbeddedStore, sparql: str) -> bool:
    return bool(store.query(sparql))


def test_one_named_graph_per_trial_with_provenance(store: EmbeddedStore, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "two.jsonl", [minimal_study("NCT90000001"), minimal_study("NCT90000002")])
    summary, _ = run_load(store, path)
    assert summary.new == 2 and summary.rejected == 0
    assert set(store.named_graphs()) == {
        iris.trial_graph("NCT90000001"), iris.trial_graph("NCT90000002"), ENTITIES_GRAPH}
    assert ask(store, f"""ASK {{ GRAPH <{iris.trial_graph('NCT90000001')}> {{
        ?g a tg:TrialRecord ; tg:describes <{iris.trial('NCT90000001')}> ;
           dct:source "{path}" ; tg:sourceFormat "ctgov-json" ;
           tg:recordLastUpdate "2025-07-29"^^xsd:date ; prov:generatedAtTime ?t ;
           tg:toolVersion ?v ; tg:recordHash ?h }} }}""")


def test_shared_entities_are_one_node(store: EmbeddedStore, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "two.jsonl", [minimal_study("NCT90000001"), minimal_study("NCT90000002")])
    run_load(store, path)
    # what both records say about their sponsor is stated once, in the entities graph
    rows = list(store.query("SELECT ?g WHERE { GRAPH ?g { ?org rdfs:label \"Example University Hospital\" ; a tg:Organization } }"))
    assert [r["g"].value for r in rows] == [ENTITIES_GRAPH]
    rows = list(store.query("SELECT DISTINCT ?org WHERE { ?t tg:leadSponsor ?org }"))
    assert [r["org"].value for r in rows] == [iris.org("Example University Hospital")]
    people = list(store.query("SELECT DISTINCT ?p WHERE { ?o tg:person ?p }"))
    assert len(people) == 1
    assert not ask(store, "ASK { { ?s ?p ?o FILTER(isBlank(?s)) } UNION { ?s ?p ?o FILTER(isBlank(?o)) } }")


def test_loading_twice_leaves_exactly_the_same_quads(store: EmbeddedStore, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "two.jsonl", [minimal_study("NCT90000001"), minimal_study("NCT90000002")])
    run_load(store, path)
    before = quad_set(store)
    summary, _ = run_load(store, path)
    assert (summary.new, summary.changed, summary.unchanged) == (0, 0, 2)
    assert quad_set(store) == before


def test_changed_record_replaces_its_graph_whole(store: EmbeddedStore, tmp_path: Path) -> None:
    run_load(store, write_jsonl(tmp_path / "v1.jsonl", [minimal_study("NCT90000001")]))
    newer = minimal_study(
        "NCT90000001",
        protocolSection__statusModule__overallStatus="COMPLETED",
        protocolSection__conditionsModule={"conditions": ["Only One Disease"]},
    )
    summary, _ = run_load(store, write_jsonl(tmp_path / "v2.jsonl", [newer]))
    assert (summary.new, summary.changed) == (0, 1)
    statuses = {r["s"].value for r in store.query("SELECT ?s WHERE { ?t tg:overallStatus ?s }")}
    assert statuses == {"https://w3id.org/trialgraph/code/status-COMPLETED"}
    conditions = {r["l"].value for r in store.query("SELECT ?l WHERE { ?t tg:condition/rdfs:label ?l }")}
    assert conditions == {"Only One Disease"}
    sources = {r["s"].value for r in store.query("SELECT ?s WHERE { ?g a tg:TrialRecord ; dct:source ?s }")}
    assert sources == {str(tmp_path / "v2.jsonl")}


def test_a_record_sent_again_in_a_later_batch_replaces_the_one_being_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With tiny batches, two writers run at once; the later record of an NCT id must win whole."""
    import graph.loader as loader

    monkeypatch.setattr(loader, "BATCH_QUADS", 1)  # every record is a batch of its own
    older = minimal_study("NCT90000001", protocolSection__conditionsModule={"conditions": ["Older Disease"]})
    newer = minimal_study("NCT90000001", protocolSection__statusModule__overallStatus="COMPLETED",
                          protocolSection__conditionsModule={"conditions": ["Newer Disease"]})
    others = [minimal_study(f"NCT9100{i:04d}") for i in range(40)]
    with open_store(tmp_path / "mixed") as store:
        _, err = run_load(store, write_jsonl(tmp_path / "mixed.jsonl", [*others[:20], older, newer, *others[20:]]))
        assert "the later one is kept" in err
        mixed = quad_set(store, without_load_time=True)
    with open_store(tmp_path / "clean") as store:
        run_load(store, write_jsonl(tmp_path / "mixed.jsonl", [*others, newer]))
        clean = quad_set(store, without_load_time=True)
    # the trial graphs are those of a clean load of the newer record; the entities graph, which
    # only ever gains statements, also keeps what the older record said of its condition
    entities = f"<{ENTITIES_GRAPH}>"
    assert {q for q in mixed if not q.endswith(entities)} == {q for q in clean if not q.endswith(entities)}
    assert {q for q in clean if q.endswith(entities)} <= {q for q in mixed if q.endswith(entities)}


def test_batches_start_small_and_grow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store gets its first batch early (writing overlaps mapping), then batches double in size
    up to BATCH_QUADS; every record is written once."""
    import graph.loader as loader
    from graph.store import EmbeddedStore as Store

    from graph.readers import TRIAL_READERS

    studies = [minimal_study(f"NCT9100{i:04d}") for i in range(30)]
    path = write_jsonl(tmp_path / "many.jsonl", studies)
    raw = next(iter(TRIAL_READERS["ctgov-json"].read(path, str(path))))
    one = loader.map_raw(raw, "x")[0].quads  # every record here has as many quads
    monkeypatch.setattr(loader, "FIRST_BATCH_QUADS", one * 2)
    monkeypatch.setattr(loader, "BATCH_QUADS", one * 8)
    sizes: list[int] = []
    original = Store.write_graphs

    def counting(self, writes, **kwargs):  # type: ignore[no-untyped-def]
        sizes.append(sum(1 for w in writes if w.graph != ENTITIES_GRAPH))
        return original(self, writes, **kwargs)

    monkeypatch.setattr(Store, "write_graphs", counting)
    with open_store(tmp_path / "s") as store:
        summary, _ = run_load(store, path)
    assert summary.new == 30
    assert sizes[:3] == [2, 4, 8], sizes
    assert max(sizes) == 8 and sum(sizes) == 30, sizes


def test_journals_of_two_writers_are_both_rolled_back(tmp_path: Path) -> None:
    from graph.store import JOURNAL

    store_dir = tmp_path / "store"
    halves = [iris.trial_graph("NCT90000002"), iris.trial_graph("NCT90000003")]
    with open_store(store_dir) as store:
        run_load(store, write_jsonl(tmp_path / "a.jsonl", [minimal_study("NCT90000001")]))
        before = quad_set(store)
        for slot, half in enumerate(halves):
            store.update(f"INSERT DATA {{ GRAPH <{half}> {{ <{half}#x> a tg:Trial }} }}")
            store._journal([half], slot)  # what each writer records before it writes  # noqa: SLF001
    assert (store_dir / JOURNAL).exists() and (store_dir / f"{JOURNAL}.1").exists()
    with open_store(store_dir) as store:
        assert sorted(store.recovered) == sorted(halves)
        assert quad_set(store) == before
    assert not list(store_dir.glob(JOURNAL + "*"))


def test_bad_record_is_rejected_whole_and_the_rest_loads(store: EmbeddedStore, tmp_path: Path) -> None:
    bad = minimal_study("NCT90000002", protocolSection__statusModule__startDateStruct={"date": "2023-02-30"})
    path = write_jsonl(tmp_path / "batch.jsonl", [minimal_study("NCT90000001"), bad, minimal_study("NCT90000003")])
    summary, err = run_load(store, path)
    assert summary.rejected == 1 and summary.new == 2
    assert f"error: {path}: NCT90000002 (line 2): protocolSection.statusModule.startDateStruct.date: " \
           "'2023-02-30' is not a date" in err
    assert not ask(store, "ASK { <https://clinicaltrials.gov/study/NCT90000002> ?p ?o }")
    assert not store.has_graph(iris.trial_graph("NCT90000002"))


def test_unknown_code_is_kept_as_text_and_flagged(store: EmbeddedStore, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [minimal_study(protocolSection__statusModule__overallStatus="PAUSED")])
    summary, err = run_load(store, path)
    assert summary.rejected == 0 and summary.warnings == 1
    assert "unknown code 'PAUSED' kept as text" in err
    assert ask(store, 'ASK { ?t tg:uncodedValue "overallStatus=PAUSED" ; tg:qualityFlag tgc:quality-UNKNOWN_CODE }')


def test_strict_rejects_records_with_warnings(store: EmbeddedStore, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [minimal_study(protocolSection__statusModule__overallStatus="PAUSED")])
    summary, err = run_load(store, path, strict=True)
    assert summary.rejected == 1 and "--strict" in err
    assert store.named_graphs() == []


def test_same_record_in_two_files_is_not_a_warning(store: EmbeddedStore, tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [minimal_study("NCT90000001")])
    b = write_jsonl(tmp_path / "b.jsonl", [minimal_study("NCT90000001")])
    summary, err = run_load(store, a, b)
    assert (summary.studies, summary.new, summary.unchanged, summary.warnings) == (2, 1, 1, 0)
    c = write_jsonl(tmp_path / "c.jsonl", [minimal_study("NCT90000001", protocolSection__designModule__phases=["PHASE3"])])
    summary, err = run_load(store, a, c)
    assert summary.warnings == 1 and "a different record with this NCT id is also in" in err
    assert ask(store, "ASK { ?t tg:phase tgc:phase-PHASE3 }")
    assert not ask(store, "ASK { ?t tg:phase tgc:phase-PHASE1_PHASE2 }")


def test_memory_store(tmp_path: Path) -> None:
    handle = open_store("memory:")
    summary, _ = run_load(handle, write_jsonl(tmp_path / "x.jsonl", [minimal_study()]))
    assert summary.new == 1 and len(handle) > 50


def test_store_is_busy_for_a_second_process(tmp_path: Path) -> None:
    handle = open_store(tmp_path / "busy")
    try:
        code = (
            "import sys\nfrom graph.store import open_store\nfrom graph.errors import StoreError\n"
            f"try:\n    open_store({str(tmp_path / 'busy')!r})\nexcept StoreError as e:\n    print(e); sys.exit(3)\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 3
        assert "store is busy" in done.stdout
    finally:
        handle.close()


@pytest.mark.shared_data
def test_real_records_load_with_zero_errors(store: EmbeddedStore) -> None:
    summary, err = run_load(store, shared("ctgov-json"))
    assert summary.rejected == 0, err
    assert summary.new == 479
    assert "error:" not in err
    assert len([g for g in store.named_graphs() if g.startswith(TRIAL_GRAPH_NS)]) == 479


@pytest.mark.shared_data
def test_graph_counts_match_the_json_for_every_real_study(store: EmbeddedStore) -> None:
    path = shared("ctgov-json", "collections", "combined_unique_studies.jsonl")
    run_load(store, path)
    query = """
    SELECT ?id
      (COUNT(DISTINCT ?c) AS ?conditions) (COUNT(DISTINCT ?m) AS ?meshes) (COUNT(DISTINCT ?a) AS ?ancestors)
      (COUNT(DISTINCT ?arm) AS ?arms) (COUNT(DISTINCT ?i) AS ?interventions) (COUNT(DISTINCT ?loc) AS ?locations)
      (COUNT(DISTINCT ?col) AS ?collaborators) (COUNT(DISTINCT ?off) AS ?officials)
    WHERE {
      ?t a tg:Trial ; tg:nctId ?id .
      OPTIONAL { ?t tg:condition ?c } OPTIONAL { ?t tg:conditionMesh ?m } OPTIONAL { ?t tg:conditionMeshAncestor ?a }
      OPTIONAL { ?t tg:arm ?arm } OPTIONAL { ?t tg:intervention ?i } OPTIONAL { ?t tg:location ?loc }
      OPTIONAL { ?t tg:collaborator ?col } OPTIONAL { ?t tg:official ?off }
    } GROUP BY ?id"""
    got = {r["id"].value: {k: int(r[k].value) for k in ("conditions", "meshes", "ancestors", "arms",
                                                          "interventions", "locations", "collaborators", "officials")}
           for r in store.query(query)}
    assert len(got) == 479
    for line in path.read_text(encoding="utf-8").splitlines():
        study = json.loads(line)
        p, d = study["protocolSection"], study.get("derivedSection", {})
        def n(*keys: str, src: dict = p) -> int:
            node: object = src
            for k in keys:
                node = node.get(k, {}) if isinstance(node, dict) else {}
            return len(node) if isinstance(node, list) else 0
        conditions = p.get("conditionsModule", {}).get("conditions", [])
        locations = p.get("contactsLocationsModule", {}).get("locations", [])
        collaborators = p.get("sponsorCollaboratorsModule", {}).get("collaborators", [])
        expected = {
            # conditions and collaborators are shared entities: the same name twice is one node
            "conditions": len({iris.condition(c) for c in conditions}),
            "meshes": n("conditionBrowseModule", "meshes", src=d),
            "ancestors": n("conditionBrowseModule", "ancestors", src=d),
            "arms": n("armsInterventionsModule", "armGroups"),
            "interventions": n("armsInterventionsModule", "interventions"),
            "locations": len(locations),
            "collaborators": len({iris.org(c["name"]) for c in collaborators}),
            "officials": n("contactsLocationsModule", "overallOfficials"),
        }
        nct = p["identificationModule"]["nctId"]
        assert got[nct] == expected, nct


LOADER_SCRIPT = """
import sys
from graph.store import open_store
from graph.loader import Loader
store = open_store(sys.argv[1])
Loader(store, progress=False).load(sys.argv[2:])
store.close()
"""


@pytest.mark.shared_data
@pytest.mark.slow
def test_a_killed_load_leaves_a_usable_store_and_a_rerun_completes(tmp_path: Path) -> None:
    source = shared("ctgov-json", "collections")
    clean = open_store(tmp_path / "clean")
    run_load(clean, source)
    expected = quad_set(clean, without_load_time=True)
    clean.close()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    rng = random.Random(7)
    store_dir = tmp_path / "killed"
    for attempt in range(3):
        proc = subprocess.Popen([sys.executable, "-c", LOADER_SCRIPT, str(store_dir), str(source)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.8, 2.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        handle = open_store(store_dir)  # opens, rolls back any half-written batch
        # every trial graph present is whole: it has its provenance and its trial (the entities
        # graph only ever gains statements, and is not a trial graph)
        incomplete = list(handle.query(f"""SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
            FILTER(STRSTARTS(STR(?g), "{TRIAL_GRAPH_NS}"))
            FILTER NOT EXISTS {{ GRAPH ?g {{ ?g tg:recordHash ?h ; tg:describes ?t . ?t a tg:Trial }} }} }}"""))
        assert incomplete == [], f"attempt {attempt}: half-written graphs {incomplete[:3]}"
        assert isinstance(handle.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), ox.QuerySolutions)
        handle.close()
    handle = open_store(store_dir)
    summary, _ = run_load(handle, source)
    assert summary.rejected == 0
    assert quad_set(handle, without_load_time=True) == expected
    handle.close()


def test_line_separators_inside_entity_text_load(store: EmbeddedStore, tmp_path: Path) -> None:
    """U+0085 and U+2028 are line breaks to str.splitlines() but plain characters in N-Quads."""
    study = minimal_study("NCT90000001")
    study["protocolSection"]["contactsLocationsModule"] = {"locations": [{"facility": "Site", "city": "A\x85B\u2028C"}]}
    summary, err = run_load(store, write_jsonl(tmp_path / "nel.jsonl", [study]))
    assert summary.rejected == 0 and not summary.errors, err
    cities = {r["c"].value for r in store.query("SELECT ?c WHERE { ?s tg:city ?c }")}
    assert cities == {"A\x85B\u2028C"}


def test_a_superseded_record_keeps_the_entity_statements_its_worker_sent_once(tmp_path: Path) -> None:
    """A worker sends each entity statement once; when a later record of the same NCT id replaces a
    record still waiting to be written, what that record said of shared entities is still written,
    because later records of the same worker counted on it."""
    sponsor = {"leadSponsor": {"name": "Rare Sponsor Only Two Trials", "class": "INDUSTRY"}}
    older = minimal_study("NCT90000001", protocolSection__sponsorCollaboratorsModule=sponsor)
    other = minimal_study("NCT90000002", protocolSection__sponsorCollaboratorsModule=sponsor)
    newer = minimal_study("NCT90000001", protocolSection__statusModule__overallStatus="COMPLETED")
    path = write_jsonl(tmp_path / "three.jsonl", [older, other, newer])
    entities: dict[int, set[str]] = {}
    for workers in (1, 2):
        with open_store(tmp_path / f"store-{workers}") as store:
            summary, err = run_load(store, path, workers=workers)
            assert summary.rejected == 0 and "the later one is kept" in err
            labels = {r["l"].value for r in store.query(
                f"SELECT ?l WHERE {{ <{iris.trial('NCT90000002')}> tg:leadSponsor/rdfs:label ?l }}")}
            assert labels == {"Rare Sponsor Only Two Trials"}, f"workers={workers}"
            entities[workers] = {q for q in quad_set(store) if q.endswith(f"<{ENTITIES_GRAPH}>")}
    assert entities[1] == entities[2]


def test_a_trial_graph_loaded_from_rdf_is_replaced_by_its_record(store: EmbeddedStore, tmp_path: Path) -> None:
    """A graph named like a trial's but written by an RDF file (no record hash) is replaced whole
    when the trial's record is loaded, and counted as changed, not new."""
    graph = iris.trial_graph("NCT90000001")
    stray = tmp_path / "stray.nq"
    stray.write_text(f'<urn:x:stray> <urn:x:note> "written by hand" <{graph}> .\n', encoding="utf-8")
    run_load(store, stray)
    assert store.has_graph(graph)
    summary, _ = run_load(store, write_jsonl(tmp_path / "one.jsonl", [minimal_study("NCT90000001")]))
    assert (summary.new, summary.changed, summary.unchanged) == (0, 1, 0)
    assert not ask(store, "ASK { GRAPH ?g { <urn:x:stray> ?p ?o } }")
    assert ask(store, f"ASK {{ GRAPH <{graph}> {{ <{graph}> tg:recordHash ?h }} }}")


def test_record_keys_are_small_numbers_for_nct_ids() -> None:
    from graph.loader import graph_key, id_key

    assert id_key("NCT00000102") == 102 and id_key("NCT12345678") == 12345678
    assert id_key("NCT123") == "NCT123" and id_key("nct00000102") == "nct00000102"
    assert graph_key(iris.trial_graph("NCT00000102")) == 102
    assert graph_key(ENTITIES_GRAPH) == ENTITIES_GRAPH
    assert graph_key(TRIAL_GRAPH_NS + "other") == TRIAL_GRAPH_NS + "other"


def test_graph_hashes_keep_a_graphs_hash_and_know_graphs_without_one() -> None:
    from graph.loader import GraphHashes, fingerprint

    trial = iris.trial_graph("NCT00000102")
    known = GraphHashes([(trial, "ab" * 32), (trial, None), (ENTITIES_GRAPH, None)])
    assert known.get(trial) == fingerprint("ab" * 32) != fingerprint("ac" * 32)
    assert ENTITIES_GRAPH in known and known.get(ENTITIES_GRAPH) is None
    assert iris.trial_graph("NCT00000103") not in known and len(known) == 2
    known.set(iris.trial_graph("NCT00000103"), fingerprint("cd" * 32))
    assert known.get(iris.trial_graph("NCT00000103")) == fingerprint("cd" * 32)


def test_what_a_refresh_remembers_per_trial_stays_small() -> None:
    """A load remembers each record it saw and each graph of the store; for the whole registry
    (560k trials) graph IRIs and hex hashes as strings took about 600 bytes per trial."""
    import hashlib
    import tracemalloc

    from graph.loader import GraphHashes

    n = 50_000
    # made while traced, as the store's answers are
    pairs = ((iris.trial_graph(f"NCT{i:08d}"), hashlib.sha256(str(i).encode()).hexdigest()) for i in range(n))
    tracemalloc.start()
    try:
        known = GraphHashes(pairs)
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(known) == n
    assert size / n < 130, f"{size / n:.0f} bytes per graph"


def test_a_record_repeated_in_an_archive_names_the_archive(store: EmbeddedStore, tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "bulk.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a/NCT90000001.json", json.dumps(minimal_study("NCT90000001")))
        archive.writestr("b/NCT90000001.json", json.dumps(
            minimal_study("NCT90000001", protocolSection__statusModule__overallStatus="COMPLETED")))
    summary, err = run_load(store, path)
    assert summary.warnings == 1 and summary.new == 1
    assert f"a different record with this NCT id is also in {path} in this load; the later one is kept" in err
    statuses = {r["s"].value for r in store.query("SELECT ?s WHERE { ?t tg:overallStatus ?s }")}
    assert statuses == {"https://w3id.org/trialgraph/code/status-COMPLETED"}


def test_a_long_wait_for_the_store_at_the_end_of_a_load_is_announced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches do not wait for the store's merging, so a big load ends with a flush that can take
    minutes: when it takes longer than MERGE_NOTE_AFTER the load says what it is waiting for; a
    quick one says nothing."""
    import graph.loader as loader

    path = write_jsonl(tmp_path / "a.jsonl", [minimal_study("NCT90000001")])
    note = "waiting for the store to merge what was loaded"
    with open_store(tmp_path / "quick") as store:
        err = io.StringIO()
        Loader(store, err=err, progress=True).load([path])
    assert note not in err.getvalue()

    monkeypatch.setattr(loader, "MERGE_NOTE_AFTER", 0.05)
    original = EmbeddedStore.flush

    def slow_flush(self: EmbeddedStore) -> None:  # the store's merging, made to take a while
        time.sleep(0.5)
        original(self)

    monkeypatch.setattr(EmbeddedStore, "flush", slow_flush)
    with open_store(tmp_path / "slow") as store:
        err = io.StringIO()
        summary = Loader(store, err=err, progress=True).load([path])
    assert summary.new == 1
    assert f"progress: every record is written; {note}" in err.getvalue(), err.getvalue()
