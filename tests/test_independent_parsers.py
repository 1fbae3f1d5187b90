"""Independent checks of what we write: every export format read by parsers that are not ours.

Our exports are written by pyoxigraph; here they are read by rdflib (every format) and by Raptor's
``rapper`` (Turtle, N-Triples, RDF/XML, and TriG and N-Quads too), on three graphs:

* the seed graph (``trialgraph build``: ontology, curated tables, the seed pages);
* the seed graph plus the corpus's hostile but valid records (``tests/data/bad``: HTML and script
  tags, names full of characters IRIs may not hold, emoji, control characters, a byte-order mark);
* the real registry records (``../shared/data``, 479 studies).

Raptor must exit 0 with no error or warning and count exactly the triples (quads) our export holds;
for the small graphs, what Raptor reads must also be isomorphic to what we wrote, and what rdflib
reads from each format isomorphic to the union graph (the dataset, for N-Quads and TriG).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
import rdflib
from rdflib.compare import isomorphic

from graph.build import build
from graph.export import EXPORT_FORMATS, EXTENSIONS, export
from graph.loader import Loader
from graph.store import MEMORY, EmbeddedStore, open_store
from tests.conftest import DATA, shared

RAPPER = shutil.which("rapper")
needs_rapper = pytest.mark.skipif(RAPPER is None, reason="needs Raptor's rapper (Debian package raptor2-utils, "
                                  "installed by .ci/system-deps)")
#: Our format names -> Raptor's parser names (Raptor has no JSON-LD parser).
RAPPER_FORMAT = {"turtle": "turtle", "ntriples": "ntriples", "rdfxml": "rdfxml", "trig": "trig", "nquads": "nquads"}
RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig", "jsonld": "json-ld",
                 "rdfxml": "xml"}
DATASET_FORMATS = {"trig", "nquads"}
#: Records of the bad-input corpus that must load: hostile text, but valid.
HOSTILE = ("json_html_and_script_in_text.jsonl", "json_iri_unsafe_names.jsonl", "json_control_characters.jsonl",
           "json_array_with_bom.json", "page_html_in_text.txt", "page_iri_unsafe_sponsor.txt",
           "reference_drugs_html_in_name.tsv")


def exported(store: EmbeddedStore, fmt: str) -> bytes:
    out = io.BytesIO()
    export(store, out, fmt)
    return out.getvalue()


def union_size(store: EmbeddedStore) -> int:
    """Distinct triples of the union graph: what the triple formats hold."""
    rows = store.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
    return int(next(iter(rows))["n"].value)  # type: ignore[index]


def expected_count(store: EmbeddedStore, fmt: str) -> int:
    return len(store) if fmt in DATASET_FORMATS else union_size(store)


def rapper(path: Path, fmt: str, *, output: str | None = None) -> tuple[int, str, bytes]:
    """Raptor's count of the statements of a file (or the file as N-Triples), and its verdict."""
    assert RAPPER is not None
    args = [RAPPER, "-i", RAPPER_FORMAT[fmt]]
    args += ["-o", output] if output else ["-c"]
    done = subprocess.run([*args, path.as_uri()], capture_output=True, timeout=600)
    err = done.stderr.decode("utf-8", "replace")
    problems = [line for line in err.splitlines() if not re.match(r"rapper: (Parsing URI |Parsing returned \d+ |Serializing with serializer )", line)]
    assert done.returncode == 0 and problems == [], f"rapper -i {RAPPER_FORMAT[fmt]} {path.name}:\n{err}"
    count = re.search(r"Parsing returned (\d+) (?:triples|statements)", err)
    assert count is not None, err
    return int(count.group(1)), err, done.stdout


def rdflib_statements(data: bytes, fmt: str) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(data=data.decode("utf-8"), format=RDFLIB_FORMAT[fmt])
    return ds


def as_graph(ds: rdflib.Dataset) -> rdflib.Graph:
    """The union of a dataset's graphs."""
    graph = rdflib.Graph()
    for s, p, o, _ in ds.quads():
        graph.add((s, p, o))
    return graph


