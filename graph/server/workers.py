"""Query workers: processes that hold the store open and run one query at a time.

pyoxigraph cannot cancel a query, so the only way to stop one is to stop the process running it.
The serving process holds trialgraph's store lock (no ``trialgraph load`` can write meanwhile) and
starts the workers: several read-only ones when updates are off (they read the store at once), a
single read-write one when updates are allowed. It hands each query to an idle worker and waits for
the answer at most the time limit; a worker that overruns is killed and a fresh one started, while
the other workers go on answering.

Workers also enforce the size limit as they write the answer (rows of a SELECT, bytes of any
answer), so a huge result is stopped early rather than built in memory.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import signal
import sys
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.errors import GraphError, QueryError, ReportError
from graph.server.protocol import HttpError, negotiate

#: How long a new worker may take to open the store before the server gives up on it.
START_TIMEOUT = 60.0
#: How often the memory of a busy worker is read (seconds); the overshoot past the cap is what the
#: query allocates in that time.
MEMORY_POLL = 0.01
#: Share of the machine's memory the query workers may use between them, by default.
MEMORY_SHARE = 0.5


def physical_memory() -> int | None:
    """Bytes of RAM on this machine, or None when the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def default_memory(workers: int) -> int:
    """The default --max-memory: half the RAM shared among the workers and the reserved one."""
    total = physical_memory() or 4 * 1024**3
    return int(total * MEMORY_SHARE / (max(1, workers) + 1))


@dataclass(frozen=True)
class Limits:
    time: float = 30.0  #: seconds a query (or report, or network) may run
    rows: int = 100_000  #: rows of a SELECT answer
    bytes: int = 100 * 1024 * 1024  #: bytes of any answer, as sent
    depth: int = 100  #: nesting of brackets in a query (pyoxigraph's parser crashes on thousands)
    length: int = 1_000_000  #: characters of a query or update
    memory: int | None = None  #: bytes of memory (resident) a worker may use; None: default_memory()
    quick: float = 0.5  #: seconds a query may run on the reserved worker (0: no reserved worker)
    per_client: int = 4  #: requests one client (address) may have waiting or running at once


@dataclass(frozen=True)
class WorkerConfig:
    location: str
    read_only: bool = True
    limits: Limits = field(default_factory=Limits)
    queries: str | None = None  #: folder of named reports (default: the built-in queries/)
    allow_service: bool = False  #: else the worker runs without a network (see graph.server.sandbox)


@dataclass
class Job:
    kind: str  #: query, update, report or network
    text: str = ""
    accept: str | None = None
    format: str | tuple[str, ...] | None = None  #: the format parameter(s); for a network, one name
    name: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    default_graphs: tuple[str, ...] = ()  #: the protocol's default-graph-uri values
    named_graphs: tuple[str, ...] = ()  #: the protocol's named-graph-uri values
    base: str | None = None  #: the base IRI for relative IRIs (the endpoint's URL)


@dataclass
class Reply:
    status: int
    media_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def error(cls, status: int, message: str) -> "Reply":
        return cls(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode("utf-8"))


# --- inside a worker -------------------------------------------------------------------------


class _TooBig(Exception):
    pass


class _Sink(io.RawIOBase):
    """A byte buffer that stops the writer once it holds more than ``limit`` bytes (or, counting
    lines, more than ``lines``)."""

    def __init__(self, limit: int, lines: int | None = None) -> None:
        super().__init__()
        self.buffer = bytearray()
        self.limit, self.lines, self.newlines = limit, lines, 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self.buffer += chunk
        if self.lines is not None:
            self.newlines += chunk.count(b"\n")
            if self.newlines > self.lines:
                raise _TooBig("rows")
        if len(self.buffer) > self.limit:
            raise _TooBig("bytes")
        return len(chunk)


def _too_many_rows(limits: Limits) -> HttpError:
    return HttpError(422, f"the answer has more than {limits.rows:,} rows, the server's limit (--max-rows) — "
                     "add a LIMIT to the query, or ask for less")


def _too_many_bytes(limits: Limits) -> HttpError:
    return HttpError(422, f"the answer is larger than {limits.bytes:,} bytes, the server's limit (--max-bytes) — "
                     "add a LIMIT to the query, or ask for less")


def _capped(write: Any, limits: Limits, *, rows: bool = False) -> bytes:
    """Run ``write(sink)``; the bytes written, or a 422 once a limit is passed."""
    # A SELECT answer is written as W3C TSV first: one line per row, so lines count rows exactly.
    sink = _Sink(limits.bytes, limits.rows + 1 if rows else None)
    try:
        write(sink)
    except _TooBig as exc:
        raise (_too_many_rows(limits) if str(exc) == "rows" else _too_many_bytes(limits)) from None
    return bytes(sink.buffer)


