"""Network views (issue 5): the model built from the network reports, its filters, the analysis,
every file format read back, and the HTML page opened in a real headless browser with the network
cut off."""

from __future__ import annotations

import io
import json
import random
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterator

import networkx as nx
import pytest

from graph.build import build
from graph.cli import main
from graph.errors import GraphError
from graph.network import NODE_KINDS, REPORTS, _phase_matches, analyse, build_network, stats_text
from graph.network_layout import layout
from graph.network_output import (
    FORMATS,
    html_document,
    html_payload,
    render,
    write,
)
from graph.reports import load_reports, run_table
from graph.store import EmbeddedStore, open_store

INOLIMOMAB, ISATUXIMAB = "tgdrug:inolimomab", "tgdrug:isatuximab"
IL2RA, CD38 = "uniprot:P01589", "uniprot:P28907"
GVHD, CYTOPENIA = "mesh:D006086", "mesh:D000095542"
INO_TRIAL, ISA_TRIAL = "clinicaltrials:NCT05047328", "clinicaltrials:NCT05873205"
ISA_CONDITIONS = {"mesh:D000744", CYTOPENIA, "mesh:D019337", "mesh:D016553", "mesh:D012010"}


@pytest.fixture(scope="module")
def seeds() -> Iterator[EmbeddedStore]:
    store = open_store("memory:")
    summary = build(store, err=io.StringIO(), progress=False, open_reference=False)
    assert summary.ok, summary.seeds.errors
    yield store
    store.close()


@pytest.fixture(scope="module")
def net(seeds: EmbeddedStore) -> nx.MultiDiGraph:
    return build_network(seeds).graph


def of_kind(graph: nx.MultiDiGraph, kind: str) -> set[str]:
    return {n for n, k in graph.nodes(data="kind") if k == kind}


def edge(graph: nx.MultiDiGraph, u: str, v: str, kind: str) -> dict[str, Any]:
    assert graph.has_edge(u, v, key=kind), f"no {kind} edge {u} -> {v}"
    return graph.edges[u, v, kind]


# --- the reports the network is built from -----------------------------------------------------


@pytest.mark.parametrize("name", REPORTS)
def test_network_reports_are_named_reports_tagged_network(name: str, seeds: EmbeddedStore) -> None:
    report = load_reports()[name]
    assert "network" in report.tags and report.summary and report.description
    table = run_table(seeds, report)
    assert table.variables == report.columns
    assert table.rows, f"{name} returns no rows on the seed graph"


# --- the model ---------------------------------------------------------------------------------


def test_inolimomab_il2ra_graft_versus_host_disease(net: nx.MultiDiGraph) -> None:
    acts = edge(net, INOLIMOMAB, IL2RA, "acts_on")
    assert acts["action_type"] == "Binding agent" and "IL-2" in acts["mechanism"] and "NCT05047328" in acts["source"]
    studied = edge(net, INOLIMOMAB, GVHD, "in_trials_for")
    assert studied["trials"] == 1 and studied["nct_ids"] == ["NCT05047328"] and studied["statuses"] == ["AVAILABLE"]
    assert studied["highest_phase"] == ""  # an expanded-access programme has no phase
    edge(net, INO_TRIAL, INOLIMOMAB, "tests")
    edge(net, INO_TRIAL, GVHD, "studies")
    assert nx.has_path(net.to_undirected(as_view=True), IL2RA, GVHD)
    assert net.nodes[GVHD]["label"] == "Graft vs Host Disease" and net.nodes[IL2RA]["label"] == "IL2RA"


def test_isatuximab_cd38_cytopenia(net: nx.MultiDiGraph) -> None:
    assert edge(net, ISATUXIMAB, CD38, "acts_on")["action_type"] == "Cytolytic antibody"
    studied = edge(net, ISATUXIMAB, CYTOPENIA, "in_trials_for")
    assert (studied["trials"], studied["highest_phase"], studied["statuses"]) == (1, "PHASE2", ["RECRUITING"])
    assert {v for _, v, k in net.out_edges(ISATUXIMAB, keys=True) if k == "in_trials_for"} == ISA_CONDITIONS
    assert net.nodes[CYTOPENIA]["label"] == "Cytopenia" and net.nodes[CYTOPENIA]["tree_numbers"] == ["C15.378.243"]


