"""Loading: files -> readers -> records -> quads -> store, in batches, optionally in parallel.

Each trial record becomes one named graph. A record whose content is unchanged since the last load
is left alone (so loading the same input twice leaves exactly the same quads); a changed record
replaces its graph in one transaction; a bad record is reported and the rest of the batch loads.
A record read byte for byte as before, by the same trialgraph code with the same reference data,
is known unchanged by its mapping key (:func:`mapping_key`) and is not mapped again.
Mapping records to quads is pure and runs in worker processes when ``workers > 1``; the store is
fed in batches from the main process.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import hashlib
import itertools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence, TextIO

from graph import __version__, iris
from graph.errors import GraphError, InputError
from graph.kept_records import KeptRecord, KeptRecords
from graph.progress import Progress
from graph import linker_cache, linking
from graph.linking import Linker
from graph.paths import PACKAGE_DIR, seeds_dir
from graph.readers import GRAPH_READERS, TRIAL_READERS, detect, rdf
from graph.readers.base import RawRecord
from graph.records import Trial
from graph.store import EmbeddedStore, GraphWrite
from graph.triples import content_hash, record_nquads, trial_nquads
from graph.vocab import ENTITIES_GRAPH, TG, TRIAL_GRAPH_NS

#: Records per task sent to a worker, and quads per write to the store.
CHUNK = 64
BATCH_QUADS = 250_000
#: The first batch is smaller, and each next one twice as big up to BATCH_QUADS, so the store
#: starts writing while the first records are still being mapped (a small load is not one
#: batch written after all the mapping is done).
FIRST_BATCH_QUADS = 25_000
WRITERS = 2  #: batches written at once into an on-disk store
#: seconds the store's final flush may take before the load says it is waiting for the store
MERGE_NOTE_AFTER = 3.0
SHARED_SEEN_MAX = 2_000_000  #: entity statements remembered per load (about 160 MB at most)
WORKER_SEEN_MAX = 500_000  #: entity statements each worker process remembers (about 40 MB)
#: Prefix of the temporary directories through which workers hand their results over.
HANDOVER_PREFIX = "trialgraph-load-"
#: Warnings printed one by one before they are only counted.
MAX_WARNINGS_SHOWN = 50


@dataclass(slots=True)
class Mapped:
    """A trial record mapped to the N-Quads of its graph (provenance included)."""

    nct_id: str
    graph: str
    nquads: str  #: the record's own graph, provenance included
    shared_nquads: str  #: what it says about shared entities (added to the entities graph)
    record_hash: str
    fingerprint: int  #: 64 bits of the record hash, what a load remembers of it (:func:`fingerprint`)
    quads: int  #: statements mapped: those of ``nquads`` and ``shared_nquads`` as first mapped
    graph_quads: int  #: the lines of ``nquads``
    warnings: list[str]
    source: str
    mapping_key: int = 0  #: the record's :func:`mapping_key` (0: none), stated in ``nquads``
    offset: int = 0  #: how far into the load's input (bytes of all its files) the record ends
    #: the raw record, to keep beside the store for relinking (None: its payload held several records)
    kept: KeptRecord | None = None


@dataclass
class LoadSummary:
    files: int = 0
    studies: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    #: of the unchanged, those known by their mapping key, without mapping them again
    recognised: int = 0
    warnings: int = 0
    quads: int = 0
    rdf_files: int = 0
    reference_files: int = 0
    skipped: int = 0
    seconds: float = 0.0
    #: set when a signal stopped the load: its number, the records of the input not loaded (None:
    #: not known), whether that number is an estimate, and the RDF or reference files not loaded
    interrupted: int = 0
    left: int | None = None
    left_estimated: bool = False
    files_left: int = 0
    #: the trials already in the store, mapped again because the reference data changed (None:
    #: not relinked); of a relink itself: trials of the store without a kept record, and how many
    #: entity statements the rebuilt entities graph holds (None: not rebuilt)
    relinked: "LoadSummary | None" = None
    not_kept: int = 0
    entity_statements: int | None = None
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.rejected == 0 and not self.errors

    def line(self) -> str:
        rate = self.studies / self.seconds if self.seconds > 0 else 0.0
        parts = [
            f"loaded {self.studies:,} studies ({self.new:,} new, {self.changed:,} changed, "
            f"{self.unchanged:,} unchanged)",
            f"rejected {self.rejected:,}",
            f"{self.quads:,} quads written",
        ]
        if self.rdf_files:
            parts.append(f"{self.rdf_files} RDF file(s)")
        if self.reference_files:
            parts.append(f"{self.reference_files} reference file(s)")
        if self.warnings:
            parts.append(f"{self.warnings:,} warning(s)")
        parts.append(f"{self.seconds:.1f} s ({rate:,.0f} studies/s)")
        line = ", ".join(parts)
        if self.relinked is not None and (self.relinked.studies or self.relinked.not_kept):
            line += "; " + self.relinked.relink_line()
        return line

    def relink_line(self) -> str:
        """What a relink did (this summary is the relink's)."""
        if not self.studies and not self.not_kept:
            return "relinked: no trials in the store"
        if self.changed or self.new or self.entity_statements is not None:
            line = (f"relinked {self.studies:,} trial(s) already in the store with the reference data it holds now "
                    f"({self.changed:,} changed, {self.unchanged:,} unchanged")
            line += f", rejected {self.rejected:,})" if self.rejected else ")"
            if self.entity_statements is not None:
                line += f", the entities graph rebuilt from them ({self.entity_statements:,} statements)"
            line += f" in {self.seconds:.1f} s"
        else:
            line = f"relinked: all {self.studies:,} trial(s) already mapped with the reference data the store holds"
        if self.not_kept:
            line += (f"; {self.not_kept:,} trial(s) have no kept record (loaded by an earlier trialgraph, from RDF, "
                     "or from a file of several records in one payload) and stay as they are — load their files "
                     "again to relink them")
        return line

    def stopped_line(self) -> str:
        """Where an interrupted load stands: what is in the store, what is not."""
        parts = []
        if self.studies:
            parts.append(f"{self.studies:,} record(s) are in the store, each trial whole ({self.new:,} new, "
                         f"{self.changed:,} changed, {self.unchanged:,} unchanged)")
        if self.rejected:
            parts.append(f"{self.rejected:,} rejected")
        if self.left is None:
            parts.append("the rest of the input is not loaded")
        elif self.left or not parts:
            parts.append(f"{'about ' if self.left_estimated else ''}{self.left:,} record(s) of the input are not "
                         "loaded yet")
        if self.files_left:
            parts.append(f"{self.files_left} RDF or reference file(s) are not loaded yet")
        if self.relinked is not None and self.relinked.interrupted:
            parts.append("relinking the trials already in the store stopped: " + self.relinked.stopped_line() +
                         " — 'trialgraph relink' finishes it")
        return "; ".join(parts)


class Interrupted(KeyboardInterrupt):
    """A signal (Ctrl-C's SIGINT, SIGTERM) stopped the work. Raised from a load with its
    :class:`LoadSummary` once what was being written is committed (nothing is left half-written)."""

    def __init__(self, signum: int = signal.SIGINT, summary: LoadSummary | None = None) -> None:
        super().__init__(signum)
        self.signum = signum
        self.summary = summary

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a process the signal ended: 130, 143."""
        return 128 + self.signum

    @property
    def name(self) -> str:
        return "Ctrl-C (SIGINT)" if self.signum == signal.SIGINT else signal.Signals(self.signum).name


#: The main thread's writes to the store under way (how deep), and the signal that arrived meanwhile.
_STORE_WRITE = {"depth": 0, "signal": 0}


def stop_after_store_write(signum: int) -> bool:
    """For a signal handler: if the main thread is writing to the store, stop once that write is
    done (True), so that a write and its journal end together; False: stop now."""
    if _STORE_WRITE["depth"] == 0:
        return False
    _STORE_WRITE["signal"] = signum
    return True


@contextlib.contextmanager
def _store_write() -> Iterator[None]:
    """A write to the store that an interrupt (see :func:`stop_after_store_write`) lets finish."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _STORE_WRITE["depth"] += 1
    try:
        yield
    finally:
        _STORE_WRITE["depth"] -= 1
        if _STORE_WRITE["depth"] == 0 and _STORE_WRITE["signal"]:
            signum, _STORE_WRITE["signal"] = _STORE_WRITE["signal"], 0
            raise Interrupted(signum)  # (in place of an error of the write, if any: stopping was asked for)


def load_time() -> str:
    """The load time recorded in provenance: now, or ``$SOURCE_DATE_EPOCH`` for reproducible runs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc)
        if epoch
        else _dt.datetime.now(tz=_dt.timezone.utc)
    )
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def map_trial(trial: Trial, loaded_at: str, linker: Linker | None = None, mapping_key: int = 0) -> Mapped:
    """One trial as the full N-Quads of its graph."""
    own, shared = trial_nquads(trial, linker)
    own_text, shared_text = "".join(own), "".join(shared)
    digest = content_hash(own_text + shared_text)
    provenance = record_nquads(trial, record_hash=digest, loaded_at=loaded_at, mapping_key=mapping_key)
    text = own_text + "".join(provenance)
    return Mapped(
        nct_id=trial.nct_id,
        graph=iris.trial_graph(trial.nct_id),
        nquads=text,
        shared_nquads=shared_text,
        record_hash=digest,
        fingerprint=fingerprint(digest),
        quads=len(own) + len(shared) + len(provenance),
        graph_quads=len(own) + len(provenance),
        warnings=trial.warnings,
        source=trial.source,
        mapping_key=mapping_key,
    )


@functools.cache
def _code_digest() -> bytes:
    """A digest of trialgraph's own code (every module of the package): a new version, or any change
    to how records are read and mapped, changes it."""
    digest = hashlib.blake2b(__version__.encode("utf-8"), digest_size=32)
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    return digest.digest()


def mapping_context(linker: Linker | str | None, strict: bool) -> bytes:
    """What decides how a record is mapped, besides the record: trialgraph's code, the reference data
    of the linker (its :attr:`~graph.linking.Linker.fingerprint`) and ``--strict``."""
    digest = hashlib.blake2b(_code_digest(), digest_size=32)
    state = linker.fingerprint if isinstance(linker, Linker) else linker if linker is not None else "-"
    digest.update(f"\0{state}\0{int(strict)}".encode("utf-8"))
    return digest.digest()


def mapping_key(context: bytes, raw: RawRecord) -> int:
    """64 bits of a digest of a raw record's bytes as read, its format and the ``context``
    (:func:`mapping_context`); 0 for a record read as an already decoded object (a study of a
    streamed JSON array), which has no bytes of its own to go by.

    A trial graph stores the key of the record it was mapped from (``tg:mappingKey``): a later
    load that reads the same bytes with the same code and reference data has the same key, and
    counts the trial unchanged without parsing or mapping the record.
    """
    payload = raw.payload
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogatepass")
    elif not isinstance(payload, bytes):
        return 0
    digest = hashlib.blake2b(payload, digest_size=8, key=context, person=raw.fmt.encode("utf-8")[:16])
    digest.update(b"\1" if raw.marked else b"\0")
    return int.from_bytes(digest.digest(), "big") or 1


class SeenLines:
    """N-Quads lines already handed on in this load, remembered by a 128-bit digest.

    Most trials repeat what earlier ones said about a sponsor, site, drug or condition; the
    entities graph needs each statement once. The memory is bounded: past ``limit`` lines the
    set starts again, and a repeat then costs only a little extra work in the store.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: set[bytes] = set()

    def __len__(self) -> int:
        return len(self._seen)

    def unseen(self, nquads: str) -> list[str]:
        """The lines of ``nquads`` not seen before (each with its newline); they are seen now."""
        if len(self._seen) > self.limit:
            self._seen.clear()
        seen, out = self._seen, []
        for text in nquads.split("\n"):  # not splitlines(): U+0085 and U+2028 may sit inside literals
            if not text:
                continue
            line = text + "\n"
            key = hashlib.blake2b(line.encode("utf-8"), digest_size=16).digest()
            if key not in seen:
                seen.add(key)
                out.append(line)
        return out


_NCT_ID = re.compile(r"NCT\d{8}")


def id_key(nct_id: str) -> int | str:
    """An NCT id as a small number (``NCT00000102`` -> 102); any other id as it is.

    A load remembers every record it has seen, and a refresh every graph of the store: keyed
    by number, each entry takes about a third of the memory a string key does.
    """
    return int(nct_id[3:]) if _NCT_ID.fullmatch(nct_id) else nct_id


def graph_key(graph: str) -> int | str:
    """A trial graph's NCT number; any other graph's IRI as it is."""
    if graph.startswith(TRIAL_GRAPH_NS):
        key = id_key(graph[len(TRIAL_GRAPH_NS):])
        if isinstance(key, int):
            return key
    return graph


_FINGERPRINT = (1 << 64) - 1


def fingerprint(record_hash: str) -> int:
    """64 bits of a record hash: a changed record goes unnoticed with a chance of one in 2**64,
    and a 64-bit number takes a quarter of the memory of the hash's 64 hex digits."""
    return int.from_bytes(hashlib.blake2b(record_hash.encode("utf-8"), digest_size=8).digest(), "big")


class GraphHashes:
    """The graphs of a store and the record each holds, as a loader that owns the store knows them:
    graph -> fingerprint of its record hash (None: the graph exists but holds no trial record)."""

    def __init__(self, pairs: Iterable[tuple[str, str | None]] = ()) -> None:
        self._map: dict[int | str, int | None] = {}
        for graph, record_hash in pairs:
            self._map.setdefault(graph_key(graph), None if record_hash is None else fingerprint(record_hash))

    def __len__(self) -> int:
        return len(self._map)

    def __contains__(self, graph: str) -> bool:
        return graph_key(graph) in self._map

    def get(self, graph: str) -> int | None:
        """The fingerprint of the record in ``graph``; None if it holds none or does not exist."""
        return self._map.get(graph_key(graph))

    def get_key(self, key: int | str) -> int | None:
        """:meth:`get` by the graph's key (:func:`graph_key`)."""
        return self._map.get(key)

    def set(self, graph: str, value: int) -> None:
        """``graph`` now holds the record with this fingerprint."""
        self._map[graph_key(graph)] = value


#: The linker of a worker process, set once by :func:`_init_worker`.
_WORKER_LINKER: Linker | None = None
#: The entity statements a worker process has already sent in this load.
_WORKER_SEEN: SeenLines | None = None


def _init_worker(linker: Linker | None) -> None:
    global _WORKER_LINKER, _WORKER_SEEN
    # Ctrl-C reaches every process of the terminal's group: the loading process stops its workers
    # itself once it has finished what it writes. (SIGTERM is left as it is: the executor ends its
    # workers with it when one of them dies.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_loader()
    _WORKER_LINKER = linker
    _WORKER_SEEN = SeenLines(WORKER_SEEN_MAX)


def _exit_with_loader() -> None:
    """End this worker as soon as the loading process is gone, however it ended (kill -9 too).

    A worker waits for its next task on a pipe it holds both ends of, so nothing else would end it;
    and while a worker lives, so do the forkserver and the resource tracker (they wait for every
    process holding their pipes). A thread waits on the pipe that only the loading process holds
    the write end of (multiprocessing's parent sentinel); it ends when that process does.
    """
    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)
    loader = parent.pid if parent is not None else os.getppid()

    def watch() -> None:
        if sentinel is not None:
            multiprocessing.connection.wait([sentinel])
        else:  # pragma: no cover - every start method gives a sentinel; this is a fallback
            while _running(loader):
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="trialgraph-loader-watch", daemon=True).start()


