"""Crash safety: ``trialgraph load`` killed with SIGKILL at random points of a load of a few thousand
synthetic registry records (``bench/synth.py``), in one process and with ``--workers 2``.

After every kill the store must open (rolling back the batch the killed load was writing), answer
queries, and hold only whole trials: every named graph in it is, quad for quad, the graph a clean
load makes of that record (so it has its provenance — ``tg:TrialRecord``, ``tg:recordHash`` — and
its trial with ``tg:nctId``). Loading again must then converge to exactly the quads of a clean
load. Both loads run with the same ``SOURCE_DATE_EPOCH``, so load times agree too.

Kills are timed three ways: by the store's journal (it exists while a batch is written, so the
kill lands inside a write and exercises the rollback), right after a batch was committed (the
progress lines on stderr count the quads written), and at a random share of the input (progress
lines again). The test checks that at least one kill rolled back a write and that at least one
left a store with some but not all trials, so a store that is not crash-safe cannot pass.

The load is the command line itself, with the loader's batch size capped (:data:`BATCH_QUADS`) so
that a load of this size is written in several batches whatever the default is.
"""

from __future__ import annotations

import os
import random
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest

from graph import vocab
from graph.loader import HANDOVER_PREFIX
from graph.store import JOURNAL, EmbeddedStore, open_store
from graph.vocab import TG, TRIAL_GRAPH_NS
from tests.conftest import ROOT, bench_script, synthetic_registry

#: Studies in the synthetic registry (every one about 300 quads, some with a results section).
STUDIES = 2000
EPOCH = "1700000000"
#: The graph where records add what they state about shared entities (sponsors, sites, people ...),
#: if the store has one: it is added to, never rolled back, so after a kill it may hold facts of
#: trials the rollback removed — but never a fact a clean load would not make.
ENTITIES = getattr(vocab, "ENTITIES_GRAPH", None)
#: The largest batch the loader writes in these loads (about 330 studies).
BATCH_QUADS = 100_000
#: (how the kill is timed, --workers) for each attempt, in order.
ATTEMPTS = (("journal", 1), ("committed", 2), ("journal", 2), ("progress", 1))
PROGRESS = re.compile(r"^progress: ([\d,]+) studies \([^)]*\), ([\d,]+) quads")
#: ``trialgraph load`` with the batch size capped.
LOAD = f"""
import sys
import graph.loader
assert hasattr(graph.loader, "BATCH_QUADS"), "the loader no longer has BATCH_QUADS: update tests/test_crash.py"
graph.loader.BATCH_QUADS = min(graph.loader.BATCH_QUADS, {BATCH_QUADS})
from graph.cli import main
sys.exit(main(sys.argv[1:]))
"""


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), SOURCE_DATE_EPOCH=EPOCH, TRIALGRAPH_PROGRESS_INTERVAL="0.2")


def load_command(source: Path, store: Path, workers: int) -> list[str]:
    return [sys.executable, "-c", LOAD, "load", str(source), "--store", str(store), "--workers", str(workers)]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few thousand synthetic studies as JSON Lines (deterministic from the seed)."""
    return synthetic_registry(tmp_path_factory.mktemp("registry"), STUDIES, seed=8)


Digests = dict[str, tuple[int, int]]


def entity_quads(store: EmbeddedStore) -> set[str]:
    return {str(q) for q in store.quads(ENTITIES)} if ENTITIES and store.has_graph(ENTITIES) else set()


def graph_digests(store: EmbeddedStore) -> Digests:
    """Per named graph (``""`` for the default graph): its number of quads and an order-free hash of them."""
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for quad in store.quads():
        graph = getattr(quad.graph_name, "value", "")
        entry = found[graph]
        entry[0] += 1
        entry[1] = (entry[1] + hash(str(quad))) & 0xFFFFFFFFFFFFFFFF
    return {graph: (n, h) for graph, (n, h) in found.items()}


class Clean:
    """What an uninterrupted load of the registry makes: each graph's digest, and the entity facts."""

    def __init__(self, digests: Digests, entities: set[str]) -> None:
        self.digests = digests
        self.entities = entities


