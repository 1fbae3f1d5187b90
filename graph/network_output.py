"""Network views as files: an interactive HTML page, PNG and SVG pictures, and GraphML, GEXF and
Cytoscape.js JSON for Cytoscape desktop, Gephi and web apps.

The HTML page is one self-contained file: the viewer (``graph/static/network.js``, plain JavaScript
drawing on a canvas) and the network (JSON, with positions computed by
:mod:`graph.network_layout`) are inlined, so it opens offline and asks nothing of any server. Every
output is deterministic: the same network gives the same bytes.
"""

from __future__ import annotations

import html
import importlib.resources
import io
import json
import math
import re
from pathlib import Path
from typing import IO, Any, Mapping, Sequence

import networkx as nx

from graph import __version__
from graph.errors import GraphError
from graph.network import EDGE_KINDS, NODE_KINDS, NetworkResult
from graph.network_layout import layout
from graph.paths import write_atomically

#: Output formats, and the file extensions that choose them.
FORMATS: tuple[str, ...] = ("html", "png", "svg", "graphml", "gexf", "cyjs")
EXTENSIONS: dict[str, str] = {
    ".html": "html", ".htm": "html", ".png": "png", ".svg": "svg", ".graphml": "graphml", ".gexf": "gexf",
    ".cyjs": "cyjs", ".json": "cyjs",
}
#: Formats that draw the network, with the most nodes they keep unless told otherwise.
DRAWN_LIMITS: dict[str, int] = {"html": 2000, "png": 400, "svg": 400}

#: How each node kind looks: colour (Okabe–Ito, safe for colour-blind readers), shape, drawing layer.
NODE_STYLE: dict[str, dict[str, Any]] = {
    "drug": {"label": "Drug", "plural": "Drugs", "color": "#0072B2", "shape": "circle", "marker": "o", "layer": 0},
    "target": {"label": "Target", "plural": "Targets", "color": "#D55E00", "shape": "diamond", "marker": "D", "layer": 0},
    "condition": {"label": "Condition (MeSH)", "plural": "Conditions (MeSH)", "color": "#009E73", "shape": "square",
                  "marker": "s", "layer": 1},
    "trial": {"label": "Trial", "plural": "Trials", "color": "#CC79A7", "shape": "triangle", "marker": "^", "layer": 2},
    "sponsor": {"label": "Sponsor", "plural": "Sponsors", "color": "#E69F00", "shape": "hexagon", "marker": "h",
                "layer": 2},
}
EDGE_STYLE: dict[str, dict[str, Any]] = {
    "acts_on": {"label": "drug acts on target", "color": "#D55E00", "width": 1.6, "alpha": 0.75,
                "out": "Acts on", "in": "Drugs acting on it"},
    "in_trials_for": {"label": "drug in trials for condition", "color": "#0072B2", "width": 1.1, "alpha": 0.5,
                      "out": "In trials for", "in": "Drugs in trials for it"},
    "tests": {"label": "trial tests drug", "color": "#8a7f99", "width": 0.8, "alpha": 0.45,
              "out": "Tests", "in": "Tested in"},
    "studies": {"label": "trial studies condition", "color": "#009E73", "width": 0.8, "alpha": 0.4,
                "out": "Studies", "in": "Studied in"},
    "sponsors": {"label": "sponsor runs trial", "color": "#E69F00", "width": 0.8, "alpha": 0.45,
                 "out": "Sponsors", "in": "Sponsored by"},
}
_SITES = (("https://clinicaltrials.gov/", "ClinicalTrials.gov"), ("https://www.uniprot.org/", "UniProt"),
          ("https://meshb.nlm.nih.gov/", "MeSH Browser"), ("https://go.drugbank.com/", "DrugBank"),
          ("https://www.ebi.ac.uk/chembl/", "ChEMBL"))
#: Attributes shown in tooltips and details, by node kind: (attribute, caption).
_INFO: dict[str, tuple[tuple[str, str], ...]] = {
    "trial": (("title", "title"), ("phase", "phase"), ("status", "status")),
    "drug": (("trials", "trials"), ("drugbank", "DrugBank"), ("chembl", "ChEMBL"), ("mesh", "MeSH")),
    "target": (("protein", "protein"), ("uniprot", "UniProt"), ("symbol", "gene"), ("trials", "trials")),
    "condition": (("mesh", "MeSH"), ("tree_numbers", "tree numbers"), ("trials", "trials"), ("includes", "rolled up from")),
    "sponsor": (("trials", "trials"),),
}
#: Words a search may use besides the label and CURIE.
_SEARCH_ATTRS = ("nct", "symbol", "uniprot", "protein", "mesh", "drugbank", "chembl", "title")


