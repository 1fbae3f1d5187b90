"""The HTTP application: routes, request checks and security headers (Starlette, ASGI).

Routes are thin: they read the request, check what can be checked without the store (the report
exists, SERVICE is not used, updates are allowed), and hand a :class:`~graph.server.workers.Job`
to the worker pool, whose :class:`~graph.server.workers.Reply` becomes the response.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from graph import __version__
from graph.errors import GraphError
from graph.reports import Report, catalogue_turtle, load_reports
from graph.server.protocol import (
    EXTENSIONS, HttpError, accepts_turtle, check_federation, check_size, read_sparql_request, report_params,
)
from graph.server.workers import Job, Limits, Reply, WorkerConfig, WorkerPool

STATIC = Path(__file__).resolve().parent / "static"
#: Largest request body read (a query, an update with its data, a form).
MAX_REQUEST_BYTES = 16 * 1024 * 1024
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
#: The network view's parameters: name in the URL -> (keyword of graph.network.build_network, kind).
NETWORK_PARAMS = {
    "drug": ("drug", "list"), "target": ("target", "list"), "condition": ("condition", "list"),
    "radius": ("radius", "int"), "phase": ("phases", "list"), "status": ("statuses", "list"),
    "sponsor": ("sponsor", "list"), "mesh_branch": ("mesh_branch", "str"), "rollup": ("rollup_depth", "int"),
    "max_nodes": ("max_nodes", "int"), "tested_only": ("tested_only", "bool"),
}  # as the options of 'trialgraph network' (mesh-branch and mesh_branch both work)

#: The page and its files load nothing from anywhere but this server.
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
#: The network page is one self-contained file (inline script and style), and loads nothing.
NETWORK_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
                  "base-uri 'none'; frame-ancestors 'none'")


@dataclass
class ServerConfig:
    location: str
    host: str = "127.0.0.1"
    port: int = 7878
    workers: int = 2
    allow_update: bool = False
    allow_service: bool = False
    limits: Limits = field(default_factory=Limits)
    queries: Path | None = None
    access_log: bool = True

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def worker_config(self) -> WorkerConfig:
        return WorkerConfig(location=self.location, read_only=not self.allow_update, limits=self.limits,
                            queries=str(self.queries) if self.queries else None,
                            allow_service=self.allow_service)


def is_loopback(host: str) -> bool:
    import ipaddress

    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _error(status: int, message: str) -> Response:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status)


def _response(reply: Reply) -> Response:
    return Response(reply.body, status_code=reply.status, headers=reply.headers, media_type=reply.media_type)


def client_of(request: Request) -> str:
    """Who a request comes from, for the per-client limit and fair queueing: its address."""
    return request.client.host if request.client else ""


def _peer(request: Request) -> str:
    return f"{request.client.host}:{request.client.port}" if request.client else "a client"


def _log(line: str) -> None:
    print(f"trialgraph serve: {line}", file=sys.stderr, flush=True)


async def _disconnected(request: Request) -> None:
    """Returns once the client has closed the connection (the ASGI server says http.disconnect)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def _host_of(value: str) -> str:
    """The host of a Host header value, without the port (``[::1]:7878`` -> ``::1``)."""
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _runs_something(path: str) -> bool:
    """Whether a GET of this path runs a query (a link from another site must not start one)."""
    return path == "/sparql" or path.startswith(("/reports/", "/network"))


def _foreign_page(headers: dict[str, str], host: str, *, referer: bool) -> str | None:
    """The other web site a browser says a request comes from, or None: ``Sec-Fetch-Site:
    cross-site``, an ``Origin`` of another host (or the opaque ``null``), and with ``referer`` a
    ``Referer`` of another host. Programs send none of these."""
    if headers.get("sec-fetch-site", "").lower() == "cross-site":
        return "another web site (Sec-Fetch-Site: cross-site)"
    if headers.get("origin", "").strip().lower() == "null":
        return "a page of no origin (Origin: null)"
    for name in ("origin", "referer") if referer else ("origin",):
        if name in headers:
            netloc = urlsplit(headers[name]).netloc.lower()
            if netloc != host.lower():
                return f"the web page at {headers[name]}"
    return None