def test_node_attributes_and_click_through_pages(net: nx.MultiDiGraph) -> None:
    for n, attrs in net.nodes(data=True):
        assert attrs["kind"] in NODE_KINDS and attrs["label"] and attrs["iri"] and attrs["curie"] == n
        assert isinstance(attrs["trials"], int)
    assert net.nodes[ISA_TRIAL]["url"] == "https://clinicaltrials.gov/study/NCT05873205"
    assert net.nodes[ISA_TRIAL]["phase"] == "PHASE2" and net.nodes[ISA_TRIAL]["status"] == "RECRUITING"
    assert net.nodes[CD38]["url"] == "https://www.uniprot.org/uniprotkb/P28907"
    assert net.nodes[CD38]["protein"].startswith("ADP-ribosyl cyclase")
    assert net.nodes[GVHD]["url"] == "https://meshb.nlm.nih.gov/record/ui?ui=D006086"
    assert net.nodes[ISATUXIMAB]["url"] == "https://go.drugbank.com/drugs/DB14811"
    assert "url" not in net.nodes["tgorg:sanofi"]  # no public page for an organisation
    assert net.nodes[ISATUXIMAB]["trials"] == 1 and net.nodes[CD38]["trials"] == 1
    assert net.nodes["tgdrug:daratumumab"]["trials"] == 0  # a curated drug no seed trial tests
    roles = {u: edge(net, u, ISA_TRIAL, "sponsors")["role"] for u, _, k in net.in_edges(ISA_TRIAL, keys=True) if k == "sponsors"}
    assert roles == {"tgorg:memorial-sloan-kettering-cancer-center": "lead sponsor", "tgorg:sanofi": "collaborator"}


def test_every_edge_joins_the_kinds_it_promises(net: nx.MultiDiGraph) -> None:
    kinds = {"acts_on": ("drug", "target"), "in_trials_for": ("drug", "condition"), "tests": ("trial", "drug"),
             "studies": ("trial", "condition"), "sponsors": ("sponsor", "trial")}
    for u, v, k, attrs in net.edges(keys=True, data=True):
        assert attrs["kind"] == k and (net.nodes[u]["kind"], net.nodes[v]["kind"]) == kinds[k]


def test_untested_drugs_stay_unless_asked(seeds: EmbeddedStore, net: nx.MultiDiGraph) -> None:
    assert "tgdrug:daratumumab" in net
    tested = build_network(seeds, tested_only=True).graph
    assert of_kind(tested, "drug") == {INOLIMOMAB, ISATUXIMAB}
    assert of_kind(tested, "target") == {IL2RA, CD38}


# --- filters -----------------------------------------------------------------------------------


def test_radius_around_a_drug(seeds: EmbeddedStore) -> None:
    assert set(build_network(seeds, drug="inolimomab", radius=0).graph) == {INOLIMOMAB}
    one = build_network(seeds, drug="Leukotac", radius=1)
    assert set(one.graph) == {INOLIMOMAB, IL2RA, INO_TRIAL, GVHD} and one.focus == [INOLIMOMAB]
    two = build_network(seeds, drug="inolimomab", radius=2).graph
    assert set(two) == {INOLIMOMAB, IL2RA, INO_TRIAL, GVHD, "tgdrug:basiliximab", "tgdrug:daclizumab",
                        "tgorg:elsalys-biotech"}
    distances = nx.single_source_shortest_path_length(two.to_undirected(as_view=True), INOLIMOMAB)
    assert max(distances.values()) == 2 and len(distances) == two.number_of_nodes()


@pytest.mark.parametrize("value", ["CD38", "cd38", "P28907", "uniprot:P28907"])
def test_radius_around_a_target_by_any_name(seeds: EmbeddedStore, value: str) -> None:
    result = build_network(seeds, target=value, radius=1)
    assert result.focus == [CD38] and set(result.graph) == {CD38, ISATUXIMAB, "tgdrug:daratumumab"}