def format_for(path: Path, fmt: str | None = None) -> str:
    """The output format: ``fmt`` if given, else from the file extension.

    >>> format_for(Path("net.gexf")), format_for(Path("x.out"), "svg")
    ('gexf', 'svg')
    """
    if fmt:
        if fmt not in FORMATS:
            raise GraphError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
        return fmt
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise GraphError(f"{path.name}: cannot tell the format from the extension — use --format "
                         f"({', '.join(FORMATS)}) or name the file .html, .png, .svg, .graphml, .gexf or .cyjs")
    return found


def _graph_of(network: NetworkResult | nx.MultiDiGraph) -> nx.MultiDiGraph:
    return network.graph if isinstance(network, NetworkResult) else network


def _flat(value: Any) -> Any:
    """A value as GraphML and GEXF accept it: lists become '; '-joined strings, None is dropped."""
    if isinstance(value, (list, tuple, set)):
        return "; ".join(str(v) for v in (sorted(value) if isinstance(value, set) else value))
    return value


def exportable(network: NetworkResult | nx.MultiDiGraph, *, positions: bool = True) -> nx.MultiDiGraph:
    """A copy with only str, int, float and bool attributes (and ``x``, ``y`` positions, ``color``),
    in sorted order, for GraphML and GEXF."""
    graph = _graph_of(network)
    pos = layout(graph) if positions else {}
    out = nx.MultiDiGraph()
    for key, value in sorted(graph.graph.items()):
        if value is not None:
            out.graph[key] = _flat(value)
    for n in sorted(graph.nodes):
        attrs = {k: _flat(v) for k, v in sorted(graph.nodes[n].items()) if v is not None}
        style = NODE_STYLE.get(attrs.get("kind", ""), {})
        if style:
            attrs["color"] = style["color"]
        if n in pos:
            attrs["x"], attrs["y"] = pos[n]
        out.add_node(n, **attrs)
    for u, v, k, attrs in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2]))):
        out.add_edge(u, v, key=k, **{a: _flat(b) for a, b in sorted(attrs.items()) if b is not None})
    return out


# --- GraphML, GEXF, Cytoscape JSON -----------------------------------------------------------------


def graphml_bytes(network: NetworkResult | nx.MultiDiGraph) -> bytes:
    """GraphML (Cytoscape desktop, yEd, Gephi): typed attributes, positions as ``x`` and ``y``.
    Edge ids are unique (``acts_on-3``); the edge's kind is its ``kind`` attribute."""
    graph = exportable(network)
    unique = nx.MultiDiGraph()
    unique.graph.update(graph.graph)
    unique.add_nodes_from(graph.nodes(data=True))
    for number, (u, v, k, attrs) in enumerate(graph.edges(keys=True, data=True)):
        unique.add_edge(u, v, key=f"{k}-{number}", **attrs)
    buffer = io.BytesIO()
    nx.write_graphml(unique, buffer, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return buffer.getvalue()


def gexf_bytes(network: NetworkResult | nx.MultiDiGraph) -> bytes:
    """GEXF 1.2 (Gephi): attributes, and each node's colour, size and position for Gephi to show."""
    graph = exportable(network)
    degree = dict(graph.degree())
    for n, attrs in graph.nodes(data=True):
        r, g, b = (int(attrs.get("color", "#777777")[i:i + 2], 16) for i in (1, 3, 5))
        attrs["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0},
                        "size": round(4 + 3 * math.sqrt(degree.get(n, 0)), 2),
                        "position": {"x": attrs.get("x", 0.0) * 20, "y": -attrs.get("y", 0.0) * 20, "z": 0.0}}
    for _, _, attrs in graph.edges(data=True):
        attrs.pop("id", None)
    text = "\n".join(nx.generate_gexf(graph, encoding="utf-8", prettyprint=True))
    # networkx stamps today's date on <meta>; drop it so the same network gives the same bytes
    text = re.sub(r'(<meta) lastmodifieddate="[^"]*"', r"\1", text, count=1)
    return (text + "\n").encode("utf-8")


def cyjs_data(network: NetworkResult | nx.MultiDiGraph) -> dict[str, Any]:
    """Cytoscape.js JSON (``elements`` with ``data``, and each node's ``position``), as
    :func:`networkx.cytoscape_data` writes it; node ``name`` is the label."""
    graph = _graph_of(network)
    pos = layout(graph)
    plain = nx.MultiDiGraph()
    plain.graph.update({k: _flat(v) for k, v in sorted(graph.graph.items())})
    for n in sorted(graph.nodes):
        plain.add_node(n, **{k: v for k, v in sorted(graph.nodes[n].items()) if v is not None})
    for u, v, k, attrs in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2]))):
        plain.add_edge(u, v, key=k, **dict(sorted(attrs.items())))
    data = nx.cytoscape_data(plain, name="label")
    for element in data["elements"]["nodes"]:
        x, y = pos[element["data"]["id"]]
        element["position"] = {"x": round(x * 40, 2), "y": round(y * 40, 2)}
    for element in data["elements"]["edges"]:
        element["data"]["id"] = f"{element['data']['source']}->{element['data']['target']}:{element['data']['key']}"
    return data