class Guard:
    """ASGI middleware: answers only to loopback Host names when bound to loopback (no DNS
    rebinding), refuses POSTs and query-running GETs that a browser says come from another site
    (no cross-site updates or queries), and adds security
    headers to every response."""

    def __init__(self, app: Any, *, loopback: bool) -> None:
        self.app, self.loopback = app, loopback

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        problem = None
        if self.loopback and _host_of(host).lower() not in LOOPBACK_NAMES:
            problem = (421, f"Host {host!r} is not this server — it answers to 127.0.0.1 and localhost only "
                       "(start it with --host to serve other names)")
        elif scope["method"] != "OPTIONS" and (scope["method"] not in ("GET", "HEAD") or _runs_something(scope["path"])):
            foreign = _foreign_page(headers, host, referer=scope["method"] not in ("GET", "HEAD"))
            if foreign is not None:
                problem = (403, f"a {scope['method']} from {foreign} is refused: this server answers queries "
                           "from its own pages and from programs only")
        if problem is not None:
            await _error(*problem)(scope, receive, send)
            return

        async def secured(message: Any) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        try:
            await self.app(scope, receive, secured)
        except asyncio.CancelledError:  # the server is stopping with this request unanswered
            _log(f"{scope['method']} {scope['path']} was cut short: the server is stopping")
        except (ConnectionError, OSError) as exc:  # the client's connection broke while answering
            _log(f"the connection broke while answering {scope['method']} {scope['path']}: "
                 f"{exc.strerror or type(exc).__name__}")


