"""The SPARQL text helpers (graph/sparql.py): one lexer, so that keywords, braces and prefixed
names inside strings, IRIs and comments never count."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.errors import QueryError, ReportError
from graph.sparql import (
    code,
    declared_prefixes,
    lateral,
    missing_prefixes,
    order_keys,
    query_form,
    strip_comments,
    with_values,
)

TRICKY = '''PREFIX ex: <urn:ex#>
# SELECT ?x WHERE { OPTIONAL { tg:no } } ORDER BY ?x
ASK WHERE { ?s ex:p """a { WHERE
ORDER BY ?s """ ; ex:q 'OPTIONAL {' ; ex:r <urn:tg:x#y> }'''


def test_code_keeps_positions_and_blanks_strings_iris_and_comments() -> None:
    text = code(TRICKY)
    assert len(text) == len(TRICKY)
    assert text.count("\n") == TRICKY.count("\n")  # lines stay where they were
    for word in ("SELECT", "OPTIONAL", "ORDER", "tg:", "urn:"):
        assert word not in text, word
    assert text.count("{") == 1 and text.count("}") == 1  # only the group's own braces
    assert "ASK WHERE {" in text and "ex:p" in text


def test_keywords_in_strings_and_comments_do_not_decide_the_form() -> None:
    assert query_form(TRICKY) == "ASK"
    assert query_form("# SELECT\nCONSTRUCT { ?s ?p 'ASK' } WHERE { ?s ?p ?o }") == "CONSTRUCT"
    with pytest.raises(QueryError):
        query_form("# SELECT * WHERE { }\n'ASK'")


def test_values_go_into_the_where_group_never_into_a_comment_or_a_string() -> None:
    bindings = {ox.Variable("_x"): ox.Literal("v")}
    for query in ("# WHERE {\nSELECT * WHERE { ?s ?p ?_x }",
                  "SELECT * { ?s ?p 'WHERE {' . ?s ?p ?_x }",
                  "SELECT * WHERE\n{ ?s ?p ?_x }"):
        placed = with_values(query, bindings)
        head, _, tail = placed.partition('VALUES (?_x) { ("v") }')
        assert tail, placed
        assert code(head).rstrip().endswith("{"), placed  # right after the group's own brace
        assert placed.replace('\n  VALUES (?_x) { ("v") }\n', "") == query
    with pytest.raises(ReportError):
        with_values("ASK 'no group {'", bindings)


def test_prefixes_used_only_in_strings_iris_or_comments_are_not_added() -> None:
    added = missing_prefixes("SELECT * { ?s a tg:Trial ; rdfs:label 'mesh:D001' ; ?p <urn:schema:x> } # skos:x")
    assert "PREFIX tg:" in added and "PREFIX rdfs:" in added
    for unused in ("mesh:", "schema:", "skos:"):
        assert f"PREFIX {unused}" not in added
    assert missing_prefixes("PREFIX tg: <urn:mine#>\nSELECT * { ?s a tg:Trial }") == ""
    assert declared_prefixes("PREFIX : <urn:a#>\n# PREFIX no: <urn:b#>\nSELECT * {}") == {""}


def test_lateral_wraps_every_optional_and_leaves_others_alone() -> None:
    query = "SELECT * { ?t a ?c OPTIONAL { ?t <urn:p> '}' OPTIONAL { ?t <urn:q> ?v } } # OPTIONAL {\n}"
    out = lateral(query)
    assert out.count("LATERAL {") == 2
    assert out.replace("LATERAL { ", "").replace(" }", "") == query.replace(" }", "")
    assert lateral("SELECT * { ?s ?p 'OPTIONAL { x' }") == "SELECT * { ?s ?p 'OPTIONAL { x' }"
    assert lateral("SELECT * { OPTIONAL { ?s ?p ?o ") == "SELECT * { OPTIONAL { ?s ?p ?o "  # unbalanced: as is


def test_order_keys_ignore_an_order_by_in_a_comment_or_string() -> None:
    assert order_keys("SELECT * { ?a ?b 'ORDER BY ?b' } # ORDER BY ?b\nORDER BY ?a") == [("a", False)]
    assert order_keys("SELECT * { ?a ?b ?c } # ORDER BY ?a") is None
    assert order_keys("SELECT * { ?a ?b ?c } ORDER BY ?a # LIMIT 3") == [("a", False)]


def test_strip_comments_keeps_hashes_inside_iris_and_strings() -> None:
    assert strip_comments("SELECT * { ?s <urn:a#b> '#c' } # d\n") == "SELECT * { ?s <urn:a#b> '#c' } \n"
