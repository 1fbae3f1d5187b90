"""``trialgraph serve`` under load: heavy queries do not starve quick ones, one client cannot take
every worker, and a query that grows without bound is stopped at the memory cap.

A real server on loopback over the seed store (see tests/test_server.py); clients are told apart
by their address, so a second client connects from another loopback address (127.0.0.2).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Iterator

import pytest

from tests.test_server import CHEAP, EXPENSIVE, Server, _children, _copy, seed_store  # noqa: F401 (a fixture)

TIME_LIMIT = 8.0
OTHER_CLIENT = "127.0.0.2"  #: Linux answers the whole of 127.0.0.0/8 on loopback


def ask(server: Server, sparql: str, *, source: str = "127.0.0.1", timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    """GET /sparql?query=… from the given source address."""
    parts = urllib.parse.urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": sparql}),
                     headers={"Accept": "application/sparql-results+json"})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def nct_ids(body: bytes) -> list[str]:
    return [row["nct"]["value"] for row in json.loads(body)["results"]["bindings"]]


class Runaways:
    """``count`` runaway queries sent at once by one client, each in a thread of its own."""

    def __init__(self, server: Server, count: int, source: str) -> None:
        self.answers: list[tuple[int, dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._one, args=(server, source)) for _ in range(count)]
        for thread in self.threads:
            thread.start()

    def _one(self, server: Server, source: str) -> None:
        answer = ask(server, EXPENSIVE, source=source)
        with self._lock:
            self.answers.append(answer)

    def running(self) -> bool:
        return all(t.is_alive() for t in self.threads)

    def join(self) -> list[tuple[int, dict[str, str], bytes]]:
        for thread in self.threads:
            thread.join(TIME_LIMIT + 30)
        assert not any(t.is_alive() for t in self.threads), "a runaway query was not stopped"
        return self.answers


def status(server: Server) -> dict[str, object]:
    return server.get("/status").json()  # type: ignore[return-value]


def wait_busy(server: Server, count: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if status(server)["busyWorkers"] >= count:  # type: ignore[operator]
            return
        time.sleep(0.02)
    pytest.fail(f"{count} workers never became busy: {status(server)}")


def wait_idle(server: Server) -> None:
    """Until no query runs and every worker, the reserved one and the standby are up again."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = status(server)
        if (now["busyWorkers"] == 0 and now["readyWorkers"] == now["workers"] and now["reservedWorker"]
                and now["standbyWorker"]):
            return
        time.sleep(0.05)
    pytest.fail(f"the workers did not come back: {status(server)}")


@pytest.fixture(scope="module")
def busy_server(seed_store: Path) -> Iterator[Server]:  # noqa: F811
    running = Server(seed_store, ("--time-limit", str(TIME_LIMIT), "--workers", "2",
                                  "--max-client-requests", "3")).start()
    yield running
    running.stop()


def test_a_quick_query_answers_within_a_second_while_as_many_runaways_as_workers_run(busy_server: Server) -> None:
    server = busy_server
    wait_idle(server)
    expected = nct_ids(ask(server, CHEAP)[2])
    assert "NCT05873205" in expected
    runaways = Runaways(server, 2, OTHER_CLIENT)
    wait_busy(server, 2)
    began = time.monotonic()
    code, _, body = ask(server, CHEAP)
    took = time.monotonic() - began
    assert runaways.running(), "the runaways ended before the quick query was asked"
    assert code == 200 and nct_ids(body) == expected
    print(f"quick query beside 2 runaways: {took:.3f} s")
    assert took < 1.0, f"the quick query took {took:.2f} s beside 2 runaways"
    for code, _, body in runaways.join():
        assert code == 503 and b"time limit" in body, body


