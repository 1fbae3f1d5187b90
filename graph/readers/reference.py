"""Our curated reference tables (``seeds/reference/*.tsv``): reading and validating them.

Six kinds of table, recognised from their header row (so ``trialgraph load my_drugs.tsv`` works
whatever the file is called):

==================  ==========================================================================
kind                columns
==================  ==========================================================================
drugs               drug_id name kind brand_names codes synonyms drugbank chembl unii mesh note source
targets             uniprot symbol name hgnc ncbi_gene aliases source
drug_targets        drug_id uniprot action_type mechanism source
mesh                descriptor_ui preferred_label tree_numbers entry_terms source
condition_rules     phrase mesh_ui scope note source
resolutions         kind variant canonical reason source
==================  ==========================================================================

Files are UTF-8, tab-separated, with one header row; ``|`` separates several values in a cell and
lines starting with ``#`` are comments. Every row must cite its ``source``.

:func:`read_table` reads one file of any kind into typed records (:mod:`graph.records`), checking
each cell (codes against :data:`graph.vocab.SCHEMES`, identifiers against their patterns) and that
no key occurs twice. :func:`load_reference` reads a whole folder and cross-checks the tables: a
claim names a defined drug and target, a rule a descriptor of the MeSH table, every tree number's
parent is in the MeSH table, and no name denotes two drugs. Problems raise
:class:`~graph.errors.InputError` naming the file, the line and the column.

The module does nothing at import time; the default folder is read once, on first use.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from graph.errors import InputError
from graph.paths import seeds_dir
from graph.records import ConditionRule, Drug, MeshDescriptor, Resolution, Target, TargetClaim
from graph.vocab import SCHEMES

FORMAT = "reference-tsv"

#: How many bytes :func:`looks_like_table` reads to find the header row.
_SNIFF_BYTES = 65536


# --- cell checks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """What a cell may hold: a pattern or a closed set of codes, and how to say so."""

    what: str  #: the kind of value, for messages ("a DrugBank id")
    expected: str  #: the "expected ..." part of a message
    pattern: re.Pattern[str] | None = None
    choices: frozenset[str] | None = None

    def ok(self, value: str) -> bool:
        if self.pattern is not None:
            return self.pattern.fullmatch(value) is not None
        return self.choices is None or value in self.choices


def _regex(what: str, pattern: str, example: str) -> Check:
    return Check(what, f"{what} such as {example}", pattern=re.compile(pattern))


def _codes(what: str, codes: Iterable[str]) -> Check:
    codes = tuple(codes)
    return Check(what, f"one of {', '.join(codes)}", choices=frozenset(codes))


DRUG_ID = _regex("a drug key", r"[a-z0-9]+(?:-[a-z0-9]+)*", "'inolimomab' (lowercase letters, digits, '-')")
#: UniProt accession (https://www.uniprot.org/help/accession_numbers)
UNIPROT = _regex("a UniProt accession", r"[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2}", "P01589")
SYMBOL = _regex("a gene symbol", r"[A-Za-z0-9][A-Za-z0-9-]*", "IL2RA")
HGNC = _regex("an HGNC id", r"HGNC:\d+", "HGNC:6008")
NCBI_GENE = _regex("an NCBI Gene id", r"\d+", "3559")
DRUGBANK = _regex("a DrugBank id", r"DB\d{5}", "DB14811")
CHEMBL = _regex("a ChEMBL id", r"CHEMBL\d+", "CHEMBL3545131")
UNII = _regex("a UNII", r"[A-Z0-9]{10}", "R30772KCU0 (10 letters or digits)")
MESH_ID = _regex("a MeSH descriptor or supplementary concept UI", r"[CD]\d{6,9}", "D006086 or C079843")
DESCRIPTOR_UI = _regex("a MeSH descriptor UI", r"D\d{6,9}", "D006086")
TREE_NUMBER = _regex("a MeSH tree number", r"[A-Z]\d{2}(?:\.\d{3})*", "C20.452")
DRUG_KIND = _codes("a drug kind", SCHEMES["drugkind"].codes)
ACTION = _codes("an action type", SCHEMES["action"].codes)
SCOPE = _codes("a rule scope", ("condition", "inclusion", "summary"))
RESOLUTION_KIND = _codes("a resolution kind", ("person", "org", "study"))


@dataclass(frozen=True)
class Column:
    name: str
    check: Check | None = None
    required: bool = False
    multi: bool = False  #: ``|``-separated values


def _col(name: str, check: Check | None = None, *, required: bool = False, multi: bool = False) -> Column:
    return Column(name, check, required, multi)


def _text(name: str) -> Column:
    return Column(name, None, True, False)


def _names(name: str) -> Column:
    return Column(name, None, False, True)


# --- table kinds ----------------------------------------------------------------------------------

Row = dict[str, Any]  #: column -> str (single value) or list[str] (multi)


def _condition_rule(row: Row) -> ConditionRule:
    values = {"phrase": row["phrase"], "mesh_ui": row["mesh_ui"], "note": row["note"], "source": row["source"]}
    if "scope" in {f.name for f in dataclasses.fields(ConditionRule)}:
        values["scope"] = row["scope"]
    return ConditionRule(**values)


@dataclass(frozen=True)
class TableKind:
    """One kind of reference table: its columns, its key, and how a row becomes a record."""

    name: str
    filename: str  #: the file of this kind in the reference folder
    columns: tuple[Column, ...]
    key: tuple[str, ...]  #: columns whose values (case-insensitive) may occur once only
    build: Callable[[Row], Any]

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def describe(self) -> str:
        return f"{self.name} ({' '.join(self.header)})"


KINDS: tuple[TableKind, ...] = (
    TableKind(
        "drugs", "drugs.tsv",
        (
            _col("drug_id", DRUG_ID, required=True), _text("name"), _col("kind", DRUG_KIND, required=True),
            _names("brand_names"), _names("codes"), _names("synonyms"),
            _col("drugbank", DRUGBANK), _col("chembl", CHEMBL), _col("unii", UNII), _col("mesh", MESH_ID),
            _col("note"), _text("source"),
        ),
        ("drug_id",),
        lambda r: Drug(
            drug_id=r["drug_id"], name=r["name"], kind=r["kind"], brand_names=r["brand_names"], codes=r["codes"],
            synonyms=r["synonyms"], xrefs={k: r[k] for k in ("drugbank", "chembl", "unii", "mesh") if r[k]},
            note=r["note"], source=r["source"],
        ),
    ),
    TableKind(
        "targets", "targets.tsv",
        (
            _col("uniprot", UNIPROT, required=True), _col("symbol", SYMBOL, required=True), _text("name"),
            _col("hgnc", HGNC), _col("ncbi_gene", NCBI_GENE), _names("aliases"), _text("source"),
        ),
        ("uniprot",),
        lambda r: Target(
            uniprot=r["uniprot"], symbol=r["symbol"], name=r["name"], hgnc=r["hgnc"] or None,
            ncbi_gene=r["ncbi_gene"] or None, aliases=r["aliases"], source=r["source"],
        ),
    ),
    TableKind(
        "drug_targets", "drug_targets.tsv",
        (
            _col("drug_id", DRUG_ID, required=True), _col("uniprot", UNIPROT, required=True),
            _col("action_type", ACTION, required=True), _text("mechanism"), _text("source"),
        ),
        ("drug_id", "uniprot"),
        lambda r: TargetClaim(
            drug_id=r["drug_id"], uniprot=r["uniprot"], action_type=r["action_type"], mechanism=r["mechanism"],
            source=r["source"],
        ),
    ),
    TableKind(
        "mesh", "mesh.tsv",
        (
            _col("descriptor_ui", DESCRIPTOR_UI, required=True), _text("preferred_label"),
            _col("tree_numbers", TREE_NUMBER, multi=True), _names("entry_terms"), _text("source"),
        ),
        ("descriptor_ui",),
        lambda r: MeshDescriptor(
            ui=r["descriptor_ui"], label=r["preferred_label"], tree_numbers=r["tree_numbers"],
            entry_terms=r["entry_terms"], source=r["source"],
        ),
    ),
    TableKind(
        "condition_rules", "condition_rules.tsv",
        (
            _text("phrase"), _col("mesh_ui", DESCRIPTOR_UI, required=True), _col("scope", SCOPE, required=True),
            _text("note"), _text("source"),
        ),
        ("phrase", "scope"),
        _condition_rule,
    ),
    TableKind(
        "resolutions", "resolutions.tsv",
        (
            _col("kind", RESOLUTION_KIND, required=True), _text("variant"), _text("canonical"), _text("reason"),
            _text("source"),
        ),
        ("kind", "variant"),
        lambda r: Resolution(
            kind=r["kind"], variant=r["variant"], canonical=r["canonical"], reason=r["reason"], source=r["source"],
        ),
    ),
)

KIND_BY_NAME: dict[str, TableKind] = {k.name: k for k in KINDS}
_KIND_BY_HEADER: dict[tuple[str, ...], TableKind] = {k.header: k for k in KINDS}
_EXPECTED_HEADER = "the header row of a reference table: " + "; ".join(k.describe() for k in KINDS)


# --- reading one table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A table as read: its kind, its records, and the line each record came from."""

    kind: TableKind
    source: str
    records: tuple[Any, ...]
    lines: tuple[int, ...]
    rows: tuple[Row, ...]