def map_raw(raw: RawRecord, loaded_at: str, strict: bool = False, linker: Linker | None = None) -> list[Mapped | InputError]:
    """Parse and map one raw record (runs in a worker process)."""
    linker = linker or _WORKER_LINKER
    out: list[Mapped | InputError] = []
    items = list(TRIAL_READERS[raw.fmt].parse(raw))
    key = raw.key if len(items) == 1 else 0  # a key stands for one record; a file of several has none
    kept = _kept(raw) if len(items) == 1 and not isinstance(items[0], InputError) else None
    for item in items:
        if isinstance(item, InputError):
            out.append(item)
        elif strict and item.warnings:
            out.append(InputError("; ".join(item.warnings), source=item.source, record=item.nct_id,
                                  expected="a record without warnings (--strict)"))
        else:
            mapped = map_trial(item, loaded_at, linker, key)
            mapped.offset = raw.offset
            mapped.kept = kept
            out.append(mapped)
    return out


def _kept(raw: RawRecord) -> KeptRecord | None:
    """The record to keep for relinking; None for a decoded one JSON cannot write back (nested
    deeper than Python's recursion limit: the trial then counts as having no kept record)."""
    try:
        return KeptRecord.of(raw)
    except (RecursionError, TypeError, ValueError):
        return None


