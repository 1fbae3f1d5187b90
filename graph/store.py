"""The store: the only module that talks to pyoxigraph (graph.remote talks to SPARQL endpoints).

A store location is a directory (the embedded on-disk store, created by the commands that write —
a missing or empty folder becomes a store; only a folder that holds one opens to read), ``memory:``
(an in-memory store for one process), or an ``http(s)://`` SPARQL endpoint.

Writes go one named graph per trial record. :meth:`EmbeddedStore.write_graphs` replaces graphs
in batches; a journal file in the store directory lists the graphs of the batch being written, so
that a load killed part-way is rolled back the next time the store is opened for writing: no trial
is ever left half-written. One process at a time may open an on-disk store; another gets a clear
"store is busy" error.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator, Protocol, Sequence

import pyoxigraph as ox

from graph.errors import QueryError, StoreError
from graph.kept_records import KeptRecords
from graph.sparql import has_dataset
from graph.vocab import PREFIXES, TG
from graph.writes import GraphWrite  # what write_graphs takes; importable from here too

MEMORY = "memory:"
JOURNAL = "trialgraph.journal"
LOCKFILE = "trialgraph.lock"

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def is_remote(location: str) -> bool:
    return location.startswith(("http://", "https://"))


class Store(Protocol):
    """What every command uses of a store: :class:`EmbeddedStore` and
    :class:`graph.remote.RemoteStore` (a SPARQL 1.1 endpoint) both provide it.

    Queries see the union of all named graphs as their default graph, with our prefixes
    predeclared; ``substitutions`` bind variables (an endpoint gets them as a ``VALUES`` block).
    Writes replace whole named graphs.
    """

    location: str
    recovered: list[str]
    path: Path | None

    def query(self, sparql: str, *, substitutions: dict[ox.Variable, ox.NamedNode | ox.Literal] | None = None,
              union: bool = True) -> QueryResult: ...
    def update(self, sparql: str) -> None: ...
    def write_graphs(self, writes: Sequence[GraphWrite], *, bulk: bool = False, slot: int = 0,
                     trusted: bool = False) -> None: ...
    def replace_from_file(self, path: Path, fmt: ox.RdfFormat, graphs: Sequence[str], *,
                          graph: str | None = None, opener: Callable[[Path], IO[bytes]] = open) -> None: ...
    def replace_with_quads(self, graphs: Sequence[str], quads: Sequence[ox.Quad]) -> None: ...
    def drop_graphs(self, graphs: Iterable[str]) -> None: ...
    def named_graphs(self) -> list[str]: ...
    def has_graph(self, graph: str) -> bool: ...
    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]: ...
    def quads_of_subject(self, subject: ox.NamedNode | ox.BlankNode) -> Iterator[ox.Quad]: ...
    def __len__(self) -> int: ...
    def record_hashes(self, graphs: Sequence[str]) -> dict[str, str]: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> "Store": ...
    def __exit__(self, *exc: object) -> None: ...


def is_store_dir(path: Path) -> bool:
    """Whether a directory holds an on-disk store (pyoxigraph's RocksDB files: ``CURRENT`` naming a
    ``MANIFEST-*``). Every store trialgraph has made has them, whatever its version."""
    current = path / "CURRENT"
    try:
        name = current.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return False
    return name.startswith("MANIFEST-") and (path / name).is_file()


def _check_location(path: Path, location: str, *, create: bool) -> None:
    """Refuse, before anything is written there, a location that is not a store: without ``create``
    (the commands that only read) any folder that is not one; with it, a file or a folder holding
    other things (a missing or empty folder becomes a new store)."""
    if path.exists() and not path.is_dir():
        raise StoreError(f"{location}: is a file — expected a store directory (or 'memory:')")
    if path.is_dir() and (is_store_dir(path) or (path / LOCKFILE).exists()):
        return  # a store, or one a process is making (its lock says which: see EmbeddedStore.__init__)
    if not create:
        raise _no_store(location, path)
    if path.is_dir():
        others = sorted(p.name for p in path.iterdir() if p.name != LOCKFILE)
        if others:
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            raise StoreError(
                f"{location}: this folder holds other files ({shown}) and is not a store — give --store "
                "an empty or new folder, or the folder of an existing store"
            )


def _no_store(location: str, path: Path) -> StoreError:
    return StoreError(
        f"{location}: no store here — run 'trialgraph build' or 'trialgraph load' first, "
        "or pass --store" + ("" if not path.exists() else
                             " (this folder holds no store made by either, and is left as it is)")
    )


def open_store(location: str | os.PathLike[str], *, create: bool = True) -> "EmbeddedStore":
    """Open the store at ``location`` (a directory, ``memory:`` or an endpoint URL).

    An ``http(s)://`` location is the query URL of a SPARQL 1.1 endpoint: a
    :class:`graph.remote.RemoteStore`, configured from the environment or trialgraph.toml.
    """
    location = str(location)
    if is_remote(location):
        from graph.remote import RemoteStore

        return RemoteStore(location, create=create)  # type: ignore[return-value]
    return EmbeddedStore(location, create=create)


class EmbeddedStore:
    """pyoxigraph on disk (or in memory). Queries see the union of all named graphs."""

    read_only: bool = False  #: opened with :meth:`attach` in read-only mode
    supports_lateral = True  #: pyoxigraph evaluates SPARQL 1.2 LATERAL (see graph.sparql.lateral)

    def __init__(self, location: str, *, create: bool = True) -> None:
        self.location = location
        self._lock: IO[str] | None = None
        self.recovered: list[str] = []
        if location == MEMORY:
            self._store = ox.Store()
            self.path: Path | None = None
            return
        self.path = Path(location)
        _check_location(self.path, location, create=create)
        self.path.mkdir(parents=True, exist_ok=True)
        self._take_lock()  # a store still being made is busy, not missing
        if not create and not is_store_dir(self.path):
            self._release_lock()
            raise _no_store(location, self.path)
        try:
            self._store = ox.Store(str(self.path))
        except OSError as exc:
            self._release_lock()
            raise StoreError(f"{location}: cannot open the store ({exc})") from exc
        self._recover()

    # --- lifecycle ---------------------------------------------------------------------------

    def _take_lock(self) -> None:
        assert self.path is not None
        handle = open(self.path / LOCKFILE, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StoreError(
                f"{self.location}: store is busy — {holder} has it open. Wait for it to finish, "
                "or query a running 'trialgraph serve' with --store http://HOST:PORT/sparql"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"trialgraph process {os.getpid()}")
        handle.flush()
        self._lock = handle

    def _release_lock(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    @classmethod
    def attach(cls, location: str, *, read_only: bool = True) -> "EmbeddedStore":
        """Open an on-disk store whose lock another process holds on our behalf (the query workers
        of ``trialgraph serve``): no lock is taken and nothing is recovered. Several processes may
        attach read-only at once, but only while none writes."""
        self = cls.__new__(cls)
        self.location, self._lock, self.recovered, self.path = location, None, [], Path(location)
        self.read_only = read_only
        try:
            self._store = ox.Store.read_only(location) if read_only else ox.Store(location)
        except OSError as exc:
            raise StoreError(f"{location}: cannot open the store ({exc})") from exc
        return self

    def detach(self, holder: str) -> None:
        """Close the store but keep its lock, naming ``holder`` to processes told it is busy: the
        locking process lets its own workers :meth:`attach` while no other process may write."""
        if getattr(self, "_store", None) is not None:
            self.flush()
            self._store = None  # type: ignore[assignment]
        if self._lock is not None:
            self._lock.seek(0)
            self._lock.truncate()
            self._lock.write(holder)
            self._lock.flush()

    def kept(self) -> "KeptRecords":
        """The raw records this store's trials were mapped from (see :mod:`graph.kept_records`),
        opened the first time they are asked for."""
        kept = getattr(self, "_kept", None)
        if kept is None:
            if self.read_only:
                raise StoreError(f"{self.location}: opened read-only, its kept records cannot be written")
            kept = self._kept = KeptRecords(self.path)
        return kept

    def close(self) -> None:
        kept = getattr(self, "_kept", None)
        if kept is not None:
            kept.close()
            self._kept = None
        if getattr(self, "_store", None) is not None:
            if self.path is not None and not self.read_only:
                self._store.flush()
            self._store = None  # type: ignore[assignment]
            if self.path is not None:
                # the database closes when its last reference goes; query results caught in a
                # reference cycle (a traceback, say) would otherwise keep it open and locked
                gc.collect()
        self._release_lock()

    def __enter__(self) -> "EmbeddedStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _recover(self) -> None:
        """Roll back the batches a killed load was writing (their graphs are removed whole)."""
        if self.path is None:
            return
        journals = sorted(p for p in self.path.glob(JOURNAL + "*") if not p.name.endswith(".tmp"))
        for journal in journals:
            try:
                graphs = json.loads(journal.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                graphs = []
            for graph in graphs:
                self._store.remove_graph(ox.NamedNode(graph))
            self._store.flush()
            journal.unlink()
            self.recovered.extend(graphs)

    def _journal_path(self, slot: int = 0) -> Path | None:
        """The journal of one writer (a load writes up to WRITERS batches at once, one per slot)."""
        if self.path is None:
            return None
        return self.path / (JOURNAL if slot == 0 else f"{JOURNAL}.{slot}")

    # --- writing -----------------------------------------------------------------------------

    def write_graphs(self, writes: Sequence[GraphWrite], *, bulk: bool = False, slot: int = 0,
                     trusted: bool = False) -> None:
        """Replace each listed graph by its new content.

        Graphs marked ``replace=False`` are known to be absent and are simply added; the others
        are dropped and re-inserted in one transaction. With ``bulk=True`` every graph goes through
        the store's bulk loader, a graph to replace removed first (fast, not transactional; the
        journal covers a crash: the graphs of a write a crash cut short are removed whole). Writers
        running at once use different ``slot``s (each has its own journal). ``trusted`` N-Quads
        come from trialgraph's own serialiser (every IRI absolute and escaped), so the bulk loader
        may skip re-validating them.
        """
        if not writes:
            return
        self._journal([w.graph for w in writes if not w.additive], slot)
        # a graph to replace that the store does not hold yet is new: it is added like one (the
        # update that replaces a graph in one step parses its triples as SPARQL, slow for a big
        # reference graph)
        replaced = [w for w in writes if w.replace and not w.additive
                    and self._store.contains_named_graph(ox.NamedNode(w.graph))]
        if bulk and replaced:
            # under the journal, a graph to replace is removed and bulk-loaded again: a crash in
            # between removes it whole on the next open, as it would a graph replaced by the update
            # (which, for a big reference graph such as MeSH, parses every triple: minutes)
            for w in replaced:
                self._store.remove_graph(ox.NamedNode(w.graph))
            removed, replaced = replaced, []
        else:
            removed = []
        kept = {id(w) for w in replaced}
        fresh = "".join(w.nquads for w in writes if id(w) not in kept)
        if fresh:
            if bulk:
                self._store.bulk_load(fresh.encode("utf-8"), format=ox.RdfFormat.N_QUADS, lenient=trusted)
            else:
                self._store.load(fresh.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
        if replaced:
            self._store.update(_replace_update(replaced))
        # The files the bulk loader hands to the store are part of it (in RocksDB's manifest) once
        # it returns: only writes made through a transaction need a flush before the journal goes.
        # A flush also waits for the store's compaction to catch up, which, batch after batch,
        # would slow a big load more and more as the store grows.
        self._end_journal(slot, flush=bool(replaced or removed) or (bool(fresh) and not bulk))

    def _journal(self, graphs: list[str], slot: int = 0) -> None:
        """Record the graphs about to be written, so a crash mid-write can be rolled back."""
        journal = self._journal_path(slot)
        if journal is not None:
            tmp = journal.with_name(journal.name + ".tmp")
            tmp.write_text(json.dumps(graphs), encoding="utf-8")
            os.replace(tmp, journal)

    def _end_journal(self, slot: int = 0, *, flush: bool = True) -> None:
        journal = self._journal_path(slot)
        if journal is not None and journal.exists():
            if flush:
                self._store.flush()
            journal.unlink()

    def replace_from_file(self, path: Path, fmt: ox.RdfFormat, graphs: Sequence[str], *,
                          graph: str | None = None, opener: Callable[[Path], IO[bytes]] = open) -> None:
        """Replace ``graphs`` by the content of an RDF file, streamed through the bulk loader.

        Triples of the file go to ``graph``. The file must have been checked already (a syntax
        error here would leave a partial load, which the journal rolls back on the next open).
        """
        self._journal(list(graphs))
        self.drop_graphs(graphs)
        kwargs = {"to_graph": ox.NamedNode(graph)} if graph else {}
        with opener(path) as stream:
            self._store.bulk_load(stream, format=fmt, base_iri=path.resolve().as_uri(), **kwargs)
        self._end_journal()

    def replace_with_quads(self, graphs: Sequence[str], quads: Sequence[ox.Quad]) -> None:
        """Replace ``graphs`` by the given quads, in one transaction."""
        self._journal(list(graphs))
        self.drop_graphs(graphs)
        self._store.extend(quads)
        self._end_journal()

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        for graph in graphs:
            self._store.remove_graph(ox.NamedNode(graph))

    def clear(self) -> None:
        self._store.clear()

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self._store.flush()

    def optimize(self) -> None:
        if self.path is not None:
            self._store.optimize()

    # --- reading -----------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[ox.Variable, ox.NamedNode | ox.Literal] | None = None,
        union: bool = True,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; our prefixes are predeclared.

        The dataset is the SPARQL 1.1 one: ``default_graphs`` / ``named_graphs`` when given (the
        protocol's ``default-graph-uri`` / ``named-graph-uri``), else the query's own ``FROM`` /
        ``FROM NAMED``, else (with ``union``) the union of all graphs as the default graph."""
        options: dict[str, object] = {}
        if default_graphs or named_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs] or ox.DefaultGraph()
            if named_graphs:
                options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
            union = False
        elif union and has_dataset(sparql):
            union = False  # pyoxigraph's union option would override the query's FROM
        try:
            return self._store.query(
                sparql,
                prefixes=PREFIXES,
                use_default_graph_as_union=union,
                substitutions=substitutions,
                base_iri=base_iri,
                **options,  # type: ignore[arg-type]
            )
        except SyntaxError as exc:
            raise QueryError(f"malformed SPARQL: {exc}") from exc

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update; our prefixes are predeclared, relative IRIs resolve against ``base_iri``."""
        try:
            self._store.update(sparql, prefixes=PREFIXES, base_iri=base_iri)
        except SyntaxError as exc:
            raise QueryError(f"malformed SPARQL update: {exc}") from exc

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def has_graph(self, graph: str) -> bool:
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad, or those of one named graph (``""`` for the default graph)."""
        g = ox.DefaultGraph() if graph == "" else ox.NamedNode(graph) if graph else None
        return self._store.quads_for_pattern(None, None, None, g)

    def quads_of_subject(self, subject: ox.NamedNode | ox.BlankNode) -> Iterator[ox.Quad]:
        return self._store.quads_for_pattern(subject, None, None, None)

    def dump_ntriples(self, graph: str | None) -> bytes:
        """One graph (``None``: the default graph) as canonical N-Triples, in index order."""
        source = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        return self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=source)

    def __len__(self) -> int:
        return len(self._store)

    def record_hashes(self, graphs: Sequence[str]) -> dict[str, str]:
        """The stored content hash of each listed trial graph that exists."""
        if not graphs:
            return {}
        values = " ".join(f"<{g}>" for g in graphs)
        result = self._store.query(
            f"SELECT ?g ?h WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?g <{TG.recordHash}> ?h }} }}"
        )
        return {row["g"].value: row["h"].value for row in result}  # type: ignore[union-attr]

    def mapping_keys(self) -> Iterator[tuple[str, str]]:
        """Each trial graph that has one, with its record's mapping key (``tg:mappingKey``)."""
        result = self._store.query(f"SELECT ?g ?k WHERE {{ GRAPH ?g {{ ?g <{TG.mappingKey}> ?k }} }}")
        for row in result:  # type: ignore[union-attr]
            yield row["g"].value, row["k"].value

    def set_mapping_keys(self, keys: Sequence[tuple[str, str]]) -> None:
        """Give each listed trial graph this mapping key in place of the one it has, in one transaction."""
        if not keys:
            return
        values = " ".join(f"<{g}>" for g, _ in keys)
        data = "\n".join(f'GRAPH <{g}> {{ <{g}> <{TG.mappingKey}> "{k}" }}' for g, k in keys)
        self._store.update(
            f"DELETE {{ GRAPH ?g {{ ?g <{TG.mappingKey}> ?k }} }} WHERE {{ VALUES ?g {{ {values} }} "
            f"GRAPH ?g {{ ?g <{TG.mappingKey}> ?k }} }} ;\nINSERT DATA {{ {data} }}"
        )

    def graph_hashes(self) -> Iterator[tuple[str, str | None]]:
        """Every named graph, with the content hash of the trial record it holds (None if none).

        One pass over the store, streamed: a loader that holds the store reads this once rather
        than asking about each batch's graphs, which costs more and more as the bulk loader's
        files pile up. A graph with a record hash comes first with its hash; every named graph
        then comes with None (so a reader keeps the first value it sees for a graph).
        """
        result = self._store.query(f"SELECT ?g ?h WHERE {{ GRAPH ?g {{ ?g <{TG.recordHash}> ?h }} }}")
        for row in result:  # type: ignore[union-attr]
            yield row["g"].value, row["h"].value
        for graph in self._store.named_graphs():
            if isinstance(graph, ox.NamedNode):
                yield graph.value, None


def _replace_update(writes: Sequence[GraphWrite]) -> str:
    parts = []
    for w in writes:
        # split at line feeds only: literals may hold U+2028 and other characters splitlines() breaks at
        triples = "".join(line.rsplit(" ", 2)[0] + " .\n" for line in w.nquads.split("\n") if line)
        parts.append(f"DROP SILENT GRAPH <{w.graph}> ;\nINSERT DATA {{ GRAPH <{w.graph}> {{\n{triples}}} }}")
    return " ;\n".join(parts)
