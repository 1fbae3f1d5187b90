"""The MeSH reader: NLM descriptor XML (streamed), our descriptor TSV, the curated category roots."""

from __future__ import annotations

import gzip
import io
import re
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph import iris
from graph.errors import InputError
from graph.readers import mesh
from graph.readers.base import sniff
from graph.records import MeshDescriptor
from graph.store import EmbeddedStore, open_store
from tests.conftest import DATA, shared

BAD = DATA / "mesh-bad"
LOADED_AT = "2025-01-01T00:00:00Z"
HEADER = "descriptor_ui\tpreferred_label\ttree_numbers\tentry_terms"


def load(path: Path, fmt: str, label: str | None = None) -> EmbeddedStore:
    store = open_store("memory:")
    store.write_graphs(mesh.graph_writes(path, fmt, label or str(path), LOADED_AT))
    return store


def scalar(store: EmbeddedStore, sparql: str) -> int:
    rows = list(store.query(sparql))  # type: ignore[arg-type]
    return int(rows[0][0].value)


def values(store: EmbeddedStore, sparql: str) -> set[str]:
    return {row[0].value for row in store.query(sparql)}  # type: ignore[union-attr]


def roots_table() -> list[list[str]]:
    """The rows of seeds/reference/mesh_roots.tsv, read with plain Python (header dropped)."""
    lines = mesh.roots_path().read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]
    assert rows[0] == ["descriptor_ui", "tree_number", "preferred_label", "source"]
    return rows[1:]


# --- format detection -----------------------------------------------------------------------------


def test_looks_like(tmp_path: Path) -> None:
    xml = tmp_path / "desc.xml.gz"
    xml.write_bytes(gzip.compress(b'<?xml version="1.0"?>\n<DescriptorRecordSet LanguageCode="eng">\n'
                                  b"</DescriptorRecordSet>\n"))
    assert mesh.looks_like(xml, sniff(xml)) == "mesh-xml"
    seeds = tmp_path / "mesh.tsv"
    seeds.write_text(f"# curated\n# descriptors\n{HEADER}\tsource\n", encoding="utf-8")
    assert mesh.looks_like(seeds, sniff(seeds)) == "mesh-tsv"
    other = tmp_path / "other.tsv"
    other.write_text("tree_number\tdescriptor_ui\tpreferred_label\n", encoding="utf-8")
    assert mesh.looks_like(other, sniff(other)) is None
    assert mesh.looks_like(other, b'{"studies": []}') is None


# --- the shared MeSH 2024 table ------------------------------------------------------------------


@pytest.fixture(scope="module")
def mesh2024() -> Path:
    return shared("mesh", "mesh2024_descriptors.tsv")


@pytest.fixture(scope="module")
def mesh2024_store(mesh2024: Path) -> Iterator[EmbeddedStore]:
    store = load(mesh2024, "mesh-tsv")
    yield store
    store.close()


def expected_broader_pairs(path: Path) -> set[tuple[str, str]]:
    """Broader links computed from the TSV alone: tree number -> parent number -> its owner."""
    roots: dict[str, str] = {row[0]: row[1] for row in roots_table()}
    numbers: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        ui, _label, trees, _terms = line.split("\t")
        numbers[ui] = [t for t in trees.split("|") if t]
        if ui in roots and roots[ui] not in numbers[ui]:
            numbers[ui].append(roots[ui])
    owner = {number: ui for ui, own in numbers.items() for number in own}
    pairs = set()
    for ui, own in numbers.items():
        for number in own:
            parent = number.rpartition(".")[0]
            if parent in owner and owner[parent] != ui:
                pairs.add((ui, owner[parent]))
    return pairs


@pytest.mark.shared_data
def test_mesh2024_descriptors_read(mesh2024: Path) -> None:
    descriptors = list(mesh.read_descriptors(mesh2024, "mesh-tsv"))
    assert len(descriptors) == 30_764
    by_ui = {d.ui: d for d in descriptors}
    assert by_ui["D006425"].tree_numbers == ["C15"]
    assert by_ui["D007154"].tree_numbers == ["C20"]
    assert by_ui["D006730"].tree_numbers == ["D27.505.696.399", "D06"]  # a root with a deeper number too
    assert by_ui["D005260"].tree_numbers == []  # Female: a check tag, in no tree
    assert "Graft-Versus-Host Disease" in by_ui["D006086"].entry_terms


