"""Named reports: SPARQL files in ``queries/`` with a grlc-compatible header, run with parameters
that are bound, never pasted into the query text.

A report file is valid SPARQL. Its header is YAML on lines starting with ``#+`` (grlc's
decorators: ``summary``, ``description``, ``tags``, ``defaults``, ``enumerate`` ...; trialgraph adds
``chart``). Parameters are grlc/BASIL variables: ``?_name`` is required, ``?__name`` optional, and a
suffix gives the type: ``?_target_iri``, ``?_year_integer``, ``?_since_date``, ``?__label_en``.
Names hold no underscore (grlc's rule). Values are checked before anything runs, then bound: by
pyoxigraph substitutions on the embedded store, or by a ``VALUES`` block of serialised terms for
engines without substitutions. Friendly input is resolved by parameter name: a ``target`` may be
``CD38``, ``P28907``, ``uniprot:P28907`` or its IRI; a ``drug`` a name, brand, code or synonym; a
``condition`` a MeSH UI, CURIE or label; ``status``, ``phase``, ``studytype`` ... registry codes.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import pyoxigraph as ox
import yaml

from graph import iris, paths
from graph.errors import ReportError
from graph.linking import norm
from graph.results import Table
from graph.sparql import lateral, missing_prefixes, strip_comments, values_block, with_values
from graph.terms import XSD
from graph.vocab import BIOREGISTRY_NS, PREFIXES, REPORT_NS, SCHEMES, TRIAL_NS, sparql_prefixes

#: grlc's decorators, and trialgraph's own (``chart``).
GRLC_KEYS = frozenset(
    {"summary", "description", "endpoint", "pagination", "method", "tags", "enumerate", "defaults",
     "endpoint_in_url", "transform"}
)
KNOWN_KEYS = GRLC_KEYS | {"chart"}
#: Tag that marks a data-quality check: it must return zero rows on clean data.
CHECK_TAG = "check"

_VARIABLE = re.compile(r"[?$](_{1,2}[A-Za-z0-9]+(?:_[A-Za-z0-9]+){0,2})\b")
_PARAM = re.compile(r"^(?P<required>_{1,2})(?P<name>[A-Za-z0-9]+)(?:_(?P<type>[A-Za-z0-9]+))?(?:_(?P<user>[A-Za-z0-9]+))?$")
_XSD_TYPES = {"integer", "decimal", "double", "float", "boolean", "date", "dateTime", "gYear", "gYearMonth",
              "duration", "string", "anyURI", "int", "long", "nonNegativeInteger"}
_QUERY_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class Parameter:
    """One report parameter, from a grlc/BASIL variable."""

    name: str  #: as users pass it: ``target``
    variable: str  #: the SPARQL variable without ``?``: ``_target_iri``
    required: bool
    kind: str  #: iri, string, number, integer, date, ... (an XSD name), or ``lang``
    lang: str | None = None
    datatype: str | None = None  #: full datatype IRI for typed literals
    default: str | None = None
    choices: list[str] = field(default_factory=list)

    def describe(self) -> str:
        text = f"{self.name} ({self.kind}{', required' if self.required else ', optional'})"
        if self.default is not None:
            text += f" {'example' if self.required else 'default'} {self.default}"
        if self.choices:
            text += " one of " + "|".join(self.choices)
        return text


@dataclass
class Report:
    """A named report: its header, parameters and SPARQL."""

    name: str
    path: Path
    summary: str
    description: str
    tags: list[str]
    sparql: str
    form: str  #: SELECT, ASK, CONSTRUCT or DESCRIBE
    parameters: dict[str, Parameter]
    chart: dict[str, str] | None = None
    header: dict[str, Any] = field(default_factory=dict)

    @property
    def iri(self) -> str:
        return REPORT_NS + self.name

    @property
    def anchored(self) -> bool:
        """Whether the report is about one given thing (it has a required IRI parameter)."""
        return any(p.required and p.kind == "iri" for p in self.parameters.values())

    @property
    def is_check(self) -> bool:
        return CHECK_TAG in self.tags

    @functools.cached_property
    def columns(self) -> list[str]:
        """The variables a SELECT report projects, in order (from rdflib's parser, which is slow:
        parsed once per report)."""
        return _projection(self.sparql)


def _error(path: Path, line: int | None, message: str) -> ReportError:
    return ReportError(f"{path}:{line}: {message}" if line else f"{path}: {message}")


def _header(path: Path, text: str) -> tuple[dict[str, Any], dict[str, int], list[tuple[int, str]]]:
    """The YAML of the ``#+`` lines, the file line where each top-level key is written, and the
    header lines themselves (file line number, text after ``#+``)."""
    lines = text.splitlines()
    header_lines = [(n, line[2:]) for n, line in enumerate(lines, start=1) if line.startswith("#+")]
    if not header_lines:
        return {}, {}, []
    source = "\n".join(body for _, body in header_lines)
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        def file_line(mark: Any) -> int:
            return header_lines[min(mark.line, len(header_lines) - 1)][0]

        mark = getattr(exc, "problem_mark", None)
        line = file_line(mark) if mark is not None else header_lines[0][0]
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None and file_line(context_mark) != line:
            problem += f" ({context} that starts on line {file_line(context_mark)})"
        raise _error(path, line, f"the header is not valid YAML: {problem} — expected '#+ key: value' lines") from None
    if data is None:
        return {}, {}, header_lines
    if not isinstance(data, dict):
        raise _error(path, header_lines[0][0], "the header is not a mapping — expected '#+ key: value' lines")
    # Top-level keys are the lines indented least (grlc writes '#+ key:', so usually by one space).
    indent = min(len(body) - len(body.lstrip()) for _, body in header_lines if body.strip())
    where: dict[str, int] = {}
    for number, body in header_lines:
        if len(body) - len(body.lstrip()) != indent:
            continue
        key = body.strip().split(":", 1)[0].strip()
        if key in data and key not in where:
            where[key] = number
    return data, where, header_lines


def _entry_line(header_lines: list[tuple[int, str]], where: Mapping[str, int], section: str, key: str) -> int | None:
    """The file line of ``key`` inside the header section ``section`` (such as a default's name)."""
    start = where.get(section)
    if start is None:
        return None
    top = sorted(n for n in where.values() if n > start)
    end = top[0] if top else float("inf")
    entry = re.compile(r"^\s*(?:-\s*)?[?$]?" + re.escape(key) + r"\s*:?\s*(?:$|[^\w])")
    for number, body in header_lines:
        if start < number < end and entry.match(body):
            return number
    return start


def _variable_line(text: str, variable: str) -> int | None:
    """The file line where ``?variable`` is first written outside comments."""
    pattern = re.compile(r"[?$]" + re.escape(variable) + r"\b")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(strip_comments(line)):
            return number
    return None


def _projection(sparql: str) -> list[str]:
    from rdflib.plugins.sparql import prepareQuery

    query = prepareQuery(sparql, initNs=PREFIXES)
    algebra = query.algebra
    return [str(v) for v in algebra.get("PV", [])]


def parse_report(path: Path) -> Report:
    """Read and check one report file; any problem is a :class:`ReportError` naming file and line."""
    name = path.stem
    if not _NAME.match(name):
        raise _error(path, 1, f"the file name {path.name!r} is not snake_case — expected a-z, 0-9 and _ only, "
                     "such as trials_by_target.rq")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(path, None, f"cannot read: {exc}") from None
    header, where, header_lines = _header(path, text)
    unknown = sorted(set(header) - KNOWN_KEYS)
    if unknown:
        raise _error(path, where.get(unknown[0]), f"unknown header key {unknown[0]!r} — expected one of "
                     + ", ".join(sorted(KNOWN_KEYS)))
    summary = header.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise _error(path, where.get("summary", 1), "no summary — expected '#+ summary: one line saying what it answers'")
    tags = header.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _error(path, where.get("tags"), "tags must be a list of words")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#+"))
    form_match = _QUERY_FORM.search(strip_comments(body))
    if not form_match:
        raise _error(path, 1, "no SELECT, ASK, CONSTRUCT or DESCRIBE — expected a SPARQL query")
    try:
        _projection(body)
    except Exception as exc:  # rdflib's parser raises pyparsing errors of several kinds
        raise _error(path, _line_of(exc, text, body), f"the SPARQL does not parse: {_parse_problem(exc)}") from None
    parameters = _parameters(path, text, body, header, where, header_lines)
    chart = header.get("chart")
    if chart is not None:
        if not isinstance(chart, dict) or set(chart) - {"x", "y", "title"} or not {"x", "y"} <= set(chart):
            raise _error(path, where.get("chart"), "chart must be a mapping with x (category column) and y (count column)")
    return Report(
        name=name, path=path, summary=summary.strip(), description=str(header.get("description", "")).strip(),
        tags=tags, sparql=body.strip() + "\n", form=form_match.group(1).upper(), parameters=parameters,
        chart=chart, header=header,
    )


def _line_of(exc: BaseException, text: str, body: str) -> int | None:
    line = getattr(exc, "lineno", None) or getattr(exc, "line", None)
    if isinstance(line, int):
        body_lines = [n for n, l in enumerate(text.splitlines(), start=1) if not l.startswith("#+")]
        return body_lines[line - 1] if 0 < line <= len(body_lines) else None
    return None


def _parse_problem(exc: BaseException) -> str:
    """pyparsing's message without its own position (which counts lines of the query without the
    header), plus the column."""
    msg, col = getattr(exc, "msg", None), getattr(exc, "col", None)
    if isinstance(msg, str) and isinstance(col, int):
        found = getattr(exc, "found", None)
        found_text = f", found {found}" if found else ""
        return f"{msg}{found_text} at column {col} — expected valid SPARQL 1.1"
    return _short(exc) + " — expected valid SPARQL 1.1"


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200]