def cyjs_bytes(network: NetworkResult | nx.MultiDiGraph) -> bytes:
    return (json.dumps(cyjs_data(network), indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


# --- HTML ------------------------------------------------------------------------------------------


def _site(url: str | None) -> str:
    for prefix, name in _SITES:
        if url and url.startswith(prefix):
            return name
    return "its page"


def _info(kind: str, attrs: Mapping[str, Any]) -> list[list[str]]:
    out = []
    for key, caption in _INFO.get(kind, ()):
        value = attrs.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(map(str, value[:6])) + (f" … (+{len(value) - 6})" if len(value) > 6 else "")
        out.append([caption, str(value)])
    return out


def _edge_info(kind: str, attrs: Mapping[str, Any]) -> str:
    if kind == "acts_on":
        return str(attrs.get("action_type", ""))
    if kind == "in_trials_for":
        n = attrs.get("trials", 0)
        parts = [f"{n} trial{'s' if n != 1 else ''}"]
        if attrs.get("highest_phase"):
            parts.append(str(attrs["highest_phase"]))
        if attrs.get("statuses"):
            parts.append(", ".join(attrs["statuses"]))
        return " · ".join(parts)
    if kind == "sponsors":
        return str(attrs.get("role", ""))
    return ""


def _radius(degree: int) -> float:
    return round(0.22 + 0.12 * math.sqrt(degree), 3)


def html_payload(network: NetworkResult | nx.MultiDiGraph, *, title: str | None = None,
                 notes: Sequence[str] = ()) -> dict[str, Any]:
    """What the HTML page embeds: nodes with positions, sizes, labels, links and details; edges."""
    graph = _graph_of(network)
    result = network if isinstance(network, NetworkResult) else NetworkResult(graph=graph)
    pos = layout(graph)
    order = sorted(graph.nodes)
    index = {n: i for i, n in enumerate(order)}
    kinds = [k for k in NODE_KINDS] + sorted({graph.nodes[n].get("kind", "other") for n in order} - set(NODE_KINDS))
    edge_kinds = [k for k, _, _ in EDGE_KINDS] + sorted({k for _, _, k in graph.edges(keys=True)} - {k for k, _, _ in EDGE_KINDS})
    counts = result.counts()
    degree = dict(graph.degree())
    nodes = []
    for n in order:
        attrs = graph.nodes[n]
        kind = attrs.get("kind", "other")
        url = attrs.get("url")
        search = " ".join(str(attrs[a]) for a in _SEARCH_ATTRS if attrs.get(a) not in (None, ""))
        nodes.append({
            "id": str(n), "k": kinds.index(kind), "l": str(attrs.get("label") or n), "x": pos[n][0], "y": pos[n][1],
            "r": _radius(degree[n]), "u": url if isinstance(url, str) and url.startswith("https://") else None,
            "site": _site(url), "c": str(attrs.get("curie") or ""), "iri": str(attrs.get("iri") or ""),
            "i": _info(kind, attrs), "s": search.lower(),
        })
    edges = [[index[u], index[v], edge_kinds.index(k), _edge_info(k, attrs)]
             for u, v, k, attrs in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2])))]
    default_node = {"label": "Other", "plural": "Other", "color": "#777777", "shape": "circle", "layer": 2}
    default_edge = {"label": "link", "color": "#999999", "width": 0.8, "alpha": 0.4, "out": "Links to", "in": "Linked from"}
    kind_list = []
    for k in kinds:
        style = NODE_STYLE.get(k, dict(default_node, label=k, plural=k))
        kind_list.append({"name": k, "label": style["label"], "plural": style["plural"], "color": style["color"],
                          "shape": style["shape"], "layer": style["layer"],
                          "count": counts.get(k, sum(1 for n in order if graph.nodes[n].get("kind") == k))})
    edge_list = [dict({"name": k}, **{a: b for a, b in EDGE_STYLE.get(k, dict(default_edge, label=k)).items()})
                 for k in edge_kinds]
    footer = [f"trialgraph {__version__}", result.summary()]
    cut = result.cut_message()
    if cut:
        footer.append(cut.split(" — ")[0])
    footer.extend([*result.notes, *notes])
    return {
        "title": title or result.title(), "subtitle": result.summary(), "footer": " · ".join(footer),
        "kinds": kind_list, "edgeKinds": edge_list, "nodes": nodes, "edges": edges,
    }


