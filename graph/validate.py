"""``trialgraph validate``: check the store against the SHACL shapes of ``ontology/``.

The data graph is the union of every named graph in the store (as :func:`graph.export.export`
writes it) plus the Turtle files of the ontology folder other than the shapes, so that coded
values can be checked against the SKOS concept schemes of ``codes.ttl`` even in a store that was
loaded without the ontology. pySHACL validates it without inference.

The result is a :class:`ValidationReport`: one :class:`Violation` per SHACL result, grouped by
shape for people (:meth:`ValidationReport.to_text`) and complete for machines
(:meth:`ValidationReport.to_json`). Its ``checks`` list holds results of data-quality checks that
run beside the shapes (see :class:`Check`); the shapes alone decide ``conforms``.

The two are kept apart: a SHACL violation means the graph is malformed (exit 1); the rows of a
data-quality check are findings — a condition no MeSH descriptor matched, a drug name nothing
links — which real registry data always has some of, so they fail validation only when asked
(``strict``). Checks or shapes that were not run are said to be skipped, never to be empty.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
from pyshacl.entrypoints import meta_validate
from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, RuleLoadError, ShapeLoadError
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from graph import paths
from graph.errors import OntologyError
from graph.export import export
from graph.results import curie
from graph.store import EmbeddedStore

#: Files of the shapes folder that hold shapes; the ontology folder's other Turtle files are data.
SHAPES_GLOB = "shapes*.ttl"
#: Example focus nodes shown per message in the text report.
MAX_EXAMPLES = 5
#: Longest value shown in the text report.
MAX_VALUE = 80

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True, slots=True)
class Violation:
    """One SHACL validation result.

    ``focus`` and ``path`` are IRIs (a blank node as ``_:id``); ``value`` is the offending value in
    N-Triples form (``<iri>``, ``"text"``, ``"5"^^<datatype>``), or ``None`` when the result is
    about a missing value or the node itself.
    """

    shape: str  #: label of the node shape the result belongs to ("well-formed trial")
    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str = "Violation"  #: Violation, Warning or Info
    component: str = ""  #: the SHACL constraint component, e.g. ``MinCountConstraintComponent``
    shape_iri: str = ""  #: IRI of that node shape

    def where(self) -> str:
        """Focus node, path and value as a person reads them: ``clinicaltrials:NCT… tg:nctId "X"``."""
        parts = [_show_iri(self.focus)]
        if self.path:
            parts.append(_show_iri(self.path))
        if self.value is not None:
            parts.append(_show_value(self.value))
        elif self.component == "MinCountConstraintComponent":
            parts.append("(missing)")
        return "  ".join(parts)


@dataclass(slots=True)
class Check:
    """The outcome of one data-quality check run beside the shapes (for example a named report
    that lists suspicious nodes). ``examples`` are IRIs of nodes the check found."""

    name: str
    message: str
    count: int
    examples: list[str] = field(default_factory=list)
    severity: str = "Warning"

    @property
    def failed(self) -> bool:
        return self.count > 0 and self.severity == "Violation"


@dataclass
class ValidationReport:
    """What validation found: SHACL results and, once added, data-quality checks."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    triples: int = 0  #: size of the data graph that was validated
    shapes_files: list[str] = field(default_factory=list)
    shapes: int = 0  #: node shapes in those files
    shapes_run: bool = True  #: False when the shapes were skipped (``--no-shapes``)
    checks_run: bool = True  #: False when the data-quality checks were skipped (``--no-checks``)
    strict: bool = False  #: data-quality findings fail validation too (``--strict``)

    @property
    def findings(self) -> list[Check]:
        """The data-quality checks that found something and are findings, not violations."""
        return [c for c in self.checks if c.count and not c.failed]

    @property
    def ok(self) -> bool:
        """True when the shapes are met and no check of severity Violation found anything (with
        ``strict``, no check found anything at all)."""
        return (self.conforms and not any(check.failed for check in self.checks)
                and not (self.strict and self.findings))

    def by_shape(self) -> list[tuple[str, int]]:
        """(shape label, number of results), most results first."""
        counts = Counter(v.shape for v in self.violations)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def to_text(self) -> str:
        """A report for people: a summary line, then per shape each message with its count and
        up to :data:`MAX_EXAMPLES` example nodes."""
        lines = [self._summary()]
        for shape, count in self.by_shape():
            lines.append("")
            mine = [v for v in self.violations if v.shape == shape]
            kind = "violation" if all(v.severity == "Violation" for v in mine) else "result"
            lines.append(f"{shape}: {_plural(count, kind)}")
            by_message = Counter((v.message, v.severity) for v in mine)
            for (message, severity), n in sorted(by_message.items(), key=lambda kv: (-kv[1], kv[0])):
                tag = "" if severity == "Violation" else f" [{severity.lower()}]"
                lines.append(f"  {n:,} x {message}{tag}")
                examples = [v for v in mine if v.message == message and v.severity == severity]
                for v in examples[:MAX_EXAMPLES]:
                    lines.append(f"      {v.where()}")
                if len(examples) > MAX_EXAMPLES:
                    lines.append(f"      ... and {len(examples) - MAX_EXAMPLES:,} more")
        if not self.checks_run:
            lines.append("")
            lines.append("data-quality checks: skipped (--no-checks)")
        elif self.checks:
            lines.append("")
            lines.append("data-quality checks:")
            for check in self.checks:
                tag = "" if check.severity == "Warning" else f" [{check.severity.lower()}]"
                lines.append(f"  {check.count:,} x {check.name}: {check.message}{tag}")
                shown = check.examples[:MAX_EXAMPLES]
                for example in shown:
                    shown_text = _show_iri(example) if example.startswith(("http://", "https://")) else example
                    lines.append(f"      {shown_text}")
                if check.count > len(shown):
                    lines.append(f"      ... and {check.count - len(shown):,} more")
        lines.append("")
        lines.append(self._verdict())
        return "\n".join(lines) + "\n"

    def _verdict(self) -> str:
        failed = [c.name for c in self.checks if c.failed]
        found = self.findings
        shapes = ("the shapes were skipped" if not self.shapes_run else "the shapes hold" if self.conforms
                  else f"{sum(v.severity == 'Violation' for v in self.violations):,} SHACL violation(s)")
        if not self.checks_run:
            checks = "the data-quality checks were skipped"
        elif not self.checks:
            checks = "there are no data-quality checks"
        elif found:
            rows = sum(c.count for c in found)
            checks = (f"{rows:,} data-quality finding(s) in {len(found)} check(s) ({', '.join(c.name for c in found)})"
                      + ("" if self.strict else " — findings, not violations: --strict makes them fail"))
        else:
            checks = "every data-quality check is empty"
        if failed:
            checks += f"; {len(failed)} check(s) of severity violation with rows ({', '.join(failed)})"
        return f"verdict: {'valid' if self.ok else 'NOT valid'} — {shapes}; {checks}"

    def to_json(self) -> dict[str, Any]:
        """The whole report as plain JSON-serialisable data."""
        return {
            "conforms": self.conforms,
            "ok": self.ok,
            "triples": self.triples,
            "shapes_files": list(self.shapes_files),
            "shapes": self.shapes,
            "results": len(self.violations),
            "by_shape": [{"shape": shape, "count": count} for shape, count in self.by_shape()],
            "violations": [asdict(v) for v in self.violations],
            "checks": [asdict(c) for c in self.checks],
            "shapes_run": self.shapes_run,
            "checks_run": self.checks_run,
            "strict": self.strict,
            "findings": sum(c.count for c in self.findings),
            "findings_by_check": {c.name: c.count for c in self.findings},
        }

    def _summary(self) -> str:
        if not self.shapes_run:
            return "SHACL validation: skipped (--no-shapes)"
        files = ", ".join(Path(f).name for f in self.shapes_files) or "no shapes file"
        checked = f"{self.triples:,} triples checked against {self.shapes} shapes ({files})"
        if not self.violations:
            return f"SHACL validation: the graph conforms — {checked}"
        severities = Counter(v.severity for v in self.violations)
        counts = ", ".join(_plural(severities[s], s.lower()) for s in ("Violation", "Warning", "Info") if severities[s])
        verdict = "does not conform" if not self.conforms else "conforms"
        shapes = _plural(len(self.by_shape()), "shape")
        return f"SHACL validation: the graph {verdict} — {counts} of {shapes}; {checked}"