def _parameters(path: Path, text: str, body: str, header: Mapping[str, Any], where: Mapping[str, int],
                header_lines: list[tuple[int, str]]) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    for variable in sorted(set(_VARIABLE.findall(strip_comments(body)))):
        match = _PARAM.match(variable)
        if not match:
            continue
        name, kind, user = match.group("name"), match.group("type"), match.group("user")
        param = Parameter(name=name, variable=variable, required=match.group("required") == "_", kind="string")
        if kind in ("iri", "number", "literal", "string"):
            param.kind = "string" if kind == "literal" else kind
        elif kind in _XSD_TYPES:
            param.kind, param.datatype = kind, XSD + kind
        elif kind and len(kind) == 2 and not user:
            param.kind, param.lang = "lang", kind
        elif kind and user:
            if kind not in PREFIXES:
                raise _error(path, _variable_line(text, variable), f"?{variable}: unknown prefix {kind!r} in the parameter's datatype")
            param.kind, param.datatype = user, PREFIXES[kind] + user
        elif kind:
            raise _error(path, _variable_line(text, variable), f"?{variable}: unknown parameter type {kind!r} — expected iri, string, number, "
                         "an XSD type such as integer or date, or a two-letter language")
        if name in params and params[name].variable != variable:
            raise _error(path, _variable_line(text, variable), f"parameter {name!r} is written two ways: ?{params[name].variable} and ?{variable}")
        params[name] = param
    by_variable = {p.variable: p for p in params.values()}

    def lookup(key: str, section: str) -> Parameter:
        found = params.get(key) or by_variable.get(key.lstrip("?"))
        if found is None:
            raise _error(path, _entry_line(header_lines, where, section, key), f"{section} names {key!r}, but the query has no parameter "
                         f"variable for it — expected one of: {', '.join(sorted(params)) or '(none)'}")
        return found

    defaults = header.get("defaults", [])
    if isinstance(defaults, dict):
        defaults = [defaults]
    if not isinstance(defaults, list):
        raise _error(path, where.get("defaults"), "defaults must be a list of 'name: value' entries")
    for entry in defaults:
        if not isinstance(entry, dict):
            raise _error(path, where.get("defaults"), "each default is 'name: value'")
        for key, value in entry.items():
            lookup(str(key), "defaults").default = str(value)
    enumerate_ = header.get("enumerate", [])
    if not isinstance(enumerate_, list):
        raise _error(path, where.get("enumerate"), "enumerate must be a list")
    for entry in enumerate_:
        if isinstance(entry, dict):
            for key, values in entry.items():
                if not isinstance(values, list):
                    raise _error(path, _entry_line(header_lines, where, "enumerate", str(key)),
                                 f"enumerate {key}: expected a list of values")
                lookup(str(key), "enumerate").choices = [str(v) for v in values]
        else:
            lookup(str(entry), "enumerate")  # grlc fills these from the endpoint
    return params


