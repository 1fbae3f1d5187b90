"""Linking names to things: interventions and free text to drugs, condition text to MeSH.

Matching ignores case, accents, punctuation and trademark signs, and treats a final plural ``s``
as the singular. Every link says how it was made (a code of the ``MatchMethod`` scheme) and which
words matched; a curated rule also names itself. A name that matches nothing, or matches two
things equally well, is not linked: the mapping flags it instead of guessing.

A :class:`Linker` is built from reference data — the curated tables and whatever MeSH and drug
tables the store holds — and is pure once built, so worker processes can share it.

>>> linker = Linker(drug_names=[DrugName("tgdrug-x", "Inolimomab", "INN"), DrugName("tgdrug-x", "Leukotac", "BRAND_NAME")])
>>> [(l.target, l.method, l.matched) for l in linker.link_drug("Leukotac® (inolimomab)")]
[('tgdrug-x', 'BRAND_NAME', 'Leukotac®')]
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple

from graph import drug_text, iris
from graph.vocab import MESH_NS, REFERENCE_GRAPH_NS

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
#: ASCII characters other than letters and digits, made spaces: splitting ASCII text on them gives
#: the words :data:`_TOKEN` finds, in well under half the time (free text is mostly ASCII).
_ASCII_GAPS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})
_MARKS = str.maketrans({"®": " ", "™": " ", "©": " ", "℠": " "})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_MARKS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def singular(token: str) -> str:
    """A crude singular, enough to match ``Cytopenias`` to ``Cytopenia``.

    >>> [singular(t) for t in ("cytopenias", "therapies", "diseases", "sepsis", "virus", "class")]
    ['cytopenia', 'therapy', 'disease', 'sepsis', 'virus', 'class']
    """
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is", "ys")):
        return token[:-1]
    return token


class _Singulars(dict):
    """:func:`singular` of each word ending in "s", remembered (free text repeats its words)."""

    limit = 200_000  #: words remembered at most; past that the memory starts again

    def __missing__(self, word: str) -> str:
        if len(self) >= self.limit:
            self.clear()
        value = self[word] = singular(word)
        return value


_SINGULARS = _Singulars()


class _FoldTable(dict):
    """``str.translate`` table folding each character to one character (or a space): accents
    dropped, trademark signs removed, case folded — so spans in the folded text are the spans in
    the original."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = _fold(char)
        value = folded if len(folded) == 1 else (" " if not folded.strip() else char.lower())
        self[code] = value
        return value


_FOLD_TABLE = _FoldTable()


def words(text: str) -> list[tuple[str, int, int]]:
    """Normalised words of a text with their spans in the original text.

    >>> words("Leukotac® (inolimomab)")
    [('leukotac', 0, 8), ('inolimomab', 11, 21)]
    >>> [w for w, _, _ in words("Sjögren's CYTOPENIAS")]
    ['sjogren', 's', 'cytopenia']
    """
    folded = text.lower() if text.isascii() else text.translate(_FOLD_TABLE)
    out = []
    for match in _TOKEN.finditer(folded):
        word = match.group()
        if word[-1] == "s":
            word = singular(word)
        out.append((word, match.start(), match.end()))
    return out


@functools.lru_cache(maxsize=1 << 16)  # names recur across trials (sponsors, sites, drugs)
def norm(text: str) -> str:
    """The matching key of a name.

    >>> norm("Graft-vs-Host Disease") == norm("graft vs host diseases")
    True
    >>> norm("Thymoglobulin®")
    'thymoglobulin'
    """
    return " ".join(w for w, _, _ in words(text))


class Link(NamedTuple):
    """A link trialgraph made: to what, how, on which words, by which rule, from which source."""

    target: str  #: drug IRI or MeSH descriptor IRI
    method: str  #: a code of the MatchMethod scheme
    matched: str  #: the words of the source text that matched
    rule: str | None = None
    source: str | None = None  #: the reference graph whose name or identifier made the link

    @property
    def confidence(self) -> float:
        """How sure the link is, by its method (from 0 to 1)."""
        return CONFIDENCE.get(self.method, 0.9)


#: Confidence of a link by its method: whole names are sure, variants a little less, parts and
#: mentions less again, near misses least.
CONFIDENCE = {
    "PREFERRED_LABEL": 1.0, "ENTRY_TERM": 1.0, "INN": 1.0, "BRAND_NAME": 1.0, "DEVELOPMENT_CODE": 1.0,
    "SYNONYM": 0.95, "CURATED_RULE": 1.0, "NAME_VARIANT": 0.95, "SALT_FOLDED": 0.95,
    "COMBINATION_PART": 0.9, "REGISTRY_MESH": 0.9, "REGISTRY_MESH_XREF": 0.9, "PARTIAL_MATCH": 0.8,
    "TEXT_MENTION": 0.8, "SPELLING_VARIANT": 0.6, "INVERTED_TERM": 0.95, "BROADER_TERM": 0.9,
}


class DrugName(NamedTuple):
    drug: str  #: drug IRI
    name: str
    method: str  #: INN, BRAND_NAME, DEVELOPMENT_CODE or SYNONYM
    source: str = ""  #: the reference graph that gives the name


class MeshName(NamedTuple):
    descriptor: str  #: MeSH descriptor IRI
    name: str
    method: str  #: PREFERRED_LABEL or ENTRY_TERM
    disease: bool  #: in the C (Diseases) tree
    #: in the F01 (Behavior) or F03 (Mental Disorders) tree; with ``disease``, a name that may be
    #: found inside a longer condition text
    behavioural: bool = False