def _map_chunk(chunk: list[RawRecord], loaded_at: str, strict: bool, handover: str) -> str:
    """Map records in a worker; entity statements this worker sent before are not sent again (the
    main process removes the repeats between workers).

    The results go into a file in the ``handover`` directory, and only its name goes back through the
    executor's pipe. That pipe is shared by the workers, and a result bigger than the pipe is written
    in pieces: a worker killed half-way through one leaves the executor waiting for the rest forever
    (it holds the pipe's other end itself, so no end-of-file comes). A name is far under PIPE_BUF, and
    the kernel writes it whole or not at all, so a killed worker is always seen as a broken pool.
    """
    out = [map_raw(raw, loaded_at, strict) for raw in chunk]
    if _WORKER_SEEN is not None:
        for results in out:
            for item in results:
                if isinstance(item, Mapped):
                    item.shared_nquads = "".join(_WORKER_SEEN.unseen(item.shared_nquads))
    try:
        fd, name = tempfile.mkstemp(dir=handover)
        with open(fd, "wb") as file:
            file.write(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as exc:
        raise _handover_error(os.path.dirname(handover), exc) from None
    return name


def _handover_error(where: str, exc: OSError) -> GraphError:
    return GraphError(
        f"{where}: cannot write the workers' results there ({exc.strerror or exc}) — expected a writable "
        "temporary directory with room for a few files of about 3 MB (set TMPDIR to another one), or load "
        "with --workers 1"
    )


def _take_over(name: str) -> list[list[Mapped | InputError]]:
    """The results a worker handed over in the file ``name`` (removed once read)."""
    with open(name, "rb") as file:
        data = file.read()
    os.unlink(name)
    return pickle.loads(data)  # noqa: S301 - written by this load's own workers


def _handover_directory() -> tempfile.TemporaryDirectory[str]:
    """A new directory for the workers' results, named after this process; the ones that loads
    killed before they could remove theirs (their process is gone) are removed first."""
    try:
        where = tempfile.gettempdir()
        for old in Path(where).glob(HANDOVER_PREFIX + "*"):
            pid = old.name[len(HANDOVER_PREFIX):].split("-", 1)[0]
            if pid.isdigit() and not _running(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
        return tempfile.TemporaryDirectory(prefix=f"{HANDOVER_PREFIX}{os.getpid()}-")
    except OSError as exc:  # no usable temporary directory at all
        raise _handover_error(os.environ.get("TMPDIR", "the temporary directory"), exc) from None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        pass
    return True


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[Path, bool]]:
    """Files named directly, and every file under the directories named, in sorted order.

    Each comes with whether the user named it (True) or it was found in a directory (False).
    """
    out: list[tuple[Path, bool]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            out.extend(
                (p, False) for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith(".")
            )
        elif path.exists():
            out.append((path, True))
        else:
            raise InputError("no such file or directory", source=str(given), expected="a file or directory to load")
    return out


class Loader:
    """Loads files into a store and reports what happened on ``err``."""

    def __init__(
        self,
        store: EmbeddedStore,
        *,
        workers: int = 1,
        strict: bool = False,
        fmt: str | None = None,
        err: TextIO | None = None,
        progress: bool = True,
        bulk: bool = True,
        linker: Linker | None = None,
        relink: bool = True,
    ) -> None:
        self.store = store
        #: when a load changes the reference data, map the trials already in the store again
        self.relink_after = relink
        self.workers = max(1, workers)
        self.strict = strict
        self.fmt = fmt
        self.err = err or sys.stderr
        self.show_progress = progress
        self.bulk = bulk
        self.linker = linker
        self._linker_given = linker is not None  #: a caller's linker, keyed by its fingerprint
        self.loaded_at = load_time()
        self.summary = LoadSummary()
        self._writer: _Writer | None = None
        #: every record accepted in this load: NCT id key -> its fingerprint, plus the index of
        #: its file (in :attr:`_files`) shifted 64 bits up: one number per record
        self._seen: dict[int | str, int] = {}
        self._files: dict[str, int] = {}  #: file (an archive, not its member) -> index
        self._pending: list[Mapped] = []
        self._pending_quads = 0
        #: mapping key -> the graph key (:func:`graph_key`) of the trial graph stored with it; None
        #: when records are not recognised by their key (a remote store: asking it costs more)
        self._stored_keys: dict[int, int | str] | None = None
        self._context = b""
        self._batch_quads = min(FIRST_BATCH_QUADS, BATCH_QUADS)
        #: trial file -> its raw records, once it is read to the end
        self._file_records: dict[Path, int] = {}
        self._raw_rejected = 0  #: records rejected when parsed or mapped
        #: batches handed to the writer and not yet committed: id -> the input offset of the first record
        self._open_batches: dict[int, int] = {}
        self._batches_lock = threading.Lock()
        self._accepted_offset = 0  #: the input offset of the last record mapped and accepted
        #: records found again in this load since the last batch was handed over, and those a
        #: batch not yet committed waits with (they are done once it is: their first may be in it)
        self._repeats = 0
        self._batch_repeats: dict[int, int] = {}
        self._detected = False  #: every file's format is known (and the RDF and reference files loaded)
        self._relinking = False  #: mapping kept records again (:meth:`relink`)
        self._current_offset = 0

    # --- reporting ---------------------------------------------------------------------------

    def _error(self, message: str) -> None:
        self.summary.errors.append(message)
        print(f"error: {message}", file=self.err, flush=True)

    def _reject(self, error: InputError) -> None:
        self.summary.rejected += 1
        self._error(str(error))

    def _warn(self, message: str) -> None:
        self.summary.warnings += 1
        if self._relinking:  # said when the record was loaded; each trial keeps them as tg:qualityNote
            return
        if self.summary.warnings <= MAX_WARNINGS_SHOWN:
            print(f"warning: {message}", file=self.err)
        elif self.summary.warnings == MAX_WARNINGS_SHOWN + 1:
            print("warning: more warnings follow; only their number is reported (each record keeps its "
                  "own as tg:qualityNote)", file=self.err)

    # --- the pipeline ------------------------------------------------------------------------

    def load(self, paths: Sequence[str | os.PathLike[str]]) -> LoadSummary:
        """Load the files and directories ``paths``; the summary says what happened.

        A KeyboardInterrupt (Ctrl-C, or SIGTERM turned into :class:`Interrupted`) stops the load:
        what waits to be written is dropped, the batch being written is finished (so every trial in
        the store is whole), and :class:`Interrupted` is raised with the summary, which says how many
        records are in the store and how many are not. The same load run again finishes the rest.
        """
        started = time.monotonic()
        try:
            files = expand_paths(paths)
        except InputError as exc:
            self._error(str(exc))
            return self.summary
        sizes = {f: f.stat().st_size for f, _ in files}
        progress = Progress(sum(sizes.values()), stream=self.err, enabled=self.show_progress)
        self._progress = progress
        self._done_bytes = 0
        skipped: list[str] = []
        trial_sources: list[tuple[Path, str]] = []
        graph_sources: list[tuple[Path, str]] = []
        try:
            for path, named in files:
                try:
                    fmt = self.fmt or detect(path)
                except InputError as exc:
                    if named:
                        self._reject(exc)
                    else:
                        skipped.append(path.name)
                    self._done_bytes += sizes[path]
                    continue
                self.summary.files += 1
                if fmt in rdf.FORMATS or fmt in GRAPH_READERS:
                    graph_sources.append((path, fmt))
                else:
                    trial_sources.append((path, fmt))
            self._detected = True
            self.summary.files_left = len(graph_sources)  # each counts itself off once loaded (or rejected)
            stamp = linker_stamp(self.store) if graph_sources and self.relink_after else None
            for path, fmt in graph_sources:
                if fmt in rdf.FORMATS:
                    self._load_rdf(path, fmt)
                else:
                    self._load_reference(path, fmt)
                self._done_bytes += sizes[path]
                progress.update(self._done_bytes, 0, self.summary.quads)
            if stamp is not None and linker_stamp(self.store) != stamp:
                progress.close()
                self._relink_stored()
            self._writer = _Writer(self.store, self.summary, bulk=self.bulk, written=self._written)
            if trial_sources:
                # keyed by the state of the reference graphs, so a load whose records are all known
                # never builds the linker (seconds with the open reference)
                state = self.linker if self._linker_given else linker_stamp(self.store)
                self._context = self._writer.context = mapping_context(state, self.strict)
                self._stored_keys = self._writer.stored_keys()
            self._through_writer(lambda: self._load_trials(trial_sources, sizes))
            self._count_repeats(self._repeats)  # those after the last batch
            self._repeats = 0
            progress.update(self._done_bytes, self.summary.studies, self.summary.quads)
            self._final_flush()
        except KeyboardInterrupt as exc:
            if self._writer is not None:  # stopped while it closed: let it finish what it writes
                self._writer.abort()
            progress.close()
            self._stopped(exc, trial_sources, sizes, started)
        finally:
            progress.close()
        if skipped:
            shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
            print(f"note: skipped {len(skipped)} file(s) of no known format: {shown}", file=self.err)
        self.summary.skipped = len(skipped)
        self.summary.seconds = time.monotonic() - started
        return self.summary

    #: seconds an interrupted load may spend counting the records it did not reach
    COUNT_LEFT_SECONDS = 3.0

    def _relink_stored(self) -> None:
        """The reference data changed: map the trials already in the store again (before the trial
        files of this load, which then find those of their records already relinked unchanged)."""
        if not isinstance(self.store, EmbeddedStore):
            if next(iter(self.store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g a <{TG.TrialRecord}> }} }} LIMIT 1")),
                    None) is not None:
                print("note: the reference data changed; the trials already in this remote store keep the links "
                      "they were mapped with (a remote store keeps no records to map again) — load their files "
                      "again to relink them", file=self.err)
            return
        relinker = Loader(self.store, workers=self.workers, strict=self.strict, err=self.err,
                          progress=self.show_progress, bulk=self.bulk, relink=False)
        relinker.loaded_at = self.loaded_at
        try:
            self.summary.relinked = relinker.relink()
        except Interrupted as stop:
            self.summary.relinked = stop.summary
            raise
        if relinker.linker is not None:
            self.linker = relinker.linker  # built once: the trial files of this load map with it too

    def relink(self) -> LoadSummary:
        """Map the kept records of the trials in the store again with the reference data the store
        holds now, so a trial links what it would link if it were loaded now; trials whose graph
        comes out the same are not written. When every trial has a kept record, the entities graph
        (what the trials say of sponsors, sites, drugs, conditions) is rebuilt from them, so nothing
        a link no longer made leaves behind stays. The summary says what happened.

        Nothing is mapped when every trial was mapped with the store's present reference data and
        this trialgraph (their mapping keys say so): a relink that has nothing to do reads the kept
        records once, and stops.
        """
        started = time.monotonic()
        summary = self.summary
        self._relinking = True
        if not isinstance(self.store, EmbeddedStore):
            raise GraphError(
                f"{getattr(self.store, 'location', 'this store')}: relinking maps the records the trials came from "
                "again, and only a store trialgraph opens itself (a folder, or memory:) keeps them — load the trial "
                "files again instead (records read before are mapped anew when the reference data changed)")
        kept = self.store.kept()
        trials = {g for g in self.store.named_graphs() if g.startswith(TRIAL_GRAPH_NS)}
        held = kept.graphs()
        kept.delete(held - trials)  # a write a crash cut short: its graph is not in the store
        held &= trials
        summary.not_kept = len(trials - held)
        self._writer = _Writer(self.store, summary, bulk=self.bulk, written=self._written,
                               collect_shared=not summary.not_kept)
        self._context = mapping_context(linker_stamp(self.store), self.strict)

        def raws() -> Iterator[RawRecord]:
            count = 0
            for graph, row in kept.records():
                if graph in held:
                    count += 1
                    raw = RawRecord(row.fmt, row.source, row.position, row.payload_value(), count, row.marked)
                    raw.key = mapping_key(self._context, raw)
                    yield raw

        # stale: a trial mapped with other reference data or code (its kept record says with which), or
        # the entities graph lost (a crash while it was rebuilt removes it whole)
        stale = bool(held) and not summary.not_kept and not self.store.has_graph(ENTITIES_GRAPH)
        stale = stale or kept.mapped_otherwise(self._context) > 0  # the rows left are all of graphs held
        if not stale:
            self._writer.close()
            summary.studies = summary.unchanged = len(held)
            summary.seconds = time.monotonic() - started
            return summary
        self._progress = progress = Progress(len(held), stream=self.err, enabled=self.show_progress)
        try:
            self._writer.context = self._context
            self._through_writer(lambda: self._map_all(raws()), then=self._rebuild_entities)
            self._final_flush()
        except KeyboardInterrupt as exc:
            progress.close()
            summary.interrupted = getattr(exc, "signum", signal.SIGINT)
            summary.left = max(0, len(held) - summary.studies - self._raw_rejected)
            summary.seconds = time.monotonic() - started
            raise Interrupted(summary.interrupted, summary) from None
        finally:
            progress.close()
        summary.seconds = time.monotonic() - started
        return summary

    def _rebuild_entities(self) -> None:
        assert self._writer is not None
        self._writer.drain()
        if self._writer.collected is not None:
            self.summary.entity_statements = self._writer.write_collected()

    def _through_writer(self, work: Callable[[], None], then: Callable[[], None] | None = None) -> None:
        """Run ``work``, which hands records on to the writer, hand over what is left pending, run
        ``then``, and close the writer. An interrupt drops the batches waiting and lets the one being
        written finish (every trial in the store stays whole)."""
        assert self._writer is not None
        try:
            work()
            self._flush()
            if then is not None:
                then()
        except KeyboardInterrupt:
            self._writer.abort()
            raise
        finally:
            if not self._writer.aborted:
                self._writer.close()

    def _stopped(self, exc: KeyboardInterrupt, trial_sources: list[tuple[Path, str]], sizes: dict[Path, int],
                 started: float) -> None:
        """Finish the summary of an interrupted load and raise :class:`Interrupted` with it."""
        summary = self.summary
        summary.interrupted = getattr(exc, "signum", signal.SIGINT)
        summary.seconds = time.monotonic() - started
        if not self._detected:  # stopped while finding out what the files are
            summary.left = None
        elif trial_sources:
            total, estimated = self._count_records(trial_sources, sizes)
            if total is not None:
                summary.left = max(0, total - summary.studies - self._raw_rejected)
                summary.left_estimated = estimated
        else:
            summary.left = 0
        raise Interrupted(summary.interrupted, summary) from None

    def _count_records(self, sources: list[tuple[Path, str]], sizes: dict[Path, int]) -> tuple[int | None, bool]:
        """The records of the trial files: counted (False) for the files read whole before the
        interrupt and for the others as far as :attr:`COUNT_LEFT_SECONDS` allows; past that,
        estimated (True) from the records per byte seen so far."""
        deadline = time.monotonic() + self.COUNT_LEFT_SECONDS
        counted_bytes = sum(sizes[p] for p in self._file_records)
        counted = sum(self._file_records.values())
        total, estimated, unknown = 0, False, 0
        for path, fmt in sources:
            if path in self._file_records:
                total += self._file_records[path]
                continue
            if time.monotonic() < deadline:
                records = offset = 0
                try:
                    for item in TRIAL_READERS[fmt].read(path, str(path)):
                        if isinstance(item, InputError):
                            continue
                        records, offset = records + 1, item.offset
                        if records % 256 == 0 and time.monotonic() >= deadline:
                            break
                    else:
                        total, counted, counted_bytes = total + records, counted + records, counted_bytes + sizes[path]
                        continue
                except KeyboardInterrupt:  # asked again: no time for counting
                    offset = 0
                if offset > 0:  # the rest of this file at the density of its start
                    total += round(records * max(sizes[path], offset) / offset)
                    estimated = True
                    continue
            unknown += sizes[path]
        if unknown:
            if counted_bytes <= 0 or counted <= 0:
                return None, True
            total += round(counted * unknown / counted_bytes)
            estimated = True
        return total, estimated

    def _written(self, batch: list[Mapped]) -> None:
        """A batch is committed (called from the thread that wrote it)."""
        with self._batches_lock:
            self._open_batches.pop(id(batch), None)
            repeats = self._batch_repeats.pop(id(batch), 0)
        self._count_repeats(repeats)
        self._progress.update(self._committed_offset(), self.summary.studies, self.summary.quads)

    def _count_repeats(self, repeats: int) -> None:
        """Records repeated in this load (the same NCT id and content again) are done."""
        if repeats:
            with self.summary.lock:
                self.summary.studies += repeats
                self.summary.unchanged += repeats

    def _committed_offset(self) -> int:
        """How far into the input every record is done (committed, found unchanged or rejected): up to
        the first record of a batch not yet committed, and no further than the records accepted."""
        pending = self._pending  # only ever appended to, or replaced by a new list: safe to read
        with self._batches_lock:
            firsts = list(self._open_batches.values())
        if pending:
            firsts.append(pending[0].offset)
        return min(firsts, default=self._accepted_offset)

    def _final_flush(self) -> None:
        """Flush the store. Batches do not wait for the store to merge what they add, so on a big
        load this waits until the merging has nearly caught up (a minute at 200k studies); the
        load says so when the wait is long."""
        timer = threading.Timer(MERGE_NOTE_AFTER, self._progress.note, args=(
            "every record is written; waiting for the store to merge what was loaded (minutes on a big load)",))
        timer.daemon = True
        timer.start()
        try:
            self.store.flush()
        finally:
            timer.cancel()

    def _raw_records(self, sources: list[tuple[Path, str]], sizes: dict[Path, int]) -> Iterator[RawRecord]:
        """The raw records of the trial files, each with its offset in the whole input."""
        for path, fmt in sources:
            reader = TRIAL_READERS[fmt]
            records = 0
            for item in reader.read(path, str(path)):
                if isinstance(item, InputError):
                    self._reject(item)
                else:
                    records += 1
                    item.offset = self._current_offset = self._done_bytes + min(item.offset, sizes[path])
                    yield item
            self._file_records[path] = records
            self._done_bytes += sizes[path]
            self._current_offset = self._done_bytes

    def _load_trials(self, sources: list[tuple[Path, str]], sizes: dict[Path, int]) -> None:
        self._current_offset = 0
        self._map_all(self._raws_to_map(self._raw_records(sources, sizes)))

    def _map_all(self, raws: Iterator[RawRecord]) -> None:
        """Map the raw records (in worker processes with ``workers`` > 1) and hand them on to be written."""
        if self.workers == 1:
            for raw in raws:
                self._accept(map_raw(raw, self.loaded_at, self.strict, self._needed_linker()))
            return
        chunks = _chunks(raws, CHUNK)
        first = next(chunks, None)
        if first is None:  # every record known unchanged: no linker, no workers
            return
        linker = self._needed_linker()
        with _handover_directory() as handover:
            task = partial(_map_chunk, loaded_at=self.loaded_at, strict=self.strict, handover=handover)
            # concurrent.futures rather than multiprocessing.Pool: a worker that dies makes a Pool wait
            # forever, where an executor raises (once results cannot be cut off half-way: _map_chunk).
            pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"),
                                       initializer=_init_worker, initargs=(linker,))
            in_flight: deque[Future[str]] = deque()
            try:
                for chunk in itertools.chain([first], chunks):
                    in_flight.append(pool.submit(task, chunk))
                    while len(in_flight) > self.workers * 3:
                        for result in _take_over(in_flight.popleft().result()):
                            self._accept(result)
                while in_flight:
                    for result in _take_over(in_flight.popleft().result()):
                        self._accept(result)
            except BrokenProcessPool:
                raise GraphError(
                    "a worker process stopped while mapping records (killed by the system? short of memory?); "
                    "the trials written so far are whole — run the same load again to finish it (it skips them), "
                    "with fewer --workers if memory is short"
                ) from None
            finally:  # after an error, what waits is dropped; the tasks running finish (a moment)
                pool.shutdown(cancel_futures=True)

    def _needed_linker(self) -> Linker:
        """The linker, built from the store the first time a record must be mapped."""
        if self.linker is None:
            self.linker = build_linker(self.store)
            if self.linker.empty:
                print("note: the store holds no drug or MeSH reference data, so drugs and conditions are not "
                      "linked — run 'trialgraph build' first", file=self.err)
        return self.linker

    def _raws_to_map(self, raws: Iterator[RawRecord]) -> Iterator[RawRecord]:
        """The raw records that need mapping, each with its mapping key. A record whose key a trial
        graph of the store holds (and which no record before it in this load has named) is counted
        unchanged here, unparsed."""
        stored, context = self._stored_keys, self._context
        if stored is None:  # a remote store: its trials carry their keys, but are compared by content
            for raw in raws:
                raw.key = mapping_key(context, raw)
                yield raw
            return
        assert self._writer is not None
        known, seen, summary = self._writer.known, self._seen, self.summary
        for raw in raws:
            raw.key = key = mapping_key(context, raw)
            graph = stored.get(key) if key else None
            if graph is not None and graph not in seen and (held := known.get_key(graph)) is not None:
                file = self._files.setdefault(raw.source.split("!", 1)[0], len(self._files))
                seen[graph] = file << 64 | held
                with summary.lock:
                    summary.studies += 1
                    summary.unchanged += 1
                    summary.recognised += 1
                if summary.recognised % CHUNK == 0:
                    self._progress.update(raw.offset, summary.studies, summary.quads)
                continue
            yield raw

    def _accept(self, results: list[Mapped | InputError]) -> None:
        for item in results:
            if isinstance(item, InputError):
                self._raw_rejected += 1
                self._reject(item)
                continue
            self._accepted_offset = item.offset
            for warning in item.warnings:
                self._warn(f"{item.source}: {item.nct_id}: {warning}")
            key = id_key(item.nct_id)
            previous = self._seen.get(key)
            if previous is not None:
                if previous & _FINGERPRINT == item.fingerprint:  # the same record twice: nothing to do,
                    self._repeats += 1  # but it is done only once the first is committed (_written)
                    continue
                self._warn(
                    f"{item.source}: {item.nct_id}: a different record with this NCT id is also in "
                    f"{self._file_name(previous >> 64)} in this load; the later one is kept"
                )
                kept = [m for m in self._pending if m.nct_id != item.nct_id]
                if len(kept) == len(self._pending) and self._writer is not None:
                    self._writer.drain()  # the earlier record may be being written: let it finish
                for earlier in self._pending:  # what it said of shared entities is kept (a worker
                    if earlier.nct_id == item.nct_id:  # does not send a statement twice)
                        item.shared_nquads = earlier.shared_nquads + item.shared_nquads
                self._pending = kept
            file = self._files.setdefault(item.source.split("!", 1)[0], len(self._files))
            self._seen[key] = file << 64 | item.fingerprint
            self._pending.append(item)
            self._pending_quads += item.quads
            if self._pending_quads >= self._batch_quads:
                self._flush()
        self._progress.update(self._committed_offset(), self.summary.studies, self.summary.quads)

    def _file_name(self, index: int) -> str:
        return next(name for name, i in self._files.items() if i == index)

    def _flush(self) -> None:
        """Hand the pending records to the writer (which waits while the previous batch is written)."""
        if not self._pending:
            return
        batch = self._pending
        with self._batches_lock:
            self._open_batches[id(batch)] = batch[0].offset
            self._batch_repeats[id(batch)], self._repeats = self._repeats, 0
        self._pending, self._pending_quads = [], 0
        self._batch_quads = min(BATCH_QUADS, self._batch_quads * 2)
        assert self._writer is not None
        self._writer.put(batch)

    def _load_rdf(self, path: Path, fmt: str) -> None:
        self.summary.rdf_files += 1
        target = None if rdf.has_graphs(fmt) else iris.graph_for_file(path.name)
        try:
            graphs, blank, count = rdf.scan(path, fmt)
            graphs = sorted(set(graphs) | ({target} if target else set()))
            origin = rdf.export_origin(path, fmt) if target else None
            if origin is not None:  # trialgraph's own export: it replaces the graphs it came from
                plan = rdf.reload_plan(self.store, path, fmt, origin, target)
            elif blank:
                plan = (graphs, rdf.skolemized_quads(path, fmt, target))
            else:
                plan = None
            with _store_write():  # an interrupt waits for the write and for counting it
                if plan is not None:
                    self.store.replace_with_quads(*plan)
                else:
                    self.store.replace_from_file(path, rdf.FORMATS[fmt], graphs, graph=target, opener=rdf.open_rdf)
                self.summary.quads += count
                self.summary.files_left -= 1
        except InputError as exc:
            self.summary.files_left -= 1
            self._reject(exc.located(source=str(path)))


    def _load_reference(self, path: Path, fmt: str) -> None:
        """A reference source (MeSH, a curated table): its named graph(s), replaced whole."""
        try:
            writes = GRAPH_READERS[fmt].graph_writes(path, fmt, str(path), self.loaded_at)
        except InputError as exc:
            self.summary.files_left -= 1
            self._reject(exc.located(source=str(path)))
            return
        with _store_write():  # an interrupt waits for the write and for counting it
            self.store.write_graphs(writes, bulk=self.bulk)
            self.summary.reference_files += 1
            self.summary.quads += sum(w.nquads.count("\n") for w in writes)
            self.summary.files_left -= 1