def quad_set(ds: rdflib.Dataset) -> set[tuple]:
    return {(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in ds.quads()}


@pytest.fixture(scope="module")
def seed() -> Iterator[EmbeddedStore]:
    store = open_store(MEMORY)
    assert build(store, err=io.StringIO(), progress=False, open_reference=False).ok
    yield store
    store.close()


@pytest.fixture(scope="module")
def hostile() -> Iterator[EmbeddedStore]:
    store = open_store(MEMORY)
    assert build(store, err=io.StringIO(), progress=False, open_reference=False).ok
    err = io.StringIO()
    summary = Loader(store, err=err, progress=False).load([DATA / "bad" / name for name in HOSTILE])
    assert summary.ok, err.getvalue()
    yield store
    store.close()


SMALL = ["seed", "hostile"]


@pytest.fixture
def small(request: pytest.FixtureRequest) -> EmbeddedStore:
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("small", SMALL, indirect=True)
@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_rdflib_reads_every_export_back_to_the_same_graph(small: EmbeddedStore, fmt: str) -> None:
    ds = rdflib_statements(exported(small, fmt), fmt)
    reference = rdflib_statements(exported(small, "nquads"), "nquads")
    if fmt in DATASET_FORMATS:
        assert quad_set(ds) == quad_set(reference)
    else:
        graph = as_graph(ds)
        assert len(graph) == union_size(small)
        assert isomorphic(graph, as_graph(reference))


@needs_rapper
@pytest.mark.parametrize("small", SMALL, indirect=True)
@pytest.mark.parametrize("fmt", sorted(RAPPER_FORMAT))
def test_raptor_reads_every_export_cleanly_and_to_the_same_graph(small: EmbeddedStore, fmt: str,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / f"export{EXTENSIONS[fmt]}"
    path.write_bytes(exported(small, fmt))
    count, _, _ = rapper(path, fmt)
    assert count == expected_count(small, fmt)
    if fmt in DATASET_FORMATS:
        return
    _, _, ntriples = rapper(path, fmt, output="ntriples")  # what Raptor read, written by Raptor
    theirs = rdflib.Graph().parse(data=ntriples.decode("utf-8"), format="nt")
    ours = rdflib.Graph().parse(data=exported(small, "ntriples").decode("utf-8"), format="nt")
    assert isomorphic(theirs, ours)


# --- the real registry records ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmbeddedStore, dict[str, Path]]]:
    """The seed graph and the 479 real studies, and each export of it in a file."""
    store = open_store(MEMORY)
    assert build(store, err=io.StringIO(), progress=False, open_reference=False).ok
    err = io.StringIO()
    summary = Loader(store, err=err, progress=False).load(
        [shared("ctgov-json", "collections", "combined_unique_studies.jsonl")])
    assert summary.ok and summary.new == 479, err.getvalue()
    folder = tmp_path_factory.mktemp("real-exports")
    files = {}
    for fmt in EXPORT_FORMATS:
        files[fmt] = folder / f"export{EXTENSIONS[fmt]}"
        files[fmt].write_bytes(exported(store, fmt))
    yield store, files
    store.close()


@pytest.mark.shared_data
@needs_rapper
@pytest.mark.parametrize("fmt", sorted(RAPPER_FORMAT))
def test_raptor_reads_the_real_records_cleanly(real: tuple[EmbeddedStore, dict[str, Path]], fmt: str) -> None:
    store, files = real
    count, _, _ = rapper(files[fmt], fmt)
    assert count == expected_count(store, fmt)


def _rdflib_count(path: str, fmt: str) -> int:
    """Statements rdflib reads from a file (run in a worker process: these parses take seconds)."""
    ds = rdflib.Dataset()
    ds.parse(path, format=RDFLIB_FORMAT[fmt])
    if fmt in DATASET_FORMATS:
        return sum(1 for _ in ds.quads())
    return len(as_graph(ds))


@pytest.mark.shared_data
@pytest.mark.slow
def test_rdflib_reads_the_real_turtle_and_trig_cleanly(real: tuple[EmbeddedStore, dict[str, Path]]) -> None:
    store, files = real
    with ProcessPoolExecutor(2) as pool:
        counts = {fmt: pool.submit(_rdflib_count, str(files[fmt]), fmt) for fmt in ("turtle", "trig")}
        assert counts["turtle"].result() == union_size(store)
        assert counts["trig"].result() == len(store)