def _lines(path: Path, label: str) -> Iterable[tuple[int, str]]:
    """(line number, text) of the lines that are neither blank nor comments."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=label, expected="a readable file") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"invalid UTF-8 ({exc.reason})", source=label, record=f"line {line}",
                         expected="a UTF-8 text file") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("\t")]


def kind_of_header(cells: list[str]) -> TableKind | None:
    return _KIND_BY_HEADER.get(tuple(cells))


def _row(kind: TableKind, cells: list[str], label: str, number: int) -> Row:
    record = f"line {number}"
    if len(cells) != len(kind.columns):
        raise InputError(f"{len(cells)} columns", source=label, record=record,
                         expected=f"{len(kind.columns)} tab-separated columns ({', '.join(kind.header)})")
    row: Row = {}
    for column, cell in zip(kind.columns, cells):
        values = [v.strip() for v in cell.split("|") if v.strip()] if column.multi else ([cell] if cell else [])
        if column.required and not values:
            expected = column.check.expected if column.check else "a non-empty value"
            raise InputError("empty", source=label, record=record, field=column.name, expected=expected)
        if column.check is not None:
            for value in values:
                if not column.check.ok(value):
                    raise InputError(f"{value!r} is not {column.check.what}", source=label, record=record,
                                     field=column.name, expected=column.check.expected)
        row[column.name] = values if column.multi else cell
    return row


def _key_text(kind: TableKind, row: Row) -> tuple[str, ...]:
    return tuple(str(row[c]).casefold() for c in kind.key)


def read_rows(path: Path, label: str | None = None, kind: TableKind | None = None) -> Table:
    """Read and check one table. ``kind`` (when given) is the kind the file must be."""
    label = label or str(path)
    found: TableKind | None = None
    records: list[Any] = []
    lines: list[int] = []
    rows: list[Row] = []
    seen: dict[tuple[str, ...], int] = {}
    for number, line in _lines(path, label):
        cells = _cells(line)
        if found is None:
            found = kind_of_header(cells)
            if found is None:
                raise InputError(f"unexpected header {' '.join(cells)!r}", source=label, record=f"line {number}",
                                 expected=_EXPECTED_HEADER)
            if kind is not None and found is not kind:
                raise InputError(f"a {found.name} table", source=label, record=f"line {number}",
                                 expected=f"the header of a {kind.describe()} table")
            continue
        row = _row(found, cells, label, number)
        key = _key_text(found, row)
        if key in seen:
            shown = ", ".join(f"{c}={row[c]!r}" for c in found.key)
            raise InputError(f"duplicate key {shown}, first on line {seen[key]}", source=label,
                             record=f"line {number}", field=found.key[-1],
                             expected=f"each {'/'.join(found.key)} once per table")
        seen[key] = number
        records.append(found.build(row))
        lines.append(number)
        rows.append(row)
    if found is None:
        raise InputError("no header row", source=label, expected=_EXPECTED_HEADER)
    return Table(found, label, tuple(records), tuple(lines), tuple(rows))


def read_table(path: Path, label: str | None = None) -> list[Any]:
    """The records of one reference table; its kind is recognised from the header row."""
    return list(read_rows(Path(path), label).records)


def table_kind(path: Path) -> str | None:
    """The kind of reference table a file is (``drugs``, ``mesh`` ...), from its header; else None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return None
    text = head.decode("utf-8-sig", errors="replace")
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            kind = kind_of_header(_cells(line))
            return kind.name if kind else None
    return None


