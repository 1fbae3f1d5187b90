"""What an intervention's name says about the drugs in it: pure text rules, no reference data.

The registry's intervention names carry much besides the drug: doses and units ("Cisplatin
75mg/m2"), routes and schedules ("TY-9591(10mg,40mg) qd. po"), formulations ("Neratinib tablets"),
several drugs at once ("paclitaxel/carboplatin", "A + B", "A and B"), salts ("erlotinib
hydrochloride"), and names that are no drug at all ("Placebo", "Chemotherapy", "Standard Therapy").
These functions take such a name apart; :class:`graph.linking.Linker` looks the parts up.

>>> clean_name("Cisplatin 75mg/m2")
'Cisplatin'
>>> clean_name("TY-9591(10mg,40mg) qd. po")
'TY-9591'
>>> combination_parts("Vinorelbine, cisplatin")
['Vinorelbine', 'cisplatin']
>>> fold_salt("Erlotinib Hydrochloride Tablets")
'Erlotinib'
>>> role("Placebo matching Spesolimab Formulation 1")
('CONTROL', 'Spesolimab Formulation 1')
"""

from __future__ import annotations

import re

_UNIT = r"(?:mg|g|mcg|µg|μg|ug|ng|ml|mL|l|L|iu|IU|units?|U|mmol|mol|%|mg/m2|mg/m²|mg/kg|mcg/kg|µg/kg|ppm|gy|Gy)"
_PER = r"(?:\s*/\s*(?:m2|m²|kg|day|d|dose|ml|mL|capsule|tablet|week|h|hr|hour|min))*"
_DOSE = re.compile(
    rf"(?<![\w-])\d+(?:[.,]\d+)?(?:\s*[-–]\s*\d+(?:[.,]\d+)?)?\s*{_UNIT}{_PER}(?![\w])"  # 75mg/m2, 0.5%, 10-20 mg
    r"|(?<![\w-])\d+(?:[.,]\d+)?\s*:\s*\d[\d,]*(?![\w])",  # 1:200,000
    re.IGNORECASE,
)
#: words about how, how much and how often, not what
_FORM_WORDS = (
    r"tablets?|tabs?|capsules?|caps|pills?|injections?|injectable|infusions?|suspensions?|solutions?|"
    r"emulsions?|powder|lyophili[sz]ed|concentrate|for|oral(?:ly)?|intravenous(?:ly)?|iv|i\.v|subcutaneous(?:ly)?|sc|s\.c|"
    r"intramuscular(?:ly)?|im|topical|ophthalmic|nasal|inhaled|inhalation|transdermal|patch(?:es)?|cream|gel|ointment|"
    r"spray|drops?|eye|film[- ]coated|extended[- ]release|sustained[- ]release|modified[- ]release|delayed[- ]release|"
    r"er|xr|sr|po|qd|bid|tid|qid|qw|q2w|q3w|q4w|once|twice|daily|weekly|monthly|dosing|doses?|dosage|regimen|"
    r"high|mid|middle|medium|low|formulation|group|arm|cohort|treatment|blinded|unblinded|open[- ]label|"
    r"genetical|recombination|recombinant|product|study|drug|investigational|administration|mode|of|"
    r"a|an|the|day|days|per|every|one|two|alone|only|monotherapy|single[- ]agent|loading|maintenance|"
    r"phase|determined|as|in|1|2|3|4|i|ii|iontophoresis|nebuli[sz]ed|nebuli[sz]ation|instillation"
)
_FORM = re.compile(rf"(?<![\w-])(?:{_FORM_WORDS})\.?(?![\w-])", re.IGNORECASE)
_TRADEMARK = re.compile(r"[®™©℠]|\(\s*(?:TM|R)\s*\)|\bTM\b")
_EMPTY_PARENS = re.compile(r"\(\s*[,;:./\-\s]*\)|\[\s*\]")
_SPACES = re.compile(r"\s+")
_EDGE = re.compile(r"^[\s,;:./+&\-–]+|[\s,;:./+&\-–]+$")

