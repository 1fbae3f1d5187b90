#!/usr/bin/env python3
"""Rebuild the open reference data shipped in this folder from the original downloads.

    python seeds/open/rebuild.py DRUGCENTRAL_2016_DIR DRUGBANK_VOCABULARY_CSV MESH_ACTIONS_TSV

DRUGCENTRAL_2016_DIR holds DrugCentral's public release of 2016-11-15 (drug_target.tsv,
identifiers.tsv, pharm_class.tsv, LICENSE); DRUGBANK_VOCABULARY_CSV is DrugBank's open vocabulary
(drugbank_vocabulary.csv); MESH_ACTIONS_TSV is the table of MeSH 2024 pharmacological actions
(mesh2024_pharmacological_actions.tsv: record_ui, record_name, pharm_action_ui, pharm_action_name),
copied unchanged. What is shipped is the originals, byte for byte, except two row filters
that keep the files small: identifiers.tsv keeps the identifier types trialgraph maps
(IDENTIFIER_TYPES) and pharm_class.tsv the class types it maps (CLASS_TYPES). Headers and the rows
kept are unchanged, so trialgraph reads a shipped file and a full download with the same reader.
Afterwards SHA256SUMS is rewritten.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
IDENTIFIER_TYPES = {"DRUGBANK_ID", "UNII", "ChEMBL_ID", "MESH_DESCRIPTOR_UI", "MESH_SUPPLEMENTAL_RECORD_UI",
                    "RXNORM", "CHEBI", "INN_ID", "PUBCHEM_CID", "UMLSCUI", "KEGG_DRUG", "IUPHAR_LIGAND_ID"}
CLASS_TYPES = {"PA", "EPC", "MoA"}


def _filtered(source: Path, target: Path, column: int, keep: set[str]) -> int:
    rows = 0
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8", newline="") as out:
        for number, line in enumerate(lines):
            if number == 0 or line.split("\t")[column].strip('"') in keep:
                out.write(line)
                rows += number > 0
    return rows


def main(drugcentral: Path, vocabulary: Path, actions: Path) -> None:
    dc = HERE / "drugcentral-2016"
    db = HERE / "drugbank-vocabulary"
    pa = HERE / "mesh-pharmacological-actions"
    for folder in (dc, db, pa):
        folder.mkdir(exist_ok=True)
    shutil.copyfile(drugcentral / "drug_target.tsv", dc / "drug_target.tsv")
    shutil.copyfile(drugcentral / "LICENSE", dc / "LICENSE")
    print("identifiers.tsv:", _filtered(drugcentral / "identifiers.tsv", dc / "identifiers.tsv", 2, IDENTIFIER_TYPES), "rows")
    print("pharm_class.tsv:", _filtered(drugcentral / "pharm_class.tsv", dc / "pharm_class.tsv", 2, CLASS_TYPES), "rows")
    shutil.copyfile(vocabulary, db / "drugbank_vocabulary.csv")
    shutil.copyfile(actions, pa / "mesh2024_pharmacological_actions.tsv")
    sums = []
    for path in sorted(HERE.rglob("*")):
        if path.is_file() and path.suffix in {".tsv", ".csv"}:
            sums.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(HERE)}\n")
    (HERE / "SHA256SUMS").write_text("".join(sums), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