_W3C = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
        "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}


def render(result: Any, accept: str | None, fmt: str | tuple[str, ...] | None, limits: Limits) -> Reply:
    """A query result as the client asked for it, within the size limit."""
    from graph.readers.rdf import FORMATS as RDF_FORMATS
    from graph.vocab import PREFIXES

    if isinstance(result, ox.QueryTriples):
        chosen = negotiate("graph", accept, fmt)
        prefixes = PREFIXES if chosen.name in ("turtle", "trig", "rdfxml") else None
        body = _capped(lambda sink: ox.serialize(result, sink, format=RDF_FORMATS[chosen.name], prefixes=prefixes),
                       limits)
    else:
        chosen = negotiate("solutions", accept, fmt)
        if isinstance(result, ox.QueryBoolean):
            if chosen.name in ("json", "xml"):
                body = _capped(lambda sink: result.serialize(sink, format=_W3C[chosen.name]), limits)
            else:  # W3C CSV/TSV have no booleans: one line, as 'trialgraph query' writes it
                body = b"true\n" if bool(result) else b"false\n"
        else:
            tsv = _capped(lambda sink: result.serialize(sink, format=ox.QueryResultsFormat.TSV), limits, rows=True)
            if chosen.name == "tsv":
                body = tsv
            else:
                again = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
                body = _capped(lambda sink: again.serialize(sink, format=_W3C[chosen.name]), limits)
    media = chosen.media_type
    if media.startswith("text/") or media.endswith(("+json", "+xml", "/trig", "/n-triples", "/n-quads")):
        media += "; charset=utf-8"
    return Reply(200, media, body, {"Vary": "Accept"})


#: Media types of the network view's formats (graph.network_output.FORMATS).
NETWORK_MEDIA = {"html": "text/html; charset=utf-8", "svg": "image/svg+xml", "png": "image/png",
                 "graphml": "application/graphml+xml", "gexf": "application/gexf+xml", "cyjs": "application/json"}


def _network(store: Any, job: Job, config: WorkerConfig) -> Reply:
    try:
        from graph.network import build_network
        from graph.network_output import DRAWN_LIMITS
        from graph.network_output import render as render_network
    except ImportError:
        return Reply.error(501, "the network view is not available in this version of trialgraph")
    fmt = job.format or "html"
    if fmt not in NETWORK_MEDIA:
        raise HttpError(400, f"format={fmt!r}: the network view is written as {', '.join(NETWORK_MEDIA)}")
    params = dict(job.params)
    params.setdefault("max_nodes", DRAWN_LIMITS.get(fmt))  # as 'trialgraph network' draws it
    result = build_network(store, folder=Path(config.queries) if config.queries else None, **params)
    body = render_network(result, fmt)
    if len(body) > config.limits.bytes:
        raise _too_many_bytes(config.limits)
    return Reply(200, NETWORK_MEDIA[fmt], body)


def handle(store: Any, job: Job, config: WorkerConfig) -> Reply:
    """Run one job on the store; errors of the request become 4xx replies."""
    limits = config.limits
    try:
        if job.kind == "query":
            result = store.query(job.text, default_graphs=job.default_graphs, named_graphs=job.named_graphs,
                                 base_iri=job.base)
            return render(result, job.accept, job.format, limits)
        if job.kind == "update":
            store.update(job.text, base_iri=job.base)
            store.flush()
            return Reply(204, "text/plain; charset=utf-8", b"")
        if job.kind == "report":
            from graph.reports import get_report, run

            report = get_report(job.name, Path(config.queries) if config.queries else None)
            return render(run(store, report, job.params), job.accept, job.format, limits)
        if job.kind == "network":
            return _network(store, job, config)
        return Reply.error(400, f"unknown job {job.kind!r}")
    except HttpError as exc:
        return Reply.error(exc.status, exc.message)
    except QueryError as exc:
        if job.kind in ("query", "update") and isinstance(exc.__cause__, SyntaxError):
            return Reply.error(400, syntax_message(job.text, str(exc.__cause__), update=job.kind == "update"))
        return Reply.error(400, str(exc))
    except (ReportError, GraphError) as exc:
        return Reply.error(400, str(exc))
    except (OSError, RuntimeError, ValueError) as exc:
        # pyoxigraph's evaluation errors (an unknown extension function, a SERVICE that fails, an invalid
        # update target ...) are the request's; a store that cannot be read (OSError) is the server's
        return Reply.error(500 if isinstance(exc, OSError) else 400,
                           f"the query failed: {' '.join(str(exc).split()) or type(exc).__name__}")