def test_radius_around_a_condition(seeds: EmbeddedStore) -> None:
    result = build_network(seeds, condition="Graft vs Host Disease", radius=1)
    assert set(result.graph) == {GVHD, INOLIMOMAB, INO_TRIAL}
    assert "Network around Graft vs Host Disease" in result.title()


def test_by_phase(seeds: EmbeddedStore) -> None:
    graph = build_network(seeds, phases=["phase 2"]).graph
    assert of_kind(graph, "trial") == {ISA_TRIAL}
    assert of_kind(graph, "drug") == {ISATUXIMAB} and of_kind(graph, "target") == {CD38}
    none = build_network(seeds, phases=["PHASE3"])
    assert none.graph.number_of_nodes() == 0 and none.notes == ["no trial matches the filters"]
    assert _phase_matches("PHASE1/PHASE2", {"PHASE2"}) and not _phase_matches("PHASE2", {"PHASE1/PHASE2"})


def test_by_status(seeds: EmbeddedStore) -> None:
    assert of_kind(build_network(seeds, statuses=["recruiting"]).graph, "trial") == {ISA_TRIAL}
    available = build_network(seeds, statuses=["AVAILABLE"]).graph
    assert of_kind(available, "trial") == {INO_TRIAL} and of_kind(available, "condition") == {GVHD}


def test_by_sponsor(seeds: EmbeddedStore) -> None:
    graph = build_network(seeds, sponsor="Sanofi").graph
    assert of_kind(graph, "trial") == {ISA_TRIAL}
    assert of_kind(graph, "sponsor") == {"tgorg:sanofi", "tgorg:memorial-sloan-kettering-cancer-center"}
    assert of_kind(build_network(seeds, sponsor="ElsaLys Biotech").graph, "trial") == {INO_TRIAL}


def test_mesh_branch_c15_keeps_only_the_isatuximab_trials_conditions(seeds: EmbeddedStore) -> None:
    graph = build_network(seeds, mesh_branch="D006425").graph  # Hemic and Lymphatic Diseases, C15
    assert of_kind(graph, "condition") == ISA_CONDITIONS
    assert of_kind(graph, "trial") == {ISA_TRIAL} and GVHD not in graph
    assert of_kind(graph, "drug") == {ISATUXIMAB}
    immune = build_network(seeds, mesh_branch="Immune System Diseases").graph  # C20
    assert of_kind(immune, "condition") == {GVHD, "mesh:D000744", "mesh:D016553"}


def test_rollup_to_depth_one(seeds: EmbeddedStore) -> None:
    graph = build_network(seeds, rollup_depth=1).graph
    conditions = of_kind(graph, "condition")
    assert {"mesh:D006425", "mesh:D007154"} <= conditions  # C15 and C20
    for c in conditions:
        assert any("." not in tn for tn in graph.nodes[c]["tree_numbers"]), (c, graph.nodes[c]["tree_numbers"])
    # graft vs host disease sits only under C20; cytopenia only under C15
    assert {v for _, v, k in graph.out_edges(INO_TRIAL, keys=True) if k == "studies"} == {"mesh:D007154"}
    assert CYTOPENIA in graph.nodes["mesh:D006425"]["includes"] and GVHD in graph.nodes["mesh:D007154"]["includes"]
    assert edge(graph, INOLIMOMAB, "mesh:D007154", "in_trials_for")["trials"] == 1


def test_rollup_within_a_branch(seeds: EmbeddedStore) -> None:
    graph = build_network(seeds, mesh_branch="D006425", rollup_depth=2).graph
    assert of_kind(graph, "condition") == {"mesh:D006402"}  # Hematologic Diseases, C15.378
    assert graph.nodes["mesh:D006402"]["label"] == "Hematologic Diseases"
    assert set(graph.nodes["mesh:D006402"]["includes"]) == ISA_CONDITIONS


