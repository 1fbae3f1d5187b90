"""SPARQL text: the one lexer, the helpers that rewrite a query's text, and what a parser reads in it.

Two ways of reading a query live here, each for its own job:

- **The lexer** (:func:`code`) blanks out a query's strings, IRIs and comments, keeping every
  other character where it was, so that keywords, braces and prefixed names can be looked for in
  what is left and positions found there are positions in the query. The text helpers built on it
  place parameter values (:func:`with_values`), add missing ``PREFIX`` lines
  (:func:`missing_prefixes`, :func:`with_prefixes`), rewrite OPTIONAL groups as LATERAL ones
  (:func:`lateral`), and read a query's form and outermost ORDER BY (:func:`query_form`,
  :func:`order_keys`).
- **The parser** (rdflib's SPARQL grammar, since the embedded engine offers no parsed form of a
  query) applies every escape the grammar has (codepoint escapes, prefixed-name escapes, long
  strings, comments). It decides what the engine must not be given (SERVICE, LOAD), which dataset a
  query asks for (FROM / FROM NAMED), and which operations an update is made of (those that remove
  what a pattern or a graph name matches need ``trialgraph update --yes``).

This module imports nothing of trialgraph's but its errors and vocabulary, so the store, the
remote client and the reports can all use it.
"""

from __future__ import annotations

import functools
import re
from typing import Mapping

import pyoxigraph as ox

from graph.errors import QueryError, ReportError
from graph.vocab import PREFIXES, sparql_prefixes


# --- the lexer ------------------------------------------------------------------------------------

#: the parts of a query in which keywords, braces, ``#`` and prefixed names mean nothing: long and
#: short strings, IRIs and comments
_TOKENS = re.compile(
    r"""'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|<[^<>"{}|^`\\\s]*>|\#[^\n]*""",
    re.DOTALL,
)


@functools.lru_cache(maxsize=256)
def code(sparql: str) -> str:
    """The query with its strings, IRIs and comments blanked out (each character a space, a newline
    kept; a string or an IRI keeps its first character), so that what is found in it is found at
    the same position in the query.

    >>> code('SELECT * { ?s <x:a#b> "}" } # }')
    'SELECT * { ?s <       "   }    '
    """
    return _TOKENS.sub(lambda m: _blank(m.group()), sparql)


def _blank(token: str) -> str:
    # a comment is as good as white space; a string or an IRI keeps the first character of its
    # delimiter, so that it is still a term between the words beside it
    keep = "" if token.startswith("#") else token[0]
    return keep + "".join("\n" if ch == "\n" else " " for ch in token[len(keep):])


def strip_comments(sparql: str) -> str:
    """The query without its ``#`` comments (a ``#`` inside an IRI or a string is kept).

    >>> strip_comments('SELECT * { ?s <x:a#b> "#" } # done')
    'SELECT * { ?s <x:a#b> "#" } '
    """
    return _TOKENS.sub(lambda m: "" if m.group().startswith("#") else m.group(), sparql)


# --- the text helpers -----------------------------------------------------------------------------

_FORM = re.compile(r"(?<![\w:?$])(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_PREFIX_DECL = re.compile(r"(?<![\w:?$])PREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.IGNORECASE)
_WHERE = re.compile(r"(?<![\w:?$])WHERE\s*\{", re.IGNORECASE)
_OPTIONAL = re.compile(r"(?<![\w:?$])OPTIONAL\s*\{", re.IGNORECASE)
_ORDER_BY = re.compile(r"(?<![\w:?$])ORDER\s+BY\b(.*)$", re.IGNORECASE | re.DOTALL)
_ORDER_TERM = re.compile(r"\s*(?:(ASC|DESC)\s*\(\s*[?$](\w+)\s*\)|[?$](\w+))", re.IGNORECASE)
_CUT = re.compile(r"(?<![\w:?$])(LIMIT|OFFSET)\b", re.IGNORECASE)