class _Writer:
    """Writes batches of mapped records to the store from threads of their own.

    The store's bulk loader runs outside Python's lock, so mapping (in this process or in workers)
    goes on while batches are written; on an on-disk store two batches are written at once (each
    with its own journal), which keeps both cores busy. The queue holds one batch more than the
    threads: memory stays bounded. A trial graph is never in two batches being written at once:
    :meth:`drain` waits for the batches in flight before a record replaces one of theirs.
    """

    def __init__(self, store: EmbeddedStore, summary: LoadSummary, *, bulk: bool,
                 written: Callable[[list[Mapped]], None] | None = None, collect_shared: bool = False) -> None:
        self.store = store
        self.summary = summary
        self.bulk = bulk
        #: called (from the writing thread) with each batch once it is committed
        self.written = written
        self.error: BaseException | None = None
        self._aborted = False
        #: the entity statements written in this load
        self._shared_seen = SeenLines(SHARED_SEEN_MAX)
        self._seen_lock = threading.Lock()
        embedded = isinstance(store, EmbeddedStore) and store.path is not None
        self._embedded = isinstance(store, EmbeddedStore)
        #: an embedded store is this process's alone while it loads: what its graphs held is read
        #: once, and kept up to date with what is written (a remote store is asked per batch)
        self._known: GraphHashes | None = GraphHashes(store.graph_hashes()) if self._embedded else None
        #: where the raw records are kept (an embedded store; a remote one keeps none)
        self.kept: KeptRecords | None = store.kept() if self._embedded else None
        #: relinking every trial: the entity statements of all of them, written as the new entities
        #: graph at the end (:meth:`write_collected`) instead of being added batch by batch
        self.collected: set[str] | None = set() if collect_shared else None
        #: the :func:`mapping_context` the batches are mapped in, kept with their records
        self.context = b""
        count = WRITERS if embedded and bulk else 1
        self._queue: queue.Queue[list[Mapped] | None] = queue.Queue(maxsize=1)
        self._threads = [threading.Thread(target=self._run, args=(slot,), name=f"trialgraph-writer-{slot}", daemon=True)
                         for slot in range(count)]
        for thread in self._threads:
            thread.start()

    @property
    def aborted(self) -> bool:
        return self._aborted

    @property
    def known(self) -> GraphHashes:
        """What the store's graphs hold (an embedded store only)."""
        assert self._known is not None
        return self._known

    def stored_keys(self) -> dict[int, int | str] | None:
        """Mapping key -> graph key of every trial graph of an embedded store stored with one (read
        once, like the record hashes); None for a remote store."""
        if self._known is None:
            return None
        keys: dict[int, int | str] = {}
        for graph, key in self.store.mapping_keys():
            try:
                keys[int(key, 16)] = graph_key(graph)
            except ValueError:  # not written by trialgraph: that graph is mapped as usual
                continue
        return keys

    def write_collected(self) -> int:
        """Replace the entities graph by the entity statements of every trial relinked (see
        ``collect_shared``); the number of statements."""
        assert self.collected is not None
        lines = sorted(self.collected)
        with _store_write():
            self.store.write_graphs([GraphWrite(ENTITIES_GRAPH, "".join(lines), replace=True)], bulk=self.bulk)
        return len(lines)

    def put(self, batch: list[Mapped]) -> None:
        if self.error is not None:
            raise self.error
        self._queue.put(batch)

    def drain(self) -> None:
        """Wait until every batch handed over so far is written."""
        self._queue.join()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        """Stop: the batches waiting are dropped, the ones being written are finished (a store write
        cannot be cut off half-way; the journal would roll it back, but then it is lost work)."""
        self._aborted = True
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
            self._queue.task_done()
        for thread in self._threads:  # each waiting thread takes a None and ends; a busy one, once done
            while thread.is_alive():
                try:
                    self._queue.put_nowait(None)
                except queue.Full:
                    pass
                thread.join(0.05)

    def _run(self, slot: int) -> None:
        while True:
            batch = self._queue.get()
            try:
                if batch is None:
                    return
                if self.error is None and not self._aborted:
                    try:
                        self._write(batch, slot)
                    except BaseException as exc:  # handed to the main thread, which raises it
                        self.error = exc
            finally:
                self._queue.task_done()

    def _write(self, batch: list[Mapped], slot: int = 0) -> None:
        if self._known is not None:
            known = self._known
            stored = {m.graph: h for m in batch if (h := known.get(m.graph)) is not None}
            present = {m.graph for m in batch if m.graph in known}
        else:
            stored = {g: fingerprint(h) for g, h in self.store.record_hashes([m.graph for m in batch]).items()}
            present = {m.graph for m in batch if m.graph not in stored and self.store.has_graph(m.graph)}
        writes = []
        shared: list[str] = []
        rekeyed: list[tuple[str, str]] = []
        new = changed = unchanged = quads = 0
        if self.kept is not None:  # before the graphs: a kept record whose graph is missing is never used
            self.kept.put(((m.graph, m.kept) for m in batch if m.kept is not None), self.context)
        if self.collected is not None:
            with self._seen_lock:
                for m in batch:
                    self.collected.update(m.shared_nquads.splitlines(keepends=True))
        for m in batch:
            old = stored.get(m.graph)
            if old == m.fingerprint:
                unchanged += 1
                if m.mapping_key and self._embedded:  # the same content from other bytes, code or reference data
                    rekeyed.append((m.graph, f"{m.mapping_key:016x}"))
                continue
            exists = old is not None or m.graph in present
            changed += exists
            new += not exists
            writes.append(GraphWrite(m.graph, m.nquads, replace=exists))
            quads += m.graph_quads
            if self.collected is None:
                with self._seen_lock:
                    shared.extend(self._shared_seen.unseen(m.shared_nquads))
        if shared:
            quads += len(shared)
            writes.append(GraphWrite(ENTITIES_GRAPH, "".join(shared), replace=False, additive=True))
        if self._embedded:
            self.store.write_graphs(writes, bulk=self.bulk, slot=slot, trusted=True)
            self.store.set_mapping_keys(rekeyed)
        else:
            self.store.write_graphs(writes, bulk=self.bulk)
        if self._known is not None:
            for m in batch:
                self._known.set(m.graph, m.fingerprint)
        with self.summary.lock:
            self.summary.studies += len(batch)
            self.summary.new += new
            self.summary.changed += changed
            self.summary.unchanged += unchanged
            self.summary.quads += quads
        if self.written is not None:
            self.written(batch)


