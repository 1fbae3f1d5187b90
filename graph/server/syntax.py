"""The SPARQL parser's complaint, told in words: where (line, column, the text there) and what the
grammar would have accepted (a variable, an IRI, a string …), not the engine's list of character
ranges.

pyoxigraph says ``error at LINE:COLUMN: expected one of "$", "'", … ['A' ..= 'Z' | …]``: the
furthest point its parser reached and the first characters of every rule it tried there. That
position is where the query stops making sense to the parser (at times just after the mistake),
so the line is shown with a mark under it.
"""

from __future__ import annotations

import re

_AT = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)
#: One alternative of the expected list: a quoted token, a character class, or a word (a keyword).
_ALTERNATIVE = re.compile(r'"(?:\\.|[^"\\])*"|\[(?:\'(?:\\.|[^\'\\])*\'|[^\]])*\]|[A-Za-z][A-Za-z ]*[A-Za-z]|[A-Za-z]')

_WORDS = {
    '"?"': "a variable", '"$"': "a variable",
    '"<"': "an IRI", '":"': "a prefixed name",
    "\"'\"": "a string", "\"'''\"": "a string", '"\\""': "a string", '"\\"\\"\\""': "a string",
    '"+"': "a number", '"-"': "a number", "['0'..='9']": "a number",
    '"true"': "true or false", '"false"': "true or false",
    '"_:"': "a blank node", '"["': "a blank node",
    '"<<"': "a quoted triple", '"<<("': "a quoted triple",
    "IRI parsing failed": "a valid IRI (this one cannot be read, or is relative with no base IRI)",
    '"*"': "a property path (/ | ^ *)", '"/"': "a property path (/ | ^ *)",
    '"|"': "a property path (/ | ^ *)", '"^"': "a property path (/ | ^ *)", '"!"': "a property path (/ | ^ *)",
}
#: Alternatives that only continue the token being read (a name, a string's characters, an escape).
_SKIP = {"[_]", '"\\\\"', '"\\\\u"', '"\\\\U"', "['%']", "['.']", "[':']", "['\\\\']", "['_']"}
_MANY_KEYWORDS = 6


def _words(expected: str) -> list[str]:
    out: list[str] = []
    for alternative in _ALTERNATIVE.findall(expected):
        if alternative in _SKIP or alternative == "Prefix not found":
            continue
        if alternative in _WORDS:
            word = _WORDS[alternative]
        elif alternative.startswith("['A'"):
            word = "a prefixed name"
        elif alternative.startswith("["):
            continue  # the rest of a name
        elif alternative.startswith('"'):
            word = alternative  # punctuation: "{", "}", ".", "(" … as it is written
        else:
            word = alternative  # a keyword
        if word not in out:
            out.append(word)
    keywords = [w for w in out if w.isupper()]
    if len(keywords) > _MANY_KEYWORDS:  # the parser lists the functions it tried: a sample says enough
        out = [w for w in out if not w.isupper()] + [f"a keyword or function such as {', '.join(keywords[:4])}"]
    return out


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _token_at(line: str, index: int) -> str:
    if index >= len(line.rstrip()):
        return "the end of the line"
    rest = line[index:]
    match = re.match(r"\s*(<[^>\s]*>?|\"[^\"]*\"?|'[^']*'?|[?$]?[\w:.-]+|\S)", rest)
    found = match.group(1) if match else rest[:1]
    return f"“{found[:40]}”"


#: Alternatives that mean only "the string goes on": what is missing is its closing quote.
_IN_STRING = {'"\\""', "\"'\"", '"\\\\"', '"\\\\u"', '"\\\\U"', "[_]"}
_UPDATE = re.compile(r"^(?:\s|#[^\n]*\n?|(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>))*"
                     r"(INSERT|DELETE|DROP|CLEAR|LOAD|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)


def _other_parser(text: str, *, update: bool) -> tuple[int, int, str] | None:
    """Where rdflib's SPARQL parser stops reading the text (line, column, the text there), or None."""
    try:
        from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    except ImportError:
        return None
    try:
        (parseUpdate if update else parseQuery)(text)
    except Exception as exc:  # noqa: BLE001 - pyparsing's ParseException, or anything else it raises
        line, column = getattr(exc, "lineno", None), getattr(exc, "col", None)
        if isinstance(line, int) and isinstance(column, int):
            return line, column, ""
    return None


def looks_like_update(text: str) -> str | None:
    """The update keyword a text starts with (after its prologue), or None.

    >>> looks_like_update("PREFIX x: <http://x/> DROP GRAPH <x:g>")
    'DROP'
    """
    match = _UPDATE.match(text)
    return match.group(1).upper() if match else None


def explain(text: str, message: str, *, what: str = "query") -> str:
    """A parser message about ``text`` told in words; a message of another shape is returned tidied.

    >>> print(explain("SELECT ?x WHERE { ?x <x:p> }", 'error at 1:28: expected one of "$", "?", "<", "true", [_]'))
    malformed SPARQL query at line 1, column 28, at “}”: expected a variable, an IRI or true or false
      SELECT ?x WHERE { ?x <x:p> }
                                 ^
    """
    match = _AT.match(message.strip())
    if match is None:
        return f"malformed SPARQL {what}: {' '.join(message.split())}"
    line_no, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
    lines = text.split("\n") or [""]
    if line_no > len(lines):
        line_no, column = len(lines), len(lines[-1]) + 1
    detail = detail.removeprefix("expected one of ").removeprefix("expected ")
    raw = _ALTERNATIVE.findall(detail)
    useless = not raw or set(raw) <= {"[_]"}
    if useless:  # pyoxigraph names nothing it expected: rdflib's parser may say better where it went wrong
        other = _other_parser(text, update=what == "update")
        if other is not None and (other[0], other[1]) < (line_no, column):
            line_no, column = other[0], other[1]
            detail = ""
    line = lines[line_no - 1]
    where = f"at line {line_no}, column {column}"
    if line_no == len(lines) and column > len(line.rstrip()):
        where += ", at the end of the " + what
    else:
        where += ", at " + _token_at(line, column - 1)
    if "Prefix not found" in detail:
        name = re.search(r"([A-Za-z][\w.-]*)?:[\w.%-]*$", line[: column - 1].rstrip())
        prefix = (name.group(1) or "") + ":" if name else "a prefix"
        said = (f"the prefix {prefix} is not declared — add PREFIX {prefix} <…> before the {what} "
                "(trialgraph's own prefixes, such as tg:, are declared already)")
    elif raw and set(raw) <= _IN_STRING and not useless:
        said = "a string is not closed (a quote is missing)"
    else:
        expected = _words(detail)
        said = f"expected {_listed(expected)}" if expected else "that does not fit the SPARQL grammar there"
    shown = line.replace("\t", " ")
    if len(shown) > 120:  # a long line: the part around the mark
        start = max(0, column - 60)
        shown, column = shown[start:start + 120], column - start
    return f"malformed SPARQL {what} {where}: {said}\n  {shown}\n  {' ' * (column - 1)}^"


__all__ = ["explain", "looks_like_update"]