@pytest.mark.shared_data
def test_mesh2024_loaded(mesh2024: Path, mesh2024_store: EmbeddedStore) -> None:
    store = mesh2024_store
    assert scalar(store, "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a meshv:TopicalDescriptor }") == 30_764
    pairs = scalar(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?a ?b WHERE "
                          "{ ?a meshv:broaderDescriptor ?b } }")
    expected = expected_broader_pairs(mesh2024)
    assert pairs == len(expected)
    assert pairs == 42_021
    graph = iris.mesh_graph("mesh2024_descriptors.tsv")
    assert store.has_graph(graph)
    assert values(store, f"SELECT ?c WHERE {{ <{graph}> rdfs:comment ?c }}") == {"30764 records"}


@pytest.mark.shared_data
def test_mesh2024_spot_checks(mesh2024_store: EmbeddedStore) -> None:
    store = mesh2024_store
    assert values(store, "SELECT ?b WHERE { mesh:D006086 meshv:broaderDescriptor ?b }") == {
        "http://id.nlm.nih.gov/mesh/D007154"
    }
    assert values(store, "SELECT ?t WHERE { mesh:D007154 meshv:treeNumber/rdfs:label ?t }") == {"C20"}
    assert values(store, "SELECT ?t WHERE { mesh:D006425 meshv:treeNumber/rdfs:label ?t }") == {"C15"}
    branches = values(store, "SELECT ?t WHERE { mesh:D019337 meshv:broaderDescriptor ?b . "
                             "?b meshv:treeNumber/rdfs:label ?t }")
    assert {t[:3] for t in branches} >= {"C04", "C15"}
    assert store.query("ASK { mesh:D000744 meshv:broaderDescriptor+ mesh:D006425 }")
    assert store.query("ASK { mesh:D019337 meshv:broaderDescriptor+ mesh:D009369 }")  # Neoplasms, C04


# --- the curated roots ---------------------------------------------------------------------------


def test_roots_table_well_formed() -> None:
    rows = roots_table()
    numbers = [row[1] for row in rows]
    assert all(len(row) == 4 and re.fullmatch(r"[A-Z]\d{2}", row[1]) for row in rows)
    assert len(numbers) == len(set(numbers)) == 115
    assert len({row[0] for row in rows}) == len(rows)
    assert all(row[3] == f"NLM MeSH 2024, descriptor {row[0]}, tree number {row[1]}" for row in rows)
    assert mesh.mesh_roots()["D006425"] == "C15"
    assert mesh.mesh_roots()["D007154"] == "C20"


@pytest.mark.shared_data
def test_roots_cover_the_shared_tree(mesh2024: Path) -> None:
    rows = roots_table()
    tree_file = shared("mesh", "mesh2024_tree_numbers.tsv")
    prefixes = {line.split("\t")[0][:3] for line in tree_file.read_text(encoding="utf-8").splitlines()[1:]}
    assert {row[1] for row in rows} == prefixes  # each root is a parent prefix, and each prefix has a root
    labels: dict[str, str] = {}
    untreed: set[str] = set()
    for line in mesh2024.read_text(encoding="utf-8").splitlines()[1:]:
        ui, label, trees, _terms = line.split("\t")
        labels[ui] = label
        if not trees:
            untreed.add(ui)
    assert len(untreed) == 112
    assert all(labels[row[0]] == row[2] for row in rows)
    assert untreed - {row[0] for row in rows} == {"D005260", "D008297"}  # Female, Male: check tags


# --- NLM descriptor XML --------------------------------------------------------------------------


@pytest.mark.shared_data
def test_xml_sample() -> None:
    path = shared("mesh", "desc2015_subset_sample.xml")
    expected = len(re.findall(rb"<DescriptorRecord[\s>]", path.read_bytes()))
    descriptors = list(mesh.read_descriptors(path, "mesh-xml"))
    assert len(descriptors) == expected > 0
    first = descriptors[0]
    assert (first.ui, first.label, first.tree_numbers) == ("D000001", "Calcimycin", ["D03.438.221.173"])
    assert first.entry_terms == ["A-23187", "A 23187", "Antibiotic A23187", "A23187, Antibiotic", "A23187"]
    assert descriptors[1].entry_terms == ["Temephos", "Abate", "Difos"]