def test_a_quick_query_answers_within_a_second_while_more_runaways_than_workers_run(busy_server: Server) -> None:
    server = busy_server
    wait_idle(server)
    before = status(server)
    runaways = Runaways(server, 3, OTHER_CLIENT)  # two on the workers, one on the reserved worker
    wait_busy(server, 3)
    time.sleep(0.1)
    began = time.monotonic()
    code, _, body = ask(server, CHEAP)
    took = time.monotonic() - began
    assert runaways.running()
    assert code == 200 and "NCT05873205" in nct_ids(body)
    print(f"quick query beside 3 runaways: {took:.3f} s")
    assert took < 1.0, f"the quick query took {took:.2f} s beside 3 runaways"
    answers = runaways.join()
    assert [code for code, _, _ in answers] == [503] * 3, answers
    after = status(server)
    # the third was stopped on the reserved worker and waited for a general one until its time
    # limit: it ends there ("stayed busy"), or, when the general workers' runaways end a moment
    # before its own limit, on the worker that became free ("was stopped") — the three started together
    assert after["preemptedQueries"] == before["preemptedQueries"] + 1  # type: ignore[operator]
    assert all(b"stayed busy" in body or b"was stopped" in body for _, _, body in answers), answers


def test_a_client_over_its_limit_is_refused_while_another_is_served(busy_server: Server) -> None:
    server = busy_server
    wait_idle(server)
    runaways = Runaways(server, 3, OTHER_CLIENT)  # the limit (--max-client-requests 3)
    wait_busy(server, 3)
    code, headers, body = ask(server, CHEAP, source=OTHER_CLIENT)  # a fourth from the same client
    assert code == 429, body
    assert headers.get("retry-after", "").isdigit()
    assert b"--max-client-requests" in body and b"3 requests" in body
    code, _, body = ask(server, CHEAP)  # another client
    assert code == 200 and "NCT05873205" in nct_ids(body)
    assert runaways.running()
    runaways.join()
    assert ask(server, CHEAP, source=OTHER_CLIENT)[0] == 200  # its own queries done: served again
    assert status(server)["refusedRequests"] >= 1  # type: ignore[operator]


# --- memory -------------------------------------------------------------------------------------

MEMORY_CAP_MIB = 400
#: Every pair of triples, sorted: the engine must hold the whole cross product before the first row.
HUNGRY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f ?a ?d"


def _kib(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def test_a_memory_hungry_query_ends_with_503_at_the_cap(seed_store: Path) -> None:  # noqa: F811
    store = _copy(seed_store, "memory")  # the other server of this module holds the seed store
    server = Server(store, ("--time-limit", "60", "--workers", "1", "--max-memory", str(MEMORY_CAP_MIB))).start()
    try:
        wait_idle(server)
        assert status(server)["maxMemory"] == MEMORY_CAP_MIB * 2**20
        assert server.process is not None
        workers = [p for p in _children(server.process.pid)
                   if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
        peak: dict[int, int] = {}
        done = threading.Event()

        def sample() -> None:  # the peak resident memory of every worker, as the kernel counts it
            while not done.is_set():
                for pid in workers:
                    hwm = _kib(pid, "VmHWM")
                    if hwm is not None:
                        peak[pid] = max(peak.get(pid, 0), hwm)
                time.sleep(0.002)

        sampler = threading.Thread(target=sample)
        sampler.start()
        began = time.monotonic()
        try:
            code, _, body = ask(server, HUNGRY, timeout=120)
        finally:
            done.set()
            sampler.join()
        took = time.monotonic() - began
        assert code == 503, body[:500]
        assert b"--max-memory" in body and f"{MEMORY_CAP_MIB:,} MiB".encode() in body, body
        assert took < 50, f"stopped after {took:.1f} s: by the time limit, not the memory cap"
        highest = max(peak.values()) / 1024
        print(f"memory cap {MEMORY_CAP_MIB} MiB: peak resident {highest:.0f} MiB, stopped after {took:.2f} s")
        assert highest > MEMORY_CAP_MIB * 0.9, f"the query never came near the cap (peak {highest:.0f} MiB)"
        assert highest <= MEMORY_CAP_MIB * 1.1, f"the cap was exceeded by more than 10% (peak {highest:.0f} MiB)"
        # the worker was replaced and the server keeps answering
        code, _, body = ask(server, CHEAP)
        assert code == 200 and "NCT05873205" in nct_ids(body)
        wait_idle(server)
        assert status(server)["replacedWorkers"] >= 1  # type: ignore[operator]
    finally:
        server.stop()
