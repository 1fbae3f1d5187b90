"""The raw records a store's trials were mapped from, kept beside the store.

A trial graph is what trialgraph's mapper and linker made of one registry record with the
reference data the store held at the time. When reference data comes or goes (a MeSH release,
a DrugCentral download, a curated table dropped), the trials already in the store must be mapped
again to link what the new data knows: ``trialgraph relink``. The graph alone cannot say how
it was made, so the record is kept, compressed (about 5 KB a study), in one SQLite file in the
store's folder, ``trialgraph.records`` (an in-memory store keeps them in memory).

A row is written before the trial graph it belongs to, and a row whose graph is not in the store
(a write a crash cut short) is never used: relinking maps only the records of trials the store
holds.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

if TYPE_CHECKING:  # the store opens kept records; the readers' package needs the store's types
    from graph.readers.base import RawRecord

FILE = "trialgraph.records"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS record (
    graph TEXT PRIMARY KEY,   -- the trial graph mapped from it
    fmt TEXT NOT NULL,        -- the reader that parses it
    source TEXT NOT NULL,     -- the file it came from (``!member`` for archive members)
    position TEXT NOT NULL,   -- where in that file
    decoded INTEGER NOT NULL, -- how the reader handed it over: 0 bytes, 1 decoded (a study of a JSON array), 2 text
    marked INTEGER NOT NULL,  -- decoded from a stream in which invalid UTF-8 was marked
    payload BLOB NOT NULL,    -- zlib of the record's bytes (JSON text when decoded)
    context BLOB NOT NULL     -- what it was mapped with: trialgraph's code and the reference data
)
"""


@dataclass(slots=True)
class KeptRecord:
    """A raw record ready to keep: compressed in the process that mapped it."""

    fmt: str
    source: str
    position: str
    decoded: int  #: 0: bytes, 1: a decoded object (its JSON kept), 2: text
    marked: bool
    payload: bytes  #: zlib-compressed
    #: a digest of what it was mapped with (trialgraph's code, the reference data; see
    #: :func:`graph.loader.mapping_context`): a relink maps only when it differs from today's
    context: bytes = b""

    @classmethod
    def of(cls, raw: RawRecord) -> "KeptRecord":
        payload = raw.payload
        if isinstance(payload, bytes):
            decoded, data = 0, payload
        elif isinstance(payload, str):
            decoded, data = 2, payload.encode("utf-8", "surrogatepass")
        else:
            decoded = 1
            data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
        return cls(raw.fmt, raw.source, raw.position, decoded, raw.marked, zlib.compress(data, 6))

    def payload_value(self) -> Any:
        """The payload as its reader first handed it over (so it maps, and is keyed, as it was):
        bytes, or the decoded object."""
        data = zlib.decompress(self.payload)
        if self.decoded == 0:
            return data
        text = data.decode("utf-8", "surrogatepass")
        return json.loads(text) if self.decoded == 1 else text


class KeptRecords:
    """The kept records of one store: ``folder`` is the store's folder, None for a store in memory."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / FILE if folder is not None else None
        self._db = sqlite3.connect(str(self.path) if self.path else ":memory:", check_same_thread=False,
                                   isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL" if self.path else "PRAGMA journal_mode=MEMORY")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)

    def put(self, rows: Iterable[tuple[str, KeptRecord]], context: bytes) -> None:
        """Keep each (trial graph, record), mapped in ``context``, in place of what was kept for that graph."""
        self._many("INSERT OR REPLACE INTO record VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [(g, r.fmt, r.source, r.position, r.decoded, int(r.marked), r.payload, context) for g, r in rows])

    def delete(self, graphs: Iterable[str]) -> None:
        self._many("DELETE FROM record WHERE graph = ?", [(g,) for g in graphs])

    def _many(self, sql: str, values: list[tuple]) -> None:
        """One statement for each row of ``values``, in one transaction."""
        if not values:
            return
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(sql, values)
            self._db.execute("COMMIT")

    def mapped_otherwise(self, context: bytes) -> int:
        """How many records were mapped in another context than ``context`` (no payload is read)."""
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM record WHERE context != ?", (context,)).fetchone()[0]

    def graphs(self) -> set[str]:
        with self._lock:
            return {g for (g,) in self._db.execute("SELECT graph FROM record")}

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM record").fetchone()[0]

    def records(self, batch: int = 500) -> Iterator[tuple[str, KeptRecord]]:
        """Every kept (trial graph, record), in the order of the graphs' IRIs (a read of its own:
        rows may be written meanwhile)."""
        last = ""
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT graph, fmt, source, position, decoded, marked, payload, context FROM record "
                    "WHERE graph > ? ORDER BY graph LIMIT ?", (last, batch)).fetchall()
            if not rows:
                return
            for g, fmt, source, position, decoded, marked, payload, context in rows:
                yield g, KeptRecord(fmt, source, position, int(decoded), bool(marked), payload, context)
            last = rows[-1][0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
