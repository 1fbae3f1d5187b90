"""DrugBank downloads: the open vocabulary, and the target identifier table for licence holders.

====================  ===========================================================================
format                file
====================  ===========================================================================
drugbank-vocabulary   ``drugbank_vocabulary.csv`` (CC0): DrugBank id, accession numbers, common
                      name, CAS, UNII, synonyms, InChIKey
drugbank-targets      ``target*_uniprot_links.csv`` (DrugBank licence): DrugBank id, name, type,
                      UniProt id, UniProt name — every target DrugBank lists for a drug
====================  ===========================================================================

Recognised from the header row. The vocabulary describes each drug under its DrugBank IRI
(``https://bioregistry.io/drugbank:DB00530``), the node other sources point at with
``skos:exactMatch``, so the linker joins them whatever order they were loaded in. DrugBank's
target table says only that DrugBank lists the target, not the mechanism: its claims carry no
action type.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Iterator

from graph.errors import InputError
from graph.readers.base import table_rows
from graph.records import MechanismClaim, SourceDrug, TargetComponent

VOCABULARY, TARGETS = "drugbank-vocabulary", "drugbank-targets"
FORMATS = (VOCABULARY, TARGETS)

_HEADERS = {
    ("DrugBank ID", "Accession Numbers", "Common name", "CAS", "UNII", "Synonyms", "Standard InChI Key"): VOCABULARY,
    ("DrugBank ID", "Name", "Type", "UniProt ID", "UniProt Name"): TARGETS,
}
_DRUGBANK = re.compile(r"DB\d{5}")
_UNII = re.compile(r"[A-Z0-9]{10}")


def looks_like(path: Path, head: bytes) -> str | None:
    first = head.decode("utf-8", errors="replace").lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    try:
        cells = tuple(next(csv.reader([first])))
    except (csv.Error, StopIteration):
        return None
    return _HEADERS.get(cells)


def _rows(path: Path, label: str) -> Iterator[tuple[int, dict[str, str]]]:
    return table_rows(path, label, delimiter=",", what="DrugBank table")


def _id(value: str, label: str, number: int) -> str:
    if not _DRUGBANK.fullmatch(value):
        raise InputError(f"{value!r} is not a DrugBank id", source=label, record=f"line {number}",
                         field="DrugBank ID", expected="a DrugBank id such as DB00530")
    return value


def read_vocabulary(path: Path, label: str | None = None) -> Iterator[SourceDrug]:
    label = label or str(path)
    for number, row in _rows(path, label):
        key = _id(row["DrugBank ID"], label, number)
        name = row["Common name"]
        if not name:
            raise InputError("empty", source=label, record=f"line {number}", field="Common name",
                             expected="the drug's common name")
        synonyms = [s.strip() for s in row["Synonyms"].split(" | ") if s.strip() and s.strip() != name]
        xrefs: dict[str, list[str]] = {"drugbank": [key]}
        if row["UNII"] and _UNII.fullmatch(row["UNII"]):
            xrefs["unii"] = [row["UNII"]]
        if row["CAS"]:
            xrefs["cas"] = [row["CAS"]]
        if row["Standard InChI Key"]:
            xrefs["inchikey"] = [row["Standard InChI Key"]]
        yield SourceDrug(key=key, name=name, synonyms=list(dict.fromkeys(synonyms)), xrefs=xrefs)


def read_targets(path: Path, label: str | None = None) -> Iterator[MechanismClaim]:
    label = label or str(path)
    for number, row in _rows(path, label):
        key = _id(row["DrugBank ID"], label, number)
        yield MechanismClaim(
            drug_key=key, drug_name=row["Name"], target_name=row["UniProt Name"],
            components=[TargetComponent(uniprot=row["UniProt ID"])], source="DrugBank", line=number,
        )


def graph_writes(path: Path, fmt: str, label: str, loaded_at: str) -> list["GraphWrite"]:
    from graph import open_reference_triples as out

    if fmt == VOCABULARY:
        return [out.write(out.DRUGBANK_VOCABULARY, out.drugbank_drug_quads(read_vocabulary(path, label)),
                          label=label, fmt=fmt, release=None, loaded_at=loaded_at)]
    if fmt == TARGETS:
        return [out.write(out.DRUGBANK_TARGETS, out.claim_quads(read_targets(path, label), "drugbank", None),
                          label=label, fmt=fmt, release=None, loaded_at=loaded_at)]
    raise InputError(f"unknown DrugBank format {fmt!r}", source=label, expected=" or ".join(FORMATS))
