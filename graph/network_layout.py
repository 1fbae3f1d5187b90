"""Node positions for drawing a network, computed before display and the same on every run.

Each connected component is laid out on its own. Pivot MDS (Brandes and Pich: shortest-path
distances to 40 far-apart nodes, projected on their two main axes) gives the global shape at once;
a force-directed refinement (Fruchterman and Reingold's spring model, vectorised with numpy:
repulsion between every pair of nodes, attraction along edges, a weak pull to the centre, a cooling
temperature) then spreads the nodes out. The components are packed in rows, largest first, so a
network of many small pieces fills a screen instead of flying apart. Distances come out in "node
spacings" (neighbours sit about one unit apart). Seeded, so the same graph gets the same picture.

Cost grows with the square of a component's size: about 1.5 s for a 2,000-node component on one
idle core. Repulsion is computed in blocks of rows, so memory stays small for bigger components.

>>> import networkx as nx
>>> pos = layout(nx.path_graph(["a", "b", "c"]))
>>> sorted(pos) == ["a", "b", "c"] and pos == layout(nx.path_graph(["a", "b", "c"]))
True
"""

from __future__ import annotations

import math
from typing import Hashable

import networkx as nx
import numpy as np

#: Seed of the random starting positions: the same graph always gets the same picture.
SEED = 20240601
#: Rows of the pairwise repulsion computed at once (memory: BLOCK x n floats, a few times).
BLOCK = 1024
#: Largest step of a node in the first round, per square root of the number of nodes.
TEMPERATURE = 0.1
#: Strength of the pull towards the centre.
GRAVITY = 0.3
#: Pivots of the starting layout.
PIVOTS = 40


def _iterations(n: int) -> int:
    if n <= 30:
        return 60
    if n <= 500:
        return 80
    return 50


def _pivot_mds(n: int, adjacency: list[list[int]], pivots: int, rng: np.random.Generator) -> np.ndarray:
    """Starting positions from pivot MDS (Brandes and Pich): shortest-path distances to a few
    far-apart pivot nodes, projected on their two main axes. Puts the global shape right at once."""
    count = min(pivots, n)
    dist = np.zeros((n, count))
    nearest = np.full(n, np.inf)
    pivot = 0
    for j in range(count):
        column = _bfs(n, adjacency, pivot)
        dist[:, j] = column
        np.minimum(nearest, column, out=nearest)
        pivot = int(np.argmax(nearest))
    squared = dist ** 2
    centred = squared - squared.mean(axis=0) - squared.mean(axis=1)[:, None] + squared.mean()
    centred *= -0.5
    _, vectors = np.linalg.eigh(centred.T @ centred)
    pos = centred @ vectors[:, -2:][:, ::-1]
    spread = pos.std(axis=0)
    spread[spread == 0] = 1.0
    pos = pos / spread
    jitter = rng.normal(scale=0.05, size=(n, 2))
    return pos + jitter * max(float(np.median(np.abs(pos))), 1e-2)


def _bfs(n: int, adjacency: list[list[int]], source: int) -> np.ndarray:
    out = np.full(n, -1.0)
    out[source] = 0
    frontier = [source]
    level = 0.0
    while frontier:
        level += 1
        nxt = []
        for u in frontier:
            for v in adjacency[u]:
                if out[v] < 0:
                    out[v] = level
                    nxt.append(v)
        frontier = nxt
    out[out < 0] = level
    return out


