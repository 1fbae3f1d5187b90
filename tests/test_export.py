"""Export: every format reloads to the same data, output is byte-stable, Turtle is readable."""

from __future__ import annotations

import io
import json
import random
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from graph import export as export_module
from graph import iris
from graph.export import EXPORT_FORMATS, EXTENSIONS, export
from graph.loader import Loader
from graph.store import EmbeddedStore, open_store
from graph.vocab import ENTITIES_GRAPH
from tests.conftest import minimal_study, shared, write_jsonl

RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig", "jsonld": "json-ld",
                 "rdfxml": "xml"}


def exported(store: EmbeddedStore, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    export(store, out, fmt, **options)  # type: ignore[arg-type]
    return out.getvalue()


def union_graph(store: EmbeddedStore) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(data=exported(store, "ntriples").decode("utf-8"), format="nt")
    return g


def dataset(data: bytes, fmt: str) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(data=data.decode("utf-8"), format=RDFLIB_FORMAT[fmt])
    return ds


def quads_of(ds: rdflib.Dataset) -> set[tuple]:
    return {(s, p, o, g.identifier if hasattr(g, "identifier") else g) for s, p, o, g in ds.quads()}


@pytest.fixture
def loaded(tmp_path: Path) -> EmbeddedStore:
    handle = open_store(tmp_path / "src")
    studies = [minimal_study(f"NCT9000000{i}") for i in range(1, 5)]
    studies[1]["protocolSection"]["descriptionModule"]["briefSummary"] = 'Quotes " back\\slash\nnew line \u00e9 <b>tag</b>'
    Loader(handle, err=io.StringIO(), progress=False).load([write_jsonl(tmp_path / "s.jsonl", studies)])
    yield handle
    handle.close()


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_then_load_gives_back_the_same_data(loaded: EmbeddedStore, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"export{EXTENSIONS[fmt]}"
    path.write_bytes(exported(loaded, fmt))
    fresh = open_store(tmp_path / "fresh")
    summary = Loader(fresh, err=io.StringIO(), progress=False).load([path])
    assert summary.ok
    if fmt in ("nquads", "trig"):
        original = quads_of(dataset(exported(loaded, "nquads"), "nquads"))
        again = quads_of(dataset(exported(fresh, "nquads"), "nquads"))
        assert again == original
        assert set(fresh.named_graphs()) == set(loaded.named_graphs())
    else:
        assert isomorphic(union_graph(fresh), union_graph(loaded))
    fresh.close()


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_export_parses_in_rdflib(loaded: EmbeddedStore, fmt: str) -> None:
    ds = dataset(exported(loaded, fmt), fmt)
    assert len(ds) > 100 or sum(1 for _ in ds.quads()) > 100


def test_turtle_has_readable_prefixes(loaded: EmbeddedStore) -> None:
    text = exported(loaded, "turtle").decode("utf-8")
    assert "@prefix tg: <https://w3id.org/trialgraph/vocab#> ." in text
    assert "tg:briefTitle" in text and "tgc:phase-PHASE1_PHASE2" in text


def test_output_is_byte_identical_whatever_the_load_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the same load time in provenance
    studies = [minimal_study(f"NCT9000001{i}") for i in range(6)]
    outputs = []
    for n, seed in enumerate((1, 2)):
        shuffled = studies[:]
        random.Random(seed).shuffle(shuffled)
        handle = open_store("memory:" if n else tmp_path / "disk")
        Loader(handle, err=io.StringIO(), progress=False).load([write_jsonl(tmp_path / "s.jsonl", shuffled)])
        outputs.append({fmt: exported(handle, fmt) for fmt in ("turtle", "nquads", "trig", "ntriples")})
        handle.close()
    assert outputs[0] == outputs[1]


def test_one_trial_export(loaded: EmbeddedStore) -> None:
    text = exported(loaded, "nquads", trials=["NCT90000002"]).decode("utf-8")
    graphs = {line.rsplit(" ", 2)[1] for line in text.splitlines()}
    # the trial's own graph, and what the shared entities graph says about what it names
    assert graphs == {f"<{iris.trial_graph('NCT90000002')}>", f"<{ENTITIES_GRAPH}>"}
    assert '"Example University Hospital"' in text and "NCT90000001" not in text
    with pytest.raises(ValueError, match="NCT99999999: no such trial"):
        exported(loaded, "turtle", trials=["NCT99999999"])


def test_jsonld_is_json(loaded: EmbeddedStore) -> None:
    doc = json.loads(exported(loaded, "jsonld"))
    ids = {node.get("@id") for node in doc}
    assert iris.trial("NCT90000001") in ids


@pytest.mark.shared_data
def test_real_records_round_trip_through_turtle_and_trig(tmp_path: Path) -> None:
    handle = open_store(tmp_path / "real")
    Loader(handle, err=io.StringIO(), progress=False).load([shared("ctgov-json", "collections", "combined_unique_studies.jsonl")])
    turtle = exported(handle, "turtle")
    graph = rdflib.Graph()
    graph.parse(data=turtle.decode("utf-8"), format="turtle")
    assert isomorphic(graph, union_graph(handle))
    trig = dataset(exported(handle, "trig"), "trig")
    assert quads_of(trig) == quads_of(dataset(exported(handle, "nquads"), "nquads"))
    handle.close()


@pytest.mark.parametrize("fmt", ["nquads", "trig", "turtle"])
def test_export_of_the_entities_graph_holds_all_of_it(loaded: EmbeddedStore, fmt: str) -> None:
    """``--graph`` of the shared entities graph exports that graph whole (N-Quads gave nothing)."""
    stored = {(q.subject, q.predicate, q.object) for q in loaded.quads(ENTITIES_GRAPH)}
    assert len(stored) > 10
    text = exported(loaded, fmt, graph=ENTITIES_GRAPH)
    syntax = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "turtle": ox.RdfFormat.TURTLE}[fmt]
    got = {(q.subject, q.predicate, q.object) for q in ox.parse(text, format=syntax)}
    assert got == stored


def test_a_trial_with_the_whole_entities_graph_has_each_statement_once(loaded: EmbeddedStore) -> None:
    text = exported(loaded, "nquads", trials=["NCT90000002"], graph=ENTITIES_GRAPH).decode("utf-8")
    lines = text.splitlines()
    assert len(lines) == len(set(lines))
    entities = [line for line in lines if line.endswith(f"<{ENTITIES_GRAPH}> .")]
    assert len(entities) == len(list(loaded.quads(ENTITIES_GRAPH)))


@pytest.mark.parametrize("fmt", ["nquads", "turtle", "trig"])
def test_graphs_read_in_threads_give_the_same_bytes(loaded: EmbeddedStore, fmt: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    readers: set[str] = set()
    dump = loaded.dump_ntriples

    def dump_and_note(graph: str | None) -> bytes:  # the store's own dump, noting which thread asked
        readers.add(threading.current_thread().name)
        return dump(graph)

    monkeypatch.setattr(loaded, "dump_ntriples", dump_and_note)
    threaded = exported(loaded, fmt)
    assert readers and all(name.startswith("trialgraph-export") for name in readers)
    readers.clear()
    monkeypatch.setattr(export_module, "READERS", 1)
    assert exported(loaded, fmt) == threaded
    assert readers == {threading.current_thread().name}


def test_graphs_are_read_only_a_few_ahead_and_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    handle = open_store(tmp_path / "many")
    studies = [minimal_study(f"NCT91{i:06d}") for i in range(60)]
    Loader(handle, err=io.StringIO(), progress=False).load([write_jsonl(tmp_path / "many.jsonl", studies)])
    monkeypatch.setattr(export_module, "READ_AHEAD", 3)
    asked: list[str | None] = []
    dump = handle.dump_ntriples

    def dump_and_count(graph: str | None) -> bytes:
        asked.append(graph)
        return dump(graph)

    monkeypatch.setattr(handle, "dump_ntriples", dump_and_count)
    graphs = handle.named_graphs()
    assert len(graphs) > 60
    read = export_module._read_ahead(handle, export_module._statements, graphs)
    first = next(read)
    assert first == export_module._statements(handle, graphs[0])
    assert len(asked) <= export_module.READERS * 3 + 1  # not the whole store before the first graph
    rest = list(read)
    assert [first, *rest] == [export_module._statements(handle, g) for g in graphs]
    with pytest.raises(ValueError):  # a graph that cannot be read stops the export with its error
        list(export_module._read_ahead(handle, export_module._statements, [graphs[0], "not an IRI"]))
    handle.close()


@pytest.mark.parametrize("fmt", ["ntriples", "turtle"])
def test_a_union_sorted_in_runs_on_disk_is_the_one_sorted_in_memory(tmp_path: Path, fmt: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    handle = open_store(tmp_path / "runs")
    studies = [minimal_study(f"NCT92{i:06d}") for i in range(6)]
    studies[2]["protocolSection"]["descriptionModule"]["briefSummary"] = "line\u2028separator \u0085 next\rreturn"
    Loader(handle, err=io.StringIO(), progress=False).load([write_jsonl(tmp_path / "runs.jsonl", studies)])
    in_memory = exported(handle, fmt)
    monkeypatch.setattr(export_module, "RUN_LINES", 7)
    spilled: list[int] = []
    spill = export_module._spill

    def counted(lines: list[str], stack: object) -> object:
        spilled.append(len(lines))
        return spill(lines, stack)  # type: ignore[arg-type]

    monkeypatch.setattr(export_module, "_spill", counted)
    assert exported(handle, fmt) == in_memory
    assert len(spilled) >= 5  # several runs merged
    assert "\u2028" in in_memory.decode("utf-8")
    handle.close()