@pytest.mark.shared_data
def test_xml_gzip_and_graph(tmp_path: Path) -> None:
    source = shared("mesh", "desc2015_subset_sample.xml")
    packed = tmp_path / "desc2015.xml.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    assert mesh.looks_like(packed, sniff(packed)) == "mesh-xml"
    store = load(packed, "mesh-xml", "desc2015.xml.gz")
    graph = mesh.RELEASE_GRAPH  # named as NLM names a release: the release graph
    assert store.named_graphs() == [graph]
    assert values(store, "SELECT ?l WHERE { mesh:D000002 rdfs:label ?l }") == {"Temefos"}
    assert values(store, f"SELECT ?f WHERE {{ <{graph}> tg:sourceFormat ?f }}") == {"mesh-xml"}


@pytest.mark.shared_data
def test_a_release_replaces_the_release_before_it_and_the_curated_subset(tmp_path: Path) -> None:
    """A file named as NLM names a descriptor release (descYYYY) goes into the one release graph:
    the shipped 2024 table there is replaced by a 2015 XML loaded after it, and the curated subset's
    graph is emptied; a file of any other name stays a graph of its own beside them."""
    from graph.loader import Loader

    store = open_store(tmp_path / "store")
    curated = mesh.roots_path().with_name("mesh.tsv")
    release_2024 = tmp_path / "desc2024.tsv"  # a stand-in for the shipped table, under its name
    release_2024.write_text(f"{HEADER}\nD006425\tHemic and Lymphatic Diseases\tC15\t\n"
                            "D006402\tHematologic Diseases\tC15.378\tBlood Diseases\n", encoding="utf-8")
    own = tmp_path / "my_terms.tsv"
    own.write_text(f"{HEADER}\nD900001\tMy Term\tZ99.001\t\n", encoding="utf-8")
    sample = tmp_path / "desc2015.xml"
    sample.write_bytes(shared("mesh", "desc2015_subset_sample.xml").read_bytes())
    loader = Loader(store, err=io.StringIO(), progress=False)

    assert loader.load([curated, own]).ok
    assert set(store.named_graphs()) == {mesh.CURATED_GRAPH, iris.mesh_graph("my_terms.tsv")}
    assert Loader(store, err=io.StringIO(), progress=False).load([release_2024]).ok
    assert set(store.named_graphs()) == {mesh.RELEASE_GRAPH, iris.mesh_graph("my_terms.tsv")}
    assert values(store, "SELECT ?b WHERE { mesh:D006402 meshv:broaderDescriptor ?b }") == {iris.mesh("D006425")}
    assert values(store, f"SELECT ?r WHERE {{ <{mesh.RELEASE_GRAPH}> tg:sourceRelease ?r }}") == {"2024"}

    assert Loader(store, err=io.StringIO(), progress=False).load([sample]).ok
    # the XML's pharmacological actions are a reference graph of their own (graph.readers.mesh_actions)
    actions = "https://w3id.org/trialgraph/graph/reference/mesh-descriptor-actions"
    assert set(store.named_graphs()) == {mesh.RELEASE_GRAPH, iris.mesh_graph("my_terms.tsv"), actions}
    g = mesh.RELEASE_GRAPH
    assert values(store, f"SELECT ?r WHERE {{ <{g}> tg:sourceRelease ?r }}") == {"2015"}
    assert values(store, f"SELECT ?t WHERE {{ <{g}> dct:title ?t }}") == {"MeSH 2015 descriptors (U.S. National Library of Medicine)"}
    assert values(store, f"SELECT ?l WHERE {{ <{g}> dct:license ?l }}") == {mesh.NLM_TERMS}
    assert values(store, f"SELECT ?u WHERE {{ GRAPH <{g}> {{ ?d meshv:identifier ?u }} }}") == \
        {d.ui for d in mesh.read_descriptors(sample, "mesh-xml")}
    assert not values(store, "SELECT ?l WHERE { mesh:D006402 rdfs:label ?l }")  # 2024's descriptors are gone
    assert values(store, "SELECT ?l WHERE { mesh:D900001 rdfs:label ?l }")  # the user's own file stays
    store.close()


def _record(n: int) -> str:
    ui = f"D{900000 + n:06d}"
    return (f'<DescriptorRecord DescriptorClass="1"><DescriptorUI>{ui}</DescriptorUI>'
            f"<DescriptorName><String>Test Descriptor {n}</String></DescriptorName>"
            f"<TreeNumberList><TreeNumber>Z99.{n % 1000:03d}.{n // 1000:03d}</TreeNumber></TreeNumberList>"
            "<ConceptList><Concept><TermList>"
            f"<Term><String>Test Descriptor {n}</String></Term><Term><String>Other Name {n}</String></Term>"
            "</TermList></Concept></ConceptList></DescriptorRecord>\n")


