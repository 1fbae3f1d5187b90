"""What a SPARQL text is made of, as a parser reads it (never by matching text).

The embedded engine (pyoxigraph) offers no parsed form of a query, so rdflib's SPARQL parser reads
it here: it applies every escape the grammar has (codepoint escapes, prefixed-name escapes, long
strings, comments). Used to decide what the engine must not be given (SERVICE, LOAD), which
dataset a query asks for (FROM / FROM NAMED), and which operations an update is made of (those
that remove what a pattern or a graph name matches need ``trialgraph update --yes``).
"""

from __future__ import annotations

import functools
import re

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def codepoints_expanded(sparql: str) -> str:
    """The text with its ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes replaced, as the SPARQL grammar
    replaces them before anything else (so ``SERV\\u0049CE`` is the keyword SERVICE).

    >>> codepoints_expanded(r"SERV\\u0049CE")
    'SERVICE'
    """
    return _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), sparql)


def mentions(sparql: str, word: str) -> bool:
    """Whether ``word`` appears anywhere in the text, in any case, escapes expanded: when it does
    not, no parse is needed to know the text does not use it."""
    return re.search(re.escape(word), codepoints_expanded(sparql), re.IGNORECASE) is not None


def grammar_rules(sparql: str, *, update: bool = False) -> set[str] | None:
    """The names of the grammar rules the text is made of (``ServiceGraphPattern``, ``Load``,
    ``DatasetClause`` ...), or None when the parser cannot read it.

    >>> sorted(grammar_rules("SELECT * FROM <x:g> WHERE { ?s ?p ?o }") or ())[:2]
    ['DatasetClause', 'GroupGraphPatternSub']
    """
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        tree = (parseUpdate if update else parseQuery)(sparql)
    except Exception:  # noqa: BLE001 - whatever the parser raises (syntax, recursion): not readable
        return None
    found: set[str] = set()
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            found.add(node.name)
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or hasattr(node, "asList"):
            stack.extend(node)  # type: ignore[arg-type]
    return found


#: ``FROM <iri>``, ``FROM NAMED <iri>`` or with a prefixed name: the only text a dataset clause can be
_FROM = re.compile(r"\bFROM\s+(?:NAMED\s+)?(?:<|[A-Za-z_][\w.\-]*:|:)", re.IGNORECASE)


@functools.lru_cache(maxsize=256)  # reports run the same text again and again
def has_dataset(sparql: str) -> bool:
    """Whether a query names its own dataset (``FROM`` or ``FROM NAMED``). A query the parser cannot
    read is taken as not naming one (it then sees the union of all graphs, as before).

    >>> has_dataset("SELECT * FROM NAMED <x:g> WHERE { GRAPH ?g { ?s ?p ?o } }")
    True
    >>> has_dataset("SELECT * WHERE { ?s <x:from> 'FROM <x:g>' }")
    False
    """
    if not _FROM.search(codepoints_expanded(sparql)):
        return False
    rules = grammar_rules(sparql)
    return rules is not None and "DatasetClause" in rules


#: What each SPARQL Update operation is called in the messages of ``trialgraph update``.
_OPERATIONS = {"Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE", "Add": "ADD", "Move": "MOVE",
               "Copy": "COPY", "InsertData": "INSERT DATA", "DeleteData": "DELETE DATA",
               "DeleteWhere": "DELETE WHERE"}
#: Operations that remove or overwrite what a pattern or a graph name matches, not listed triples:
#: ``trialgraph update`` runs them only when told to (``--yes``).
DESTRUCTIVE = frozenset({"CLEAR", "DROP", "MOVE", "COPY", "DELETE WHERE", "DELETE/INSERT", "DELETE ... WHERE"})


def update_operations(sparql: str) -> list[str] | None:
    """The operations of a SPARQL Update, in order (``DROP``, ``INSERT DATA``, ``DELETE/INSERT`` for
    a ``DELETE { } INSERT { } WHERE { }`` ...), or None when the parser cannot read it as an update.

    >>> update_operations("INSERT DATA { <x:a> <x:b> 1 } ; DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    ['INSERT DATA', 'DELETE ... WHERE']
    >>> update_operations("SELECT * WHERE { ?s ?p ?o }") is None
    True
    """
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        tree = parseUpdate(sparql)
    except Exception:  # noqa: BLE001 - whatever the parser raises (syntax, recursion): not readable
        return None
    out = []
    for request in tree.request:
        if request.name == "Modify":
            out.append("DELETE/INSERT" if "delete" in request and "insert" in request
                       else "DELETE ... WHERE" if "delete" in request else "INSERT ... WHERE")
        else:
            out.append(_OPERATIONS.get(request.name, request.name.upper()))
    return out