@functools.lru_cache(maxsize=8)
def _load(folder: Path, stamp: tuple[tuple[str, float], ...]) -> dict[str, Report]:
    return {p.stem: parse_report(p) for p in sorted(folder.glob("*.rq"))}


def load_reports(folder: Path | None = None) -> dict[str, Report]:
    """Every report of a folder (default: the project's ``queries/``), checked, by name."""
    folder = (folder or paths.queries_dir()).resolve()
    stamp = tuple((p.name, p.stat().st_mtime) for p in sorted(folder.glob("*.rq")))
    return _load(folder, stamp)


def get_report(name: str, folder: Path | None = None) -> Report:
    reports = load_reports(folder)
    if name not in reports:
        close = [n for n in reports if name.replace("-", "_") in n or n in name]
        hint = f" — did you mean {', '.join(close[:3])}?" if close else " — 'trialgraph report list' lists them"
        raise ReportError(f"no report named {name!r}{hint}")
    return reports[name]


# --- parameter values ---------------------------------------------------------------------------


#: Parameters naming one thing the store must hold (else the answer would be an empty table,
#: read as "no trials" when the thing was never loaded or the name is mistyped).
_KNOWN_THINGS = {
    "trial": "the NCT id of a trial that was loaded ('trialgraph load' adds trials)",
    "drug": "a drug the store knows",
    "sponsor": "an organisation that sponsors or collaborates on a loaded trial",
    "target": "a target the store knows",
}