class Rule(NamedTuple):
    phrase: str
    descriptor: str  #: MeSH descriptor IRI
    scope: str  #: condition, inclusion or summary
    note: str


@dataclass(slots=True)
class _Match:
    start: int  #: first word
    end: int  #: word after the last
    text: str
    values: list
    char_end: int = 0  #: where the matched words end in the text


#: words of a condition text: letters and digits apart ("Type2 Diabetes" is "type 2 diabetes")
_CONDITION_TOKEN = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
#: British spellings and "disc" folded to the spelling MeSH mostly uses (it has both "Disc" and
#: "Disk" names, each for some descriptors only)
_SPELLINGS = {
    "disc": "disk", "tumour": "tumor", "tumoural": "tumoral", "oesophageal": "esophageal", "oesophagus": "esophagus",
    "oesophagitis": "esophagitis", "haemorrhage": "hemorrhage", "haemorrhagic": "hemorrhagic", "anaemia": "anemia",
    "leukaemia": "leukemia", "oedema": "edema", "paediatric": "pediatric", "haematological": "hematological",
    "haematologic": "hematologic", "haematoma": "hematoma", "ischaemia": "ischemia", "ischaemic": "ischemic",
    "diarrhoea": "diarrhea", "oestrogen": "estrogen", "foetal": "fetal", "orthopaedic": "orthopedic",
    "haemophilia": "hemophilia", "coeliac": "celiac", "faecal": "fecal", "gynaecological": "gynecological",
    "anaesthesia": "anesthesia", "dyspnoea": "dyspnea", "apnoea": "apnea", "oesophago": "esophago",
}


def condition_words(text: str) -> list[tuple[str, int, int]]:
    """The words condition names are matched on, with their spans: as :func:`words`, but letters
    and digits apart and British spellings folded.

    >>> [w for w, _, _ in condition_words("Type2 Diabetes; Lumbar Disc Tumours")]
    ['type', '2', 'diabete', 'lumbar', 'disk', 'tumor']
    """
    folded = text.lower() if text.isascii() else text.translate(_FOLD_TABLE)
    out = []
    for match in _CONDITION_TOKEN.finditer(folded):
        word = match.group()
        if word[-1] == "s":
            word = _SINGULARS[word]
        out.append((_SPELLINGS.get(word, word), match.start(), match.end()))
    return out


class PhraseIndex:
    """Phrases (as word sequences) to values; finds the longest phrases in a text. ``conditions``:
    words as :func:`condition_words` gives them."""

    def __init__(self, *, conditions: bool = False) -> None:
        self._phrases: dict[tuple[str, ...], list] = {}
        self._starts: dict[str, int] = {}  #: first word -> the longest phrase it begins
        self.longest = 0
        self._words = condition_words if conditions else words

    def key(self, text: str) -> tuple[str, ...]:
        return tuple(w for w, _, _ in self._words(text))

    def add(self, phrase: str, value: object) -> None:
        key = self.key(phrase)
        if not key:
            return
        values = self._phrases.setdefault(key, [])
        if value not in values:
            values.append(value)
        self.longest = max(self.longest, len(key))
        if len(key) > self._starts.get(key[0], 0):
            self._starts[key[0]] = len(key)

    def get(self, text: str) -> list:
        return self._phrases.get(self.key(text), [])

    def __contains__(self, text: str) -> bool:
        return bool(self.get(text))

    def __len__(self) -> int:
        return len(self._phrases)

    def find(self, text: str) -> list[_Match]:
        """Non-overlapping occurrences, longest first, left to right."""
        if self._words is not words:
            return self._find_words(text)
        folded = text.lower() if text.isascii() else text.translate(_FOLD_TABLE)
        found = folded.translate(_ASCII_GAPS).split() if folded.isascii() else _TOKEN.findall(folded)
        tokens = [_SINGULARS[w] if w[-1] == "s" else w for w in found]
        starts = self._starts
        out: list[_Match] = []
        spans: list[tuple[int, int]] | None = None  # computed only when something matches
        free = 0  # the first token not inside an earlier match
        for i in [k for k, token in enumerate(tokens) if token in starts]:  # words that begin a phrase
            if i < free:
                continue
            for n in range(min(starts[tokens[i]], len(tokens) - i), 0, -1):
                values = self._phrases.get(tuple(tokens[i : i + n]))
                if values:
                    if spans is None:
                        spans = [m.span() for m in _TOKEN.finditer(folded)]
                    start, end = spans[i][0], spans[i + n - 1][1]
                    out.append(_Match(i, i + n, text[start:end], values, end))
                    free = i + n
                    break
        return out

    def _find_words(self, text: str) -> list[_Match]:
        found = self._words(text)
        tokens = [w for w, _, _ in found]
        starts = self._starts
        out: list[_Match] = []
        free = 0
        for i in [k for k, token in enumerate(tokens) if token in starts]:
            if i < free:
                continue
            for n in range(min(starts[tokens[i]], len(tokens) - i), 0, -1):
                values = self._phrases.get(tuple(tokens[i : i + n]))
                if values:
                    start, end = found[i][1], found[i + n - 1][2]
                    out.append(_Match(i, i + n, text[start:end], values, end))
                    free = i + n
                    break
        return out