def test_xml_streams_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "desc_big.xml"
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0"?>\n<DescriptorRecordSet LanguageCode="eng">\n')
        for n in range(20_000):
            out.write(_record(n))
        out.write("</DescriptorRecordSet>\n")
    assert path.stat().st_size > 6_000_000
    tracemalloc.start()
    try:
        count = 0
        last: MeshDescriptor | None = None
        for last in mesh.read_descriptors(path, "mesh-xml"):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert last is not None and last.entry_terms == ["Other Name 19999"]
    assert peak < 3_000_000, f"peak {peak} bytes while streaming"


def test_truncated_xml_yields_records_then_error() -> None:
    path = BAD / "truncated.xml"
    seen: list[str] = []
    with pytest.raises(InputError) as caught:
        for descriptor in mesh.read_descriptors(path, "mesh-xml"):
            seen.append(descriptor.ui)
    assert seen == ["D006425", "D006402"]
    message = str(caught.value)
    assert message.startswith(f"{path}: line 61, column ")
    assert "after descriptor 2 (D006402)" in message
    assert message.endswith("the rest of the file was not read — expected NLM MeSH descriptor XML (descYYYY.xml)")


def test_xml_of_another_kind(tmp_path: Path) -> None:
    path = tmp_path / "supp.xml"
    path.write_text('<?xml version="1.0"?>\n<SupplementalRecordSet/>\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"supp\.xml: the root element is <SupplementalRecordSet>"):
        list(mesh.read_descriptors(path, "mesh-xml"))


# --- our TSV -------------------------------------------------------------------------------------


def test_tsv_with_source_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "mesh.tsv"
    path.write_text(
        "# a curated subset\n"
        f"{HEADER}\tsource\n"
        "D007154\tImmune System Diseases\t\t\tNLM MeSH 2024, descriptor D007154\n"
        "\n"
        "D006086\tGraft vs Host Disease\tC20.452\tGraft-Versus-Host Disease|GVHD|GVHD\t"
        "NLM MeSH 2024, descriptor D006086\n",
        encoding="utf-8",
    )
    root, gvhd = mesh.read_descriptors(path, "mesh-tsv")
    assert root == MeshDescriptor("D007154", "Immune System Diseases", ["C20"], [], "NLM MeSH 2024, descriptor D007154")
    assert gvhd.entry_terms == ["Graft-Versus-Host Disease", "GVHD"]
    store = load(path, "mesh-tsv")
    assert values(store, "SELECT ?b WHERE { mesh:D006086 meshv:broaderDescriptor ?b }") == {
        "http://id.nlm.nih.gov/mesh/D007154"
    }


def test_tsv_bad_tree_number() -> None:
    path = BAD / "bad_tree.tsv"
    seen: list[str] = []
    with pytest.raises(InputError) as caught:
        for descriptor in mesh.read_descriptors(path, "mesh-tsv"):
            seen.append(descriptor.ui)
    assert seen == ["D006425", "D006402"]
    assert str(caught.value) == (
        f"{path}: line 4: tree_numbers: 'C15.378-400' is not a tree number — "
        "expected tree numbers such as C15.378.400, separated by '|'"
    )


def test_tsv_wrong_header() -> None:
    path = BAD / "bad_header.tsv"
    with pytest.raises(InputError) as caught:
        list(mesh.read_descriptors(path, "mesh-tsv"))
    assert str(caught.value) == (
        f"{path}: line 1: unexpected header 'ui\\tlabel\\ttrees\\tsynonyms' — expected a tab-separated header "
        "'descriptor_ui <TAB> preferred_label <TAB> tree_numbers <TAB> entry_terms' (and optionally 'source')"
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("D006425\tHemic and Lymphatic Diseases\tC15", "line 2: 3 columns — expected 4 tab-separated columns"),
        ("X006425\tHemic and Lymphatic Diseases\tC15\t",
         "line 2: descriptor_ui: 'X006425' is not a descriptor UI — expected D followed by 6 to 9 digits"),
        ("D006425\t \tC15\t", "line 2: preferred_label: empty — expected the descriptor's preferred label"),
    ],
)
def test_tsv_bad_rows(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(mesh.read_descriptors(path, "mesh-tsv"))
    assert str(caught.value).startswith(f"{path}: {message}")


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown MeSH format 'mesh-rdf'"):
        list(mesh.read_descriptors(tmp_path / "x", "mesh-rdf"))