def looks_like_table(path: Path) -> bool:
    """Whether a file is one of our reference tables (for format detection)."""
    return table_kind(path) is not None


# --- the whole folder -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """All curated reference tables of one folder, cross-checked."""

    folder: Path
    drugs: tuple[Drug, ...]
    targets: tuple[Target, ...]
    claims: tuple[TargetClaim, ...]
    mesh: tuple[MeshDescriptor, ...]
    condition_rules: tuple[ConditionRule, ...]
    resolutions: tuple[Resolution, ...]
    #: the scope of each condition rule, in the order of :attr:`condition_rules`
    rule_scopes: tuple[str, ...] = ()

    def drug(self, drug_id: str) -> Drug:
        return next(d for d in self.drugs if d.drug_id == drug_id)

    def target(self, uniprot: str) -> Target:
        return next(t for t in self.targets if t.uniprot == uniprot)

    def descriptor(self, ui: str) -> MeshDescriptor:
        return next(m for m in self.mesh if m.ui == ui)

    def claims_of(self, drug_id: str) -> list[TargetClaim]:
        return [c for c in self.claims if c.drug_id == drug_id]


def load_reference(folder: Path | None = None) -> Reference:
    """The reference tables of ``folder`` (default: the seeds' ``reference`` folder), cross-checked.

    The default folder is read once per process; other folders are read on every call.
    """
    if folder is None:
        return _default_reference()
    return _load(Path(folder))


