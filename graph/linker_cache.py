"""The built linker, kept on disk so that the next load over the same reference does not build it again.

Building a :class:`~graph.linking.Linker` over the whole open reference takes half a minute (the
queries over the reference graphs, then the phrase indexes); reading it back takes a second or two.
A linker is kept under its *reference stamp* (:func:`graph.loader.linker_stamp`: the state of every
graph it reads, the curated rules) and a digest of the code that builds it, so a changed reference
or another trialgraph never gets a stale one.

The files live in the user's own cache directory, not in the store folder: a linker is a Python
pickle, and a store folder may come from someone else, while the cache directory holds only what
this user's own trialgraph wrote. ``TRIALGRAPH_CACHE`` names another directory; ``TRIALGRAPH_CACHE=off``
turns the cache off. The few most recent linkers are kept, older ones deleted.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

from graph import __version__
from graph.linking import Linker

#: how many linkers the cache keeps (each is a few megabytes compressed)
KEEP = 4
_SUFFIX = ".linker"


def cache_dir(env: dict[str, str] | None = None) -> Path | None:
    """Where linkers are kept: ``$TRIALGRAPH_CACHE``, else ``$XDG_CACHE_HOME/trialgraph``
    (``~/.cache/trialgraph``); None when ``TRIALGRAPH_CACHE`` is ``off``."""
    env = os.environ if env is None else env
    named = env.get("TRIALGRAPH_CACHE", "")
    if named.lower() == "off":
        return None
    if named:
        return Path(named)
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "trialgraph"


@functools.cache
def _code_digest() -> str:
    """A digest of the modules a pickled linker is made of, and of trialgraph's version."""
    digest = hashlib.blake2b(__version__.encode("utf-8"), digest_size=16)
    for module in ("linking.py", "drug_text.py", "iris.py", "vocab.py"):
        digest.update(Path(__file__).with_name(module).read_bytes())
    return digest.hexdigest()


def _path(directory: Path, stamp: str) -> Path:
    key = hashlib.blake2b(f"{stamp}\n{_code_digest()}".encode("utf-8"), digest_size=16).hexdigest()
    return directory / f"{key}{_SUFFIX}"


def cached(stamp: str, build: Callable[[], Linker]) -> Linker:
    """The linker kept under ``stamp``, else ``build()`` — kept for next time. A cache that cannot
    be read or written only costs the build: the linker is the same either way."""
    directory = cache_dir()
    if directory is None:
        return build()
    path = _path(directory, stamp)
    try:
        linker = pickle.loads(zlib.decompress(path.read_bytes()))
        if isinstance(linker, Linker):
            os.utime(path)  # recently used: kept longest
            return linker
    except (OSError, zlib.error, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    linker = build()
    _keep(directory, path, linker)
    return linker


def _keep(directory: Path, path: Path, linker: Linker) -> None:
    part = None
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # the user's own: nobody else's pickles
        data = zlib.compress(pickle.dumps(linker, protocol=pickle.HIGHEST_PROTOCOL), 1)
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".part", delete=False) as out:
            part = out.name
            out.write(data)
        os.replace(part, path)  # whole or absent: a reader never sees half a linker
        part = None
        kept = sorted(directory.glob(f"*{_SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        if part:
            Path(part).unlink(missing_ok=True)