def _curated_rules() -> tuple[list, list, bytes]:
    """The curated condition rules and resolutions, and a digest of the tables they come from."""
    from graph.readers import reference

    digest = hashlib.blake2b(digest_size=16)
    try:
        for name, path in sorted(reference.reference_files(seeds_dir() / "reference").items()):
            digest.update(name.encode("utf-8") + b"\0" + path.read_bytes())
        tables = reference.load_reference()
        return tables.condition_rules, tables.resolutions, digest.digest()
    except (InputError, OSError):
        return [], [], b"-"


def linker_stamp(store: EmbeddedStore) -> str:
    """What a linker built from this store now would be, without building it (see
    :func:`graph.linking.reference_stamp`)."""
    return linking.reference_stamp(store, _curated_rules()[2])


def build_linker(store: EmbeddedStore) -> Linker:
    """A linker over the store's reference graphs and the curated rules and resolutions — read back
    from the user's cache when one was built over the same reference (:mod:`graph.linker_cache`)."""
    rules, resolutions, _ = _curated_rules()
    return linker_cache.cached(linker_stamp(store), lambda: linking.from_store(store, rules, resolutions))


def _chunks(items: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    chunk: list[RawRecord] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load(
    store: EmbeddedStore,
    paths: Sequence[str | os.PathLike[str]],
    **options: object,
) -> LoadSummary:
    """Load files or directories into ``store``; see :class:`Loader` for the options."""
    return Loader(store, **options).load(paths)  # type: ignore[arg-type]


ErrorSink = Callable[[str], None]