class _Summed:
    """An order-free digest of a set: the sum, modulo 2**128, of each distinct item's own digest (the
    same items give the same digest in any order, and an item given twice counts once, as it does
    in a :class:`PhraseIndex`)."""

    def __init__(self) -> None:
        self._digests: set[bytes] = set()

    def add(self, kind: str, item: object) -> None:
        self._digests.add(hashlib.blake2b(f"{kind}\t{item!r}".encode("utf-8"), digest_size=16).digest())

    def hexdigest(self) -> str:
        total = sum(int.from_bytes(d, "big") for d in self._digests) & ((1 << 128) - 1)
        return f"{len(self._digests):x}-{total:032x}"


#: MeSH descriptors too general to link when their name is only a part of a longer condition text:
#: "Disease" in "Disc Disease", "Pain" in "Radiating Leg Pain", "Cancer" (Neoplasms) in "Gastric or
#: Oesophageal Cancer" say less than the text (a text that is just the name still links them).
#: UIs of NLM MeSH 2024.
TOO_GENERAL_INSIDE = frozenset({
    "D004194",  # Disease (C23.550.288)
    "D013577",  # Syndrome (C23.550.288.500)
    "D010146",  # Pain (C23.888.592.612)
    "D009369",  # Neoplasms (C04)
    "D014947",  # Wounds and Injuries (C26)
    "D010335",  # Pathologic Processes (C23.550)
    "D012816",  # Signs and Symptoms (C23.888)
    "D020969",  # Disease Attributes (C23.550.291)
    "D001519",  # Behavior (F01)
})
#: endings that make a one-word name a noun of the same thing ("Herniation" names Hernia; an
#: adjective, "Herniated Disc", qualifies the disc and does not)
_DERIVED = ("tion", "ation")


def _names(tokens: list[str], key: tuple[str, ...]) -> bool:
    """Whether the words of a text name ``key``: the words in a row, or one word that is the
    one-word name or a derived form of it."""
    if len(key) == 1:
        name = key[0]
        return any(t == name or (len(name) >= 5 and t.startswith(name) and t[len(name):] in _DERIVED) for t in tokens)
    n = len(key)
    return any(tuple(tokens[i : i + n]) == key for i in range(len(tokens) - n + 1))


_PARENS = re.compile(r"\(([^()]*)\)")
_GLOSS = re.compile(r"\s*\(([^()]*)\)")
#: which name of a drug to cite when several of its names match: the most specific kind first
_METHOD_RANK = {"INN": 0, "BRAND_NAME": 1, "DEVELOPMENT_CODE": 2, "SYNONYM": 3}
#: words after a drug name that make it something else: a lab value, a gene, a class, a test
_NOT_A_DRUG_AFTER = re.compile(
    r"[\s-]*(?:kinases?|inhibitors?|receptors?|levels?|concentrations?|clearance|tests?|counts?|deficiency|"
    r"antibod(?:y|ies)|metabolism|transporters?|synthase|intolerance|allergy|allergic|hypersensitivity|"
    r"sensitive|resistant|resistance|naive|na\u00efve|free|values?|measurements?|status|pathway|time|based|"
    r"containing|implants?|plates?|screws?|alloy|salts?|compounds?|agents?|analogues?|analogs?|derivatives?)\b",
    re.IGNORECASE,
)
#: names that are drugs in a dictionary but in running text are nearly always something else
_TEXT_STOP = frozenset((
    "water", "oxygen", "glucose", "dextrose", "sodium", "potassium", "calcium", "magnesium", "iron", "zinc",
    "creatinine", "hemoglobin", "haemoglobin", "albumin", "bilirubin", "cholesterol", "urea", "nitrogen",
    "blood", "plasma", "serum", "whole blood", "air", "alcohol", "ethanol", "tyrosine", "alanine", "glycine",
    "histidine", "cysteine", "arginine", "glutamine", "lysine", "carbon dioxide", "nitric oxide", "protein",
    "insulin", "heparin", "iodine", "sulfur", "copper", "chloride", "phosphate", "bicarbonate", "lactate",
    "collagen", "gelatin", "cellulose", "starch", "lactose", "sucrose", "fructose", "caffeine", "nicotine",
    "tobacco", "testosterone", "estrogen", "estradiol", "progesterone", "cortisol", "thyroxine", "dopamine",
    "serotonin", "histamine", "adrenaline", "epinephrine", "norepinephrine", "melatonin", "vitamin", "folate",
))


#: word endings of WHO INN stems (-mab, -tinib, -platin ...): a name with one is a drug's name
_INN_STEM = re.compile(
    r"(?:mab|cept|nib|lisib|parib|ciclib|platin|taxel|trexed|tecan|vir|gliptin|gliflozin|glutide|tide|"
    r"gepant|leucel|kinra|zomib|degib|sertib|rafenib)$"
)
_CODE = re.compile(r"^[A-Za-z]{1,6}[- ]?\d{3,}[A-Za-z]?$")


def _safe_in_text(item: "DrugName", key: str) -> bool:
    """Whether a drug name may be looked for inside running text. Names from the curated tables
    and DrugCentral's INNs qualify when they are long enough and not everyday or lab words; of
    DrugBank's names only those shaped like an INN (a WHO stem ending, one word) or like a
    development code — its dictionary also names elements, foods, allergens and the body's own
    proteins, which running text mentions as something else ("titanium", "apple", "prothrombin").
    ``key`` is the name's :func:`norm`."""
    if key in _TEXT_STOP or not any(ch.isalpha() for ch in key):
        return False
    letters = sum(ch.isalpha() for ch in key)
    if item.method == "DEVELOPMENT_CODE":
        return any(ch.isdigit() for ch in key) and len(key) >= 4
    if item.source and _rank(item.source) > _DRUGCENTRAL:  # DrugBank and anything else
        return bool(_CODE.match(item.name.strip())) or (letters >= 7 and key.isalpha() and bool(_INN_STEM.search(key)))
    if item.method == "SYNONYM":
        return letters >= 8 or (letters >= 5 and any(ch.isdigit() for ch in key) and "-" in item.name)
    return letters >= 5


