#!/usr/bin/env python3
"""Rebuild the open reference data shipped in this folder from the original downloads.

    python seeds/open/rebuild.py [--drugcentral DRUGCENTRAL_2016_DIR] [--drugbank DRUGBANK_VOCABULARY_CSV]
                                 [--mesh MESH_DESCRIPTORS_TSV] [--mesh-actions MESH_ACTIONS_TSV]

Each option rebuilds one source; give at least one. Afterwards SHA256SUMS is rewritten over every
shipped file.

DRUGCENTRAL_2016_DIR holds DrugCentral's public release of 2016-11-15 (drug_target.tsv,
identifiers.tsv, pharm_class.tsv, LICENSE); DRUGBANK_VOCABULARY_CSV is DrugBank's open vocabulary
(drugbank_vocabulary.csv); MESH_ACTIONS_TSV is the table of MeSH 2024 pharmacological actions
(mesh2024_pharmacological_actions.tsv: record_ui, record_name, pharm_action_ui, pharm_action_name),
copied unchanged. What is shipped is the originals, byte for byte, except two row filters
that keep the files small: identifiers.tsv keeps the identifier types trialgraph maps
(IDENTIFIER_TYPES) and pharm_class.tsv the class types it maps (CLASS_TYPES). Headers and the rows
kept are unchanged, so trialgraph reads a shipped file and a full download with the same reader.

MESH_DESCRIPTORS_TSV is a table of the MeSH 2024 descriptors with the columns descriptor_ui,
preferred_label, tree_numbers and entry_terms ('|' between values; the table the test data of
trialgraph holds). It becomes mesh/desc2024.tsv.gz: every descriptor, each row as given, except
that a category root the table lists without its 3-character tree number (C15, C20 ...) gets it from
trialgraph's curated table of roots (seeds/reference/mesh_roots.tsv). The file is gzipped without a
time stamp, so the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
IDENTIFIER_TYPES = {"DRUGBANK_ID", "UNII", "ChEMBL_ID", "MESH_DESCRIPTOR_UI", "MESH_SUPPLEMENTAL_RECORD_UI",
                    "RXNORM", "CHEBI", "INN_ID", "PUBCHEM_CID", "UMLSCUI", "KEGG_DRUG", "IUPHAR_LIGAND_ID"}
CLASS_TYPES = {"PA", "EPC", "MoA"}
MESH_COLUMNS = ("descriptor_ui", "preferred_label", "tree_numbers", "entry_terms")
MESH_TABLE = HERE / "mesh" / "desc2024.tsv.gz"
MESH_ROOTS = HERE.parent / "reference" / "mesh_roots.tsv"
MESH_PREAMBLE = (
    "# MeSH 2024 descriptors (Medical Subject Headings, U.S. National Library of Medicine): every descriptor\n"
    "# with its tree numbers and entry terms. Terms of use: LICENSE beside this file. Made by\n"
    "# seeds/open/rebuild.py; the 3-character tree numbers of the category roots come from\n"
    "# seeds/reference/mesh_roots.tsv.\n"
)


def _filtered(source: Path, target: Path, column: int, keep: set[str]) -> int:
    rows = 0
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8", newline="") as out:
        for number, line in enumerate(lines):
            if number == 0 or line.split("\t")[column].strip('"') in keep:
                out.write(line)
                rows += number > 0
    return rows


def drugcentral(folder: Path) -> None:
    dc = HERE / "drugcentral-2016"
    dc.mkdir(exist_ok=True)
    shutil.copyfile(folder / "drug_target.tsv", dc / "drug_target.tsv")
    shutil.copyfile(folder / "LICENSE", dc / "LICENSE")
    print("identifiers.tsv:", _filtered(folder / "identifiers.tsv", dc / "identifiers.tsv", 2, IDENTIFIER_TYPES), "rows")
    print("pharm_class.tsv:", _filtered(folder / "pharm_class.tsv", dc / "pharm_class.tsv", 2, CLASS_TYPES), "rows")


def drugbank(vocabulary: Path) -> None:
    db = HERE / "drugbank-vocabulary"
    db.mkdir(exist_ok=True)
    shutil.copyfile(vocabulary, db / "drugbank_vocabulary.csv")


def mesh_roots(path: Path = MESH_ROOTS) -> dict[str, str]:
    """Descriptor UI -> 3-character tree number, from the curated roots table."""
    roots: dict[str, str] = {}
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    for line in lines[1:]:
        ui, number = line.split("\t")[:2]
        roots[ui] = number
    return roots


def mesh_rows(source: Path, roots: dict[str, str]) -> list[str]:
    """The lines of the shipped MeSH table, header first."""
    with source.open(encoding="utf-8", newline="") as handle:
        lines = [line.rstrip("\r\n") for line in handle if line.strip()]
    if tuple(lines[0].split("\t")) != MESH_COLUMNS:
        raise SystemExit(f"{source}: header {lines[0]!r} — expected {' '.join(MESH_COLUMNS)}")
    out = [lines[0]]
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != len(MESH_COLUMNS):
            raise SystemExit(f"{source}: line {number}: {len(cells)} columns — expected {len(MESH_COLUMNS)}")
        numbers = [n for n in cells[2].split("|") if n]
        root = roots.get(cells[0])
        if root and root not in numbers:
            numbers.insert(0, root)
        cells[2] = "|".join(numbers)
        out.append("\t".join(cells))
    return out


def mesh(source: Path) -> None:
    lines = mesh_rows(source, mesh_roots())
    MESH_TABLE.parent.mkdir(exist_ok=True)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as out:
        out.write((MESH_PREAMBLE + "\n".join(lines) + "\n").encode("utf-8"))
    MESH_TABLE.write_bytes(buffer.getvalue())
    print(f"{MESH_TABLE.relative_to(HERE)}: {len(lines) - 1} descriptors, {MESH_TABLE.stat().st_size:,} bytes")


def mesh_actions(table: Path) -> None:
    pa = HERE / "mesh-pharmacological-actions"
    pa.mkdir(exist_ok=True)
    shutil.copyfile(table, pa / "mesh2024_pharmacological_actions.tsv")


def write_sums() -> None:
    sums = []
    for path in sorted(HERE.rglob("*")):
        if path.is_file() and path.name.endswith((".tsv", ".csv", ".tsv.gz")):
            sums.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(HERE)}\n")
    (HERE / "SHA256SUMS").write_text("".join(sums), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drugcentral", type=Path, metavar="DIR", help="DrugCentral's 2016-11-15 release")
    parser.add_argument("--drugbank", type=Path, metavar="CSV", help="DrugBank's open vocabulary")
    parser.add_argument("--mesh", type=Path, metavar="TSV", help="the MeSH 2024 descriptor table")
    parser.add_argument("--mesh-actions", type=Path, metavar="TSV", help="NLM's MeSH 2024 pharmacological actions table")
    args = parser.parse_args(argv)
    if not (args.drugcentral or args.drugbank or args.mesh or args.mesh_actions):
        parser.error("give at least one of --drugcentral, --drugbank, --mesh, --mesh-actions")
    if args.drugcentral:
        drugcentral(args.drugcentral)
    if args.drugbank:
        drugbank(args.drugbank)
    if args.mesh:
        mesh(args.mesh)
    if args.mesh_actions:
        mesh_actions(args.mesh_actions)
    write_sums()


if __name__ == "__main__":
    main()