def validate(store: EmbeddedStore, *, shapes_dir: Path | None = None) -> ValidationReport:
    """Validate the store's union graph (with the ontology) against the SHACL shapes.

    ``shapes_dir`` is the folder holding ``shapes*.ttl`` (default: the ontology folder). A shapes
    or ontology file that is not valid Turtle, or not valid SHACL, raises :class:`OntologyError`
    naming the file.
    """
    shapes_files = shape_files(shapes_dir)
    shapes = load_shapes(shapes_files)
    data = data_graph(store)
    try:
        conforms, results, _ = pyshacl.validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=False,
            inplace=True,
            abort_on_first=False,
            allow_infos=True,
            allow_warnings=True,
        )
    except (ShapeLoadError, ConstraintLoadError, RuleLoadError) as exc:
        raise OntologyError(f"{_names(shapes_files)}: not valid SHACL: {exc.message}") from exc
    except ReportableRuntimeError as exc:
        raise OntologyError(f"{_names(shapes_files)}: the shapes could not be applied: {exc.message}") from exc
    if not isinstance(results, Graph):  # pySHACL returns a ValidationFailure instead of raising it
        raise OntologyError(f"{_names(shapes_files)}: the shapes could not be applied: {results}")
    violations = _violations(results, shapes)
    return ValidationReport(
        conforms=bool(conforms) and not any(v.severity == "Violation" for v in violations),
        violations=violations,
        triples=len(data),
        shapes_files=[str(p) for p in shapes_files],
        shapes=len(set(shapes.subjects(RDF.type, SH.NodeShape))),
    )