def syntax_message(text: str, message: str, *, update: bool) -> str:
    """The parser's complaint in words (graph.server.syntax), with a hint when a query is an update."""
    from graph.server.syntax import explain, looks_like_update

    said = explain(text, message, what="update" if update else "query")
    keyword = None if update else looks_like_update(text)
    if keyword:
        said += (f"\n(a text that starts with {keyword} is a SPARQL update, not a query: send it as update= by "
                 "POST, or as application/sparql-update, to a server started with --allow-update)")
    return said


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the serving process dies (even by SIGKILL)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def worker_main(conn: Connection, config: WorkerConfig, parent: int) -> None:
    """The loop of a worker process: open the store, then answer jobs until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the serving process, which stops us
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent()
    if os.getppid() != parent:
        return
    if not config.allow_service:  # before the store starts any thread: they all inherit it
        from graph.server.sandbox import isolate_network

        why = isolate_network()
        if why is not None:
            print(f"warning: query workers keep the host's network: {why}; SERVICE and LOAD are still "
                  "refused on the parsed query", file=sys.stderr)
    from graph.store import EmbeddedStore

    try:
        store = EmbeddedStore.attach(config.location, read_only=config.read_only)
    except GraphError as exc:
        conn.send(("failed", str(exc)))
        return
    try:  # read and check the reports now, not in the time of the first one asked for
        from graph.reports import load_reports

        load_reports(Path(config.queries) if config.queries else None)
    except GraphError:
        pass  # each report request then says what is wrong
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        try:
            reply = handle(store, job, config)
        except Exception:  # a bug: keep the traceback on the server's stderr, tell the client little
            traceback.print_exc()
            reply = Reply.error(500, "internal error while answering (see the server's log)")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            break
    store.close()


# --- in the serving process


def resident_bytes(pid: int) -> int | None:
    """The resident memory of a process (VmRSS in /proc), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class Worker:
    def __init__(self, config: WorkerConfig) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=worker_main, args=(child, config, os.getpid()),
                                       name="trialgraph-query-worker", daemon=True)
        self.role = "standby"  #: general, quick (the reserved worker) or standby
        self.over_memory: int | None = None  #: the resident bytes it had when killed for memory
        # The worker starts with Ctrl-C blocked (a terminal sends it to the whole process group);
        # it ignores it once running: the serving process stops its workers itself.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        child.close()

    async def _readable(self, timeout: float | None) -> None:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = self.conn.fileno()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await asyncio.wait_for(ready, timeout)
        finally:
            loop.remove_reader(fd)

    async def receive(self, timeout: float | None) -> Any:
        """The next message, waiting at most ``timeout`` seconds (TimeoutError), EOFError if it died."""
        await self._readable(timeout)
        return await asyncio.to_thread(self.conn.recv)

    async def started(self) -> None:
        try:
            message = await self.receive(START_TIMEOUT)
        except (EOFError, OSError):
            raise GraphError("a query worker died while opening the store") from None
        except TimeoutError:
            raise GraphError(f"a query worker did not open the store within {START_TIMEOUT:g} s") from None
        if message[0] != "ready":
            raise GraphError(f"a query worker cannot open the store: {message[1]}")

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)
        self.conn.close()


class MemoryWatch:
    """A thread of the serving process that reads the resident memory of every busy worker each
    ``MEMORY_POLL`` seconds and kills one that holds more than the cap (the query then ends with
    503). Outside the event loop, so a busy loop cannot delay it; it sleeps while no query runs."""

    def __init__(self, cap: int) -> None:
        import threading

        self.cap = cap
        self._busy: set[Worker] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._watch, name="trialgraph-memory-watch", daemon=True)
        self._thread.start()

    def watch(self, worker: Worker) -> None:
        with self._lock:
            self._busy.add(worker)
        self._wake.set()

    def unwatch(self, worker: Worker) -> None:
        with self._lock:
            self._busy.discard(worker)

    def _watch(self) -> None:
        import time

        while not self._stopped:
            with self._lock:
                busy = list(self._busy)
            if not busy:
                self._wake.wait()
                self._wake.clear()
                continue
            for worker in busy:
                pid = worker.process.pid
                rss = resident_bytes(pid) if pid else None
                if rss is not None and rss > self.cap and worker.over_memory is None:
                    worker.over_memory = rss
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            time.sleep(MEMORY_POLL)

    def close(self) -> None:
        self._stopped = True
        self._wake.set()
        self._thread.join(1)