def test_max_nodes_keeps_the_most_connected_and_says_what_it_cut(seeds: EmbeddedStore, net: nx.MultiDiGraph) -> None:
    result = build_network(seeds, max_nodes=10)
    assert result.graph.number_of_nodes() == 10
    assert sum(result.cut.values()) == net.number_of_nodes() - 10
    assert sum(result.before_cut.values()) == net.number_of_nodes()
    degree = dict(net.degree())
    kept_min = min(degree[n] for n in result.graph)
    assert all(degree[n] <= kept_min for n in set(net) - set(result.graph))
    message = result.cut_message()
    assert message and "kept the 10 most connected nodes of 31" in message and "targets" in message
    assert build_network(seeds).cut_message() is None
    focused = build_network(seeds, drug="daclizumab", radius=2, max_nodes=1)
    assert set(focused.graph) == {"tgdrug:daclizumab"}  # the node asked for is kept first


def test_bad_names_are_clear_errors(seeds: EmbeddedStore) -> None:
    with pytest.raises(GraphError, match="nothing in the store is called 'nodrug'"):
        build_network(seeds, drug="nodrug")
    with pytest.raises(GraphError, match="not a code of Phase"):
        build_network(seeds, phases=["PHASE9"])
    with pytest.raises(GraphError, match="not in the network — no trial matching the filters"):
        build_network(seeds, drug="inolimomab", statuses=["RECRUITING"])
    with pytest.raises(GraphError, match="radius -1"):
        build_network(seeds, radius=-1)


# --- analysis ----------------------------------------------------------------------------------


def test_analysis(seeds: EmbeddedStore) -> None:
    stats = analyse(build_network(seeds))
    assert stats["nodes_by_kind"] == {"drug": 10, "target": 10, "condition": 6, "trial": 2, "sponsor": 3}
    assert sum(stats["edges_by_kind"].values()) == stats["edges"] == 30
    assert stats["components"]["count"] == 7 and stats["components"]["largest"][:2] == [11, 7]
    assert stats["top_degree"][0]["id"] == ISA_TRIAL and stats["top_degree"][0]["value"] == 8
    assert stats["top_betweenness"][0]["id"] == ISA_TRIAL and stats["betweenness_method"] == "exact"
    pairs = {(p["target_label"], p["drug1_label"], p["drug2_label"]) for p in stats["drugs_sharing_a_target"]}
    assert ("CD38", "daratumumab", "isatuximab") in pairs
    assert {("IL2RA", "basiliximab", "inolimomab"), ("IL2RA", "daclizumab", "inolimomab")} <= pairs
    json.dumps(stats)
    text = stats_text(stats)
    assert "drugs sharing a target (4 pairs)" in text and "CD38: daratumumab + isatuximab" in text


def test_betweenness_is_sampled_on_big_networks() -> None:
    stats = analyse(synthetic(700))
    assert stats["nodes"] == 700 and stats["betweenness_method"].startswith("estimated from 300 sampled")


# --- files -------------------------------------------------------------------------------------


def _edges(graph: nx.Graph) -> set[tuple[str, str, str]]:
    return {(u, v, d["kind"]) for u, v, d in graph.edges(data=True)}