@dataclass
class Linker:
    """Matching of names against reference data. Empty reference data links nothing."""

    drug_names: Iterable[DrugName] = ()
    mesh_names: Iterable[MeshName] = ()
    rules: Iterable[Rule] = ()
    #: (kind, variant key) -> (canonical name, reason)
    resolutions: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    #: MeSH descriptor or supplementary concept IRI -> drug IRI (a drug's MeSH cross-reference)
    drug_by_mesh: dict[str, str] = field(default_factory=dict)
    #: MeSH descriptor IRI -> the descriptors one tree level above it (in the C and F trees)
    mesh_broader: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        summed = _Summed()
        self._drugs = PhraseIndex()
        self._text_drugs = PhraseIndex()  #: the names safe to look for inside longer text
        self._near: dict[str, list[tuple[str, str, str]]] = {}  #: first 2 letters -> (key, drug, source)
        for item in self.drug_names:
            self._drugs.add(item.name, (item.drug, item.method, item.source))
            key = norm(item.name)
            if _safe_in_text(item, key):
                self._text_drugs.add(item.name, (item.drug, item.method, item.source))
            if item.method == "INN" and len(key) >= 7 and " " not in key and key.isalpha():
                self._near.setdefault(key[:2], []).append((key, item.drug, item.source))
            summed.add("drug", item)
        self._conditions = PhraseIndex(conditions=True)
        self._diseases = PhraseIndex(conditions=True)
        self._condition_parts = PhraseIndex(conditions=True)  #: names of diseases, behaviours, mental disorders
        self._names_of: dict[str, list[tuple[str, ...]]] = {}  #: disease descriptor -> the words of its names
        for item in self.mesh_names:
            self._conditions.add(item.name, (item.descriptor, item.method))
            if item.disease:
                self._diseases.add(item.name, (item.descriptor, item.method))
            if item.disease or item.behavioural:
                self._condition_parts.add(item.name, (item.descriptor, item.method))
                key = self._condition_parts.key(item.name)
                names = self._names_of.setdefault(item.descriptor, [])
                if key and key not in names:
                    names.append(key)
            summed.add("mesh", item)
        self._rules: dict[str, PhraseIndex] = {}
        for rule in self.rules:
            self._rules.setdefault(rule.scope, PhraseIndex(conditions=True)).add(rule.phrase, (rule.descriptor, rule.note))
            summed.add("rule", rule)
        for pair in self.resolutions.items():
            summed.add("resolution", pair)
        for pair in self.drug_by_mesh.items():
            summed.add("drug-mesh", pair)
        for pair in self.mesh_broader.items():
            summed.add("mesh-broader", pair)
        #: a digest of everything this linker knows, in whatever order it was given: two linkers with
        #: the same digest link every text the same way (a load keys records it need not map on it)
        self.fingerprint = summed.hexdigest()
        self.drug_names = self.mesh_names = self.rules = ()  # the indexes hold them now

    @property
    def empty(self) -> bool:
        return not (len(self._drugs) or len(self._conditions) or self._rules)

    # --- drugs -----------------------------------------------------------------------------

    @staticmethod
    def _drug_values(values: list) -> tuple[str, str, str] | None:
        drugs = {value[0] for value in values}
        if len(drugs) != 1:
            # the same name for two drugs: resolved only when it is one drug's own name (its INN or
            # label) and merely a synonym of the others ("zopiclone", a synonym of eszopiclone)
            own = {value[0] for value in values if value[1] == "INN"}
            if len(own) != 1:
                return None
            values = [value for value in values if value[0] in own]
        return min(values, key=lambda v: (_METHOD_RANK.get(v[1], 9), v[2]))

    def _whole(self, text: str, method: str | None = None, rule: str | None = None) -> Link | None:
        hit = self._drug_values(self._drugs.get(text)) if text else None
        if hit:
            return Link(hit[0], method or hit[1], text.strip(), rule, hit[2] or None)
        return None

    def _variant(self, text: str) -> Link | None:
        """A whole name, else the name without doses and forms, else its active ingredient."""
        found = self._whole(text)
        if found:
            return found
        cleaned = drug_text.clean_name(text)
        if cleaned and cleaned != text.strip():
            found = self._whole(cleaned, "NAME_VARIANT", "the name without doses, units, routes, schedules or formulations")
            if found:
                return found._replace(matched=text.strip())
        base = drug_text.fold_salt(cleaned or text)
        if base and base != (cleaned or text):
            found = self._whole(base, "SALT_FOLDED", f"{cleaned or text!r} is a salt, ester or hydrate of {base!r}")
            if found:
                return found._replace(matched=text.strip())
        return None

    def link_drug(self, name: str) -> list[Link]:
        """Drugs an intervention name denotes, most certain way first: the whole name; the parts in
        and out of parentheses ("Leukotac (inolimomab)"); the name without doses and forms; the
        active ingredient of a salt; each drug of a combination ("paclitaxel/carboplatin"); a safe
        drug name inside it; else one drug name one or two letters away ("Cisplatinum").

        >>> Linker(drug_names=[DrugName("d", "ATG", "SYNONYM")]).link_drug("Thymoglobulin (ATG)")
        [Link(target='d', method='SYNONYM', matched='ATG', rule=None, source=None)]
        """
        found = self._variant(name)
        if found:
            return [found]
        parts = [_PARENS.sub(" ", name)] + _PARENS.findall(name)
        links: dict[str, Link] = {}
        for part in parts:
            hit = self._variant(part) if part.strip() else None
            if hit and hit.target not in links:
                links[hit.target] = hit
        if links:
            return list(links.values())
        pieces = drug_text.combination_parts(name)
        if len(pieces) > 1:
            for piece in pieces:
                hit = self._variant(piece) or next(iter(self.find_drugs(piece, method="PARTIAL_MATCH",
                                                                         rule="a drug name inside a part of a combination")), None)
                if hit and hit.target not in links:
                    if hit.method != "PARTIAL_MATCH":
                        hit = hit._replace(method="COMBINATION_PART", rule=f"one drug of the combination {name.strip()!r}")
                    links[hit.target] = hit
            if links:
                return list(links.values())
        found_inside = self.find_drugs(name, method="PARTIAL_MATCH", rule="a drug name inside a longer intervention name")
        if found_inside:
            return found_inside
        near = self._spelling_variant(drug_text.clean_name(name) or name)
        return [near] if near else []

    def _spelling_variant(self, text: str) -> Link | None:
        key = norm(text)
        if len(key) < 7 or " " in key or not key.isalpha():
            return None
        cache = self.__dict__.setdefault("_near_cache", {})  # names recur across trials: measure once each
        if key not in cache:
            if len(cache) >= 50_000:
                cache.clear()
            cache[key] = self._nearest(key)
        found = cache[key]
        if found is None:
            return None
        drug, closest, source = found
        return Link(drug, "SPELLING_VARIANT", text.strip(), f"{closest} letter(s) from a drug's INN", source)

    def _nearest(self, key: str) -> tuple[str, int, str | None] | None:
        """The one drug whose INN is nearest ``key`` (within 1 letter, 2 from 9 letters on), its
        distance and source; None if none is, or two are as near."""
        limit = 1 if len(key) < 9 else 2
        best: dict[str, tuple[int, str]] = {}
        for candidate, drug, source in self._near.get(key[:2], ()):
            distance = drug_text.edit_distance(key, candidate, limit)
            if distance <= limit and (drug not in best or distance < best[drug][0]):
                best[drug] = (distance, source)
        if not best:
            return None
        closest = min(d for d, _ in best.values())
        if closest == 0:
            return None  # the name itself, which the whole-name look-up found ambiguous
        drugs = [drug for drug, (d, _) in best.items() if d == closest]
        if len(drugs) != 1:
            return None  # as close to two drugs: not a spelling variant of either
        return drugs[0], closest, best[drugs[0]][1] or None

    def find_drugs(self, text: str, *, method: str | None = "TEXT_MENTION", rule: str | None = None) -> list[Link]:
        """Drugs named anywhere in a text, one link per drug (first mention). Only names safe in
        running text count (no short or ambiguous synonyms), and not where the next words make the
        name a lab value, a gene or a class ("tyrosine kinase inhibitors", "glucose level")."""
        links: dict[str, Link] = {}
        for match in self._text_drugs.find(text):
            hit = self._drug_values(match.values)
            if not hit or hit[0] in links:
                continue
            if _NOT_A_DRUG_AFTER.match(text, match.char_end):
                continue
            links[hit[0]] = Link(hit[0], method or hit[1], self._with_gloss(text, match, hit[0]), rule, hit[2] or None)
        return list(links.values())

    def _with_gloss(self, text: str, match: _Match, drug: str) -> str:
        """The matched words, with a parenthesised other name of the same drug that follows them:
        "Leukotac (inolimomab)"."""
        end = match.char_end
        gloss = _GLOSS.match(text, end)
        if gloss and any(value[0] == drug for value in self._drugs.get(gloss.group(1))):
            return match.text + text[end:gloss.end()]
        return match.text

    def drug_for_mesh(self, descriptor: str) -> str | None:
        return self.drug_by_mesh.get(descriptor)

    # --- conditions --------------------------------------------------------------------------

    def _known(self, values: list) -> tuple[str, str] | None:
        descriptors = {d for d, _ in values}
        if len(descriptors) != 1:
            return None
        preferred = [v for v in values if v[1] == "PREFERRED_LABEL"]
        return (preferred or values)[0]

    def link_condition(self, text: str) -> list[Link]:
        """MeSH descriptors a condition text denotes: the whole text as a label or entry term of
        a disease, behaviour or mental disorder (C, F01, F03 trees; a text that is the name of a
        procedure, discipline or body part — "Diskectomy", "Surgery" — links nothing), else a
        curated rule, else the names of diseases, behaviours and mental
        disorders found inside it (each a separate link; an anatomy, organism, chemical or
        procedure name inside a longer text — "Hand" in "Arthritis Hand" — is not a condition, nor
        is a general head word — "Disease" in "Disc Disease", "Pain" in "Radiating Leg Pain").
        Besides, the broader descriptor the text names as well (Hernia, one tree level above
        Intervertebral Disc Displacement, in "Lumbar Disc Herniation"; Back Pain in "Low Back Pain")."""
        links = self._link_condition(text)
        if links:
            self._add_broader(text, links)
        return links

    def _link_condition(self, text: str) -> list[Link]:
        hit = self._known(self._conditions.get(text))
        if hit and hit[0] in self._names_of:
            return [Link(hit[0], hit[1], text.strip())]
        if hit:  # a procedure, discipline, anatomy ... given as the condition ("Diskectomy", "Surgery")
            return []
        rules = self._rules.get("condition")
        if rules is not None:
            ruled = rules.get(text)
            if ruled:
                return [Link(ruled[0][0], "CURATED_RULE", text.strip(), ruled[0][1])]
        links: dict[str, Link] = {}
        for index, method in ((rules, "CURATED_RULE"), (self._condition_parts, None)):
            if index is None:
                continue
            for match in index.find(text):
                if method == "CURATED_RULE":
                    descriptor, note = match.values[0]
                    links.setdefault(descriptor, Link(descriptor, method, match.text, note))
                else:
                    hit = self._known(match.values)
                    if hit and hit[0].removeprefix(MESH_NS) not in TOO_GENERAL_INSIDE:
                        links.setdefault(hit[0], Link(hit[0], hit[1], match.text,
                                                      "a MeSH name found inside the condition text"))
            if links:
                break
        return list(links.values())

    def _add_broader(self, text: str, links: list[Link]) -> None:
        tokens = [w for w, _, _ in condition_words(text)]
        have = {link.target for link in links}
        for link in list(links):
            for broader in self.mesh_broader.get(link.target, ()):
                if broader in have or broader.removeprefix(MESH_NS) in TOO_GENERAL_INSIDE:
                    continue
                named = next((key for key in self._names_of.get(broader, ()) if _names(tokens, key)), None)
                if named:
                    have.add(broader)
                    links.append(Link(broader, "BROADER_TERM", link.matched,
                                      f"the text also names {' '.join(named)!r}, the descriptor one tree level above"))

    def split_conditions(self, line: str) -> list[str]:
        """Conditions printed on one line without separators, split where known names start.

        Words that belong to no known name stay with the name that follows them (qualifiers come
        first in English: "Refractory Immune Cytopenias"); trailing ones with the name before.

        >>> linker = Linker(mesh_names=[MeshName("m1", "Blood Cancer", "ENTRY_TERM", True)],
        ...                 rules=[Rule("immune cytopenias", "m2", "condition", "curated")])
        >>> linker.split_conditions("Blood Cancer Refractory Immune Cytopenias")
        ['Blood Cancer', 'Refractory Immune Cytopenias']
        """
        tokens = condition_words(line)
        if not tokens:
            return []
        spans: list[tuple[int, int]] = []
        indexes = [self._conditions, *self._rules.values()]
        i = 0
        while i < len(tokens):
            best = 0
            for index in indexes:
                for n in range(min(index.longest, len(tokens) - i), best, -1):
                    if tuple(t[0] for t in tokens[i : i + n]) in index._phrases:
                        best = n
                        break
            if best:
                spans.append((i, i + best))
                i += best
            else:
                i += 1
        if len(spans) <= 1:
            return [line.strip()]
        pieces: list[tuple[int, int]] = []
        previous_end = 0
        for k, (_, end) in enumerate(spans):
            pieces.append((previous_end, end if k < len(spans) - 1 else len(tokens)))
            previous_end = end
        return [line[tokens[a][1] : tokens[b - 1][2]].strip() for a, b in pieces]

    def find_conditions(self, text: str, scope: str) -> list[Link]:
        """Conditions named in free text: curated rules of this scope, and for ``summary`` the
        names of disease descriptors (MeSH tree C)."""
        links: dict[str, Link] = {}
        if scope == "summary":  # MeSH names first: they say more than an abbreviation
            for match in self._diseases.find(text):
                hit = self._known(match.values)
                if hit and hit[0] not in links:
                    links[hit[0]] = Link(hit[0], "TEXT_MENTION", match.text,
                                         "a disease named in the summary of a record that lists no condition")
        rules = self._rules.get(scope)
        if rules is not None:
            for match in rules.find(text):
                descriptor, note = match.values[0]
                links.setdefault(descriptor, Link(descriptor, "CURATED_RULE", match.text, note))
        return list(links.values())

    # --- entity resolution -------------------------------------------------------------------

    def resolve(self, kind: str, name: str) -> tuple[str, str | None]:
        """The canonical name of an entity and the reason, when a curated decision renames it."""
        found = self.resolutions.get((kind, norm(name)))
        if found is None:
            return name, None
        return found


