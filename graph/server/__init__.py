"""``trialgraph serve``: the graph over HTTP.

- ``/sparql``: a SPARQL 1.1 Protocol endpoint (query by GET and POST, updates only with
  ``--allow-update``), answers in the W3C result formats and the RDF formats, by content negotiation;
- ``/``: a page to write and run queries and to run the named reports through a form;
- ``/reports`` and ``/reports/NAME``: the named reports as HTTP resources (like grlc);
- ``/network``: the drug–target–condition network around a drug, target or condition, as a page.

Every query runs in a worker process (see :mod:`graph.server.workers`) under a time limit and a
size limit. The serving process holds the store's lock for as long as it runs.
"""

from __future__ import annotations

import asyncio
import copy
import os
import signal
import socket
import sys
from typing import TextIO

from graph.errors import GraphError, StoreError
from graph.server.app import ServerConfig, create_app, is_loopback
from graph.server.workers import Limits, WorkerPool
from graph.store import MEMORY, EmbeddedStore, is_remote

__all__ = ["Limits", "ServerConfig", "create_app", "serve"]


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise GraphError(f"{host}:{port}: cannot listen there ({exc.strerror or exc}) — pick another --port "
                         "or --host") from None
    sock.listen(128)
    sock.set_inheritable(False)
    return sock


def _log_config(access_log: bool) -> dict[str, object]:
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["handlers"]["access"]["stream"] = "ext://sys.stderr"  # data on stdout, logs on stderr
    config["loggers"]["uvicorn.error"]["level"] = "WARNING"
    config["loggers"]["uvicorn.access"]["level"] = "INFO" if access_log else "WARNING"
    return config


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


class _Stop(Exception):
    """Ctrl-C or SIGTERM: stop serving, stop the workers, release the store."""


def _stop(signum: int, frame: object) -> None:
    raise _Stop


def serve(config: ServerConfig, *, err: TextIO | None = None) -> int:
    """Run the server until Ctrl-C or SIGTERM; returns the exit code.

    Holds the store's lock from start to end, so nothing writes while the workers read.
    """
    err = err or sys.stderr
    location = config.location
    if location == MEMORY or is_remote(location):
        raise StoreError(f"{location}: 'trialgraph serve' serves an on-disk store — expected a directory "
                         "(build one with 'trialgraph build' or 'trialgraph load')")
    lock = EmbeddedStore(location, create=False)  # takes the lock, rolls back an interrupted load
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if lock.recovered:
            print(f"note: an interrupted load was rolled back: {len(lock.recovered)} graph(s) it was writing "
                  "were removed; load them again", file=err)
        sock = _bind(config.host, config.port)
        url = _url(config.host, sock.getsockname()[1])
        lock.detach(f"'trialgraph serve' at {url} (process {os.getpid()})")
        if not is_loopback(config.host):
            print(f"warning: listening on {config.host}, so other machines can reach this server: anyone who "
                  "can connect may read the whole graph" + (" and change it (--allow-update)" if config.allow_update
                                                             else "") + " — there is no authentication", file=err)
        try:
            asyncio.run(_run(config, sock, url, err))
        except _Stop:
            pass
        finally:
            sock.close()
        print("trialgraph serve: stopped", file=err)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        lock.close()


async def _run(config: ServerConfig, sock: socket.socket, url: str, err: TextIO) -> None:
    import uvicorn

    from graph.reports import load_reports

    pool = WorkerPool(config.worker_config(), config.workers)
    catalogue = asyncio.create_task(asyncio.to_thread(load_reports, config.queries))  # meanwhile
    try:
        await pool.start()
    finally:
        try:
            await catalogue
        except GraphError as exc:
            print(f"warning: the named reports cannot be served: {exc}", file=err)
    try:
        limits = config.limits
        mode = "read-write (--allow-update)" if config.allow_update else "read-only"
        reserved = f" and a reserved one for quick queries (≤ {limits.quick:g} s)" if pool.reserved else ""
        print(f"serving {url} — SPARQL endpoint {url}sparql; {mode}; {pool.size} query worker(s){reserved}; "
              f"time limit {limits.time:g} s; memory limit {pool.memory / 2**20:,.0f} MiB per worker; at most "
              f"{limits.rows:,} rows and {limits.bytes:,} bytes per answer; {limits.per_client} requests at once "
              "per client. Ctrl-C stops.", file=err, flush=True)
        server = uvicorn.Server(uvicorn.Config(
            create_app(config, pool), log_config=_log_config(config.access_log), timeout_graceful_shutdown=3,
            server_header=False, proxy_headers=False, lifespan="off",
        ))
        await server.serve(sockets=[sock])
    finally:
        await pool.close()
