"""Where trialgraph's own data lives: named once, for a checkout and for an installed wheel.

In a checkout (or an editable install) the folders ``ontology/``, ``queries/`` and ``seeds/`` sit
beside the ``graph/`` package. A wheel carries them inside the package as ``graph/_data/<name>``.
Nothing here touches the disk at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

#: Default location of the embedded store, relative to the working directory.
DEFAULT_STORE = "trialgraph-store"
#: Environment variable that overrides :data:`DEFAULT_STORE`.
STORE_ENV = "TRIALGRAPH_STORE"


def _data_dir(name: str) -> Path:
    installed = PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    return PACKAGE_DIR.parent / name


def ontology_dir() -> Path:
    """The folder of Turtle files that define trialgraph's vocabulary and shapes."""
    return _data_dir("ontology")


def queries_dir() -> Path:
    """The folder of named SPARQL reports (``*.rq``)."""
    return _data_dir("queries")


def seeds_dir() -> Path:
    """The folder of seed trial documents and curated reference tables."""
    return _data_dir("seeds")


def default_store() -> str:
    """The store used when ``--store`` is not given: ``$TRIALGRAPH_STORE`` or ``./trialgraph-store``."""
    return os.environ.get(STORE_ENV) or DEFAULT_STORE


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a ``.part`` file renamed into place, so a reader never sees
    half a file; a failure is a :class:`graph.errors.GraphError` naming the path."""
    from graph.errors import GraphError

    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise GraphError(f"{path}: cannot write ({exc.strerror})") from None