def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE.

    >>> query_form("PREFIX a: <urn:select>  # ASK\\nCONSTRUCT WHERE { ?select ?p 'DESCRIBE' }")
    'CONSTRUCT'
    """
    match = _FORM.search(code(sparql))
    if match is None:
        raise QueryError("malformed SPARQL: no SELECT, ASK, CONSTRUCT or DESCRIBE — expected a SPARQL query")
    return match.group(1).upper()


def declared_prefixes(sparql: str) -> set[str]:
    """The prefixes a query declares itself (``""`` for ``PREFIX :``)."""
    return {m.group(1) or "" for m in _PREFIX_DECL.finditer(code(sparql))}


def with_prefixes(sparql: str) -> str:
    """``PREFIX`` lines for each of trialgraph's prefixes that the query does not declare itself,
    then the query (for an endpoint that knows none of them)."""
    declared = declared_prefixes(sparql)
    return sparql_prefixes([name for name in PREFIXES if name not in declared]) + sparql


def missing_prefixes(sparql: str) -> str:
    """``PREFIX`` lines for those of trialgraph's prefixes that a query uses but does not declare.

    >>> missing_prefixes("SELECT * { ?s a tg:Trial ; rdfs:label 'mesh:x' }").count("PREFIX")
    2
    """
    declared, text = declared_prefixes(sparql), code(sparql)
    used = [name for name in PREFIXES if name not in declared
            and re.search(r"(?<![\w:?$.-])" + re.escape(name) + r":", text)]
    return sparql_prefixes(used) if used else ""


def values_block(bindings: Mapping[ox.Variable, ox.NamedNode | ox.Literal]) -> str:
    """The bindings as a SPARQL ``VALUES`` clause (terms serialised by pyoxigraph, never by hand)."""
    if not bindings:
        return ""
    names = " ".join(f"?{v.value}" for v in bindings)
    terms = " ".join(str(t) for t in bindings.values())
    return f"VALUES ({names}) {{ ({terms}) }}"


def with_values(sparql: str, bindings: Mapping[ox.Variable, ox.NamedNode | ox.Literal]) -> str:
    """The query with a ``VALUES`` block at the start of its outermost ``WHERE`` group, for engines
    without substitutions (rdflib, remote endpoints).

    >>> with_values("SELECT * { ?s ?p ?o }", {ox.Variable("s"): ox.NamedNode("x:a")})
    'SELECT * {\\n  VALUES (?s) { (<x:a>) }\\n ?s ?p ?o }'
    """
    block = values_block(bindings)
    if not block:
        return sparql
    text = code(sparql)
    match = _WHERE.search(text) or re.search(r"\{", text)  # "SELECT * { ... }" without WHERE
    if match is None:
        raise ReportError("cannot place parameter values: the query has no WHERE group")
    return sparql[: match.end()] + "\n  " + block + "\n" + sparql[match.end():]


def lateral(sparql: str) -> str:
    """The query with each ``OPTIONAL { ... }`` written ``LATERAL { OPTIONAL { ... } }``.

    Both mean the same, but pyoxigraph evaluates a plain OPTIONAL over the whole store and joins
    afterwards, while LATERAL (SPARQL 1.2) evaluates it once per solution already found — far
    faster when those are few (a report about one trial, target or sponsor).

    >>> lateral('SELECT * WHERE { ?t a ?c OPTIONAL { ?t <p> "}" } }')
    'SELECT * WHERE { ?t a ?c LATERAL { OPTIONAL { ?t <p> "}" } } }'
    """
    text = code(sparql)
    closes: dict[int, int] = {}  # position of a closing brace -> how many LATERAL groups it ends
    opens: list[int] = []
    for match in _OPTIONAL.finditer(text):
        depth, i = 1, match.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth:
            return sparql  # unbalanced: leave the query as it is, the engine will say why
        opens.append(match.start())
        closes[i - 1] = closes.get(i - 1, 0) + 1
    if not opens:
        return sparql
    out, start_set = [], set(opens)
    for i, char in enumerate(sparql):
        if i in start_set:
            out.append("LATERAL { ")
        out.append(char)
        if i in closes:
            out.append(" }" * closes[i])
    return "".join(out)


def order_keys(sparql: str) -> list[tuple[str, bool]] | None:
    """The outermost ORDER BY of a query as (variable, descending) pairs, when it orders by plain
    variables and has no LIMIT or OFFSET (a cut result cannot be sorted again); else None.

    >>> order_keys("SELECT * { { SELECT ?a { ?a ?b ?c } ORDER BY ?b } } ORDER BY DESC(?a) ?c")
    [('a', True), ('c', False)]
    """
    text = code(sparql)
    depth, end = 0, -1
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                end = i
    tail = text[end + 1:]
    match = _ORDER_BY.search(tail)
    if match is None or _CUT.search(tail):
        return None
    words, keys, pos = match.group(1).rstrip(), [], 0
    while pos < len(words):
        term = _ORDER_TERM.match(words, pos)
        if term is None:
            return None  # an expression: leave the server's order alone
        keys.append((term.group(2) or term.group(3), (term.group(1) or "").upper() == "DESC"))
        pos = term.end()
        while pos < len(words) and words[pos].isspace():
            pos += 1
    return keys or None


# --- what a parser reads --------------------------------------------------------------------------

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