#: salts, esters and hydrates named after the active ingredient (``erlotinib hydrochloride``)
_SALT_WORDS = (
    r"hydrochloride|dihydrochloride|hcl|hydrobromide|mesylate|mesilate|dimesylate|besylate|besilate|tosylate|"
    r"maleate|dimaleate|malate|fumarate|hemifumarate|citrate|tartrate|bitartrate|succinate|hemisuccinate|"
    r"sodium|disodium|potassium|calcium|magnesium|lithium|zinc|sulfate|sulphate|bisulfate|phosphate|"
    r"diphosphate|acetate|diacetate|propionate|dipropionate|valerate|benzoate|butyrate|lactate|gluconate|"
    r"meglumine|tromethamine|trometamol|bromide|chloride|iodide|nitrate|oxalate|palmitate|pamoate|stearate|"
    r"hydrate|monohydrate|dihydrate|trihydrate|sesquihydrate|hemihydrate|anhydrous|free base|base|"
    r"mononitrate|dinitrate|ditosylate|xinafoate|fosamil|medoxomil|axetil|pivoxil|etexilate|mofetil|"
    r"cypionate|enanthate|decanoate|undecanoate|hyclate|salicylate"
)
_SALT = re.compile(rf"(?:\s+(?:{_SALT_WORDS}))+\s*$", re.IGNORECASE)

#: separators between the drugs of a combination (outside parentheses)
_JOINERS = re.compile(
    r"\s*(?:/|\+|;|；|，|,|&|\bplus\b|\band\b|\bwith\b|\bor\b|\bcombined with\b|\bin combination with\b|"
    r"\bfollowed by\b|\bvs\.?\b|\bversus\b)\s*",
    re.IGNORECASE,
)

# --- what a name is when it is no one drug -------------------------------------------------------

_PLACEBO = re.compile(r"\b(?:placebos?|dummy|sham|vehicle|(?:normal |physiological |isotonic )?saline|"
                      r"sugar pill|inactive (?:tablet|capsule|substance)s?)\b", re.IGNORECASE)
#: "Placebo matching X", "Placebo for X", "Placebo of X", "X placebo", "Placebo X"
_PLACEBO_OF = re.compile(
    r"^\s*(?:matching\s+)?placebos?\s*(?:(?:matching|to match|for|of|to|corresponding to|identical to)\s+|[-:(]\s*|(?=\w))"
    r"(?P<drug>.+?)\)?\s*$"
    r"|^\s*(?P<before>.+?)[\s-]+(?:matching\s+)?placebos?\s*$",
    re.IGNORECASE,
)
_STANDARD = re.compile(
    r"\b(?:standard(?:[- ]of[- ]care)?|usual care|best (?:available|supportive) (?:therapy|care)|"
    r"conventional (?:medicine|drugs?|therapy|treatment)|physician'?s'? choice|investigator'?s'? choice|"
    r"routine care|soc|bat)\b",
    re.IGNORECASE,
)
_CLASS = re.compile(
    r"\b(?:chemotherapy|chemotherapies|immunotherapy|immunotherapies|inhibitors?|antibod(?:y|ies)|"
    r"herbal medicine|traditional (?:chinese |herbal )?medicine|pharmacological therapy|pharmacotherapy|"
    r"other drugs?|drug therapy|endocrine therapy|hormon(?:e|al) therapy|targeted therapy|"
    r"analgesics?|antibiotics?|anti-?inflammator(?:y|ies)|steroids?|corticosteroids?|vaccines?|"
    r"anesthetics?|anaesthetics?|supplements?|vitamins?|epidural injection|nerve block)\b",
    re.IGNORECASE,
)

#: what a test, a sample or a device registered as a drug is called: it names no substance
#: ("Blood samples for Chemistry", "Pregnancy test", "PerQdisc Nucleus Replacement System")
_NO_SUBSTANCE = re.compile(
    r"\b(?:blood (?:samples?|draws?|tests?)|samples?|sampling|tests?|testing|assays?|biops(?:y|ies)|"
    r"devices?|implants?|disc|nucleus replacement|replacement system)\b",
    re.IGNORECASE,
)