def run_checks(store: EmbeddedStore, *, queries: Path | None = None) -> list[Check]:
    """Every named report tagged ``check``: each row it returns is a data-quality finding."""
    from graph.reports import load_reports, run_table
    from graph.results import display

    checks = []
    for report in load_reports(queries).values():
        if not report.is_check:
            continue
        table = run_table(store, report)
        examples = [" — ".join(display(v) for v in row[:3] if v is not None) for row in table.rows[:5]]
        checks.append(Check(name=report.name, message=report.summary, count=len(table.rows), examples=examples,
                            severity="Warning"))
    return checks


def check_store(store: EmbeddedStore, *, shapes: bool = True, checks: bool = True, strict: bool = False,
                queries: Path | None = None) -> ValidationReport:
    """The SHACL shapes and the data-quality reports together (what ``trialgraph validate`` runs).

    The checks' rows are findings; with ``strict`` they make the report not ``ok``, as violations do."""
    report = validate(store) if shapes else ValidationReport(conforms=True, shapes_run=False)
    report.checks_run, report.strict = checks, strict
    if checks:
        report.checks = run_checks(store, queries=queries)
    return report


# --- the graphs ---------------------------------------------------------------------------------


def shape_files(shapes_dir: Path | None = None) -> list[Path]:
    """The shapes files of a folder (default: the ontology folder); none is an error."""
    folder = Path(shapes_dir) if shapes_dir is not None else paths.ontology_dir()
    files = sorted(folder.glob(SHAPES_GLOB))
    if not files:
        raise OntologyError(f"{folder}: no SHACL shapes file ({SHAPES_GLOB}) — expected ontology/shapes.ttl")
    return files


def load_shapes(files: list[Path]) -> Graph:
    """The shapes of the given Turtle files in one graph, each file checked against SHACL's own
    shapes for SHACL (so a malformed shape is found even when nothing in the data reaches it)."""
    shapes = Graph(bind_namespaces="none")
    for path in files:
        graph = Graph(bind_namespaces="none")
        _parse_turtle(graph, path)
        if not set(graph.subjects(RDF.type, SH.NodeShape)):
            raise OntologyError(f"{path}: declares no sh:NodeShape — expected SHACL shapes in Turtle")
        _check_shapes(graph, path)
        shapes += graph
    return shapes


def _check_shapes(graph: Graph, path: Path) -> None:
    """Raise :class:`OntologyError` when a shapes graph is not well-formed SHACL."""
    conforms, results, _ = meta_validate(graph, inference="none")
    if conforms:
        return
    problems = []
    if isinstance(results, Graph):
        for result in results.objects(None, SH.result):
            where = _term_text(results.value(result, SH.resultPath))
            found = results.value(result, SH.value)
            value = None if isinstance(found, BNode) else _value_text(found)
            text = _message(results, result)
            subject = " ".join(filter(None, (curie(where) if where else None, value)))
            problems.append(f"{subject} — {text}" if subject else text)
    detail = "; ".join(sorted(problems)) or str(results)
    raise OntologyError(f"{path}: not valid SHACL: {detail}")


def ontology_files() -> list[Path]:
    """The ontology folder's Turtle files other than shapes (vocabulary and concept schemes)."""
    folder = paths.ontology_dir()
    shapes = set(folder.glob(SHAPES_GLOB))
    return sorted(p for p in folder.glob("*.ttl") if p not in shapes)


def data_graph(store: EmbeddedStore) -> Graph:
    """The store's union graph plus the ontology, as one rdflib graph.

    The N-Triples export is read back with pyoxigraph's parser and turned into rdflib terms here,
    which takes half the time of rdflib's own N-Triples parser on a large store.
    """
    buffer = io.BytesIO()
    export(store, buffer, "ntriples")
    graph = Graph(bind_namespaces="none")
    convert = _TermConverter()
    triples = ox.parse(buffer.getvalue(), format=ox.RdfFormat.N_TRIPLES)
    graph.addN((convert(t.subject), convert(t.predicate), convert(t.object), graph) for t in triples)
    for path in ontology_files():
        _parse_turtle(graph, path)
    return graph


