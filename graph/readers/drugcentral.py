"""DrugCentral downloads: mechanism-of-action targets, drug identifiers, pharmacologic classes.

Three kinds of file, recognised from their header row, plain or gzip:

====================  ===========================================================================
format                file
====================  ===========================================================================
drugcentral-targets   the 2016 public release's ``drug_target.tsv`` (mechanism-of-action rows
                      only), or today's download ``drug.target.interaction.tsv(.gz)`` (all
                      bioactivities; only rows with ``MOA = 1`` are mechanism claims)
drugcentral-ids       ``identifiers.tsv``: DrugCentral id → ChEMBL, UNII, DrugBank, MeSH, RxNorm ...
drugcentral-classes   ``pharm_class.tsv``: MeSH pharmacological actions, FDA EPC and MoA classes
====================  ===========================================================================

Each kind is one named graph (``tgg:reference/drugcentral-targets`` ...), replaced whole when a
file of the same kind is loaded again, so a newer release replaces an older one. Reading is
:func:`read_claims` / :func:`read_drugs` / :func:`read_classes` (records of :mod:`graph.records`);
:func:`graph_writes` maps them with :mod:`graph.open_reference_triples`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from graph.errors import InputError
from graph.readers.base import sniff, table_rows
from graph.records import DrugClass, MechanismClaim, SourceDrug, TargetComponent

TARGETS, IDS, CLASSES = "drugcentral-targets", "drugcentral-ids", "drugcentral-classes"
FORMATS = (TARGETS, IDS, CLASSES)

_HEADERS = {
    ("DRUG_ID", "CHEMBL_ID", "DRUG_NAME", "TARGET_NAME", "TARGET_FAMILY", "UNIPROT", "GENE", "SWISSPROT",
     "ACTION_TYPE", "SOURCE", "REFERENCE"): (TARGETS, "2016"),
    ("DRUG_NAME", "STRUCT_ID", "TARGET_NAME", "TARGET_CLASS", "ACCESSION", "GENE", "SWISSPROT", "ACT_VALUE",
     "ACT_UNIT", "ACT_TYPE", "ACT_COMMENT", "ACT_SOURCE", "RELATION", "MOA", "MOA_SOURCE", "ACT_SOURCE_URL",
     "MOA_SOURCE_URL", "ACTION_TYPE", "TDL", "ORGANISM"): (TARGETS, "current"),
    ("DRUG_ID", "DRUG_NAME", "ID_TYPE", "IDENTIFIER"): (IDS, "2016"),
    ("DRUG_ID", "DRUG_NAME", "TYPE", "CLASS_SOURCE_ID", "CLASS", "SOURCE"): (CLASSES, "2016"),
}

#: DrugCentral identifier types -> Bioregistry prefixes (the types trialgraph maps; others are skipped)
ID_PREFIXES = {
    "DRUGBANK_ID": "drugbank", "UNII": "unii", "ChEMBL_ID": "chembl.compound", "MESH_DESCRIPTOR_UI": "mesh",
    "MESH_SUPPLEMENTAL_RECORD_UI": "mesh", "RXNORM": "rxnorm", "CHEBI": "chebi", "INN_ID": "inn",
    "PUBCHEM_CID": "pubchem.compound", "UMLSCUI": "umls", "KEGG_DRUG": "kegg.drug", "IUPHAR_LIGAND_ID": "iuphar.ligand",
}
_CLASS_TYPES = ("PA", "EPC", "MoA")
#: the columns of a mechanism claim in each release's targets file
_CLAIM_COLUMNS = {
    "2016": {"key": "DRUG_ID", "accession": "UNIPROT", "family": "TARGET_FAMILY", "source": "SOURCE", "reference": "REFERENCE"},
    "current": {"key": "STRUCT_ID", "accession": "ACCESSION", "family": "TARGET_CLASS", "source": "MOA_SOURCE",
                "reference": "MOA_SOURCE_URL"},
}
_UNIPROT = re.compile(r"[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2}")
_ORGANISMS = {"HUMAN": "Homo sapiens", "MOUSE": "Mus musculus", "RAT": "Rattus norvegicus", "BOVIN": "Bos taurus",
              "PIG": "Sus scrofa", "YEAST": "Saccharomyces cerevisiae", "ECOLI": "Escherichia coli"}


def _header(head: bytes) -> tuple[str, str] | None:
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = text.split("\n", 1)[0].rstrip("\r")
    cells = tuple(cell.strip().strip('"') for cell in first.split("\t"))
    return _HEADERS.get(cells)


def looks_like(path: Path, head: bytes) -> str | None:
    found = _header(head)
    return found[0] if found else None


def release(path: Path) -> str:
    """``2016`` for the 2016 public release's tables, ``current`` for today's download format."""
    found = _header(sniff(path))
    if found is None:
        raise InputError("not a DrugCentral table", source=str(path), expected="a DrugCentral header row")
    return found[1]


def _rows(path: Path, label: str) -> Iterator[tuple[int, dict[str, str]]]:
    return table_rows(path, label, delimiter="\t", what="DrugCentral table")


def _organism(swissprot: str | None, given: str | None = None) -> str | None:
    """The organism a row names, else the one its UniProt entry name ends in (``EGFR_HUMAN``)."""
    if given:
        return given
    if swissprot and "_" in swissprot:
        species = swissprot.rsplit("_", 1)[1]
        return _ORGANISMS.get(species, species)
    return None


def read_claims(path: Path, label: str | None = None) -> Iterator[MechanismClaim]:
    """The mechanism-of-action claims of a targets file, in file order.

    A row for a complex lists its proteins' accessions, gene symbols and UniProt entry names in
    three ``|``-joined columns, each sorted on its own (GABA-A receptor: ``O00591|O14764|...``
    beside ``GABRA1|GABRA2|...``), so the n-th gene is not the n-th protein's. A component gets the
    gene symbol and entry name that a single-protein row of the same file gives its accession, or
    none; its organism is the one every entry name of the row shares.
    """
    label = label or str(path)
    rows = []
    single: dict[str, tuple[str | None, str | None]] = {}  # accession -> (gene, entry name) where one row says
    for number, row in _rows(path, label):
        current = "MOA" in row  # today's download: all bioactivities, MOA = 1 on mechanism rows
        column = _CLAIM_COLUMNS["current" if current else "2016"]
        accessions = row[column["accession"]].split("|")
        if len(accessions) == 1:
            single.setdefault(accessions[0].strip(), ((row["GENE"] or "").strip() or None,
                                                      (row["SWISSPROT"] or "").strip() or None))
        if not current or row["MOA"] == "1":
            rows.append((number, row, column, accessions))
    for number, row, column, accessions in rows:
        several = len(accessions) > 1
        genes = row["GENE"].split("|") if row["GENE"] else []
        names = row["SWISSPROT"].split("|") if row["SWISSPROT"] else []
        species = {n.strip().rsplit("_", 1)[1] for n in names if "_" in n}
        shared_name = names[0].strip() if len(species) == 1 and names else None  # names the row's organism
        components = []
        for i, accession in enumerate(accessions):
            accession = accession.strip()
            if not _UNIPROT.fullmatch(accession):
                raise InputError(f"{accession!r} is not a UniProt accession", source=label, record=f"line {number}",
                                 field=column["accession"], expected="accessions such as P00533, joined by |")
            if several:
                symbol, swissprot = single.get(accession, (None, None))
            else:
                symbol = (genes[0].strip() or None) if genes else None
                swissprot = names[0].strip() if names else None
            components.append(TargetComponent(
                uniprot=accession, symbol=symbol, swissprot=swissprot,
                organism=_organism(swissprot or shared_name, row.get("ORGANISM") or None)))
        key = row[column["key"]]
        _check_drug(key, row["DRUG_NAME"], label, number, column["key"])
        yield MechanismClaim(
            drug_key=key, drug_name=row["DRUG_NAME"], target_name=row["TARGET_NAME"], components=components,
            family=row[column["family"]] or None, action=row["ACTION_TYPE"] or None,
            source=row[column["source"]] or None, reference=row[column["reference"]] or None, line=number,
        )


def _check_drug(key: str, name: str, label: str, number: int, field: str) -> None:
    if not key.isdigit():
        raise InputError(f"{key!r} is not a DrugCentral id", source=label, record=f"line {number}", field=field,
                         expected="a DrugCentral drug id (digits, such as 5136)")
    if not name:
        raise InputError("empty", source=label, record=f"line {number}", field="DRUG_NAME",
                         expected="the drug's name (its INN)")


def read_drugs(path: Path, label: str | None = None) -> list[SourceDrug]:
    """The drugs of an identifiers file, each with the identifiers trialgraph maps."""
    label = label or str(path)
    drugs: dict[str, SourceDrug] = {}
    for number, row in _rows(path, label):
        key, name = row["DRUG_ID"], row["DRUG_NAME"]
        _check_drug(key, name, label, number, "DRUG_ID")
        drug = drugs.setdefault(key, SourceDrug(key=key, name=name))
        prefix = ID_PREFIXES.get(row["ID_TYPE"])
        value = row["IDENTIFIER"]
        if prefix and value:
            if prefix == "chebi":
                value = value.removeprefix("CHEBI:")
            values = drug.xrefs.setdefault(prefix, [])
            if value not in values:
                values.append(value)
    return list(drugs.values())


def read_classes(path: Path, label: str | None = None) -> Iterator[DrugClass]:
    """The pharmacologic classes of a classes file (MeSH PA, FDA EPC and MoA; other types skipped)."""
    label = label or str(path)
    for number, row in _rows(path, label):
        if row["TYPE"] not in _CLASS_TYPES:
            continue
        if not row["DRUG_ID"].isdigit() or not row["CLASS_SOURCE_ID"]:
            raise InputError(f"drug id {row['DRUG_ID']!r}, class {row['CLASS_SOURCE_ID']!r}", source=label,
                             record=f"line {number}", field="CLASS_SOURCE_ID",
                             expected="a DrugCentral id and a class identifier")
        yield DrugClass(drug_key=row["DRUG_ID"], drug_name=row["DRUG_NAME"], class_type=row["TYPE"],
                        class_id=row["CLASS_SOURCE_ID"], class_name=row["CLASS"], vocabulary=row["SOURCE"])


def graph_writes(path: Path, fmt: str, label: str, loaded_at: str) -> list["GraphWrite"]:
    """One named graph per kind of file, replaced whole, with its provenance."""
    from graph import open_reference_triples as out

    rel = release(path)
    if fmt == TARGETS:
        return [out.write(out.DRUGCENTRAL_TARGETS, out.claim_quads(read_claims(path, label), "drugcentral", rel),
                          label=label, fmt=fmt, release=rel, loaded_at=loaded_at)]
    if fmt == IDS:
        return [out.write(out.DRUGCENTRAL_IDS, out.drugcentral_drug_quads(read_drugs(path, label)),
                          label=label, fmt=fmt, release=rel, loaded_at=loaded_at)]
    if fmt == CLASSES:
        return [out.write(out.DRUGCENTRAL_CLASSES, out.class_quads(read_classes(path, label)),
                          label=label, fmt=fmt, release=rel, loaded_at=loaded_at)]
    raise InputError(f"unknown DrugCentral format {fmt!r}", source=label, expected=" or ".join(FORMATS))
