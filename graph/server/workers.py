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


@dataclass(frozen=True)
class Limits:
    time: float = 30.0  #: seconds a query (or report, or network) may run
    rows: int = 100_000  #: rows of a SELECT answer
    bytes: int = 100 * 1024 * 1024  #: bytes of any answer, as sent
    depth: int = 100  #: nesting of brackets in a query (pyoxigraph's parser crashes on thousands)
    length: int = 1_000_000  #: characters of a query or update


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
            store.update(job.text)
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
    except (QueryError, ReportError, GraphError) as exc:
        return Reply.error(400, str(exc))
    except (OSError, RuntimeError, ValueError) as exc:
        # pyoxigraph's evaluation errors (an unknown extension function, a SERVICE that fails, an invalid
        # update target ...) are the request's; a store that cannot be read (OSError) is the server's
        return Reply.error(500 if isinstance(exc, OSError) else 400,
                           f"the query failed: {' '.join(str(exc).split()) or type(exc).__name__}")


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


# --- in the serving process ------------------------------------------------------------------


class Worker:
    def __init__(self, config: WorkerConfig) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=worker_main, args=(child, config, os.getpid()),
                                       name="trialgraph-query-worker", daemon=True)
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


class WorkerPool:
    """Workers answering jobs, each within the time limit; a worker that overruns is replaced."""

    def __init__(self, config: WorkerConfig, size: int) -> None:
        self.config = config
        self.size = 1 if not config.read_only else max(1, size)
        self.limits = config.limits
        self._idle: asyncio.Queue[Worker] = asyncio.Queue()
        self._all: set[Worker] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._restarting = 0
        self.replaced = 0  #: workers killed for overrunning (or dying) and started afresh

    async def start(self) -> None:
        workers = [self._spawn() for _ in range(self.size)]
        try:
            await asyncio.gather(*(w.started() for w in workers))
        except BaseException:
            await self.close()
            raise
        for worker in workers:
            self._idle.put_nowait(worker)

    def _spawn(self) -> Worker:
        worker = Worker(self.config)
        self._all.add(worker)
        return worker

    async def run(self, job: Job) -> Reply:
        limit = self.limits.time
        loop = asyncio.get_running_loop()
        began = loop.time()
        try:
            worker = await asyncio.wait_for(self._idle.get(), limit)
        except TimeoutError:
            raise HttpError(503, f"every query worker ({self.size}) stayed busy for the time limit ({limit:g} s) — "
                            "try again shortly") from None
        kept = False
        try:
            try:
                worker.conn.send(job)
                reply = await worker.receive(max(0.0, limit - (loop.time() - began)))
            except TimeoutError:
                raise HttpError(503, f"the query ran longer than the time limit of {limit:g} s (--time-limit) and "
                                "was stopped — narrow it down (fewer patterns, a LIMIT, a more selective "
                                "first pattern)") from None
            except (EOFError, OSError):
                raise HttpError(500, "the query worker stopped unexpectedly while answering (out of memory?) — "
                                "it has been replaced") from None
            kept = True
            return reply
        finally:
            if kept:
                self._idle.put_nowait(worker)
            else:
                self._replace(worker)

    def _replace(self, worker: Worker) -> None:
        worker.kill()
        self._all.discard(worker)
        self.replaced += 1
        self._restarting += 1
        task = asyncio.get_running_loop().create_task(self._restart(worker))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _restart(self, old: Worker) -> None:
        try:
            await self._start_again(old)
        finally:
            self._restarting -= 1

    async def _start_again(self, old: Worker) -> None:
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
                fresh.stop()
            else:
                self._idle.put_nowait(fresh)
            return

    async def close(self) -> None:
        """Stop every worker (idle ones politely, busy ones by force)."""
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        workers = list(self._all)
        self._all.clear()
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in workers))

    @property
    def ready(self) -> int:
        """Workers running (idle or busy), not counting those being started afresh."""
        return self.size - self._restarting