class _TermConverter:
    """pyoxigraph terms to the rdflib terms rdflib's own parsers would make (a plain string has
    no datatype); IRIs, which repeat a lot, are made once."""

    def __init__(self) -> None:
        self._iris: dict[str, URIRef] = {}

    def __call__(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> URIRef | BNode | Literal:
        if isinstance(term, ox.NamedNode):
            found = self._iris.get(term.value)
            if found is None:
                found = self._iris[term.value] = URIRef(term.value)
            return found
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(_XSD_STRING):
            return Literal(term.value)
        return Literal(term.value, datatype=self(term.datatype))


def _parse_turtle(graph: Graph, path: Path) -> None:
    try:
        graph.parse(path, format="turtle")
    except SyntaxError as exc:  # rdflib's BadSyntax: line (counted from 0) and reason
        line, why = getattr(exc, "lines", None), getattr(exc, "_why", None)
        detail = f"line {line + 1}: {why}" if isinstance(line, int) and why else " ".join(str(exc).split())
        raise OntologyError(f"{path}: not valid Turtle at {detail}") from None
    except UnicodeDecodeError as exc:
        raise OntologyError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


# --- reading pySHACL's results ------------------------------------------------------------------


def _violations(results: Graph, shapes: Graph) -> list[Violation]:
    out = []
    for report in results.subjects(RDF.type, SH.ValidationReport):
        for result in results.objects(report, SH.result):
            source = results.value(result, SH.sourceShape)
            owner = _node_shape(shapes, source)
            component = results.value(result, SH.sourceConstraintComponent)
            out.append(
                Violation(
                    shape=_label(shapes, owner),
                    focus=_term_text(results.value(result, SH.focusNode)) or "",
                    path=_term_text(results.value(result, SH.resultPath)),
                    value=_value_text(results.value(result, SH.value)),
                    message=_message(results, result),
                    severity=_SEVERITIES.get(results.value(result, SH.resultSeverity), "Violation"),
                    component=str(component).rsplit("#", 1)[-1] if component is not None else "",
                    shape_iri=str(owner) if isinstance(owner, URIRef) else "",
                )
            )
    return sorted(out, key=lambda v: (v.shape, v.message, v.focus, v.path or "", v.value or ""))


def _node_shape(shapes: Graph, shape: Any) -> Any:
    """The node shape a property shape belongs to (a node shape is its own)."""
    if shape is None or (shape, RDF.type, SH.NodeShape) in shapes:
        return shape
    owner = shapes.value(predicate=SH.property, object=shape)
    return owner if owner is not None else shape


def _label(shapes: Graph, shape: Any) -> str:
    if shape is None:
        return "unnamed shape"
    labels = list(shapes.objects(shape, RDFS.label))
    english = [str(o) for o in labels if isinstance(o, Literal) and o.language in (None, "en")]
    if english:
        return sorted(english)[0]
    return curie(str(shape)) if isinstance(shape, URIRef) else "unnamed shape"


def _message(results: Graph, result: Any) -> str:
    messages = [o for o in results.objects(result, SH.resultMessage) if isinstance(o, Literal)]
    english = [str(m) for m in messages if m.language in (None, "en")]
    chosen = sorted(english or [str(m) for m in messages])
    return chosen[0] if chosen else "the node does not meet the shape"


def _term_text(term: Any) -> str | None:
    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _value_text(term: Any) -> str | None:
    """A value in N-Triples form (rdflib's ``n3()`` would write ``5`` for ``"5"^^xsd:integer``)."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        text = '"' + str(term).translate(_ESCAPES) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != _XSD_STRING:
            return f"{text}^^<{term.datatype}>"
        return text
    return _term_text(term)


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")


# --- display ------------------------------------------------------------------------------------

_DATATYPE = re.compile(r"\^\^<([^>]*)>$")


def _show_iri(text: str) -> str:
    return text if text.startswith("_:") else curie(text)


def _show_value(text: str) -> str:
    if text.startswith("<") and text.endswith(">"):
        return curie(text[1:-1])
    shown = _DATATYPE.sub(lambda m: "^^" + curie(m.group(1)), text)
    return shown if len(shown) <= MAX_VALUE else shown[: MAX_VALUE - 3] + "..."


def _names(files: list[Path]) -> str:
    return ", ".join(str(p) for p in files)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"