def _spring(n: int, src: np.ndarray, dst: np.ndarray, seed: int) -> np.ndarray:
    """Fruchterman–Reingold positions of ``n`` nodes with edges ``src[i] - dst[i]``, spacing ~1,
    started from pivot MDS."""
    rng = np.random.default_rng(seed)
    adjacency: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(src.tolist(), dst.tolist()):
        adjacency[a].append(b)
        adjacency[b].append(a)
    pos = _pivot_mds(n, adjacency, PIVOTS, rng)
    if len(src):  # neighbours start about one unit apart
        lengths = np.sqrt(((pos[src] - pos[dst]) ** 2).sum(axis=1))
        pos *= 1.0 / max(float(np.median(lengths)), 1e-3)
    pos = pos.astype(np.float32)
    k = np.float32(1.0)  # ideal distance: the layout is built at its final scale
    iterations = _iterations(n)
    temperature = TEMPERATURE * math.sqrt(n) + 1.0
    step = temperature / (iterations + 1)
    disp = np.zeros((n, 2), dtype=np.float32)
    for _ in range(iterations):
        x, y = pos[:, 0], pos[:, 1]
        for start in range(0, n, BLOCK):
            stop = min(n, start + BLOCK)
            dx = x[start:stop, None] - x[None, :]
            dy = y[start:stop, None] - y[None, :]
            d2 = dx * dx + dy * dy
            np.maximum(d2, np.float32(1e-3), out=d2)
            np.divide(k * k, d2, out=d2)  # repulsion k²/d along the unit vector: k² * delta / d²
            disp[start:stop, 0] = (dx * d2).sum(axis=1)
            disp[start:stop, 1] = (dy * d2).sum(axis=1)
        if len(src):
            delta = pos[src] - pos[dst]
            dist = np.sqrt((delta * delta).sum(axis=1))
            pull = delta * (dist / k)[:, None]  # attraction d²/k along the unit vector
            disp[:, 0] -= np.bincount(src, weights=pull[:, 0], minlength=n)
            disp[:, 1] -= np.bincount(src, weights=pull[:, 1], minlength=n)
            disp[:, 0] += np.bincount(dst, weights=pull[:, 0], minlength=n)
            disp[:, 1] += np.bincount(dst, weights=pull[:, 1], minlength=n)
        # a pull towards the centre, like ForceAtlas2's gravity, keeps chains and loose ends from
        # hanging far out under the pressure of a big core
        disp -= (pos - pos.mean(axis=0)) * np.float32(GRAVITY)
        length = np.sqrt((disp * disp).sum(axis=1))
        np.maximum(length, np.float32(1e-6), out=length)
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
        temperature -= step
    return (pos - pos.mean(axis=0)).astype(np.float64)


def _component(nodes: list[Hashable], graph: nx.Graph, seed: int) -> np.ndarray:
    n = len(nodes)
    if n == 1:
        return np.zeros((1, 2))
    if n == 2:
        return np.array([[-0.5, 0.0], [0.5, 0.0]])
    index = {node: i for i, node in enumerate(nodes)}
    pairs = sorted((min(index[u], index[v]), max(index[u], index[v])) for u, v in graph.subgraph(nodes).edges() if u != v)
    src = np.array([p[0] for p in pairs], dtype=np.intp)
    dst = np.array([p[1] for p in pairs], dtype=np.intp)
    return _spring(n, src, dst, seed)


def layout(graph: nx.Graph, *, seed: int = SEED, aspect: float = 1.6) -> dict[Hashable, tuple[float, float]]:
    """Positions ``{node: (x, y)}`` for every node; deterministic for the same graph and seed.

    Parallel edges and directions are ignored; ``aspect`` is the width/height the packing aims at.
    """
    simple = nx.Graph()
    simple.add_nodes_from(sorted(graph.nodes, key=str))
    simple.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    components = sorted((sorted(c, key=str) for c in nx.connected_components(simple)), key=lambda c: (-len(c), str(c[0])))
    placed: dict[Hashable, tuple[float, float]] = {}
    boxes = []
    for number, nodes in enumerate(components):
        pos = _component(nodes, simple, seed + number)
        low, high = pos.min(axis=0), pos.max(axis=0)
        boxes.append((nodes, pos - low, high - low))
    # Shelf packing: rows of components, largest first, aiming at the requested aspect ratio.
    gap = 3.0
    area = sum((w + gap) * (h + gap) for _, _, (w, h) in boxes)
    row_width = max(math.sqrt(area * aspect), max((w for _, _, (w, _) in boxes), default=0.0))
    x = y = row_height = 0.0
    for nodes, pos, (w, h) in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        for node, (px, py) in zip(nodes, pos):
            placed[node] = (round(float(px + x), 3), round(float(py + y), 3))
        x += w + gap
        row_height = max(row_height, h)
    return {node: placed[node] for node in graph.nodes}
