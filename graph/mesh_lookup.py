"""MeSH descriptors by name: what a report parameter such as ``condition=Multiple Myeloma`` means.

A name is a tree number (C15.378: the descriptor that holds it), a preferred label or an entry term
of the MeSH in the store, or a term the registry gives for a trial's conditions or their ancestors
(``tg:conditionMesh``, ``tg:conditionMeshAncestor``, labelled in the trials' graphs), compared
ignoring case and punctuation. The usual spellings of a
name (as given, lower case, capitalised, title case) are looked up in the store's index; only a
name none of them matches costs a scan of every MeSH name.
"""

from __future__ import annotations

from typing import Any, Iterator

import pyoxigraph as ox

from graph import iris
from graph.linking import norm
from graph.readers.mesh import TREE_NUMBER

#: a MeSH descriptor (or supplementary concept) IRI, not a tree number's
_DESCRIPTOR_IRI = 'REGEX(STR(?x), "^http://id[.]nlm[.]nih[.]gov/mesh/[CD][0-9]{6,9}$")'
_NAMED = ("{ ?x rdfs:label ?n BIND(true AS ?p) } UNION { ?x skos:altLabel ?n BIND(false AS ?p) }")
#: words MeSH labels write in lower case inside a title
_SMALL_WORDS = frozenset("a an and as at by for from in into of on or the to vs with without".split())


def descriptors_named(store: Any, name: str) -> list[str]:
    """The IRIs of the MeSH descriptors called ``name``, sorted: the one whose preferred label it is
    when exactly one descriptor has it as its preferred label, else every descriptor with it as a
    label or entry term (none, one or several)."""
    text = " ".join(name.split())
    if TREE_NUMBER.fullmatch(text.upper()):
        # ?tree in the projection: pyoxigraph substitutes only variables of the projection
        rows = store.query("SELECT DISTINCT ?x ?tree WHERE { ?x meshv:treeNumber ?tree }",
                           substitutions={ox.Variable("tree"): ox.NamedNode(iris.tree_number(text.upper()))})
        return sorted({row["x"].value for row in rows})
    found = _exactly(store, spellings(text))
    if not found:
        wanted = norm(text)
        found = {(x, p) for x, n, p in _every_name(store) if norm(n) == wanted}
    preferred = sorted({x for x, p in found if p})
    return preferred if len(preferred) == 1 else sorted({x for x, _ in found})


def spellings(text: str) -> list[str]:
    """The usual ways a MeSH name may be written, for exact lookups.

    >>> spellings("hemic and lymphatic diseases")[-2:]
    ['Hemic And Lymphatic Diseases', 'Hemic and Lymphatic Diseases']
    """
    words = text.split(" ")
    title = [w[:1].upper() + w[1:] for w in words]
    small = [title[0]] + [w.lower() if w.lower() in _SMALL_WORDS else w for w in title[1:]]
    forms = [text, text.lower(), text[:1].upper() + text[1:], text[:1].upper() + text[1:].lower(),
             " ".join(w[:1].upper() + w[1:].lower() for w in words), " ".join(title), " ".join(small)]
    return list(dict.fromkeys(forms))


def _exactly(store: Any, names: list[str]) -> set[tuple[str, bool]]:
    """(descriptor, preferred?) of the names written exactly as one of ``names`` (untagged or @en)."""
    terms = " ".join(str(ox.Literal(n, **kw)) for n in names for kw in ({}, {"language": "en"}))
    rows = store.query(f"SELECT DISTINCT ?x ?p WHERE {{ VALUES ?n {{ {terms} }} {_NAMED} FILTER({_DESCRIPTOR_IRI}) }}")
    return {(row["x"].value, row["p"].value == "true") for row in rows}


def _every_name(store: Any) -> Iterator[tuple[str, str, bool]]:
    """Every (descriptor, name, preferred?) of the store's MeSH and of the registry's MeSH terms."""
    for row in store.query(f"SELECT ?x ?n ?p WHERE {{ ?x a meshv:TopicalDescriptor . {_NAMED} }}"):
        yield row["x"].value, row["n"].value, row["p"].value == "true"
    for row in store.query("SELECT DISTINCT ?x ?n WHERE { ?t tg:conditionMesh|tg:conditionMeshAncestor ?x . "
                           f"?x rdfs:label ?n FILTER({_DESCRIPTOR_IRI}) }}"):
        yield row["x"].value, row["n"].value, True