# --- building a linker from the store -----------------------------------------------------------

_DRUG_NAMES = """
SELECT DISTINCT ?g ?d ?name ?kind WHERE {
  GRAPH ?g { ?d a tg:Drug .
    { ?d rdfs:label ?name BIND("INN" AS ?kind) }
    UNION { ?d tg:brandName ?name BIND("BRAND_NAME" AS ?kind) }
    UNION { ?d tg:developmentCode ?name BIND("DEVELOPMENT_CODE" AS ?kind) }
    UNION { ?d skos:altLabel ?name BIND("SYNONYM" AS ?kind) } }
  FILTER(STRSTARTS(STR(?g), "%(reference)s"))
}"""
#: identifiers that make two drug nodes one drug (DrugBank ids, UNIIs) and MeSH identifiers
_DRUG_XREFS = """
SELECT DISTINCT ?g ?d ?x WHERE {
  GRAPH ?g { ?d a tg:Drug ; skos:exactMatch ?x }
  FILTER(STRSTARTS(STR(?g), "%(reference)s"))
  FILTER(STRSTARTS(STR(?x), "https://bioregistry.io/drugbank:") || STRSTARTS(STR(?x), "https://bioregistry.io/unii:")
         || STRSTARTS(STR(?x), STR(mesh:)))
}"""
#: which source's node a trial links to when several describe one drug: the curated table first,
#: then DrugCentral (its nodes carry the mechanism targets), then DrugBank, then anything else
_CURATED, _DRUGCENTRAL, _DRUGBANK, _OTHER = range(4)
#: reference graph names (after ``tgg:reference/``) by the source rank they begin with
_SOURCE_RANK = (("drugs", _CURATED), ("drugcentral", _DRUGCENTRAL), ("drugbank", _DRUGBANK))
#: sources that never give one drug two nodes: two of their nodes are two drugs
_ONE_NODE_PER_DRUG = frozenset({_CURATED, _DRUGCENTRAL})


