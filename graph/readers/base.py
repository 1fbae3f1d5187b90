"""What readers share: the unit of work between reading a file and parsing a record.

Reading (I/O, in the main process) yields :class:`RawRecord` items; parsing a raw record into
typed records is pure and may run in a worker process, so a raw record carries the name of its
format rather than a function.
"""

from __future__ import annotations

import gzip
import io
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

from graph.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"


@dataclass(slots=True)
class RawRecord:
    """One record as read from its source, not yet parsed."""

    fmt: str  #: the reader that parses it (a key of :data:`graph.readers.READERS`)
    source: str  #: the file it came from, with ``!member`` for archive members
    position: str  #: where in the file: ``line 12``, ``study 3``; empty for a whole file
    payload: Any  #: undecoded text/bytes, or an already decoded object
    offset: int = 0  #: bytes of the (compressed) file read so far, for progress


def raw_offset(stream: IO[bytes]) -> int:
    """How far into the file on disk a (possibly gzip) stream has read."""
    inner = getattr(stream, "fileobj", None)
    try:
        return (inner or stream).tell()
    except (OSError, ValueError):
        return 0


def sniff(path: Path, size: int = 4096) -> bytes:
    """The first bytes of a file, decompressed when it is gzip."""
    with open(path, "rb") as raw:
        head = raw.read(size)
    if head.startswith(GZIP_MAGIC):
        try:
            with gzip.open(path, "rb") as unzipped:
                return unzipped.read(size)
        except (OSError, EOFError) as exc:
            raise InputError(f"cannot decompress: {exc}", source=str(path), expected="a valid gzip file") from exc
    return head


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed on the fly when it is gzip."""
    with open(path, "rb") as raw:
        magic = raw.read(2)
    if magic == GZIP_MAGIC:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def is_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC)


def zip_members(path: Path, label: str) -> Iterator[tuple[str, bytes | InputError, int]]:
    """Each regular member of a zip archive as (``archive!member``, bytes, offset), in order.

    A member that cannot be read comes as (label, error) and the rest still follow. Member names
    are only used as labels, never as paths on disk; a name such as ``../../etc/passwd`` is
    refused all the same, as a sign of a tampered archive.
    """
    with open(path, "rb") as raw:
        compressed = raw.read(2) == GZIP_MAGIC
    try:
        if compressed:  # a gzipped zip: unpack to a temporary file, as zip needs to seek
            spool = tempfile.TemporaryFile()
            with gzip.open(path, "rb") as unzipped:
                shutil.copyfileobj(unzipped, spool)
            spool.seek(0)
            archive = zipfile.ZipFile(spool)
        else:
            archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        yield label, InputError(f"not a readable zip archive ({exc})", source=label, expected="a .zip file"), 0
        return
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = info.filename
            member_label = f"{label}!{name}"
            if name.startswith(("/", "\\")) or ".." in Path(name.replace("\\", "/")).parts:
                yield member_label, InputError(
                    "unsafe member name (absolute or with '..'); member skipped",
                    source=member_label,
                    expected="member names relative to the archive",
                ), info.header_offset
                continue
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                yield member_label, InputError(f"cannot read archive member ({exc})", source=member_label), info.header_offset
                continue
            yield member_label, data, info.header_offset + info.compress_size


def decode_utf8(data: bytes, label: str, position: str = "") -> str:
    """Bytes as UTF-8 text (a byte-order mark is dropped); invalid UTF-8 is an input error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"invalid UTF-8 at byte {exc.start}",
            source=label,
            record=position or None,
            expected="UTF-8 text",
        ) from exc


def text_stream(binary: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline=None)