@pytest.fixture(scope="module")
def clean(registry: Path, tmp_path_factory: pytest.TempPathFactory) -> Clean:
    store_dir = tmp_path_factory.mktemp("clean") / "store"
    done = subprocess.run(load_command(registry, store_dir, 2), env=env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    with open_store(store_dir, create=False) as store:
        result = Clean(graph_digests(store), entity_quads(store))
    assert len(set(result.digests) - {ENTITIES}) == STUDIES and "" not in result.digests
    return result


class Watched:
    """A load in a subprocess whose stderr is read as it comes (for its progress lines)."""

    def __init__(self, command: list[str], environment: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(command, env=environment or env(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.studies = self.quads = 0
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            match = PROGRESS.match(line)
            if match:
                self.studies = int(match.group(1).replace(",", ""))
                self.quads = int(match.group(2).replace(",", ""))

    def kill(self) -> None:
        """SIGKILL the load, then whatever it started (its worker processes), by process group."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._reader.join(timeout=10)


def run_and_kill(command: list[str], store_dir: Path, mode: str, rng: random.Random) -> bool:
    """Start a load and SIGKILL it at a random point; False when it finished first."""
    watched = Watched(command)
    target = int(STUDIES * rng.uniform(0.25, 0.9))
    deadline = time.monotonic() + 300
    try:
        while watched.proc.poll() is None and time.monotonic() < deadline:
            if mode == "journal" and (store_dir / JOURNAL).exists():
                time.sleep(rng.uniform(0.0, 0.5))  # somewhere inside the write of a batch
                break
            if mode == "committed" and watched.quads > 0:  # a batch was written: kill soon after
                time.sleep(rng.uniform(0.0, 0.3))
                break
            if mode == "progress" and watched.studies >= target:
                break
            time.sleep(0.005)
        finished = watched.proc.poll() is not None
    finally:
        watched.kill()
    if finished:
        assert watched.proc.returncode == 0, "".join(watched.lines)[-2000:]
    return not finished


def check_whole_trials(store: EmbeddedStore, clean: Clean) -> int:
    """The store answers queries and holds only whole trials; the number of trials it holds."""
    answer = store.query("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { GRAPH ?g { ?t a tg:Trial ; tg:nctId ?id } }")
    trials = int(next(iter(answer))["n"].value)  # type: ignore[index]
    shared = f"FILTER(?g != <{ENTITIES}>)" if ENTITIES else ""
    missing = list(store.query(f"""SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {shared}
        FILTER NOT EXISTS {{ GRAPH ?g {{ ?g a <{TG.TrialRecord}> ; <{TG.recordHash}> ?h ; <{TG.describes}> ?t .
                                     ?t a <{TG.Trial}> ; <{TG.nctId}> ?id }} }} }} LIMIT 3"""))
    assert missing == [], f"graphs without their provenance or trial: {missing}"
    digests = graph_digests(store)
    digests.pop(ENTITIES, None)  # type: ignore[arg-type]
    assert "" not in digests, "quads outside the named graphs"
    partial = [g for g, digest in digests.items() if clean.digests.get(g) != digest]
    assert partial == [], f"{len(partial)} graph(s) differ from a clean load, e.g. {partial[:3]}"
    assert trials == len(digests)
    stray = entity_quads(store) - clean.entities
    assert not stray, f"{len(stray)} entity fact(s) a clean load does not make, e.g. {sorted(stray)[:2]}"
    return trials


@pytest.mark.slow
def test_killed_loads_leave_whole_trials_and_a_rerun_converges(registry: Path, clean: Clean,
                                                               tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("TRIALGRAPH_CRASH_SEED", "20240611")))
    store_dir = tmp_path / "killed"
    rolled_back = partial = 0
    history = []
    for mode, workers in ATTEMPTS:
        killed = run_and_kill(load_command(registry, store_dir, workers), store_dir, mode, rng)
        with open_store(store_dir) as store:  # opens; rolls back the batch being written, if any
            recovered = len(store.recovered)
            trials = check_whole_trials(store, clean)
        history.append((mode, workers, killed, recovered, trials))
        rolled_back += recovered > 0
        partial += 0 < trials < STUDIES
    assert rolled_back >= 1, f"no kill landed inside a write: {history}"
    assert partial >= 1, f"no kill left a partly loaded store: {history}"

    done = subprocess.run(load_command(registry, store_dir, 2), env=env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    with open_store(store_dir, create=False) as store:
        assert store.recovered == []
        assert graph_digests(store) == clean.digests


def test_a_journal_left_by_a_killed_load_is_rolled_back_on_open(tmp_path: Path) -> None:
    """The rollback itself, made deterministic: a batch half-written when the process died."""
    from graph import iris
    from graph.loader import Loader
    from tests.conftest import minimal_study, write_jsonl

    store_dir = tmp_path / "store"
    with open_store(store_dir) as store:
        Loader(store, progress=False, err=open(os.devnull, "w")).load(
            [write_jsonl(tmp_path / "a.jsonl", [minimal_study("NCT90000001")])])
        before = graph_digests(store)
        half = iris.trial_graph("NCT90000002")
        store.update(f'INSERT DATA {{ GRAPH <{half}> {{ <{iris.trial("NCT90000002")}> a tg:Trial }} }}')
        store._journal([half])  # what write_graphs records before it writes  # noqa: SLF001
    assert (store_dir / JOURNAL).exists()
    with open_store(store_dir) as store:
        assert store.recovered == [half]
        assert graph_digests(store) == before
    assert not (store_dir / JOURNAL).exists()


def test_the_check_finds_a_half_written_trial(tmp_path: Path) -> None:
    """The checks above can fail: a trial graph that lost a quad, or its provenance, is found."""
    import io

    import pyoxigraph as ox

    from graph import iris
    from graph.loader import Loader
    from tests.conftest import minimal_study, write_jsonl

    source = write_jsonl(tmp_path / "two.jsonl", [minimal_study("NCT90000001"), minimal_study("NCT90000002")])
    whole = open_store("memory:")
    Loader(whole, progress=False, err=io.StringIO()).load([source])
    clean = Clean(graph_digests(whole), entity_quads(whole))
    assert check_whole_trials(whole, clean) == 2
    graph = ox.NamedNode(iris.trial_graph("NCT90000002"))
    for predicate in (None, TG.recordHash):  # a quad of the trial's content lost; then its provenance
        half = open_store("memory:")
        quads = [q for q in whole.quads()]
        dropped = next(q for q in quads if q.graph_name == graph
                       and (predicate is None and q.predicate != ox.NamedNode(TG.recordHash)
                            or predicate is not None and q.predicate == ox.NamedNode(predicate)))
        half._store.extend([q for q in quads if q != dropped])  # noqa: SLF001
        with pytest.raises(AssertionError, match="differ from a clean load|without their provenance"):
            check_whole_trials(half, clean)


def load_workers(watched: Watched) -> list[int]:
    """The worker processes of a load: the forkserver's children (told apart by parent, not by number:
    process ids wrap around, so the forkserver may have the higher one)."""
    children = bench_script("measure").children
    forkservers = [pid for pid in children(watched.proc.pid)
                   if "forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]
    assert len(forkservers) == 1, forkservers
    workers = children(forkservers[0])
    assert len(workers) == 2, workers
    return workers


def exit_code_or_stacks(watched: Watched, killed: int, workers: list[int]) -> int:
    """The load's exit code; if it does not end within 120 s, fail with every thread's stack."""
    try:
        return watched.proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        watched.proc.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
        try:
            watched.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        watched._reader.join(timeout=5)  # noqa: SLF001
        pytest.fail(f"the load went on waiting for a killed worker (pid {killed} of {workers}); "
                    "where it waited:\n" + "".join(watched.lines[-80:]))


def check_stopped_then_rerun(watched: Watched, code: int, registry: Path, store_dir: Path) -> None:
    text = "".join(watched.lines)
    assert code == 1, text[-2000:]
    assert "a worker process stopped while mapping records" in text and "Traceback" not in text, text[-2000:]
    with open_store(store_dir, create=False) as store:
        trials_before = len([g for g in store.named_graphs() if g.startswith(TRIAL_GRAPH_NS)])
    assert trials_before < STUDIES
    done = subprocess.run(load_command(registry, store_dir, 2), env=env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"({STUDIES - trials_before:,} new, 0 changed, {trials_before:,} unchanged)" in done.stderr


def started(watched: Watched) -> None:
    deadline = time.monotonic() + 120
    while watched.studies == 0 and watched.proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert watched.studies > 0, "".join(watched.lines[-20:])


def faulthandled(command: list[str]) -> list[str]:
    return command[:1] + ["-X", "faulthandler"] + command[1:]  # so that a hung load can show its threads


def test_a_worker_killed_mid_load_stops_the_load_with_a_message_and_a_rerun_completes(
        registry: Path, tmp_path: Path) -> None:
    """The system may kill a worker (out of memory): the load must say so and stop, not wait forever."""
    store_dir = tmp_path / "worker-killed"
    watched = Watched(faulthandled(load_command(registry, store_dir, 2)))
    try:
        started(watched)
        workers = load_workers(watched)
        os.kill(workers[-1], signal.SIGKILL)
        code = exit_code_or_stacks(watched, workers[-1], workers)
    finally:
        watched.kill()
    check_stopped_then_rerun(watched, code, registry, store_dir)


def test_a_worker_killed_while_its_results_wait_to_be_read_stops_the_load(
        registry: Path, tmp_path: Path) -> None:
    """A worker killed while it hands its results over must not leave the load waiting for the rest of
    them. The load is stopped (SIGSTOP) so that nothing reads what the workers send; once one is
    blocked writing into the pipe to the load, or both have gone quiet, that one is killed and the
    load resumed. (When results went through the executor's pipe, a worker killed half-way through
    writing one left the load waiting forever for the rest of it.)"""
    store_dir = tmp_path / "worker-killed-sending"
    watched = Watched(faulthandled(load_command(registry, store_dir, 2)))
    try:
        started(watched)
        workers = load_workers(watched)
        os.kill(watched.proc.pid, signal.SIGSTOP)
        try:
            # wait for one blocked writing into the pipe to the load (the kernel names the wait), or
            # for both to go quiet
            cpu_seconds = bench_script("measure").cpu_seconds
            before, deadline, writing = [cpu_seconds(pid) for pid in workers], time.monotonic() + 30, []
            while time.monotonic() < deadline:
                time.sleep(0.5)
                writing = [pid for pid in workers
                           if Path(f"/proc/{pid}/wchan").read_text().endswith("pipe_write")]
                now = [cpu_seconds(pid) for pid in workers]
                if writing or now == before:
                    break
                before = now
            killed = (writing or workers)[-1]
            os.kill(killed, signal.SIGKILL)
        finally:
            os.kill(watched.proc.pid, signal.SIGCONT)
        code = exit_code_or_stacks(watched, killed, workers)
    finally:
        watched.kill()
    check_stopped_then_rerun(watched, code, registry, store_dir)


def test_what_a_killed_load_handed_over_is_removed_by_the_next_load(registry: Path, tmp_path: Path) -> None:
    """Workers hand their results over through files in a temporary directory, which a killed load
    cannot remove; the next load removes it (its process is gone), and leaves other loads' alone."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    environment = dict(env(), TMPDIR=str(temporary))
    store_dir = tmp_path / "killed"
    running = temporary / f"{HANDOVER_PREFIX}{os.getpid()}-x"  # as if this process were loading
    running.mkdir()
    watched = Watched(load_command(registry, store_dir, 2), environment)
    try:
        started(watched)
        killed = watched.proc.pid
    finally:
        watched.kill()

    def ours() -> list[str]:  # (multiprocessing leaves a directory of its own too)
        return sorted(p.name for p in temporary.glob(HANDOVER_PREFIX + "*"))

    assert any(name.startswith(f"{HANDOVER_PREFIX}{killed}-") for name in ours()), ours()
    done = subprocess.run(load_command(registry, store_dir, 2), env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert ours() == [running.name]


def test_workers_that_cannot_hand_their_results_over_stop_the_load_with_a_message(registry: Path) -> None:
    """A temporary directory without room (here: files capped at 1 MB, as a full disk would refuse
    them) stops the load with a message that says where and what to do, not a traceback."""
    def capped() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    done = subprocess.run(load_command(registry, Path("memory:"), 2), env=env(), capture_output=True,
                          text=True, preexec_fn=capped, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "cannot write the workers' results there (File too large)" in done.stderr, done.stderr[-2000:]
    assert "set TMPDIR to another one" in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]


#: Writes one batch through each path of ``write_graphs`` and is killed before it can close the store.
WRITE_THEN_DIE = """
import os, signal, sys
from graph.store import GraphWrite, open_store
store = open_store(sys.argv[1])
flushes = []
inner = store._store
class Counting:  # counts the store's flushes; everything else goes to the store itself
    def __getattr__(self, name):
        return getattr(inner, name)
    def flush(self):
        flushes.append(1)
        inner.flush()
store._store = Counting()
new = "".join(f"<urn:s{i}> <urn:p> \\"{i}\\" <urn:g:new> .\\n" for i in range(1000))
store.write_graphs([GraphWrite("urn:g:new", new, replace=False)], bulk=True, trusted=True)
after_bulk = len(flushes)
old = "".join(f"<urn:s{i}> <urn:p> \\"{i}\\" <urn:g:old> .\\n" for i in range(10))
store.write_graphs([GraphWrite("urn:g:old", old, replace=True)], bulk=True)
print(after_bulk, len(flushes), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_batch_of_the_bulk_loader_survives_a_kill_without_a_flush(tmp_path: Path) -> None:
    """The store's files from its bulk loader are part of it once the loader returns, so a batch of
    new graphs ends its journal without a flush (a flush would wait for compaction on every batch:
    big loads slowed as the store grew). A batch that replaces graphs, written in a transaction,
    is still flushed first. Both survive the process being killed right after."""
    store_dir = tmp_path / "store"
    with open_store(store_dir) as store:  # the graph the second write replaces
        store.update("INSERT DATA { GRAPH <urn:g:old> { <urn:s0> <urn:p> 'stale' } }")
    done = subprocess.run([sys.executable, "-c", WRITE_THEN_DIE, str(store_dir)], env=env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    assert done.stdout.split() == ["0", "1"], done.stdout  # no flush for the bulk batch; one for the other
    with open_store(store_dir, create=False) as store:
        assert store.recovered == []
        new = {q.object.value for q in store.quads("urn:g:new")}
        old = {q.object.value for q in store.quads("urn:g:old")}
    assert new == {str(i) for i in range(1000)}
    assert old == {str(i) for i in range(10)}
    assert not list(store_dir.glob(JOURNAL + "*"))
