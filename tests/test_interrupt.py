"""Interrupted work says where it stands: Ctrl-C or SIGTERM during ``trialgraph load`` of the real
registry records leaves only whole trials, says how many records are in the store and how many are
not, and that running the same load again finishes it (which it does, to the content of an
uninterrupted load); after ``kill -9`` of a load with workers no process it started lives on.
Progress counts only what is committed, its ETA follows the rate of the commits, and a terminal
that does not say how wide it is gets plain progress lines.

The loads are the command line itself (as in ``tests/test_crash.py``), with the loader's batch
size capped so that the 479 records are written in several batches.
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from graph import progress as progress_module
from graph.progress import Progress
from graph.store import JOURNAL, open_store
from graph.vocab import TRIAL_GRAPH_NS
from tests.conftest import shared
from tests.test_crash import (
    Clean,
    Watched,
    check_whole_trials,
    entity_quads,
    env,
    graph_digests,
    load_workers,
    started,
)

#: The real records: 479 studies, one a line.
RECORDS = ("ctgov-json", "collections", "combined_unique_studies.jsonl")
STUDIES = 479
#: Quads per batch in these loads: about 70 studies, so 7 batches or so.
BATCH_QUADS = 20_000
LOAD = f"""
import sys
import graph.loader
graph.loader.BATCH_QUADS = min(graph.loader.BATCH_QUADS, {BATCH_QUADS})
from graph.cli import main
sys.exit(main(sys.argv[1:]))
"""
STANDS = re.compile(r"^interrupted by (?P<signal>.+?): (?P<done>[\d,]+) record\(s\) are in the store, each trial whole "
                    r"\((?P<new>[\d,]+) new, 0 changed, 0 unchanged\); (?P<left>[\d,]+) record\(s\) of the input "
                    r"are not loaded yet$", re.M)
AGAIN = "run the same 'trialgraph load' again to finish: it loads what is missing and skips what is already in the store"


def number(text: str) -> int:
    return int(text.replace(",", ""))


def command(source: Path, store: Path, workers: int) -> list[str]:
    return [sys.executable, "-c", LOAD, "load", str(source), "--store", str(store), "--workers", str(workers)]


@pytest.fixture(scope="module")
def records() -> Path:
    return shared(*RECORDS)


@pytest.fixture(scope="module")
def clean(records: Path, tmp_path_factory: pytest.TempPathFactory) -> Clean:
    """What an uninterrupted load of the records makes."""
    store_dir = tmp_path_factory.mktemp("clean") / "store"
    done = subprocess.run(command(records, store_dir, 1), env=env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    with open_store(store_dir, create=False) as store:
        result = Clean(graph_digests(store), entity_quads(store))
    assert len([g for g in result.digests if g.startswith(TRIAL_GRAPH_NS)]) == STUDIES
    return result


def interrupted_load(records: Path, store_dir: Path, workers: int, signum: int, group: bool) -> tuple[int, str]:
    """Start a load, send ``signum`` once a batch is committed (to the whole process group, as a
    terminal's Ctrl-C does, or to the load alone); its exit code and stderr."""
    watched = Watched(command(records, store_dir, workers))
    try:
        deadline = time.monotonic() + 120
        while watched.quads == 0 and watched.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert watched.proc.poll() is None, "the load ended before it was interrupted:\n" + "".join(watched.lines)[-2000:]
        (os.killpg if group else os.kill)(watched.proc.pid, signum)
        code = watched.proc.wait(timeout=120)
        watched._reader.join(timeout=10)  # noqa: SLF001
    finally:
        watched.kill()
    return code, "".join(watched.lines)


def check_stands_and_rerun(code: int, text: str, signum: int, records: Path, store_dir: Path, clean: Clean) -> None:
    assert code == 128 + signum, text[-2000:]
    assert "Traceback" not in text and "aborted" not in text, text[-2000:]
    stands = STANDS.search(text)
    assert stands is not None, text[-2000:]
    assert stands["signal"] == ("Ctrl-C (SIGINT)" if signum == signal.SIGINT else "SIGTERM")
    done, left = number(stands["done"]), number(stands["left"])
    assert 0 < done < STUDIES and done == number(stands["new"]), text[-2000:]
    assert done + left == STUDIES, text[-2000:]
    assert AGAIN in text, text[-2000:]
    # nothing half-written: no batch to roll back, and the trials said to be in the store are, each whole
    assert not list(store_dir.glob(JOURNAL + "*"))
    with open_store(store_dir, create=False) as store:
        assert store.recovered == []
        assert check_whole_trials(store, clean) == done

    again = subprocess.run(command(records, store_dir, 2), env=env(), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"({left:,} new, 0 changed, {done:,} unchanged)" in again.stderr, again.stderr[-2000:]
    with open_store(store_dir, create=False) as store:
        assert graph_digests(store) == clean.digests


def test_ctrl_c_says_how_many_records_are_in_and_a_rerun_finishes(records: Path, clean: Clean, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    code, text = interrupted_load(records, store_dir, 2, signal.SIGINT, group=True)
    check_stands_and_rerun(code, text, signal.SIGINT, records, store_dir, clean)


def test_sigterm_stops_a_load_the_same_way(records: Path, clean: Clean, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    code, text = interrupted_load(records, store_dir, 1, signal.SIGTERM, group=False)
    check_stands_and_rerun(code, text, signal.SIGTERM, records, store_dir, clean)


def group_processes(pgid: int) -> list[str]:
    """The live processes of a process group (zombies are not alive: they wait to be reaped)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended meanwhile
            continue
        state, _parent, group = stat[stat.rindex(")") + 2:].split()[:3]
        if int(group) == pgid and state != "Z":
            found.append(f"{entry.name} {cmdline[:100]}")
    return found


def test_nothing_a_killed_load_started_lives_on(records: Path, tmp_path: Path) -> None:
    """kill -9 of the loading process alone: its workers, the forkserver and the resource tracker
    end within seconds (before, the workers waited for tasks forever, and kept the others alive)."""
    watched = Watched(command(records, tmp_path / "store", 2))
    try:
        started(watched)
        workers = load_workers(watched)
        before = group_processes(watched.proc.pid)
        assert len(before) >= 4, before  # the load, the forkserver, two workers (and the resource tracker)
        os.kill(watched.proc.pid, signal.SIGKILL)
        watched.proc.wait()
        deadline = time.monotonic() + 10
        while group_processes(watched.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = group_processes(watched.proc.pid)
    finally:
        watched.kill()
    assert left == [], f"still running 10 s after the load was killed (workers were {workers}): {left}"


# --- progress ------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line.startswith("progress:")]


def test_the_count_never_goes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALGRAPH_PROGRESS_INTERVAL", "0")
    stream, clock = io.StringIO(), Clock()
    progress = Progress(1000, stream=stream, clock=clock)
    for done, count in ((100, 50), (80, 30), (300, 120)):  # a thread reporting late says less
        clock.now += 1
        progress.update(done, count, count * 10)
    shown = [line.split()[1] for line in lines(stream)]
    assert shown == ["50", "50", "120"], lines(stream)
    assert [line.split(", ")[2] for line in lines(stream)] == ["10% of input", "10% of input", "30% of input"]


def eta_of(line: str) -> str:
    return line.rsplit("ETA ", 1)[1]


def test_the_eta_follows_the_rate_of_commits_after_a_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """100 s of start-up with nothing committed, then 10 bytes a second: 100 of 1000 bytes in after
    110 s leaves 90 s (not the 990 s that the time since the start predicts)."""
    monkeypatch.setenv("TRIALGRAPH_PROGRESS_INTERVAL", "0")
    stream, clock = io.StringIO(), Clock()
    progress = Progress(1000, stream=stream, clock=clock)
    clock.now = 100.0
    for second in range(11):
        clock.now = 100.0 + second
        progress.update(second * 10, second, second * 100)
    etas = [eta_of(line) for line in lines(stream)]
    assert etas[:3] == ["?", "?", "?"], etas  # the warm-up: no ETA from a second of commits
    assert etas[-1] == "1m30s", etas
    assert progress.eta(clock.now) == pytest.approx(90.0)
    # it slows down: the ETA follows the last minute, not the average since the first commit
    for second in range(1, 121):
        clock.now = 110.0 + second
        progress.update(100 + second * 2, 10 + second, 0)
    assert progress.eta(clock.now) == pytest.approx((1000 - 340) / 2, rel=0.02)


class Watching(io.StringIO):
    """A stream for a load's stderr that, at each progress line, notes the trial graphs the store holds
    by then (the line is written once a batch is committed, from the thread that wrote it)."""

    def __init__(self, store: object) -> None:
        super().__init__()
        self.store = store
        self.held: list[tuple[str, set[str]]] = []

    def write(self, text: str) -> int:
        if text.startswith("progress:"):
            graphs = {g for g in self.store.named_graphs() if g.startswith(TRIAL_GRAPH_NS)}  # type: ignore[attr-defined]
            self.held.append((text, graphs))
        return super().write(text)


def test_a_load_shows_only_what_is_committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every progress line of a real load into a new store counts no more records than the store holds
    (a record found again counts once its first is in the store), never fewer than the line before,
    and the last one counts every record and all the input. The folder holds each of the 479 studies
    once in the JSON Lines file and most of them again in the collections they came from (945)."""
    import json
    from collections import Counter

    import graph.loader
    from graph import iris
    from graph.loader import Loader

    folder = shared(*RECORDS[:2])
    times: Counter[str] = Counter()  # graph -> how many records of the folder it holds
    for path in sorted(folder.iterdir()):
        text = path.read_text(encoding="utf-8")
        studies = [json.loads(line) for line in text.splitlines() if line.strip()] if path.suffix == ".jsonl" \
            else json.loads(text)
        times.update(iris.trial_graph(s["protocolSection"]["identificationModule"]["nctId"]) for s in studies)
    monkeypatch.setenv("TRIALGRAPH_PROGRESS_INTERVAL", "0")
    monkeypatch.setattr(graph.loader, "BATCH_QUADS", BATCH_QUADS)
    with open_store(tmp_path / "store") as store:
        stream = Watching(store)
        summary = Loader(store, err=stream).load([folder])
    assert summary.new == STUDIES and summary.studies == sum(times.values()) > STUDIES and summary.ok
    assert len(stream.held) >= 3, stream.getvalue()[-2000:]
    for line, graphs in stream.held:
        assert number(line.split()[1]) <= sum(times[g] for g in graphs), (line, len(graphs))
    counts = [number(line.split()[1]) for line in lines(stream)]
    assert counts == sorted(counts), counts
    assert counts[-1] == summary.studies, counts
    assert lines(stream)[-1].split(", ")[2] == "100% of input"


def pty(columns: int | None) -> tuple[int, int]:
    """A real pseudo-terminal (master, slave); one without a size says it is 0 by 0."""
    master, slave = os.openpty()
    if columns is not None:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    return master, slave


def read_all(master: int) -> str:
    os.set_blocking(master, False)
    out = b""
    while True:
        try:
            data = os.read(master, 65536)
        except (BlockingIOError, OSError):
            break
        if not data:
            break
        out += data
    return out.decode(errors="replace")


def test_a_terminal_of_unknown_size_gets_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setenv("TRIALGRAPH_PROGRESS_INTERVAL", "0")
    master, slave = pty(None)
    try:
        with open(slave, "w", closefd=False) as stream:
            assert stream.isatty() and progress_module.terminal_columns(stream) == 0
            progress = Progress(1000, stream=stream)
            progress.update(500, 7, 70)
            progress.close()
        assert "progress: 7 studies" in read_all(master)
        monkeypatch.setenv("COLUMNS", "0")  # as good as unset
        with open(slave, "w", closefd=False) as stream:
            assert progress_module.terminal_columns(stream) == 0
        monkeypatch.setenv("COLUMNS", "120")
        with open(slave, "w", closefd=False) as stream:
            assert progress_module.terminal_columns(stream) == 120
    finally:
        os.close(master)
        os.close(slave)


def test_a_terminal_of_known_size_gets_a_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """The other side of the fallback: with a width, a bar (after its delay), not plain lines."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setenv("TRIALGRAPH_PROGRESS_INTERVAL", "0")
    master, slave = pty(100)
    try:
        with open(slave, "w", closefd=False) as stream:
            assert progress_module.terminal_columns(stream) == 100
            progress = Progress(1000, stream=stream)
            time.sleep(1.6)  # the bar shows only for work that lasts
            progress.update(500, 7, 70)
            progress.update(600, 8, 80)
            progress.close()
        shown = read_all(master)
        assert "loading:" in shown and "7 studies" in shown and "progress:" not in shown, shown
    finally:
        os.close(master)
        os.close(slave)


def test_a_signal_during_a_write_of_the_main_thread_waits_for_the_write() -> None:
    """Ctrl-C while the main thread writes an RDF or reference file: the handler of the command line
    lets the write (and its journal's end) finish, then stops; a second Ctrl-C does not cut in."""
    from graph import cli, loader

    done: list[str] = []
    with cli._interrupts():  # noqa: SLF001 - the handler that load and build install
        with pytest.raises(loader.Interrupted) as stopped:
            with loader._store_write():  # noqa: SLF001
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)  # the handler runs in here, and must not raise here
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)
                done.append("written")
        assert done == ["written"]
        assert stopped.value.signum == signal.SIGINT and stopped.value.exit_code == 130
    assert loader.stop_after_store_write(signal.SIGINT) is False  # outside a write: stop at once
