"""Deterministic IRIs for the entities trialgraph describes.

The same input always yields the same IRI, so reloading is idempotent and the same sponsor, site,
person, drug or condition named by two trials is one node. Keys are normalised names: case,
accents, punctuation and spacing do not make two entities.

>>> org("Memorial Sloan Kettering Cancer Center")
'https://w3id.org/trialgraph/id/org/memorial-sloan-kettering-cancer-center'
>>> person("Michael Scordo, MD") == person("Michael  Scordo")
True
>>> trial("nct05873205")
'https://clinicaltrials.gov/study/NCT05873205'
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

from graph import vocab

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_MAX_SLUG = 80


@functools.lru_cache(maxsize=1 << 16)  # names recur across trials (sponsors, sites, drugs)
def slug(text: str) -> str:
    """A readable, IRI-safe key: lowercase letters and digits joined by single hyphens.

    Long keys are shortened and end in a hash of the whole key, so they stay unique.

    >>> slug("Sanofi-Aventis  (France) S.A.")
    'sanofi-aventis-france-s-a'
    >>> slug("Hôpital Saint-Louis")
    'hopital-saint-louis'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    key = _NON_WORD.sub("-", stripped.casefold()).replace("_", "-").strip("-")
    key = re.sub(r"-{2,}", "-", key)
    if not key:
        key = "x" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    if len(key) > _MAX_SLUG:
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
        key = key[: _MAX_SLUG - 11].rstrip("-") + "-" + digest
    return key


# Degrees and honorifics that do not make a different person (compared without dots).
_DEGREES = frozenset(
    "MD PHD DO MBBS MBCHB MS MSC MPH RN NP PAC PHARMD BSC BSN MSN FACP FRCP FRCPC FRCPE DRPH "
    "MBA MA BS BA DPHIL DMD DDS PSYD EDD JD MHS MSCE MSCI FACS FAAP CCRP CCRC".split()
)
_HONORIFICS = frozenset("DR PROF PROFESSOR MR MRS MS MISS".split())


def _bare(token: str) -> str:
    return re.sub(r"[.\-]", "", token).upper()


def person_name_key(name: str) -> str:
    """A person's name without degrees and honorifics, for matching.

    >>> person_name_key("Dr. Jane Doe, M.D., Ph.D.")
    'Jane Doe'
    >>> person_name_key("Michael Scordo, MD")
    'Michael Scordo'
    >>> person_name_key("Arbelaez, Ana Maria")
    'Ana Maria Arbelaez'
    """
    tokens = name.replace(",", " , ").split()
    while tokens and (tokens[-1] == "," or _bare(tokens[-1]) in _DEGREES):
        tokens.pop()
    while len(tokens) > 1 and (tokens[0] == "," or _bare(tokens[0]) in _HONORIFICS):
        tokens.pop(0)
    text = " ".join(tokens).replace(" , ", ", ").strip(" ,")
    last, sep, first = text.partition(", ")
    if sep and first and "," not in first and _bare(first) not in {"JR", "SR", "II", "III"}:
        text = f"{first} {last}"  # "Doe, Jane" is Jane Doe
    return text or " ".join(name.split())


_NCT = re.compile(r"^NCT\d{8}$", re.IGNORECASE)


def is_nct_id(text: str) -> bool:
    return bool(_NCT.match(text.strip()))


def trial(nct_id: str) -> str:
    return vocab.TRIAL_NS + nct_id.upper()


def study(identifier: str) -> str:
    """A study named by an NCT id (its registry IRI) or by another code (our IRI for it).

    >>> study("INO-0107")
    'https://w3id.org/trialgraph/id/study/ino-0107'
    """
    if is_nct_id(identifier):
        return trial(identifier.strip())
    return vocab.STUDY_NS + slug(identifier)


def trial_graph(nct_id: str) -> str:
    """The named graph that holds one trial record."""
    return vocab.TRIAL_GRAPH_NS + nct_id.upper()


def trial_part(nct_id: str, kind: str, index: int | str) -> str:
    """A part of one trial that exists only inside it (arm, intervention, outcome, location ...)."""
    return vocab.TRIAL_PART_NS + f"{nct_id.upper()}-{kind}-{index}"


def org(name: str) -> str:
    return vocab.ORG_NS + slug(name)


def site(facility: str | None, city: str | None, state: str | None, country: str | None) -> str:
    parts = [slug(p) for p in (country, state, city, facility) if p and p.strip()]
    return vocab.SITE_NS + "--".join(parts or ["unknown"])


def person(name: str) -> str:
    return vocab.PERSON_NS + slug(person_name_key(name))


def drug(name: str) -> str:
    return vocab.DRUG_NS + slug(name)


def condition(text: str) -> str:
    return vocab.CONDITION_NS + slug(text)


#: The last UIs NLM issued with 6 digits (MeSH 2024: descriptors up to D066331, supplementary
#: concepts up to C588027); later UIs have 9 digits (D000066388, C000588473 ...).
_LAST_SIX_DIGIT = {"D": 66331, "C": 588027}
_PADDED = re.compile(r"^([CD])000(\d{6})$")


def mesh_ui(ui: str) -> str:
    """A MeSH unique id as NLM writes it. ClinicalTrials.gov pads every UI to 9 digits; NLM keeps
    the 6 digits of UIs issued before the 9-digit ones.

    >>> mesh_ui("D000016190"), mesh_ui("D000095542"), mesh_ui("C000072379"), mesh_ui("D006086")
    ('D016190', 'D000095542', 'C072379', 'D006086')
    """
    match = _PADDED.match(ui)
    if match and int(match.group(2)) <= _LAST_SIX_DIGIT[match.group(1)]:
        return match.group(1) + match.group(2)
    return ui


def mesh(ui: str) -> str:
    return vocab.MESH_NS + mesh_ui(ui)


def tree_number(number: str) -> str:
    """A MeSH tree number as NLM's IRI for it."""
    return vocab.MESH_NS + number


def target_claim(drug_id: str, accession: str) -> str:
    return vocab.CLAIM_NS + f"{slug(drug_id)}-{accession}"


def mesh_link(condition_iri: str, descriptor_iri: str) -> str:
    """The node recording how a condition text was linked to a MeSH descriptor."""
    return vocab.LINK_NS + "mesh-" + slug(condition_iri.rsplit("/", 1)[-1]) + "-" + descriptor_iri.rsplit("/", 1)[-1]


def xref(prefix: str, identifier: str) -> str:
    """The Bioregistry IRI of an identifier in another database (``drugbank``, ``chembl`` ...)."""
    return vocab.BIOREGISTRY_NS + f"{prefix}:{identifier}"


def reference_graph(name: str) -> str:
    """The named graph of one curated reference table."""
    return vocab.REFERENCE_GRAPH_NS + slug(name)


def mesh_graph(source: str) -> str:
    """The named graph of MeSH descriptors loaded from one source."""
    return vocab.GRAPH_NS + "mesh/" + slug(source)


def uniprot(accession: str) -> str:
    return vocab.UNIPROT_NS + accession


def pubmed(pmid: str) -> str:
    return vocab.PUBMED_NS + pmid.strip() + "/"


def graph_for_file(label: str) -> str:
    """The named graph that holds the triples of an RDF file loaded without graph names."""
    return vocab.GRAPH_NS + "file/" + slug(label)