def _rank(graph: str) -> int:
    local = graph.removeprefix(REFERENCE_GRAPH_NS)
    return next((rank for prefix, rank in _SOURCE_RANK if local.startswith(prefix)), _OTHER)


class _Clusters:
    """Drug nodes joined by shared DrugBank ids and UNIIs (union-find). Two nodes that one source
    keeps apart (two DrugCentral drugs citing one DrugBank id) are never joined: the source knows
    they are different drugs."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.sources: dict[str, frozenset[int]] = {}  #: root -> the ranks of the sources in it

    def find(self, node: str) -> str:
        parent = self.parent.setdefault(node, node)
        while parent != node:
            grand = self.parent[parent]
            self.parent[node] = grand
            node, parent = parent, grand
        return node

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        sa, sb = self.sources.get(ra, frozenset()), self.sources.get(rb, frozenset())
        if sa & sb & _ONE_NODE_PER_DRUG:
            return
        root, other = min(ra, rb), max(ra, rb)
        self.parent[other] = root
        self.sources[root] = sa | sb


def drug_clusters(names: Iterable[tuple[str, str]], xrefs: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """Drug node -> the node a trial links to for it. ``names`` are (graph, drug) pairs, ``xrefs``
    (graph, drug, identifier IRI); nodes sharing a DrugBank id or UNII are one drug, and the
    representative is the node of the best-ranked source (then the smallest IRI)."""
    clusters = _Clusters()
    rank: dict[str, int] = {}
    for graph, drug in names:
        rank[drug] = min(rank.get(drug, 9), _rank(graph))
    xrefs = sorted(xrefs)
    for graph, drug, _ in xrefs:
        rank[drug] = min(rank.get(drug, 9), _rank(graph))
    for drug, r in rank.items():
        clusters.find(drug)
        clusters.sources[drug] = frozenset({r})
    for graph, drug, x in xrefs:
        if not x.startswith(MESH_NS):
            clusters.join(drug, x)
    best: dict[str, str] = {}
    for drug in rank:
        root = clusters.find(drug)
        current = best.get(root)
        if current is None or (rank[drug], drug) < (rank[current], current):
            best[root] = drug
    return {drug: best[clusters.find(drug)] for drug in rank}


#: the names a MeSH graph gives its own descriptors (not the labels the trial records state beside
#: them, so the linker is the same whatever trials were loaded before: see reference_stamp)
_MESH_NAMES = """
SELECT DISTINCT ?m ?name ?kind WHERE { GRAPH ?g {
  ?m a meshv:TopicalDescriptor .
  { ?m rdfs:label ?name BIND("PREFERRED_LABEL" AS ?kind) }
  UNION { ?m skos:altLabel ?name BIND("ENTRY_TERM" AS ?kind) }
  UNION { ?m (meshv:preferredConcept|meshv:concept)/(meshv:preferredTerm|meshv:term)/meshv:prefLabel ?name
          BIND("ENTRY_TERM" AS ?kind) } }
}"""
#: what the reference graphs are: each written one with its write time and size, and how many
#: descriptors or drugs every graph a linker reads them from holds
_REFERENCE_STAMP = """
SELECT ?g ?t ?c WHERE { GRAPH ?g { ?g a tg:ReferenceSource OPTIONAL { ?g prov:generatedAtTime ?t }
                                   OPTIONAL { ?g rdfs:comment ?c } } }"""
_NAMED_THINGS = """
SELECT ?g (COUNT(?x) AS ?n) WHERE { GRAPH ?g { { ?x a meshv:TopicalDescriptor } UNION { ?x a tg:Drug
  FILTER(STRSTARTS(STR(?g), "%(reference)s")) } } } GROUP BY ?g"""


def reference_stamp(store, extra: bytes = b"") -> str:  # noqa: ANN001 - a store
    """A digest of the state of everything :func:`from_store` reads, from a few small queries.

    Each reference graph carries when it was written and how many records it holds; every graph
    the linker takes drugs or MeSH descriptors from is counted. A load that finds the same stamp as
    the one its records were mapped under knows, without building a linker (seconds with the open
    reference), that the linker would be the same: writing any reference graph again changes its
    time, so the stamp changes too (and the records are mapped again, which is then safe, if
    sometimes more than needed). ``extra`` adds what else a linker is built from (curated rules).
    """
    rows = sorted(f"{r['g'].value}\t{r['t'].value if r['t'] else ''}\t{r['c'].value if r['c'] else ''}"
                  for r in store.query(_REFERENCE_STAMP))
    rows += sorted(f"{r['g'].value}\t{r['n'].value}"
                   for r in store.query(_NAMED_THINGS % {"reference": REFERENCE_GRAPH_NS}))
    digest = hashlib.blake2b("\n".join(rows).encode("utf-8"), digest_size=16)
    digest.update(extra)
    return "stamp:" + digest.hexdigest()
_DISEASES = """
SELECT DISTINCT ?m WHERE { ?m meshv:treeNumber ?n FILTER(STRSTARTS(STR(?n), CONCAT(STR(mesh:), "C"))) }"""
_BEHAVIOURAL = """
SELECT DISTINCT ?m WHERE { ?m meshv:treeNumber ?n
  FILTER(STRSTARTS(STR(?n), CONCAT(STR(mesh:), "F01")) || STRSTARTS(STR(?n), CONCAT(STR(mesh:), "F03"))) }"""


_TREE_NUMBERS = """
SELECT DISTINCT ?m ?n WHERE { ?m meshv:treeNumber ?n
  FILTER(STRSTARTS(STR(?n), CONCAT(STR(mesh:), "C")) || STRSTARTS(STR(?n), CONCAT(STR(mesh:), "F"))) }"""


def mesh_broader(store) -> dict[str, tuple[str, ...]]:  # noqa: ANN001 - a store
    """Each descriptor of the C and F trees -> the descriptors that hold its tree numbers' parents."""
    holder: dict[str, set[str]] = {}
    numbers: dict[str, list[str]] = {}
    for r in store.query(_TREE_NUMBERS):
        number = r["n"].value.removeprefix(MESH_NS)
        holder.setdefault(number, set()).add(r["m"].value)
        numbers.setdefault(r["m"].value, []).append(number)
    out: dict[str, tuple[str, ...]] = {}
    for descriptor, own in numbers.items():
        up = {h for n in own if "." in n for h in holder.get(n.rsplit(".", 1)[0], ()) if h != descriptor}
        if up:
            out[descriptor] = tuple(sorted(up))
    return out