class Resolver:
    """Turns friendly parameter values into RDF terms, looking names up in a store."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def _lookup(self, sparql: str, value: str) -> list[str]:
        """IRIs ``?x`` whose name ``?n`` equals the value, ignoring case, punctuation and ®/™."""
        wanted = norm(value)
        rows = self.store.query(sparql)
        return sorted({row["x"].value for row in rows if norm(row["n"].value) == wanted})

    def iri(self, value: str) -> ox.NamedNode:
        text = value.strip()
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        prefix, colon, local = text.partition(":")
        if colon and prefix in PREFIXES and not local.startswith("//"):
            text = PREFIXES[prefix] + local
        try:
            return ox.NamedNode(text)
        except ValueError as exc:
            raise ReportError(f"{value!r} is not an IRI or CURIE ({exc}) — expected an IRI such as "
                              "http://purl.uniprot.org/uniprot/P28907 or a CURIE such as uniprot:P28907") from None

    def resolve(self, param: Parameter, value: str) -> ox.NamedNode:
        name = param.name.lower()
        if name in SCHEMES:
            code = value.strip().upper().replace(" ", "_")
            scheme = SCHEMES[name]
            if code in scheme.codes or code.replace("_", "/") in scheme.codes:
                return ox.NamedNode(scheme.concept(code if code in scheme.codes else code.replace("_", "/")))
            if value.startswith(("http", "<", "tgc:")):
                return self.iri(value)
            raise ReportError(f"{param.name}: {value!r} is not a code of {scheme.name} — expected one of "
                              + ", ".join(scheme.codes))
        finder = getattr(self, f"_{name}", None)
        if finder is None or value.startswith(("http://", "https://", "<")) or _is_curie(value):
            node = self.iri(value)
        else:
            node = finder(param, value)
        if name in _KNOWN_THINGS and not self.store.query(
                "ASK { { ?x ?p ?o } UNION { ?s ?p ?x } }", substitutions={ox.Variable("x"): node}):
            raise ReportError(f"{param.name}: {value!r} is not in the store — expected {_KNOWN_THINGS[name]}")
        return node

    def _target(self, param: Parameter, value: str) -> ox.NamedNode:
        found = self._lookup(
            "SELECT DISTINCT ?x ?n WHERE { ?x a tg:Target . "
            "{ ?x tg:geneSymbol ?n } UNION { ?x tg:uniprotId ?n } UNION { ?x skos:altLabel ?n } UNION { ?x skos:prefLabel ?n } }",
            value)
        return self._one(param, value, found, "a gene symbol (CD38), a UniProt accession (P28907), uniprot:P28907 or an IRI")

    def _drug(self, param: Parameter, value: str) -> ox.NamedNode:
        # the drug whose IRI the name gives, when it is one of that drug's names: one lookup, not a scan
        candidate = ox.NamedNode(iris.drug(value))
        names = self.store.query(
            "SELECT ?x ?n WHERE { ?x a tg:Drug ; rdfs:label|tg:brandName|tg:developmentCode|skos:altLabel ?n }",
            substitutions={ox.Variable("x"): candidate})
        if any(norm(row["n"].value) == norm(value) for row in names):
            return candidate
        found = self._lookup(
            "SELECT DISTINCT ?x ?n WHERE { ?x a tg:Drug . "
            "{ ?x rdfs:label ?n } UNION { ?x tg:brandName ?n } UNION { ?x tg:developmentCode ?n } UNION { ?x skos:altLabel ?n } }",
            value)
        if len(found) > 1:
            # several sources describe one drug (the curated node, DrugCentral's, DrugBank's): the
            # node trials link to is the drug; else the one the others' identifiers point at
            linked = [x for x in found if self.store.query("ASK { ?i tg:drug ?x }", substitutions={ox.Variable("x"): ox.NamedNode(x)})]
            own = [x for x in found if not x.startswith(BIOREGISTRY_NS)]
            found = linked if len(linked) == 1 else own if len(own) == 1 else found
        if not found:
            # a name the registry gives an intervention (its title or one of its other names, such
            # as a brand), when every intervention so named is linked to one drug
            found = self._lookup(
                "SELECT DISTINCT ?x ?n WHERE { ?i tg:drug ?x . { ?i rdfs:label ?n } UNION { ?i tg:otherName ?n } }", value)
        if not found:
            # a MeSH label or entry term (brands among them) of the descriptor a drug is matched to
            found = self._lookup(
                "SELECT DISTINCT ?x ?n WHERE { ?x a tg:Drug ; skos:exactMatch ?m . "
                "?m a meshv:TopicalDescriptor . { ?m rdfs:label ?n } UNION { ?m skos:altLabel ?n } }", value)
        return self._one(param, value, found, "a drug name, brand, code or synonym (the registry's other names "
                         "for an intervention included), or an IRI")

    def _condition(self, param: Parameter, value: str) -> ox.NamedNode:
        """A MeSH UI, or a MeSH label or entry term (:func:`graph.mesh_lookup.descriptors_named`)."""
        from graph.mesh_lookup import descriptors_named

        if re.fullmatch(r"(?i)[CD]\d{6,9}", value.strip()):
            return ox.NamedNode(iris.mesh(value.strip().upper()))
        return self._one(param, value, descriptors_named(self.store, value),
                         "a MeSH UI (D006086), mesh:D006086, a MeSH label or entry term, or an IRI")

    def _trial(self, param: Parameter, value: str) -> ox.NamedNode:
        if re.fullmatch(r"(?i)NCT\d{8}", value.strip()):
            return ox.NamedNode(TRIAL_NS + value.strip().upper())
        raise ReportError(f"{param.name}: {value!r} is not an NCT id — expected NCT followed by 8 digits")

    def _sponsor(self, param: Parameter, value: str) -> ox.NamedNode:
        # the organisation whose IRI the name gives, when one exists: one lookup, not a scan
        candidate = ox.NamedNode(iris.org(value))
        if self.store.query("ASK { { ?t tg:leadSponsor ?x } UNION { ?t tg:collaborator ?x } }",
                            substitutions={ox.Variable("x"): candidate}):
            return candidate
        found = self._lookup(
            "SELECT DISTINCT ?x ?n WHERE { ?x a tg:Organization . { ?x rdfs:label ?n } UNION { ?x skos:altLabel ?n } "
            "FILTER EXISTS { ?t tg:leadSponsor|tg:collaborator ?x } }",
            value)
        return self._one(param, value, found, "an organisation's name as the registry spells it, or an IRI")

    def _one(self, param: Parameter, value: str, found: list[str], expected: str) -> ox.NamedNode:
        if len(found) == 1:
            return ox.NamedNode(found[0])
        if not found:
            raise ReportError(f"{param.name}: nothing in the store is called {value!r} — expected {expected}")
        raise ReportError(f"{param.name}: {value!r} names {len(found)} things ({', '.join(found[:4])}) — give an IRI")


def _is_curie(value: str) -> bool:
    prefix, colon, local = value.partition(":")
    return bool(colon) and prefix in PREFIXES and bool(local)


def _literal(param: Parameter, value: str) -> ox.Literal:
    kind = param.kind
    if param.lang:
        return ox.Literal(value, language=param.lang)
    if kind == "number":
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "integer"))
        if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)", text):
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal"))
        if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+", text):
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "double"))
        raise ReportError(f"{param.name}: {value!r} is not a number — expected digits, such as 25 or 2.5")
    if kind in ("integer", "int", "long", "nonNegativeInteger"):
        if not re.fullmatch(r"[+-]?\d+", value.strip()) or (kind == "nonNegativeInteger" and value.strip().startswith("-")):
            raise ReportError(f"{param.name}: {value!r} is not an integer — expected digits, such as 25")
    if kind == "date":
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                raise ValueError(value)
            _dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ReportError(f"{param.name}: {value!r} is not a date — expected YYYY-MM-DD, such as 2024-01-31") from None
    if param.datatype:
        return ox.Literal(value.strip(), datatype=ox.NamedNode(param.datatype))
    return ox.Literal(value)


def bind(report: Report, values: Mapping[str, str], resolver: Resolver) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """Check the values against the report's parameters and turn them into RDF terms.

    Every value is checked (known name, required ones present, choices, literal types) before the
    first friendly name is looked up in the store, so a bad value never starts any work.
    """
    unknown = sorted(set(values) - set(report.parameters))
    if unknown:
        known = ", ".join(p.describe() for p in report.parameters.values()) or "none"
        raise ReportError(f"{report.name}: unknown parameter {unknown[0]!r} — known parameters: {known}")
    checked: list[tuple[Parameter, str]] = []
    out: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
    for param in report.parameters.values():
        # a required parameter's header default is an example (grlc shows it in its form), never
        # an answer for a thing nobody asked about
        value = values.get(param.name, None if param.required else param.default)
        if value is None:
            if param.required:
                example = param.default or "VALUE"
                raise ReportError(f"{report.name}: parameter {param.name!r} is required — pass -p {param.name}={example} "
                                  f"on the command line or {param.name}=... in Python ({param.describe()})")
            continue
        value = str(value)
        if param.choices and value not in param.choices:
            lowered = {c.lower(): c for c in param.choices}
            if value.lower() not in lowered:
                raise ReportError(f"{report.name}: {param.name}={value!r} — expected one of {', '.join(param.choices)}")
            value = lowered[value.lower()]
        if param.kind != "iri":
            try:
                out[ox.Variable(param.variable)] = _literal(param, value)
            except ReportError as exc:
                raise ReportError(f"{report.name}: {exc}") from None
        else:
            checked.append((param, value))
    for param, value in checked:
        try:
            out[ox.Variable(param.variable)] = resolver.resolve(param, value)
        except ReportError as exc:
            raise ReportError(f"{report.name}: {exc}") from None
    return {ox.Variable(p.variable): out[ox.Variable(p.variable)]
            for p in report.parameters.values() if ox.Variable(p.variable) in out}


# --- running ------------------------------------------------------------------------------------


def run(store: Any, report: Report | str, params: Mapping[str, str] | None = None, *,
        folder: Path | None = None) -> Any:
    """Run a report on a store; returns the store's query result (solutions, boolean or triples).

    A report about one thing (a required IRI parameter: a trial, a target, a sponsor ...) is
    evaluated with :func:`lateral` on stores that support it. There the values of the required IRI
    parameters are also given as a ``VALUES`` block (terms serialised by pyoxigraph, as for remote
    endpoints): pyoxigraph plans a query before it sees substitutions, so without that block it may
    start from a pattern over the whole store; with it, the plan starts from the one thing asked
    about. The substitutions still bind every parameter.
    """
    if isinstance(report, str):
        report = get_report(report, folder)
    bindings = bind(report, params or {}, Resolver(store))
    sparql = report.sparql
    if report.form == "SELECT":
        # pyoxigraph substitutes only the variables a SELECT projects: the others are given as a
        # VALUES block, as for engines without substitutions
        hidden = {var: term for var, term in bindings.items() if var.value not in report.columns}
        if hidden:
            sparql = with_values(sparql, hidden)
            bindings = {var: term for var, term in bindings.items() if var not in hidden}
    if getattr(store, "supports_lateral", False) and report.anchored:
        anchors = {var: bindings[var] for var in (ox.Variable(p.variable) for p in report.parameters.values()
                                                  if p.required and p.kind == "iri") if var in bindings}
        sparql = lateral(with_values(sparql, anchors))
    return store.query(sparql, substitutions=bindings)


def run_table(store: Any, report: Report | str, params: Mapping[str, str] | None = None, *,
              folder: Path | None = None) -> Table:
    """Run a SELECT report and hold its rows."""
    result = run(store, report, params, folder=folder)
    if not isinstance(result, ox.QuerySolutions):
        raise ReportError("this report is not a SELECT report; use run()")
    return Table.from_solutions(result)


def _table(name: str, store: Any, folder: Path | None, params: Mapping[str, str]) -> Table:
    if store is None:
        from graph.store import open_store

        with open_store(paths.default_store(), create=False) as handle:
            return run_table(handle, name, params, folder=folder)
    return run_table(store, name, params, folder=folder)


def rows(name: str, *, store: Any = None, folder: Path | None = None, **params: str) -> list[dict[str, Any]]:
    """Python API: run a report by name with keyword parameters; rows as dicts of Python values.

    Values have the type of their RDF datatype: ``int`` for counts and other integers,
    ``Decimal`` for decimals, ``float`` for doubles, ``datetime.date`` for dates, ``bool``,
    ``str`` for text; IRIs are full IRI strings; a value the row leaves unbound is ``None``.
    Opens the default store when none is given.
    """
    return _table(name, store, folder, params).values()


#: pandas dtypes for columns whose every literal has one of these datatypes
_FRAME_TYPES = (
    ("Int64", frozenset(XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                          "positiveInteger", "nonPositiveInteger", "negativeInteger",
                                          "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
                                          "gYear"))),
    ("Float64", frozenset(XSD + t for t in ("decimal", "double", "float"))),
    ("boolean", frozenset({XSD + "boolean"})),
)


def dataframe(name: str, *, store: Any = None, folder: Path | None = None, **params: str):  # noqa: ANN201
    """Python API: the rows of a report as a pandas DataFrame (pandas must be installed).

    Columns are typed from their RDF datatypes: nullable integers (``Int64``) for counts,
    ``Float64`` for decimals and doubles, ``boolean``, ``datetime64`` for dates and date-times,
    strings otherwise; an unbound value is missing (``<NA>``/``NaT``), never an empty string.
    """
    try:
        import pandas
    except ImportError:
        raise ReportError("pandas is not installed — pip install pandas, or use graph.reports.rows()") from None
    table = _table(name, store, folder, params)
    frame = pandas.DataFrame(table.values(), columns=table.variables)
    if not hasattr(frame, "astype"):  # a stand-in without pandas' column types
        return frame
    for column, types in table.datatypes().items():
        if not types:
            continue
        dtype = next((d for d, members in _FRAME_TYPES if types <= members), None)
        if dtype == "Float64":
            frame[column] = frame[column].astype("float64").astype("Float64")
        elif dtype is not None:
            frame[column] = frame[column].astype(dtype)
        elif types <= {XSD + "date", XSD + "dateTime"}:
            frame[column] = pandas.to_datetime(frame[column], utc=XSD + "dateTime" in types and
                                               any(getattr(v, "tzinfo", None) for v in frame[column].dropna()))
    return frame


def catalogue_turtle(reports: Iterable[Report]) -> str:
    """The reports as SHACL SPARQL executables (the shape SIB's sparql-examples use).

    Each query is stored as it is written; ``PREFIX`` lines are added only for prefixes of ours it
    uses without declaring them, so the text runs as it stands on any SPARQL engine.
    """
    def quoted(text: str) -> str:
        return '"""' + text.replace("\\", "\\\\").replace('"', '\\"') + '"""'

    out = [sparql_prefixes(["rdf", "rdfs", "sh", "schema", "tg"]).replace("PREFIX ", "@prefix ").replace(">\n", "> .\n")]
    for r in sorted(reports, key=lambda r: r.name):
        kind = {"SELECT": "sh:SPARQLSelectExecutable", "ASK": "sh:SPARQLAskExecutable",
                "CONSTRUCT": "sh:SPARQLConstructExecutable", "DESCRIBE": "sh:SPARQLExecutable"}[r.form]
        key = {"SELECT": "sh:select", "ASK": "sh:ask", "CONSTRUCT": "sh:construct", "DESCRIBE": "sh:describe"}[r.form]
        lines = [
            f"<{r.iri}> a sh:SPARQLExecutable, {kind} ;",
            f"  rdfs:label {quoted(r.summary)} ;",
            f"  rdfs:comment {quoted(r.description or r.summary)}@en ;",
        ]
        for tag in r.tags:
            lines.append(f"  schema:keywords {quoted(tag)} ;")
        lines.append(f"  {key} {quoted(missing_prefixes(r.sparql) + r.sparql)} .")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)