@lru_cache(maxsize=1)
def _default_reference() -> Reference:
    return _load(seeds_dir() / "reference")


def reference_files(folder: Path) -> dict[str, Path]:
    """Table kind -> its file in ``folder``."""
    return {kind.name: folder / kind.filename for kind in KINDS}


def _load(folder: Path) -> Reference:
    tables: dict[str, Table] = {}
    for kind in KINDS:
        path = folder / kind.filename
        if not path.is_file():
            raise InputError("missing", source=str(path), expected=f"a {kind.describe()} table in {folder}")
        tables[kind.name] = read_rows(path, str(path), kind)
    _cross_check(tables)
    rules = tables["condition_rules"]
    return Reference(
        folder=folder,
        drugs=tables["drugs"].records,
        targets=tables["targets"].records,
        claims=tables["drug_targets"].records,
        mesh=tables["mesh"].records,
        condition_rules=rules.records,
        resolutions=tables["resolutions"].records,
        rule_scopes=tuple(row["scope"] for row in rules.rows),
    )


_TRADEMARKS = re.compile(r"[®™©]")
_NON_WORD = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """A name as matching sees it: case, punctuation and trademark signs do not count.

    >>> name_key("Thymoglobulin® (anti-thymocyte globulin (ATG ))")
    'thymoglobulin anti thymocyte globulin atg'
    """
    return _NON_WORD.sub(" ", _TRADEMARKS.sub("", name).casefold()).strip()