#: registry MeSH terms that name a class, a procedure or a test, never one drug
_CLASS_TERM = re.compile(r"(?:inhibitors|agents|antibodies|preparations|therapy|therapies|tests|vaccines|drugs|"
                         r"procedures|protocols?|products|solutions|combinations?|compounds|radiotherapy|radiation)$|"
                         r"\bas topic\b|,", re.IGNORECASE)


def is_class_term(term: str) -> bool:
    """Whether a MeSH term names a class, procedure or test ("Immune Checkpoint Inhibitors",
    "Pregnancy Tests", "Clinical Trials, Phase I as Topic") rather than one drug."""
    return bool(_CLASS_TERM.search(term))


def clean_name(name: str) -> str:
    """The name without doses, units, routes, schedules, formulations and trademark signs."""
    text = _TRADEMARK.sub(" ", name)
    text = text.replace("_", " ")
    previous = None
    while previous != text:
        previous = text
        text = _DOSE.sub(" ", text)
        text = _FORM.sub(" ", text)
        text = _EMPTY_PARENS.sub(" ", text)
    text = _SPACES.sub(" ", text)
    return _EDGE.sub("", text).strip()


def fold_salt(name: str) -> str:
    """The active ingredient of a salt, ester or hydrate's name; the name itself when it names none."""
    base = _SALT.sub("", clean_name(name))
    return base if base and base != name else name


def _top_level(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` outside parentheses and brackets."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{（":
            if depth == 0 and i > start:
                spans.append((start, i))
            depth += 1
        elif ch in ")]}）" and depth:
            depth -= 1
            if depth == 0:
                start = i + 1
    if depth == 0 and start < len(text):
        spans.append((start, len(text)))
    return spans


def combination_parts(name: str) -> list[str]:
    """The parts of a name that joins several drugs; one part when it joins none.

    Separators inside parentheses do not split ("Pregabaline (150mg), Dexamethasone (20mg/5ml)"
    is two parts, each with its parenthesis).
    """
    cuts: list[tuple[int, int]] = []
    for start, end in _top_level(name):
        cuts.extend(match.span() for match in _JOINERS.finditer(name, start, end))
    if not cuts:
        return [name.strip()]
    parts, last = [], 0
    for a, b in cuts:
        parts.append(name[last:a])
        last = b
    parts.append(name[last:])
    return [p.strip() for p in parts if p.strip() and re.search(r"\w", p)]


def role(name: str, other_names: tuple[str, ...] | list[str] = ()) -> tuple[str | None, str | None]:
    """What a drug-type intervention is when it names no drug under test: ``CONTROL`` (with the drug
    a placebo imitates, when named), ``STANDARD_OF_CARE``, ``DRUG_CLASS`` or ``NO_SUBSTANCE`` (a
    test, a sample or a device, by its name or one of its ``other_names``); (None, None) for a name
    that may be a drug. ``DRUG_CLASS`` and ``NO_SUBSTANCE`` are only candidates: the caller uses
    them when no drug links.

    >>> role("Blood samples for Hematology")
    ('NO_SUBSTANCE', None)
    >>> role("PerQdisc", ["PerQdisc Nucleus Replacement System"])
    ('NO_SUBSTANCE', None)
    """
    if _PLACEBO.search(name):
        match = _PLACEBO_OF.match(name)
        imitated = None
        if match:
            imitated = (match.group("drug") or match.group("before") or "").strip() or None
            if imitated and (_PLACEBO.search(imitated) or not re.search(r"[A-Za-z]{3}", imitated)):
                imitated = None
        return "CONTROL", imitated
    if _STANDARD.search(name):
        return "STANDARD_OF_CARE", None
    if _CLASS.search(name):
        return "DRUG_CLASS", None
    if any(_NO_SUBSTANCE.search(text) for text in (name, *other_names)):
        return "NO_SUBSTANCE", None
    return None, None


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of two strings, or ``limit + 1`` once it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            best = min(best, current[j])
        if best > limit:
            return limit + 1
        previous = current
    return previous[-1]
