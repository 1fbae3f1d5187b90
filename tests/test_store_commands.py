"""What the commands do to a store: only the commands that write make one; an export loaded back
replaces the graphs it came from; ``drop`` and ``update``; ``validate`` keeps SHACL violations and
data-quality findings apart; a store another process holds is refused at once."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import iris
from graph.build import build
from graph.cli import main
from graph.store import open_store
from graph.vocab import ENTITIES_GRAPH
from tests.conftest import ROOT, minimal_study, write_jsonl

NCT = "NCT90000001"
OTHER = "NCT90000002"


def run(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capfd.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every entry under a folder, with a digest of its bytes and its modification time."""
    out = {}
    for path in sorted(folder.rglob("*")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        out[str(path.relative_to(folder))] = (digest, path.stat().st_mtime_ns)
    return out


@pytest.fixture
def loaded(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> str:
    store = str(tmp_path / "store")
    data = write_jsonl(tmp_path / "s.jsonl", [minimal_study(NCT), minimal_study(OTHER)])
    code, _, err = run(capfd, "load", str(data), "--store", store)
    assert code == 0, err
    return store


def quads_by_graph(store: str) -> dict[str, int]:
    with open_store(store, create=False) as handle:
        counts: dict[str, int] = {}
        for q in handle.quads():
            key = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
            counts[key] = counts.get(key, 0) + 1
        return counts


def subject_rows(store: str, nct: str) -> int:
    """Rows of the union graph about a trial (its node and its parts), duplicates across graphs included."""
    with open_store(store, create=False) as handle:
        return sum(1 for q in handle.quads()
                   if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(iris.trial(nct)))


# --- finding 5: a command that only reads never makes a store ---------------------------------------

READING = [
    ("stats",),
    ("query", "ASK { ?s ?p ?o }"),
    ("report", "run", "phase_status_summary"),
    ("export", "--format", "nquads"),
    ("validate",),
    ("network", "--stats"),
    ("serve", "--port", "0"),
    ("drop", "--trial", NCT),
    ("update", "INSERT DATA { tg:a tg:b 1 }"),
]


def _folder(tmp_path: Path, kind: str) -> Path:
    folder = tmp_path / kind
    folder.mkdir()
    if kind == "unrelated-file":
        (folder / "notes.txt").write_text("my notes\n", encoding="utf-8")
    elif kind == "tmp-like":  # what /tmp holds: files, folders, a socket-ish name
        (folder / "session.log").write_bytes(b"\x00\x01log")
        (folder / "cache").mkdir()
        (folder / "cache" / "entry").write_text("x", encoding="utf-8")
        (folder / ".X11-unix").mkdir()
    return folder


@pytest.mark.parametrize("kind", ["empty", "unrelated-file", "tmp-like"])
@pytest.mark.parametrize("command", READING, ids=" ".join)
def test_a_reading_command_leaves_a_folder_that_is_not_a_store_untouched(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], command: tuple[str, ...], kind: str) -> None:
    folder = _folder(tmp_path, kind)
    before = snapshot(folder)
    if command[0] == "serve":  # in a process of its own: a server that did start would never return
        done = subprocess.run([sys.executable, "-m", "graph", *command, "--store", str(folder)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
        code, out, err = done.returncode, done.stdout, done.stderr
    else:
        code, out, err = run(capfd, *command, "--store", str(folder))
    assert code == 1, err
    assert out == ""
    assert f"error: {folder}: no store here — run 'trialgraph build' or 'trialgraph load' first" in err
    assert snapshot(folder) == before  # no RocksDB file, no lock file


@pytest.mark.parametrize("kind", ["unrelated-file", "tmp-like"])
@pytest.mark.parametrize("command", ["build", "load"])
def test_build_and_load_refuse_a_folder_holding_other_files(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], command: str, kind: str) -> None:
    data = write_jsonl(tmp_path / "s.jsonl", [minimal_study()])
    folder = _folder(tmp_path, kind)
    before = snapshot(folder)
    argv = ["build", "--no-open-reference"] if command == "build" else ["load", str(data)]
    code, _, err = run(capfd, *argv, "--store", str(folder))
    assert code == 1
    assert "holds other files" in err and "is not a store" in err
    assert snapshot(folder) == before


def test_load_makes_a_store_in_an_empty_or_missing_folder_which_then_opens_to_read(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    data = write_jsonl(tmp_path / "s.jsonl", [minimal_study()])
    empty = _folder(tmp_path, "empty")
    for folder in (empty, tmp_path / "new" / "store"):
        code, _, err = run(capfd, "load", str(data), "--store", str(folder))
        assert code == 0, err
        code, out, _ = run(capfd, "stats", "--format", "json", "--store", str(folder))
        assert code == 0 and json.loads(out)["trials"] == 1


def test_a_store_made_without_a_lock_file_still_opens(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """A store as earlier versions (or pyoxigraph itself) made it: the database files only."""
    folder = tmp_path / "old"
    old = ox.Store(str(folder))
    old.add(ox.Quad(ox.NamedNode(iris.trial(NCT)), ox.NamedNode("https://w3id.org/trialgraph/vocab#nctId"),
                    ox.Literal(NCT), ox.NamedNode(iris.trial_graph(NCT))))
    old.flush()
    del old
    code, out, err = run(capfd, "query", "SELECT ?n WHERE { ?t tg:nctId ?n }", "--format", "csv", "--store", str(folder))
    assert code == 0, err
    assert out.splitlines() == ["n", NCT]


# --- finding 6: an export loaded back replaces its graphs -------------------------------------------


@pytest.mark.parametrize("fmt", ["turtle", "ntriples"])
def test_a_trial_exported_and_loaded_back_is_not_doubled(loaded: str, tmp_path: Path,
                                                          capfd: pytest.CaptureFixture[str], fmt: str) -> None:
    before, rows = quads_by_graph(loaded), subject_rows(loaded, NCT)
    path = tmp_path / f"trial.{'ttl' if fmt == 'turtle' else 'nt'}"
    code, _, err = run(capfd, "export", "--trial", NCT, "--format", fmt, "-o", str(path), "--store", loaded)
    assert code == 0, err
    for _ in range(2):  # once, and again
        code, _, err = run(capfd, "load", str(path), "--store", loaded)
        assert code == 0, err
        assert subject_rows(loaded, NCT) == rows
        assert quads_by_graph(loaded) == before  # no file graph, every graph as it was


def test_an_edited_export_replaces_what_it_says_of_its_trial(loaded: str, tmp_path: Path,
                                                              capfd: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "trial.ttl"
    assert run(capfd, "export", "--trial", NCT, "-o", str(path), "--store", loaded)[0] == 0
    text = path.read_text(encoding="utf-8")
    assert f'"A Test Study {NCT}"' in text
    path.write_text(text.replace(f'"A Test Study {NCT}"', '"An edited title"'), encoding="utf-8")
    assert run(capfd, "load", str(path), "--store", loaded)[0] == 0
    code, out, _ = run(capfd, "query", f"SELECT ?g ?t WHERE {{ GRAPH ?g {{ clinicaltrials:{NCT} tg:briefTitle ?t }} }}",
                       "--format", "csv", "--store", loaded)
    assert out.splitlines()[1:] == [f"{iris.trial_graph(NCT)},An edited title"]


def test_an_export_loads_into_a_fresh_store_once_however_often(loaded: str, tmp_path: Path,
                                                                 capfd: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "trial.ttl"
    assert run(capfd, "export", "--trial", NCT, "-o", str(path), "--store", loaded)[0] == 0
    fresh = str(tmp_path / "fresh")
    counts = []
    for _ in range(2):
        assert run(capfd, "load", str(path), "--store", fresh)[0] == 0
        counts.append(quads_by_graph(fresh))
    assert counts[0] == counts[1]
    # the single trial's graph holds the whole export: no copy in a file graph
    assert set(counts[0]) == {iris.trial_graph(NCT)}
    with open_store(loaded, create=False) as src:
        exported = {(q.subject, q.predicate, q.object) for q in ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE)}
        assert len(exported) == counts[0][iris.trial_graph(NCT)]
        assert len(exported) > len(list(src.quads(iris.trial_graph(NCT))))  # the entities' statements too


def test_an_export_of_two_trials_and_one_of_a_whole_graph_load_back_unchanged(
        loaded: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    before = quads_by_graph(loaded)
    both, entities = tmp_path / "both.nt", tmp_path / "entities.ttl"
    assert run(capfd, "export", "--trial", NCT, "--trial", OTHER, "-o", str(both), "--store", loaded)[0] == 0
    assert run(capfd, "export", "--graph", ENTITIES_GRAPH, "-o", str(entities), "--store", loaded)[0] == 0
    for path in (both, entities, both):
        code, _, err = run(capfd, "load", str(path), "--store", loaded)
        assert code == 0, err
        assert quads_by_graph(loaded) == before


def test_a_foreign_turtle_file_still_goes_to_its_file_graph(loaded: str, tmp_path: Path,
                                                             capfd: pytest.CaptureFixture[str]) -> None:
    before = quads_by_graph(loaded)
    path = tmp_path / "notes.ttl"
    # a comment that is not trialgraph's header, and a triple the store already has
    path.write_text(f"# my notes on <{iris.trial_graph(NCT)}>\n"
                    f'<{iris.trial(NCT)}> <https://w3id.org/trialgraph/vocab#nctId> "{NCT}" .\n'
                    f'<{iris.trial(NCT)}> <http://www.w3.org/2000/01/rdf-schema#comment> "checked" .\n',
                    encoding="utf-8")
    for _ in range(2):
        assert run(capfd, "load", str(path), "--store", loaded)[0] == 0
        after = quads_by_graph(loaded)
        assert after == {**before, iris.graph_for_file("notes.ttl"): 2}


def test_quad_formats_still_replace_their_graphs(loaded: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    before = quads_by_graph(loaded)
    path = tmp_path / "all.nq"
    assert run(capfd, "export", "-o", str(path), "--store", loaded)[0] == 0
    for _ in range(2):
        assert run(capfd, "load", str(path), "--store", loaded)[0] == 0
        assert quads_by_graph(loaded) == before


# --- finding 6: drop and update ---------------------------------------------------------------------


def test_drop_removes_a_trial_graph_and_counts_it(loaded: str, capfd: pytest.CaptureFixture[str]) -> None:
    before = quads_by_graph(loaded)
    code, out, err = run(capfd, "drop", "--trial", NCT, "--store", loaded)
    assert code == 0 and out == ""
    n = before[iris.trial_graph(NCT)]
    assert f"dropped {iris.trial_graph(NCT)}: {n:,} quads" in err
    assert f"dropped 1 graph(s), {n:,} quads" in err
    after = quads_by_graph(loaded)
    assert iris.trial_graph(NCT) not in after
    assert after == {g: c for g, c in before.items() if g != iris.trial_graph(NCT)}


def test_drop_of_an_unknown_graph_or_trial_drops_nothing(loaded: str, capfd: pytest.CaptureFixture[str]) -> None:
    before = quads_by_graph(loaded)
    code, _, err = run(capfd, "drop", "--trial", NCT, "--trial", "NCT99999999", "--store", loaded)
    assert code == 1 and "NCT99999999 (no such trial)" in err and "nothing was dropped" in err
    code, _, err = run(capfd, "drop", "tgg:no-such-graph", "--trial", NCT, "--store", loaded)
    assert code == 1 and "https://w3id.org/trialgraph/graph/no-such-graph" in err
    code, _, err = run(capfd, "drop", "--trial", "NCT123", "--store", loaded)
    assert code == 1 and "--trial NCT123: not an NCT id" in err
    assert run(capfd, "drop", "--store", loaded)[0] == 2
    assert quads_by_graph(loaded) == before


def test_drop_takes_several_graphs_by_iri_and_curie(loaded: str, capfd: pytest.CaptureFixture[str]) -> None:
    before = quads_by_graph(loaded)
    code, _, err = run(capfd, "drop", f"<{iris.trial_graph(NCT)}>", f"tgg:trial/{OTHER}", "--store", loaded)
    assert code == 0, err
    removed = before[iris.trial_graph(NCT)] + before[iris.trial_graph(OTHER)]
    assert f"dropped 2 graph(s), {removed:,} quads" in err
    assert set(quads_by_graph(loaded)) == set(before) - {iris.trial_graph(NCT), iris.trial_graph(OTHER)}


NOTES = "https://w3id.org/trialgraph/graph/notes"


@pytest.mark.parametrize("sparql", [
    "DROP ALL", "DROP DEFAULT", "DROP NAMED", f"DROP GRAPH <{iris.trial_graph(NCT)}>", "CLEAR ALL",
    "DELETE WHERE { GRAPH ?g { ?s tg:briefTitle ?t } }",
    "DELETE { GRAPH ?g { ?s tg:briefTitle ?t } } INSERT { GRAPH ?g { ?s tg:briefTitle 'x' } } "
    "WHERE { GRAPH ?g { ?s tg:briefTitle ?t } }",
    "DELETE { GRAPH ?g { ?s tg:briefTitle ?t } } WHERE { GRAPH ?g { ?s tg:briefTitle ?t } }",
    f"MOVE <{iris.trial_graph(NCT)}> TO <{NOTES}>", f"COPY <{iris.trial_graph(NCT)}> TO <{iris.trial_graph(OTHER)}>",
    f"INSERT DATA {{ GRAPH <{NOTES}> {{ tg:a tg:b 1 }} }} ; DROP GRAPH <{iris.trial_graph(NCT)}>",
])
def test_a_destructive_update_needs_yes(loaded: str, capfd: pytest.CaptureFixture[str], sparql: str) -> None:
    with open_store(loaded, create=False) as handle:  # something in the default graph too
        handle.update("INSERT DATA { tg:a tg:b 1 }")
    before = all_quads(loaded)
    code, _, err = run(capfd, "update", sparql, "--store", loaded)
    assert code == 1 and "give --yes to run it" in err, err
    assert all_quads(loaded) == before
    code, _, err = run(capfd, "update", "--yes", sparql, "--store", loaded)
    assert code == 0, err
    assert all_quads(loaded) != before


def all_quads(store: str) -> set[ox.Quad]:
    with open_store(store, create=False) as handle:
        return set(handle.quads())


def test_an_update_that_adds_or_names_its_triples_runs(loaded: str, tmp_path: Path,
                                                       capfd: pytest.CaptureFixture[str]) -> None:
    before = quads_by_graph(loaded)
    code, _, err = run(capfd, "update", f"INSERT DATA {{ GRAPH <{NOTES}> {{ clinicaltrials:{NCT} rdfs:comment 'checked' }} }}",
                       "--store", loaded)
    assert code == 0, err
    total = sum(before.values())
    assert f"update done (INSERT DATA): the store holds {total + 1:,} quads (+1)" in err
    assert quads_by_graph(loaded) == {**before, NOTES: 1}
    script = tmp_path / "undo.ru"
    script.write_text(f"DELETE DATA {{ GRAPH <{NOTES}> {{ clinicaltrials:{NCT} rdfs:comment 'checked' }} }}",
                      encoding="utf-8")
    code, _, err = run(capfd, "update", "-f", str(script), "--store", loaded)
    assert code == 0 and f"the store holds {total:,} quads (-1)" in err
    assert quads_by_graph(loaded) == before


@pytest.mark.parametrize("sparql", [
    "LOAD <http://127.0.0.1:9/x.ttl>",
    "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "INSERT { ?s ?p ?o } WHERE { SERV\\u0049CE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
])
def test_update_refuses_service_and_load(loaded: str, capfd: pytest.CaptureFixture[str], sparql: str) -> None:
    before = quads_by_graph(loaded)
    code, _, err = run(capfd, "update", "--yes", sparql, "--store", loaded)
    assert code == 1 and "is refused: it would fetch URLs" in err and "--allow-service" in err
    assert quads_by_graph(loaded) == before


def test_a_malformed_or_failing_update_is_a_clear_error(loaded: str, capfd: pytest.CaptureFixture[str]) -> None:
    before = quads_by_graph(loaded)
    code, _, err = run(capfd, "update", "INSERT DATA { tg:a tg:b ", "--store", loaded)
    assert code == 1 and "error: malformed SPARQL update:" in err
    code, _, err = run(capfd, "update", "--yes", "DROP GRAPH tgg:nothing", "--store", loaded)
    assert code == 1 and "error: the update was not run:" in err and "Traceback" not in err
    assert quads_by_graph(loaded) == before


def test_query_given_an_update_points_at_update_and_drop(loaded: str, capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capfd, "query", f"DROP GRAPH <{iris.trial_graph(NCT)}>", "--store", loaded)
    assert code == 1
    assert "trialgraph update" in err and "trialgraph drop" in err


# --- finding 9: validate --------------------------------------------------------------------------


@pytest.fixture
def findings_store(tmp_path: Path) -> Path:
    """The seeds, and a well-formed record whose condition and drug nothing links (findings only)."""
    store_dir = tmp_path / "store"
    study = minimal_study("NCT90000777", protocolSection__conditionsModule={"conditions": ["Zzyzx syndrome"]},
                          protocolSection__armsInterventionsModule={
                              "interventions": [{"type": "DRUG", "name": "Notarealumab"}]})
    del study["derivedSection"]
    with open_store(store_dir) as store:
        assert build(store, err=io.StringIO(), progress=False, open_reference=False).ok
        from graph.loader import Loader

        assert Loader(store, err=io.StringIO(), progress=False).load([write_jsonl(tmp_path / "x.jsonl", [study])]).ok
    return store_dir


def test_validate_passes_with_findings_and_fails_with_strict(findings_store: Path,
                                                            capfd: pytest.CaptureFixture[str]) -> None:
    code, text, err = run(capfd, "validate", "--store", str(findings_store))
    assert code == 0, text + err
    lines = text.splitlines()
    assert lines[0].startswith("SHACL validation: the graph conforms")
    verdict = lines[-1]
    assert verdict.startswith("verdict: valid — the shapes hold; ")
    assert "data-quality finding(s)" in verdict and "check_conditions_without_mesh" in verdict
    assert "check_unlinked_drug_interventions" in verdict and "--strict makes them fail" in verdict
    code, text, _ = run(capfd, "validate", "--strict", "--store", str(findings_store))
    assert code == 1
    assert text.splitlines()[-1].startswith("verdict: NOT valid — the shapes hold; ")

    code, out, _ = run(capfd, "validate", "--format", "json", "--store", str(findings_store))
    assert code == 0
    report = json.loads(out)
    assert report["conforms"] is True and report["ok"] is True and report["violations"] == []
    assert report["findings"] == sum(c["count"] for c in report["checks"]) > 0
    assert report["findings_by_check"]["check_conditions_without_mesh"] >= 1
    assert report["findings_by_check"]["check_unlinked_drug_interventions"] >= 1
    code, out, _ = run(capfd, "validate", "--format", "json", "--strict", "--store", str(findings_store))
    assert code == 1 and json.loads(out)["ok"] is False and json.loads(out)["conforms"] is True


def test_validate_says_what_it_skipped(findings_store: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(capfd, "validate", "--no-checks", "--store", str(findings_store))
    assert code == 0
    assert "every data-quality check is empty" not in text
    assert "data-quality checks: skipped (--no-checks)" in text.splitlines()
    assert text.splitlines()[-1] == "verdict: valid — the shapes hold; the data-quality checks were skipped"
    code, out, _ = run(capfd, "validate", "--no-checks", "--format", "json", "--store", str(findings_store))
    assert json.loads(out)["checks_run"] is False and json.loads(out)["checks"] == []
    code, text, _ = run(capfd, "validate", "--no-shapes", "--store", str(findings_store))
    assert code == 0
    assert text.splitlines()[0] == "SHACL validation: skipped (--no-shapes)"
    assert text.splitlines()[-1].startswith("verdict: valid — the shapes were skipped; ")


# --- finding 10: a store another process holds ----------------------------------------------------


def test_load_into_a_store_held_by_another_process_exits_at_once(loaded: str, tmp_path: Path,
                                                                 capfd: pytest.CaptureFixture[str]) -> None:
    data = write_jsonl(tmp_path / "more.jsonl", [minimal_study("NCT90000003")])
    with open_store(loaded, create=False):  # holds the lock, as 'trialgraph serve' does
        started = time.monotonic()
        code, _, err = run(capfd, "load", str(data), "--store", loaded)
        took = time.monotonic() - started
    assert code == 1 and "store is busy" in err
    assert took < 5
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`trialgraph load` waits" not in readme
    assert "is refused at once" in readme
