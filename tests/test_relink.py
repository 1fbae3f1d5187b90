"""Load order does not matter: reference data loaded, replaced or dropped after the trials relinks
them from their kept records, and `trialgraph relink` does it on demand (issue: drugs and targets
for the whole registry, item 5)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT, shared
from graph.cli import cli
from graph.kept_records import FILE as KEPT_FILE
from graph.loader import Loader
from graph.store import EmbeddedStore
from graph.vocab import ENTITIES_GRAPH, TG

MESH = ROOT / "seeds" / "reference" / "mesh.tsv"
DRUGBANK = ROOT / "seeds" / "open" / "drugbank-vocabulary" / "drugbank_vocabulary.csv"
DRUGBANK_GRAPH = "https://w3id.org/trialgraph/graph/reference/drugbank-vocabulary"


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # every load states the same load time


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Real records both ways a reader hands them over: lines of JSON Lines (bytes, with mapping
    keys) and the studies of a JSON array (decoded, without)."""
    lines = shared("ctgov-json", "collections", "combined_unique_studies.jsonl").read_text(encoding="utf-8")
    folder = tmp_path_factory.mktemp("records")
    subset = folder / "subset.jsonl"
    subset.write_text("".join(lines.splitlines(keepends=True)[:30]), encoding="utf-8")
    array = folder / "nsclc-subset.json"
    studies = json.loads(shared("ctgov-json", "collections", "nsclcbench_ctg-studies.json").read_text(encoding="utf-8"))
    array.write_text(json.dumps(studies[:30]), encoding="utf-8")
    return [subset, array]


def _nct_ids(records: list[Path]) -> set[str]:
    lines, array = records
    studies = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines() if line.strip()]
    studies += json.loads(array.read_text(encoding="utf-8"))
    return {s["protocolSection"]["identificationModule"]["nctId"] for s in studies}


def _graph(store: EmbeddedStore) -> list[str]:
    return sorted(str(q) for q in store.quads())


def _load_in_order(steps: list[list[Path]], workers: int = 1) -> EmbeddedStore:
    store = EmbeddedStore("memory:")
    for paths in steps:
        summary = Loader(store, progress=False, workers=workers).load(paths)
        assert summary.ok, summary.errors
    return store


def test_every_order_of_records_and_reference_gives_the_same_graph(records: list[Path]) -> None:
    inputs = {"records": records, "mesh": [MESH], "drugbank": [DRUGBANK]}
    graphs = {}
    for order in itertools.permutations(inputs):
        graphs[order] = _graph(_load_in_order([inputs[name] for name in order]))
    first = graphs[("mesh", "drugbank", "records")]
    # the check can fail: the reference data links something in these records
    linked = [q for q in first if str(TG.drugLink) in q or str(TG.conditionMesh) in q]
    assert len(linked) > 50
    for order, graph in graphs.items():
        extra, missing = set(graph) - set(first), set(first) - set(graph)
        assert not extra and not missing, (order, sorted(extra)[:5], sorted(missing)[:5])


def test_relinking_without_it_gives_another_graph(records: list[Path]) -> None:
    """What the relink repairs: records mapped before the reference data came stay unlinked."""
    def load(steps: list[list[Path]], relink: bool) -> list[str]:
        store = EmbeddedStore("memory:")
        for paths in steps:
            Loader(store, progress=False, relink=relink).load(paths)
        return _graph(store)

    before = load([records, [MESH, DRUGBANK]], relink=False)
    after = load([records, [MESH, DRUGBANK]], relink=True)
    reference_first = load([[MESH, DRUGBANK], records], relink=False)
    assert after == reference_first
    assert before != reference_first


def test_dropping_a_reference_relinks_as_if_it_never_came(records: list[Path], tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    for paths in ([MESH, DRUGBANK], records):
        with EmbeddedStore(location) as store:
            Loader(store, progress=False).load(paths)
    runner = CliRunner()
    result = runner.invoke(cli, ["drop", DRUGBANK_GRAPH, "--store", location])
    assert result.exit_code == 0, result.output
    assert "relinked" in result.output and "changed" in result.output
    with EmbeddedStore(location) as store:
        dropped = _graph(store)
    assert dropped == _graph(_load_in_order([[MESH], records]))


def test_relink_command_and_kept_records(records: list[Path], tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    runner = CliRunner()
    result = runner.invoke(cli, ["load", *map(str, records), "--store", location])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "store" / KEPT_FILE).is_file()
    result = runner.invoke(cli, ["relink", "--store", location])
    assert result.exit_code == 0, result.output
    assert "already mapped with the reference data" in result.output
    result = runner.invoke(cli, ["load", str(MESH), "--no-relink", "--store", location])
    assert result.exit_code == 0, result.output
    assert "relinked" not in result.output
    result = runner.invoke(cli, ["relink", "--store", location, "--workers", "2"])
    assert result.exit_code == 0, result.output
    trials = len(_nct_ids(records))
    assert f"relinked {trials} trial(s)" in result.output
    assert "entities graph rebuilt" in result.output
    with EmbeddedStore(location) as store:
        graph = _graph(store)
        kept = len(store.kept())
    assert kept == trials
    assert graph == _graph(_load_in_order([[MESH], records]))
    # a dropped trial takes its kept record with it
    result = runner.invoke(cli, ["drop", "--trial", "NCT06576635", "--store", location])
    assert result.exit_code == 0, result.output
    with EmbeddedStore(location) as store:
        assert len(store.kept()) == trials - 1
        assert store.has_graph(ENTITIES_GRAPH)


def test_trials_without_kept_records_are_counted_and_left(records: list[Path], tmp_path: Path) -> None:
    """A trial whose record is not kept (a store of an earlier version) is not guessed at: it stays, is
    counted, and the entities graph is added to rather than rebuilt (its statements stay)."""
    store = EmbeddedStore("memory:")
    Loader(store, progress=False).load(records)
    store.kept().delete([next(iter(store.kept().graphs()))])
    Loader(store, progress=False, relink=False).load([MESH])
    summary = Loader(store, progress=False).relink()
    assert summary.not_kept == 1
    assert summary.studies == len(_nct_ids(records)) - 1
    assert summary.entity_statements is None
    assert "1 trial(s) have no kept record" in summary.relink_line()


def test_kept_record_round_trip_keeps_what_the_reader_gave(records: list[Path]) -> None:
    """Bytes stay bytes (and keep their mapping key), decoded studies come back as equal objects."""
    from graph.kept_records import KeptRecord
    from graph.readers import TRIAL_READERS

    for path in records:
        raw = next(r for r in TRIAL_READERS["ctgov-json"].read(path, str(path)))
        back = KeptRecord.of(raw)
        value = back.payload_value()
        assert type(value) is type(raw.payload)
        if isinstance(value, bytes):
            assert value == raw.payload
        else:
            assert json.dumps(value, sort_keys=True) == json.dumps(raw.payload, sort_keys=True)
