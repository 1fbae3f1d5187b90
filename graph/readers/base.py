"""What readers share: the unit of work between reading a file and parsing a record.

Reading (I/O, in the main process) yields :class:`RawRecord` items; parsing a raw record into
typed records is pure and may run in a worker process, so a raw record carries the name of its
format rather than a function.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

from graph.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
BOM = b"\xef\xbb\xbf"
#: What an invalid UTF-8 byte of a streamed document becomes (see :class:`Utf8Guard`): U+FDD0, a
#: noncharacter that no text holds, so the record it lands in is rejected naming the field.
INVALID_UTF8 = "\ufdd0"


@dataclass(slots=True)
class RawRecord:
    """One record as read from its source, not yet parsed."""

    fmt: str  #: the reader that parses it (a key of :data:`graph.readers.READERS`)
    source: str  #: the file it came from, with ``!member`` for archive members
    position: str  #: where in the file: ``line 12``, ``study 3``; empty for a whole file
    payload: Any  #: undecoded text/bytes, or an already decoded object
    offset: int = 0  #: bytes of the (compressed) file read so far, for progress
    #: decoded from a stream in which invalid UTF-8 was marked (see :class:`Utf8Guard`)
    marked: bool = False
    #: the loader's digest of the record as read and of what maps it (0: none; see
    #: :func:`graph.loader.mapping_key`), kept with the trial it yields
    key: int = 0


def raw_offset(stream: IO[bytes]) -> int:
    """How far into the file on disk a (possibly gzip) stream has read."""
    inner = getattr(stream, "fileobj", None)
    try:
        return (inner or stream).tell()
    except (OSError, ValueError):
        return 0


def sniff(path: Path, size: int = 4096) -> bytes:
    """The first bytes of a file, decompressed when it is gzip.

    A gzip file that is truncated gives what could be decompressed (the error is reported where the
    records are read, after the records before it); one that is corrupt from the start is an error.
    """
    with open(path, "rb") as raw:
        head = raw.read(size)
        if not head.startswith(GZIP_MAGIC):
            return head
        raw.seek(0)
        inflate = zlib.decompressobj(wbits=31)
        out = b""
        try:
            while len(out) < size:
                chunk = raw.read(16384)
                if not chunk:
                    break
                out += inflate.decompress(chunk, size - len(out))
                if inflate.unconsumed_tail or inflate.eof:
                    break
        except zlib.error as exc:
            raise InputError(f"cannot decompress: {exc}", source=str(path),
                             expected="a complete gzip file (it is truncated or corrupt)") from exc
    return out


class _CheckedGzip(gzip.GzipFile):
    """A gzip stream whose decompression errors (a truncated or corrupt file) are input errors.

    ``read(n)`` returns what could be decompressed before the error, and raises it on the next
    call, so the records before the damage are still read; ``read()`` (everything) raises at once.
    """

    _pending: InputError | None = None

    def _failed(self, exc: BaseException) -> InputError:
        return InputError(f"cannot decompress: {exc}", source=str(self.name),
                          expected="a complete gzip file (it is truncated or corrupt)")

    def read(self, size: int | None = -1) -> bytes:
        if self._pending is not None:
            raise self._pending
        want = -1 if size is None or size < 0 else size
        chunks: list[bytes] = []
        total = 0
        try:
            while want < 0 or total < want:
                chunk = super().read1(65536 if want < 0 else min(want - total, 65536))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
        except (EOFError, OSError, zlib.error) as exc:
            self._pending = self._failed(exc)
            if want < 0 or not chunks:
                raise self._pending from None
        return b"".join(chunks)

    def read1(self, size: int = -1) -> bytes:
        if self._pending is not None:
            raise self._pending
        try:
            return super().read1(size)
        except (EOFError, OSError, zlib.error) as exc:
            self._pending = self._failed(exc)
            raise self._pending from None

    def readline(self, size: int | None = -1) -> bytes:
        if self._pending is not None:
            raise self._pending
        try:
            return super().readline(-1 if size is None else size)
        except (EOFError, OSError, zlib.error) as exc:
            self._pending = self._failed(exc)
            raise self._pending from None


def iter_lines(stream: IO[bytes], chunk_size: int = 65536) -> Iterator[bytes]:
    """The lines of a byte stream (each with its line break), read in chunks.

    Unlike iterating over the stream, the lines before a read error are all given first.
    """
    rest = b""
    while True:
        chunk = stream.read(chunk_size)
        if not chunk:
            break
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        for line in lines:
            yield line + b"\n"
    if rest:
        yield rest


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed on the fly when it is gzip.

    A gzip file that turns out truncated or corrupt raises :class:`InputError` while it is read.
    """
    with open(path, "rb") as raw:
        magic = raw.read(2)
    if magic == GZIP_MAGIC:
        return _CheckedGzip(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _mark_invalid(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return INVALID_UTF8, error.end


codecs.register_error("trialgraph-mark-invalid", _mark_invalid)


def _incomplete_tail(data: bytes) -> int:
    """How many bytes at the end of ``data`` begin a multi-byte UTF-8 sequence that is not complete."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return 0
        if byte >= 0xC0:  # a lead byte: is its sequence complete?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return back if need > back else 0
    return 0


_SURROGATE_HINT = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE = re.compile(rb"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")


def _run_start(data: bytes, at: int) -> int:
    """Where the run of backslashes that ends at ``at`` starts."""
    while at > 0 and data[at - 1] == 0x5C:
        at -= 1
    return at


def _escape_cut(data: bytes, end: int) -> int:
    """Where to cut ``data[:end]`` so that no escape sequence is split, nor a high surrogate escape
    from the low one that may follow it."""
    found = data.find(b"\\", max(0, end - 5), end)  # an escape that starts there may be incomplete
    cut = end if found < 0 else _run_start(data, found)
    if cut >= 6 and data[cut - 6] == 0x5C:  # a high surrogate escape just before: keep it with what follows
        run = _run_start(data, cut - 6)
        if (cut - 5 - run) % 2 == 1 and re.fullmatch(rb"u[dD][89abAB][0-9a-fA-F]{2}", data[cut - 5:cut]):
            cut = run
    return cut


def _fix_lone_surrogates(data: bytes) -> bytes:
    r"""JSON text with each lone UTF-16 surrogate escape (``\udc00`` not part of a pair) made
    ``\ufffd``, as the JSON Lines reader makes it; the streaming parser cannot decode them.

    >>> _fix_lone_surrogates(rb'"a\udc00 \ud83d\ude00 \\ud800 \\\ud800"')
    b'"a\\ufffd \\ud83d\\ude00 \\\\ud800 \\\\\\ufffd"'
    """
    out = []
    last = 0
    skip_until = -1
    for match in _SURROGATE_ESCAPE.finditer(data):
        if match.start() < skip_until or len(match.group(1)) % 2 == 0:  # part of a pair, or "\\" + text
            continue
        value = int(match.group(2), 16)
        if value < 0xDC00:  # a high surrogate: fine when a low one follows at once
            low = _SURROGATE_ESCAPE.match(data, match.end())
            if low and len(low.group(1)) == 1 and int(low.group(2), 16) >= 0xDC00:
                skip_until = low.end()
                continue
        escape_at = match.end() - 6
        out.append(data[last:escape_at])
        out.append(rb"\ufffd")
        last = match.end()
    if not out:
        return data
    out.append(data[last:])
    return b"".join(out)


class Utf8Guard:
    r"""A byte stream for a streaming JSON parser: a leading byte-order mark is dropped, valid UTF-8
    passes through untouched, each invalid byte becomes :data:`INVALID_UTF8`, and each lone
    surrogate escape (``\udc00``) becomes ``\ufffd``.

    A streaming parser cannot skip over bytes it cannot decode, so one bad byte would end the
    file; marked instead, it ends only the record that holds it (the reader rejects a record whose
    text holds the mark, naming the field, once ``replaced`` — the chunks that needed marks — is
    not zero; U+FDD0 in a file without invalid bytes is just a character).
    The parser cannot decode a lone surrogate either, which the JSON Lines reader reads (and
    :func:`graph.terms.clean_text` makes U+FFFD): so the same text reads the same in every shape.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._carry = b""
        self._start = True
        self.replaced = 0
        #: the stream :func:`raw_offset` reads the position of
        self.fileobj = getattr(raw, "fileobj", None) or raw

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # a probe of the stream's type (ijson makes one)
            return b""
        while True:
            chunk = self._raw.read(size)
            data = self._carry + chunk
            self._carry = b""
            if self._start:
                if chunk and len(data) < len(BOM):
                    self._carry = data
                    continue
                if data.startswith(BOM):
                    data = data[len(BOM):]
                self._start = False
            if not chunk:
                return self._checked(data)
            cut = _escape_cut(data, len(data) - _incomplete_tail(data))
            data, self._carry = data[:cut], data[cut:]
            if data:
                return self._checked(data)

    def _checked(self, data: bytes) -> bytes:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            self.replaced += 1
            data = data.decode("utf-8", "trialgraph-mark-invalid").encode("utf-8")
        if _SURROGATE_HINT.search(data):
            data = _fix_lone_surrogates(data)
        return data


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
    """Bytes as UTF-8 text (a byte-order mark is dropped); invalid UTF-8 is an input error.

    >>> decode_utf8(b"title\\ncaf\\xe9", "page.txt")
    Traceback (most recent call last):
    ...
    graph.errors.InputError: page.txt: invalid UTF-8 at byte 9 (line 2, column 4) — expected UTF-8 text
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        where = f"byte {exc.start}"
        if line > 1:
            column = exc.start - data.rfind(b"\n", 0, exc.start)
            where = f"{where} (line {line}, column {column})"
        raise InputError(
            f"invalid UTF-8 at {where}",
            source=label,
            record=position or None,
            expected="UTF-8 text",
        ) from exc


def text_stream(binary: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline=None)


def table_rows(path: Path, label: str, *, delimiter: str, what: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by column) of a delimited table with a header row, plain or gzip; cells
    stripped. A row with more cells than the header, or text that is not UTF-8 or not a table, is
    an :class:`InputError` naming the line; ``what`` says what the file should be."""
    kind = "tab-separated" if delimiter == "\t" else "comma-separated"
    with open_binary(path) as binary:
        reader = csv.DictReader(io.TextIOWrapper(binary, encoding="utf-8-sig", newline=""), delimiter=delimiter)
        try:
            for row in reader:
                if None in row:
                    raise InputError(f"{len(row) - 1 + len(row[None])} columns", source=label,
                                     record=f"line {reader.line_num}",
                                     expected=f"{len(reader.fieldnames or ())} {kind} columns")
                yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(f"unreadable: {exc}", source=label, record=f"line {reader.line_num}",
                             expected=f"a {kind} UTF-8 {what}") from exc