def _cross_check(tables: dict[str, Table]) -> None:
    drugs = {d.drug_id for d in tables["drugs"].records}
    targets = {t.uniprot for t in tables["targets"].records}
    claims = tables["drug_targets"]
    for claim, number in zip(claims.records, claims.lines):
        for column, value, known, other in (("drug_id", claim.drug_id, drugs, "drugs"),
                                            ("uniprot", claim.uniprot, targets, "targets")):
            if value not in known:
                raise InputError(f"{value!r} is not defined", source=claims.source, record=f"line {number}",
                                 field=column, expected=f"a {column} of the {other} table ({KIND_BY_NAME[other].filename})")

    mesh = tables["mesh"]
    by_tree = {t: m.ui for m in mesh.records for t in m.tree_numbers}
    uis = {m.ui for m in mesh.records}
    for descriptor, number in zip(mesh.records, mesh.lines):
        for tree_number in descriptor.tree_numbers:
            parent = tree_number.rpartition(".")[0]
            if parent and parent not in by_tree:
                raise InputError(f"the parent {parent} of tree number {tree_number} is in no row", source=mesh.source,
                                 record=f"line {number}", field="tree_numbers",
                                 expected="every ancestor of every descriptor in the table, up to the 3-character roots")
    rules = tables["condition_rules"]
    for rule, number in zip(rules.records, rules.lines):
        if rule.mesh_ui not in uis:
            raise InputError(f"{rule.mesh_ui!r} is not defined", source=rules.source, record=f"line {number}",
                             field="mesh_ui", expected="a descriptor_ui of the mesh table (mesh.tsv)")

    drug_table = tables["drugs"]
    owner: dict[str, tuple[str, int]] = {}
    for drug, number in zip(drug_table.records, drug_table.lines):
        for column, names in (("name", [drug.name]), ("brand_names", drug.brand_names), ("codes", drug.codes),
                              ("synonyms", drug.synonyms)):
            for name in names:
                key = name_key(name)
                first = owner.setdefault(key, (drug.drug_id, number))
                if first[0] != drug.drug_id:
                    raise InputError(f"{name!r} also names {first[0]} (line {first[1]})", source=drug_table.source,
                                     record=f"line {number}", field=column,
                                     expected="names, brand names, codes and synonyms that denote one drug only")


# --- into the graph -------------------------------------------------------------------------------

#: Table kinds that become a named graph when loaded (rules and resolutions steer the linker instead;
#: MeSH tables are read by :mod:`graph.readers.mesh`).
_GRAPHED = ("drugs", "targets", "drug_targets")
FORMATS = (FORMAT,)


def looks_like(path: Path, head: bytes) -> str | None:
    """``reference-tsv`` for a drug, target or drug→target table; else None."""
    return FORMAT if table_kind(path) in _GRAPHED else None


def graph_writes(path: Path, fmt: str, label: str, loaded_at: str) -> list["GraphWrite"]:
    """One named graph (``tgg:reference/<file name>``) holding the table, with its provenance."""
    from graph import iris
    from graph.reference_triples import claim_quads, drug_quads, source_quads, target_quads
    from graph.writes import GraphWrite

    kind = table_kind(path)
    mapper = {"drugs": drug_quads, "targets": target_quads, "drug_targets": claim_quads}.get(kind or "")
    if mapper is None:
        raise InputError(
            f"a {kind or 'unknown'} table is not graph data", source=label,
            expected="a drugs, targets or drug_targets table (condition rules and resolutions are read by the "
            "linker from seeds/reference/)",
        )
    records = read_table(path, label)
    graph = iris.reference_graph(Path(label).stem)
    quads = mapper(records, graph) + source_quads(graph, source=label, fmt=f"{FORMAT}:{kind}",
                                                 loaded_at=loaded_at, records=len(records))
    return [GraphWrite(graph, "".join(q.nquad() for q in quads), replace=True)]
