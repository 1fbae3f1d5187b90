"""Concurrent use of one on-disk store by several processes.

The decision (README, "One process at a time may open an on-disk store"): the embedded store is
opened by one process at a time. A process takes an exclusive lock on ``trialgraph.lock`` in the
store directory for as long as it has the store open; any other process — a query, a report, an
export, stats, validate, or a second load — is told at once that the store is busy, which process
holds it and what to do (wait, or query a running ``trialgraph serve``), and exits 1 without
touching the store. So a query never sees a half-loaded batch and two loads can never interleave
their writes. (pyoxigraph documents opening a store read-only while another process writes it as
undefined behaviour, so reading beside a load needs a snapshot; see the report of issue 8.)

These tests run a real ``trialgraph load`` of synthetic registry records in a subprocess and, while
it holds the store, run every command that opens a store; then two loads started at the same
moment (exactly one runs, and the store equals a clean load); then a query after the load.
"""

from __future__ import annotations

import io
import os
import pathlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from graph.cli import main
from graph.loader import Loader
from graph.store import LOCKFILE, open_store
from tests.conftest import ROOT, synthetic_registry
from tests.test_crash import graph_digests

STUDIES = 1500  #: enough that the load outlasts every command run beside it (600 did not always)
EPOCH = "1700000000"


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), SOURCE_DATE_EPOCH=EPOCH)


def load_command(source: Path, store: Path) -> list[str]:
    return [sys.executable, "-m", "graph", "load", str(source), "--store", str(store)]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_registry(tmp_path_factory.mktemp("registry"), STUDIES, seed=9)


@pytest.fixture(scope="module")
def clean(registry: Path) -> dict[str, tuple[int, int]]:
    """The graphs of an uninterrupted load of the registry, alone (in memory, same load time)."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        store = open_store("memory:")
        summary = Loader(store, progress=False, err=io.StringIO()).load([registry])
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
    assert summary.ok and summary.new == STUDIES
    return graph_digests(store)


def wait_for_lock(store_dir: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Until the process holds the store (the lock file names it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the load ended before it was seen holding the store"
        try:
            if (store_dir / LOCKFILE).read_text(encoding="utf-8") == f"trialgraph process {proc.pid}":
                return
        except FileNotFoundError:
            pass
        time.sleep(0.01)
    raise AssertionError("the load never took the store")


@pytest.fixture
def running_load(registry: Path, tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen]]:
    store_dir = tmp_path / "store"
    proc = subprocess.Popen(load_command(registry, store_dir), env=env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for_lock(store_dir, proc)
        yield store_dir, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


BUSY_COMMANDS = {
    "query": ["query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "json"],
    "report": ["report", "run", "phase_status_summary", "--format", "csv"],
    "stats": ["stats", "--format", "json"],
    "export": ["export", "--format", "nquads"],
    "validate": ["validate", "--format", "json"],
    "load": ["load", str(ROOT / "tests" / "data" / "bad" / "_companion" / "good.jsonl")],
}


def assert_busy(code: int, out: str, err: str, store_dir: Path, pid: int) -> None:
    assert code == 1
    assert out == ""  # nothing half-made on stdout
    message = err.strip().splitlines()[-1]
    assert message.startswith(f"error: {store_dir}: store is busy — "), err
    assert f"trialgraph process {pid} has it open" in message
    assert "Wait for it to finish" in message and "trialgraph serve" in message


def test_while_a_load_runs_every_command_is_told_the_store_is_busy_and_after_it_all_is_there(
        running_load: tuple[Path, subprocess.Popen], clean: dict[str, tuple[int, int]],
        capsys: pytest.CaptureFixture[str]) -> None:
    store_dir, proc = running_load
    for name, args in BUSY_COMMANDS.items():
        code = main([*args, "--store", str(store_dir)])
        captured = capsys.readouterr()
        assert_busy(code, captured.out, captured.err, store_dir, proc.pid)
    # and as a separate program, as a user would run it
    done = subprocess.run([sys.executable, "-m", "graph", "query", "ASK { ?s ?p ?o }", "--store", str(store_dir)],
                          env=env(), capture_output=True, text=True)
    assert_busy(done.returncode, done.stdout, done.stderr, store_dir, proc.pid)
    assert proc.poll() is None, "the load ended while the other commands ran: make the registry bigger"

    # the load was not disturbed, and once it is done every command works again
    assert proc.wait(timeout=600) == 0, proc.stderr.read() if proc.stderr else ""
    code = main(["query", "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a tg:Trial }", "--store", str(store_dir),
                 "--format", "csv"])
    assert code == 0
    assert capsys.readouterr().out.split() == ["n", str(STUDIES)]
    assert main(["stats", "--store", str(store_dir)]) == 0
    capsys.readouterr()
    with open_store(store_dir, create=False) as store:
        assert graph_digests(store) == clean


def test_two_loads_at_once_one_runs_and_the_store_equals_a_clean_load(
        registry: Path, clean: dict[str, tuple[int, int]], tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    store_dir.mkdir()  # see test_opening_a_store_another_process_is_creating for a new directory
    procs = [subprocess.Popen(load_command(registry, store_dir), env=env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = []
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        results.append((proc.returncode, err))
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1], results
    loser = next(err for code, err in results if code == 1)
    assert f"error: {store_dir}: store is busy — " in loser and "Traceback" not in loser, loser
    with open_store(store_dir, create=False) as store:
        assert store.recovered == []
        assert graph_digests(store) == clean


def test_opening_a_store_another_process_is_creating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes open a new store at the same moment: the other one makes the directory
    between this one's check and its mkdir (made deterministic here)."""
    original = pathlib.Path.mkdir

    def other_process_wins(self: pathlib.Path, *args: object, **kwargs: object) -> None:
        os.makedirs(self, exist_ok=True)  # the other process, a moment earlier
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pathlib.Path, "mkdir", other_process_wins)
    with open_store(tmp_path / "new-store") as store:
        assert len(store) == 0