@dataclass(eq=False)
class _Waiter:
    client: str
    arrived: float
    quick: bool  #: may take the reserved worker
    future: asyncio.Future[Worker]


class WorkerPool:
    """Workers answering jobs, each within the time and memory limits; a worker that overruns is
    killed and replaced.

    Fairness (read-only servers): besides the ``size`` general workers there is a reserved one
    that runs a query only while every general worker is busy, and then for at most
    ``limits.quick`` seconds; a query that needs longer is stopped there and waits for a general
    worker (still within its time limit). So however many heavy queries run, a quick one is
    answered at once, and a heavy one can hold the reserved worker for a moment only. A started
    standby worker takes the place of one that is killed at once (starting a worker takes a second
    or more), and a new standby is started behind it. Waiting requests are served fewest-running-
    first by client address, so one client's queue does not hold up another's; and a client may
    have at most ``limits.per_client`` requests waiting or running (more get 429).
    """

    def __init__(self, config: WorkerConfig, size: int) -> None:
        self.config = config
        read_only = config.read_only
        self.size = 1 if not read_only else max(1, size)
        self.limits = config.limits
        self.memory = self.limits.memory or default_memory(self.size)
        #: how many live workers each role wants: the reserved one and the standby only when several
        #: processes may open the store (read-only)
        self._want = {"general": self.size, "quick": 1 if read_only and self.limits.quick > 0 else 0,
                      "standby": 1 if read_only else 0}
        self._live: dict[str, set[Worker]] = {role: set() for role in self._want}
        self._idle: dict[str, list[Worker]] = {"general": [], "quick": []}
        self._waiting: list[_Waiter] = []
        self._running: dict[str, int] = {}  #: client -> requests on a worker
        self._inflight: dict[str, int] = {}  #: client -> requests waiting or on a worker
        self._all: set[Worker] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._restarting = 0
        self._watch: MemoryWatch | None = None
        self.replaced = 0  #: workers killed for overrunning (or dying) and started afresh
        self.preempted = 0  #: queries stopped on the reserved worker to wait for a general one
        self.refused = 0  #: requests refused for the per-client limit

    @property
    def reserved(self) -> bool:
        return self._want["quick"] > 0

    async def start(self) -> None:
        wanted = self._want["general"] + self._want["quick"]
        workers = [self._spawn() for _ in range(wanted)]
        try:
            await asyncio.gather(*(w.started() for w in workers))
        except BaseException:
            await self.close()
            raise
        for worker in workers:
            self._place(worker)
        self._watch = MemoryWatch(self.memory)
        for _ in range(self._want["standby"]):  # in the background: the server answers meanwhile
            self._background(self._start_one())

    def _spawn(self) -> Worker:
        worker = Worker(self.config)
        self._all.add(worker)
        return worker

    def _place(self, worker: Worker) -> None:
        """Give a started worker the first role that lacks one (or stop it: none does)."""
        for role in ("general", "quick", "standby"):
            if len(self._live[role]) < self._want[role]:
                worker.role = role
                self._live[role].add(worker)
                if role != "standby":
                    self._idle[role].append(worker)
                    self._dispatch()
                return
        self._all.discard(worker)
        worker.stop()

    # --- admission ---

    def _dispatch(self) -> None:
        """Hand idle workers to waiting requests: the client with fewest requests running first."""
        while self._waiting and (self._idle["general"] or self._idle["quick"]):
            order = sorted(self._waiting, key=lambda w: (self._running.get(w.client, 0), w.arrived))
            for waiter in order:
                role = "general" if self._idle["general"] else "quick" if waiter.quick else None
                if role is None:
                    continue
                self._waiting.remove(waiter)
                self._running[waiter.client] = self._running.get(waiter.client, 0) + 1
                waiter.future.set_result(self._idle[role].pop())
                break
            else:
                return

    async def _acquire(self, client: str, quick: bool, deadline: float) -> Worker:
        loop = asyncio.get_running_loop()
        waiter = _Waiter(client, loop.time(), quick, loop.create_future())
        self._waiting.append(waiter)
        self._dispatch()
        try:
            await asyncio.wait({waiter.future}, timeout=max(0.0, deadline - loop.time()))
        except BaseException:  # cancelled: a worker handed over meanwhile goes back
            if waiter.future.done() and not waiter.future.cancelled():
                self._release(waiter.future.result(), client, kept=True)
            raise
        finally:
            if not waiter.future.done():
                self._waiting.remove(waiter)
                waiter.future.cancel()
        if waiter.future.cancelled():
            raise HttpError(503, f"every query worker ({self.size}) stayed busy for the time limit "
                            f"({self.limits.time:g} s) — try again shortly", {"Retry-After": "5"})
        return waiter.future.result()

    def _release(self, worker: Worker, client: str, *, kept: bool) -> None:
        self._running[client] -= 1
        if not self._running[client]:
            del self._running[client]
        if kept and worker in self._live[worker.role]:
            self._idle[worker.role].append(worker)
            self._dispatch()
        else:
            self._replace(worker)

    # --- running ---

    async def run(self, job: Job, client: str = "") -> Reply:
        limit = self.limits.time
        if self._inflight.get(client, 0) >= self.limits.per_client:
            self.refused += 1
            raise HttpError(429, f"this client already has {self.limits.per_client} requests waiting or running, "
                            "the server's limit per client (--max-client-requests) — wait for them, then try "
                            "again", {"Retry-After": "1"})
        self._inflight[client] = self._inflight.get(client, 0) + 1
        try:
            return await self._run(job, client, limit)
        finally:
            self._inflight[client] -= 1
            if not self._inflight[client]:
                del self._inflight[client]

    async def _run(self, job: Job, client: str, limit: float) -> Reply:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        may_quick = self.reserved
        while True:
            worker = await self._acquire(client, may_quick, deadline)
            quick = worker.role == "quick"
            budget = max(0.0, deadline - loop.time())
            if quick:
                budget = min(budget, self.limits.quick)
            kept = False
            if self._watch is not None:
                self._watch.watch(worker)
            try:
                try:
                    worker.conn.send(job)
                    reply = await worker.receive(budget)
                except TimeoutError:
                    if quick and loop.time() < deadline - 0.05:
                        self.preempted += 1
                        may_quick = False  # it takes longer than a quick one: wait for a general worker
                        continue
                    raise HttpError(503, f"the query ran longer than the time limit of {limit:g} s (--time-limit) "
                                    "and was stopped — narrow it down (fewer patterns, a LIMIT, a more "
                                    "selective first pattern)") from None
                except (EOFError, OSError):
                    if worker.over_memory is not None:
                        raise HttpError(503, f"the query used more than {self.memory / 2**20:,.0f} MiB of memory "
                                        "(--max-memory) and was stopped — narrow it down (a LIMIT, fewer "
                                        "patterns, no ORDER BY over a large result)") from None
                    raise HttpError(500, "the query worker stopped unexpectedly while answering (out of memory?) — "
                                    "it has been replaced") from None
                kept = True
                return reply
            finally:
                if self._watch is not None:
                    self._watch.unwatch(worker)
                self._release(worker, client, kept=kept)

    def _replace(self, worker: Worker) -> None:
        """Kill a worker; a started standby takes its role at once, and a fresh process is started
        (for the standby, or for the role when there was none)."""
        worker.kill()
        self._all.discard(worker)
        self._live[worker.role].discard(worker)
        for role in self._idle.values():
            if worker in role:
                role.remove(worker)
        self.replaced += 1
        if worker.role != "standby" and self._live["standby"]:
            standby = self._live["standby"].pop()
            self._place(standby)
        self._background(self._start_one(old=worker))

    def _background(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _start_one(self, old: Worker | None = None) -> None:
        self._restarting += 1
        try:
            if old is not None:
                await asyncio.to_thread(old.process.join, 5)
            delay = 0.5
            while not self._closing:
                fresh = self._spawn()
                try:
                    await fresh.started()
                except GraphError as exc:
                    print(f"trialgraph serve: {exc}; trying again in {delay:g} s", file=sys.stderr)
                    fresh.kill()
                    self._all.discard(fresh)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30.0)
                    continue
                if self._closing:
                    self._all.discard(fresh)
                    fresh.stop()
                else:
                    self._place(fresh)
                return
        finally:
            self._restarting -= 1

    async def close(self) -> None:
        """Stop every worker (idle ones politely, busy ones by force)."""
        self._closing = True
        if self._watch is not None:
            self._watch.close()
        for task in list(self._tasks):
            task.cancel()
        workers = list(self._all)
        self._all.clear()
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in workers))

    @property
    def ready(self) -> int:
        """General workers running (idle or busy), not counting those being started afresh."""
        return len(self._live["general"])

    def status(self) -> dict[str, object]:
        busy = sum(len(self._live[r]) - len(self._idle[r]) for r in self._idle)
        return {"readyWorkers": self.ready, "busyWorkers": busy, "reservedWorker": bool(self._live["quick"]),
                "standbyWorker": bool(self._live["standby"]), "replacedWorkers": self.replaced,
                "preemptedQueries": self.preempted, "refusedRequests": self.refused}