_INVERTED = re.compile(r"^([^,()]+), ([^,()]+)$")


def _natural_order(names: list[MeshName]) -> list[MeshName]:
    """MeSH's inverted names in natural order ("Dermatitis, Atopic" → "Atopic Dermatitis"), where
    no descriptor already has that name: registry conditions are written the natural way.

    >>> [n.name for n in _natural_order([MeshName("m", "Dermatitis, Atopic", "PREFERRED_LABEL", True)])]
    ['Atopic Dermatitis']
    """
    known = {norm(n.name) for n in names}
    out: dict[str, MeshName] = {}
    for n in names:
        match = _INVERTED.match(n.name)
        if match is None:
            continue
        natural = f"{match.group(2).strip()} {match.group(1).strip()}"
        key = norm(natural)
        if key in known:
            continue
        if key in out and out[key].descriptor != n.descriptor:
            out[key] = out[key]._replace(descriptor="")  # two descriptors invert to it: neither
            continue
        out.setdefault(key, n._replace(name=natural, method="INVERTED_TERM"))
    return [n for n in out.values() if n.descriptor]


def from_store(store, rules: Iterable = (), resolutions: Iterable = ()) -> Linker:  # noqa: ANN001 - a store
    """A linker over the drugs of the store's reference graphs and every MeSH descriptor it holds,
    plus curated condition rules and entity resolutions (records of :mod:`graph.records`).

    Drug nodes of several sources that share a DrugBank id or UNII are one drug: every name of any
    of them links to the representative node (:func:`drug_clusters`), so a name is ambiguous only
    when it names two different drugs."""
    reference = {"reference": REFERENCE_GRAPH_NS}
    rows = [(r["g"].value, r["d"].value, r["name"].value, r["kind"].value) for r in store.query(_DRUG_NAMES % reference)]
    xrefs = [(r["g"].value, r["d"].value, r["x"].value) for r in store.query(_DRUG_XREFS % reference)]
    canonical = drug_clusters(((g, d) for g, d, _, _ in rows), xrefs)
    drugs = sorted({DrugName(canonical[d], name, kind, g) for g, d, name, kind in rows})
    by_mesh: dict[str, set[str]] = {}
    for _, drug, x in xrefs:
        if x.startswith(MESH_NS):
            by_mesh.setdefault(x, set()).add(canonical[drug])
    diseases = {r["m"].value for r in store.query(_DISEASES)}
    behavioural = {r["m"].value for r in store.query(_BEHAVIOURAL)}
    mesh = [
        MeshName(r["m"].value, r["name"].value, r["kind"].value, r["m"].value in diseases, r["m"].value in behavioural)
        for r in store.query(_MESH_NAMES)
    ]
    mesh += _natural_order(mesh)
    broader = mesh_broader(store)
    # a preferred label also listed as an entry term: keep it as the preferred label
    mesh.sort(key=lambda n: (n.descriptor, n.method != "PREFERRED_LABEL"))
    return Linker(
        drug_names=drugs,
        mesh_names=mesh,
        rules=[Rule(r.phrase, iris.mesh(r.mesh_ui), r.scope, r.note) for r in rules],
        resolutions={(r.kind, norm(r.variant)): (r.canonical, r.reason) for r in resolutions},
        # a MeSH identifier two drugs claim names neither
        drug_by_mesh={m: next(iter(d)) for m, d in sorted(by_mesh.items()) if len(d) == 1},
        mesh_broader=broader,
    )