async def _body(request: Request) -> bytes:
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_REQUEST_BYTES:
        raise HttpError(413, f"the request body has {size:,} bytes — this server reads at most {MAX_REQUEST_BYTES:,}")
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_REQUEST_BYTES:
            raise HttpError(413, f"the request body is larger than {MAX_REQUEST_BYTES:,} bytes, this server's limit")
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(config: ServerConfig, pool: WorkerPool) -> Any:
    """The ASGI application for ``config``, answering through ``pool`` (started and stopped by the caller)."""

    async def reports() -> dict[str, Report]:
        # Parsing the folder takes a moment when a file changed: not on the event loop.
        return await asyncio.to_thread(load_reports, config.queries)

    async def run(job: Job, request: Request) -> Response:
        return _response(await answer(job, request))

    async def answer(job: Job, request: Request) -> Reply:
        """The pool's reply; a client that goes away meanwhile has its query stopped (its worker is
        replaced, not kept busy for nobody) and is logged in one line."""
        asked = asyncio.ensure_future(pool.run(job, client_of(request)))
        gone = asyncio.ensure_future(_disconnected(request))
        try:
            await asyncio.wait({asked, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
        if asked.done():
            return asked.result()
        asked.cancel()
        await asyncio.gather(asked, return_exceptions=True)
        _log(f"{_peer(request)} went away before the answer to {request.method} {request.url.path} "
             f"({job.kind}); it was stopped")
        return Reply.error(499, "the client went away")

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": PAGE_POLICY,
                                                            "X-Frame-Options": "DENY"})

    async def sparql(request: Request) -> Response:
        body = await _body(request) if request.method == "POST" else b""
        asked = read_sparql_request(request.method, request.query_params.multi_items(),
                                    request.headers.get("content-type"), body)
        check_size(asked.update if asked.update is not None else asked.query or "",
                   depth=config.limits.depth, length=config.limits.length)
        if asked.update is not None:
            if not config.allow_update:
                raise HttpError(403, "this server is read-only: updates are refused — start it with "
                                "--allow-update to accept them")
            if not config.allow_service:
                check_federation(asked.update, update=True)
            return await run(Job("update", text=asked.update, base=str(request.url.replace(query=""))), request)
        assert asked.query is not None
        if not config.allow_service:
            check_federation(asked.query, update=False)
        base = str(request.url.replace(query=""))
        return await run(Job("query", text=asked.query, accept=request.headers.get("accept"), format=asked.format,
                             default_graphs=asked.default_graphs, named_graphs=asked.named_graphs, base=base), request)

    async def catalogue(request: Request) -> Response:
        found = await reports()
        if accepts_turtle(request.headers.get("accept")):
            return Response(catalogue_turtle(found.values()), media_type="text/turtle; charset=utf-8",
                            headers={"Vary": "Accept"})
        return JSONResponse([_describe(r) for r in found.values()], headers={"Vary": "Accept"})

    async def report(request: Request) -> Response:
        name, fmt = request.path_params["name"], None
        stem, dot, extension = name.rpartition(".")
        if dot and stem:
            if extension.lower() not in EXTENSIONS:
                raise HttpError(404, f"no format for the extension .{extension} — expected one of: "
                                + ", ".join("." + e for e in EXTENSIONS))
            name, fmt = stem, EXTENSIONS[extension.lower()]
        found = await reports()
        if name not in found:
            raise HttpError(404, f"no report named {name!r} — GET /reports lists them")
        params = report_params(request.query_params.multi_items())
        return await run(Job("report", name=name, params=params, accept=request.headers.get("accept"), format=fmt),
                         request)

    async def network(request: Request) -> Response:
        fmt, params = network_params(request.query_params.multi_items())
        reply = await answer(Job("network", params=params, format=fmt), request)
        response = _response(reply)
        if reply.status == 200:
            response.headers["Content-Security-Policy"] = NETWORK_POLICY
        return response

    async def status(request: Request) -> Response:
        return JSONResponse({
            "trialgraph": __version__, "readOnly": not config.allow_update, "service": config.allow_service,
            "workers": pool.size, "timeLimit": config.limits.time, "maxRows": config.limits.rows,
            "maxBytes": config.limits.bytes, "maxQueryDepth": config.limits.depth,
            "maxQueryLength": config.limits.length, "maxMemory": pool.memory, "quickLimit": config.limits.quick,
            "maxClientRequests": config.limits.per_client, **pool.status(),
        })

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HttpError)
        response = _error(exc.status, exc.message)
        response.headers.update(exc.headers)
        if exc.status == 405:  # only /sparql says so: an update sent by GET
            response.headers["Allow"] = "GET, POST"
        return response

    async def graph_error(request: Request, exc: Exception) -> Response:
        return _error(400, str(exc))

    app = Starlette(
        routes=[
            Route("/", page, methods=["GET"]),
            Route("/sparql", sparql, methods=["GET", "POST"]),
            Route("/reports", catalogue, methods=["GET"]),
            Route("/reports/{name}", report, methods=["GET"]),
            Route("/network", network, methods=["GET"]),
            Route("/status", status, methods=["GET"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={HttpError: http_error, GraphError: graph_error},
    )
    return Guard(app, loopback=config.loopback)


def network_params(pairs: list[tuple[str, str]]) -> tuple[str | None, dict[str, Any]]:
    """The format and the build_network keywords of a /network request (blank values are left out).

    >>> network_params([("target", "CD38"), ("phase", "PHASE2"), ("phase", "PHASE3"), ("radius", "1")])
    (None, {'target': ['CD38'], 'phases': ['PHASE2', 'PHASE3'], 'radius': 1})
    """
    fmt, out = None, {}
    for name, value in pairs:
        name, value = name.replace("-", "_"), value.strip()
        if name == "format":
            fmt = value or None
            continue
        if name not in NETWORK_PARAMS:
            raise HttpError(400, f"unknown parameter {name!r} — the network view takes: "
                            + ", ".join([*NETWORK_PARAMS, "format"]))
        if not value:
            continue
        keyword, kind = NETWORK_PARAMS[name]
        if kind == "list":
            out.setdefault(keyword, []).append(value)
        elif keyword in out:
            raise HttpError(400, f"the parameter {name!r} is given twice — expected it once")
        elif kind == "int":
            if not value.lstrip("+-").isdigit():
                raise HttpError(400, f"{name}={value!r}: expected a whole number")
            out[keyword] = int(value)
        elif kind == "bool":
            if value.lower() not in ("1", "true", "yes", "0", "false", "no"):
                raise HttpError(400, f"{name}={value!r}: expected true or false")
            out[keyword] = value.lower() in ("1", "true", "yes")
        else:
            out[keyword] = value
    return fmt, out


def _describe(report: Report) -> dict[str, Any]:
    """A report as the catalogue lists it (what a form needs to ask for its parameters)."""
    return {
        "name": report.name,
        "url": f"/reports/{report.name}",
        "summary": report.summary,
        "description": report.description,
        "tags": report.tags,
        "check": report.is_check,
        "form": report.form,
        "parameters": [
            {"name": p.name, "type": p.kind, "required": p.required, "default": p.default,
             "choices": p.choices, "language": p.lang, "datatype": p.datatype}
            for p in report.parameters.values()
        ],
    }


__all__ = ["ServerConfig", "create_app", "is_loopback"]
