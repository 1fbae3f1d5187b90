"""One error hierarchy, rooted in :class:`ValueError`, caught once by the command line.

Messages are shaped ``where: what is wrong — what was expected`` where *where* names the file, the
record (NCT id, or its position when it has none) and the field.
"""

from __future__ import annotations


class GraphError(ValueError):
    """Base class of every error trialgraph raises on purpose (bad input, bad report, bad store)."""


class InputError(GraphError):
    """A source file or one record in it cannot be read.

    ``source`` is the file (and archive member), ``record`` the NCT id or position, ``field`` the
    dotted path of the offending field. Any of them may be ``None`` when unknown.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        record: str | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.record = record
        self.field = field
        self.expected = expected
        super().__init__(self.format())

    def format(self) -> str:
        where = [part for part in (self.source, self.record, self.field) if part]
        text = self.problem
        if self.expected:
            text = f"{text} — expected {self.expected}"
        return f"{': '.join(where)}: {text}" if where else text

    def located(self, *, source: str | None = None, record: str | None = None) -> "InputError":
        """A copy of this error with the source and record filled in where they were missing."""
        return type(self)(
            self.problem,
            source=self.source or source,
            record=self.record or record,
            field=self.field,
            expected=self.expected,
        )


class StoreError(GraphError):
    """The store cannot be opened or written (busy, wrong location, unreachable endpoint)."""


class QueryError(GraphError):
    """A SPARQL query or update is malformed or cannot run."""


class ReportError(GraphError):
    """A named report is malformed, unknown, or was given bad parameters."""


class OntologyError(GraphError):
    """An ontology or reference file of trialgraph's own is malformed."""
