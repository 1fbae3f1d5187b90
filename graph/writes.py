"""What a store is given to write: the whole new content of one named graph.

Its own module, below the store, so that whatever produces graph content (the mapping of records,
the reference tables) needs nothing of the store to say what to write.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class GraphWrite:
    """The complete new content of one named graph, as N-Quads text — or, when ``additive``,
    quads to add to a graph that many records share (never dropped, never rolled back)."""

    graph: str
    nquads: str
    replace: bool = True  #: drop what the graph held before (False: it is known to be new)
    additive: bool = False  #: add to the graph (the shared entities graph); implies not replace