def read_back(path: Path, fmt: str) -> nx.Graph:
    if fmt == "graphml":
        return nx.read_graphml(path, force_multigraph=True)
    if fmt == "gexf":
        return nx.read_gexf(path)
    return nx.cytoscape_graph(json.loads(path.read_text(encoding="utf-8")), name="label")


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "cyjs"])
def test_files_read_back_with_the_same_nodes_and_edges(fmt: str, net: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = tmp_path / f"network.{fmt}"
    assert write(net, path) == fmt
    back = read_back(path, fmt)
    assert set(back.nodes) == set(net.nodes) and back.number_of_nodes() == net.number_of_nodes()
    assert _edges(back) == _edges(net) and back.number_of_edges() == net.number_of_edges()
    for n in (CD38, GVHD, ISA_TRIAL, INOLIMOMAB):
        for key in ("kind", "label", "curie", "iri", "url"):
            assert back.nodes[n][key] == net.nodes[n][key], (fmt, n, key)
    assert back.nodes[CD38]["trials"] == 1
    assert back.nodes[ISA_TRIAL]["phase"] == "PHASE2"
    studied = [d for u, v, d in back.edges(data=True) if (u, v, d["kind"]) == (ISATUXIMAB, CYTOPENIA, "in_trials_for")]
    assert studied and studied[0]["highest_phase"] == "PHASE2"
    # GraphML and GEXF hold no lists, so lists are '; '-joined there; JSON keeps them
    assert studied[0]["nct_ids"] == (["NCT05873205"] if fmt == "cyjs" else "NCT05873205")
    acts = [d for u, v, d in back.edges(data=True) if (u, v) == (INOLIMOMAB, IL2RA)]
    assert acts[0]["action_type"] == "Binding agent"


def test_gexf_carries_gephi_colours_and_positions(net: nx.MultiDiGraph, tmp_path: Path) -> None:
    text = render(net, "gexf").decode()
    assert "lastmodifieddate" not in text and "viz:color" in text and "viz:position" in text
    back = nx.read_gexf(io.BytesIO(text.encode()))
    assert back.nodes[CD38]["viz"]["color"]["r"] == 0xD5


def test_cyjs_is_cytoscape_js_with_positions(net: nx.MultiDiGraph) -> None:
    data = json.loads(render(net, "cyjs"))
    nodes = data["elements"]["nodes"]
    assert len(nodes) == net.number_of_nodes() and all({"x", "y"} <= set(n["position"]) for n in nodes)
    ids = [e["data"]["id"] for e in data["elements"]["edges"]]
    assert len(ids) == len(set(ids)) == net.number_of_edges()


def test_graphml_edge_ids_are_unique(net: nx.MultiDiGraph) -> None:
    root = ET.fromstring(render(net, "graphml"))
    ids = [e.get("id") for e in root.iter("{http://graphml.graphdrawing.org/xmlns}edge")]
    assert len(ids) == len(set(ids)) == net.number_of_edges()


def test_png_and_svg_are_pictures_with_labels_and_a_legend(net: nx.MultiDiGraph, tmp_path: Path) -> None:
    from matplotlib import image

    png = tmp_path / "n.png"
    write(net, png)
    pixels = image.imread(png)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 300 and pixels.std() > 0.05
    svg = render(net, "svg").decode()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    for text in ("inolimomab", "IL2RA", "Graft vs Host Disease", "Cytopenia", "Drugs (10)", "Targets (10)"):
        assert text in svg, text


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_deterministic(fmt: str, seeds: EmbeddedStore) -> None:
    first = render(build_network(seeds), fmt)
    second = render(build_network(seeds), fmt)
    assert first == second


def test_layout_is_seeded_and_spreads_nodes_out() -> None:
    graph = synthetic(300)
    pos = layout(graph)
    assert pos == layout(graph) and set(pos) == set(graph)
    assert len({p for p in pos.values()}) == 300


def test_html_is_self_contained_and_escapes_labels() -> None:
    graph = synthetic(40)
    page = html_document(graph)
    lowered = page.lower()
    assert "<script src" not in lowered and "<link rel=\"stylesheet\"" not in lowered and "@import" not in lowered
    assert "<script>alert" not in lowered and "\\u003cscript\\u003ealert" in page
    assert "https://cdn" not in lowered and "//unpkg" not in lowered
    payload = html_payload(graph)
    assert len(payload["nodes"]) == 40 and len(payload["edges"]) == graph.number_of_edges()


# --- the command ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("network-cli") / "store"
    with open_store(path) as store:
        assert build(store, err=io.StringIO(), progress=False, open_reference=False).ok
    return str(path)


def run(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capfd.readouterr()
    return code, out, err


def test_cli_writes_each_format_by_extension(store_path: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    for ext in ("html", "svg", "graphml", "gexf", "cyjs"):
        path = tmp_path / f"ino.{ext}"
        code, out, err = run(capfd, "network", "--store", store_path, "--drug", "inolimomab", "-o", str(path))
        assert code == 0, err
        assert out == "" and f"wrote {path}" in err and f", {ext})" in err and "network: 7 nodes" in err
        assert path.stat().st_size > 1000


def test_cli_stats_text_and_json(store_path: str, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capfd, "network", "--store", store_path, "--stats")
    assert code == 0 and "drugs sharing a target (4 pairs)" in out and "connected components 7" in out
    code, out, _ = run(capfd, "network", "--store", store_path, "--target", "CD38", "--format", "json")
    assert code == 0 and json.loads(out)["nodes_by_kind"]["target"] == 1


def test_cli_filters_and_the_cut_on_stderr(store_path: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capfd, "network", "--store", store_path, "--mesh-branch", "D006425", "--rollup", "2",
                         "--format", "cyjs")
    assert code == 0, err
    data = json.loads(out)
    assert {n["data"]["id"] for n in data["elements"]["nodes"] if n["data"]["kind"] == "condition"} == {"mesh:D006402"}
    code, _, err = run(capfd, "network", "--store", store_path, "--max-nodes", "12", "-o", str(tmp_path / "n.graphml"))
    assert code == 0 and "note: kept the 12 most connected nodes of 31; cut 19 (" in err


def test_cli_errors(store_path: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capfd, "network", "--store", store_path, "--drug", "nodrug")
    assert code == 1 and "error: drug: nothing in the store is called 'nodrug'" in err
    code, _, err = run(capfd, "network", "--store", store_path, "-o", str(tmp_path / "n.txt"))
    assert code == 1 and "cannot tell the format from the extension" in err
    code, _, err = run(capfd, "network", "--store", store_path, "--stats", "--format", "png")
    assert code == 2 and "--stats prints the analysis as text or json" in err


# --- the page in a real browser ---------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def synthetic(n: int, seed: int = 5) -> nx.MultiDiGraph:
    """A made-up network of ``n`` nodes in the five kinds, with labels that try to inject HTML."""
    rnd = random.Random(seed)
    graph = nx.MultiDiGraph()
    share = {"drug": 0.15, "target": 0.09, "condition": 0.21, "trial": 0.45}
    sizes = {k: max(1, int(n * v)) for k, v in share.items()}
    sizes["sponsor"] = n - sum(sizes.values())
    ids: dict[str, list[str]] = {}
    for kind, count in sizes.items():
        ids[kind] = [f"{kind}:{i:04d}" for i in range(count)]
        for i, node in enumerate(ids[kind]):
            label = f"<script>alert('{kind} {i}')</script>" if i == 3 else f"{kind} {i}"
            graph.add_node(node, kind=kind, label=label, curie=node, iri=f"https://example.org/{node}", trials=1)
    for d in ids["drug"]:
        graph.add_edge(d, rnd.choice(ids["target"]), key="acts_on", kind="acts_on", action_type="Inhibitor")
    for t in ids["trial"]:
        d = rnd.choice(ids["drug"])
        graph.add_edge(t, d, key="tests", kind="tests")
        for c in rnd.sample(ids["condition"], min(len(ids["condition"]), rnd.choice([1, 1, 2]))):
            graph.add_edge(t, c, key="studies", kind="studies")
            graph.add_edge(d, c, key="in_trials_for", kind="in_trials_for", trials=1)
        graph.add_edge(rnd.choice(ids["sponsor"]), t, key="sponsors", kind="sponsors", role="lead sponsor")
    return graph


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("needs Debian's chromium (apt-get install chromium; .ci/system-deps installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("needs playwright (pip install -e '.[test]'; only its driver is used, with Debian's chromium)")
    with sync_playwright() as p:
        executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        handle = p.chromium.launch(executable_path=executable, args=ARGS)
        yield handle
        handle.close()


class Page:
    """A page opened from a file with every other request blocked and recorded."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.url = path.resolve().as_uri()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("request", lambda r: r.url == self.url or self.blocked.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(self.url)
        self.page.wait_for_function("document.body.dataset.ready === 'true'", timeout=20_000)

    def _route(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def dataset(self, key: str) -> str:
        return self.page.evaluate(f"document.body.dataset.{key}")


def distinct_colours(png: bytes) -> int:
    from matplotlib import image

    pixels = image.imread(io.BytesIO(png), format="png")
    flat = (pixels[..., :3] * 255).astype("uint8").reshape(-1, 3)
    return len({tuple(p) for p in flat[:: 7]})


def test_the_page_in_a_browser(browser: Any, seeds: EmbeddedStore, tmp_path: Path) -> None:
    result = build_network(seeds)
    path = tmp_path / "seeds.html"
    write(result, path)
    view = Page(browser, path)
    page = view.page
    assert int(view.dataset("nodes")) == result.graph.number_of_nodes() == 31
    assert page.evaluate("window.trialgraphNetwork.nodeCount") == 31
    assert page.evaluate("window.trialgraphNetwork.edgeCount") == result.graph.number_of_edges()
    assert page.locator("#legend").inner_text().count("\n") >= 10 and "Targets" in page.locator("#legend").inner_text()
    shot = page.screenshot()
    assert distinct_colours(shot) > 40, "the screenshot looks blank"
    # search by typing: by label, then by identifier
    page.locator("#search").click()
    page.keyboard.type("IL2RA")
    page.wait_for_function("document.body.dataset.found === 'uniprot:P01589'", timeout=5_000)
    assert "IL2RA" in page.locator("#results").inner_text()
    page.locator("#search").fill("")
    page.locator("#search").type("D000095542")
    page.wait_for_function("document.body.dataset.found === 'mesh:D000095542'", timeout=5_000)
    page.keyboard.press("Enter")
    details = page.locator("#details")
    assert details.is_visible() and "Cytopenia" in details.inner_text()
    assert details.locator("a.open").get_attribute("href") == "https://meshb.nlm.nih.gov/record/ui?ui=D000095542"
    assert details.locator("a.open").get_attribute("target") == "_blank"
    assert page.evaluate("window.trialgraphNetwork.search('graft vs host')") == GVHD
    # hovering a node shows its tooltip
    page.evaluate("window.trialgraphNetwork.select('tgdrug:isatuximab')")
    page.wait_for_timeout(500)
    box = page.locator("#canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("!document.getElementById('tooltip').hidden", timeout=5_000)
    assert "isatuximab" in page.locator("#tooltip").inner_text()
    # zoom with the wheel
    before = page.evaluate("window.trialgraphNetwork.view().k")
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(100)
    assert page.evaluate("window.trialgraphNetwork.view().k") > before
    assert view.blocked == [] and view.errors == [] and view.dialogs == []
    page.close()


def test_a_2000_node_network_opens_in_seconds(browser: Any, tmp_path: Path) -> None:
    graph = synthetic(2000)
    path = tmp_path / "big.html"
    path.write_text(html_document(graph), encoding="utf-8")
    start = time.monotonic()
    view = Page(browser, path)
    opened = time.monotonic() - start
    assert view.errors == [] and view.blocked == [] and view.dialogs == []
    assert int(view.dataset("nodes")) == 2000
    assert opened < 15, f"took {opened:.1f} s to draw"
    # a label that tries to inject a script is shown as text
    view.page.locator("#search").fill("<script>alert('drug 3')")
    view.page.wait_for_function("document.body.dataset.found === 'drug:0003'", timeout=5_000)
    assert "<script>alert('drug 3')</script>" in view.page.locator("#results").inner_text()
    assert view.dialogs == []
    assert distinct_colours(view.page.screenshot()) > 40
    view.page.close()


def test_the_network_guard_sees_requests(browser: Any, tmp_path: Path) -> None:
    """The blocking above is real: a page that asks for anything gets it refused and recorded."""
    path = tmp_path / "asks.html"
    path.write_text('<!DOCTYPE html><img src="https://example.org/pixel.png">'
                    '<script>document.body.dataset.ready = "true"</script>', encoding="utf-8")
    view = Page(browser, path)
    view.page.wait_for_timeout(200)
    assert "https://example.org/pixel.png" in view.blocked
    view.page.close()