def _script_json(payload: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` that could end it or start a comment."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _static(name: str) -> str:
    return importlib.resources.files("graph").joinpath("static", name).read_text(encoding="utf-8")


def html_document(network: NetworkResult | nx.MultiDiGraph, *, title: str | None = None,
                  notes: Sequence[str] = ()) -> str:
    """The self-contained interactive page: the viewer and the network inlined, nothing fetched."""
    payload = html_payload(network, title=title, notes=notes)
    page = _static("network.html")
    script = _static("network.js")
    if "</script" in script.lower():
        raise AssertionError("network.js must not contain '</script'")
    return (page.replace("{{title}}", html.escape(payload["title"]))
            .replace("{{data}}", _script_json(payload))
            .replace("{{script}}", script))


# --- PNG and SVG -----------------------------------------------------------------------------------


def draw(network: NetworkResult | nx.MultiDiGraph, output: Path | IO[bytes], fmt: str, *,
         title: str | None = None, labels: int | None = None) -> None:
    """A picture of the network (matplotlib): shapes and colours by kind, a legend, and the labels of
    the most connected nodes, shortened and sized to stay readable."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    graph = _graph_of(network)
    result = network if isinstance(network, NetworkResult) else NetworkResult(graph=graph)
    pos = layout(graph)
    n = graph.number_of_nodes()
    degree = dict(graph.degree())
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    span_x, span_y = max(xs) - min(xs) + 2, max(ys) - min(ys) + 2
    base = min(22.0, max(9.0, 3.0 + math.sqrt(n) * 0.9))
    aspect = max(0.5, min(2.0, span_x / span_y))
    size = (base, max(6.0, base / aspect)) if aspect >= 1 else (max(7.0, base * aspect), base)
    with plt.rc_context({"svg.hashsalt": "trialgraph", "svg.fonttype": "none", "font.family": "DejaVu Sans"}):
        fig, ax = plt.subplots(figsize=size, dpi=110)
        ax.set_axis_off()
        scale = min(size[0] / span_x, size[1] / span_y) * 72  # points per layout unit
        for kind, _, _ in EDGE_KINDS:
            segments = [(pos[u], pos[v]) for u, v, k in sorted(graph.edges(keys=True)) if k == kind]
            if segments:
                style = EDGE_STYLE[kind]
                ax.add_collection(LineCollection(segments, colors=style["color"], alpha=style["alpha"] * 0.9,
                                                 linewidths=style["width"] * 0.7, zorder=1))
        # marker diameters in points: the layout's size, capped by the number of links
        diameter = {m: max(4.0, min(2 * _radius(degree[m]) * scale, 7.0 + 3.0 * math.sqrt(degree[m])))
                    for m in graph.nodes}
        handles = []
        for kind in NODE_KINDS:
            members = sorted(node for node in graph.nodes if graph.nodes[node].get("kind") == kind)
            if not members:
                continue
            style = NODE_STYLE[kind]
            shrink = {"D": 0.8, "^": 1.1, "h": 1.05}.get(style["marker"], 1.0)
            ax.scatter([pos[m][0] for m in members], [pos[m][1] for m in members],
                       s=[(diameter[m] * shrink) ** 2 for m in members], c=style["color"], marker=style["marker"],
                       edgecolors="white", linewidths=0.6, zorder=3 - style["layer"] * 0.1 + 0.5)
            handles.append(Line2D([], [], linestyle="", marker=style["marker"], markersize=8, markerfacecolor=style["color"],
                                  markeredgecolor="white", label=f"{style['plural']} ({len(members):,})"))
        for kind, _, _ in EDGE_KINDS:
            if any(k == kind for _, _, k in graph.edges(keys=True)):
                style = EDGE_STYLE[kind]
                handles.append(Line2D([], [], color=style["color"], linewidth=2, alpha=0.8, label=style["label"]))
        ax.set_xlim(min(xs) - 1, max(xs) + 1)
        ax.set_ylim(max(ys) + 1, min(ys) - 1)  # y grows downwards, as on screen
        ax.set_title(title or result.title(), fontsize=12, loc="left")
        if handles:
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5, frameon=False,
                      title="trialgraph", title_fontsize=8)
        fig.tight_layout()
        # labels: the most connected nodes first, each placed right or left of its node where it
        # overlaps no other label and no node (measured on the drawn figure)
        wanted = labels if labels is not None else (n if n <= 60 else max(25, min(80, n // 8)))
        fontsize = 9 if n <= 60 else (8 if n <= 300 else 7)
        ranked = sorted(graph.nodes, key=lambda m: (-degree[m], NODE_KINDS.index(graph.nodes[m].get("kind", "drug"))
                                                     if graph.nodes[m].get("kind") in NODE_KINDS else 9, m))
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        to_px = ax.transData.transform
        px_per_pt = fig.dpi / 72
        taken: list[tuple[float, float, float, float]] = []
        if n <= 400:
            for m in graph.nodes:
                cx, cy = to_px(pos[m])
                half = diameter[m] / 2 * px_per_pt * 0.85
                taken.append((cx - half, cy - half, cx + half, cy + half))
        placed = 0
        for m in ranked:
            if placed >= wanted:
                break
            text = str(graph.nodes[m].get("label") or m)
            text = text if len(text) <= 28 else text[:27] + "…"
            gap = diameter[m] / 2 + 3
            spots = ((gap, 0, "left", "center"), (-gap, 0, "right", "center"), (0, -gap, "center", "top"),
                     (0, gap, "center", "bottom"))
            for dx, dy, align, valign in spots:
                label = ax.annotate(text, pos[m], xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                                    va=valign, ha=align, zorder=5, color="#1d2330",
                                    # a light box rather than a path effect: SVG keeps the label as text
                                    bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none",
                                          "alpha": 0.8})
                box = label.get_window_extent(renderer)
                box_ = (box.x0 - 1, box.y0 - 1, box.x1 + 1, box.y1 + 1)
                if not any(box_[0] < b[2] and box_[2] > b[0] and box_[1] < b[3] and box_[3] > b[1] for b in taken):
                    taken.append(box_)
                    placed += 1
                    break
                label.remove()
        note = result.summary()
        cut = result.cut_message()
        if cut:
            note += " · " + cut.split(" — ")[0]
        fig.text(0.01, 0.005, note, fontsize=7.5, color="#5b6475")
        metadata = {"Date": None} if fmt == "svg" else {"Software": f"trialgraph {__version__}"}
        fig.savefig(output, format=fmt, metadata=metadata, bbox_inches="tight", facecolor="white")
        plt.close(fig)


# --- one entry point --------------------------------------------------------------------------------


def render(network: NetworkResult | nx.MultiDiGraph, fmt: str, *, title: str | None = None) -> bytes:
    """The network in one of :data:`FORMATS`, as bytes."""
    if fmt == "html":
        return html_document(network, title=title).encode("utf-8")
    if fmt in ("png", "svg"):
        buffer = io.BytesIO()
        draw(network, buffer, fmt, title=title)
        return buffer.getvalue()
    if fmt == "graphml":
        return graphml_bytes(network)
    if fmt == "gexf":
        return gexf_bytes(network)
    if fmt == "cyjs":
        return cyjs_bytes(network)
    raise GraphError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")


def write(network: NetworkResult | nx.MultiDiGraph, path: Path, fmt: str | None = None, *,
          title: str | None = None) -> str:
    """Write the network to a file (format from ``fmt`` or the extension), atomically; returns the format."""
    fmt = format_for(path, fmt)
    data = render(network, fmt, title=title)
    write_atomically(path, data)
    return fmt
