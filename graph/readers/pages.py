"""Semi-structured trial pages, in the two layouts of ``seeds/``.

* The **summary page**: headings ``Clinical Trial Summary``, ``Clinical Trial Description``,
  ``Study Design`` and ``Related Conditions & MeSH terms``, and a block of ``Key value`` lines
  (``NCT number NCT…``, ``Study type Expanded Access``, ``Source …``, ``Contact …``, ``Phone …``,
  ``Email …``, ``Status …``, ``Phase …``).
* The **sectioned page**: a title line, ``NCT ID: …``, ``Last Updated: …``, then sections, each a
  heading line and a one-sentence blurb of the site's own (``Basic Information``, ``Brief
  Summary``, ``Conditions``, ``Study Design``, ``Study Groups``, ``Interventions``, ``Eligibility
  Criteria``, ``Sponsors``, ``Locations``, ``Central Contacts``, ``Facility Contacts`` …). Inside a
  section, fields are ``Label`` / value line pairs (``Clinical Phase`` / ``PHASE2``), ``Key value``
  lines (``Site Status RECRUITING``) or ``Key: value`` lines (``Role: CONTACT``).

The layout is recognised from the content. Headings are matched case-insensitively, in any order,
with any number of blank lines and trailing spaces; a section may be missing. Each page gives one
:class:`~graph.records.Trial`, the same record the registry JSON reader gives. What the page does
not state stays empty, what the reader could not place is reported in ``Trial.warnings``; only
the NCT id is required, and a malformed value (an impossible date, an enrollment that is not a
number) rejects the page with an :class:`~graph.errors.InputError` naming the field.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graph.errors import InputError
from graph.readers.base import RawRecord, decode_utf8, open_binary
from graph.readers.fields import MAX_TEXT, parse_age, parse_date
from graph.records import (
    Age,
    Arm,
    Contact,
    DatePoint,
    Eligibility,
    Intervention,
    Location,
    Official,
    Organization,
    RelatedTrial,
    ResponsibleParty,
    SecondaryId,
    Trial,
    WebLink,
)
from graph.terms import clean_text
from graph.vocab import SCHEMES

FORMAT = "trial-page"
SUMMARY_LAYOUT = "summary"
SECTIONED_LAYOUT = "sectioned"
#: Largest page accepted; real pages are tens of kilobytes.
MAX_PAGE_BYTES = 20_000_000
MAX_ENROLLMENT = 100_000_000
NCT_ID = re.compile(r"^NCT\d{8}$")

EXPECTED_LAYOUTS = (
    "a trial page of one of two layouts: the 'Clinical Trial Summary' page (headings Clinical Trial "
    "Summary, Clinical Trial Description, Study Design, Related Conditions & MeSH terms and lines such "
    "as 'NCT number NCT…') or the sectioned page (a title line, 'NCT ID: NCT…' and sections such as "
    "Basic Information, Brief Summary, Eligibility Criteria, Sponsors, Locations)"
)

# --- layouts: headings and markers -------------------------------------------------------------

#: Headings of the summary page, by their normalised text.
_SUMMARY_HEADINGS = {
    "clinical trial summary": "Clinical Trial Summary",
    "clinical trial description": "Clinical Trial Description",
    "study design": "Study Design",
    "related conditions & mesh terms": "Related Conditions & MeSH terms",
    "related conditions and mesh terms": "Related Conditions & MeSH terms",
}
#: The key of each ``Key value`` line of the summary page.
_SUMMARY_KEYS = ("NCT number", "Study type", "Source", "Contact", "Phone", "Email", "Status", "Phase")

#: Headings of the sectioned page, by their normalised text.
_SECTIONED_HEADINGS = {
    name.casefold(): name
    for name in (
        "Study Results", "Basic Information", "Brief Summary", "Detailed Description", "Conditions",
        "Study Design", "Study Groups", "Interventions", "Eligibility Criteria", "Sponsors",
        "Responsible Party", "Principal Investigators", "Locations", "Countries", "Central Contacts",
        "Facility Contacts", "Related Links", "Other Identifiers", "More Related Trials",
    )
}

_SUMMARY_MARKERS = frozenset({"clinical trial summary", "clinical trial description", "related conditions & mesh terms"})
_SECTIONED_MARKERS = frozenset(_SECTIONED_HEADINGS) - {"study design"}
_NCT_NUMBER_LINE = re.compile(r"^[ \t]*NCT[ \t]+number\b", re.IGNORECASE | re.MULTILINE)
#: How many lines from the top a page shows its layout in ("Clinical Trial Summary", "NCT ID: …").
_OPENING_LINES = 12
_SECTIONED_LINES = re.compile(r"^[ \t]*(?:NCT[ \t]+ID|Last[ \t]+Updated)[ \t]*:", re.IGNORECASE | re.MULTILINE)


def _norm(line: str) -> str:
    """A line as compared with headings and labels: spaces collapsed, no trailing colon, case-folded."""
    return " ".join(line.split()).rstrip(":").strip().casefold()


def layout_of(text: str) -> str | None:
    r"""``summary``, ``sectioned`` or None: the layout whose headings and marker lines the text has.

    A layout needs at least two of its markers, and more than the other layout; failing that, a
    page whose first lines hold ``Clinical Trial Summary`` or ``NCT ID: …`` is of that layout
    (so that the first kilobytes of a page with a long summary are recognised too).

    >>> layout_of("Clinical Trial Summary\n\nText.\n\nNCT number NCT01234567\n")
    'summary'
    >>> layout_of("A title\nNCT ID: NCT01234567\n") , layout_of("Some other text\n")
    ('sectioned', None)
    """
    lines = {_norm(line) for line in text.splitlines()}
    summary = len(lines & _SUMMARY_MARKERS) + bool(_NCT_NUMBER_LINE.search(text))
    sectioned = len(lines & _SECTIONED_MARKERS) + len(_SECTIONED_LINES.findall(text))
    if max(summary, sectioned) >= 2 and summary != sectioned:
        return SUMMARY_LAYOUT if summary > sectioned else SECTIONED_LAYOUT
    opening = _content(text.splitlines()[:_OPENING_LINES])
    if any(_norm(line) == "clinical trial summary" for line in opening):
        return SUMMARY_LAYOUT
    if any(_SECTIONED_LINES.match(line) for line in opening):
        return SECTIONED_LAYOUT
    return None


# --- reading ------------------------------------------------------------------------------------


def looks_like(head: bytes) -> bool:
    """Whether the first bytes of a file are a trial page of a known layout."""
    return layout_of(head.decode("utf-8-sig", errors="ignore")) is not None


def read(path: Path, label: str | None = None) -> Iterator[RawRecord | InputError]:
    """One raw record per page: the file's bytes (gzip is undone)."""
    label = label or str(path)
    try:
        size = path.stat().st_size
        with open_binary(path) as stream:
            data = stream.read(MAX_PAGE_BYTES + 1)
            if len(data) <= MAX_PAGE_BYTES:
                stream.read(1)  # at the end: raises if a gzip page turned out truncated
    except OSError as exc:
        yield InputError(f"cannot read the file ({exc.strerror or exc})", source=label, expected="a readable file")
        return
    except InputError as exc:
        yield InputError(exc.problem, source=label, expected=exc.expected)
        return
    if len(data) > MAX_PAGE_BYTES:
        yield InputError("too large for a trial page", source=label, expected=f"at most {MAX_PAGE_BYTES:,} bytes")
        return
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        yield InputError("the file is empty", source=label, expected=EXPECTED_LAYOUTS)
        return
    yield RawRecord(FORMAT, label, "", data, size)


# --- parsing ------------------------------------------------------------------------------------


def parse(raw: RawRecord) -> list[Trial | InputError]:
    """The trial of one page, or the error that rejects it."""
    payload = raw.payload
    try:
        text = payload if isinstance(payload, str) else decode_utf8(payload, raw.source, raw.position)
        return [parse_page(text, source=raw.source)]
    except InputError as exc:
        if exc.record is None and not raw.position:  # name the page by the one NCT id it mentions, if so
            text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            mentioned = set(_ANY_NCT.findall(text))
            return [exc.located(source=raw.source, record=mentioned.pop() if len(mentioned) == 1 else None)]
        return [exc.located(source=raw.source, record=raw.position or None)]


def parse_page(text: str, source: str = "") -> Trial:
    """A :class:`Trial` from the text of one page of either layout."""
    text = clean_text(text).lstrip("\ufeff")
    layout = layout_of(text)
    if layout is None:
        raise InputError("page layout not recognised", expected=EXPECTED_LAYOUTS)
    _check_line_lengths(text, layout)
    lines = [line.rstrip() for line in text.splitlines()]
    parser = _parse_summary_page if layout == SUMMARY_LAYOUT else _parse_sectioned_page
    trial = parser(lines, source)
    trial.warnings = list(dict.fromkeys(trial.warnings))
    return trial


_ANY_NCT = re.compile(r"\bNCT\d{8}\b")


def _check_line_lengths(text: str, layout: str) -> None:
    """A line longer than any field may be (:data:`~graph.readers.fields.MAX_TEXT`) rejects the
    page, naming the section it is in."""
    if len(text) <= MAX_TEXT:
        return
    headings = _SUMMARY_HEADINGS if layout == SUMMARY_LAYOUT else _SECTIONED_HEADINGS
    section = "title line" if layout == SECTIONED_LAYOUT else "page header"
    start = 0
    for line in text.splitlines():
        heading = headings.get(_norm(line)) if len(line) < 200 else None
        if heading is not None:
            section = heading
        elif len(line) > MAX_TEXT:
            nct = _ANY_NCT.search(text, 0, start) or _ANY_NCT.search(text, start + len(line))
            raise InputError(f"a line of {len(line):,} characters", record=nct.group() if nct else None,
                             field=section, expected=f"at most {MAX_TEXT:,} characters in one field")
        start += len(line) + 1


def _new_trial(nct: str | None, field_name: str, source: str) -> Trial:
    if nct is None:
        raise InputError("no NCT id", field=field_name, expected=f"a '{field_name}' line with an NCT id such as NCT01234567")
    nct_norm = nct.strip().upper()
    if not NCT_ID.match(nct_norm):
        raise InputError(f"{nct.strip()!r} is not an NCT id", field=field_name, expected="NCT followed by 8 digits")
    return Trial(nct_id=nct_norm, source=source, source_format=FORMAT)


def _missing(trial: Trial, parts: Iterable[tuple[str, object]]) -> None:
    absent = [name for name, value in parts if not value]
    if absent:
        trial.warnings.insert(0, "loaded without " + ", ".join(absent))


# --- line helpers --------------------------------------------------------------------------------


def _content(lines: Iterable[str]) -> list[str]:
    """The non-empty lines, stripped."""
    return [line.strip() for line in lines if line.strip()]


def _prose(lines: Iterable[str]) -> str | None:
    """Lines as one text: outer blank lines dropped, runs of blank lines made one."""
    text = "\n".join(line.rstrip() for line in lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text) or None


def _key_pattern(key: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(word) for word in key.split())
    return re.compile(rf"^\s*{words}(?:\s*:\s*|\s+|\s*$)(?P<value>.*)$", re.IGNORECASE)


_KEY_PATTERNS: dict[str, re.Pattern[str]] = {}


def _keyed(line: str, key: str) -> str | None:
    """The value of a ``Key value`` or ``Key: value`` line ('' for the key alone), else None."""
    pattern = _KEY_PATTERNS.get(key)
    if pattern is None:
        pattern = _KEY_PATTERNS[key] = _key_pattern(key)
    match = pattern.match(line)
    return match.group("value").strip() if match else None


def _is_keyed(key: str) -> Callable[[str], bool]:
    return lambda line: _keyed(line, key) is not None


def _labelled(lines: list[str], labels: Iterable[str]) -> tuple[dict[str, str | None], list[str]]:
    """Values of labelled fields, and the lines that belong to none.

    A field is a label line with its value on the next non-empty line (``Clinical Phase`` then
    ``PHASE2``) or label and value on one line (``Intervention Model SINGLE_GROUP``, ``Sex: ALL``).
    Keys of the result are the labels as given; the other lines are returned as they were.
    """
    ordered = sorted(labels, key=len, reverse=True)
    exact = {_norm(label): label for label in ordered}

    def label_of(line: str) -> tuple[str, str] | None:
        if _norm(line) in exact:
            return exact[_norm(line)], ""
        for label in ordered:
            value = _keyed(line, label)
            if value:
                return label, value
        return None

    values: dict[str, str | None] = {}
    rest: list[str] = []
    i = 0
    while i < len(lines):
        found = label_of(lines[i]) if lines[i].strip() else None
        if found is None:
            rest.append(lines[i])
            i += 1
            continue
        label, value = found
        i += 1
        if not value:
            j = next((k for k in range(i, len(lines)) if lines[k].strip()), None)
            if j is not None and label_of(lines[j]) is None:
                value, i = lines[j].strip(), j + 1
        values[label] = None if value in _NO_VALUE else value
    return values, rest


def _blocks_ending(lines: list[str], is_anchor: Callable[[str], bool]) -> tuple[list[tuple[list[str], str]], list[str]]:
    """Blocks closed by an anchor line (``Sponsor Role lead``): (lines before, anchor); and the lines after the last."""
    blocks: list[tuple[list[str], str]] = []
    current: list[str] = []
    for line in lines:
        if is_anchor(line):
            blocks.append((current, line))
            current = []
        else:
            current.append(line)
    return blocks, current


def _blocks_starting(lines: list[str], is_start: Callable[[str], bool]) -> tuple[list[str], list[list[str]]]:
    """Blocks opened by a start line (a URL, an identifier); and the lines before the first."""
    before: list[str] = []
    blocks: list[list[str]] = []
    for line in lines:
        if is_start(line):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
        else:
            before.append(line)
    return before, blocks


@dataclass(slots=True)
class _Block:
    """A name line, the anchor line under it (``Role: CONTACT``) and the lines up to the next name."""

    name: str | None
    anchor: str
    tail: list[str] = field(default_factory=list)


def _blocks_around(lines: list[str], is_anchor: Callable[[str], bool]) -> tuple[list[str], list[_Block]]:
    """Blocks around anchor lines, and the lines before the first block."""
    anchors = [i for i, line in enumerate(lines) if is_anchor(line)]
    if not anchors:
        return lines, []
    blocks = []
    for k, at in enumerate(anchors):
        previous = anchors[k - 1] if k else -1
        name = lines[at - 1] if at - 1 > previous else None
        last = k + 1 == len(anchors)
        end = len(lines) if last else anchors[k + 1] - 1
        blocks.append(_Block(name, lines[at], lines[at + 1 : max(end, at + 1)]))
    return lines[: max(anchors[0] - 1, 0)], blocks


@dataclass(slots=True)
class _Page:
    """A page cut at its headings: the lines before the first heading, and each section's lines."""

    preamble: list[str]
    sections: dict[str, list[str]]


def _split(lines: list[str], headings: Mapping[str, str]) -> _Page:
    page = _Page(preamble=[], sections={})
    current = page.preamble
    for line in lines:
        heading = headings.get(_norm(line))
        if heading is not None:
            current = page.sections.setdefault(heading, [])
        else:
            current.append(line)
    return page


def _unplaced(trial: Trial, where: str, lines: Iterable[str]) -> None:
    """Warn about lines of a section the reader could not place."""
    left = _content(lines)
    if left:
        shown = left[0] if len(left[0]) <= 60 else left[0][:57] + "..."
        more = f" and {len(left) - 1} more" if len(left) > 1 else ""
        trial.warnings.append(f"{where}: line {shown!r}{more} not understood, not loaded")


# --- values --------------------------------------------------------------------------------------

#: Spellings of codes a page may use, by scheme, mapped to the registry's code.
_ALIASES: dict[str, dict[str, str]] = {
    "allocation": {"N/A": "NA", "NOT_APPLICABLE": "NA"},
    "model": {f"{code}_ASSIGNMENT": code for code in ("PARALLEL", "SINGLE_GROUP", "CROSSOVER", "FACTORIAL", "SEQUENTIAL")},
    "masking": {"OPEN_LABEL": "NONE", "NONE_(OPEN_LABEL)": "NONE"},
    "sex": {"BOTH": "ALL"},
    "masked": {"ASSESSOR": "OUTCOMES_ASSESSOR"},
}
_NO_VALUE = {"", "-"}


def _code(trial: Trial, scheme: str, value: str | None, where: str) -> str | None:
    """A registry code from its spelling on the page, kept even when unknown (with a warning)."""
    if value is None or value.strip() in _NO_VALUE:
        return None
    code = re.sub(r"[\s,-]+", "_", value.strip().upper()).strip("_")
    code = _ALIASES.get(scheme, {}).get(code, code)
    if code not in SCHEMES[scheme].codes:
        trial.warnings.append(f"{where}: unknown code {value.strip()!r} kept as text")
    return code


_ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4"}
_PHASE_PART = re.compile(r"(?P<early>early[\s_]*)?(?:phase[\s_]*)?(?P<number>[1-4]|iv|i{1,3})", re.IGNORECASE)


def _phase_code(part: str) -> str:
    """One phase as its registry code.

    >>> [_phase_code(p) for p in ("Phase II", "PHASE3", "2", "Early Phase 1", "Phase X")]
    ['PHASE2', 'PHASE3', 'PHASE2', 'EARLY_PHASE1', 'PHASE_X']
    """
    match = _PHASE_PART.fullmatch(part.strip())
    if not match:
        return re.sub(r"\s+", "_", part.strip().upper())
    number = match.group("number").upper()
    return ("EARLY_PHASE" if match.group("early") else "PHASE") + _ROMAN.get(number, number)


def _phases(trial: Trial, value: str | None, where: str) -> list[str]:
    """Phases as the registry JSON reader keeps them: one code, combined ones joined by ``/``.

    ``PHASE2`` -> [PHASE2]; ``PHASE1/PHASE2``, ``PHASE1, PHASE2``, ``Phase 1/2`` -> [PHASE1/PHASE2].
    """
    if value is None or value.strip() in _NO_VALUE:
        return []
    if _norm(value) in {"n/a", "na", "not applicable"}:
        return ["NA"]
    parts = [p for p in re.split(r"\s*(?:/|,|&|\band\b)\s*", value.strip(), flags=re.IGNORECASE) if p]
    combined = "/".join(_phase_code(part) for part in parts)
    code = _code(trial, "phase", combined, where)
    return [code] if code else []


_DATE_KIND = re.compile(r"^(?P<date>[^()]+?)\s*(?:\((?P<kind>[^()]*)\))?$")


def _date(trial: Trial, value: str | None, where: str) -> DatePoint | None:
    """A date such as ``2023-07-21`` or ``2023-07 (Estimated)``; an impossible date is an error."""
    if not value or value.strip() in _NO_VALUE:
        return None
    match = _DATE_KIND.match(value.strip())
    text = match.group("date") if match else value
    kind = match.group("kind") if match else None
    return DatePoint(value=parse_date(text, where), kind=_code(trial, "estimate", kind, f"{where} type"))


_ENROLLMENT = re.compile(
    r"^(?P<count>\d[\d,]*)\s*(?:participants?|patients?|subjects?|people)?\s*(?:\((?P<kind>[^()]*)\))?$",
    re.IGNORECASE,
)


def _enrollment(trial: Trial, value: str, where: str) -> None:
    match = _ENROLLMENT.match(value.strip())
    if not match:
        raise InputError(f"{value!r} is not an enrollment", field=where, expected="a number of participants, such as '25 participants'")
    count = int(match.group("count").replace(",", ""))
    if count > MAX_ENROLLMENT:
        raise InputError(f"{count:,} is implausibly large", field=where, expected=f"at most {MAX_ENROLLMENT:,}")
    trial.enrollment = count
    trial.enrollment_type = _code(trial, "estimate", match.group("kind"), f"{where} type")


def _age(value: str | None, where: str) -> Age | None:
    return parse_age(value, where) if value else None


_YES_NO = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}


def _yes_no(trial: Trial, value: str | None, where: str) -> bool | None:
    if value is None:
        return None
    answer = _YES_NO.get(_norm(value))
    if answer is None:
        trial.warnings.append(f"{where}: {value!r} is neither yes nor no; not loaded")
    return answer


def _masking(trial: Trial, value: str, where: str) -> None:
    """``DOUBLE (Participant, Investigator)``: the masking and who is masked."""
    match = re.match(r"^(?P<masking>[^()]+?)\s*\((?P<who>[^()]*)\)$", value.strip())
    if match and _norm(match.group("who")) != "open label":
        trial.masking = _code(trial, "masking", match.group("masking"), where)
        trial.who_masked = [
            code for who in match.group("who").split(",") if (code := _code(trial, "masked", who, where))
        ]
    else:
        trial.masking = _code(trial, "masking", value, where)


# --- people and places ---------------------------------------------------------------------------

_PHONE = re.compile(r"^\+?[\d\s().\-/]{6,}$")
_PHONE_EXT = re.compile(r"^(?P<phone>.+?)\s*(?:ext\.?|extension|x)\s*(?P<ext>\d+)$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _set_phone(contact: Contact, value: str) -> None:
    match = _PHONE_EXT.match(value)
    contact.phone, contact.phone_ext = (match.group("phone"), match.group("ext")) if match else (value, None)


def _contact_detail(contact: Contact, line: str) -> bool:
    """Put a phone or e-mail line into the contact; False when the line is neither."""
    value = _keyed(line, "Email") or _keyed(line, "E-mail")
    if value or _EMAIL.match(line.strip()):
        contact.email = value or line.strip()
        return True
    value = _keyed(line, "Phone") or _keyed(line, "Telephone")
    if value or _PHONE.match(line.strip()) or _PHONE_EXT.match(line.strip()):
        _set_phone(contact, value or line.strip())
        return True
    return False


_CONTACT_ROLES = {"primary": "CONTACT", "primary contact": "CONTACT", "backup": "CONTACT", "contact": "CONTACT"}


def _contacts(trial: Trial, lines: list[str], where: str) -> list[Contact]:
    """Contacts printed as a name, ``Role: …`` and phone / e-mail lines."""
    before, blocks = _blocks_around(_content(lines), _is_keyed("Role"))
    _unplaced(trial, where, before)
    contacts = []
    for block in blocks:
        role = _keyed(block.anchor, "Role")
        # the pages call a site's main contact "primary": the registry's code for it is CONTACT
        role = _CONTACT_ROLES.get((role or "").strip().lower(), role)
        contact = Contact(name=block.name, role=_code(trial, "role", role, f"{where}.Role"))
        _unplaced(trial, where, [line for line in block.tail if not _contact_detail(contact, line)])
        contacts.append(contact)
    return contacts


def _address(location: Location, line: str) -> None:
    """``City, State, Country``, ``City, Country`` or ``City, State, postal code, Country``.

    >>> site = Location(); _address(site, "Lyon, 69003, France"); (site.city, site.state, site.postal_code, site.country)
    ('Lyon', None, '69003', 'France')
    """
    parts = [part.strip() for part in line.split(",") if part.strip()]
    if not parts:
        return
    location.country = parts[-1]
    if len(parts) >= 2:
        location.city = parts[0]
    for part in parts[1:-1]:
        if any(ch.isdigit() for ch in part):
            location.postal_code = part
        else:
            location.state = part


def _locations_of(lines: list[str]) -> list[Location]:
    """Sites from their lines: a facility line, then an address line with commas."""
    if len(lines) == 2:
        site = Location(facility=lines[0])
        _address(site, lines[1])
        return [site]
    out: list[Location] = []
    for line in lines:
        if "," in line and out and out[-1].country is None:
            _address(out[-1], line)
        elif "," in line:
            location = Location()
            _address(location, line)
            out.append(location)
        else:
            out.append(Location(facility=line))
    return out


# --- the sectioned page ---------------------------------------------------------------------------


def _is_blurb(line: str) -> bool:
    """The site's one-sentence explanation under a heading ("Review the sponsor-provided synopsis ...")."""
    text = line.strip()
    return text.endswith(".") and len(text.split()) >= 5


def _body(lines: list[str]) -> list[str]:
    """A section's lines without its blurb (the first line, when it is a sentence)."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and _is_blurb(lines[first]):
        return lines[first + 1 :]
    return lines


def _parse_sectioned_page(lines: list[str], source: str) -> Trial:
    rest = list(lines)
    nct = _pop_keyed(rest, "NCT ID")
    updated = _pop_keyed(rest, "Last Updated")
    trial = _new_trial(nct, "NCT ID", source)
    try:
        trial.last_update_posted = _date(trial, updated, "Last Updated")
        page = _split(rest, _SECTIONED_HEADINGS)
        preamble = _content(page.preamble)
        trial.brief_title = preamble[0] if preamble else None
        _unplaced(trial, "page header", preamble[1:])
        for heading, handler in _SECTION_HANDLERS.items():
            if heading in page.sections:
                handler(trial, _body(page.sections[heading]))
    except InputError as exc:
        raise exc.located(record=trial.nct_id) from None
    _missing(
        trial,
        (
            ("title line", trial.brief_title),
            ("Recruitment Status", trial.overall_status),
            ("Study Classification", trial.study_type),
            ("Sponsors (lead)", trial.lead_sponsor),
            ("Conditions", trial.conditions or trial.condition_text),
        ),
    )
    return trial


def _pop_keyed(lines: list[str], key: str) -> str | None:
    """The value of the first ``Key: value`` line, which is removed from ``lines``."""
    for i, line in enumerate(lines):
        value = _keyed(line, key)
        if value is not None and ":" in line:
            del lines[i]
            return value or None
    return None


_RESULTS_STATES = {"results pending": False, "no results posted": False, "results available": True, "results posted": True}


def _results(trial: Trial, lines: list[str]) -> None:
    """``Results pending`` and the like. The sentence that explains the state is the site's own."""
    for line in _content(lines):
        state = _RESULTS_STATES.get(_norm(line))
        if state is not None:
            trial.has_results = state
            return
    _unplaced(trial, "Study Results", lines)


def _set_status(trial: Trial, value: str, where: str) -> None:
    trial.overall_status = _code(trial, "status", value, where)


def _set_phase(trial: Trial, value: str, where: str) -> None:
    trial.phases = _phases(trial, value, where)


def _set_study_type(trial: Trial, value: str, where: str) -> None:
    trial.study_type = _code(trial, "studytype", value, where)


def _date_setter(attribute: str) -> Callable[[Trial, str, str], None]:
    def set_date(trial: Trial, value: str, where: str) -> None:
        setattr(trial, attribute, _date(trial, value, where))

    return set_date


def _code_setter(attribute: str, scheme: str) -> Callable[[Trial, str, str], None]:
    def set_code(trial: Trial, value: str, where: str) -> None:
        setattr(trial, attribute, _code(trial, scheme, value, where))

    return set_code


Setter = Callable[[Trial, str, str], None]

_BASIC_FIELDS: dict[str, Setter] = {
    "Recruitment Status": _set_status,
    "Clinical Phase": _set_phase,
    "Total Enrollment": _enrollment,
    "Study Classification": _set_study_type,
    "Study Start Date": _date_setter("start"),
    "Primary Completion Date": _date_setter("primary_completion"),
    "Study Completion Date": _date_setter("completion"),
}

_DESIGN_FIELDS: dict[str, Setter] = {
    "Allocation Method": _code_setter("allocation", "allocation"),
    "Allocation": _code_setter("allocation", "allocation"),
    "Intervention Model": _code_setter("intervention_model", "model"),
    "Observational Model": _code_setter("observational_model", "obsmodel"),
    "Time Perspective": _code_setter("time_perspective", "perspective"),
    "Primary Study Purpose": _code_setter("primary_purpose", "purpose"),
    "Primary Purpose": _code_setter("primary_purpose", "purpose"),
    "Blinding Strategy": _masking,
    "Masking": _masking,
}


def _fields(table: Mapping[str, Setter], where: str) -> Callable[[Trial, list[str]], None]:
    """A section handler for labelled fields, each set by its setter."""

    def handle(trial: Trial, lines: list[str]) -> None:
        values, rest = _labelled(lines, table)
        for label, value in values.items():
            if value is not None:
                table[label](trial, value, f"{where}.{label}")
        _unplaced(trial, where, rest)

    return handle


def _brief_summary(trial: Trial, lines: list[str]) -> None:
    trial.brief_summary = _prose(lines)


def _detailed_description(trial: Trial, lines: list[str]) -> None:
    trial.detailed_description = _prose(lines)


def _conditions(trial: Trial, lines: list[str]) -> None:
    """One line is kept as printed in ``condition_text`` (the linker splits it); several are one condition each."""
    items = _content(lines)
    if len(items) == 1:
        trial.condition_text = items[0]
    else:
        trial.conditions = items


def _interventions(trial: Trial, lines: list[str]) -> None:
    """Each intervention: its name, description lines and ``Intervention Type …``."""
    blocks, trailing = _blocks_ending(_content(lines), _is_keyed("Intervention Type"))
    for before, anchor in blocks:
        if not before:
            trial.warnings.append(f"Interventions: {anchor!r} without an intervention name; not loaded")
            continue
        name, *details = before
        other_names = [v for line in details if (v := _keyed(line, "Other Names"))]
        description = [line for line in details if _keyed(line, "Other Names") is None]
        trial.interventions.append(
            Intervention(
                name=name,
                intervention_type=_code(trial, "itype", _keyed(anchor, "Intervention Type"), "Interventions.Intervention Type"),
                description=_prose(description),
                other_names=[n.strip() for names in other_names for n in names.split(",") if n.strip()],
            )
        )
    _unplaced(trial, "Interventions", trailing)


def _study_groups(trial: Trial, lines: list[str]) -> None:
    """Each group: label, description, ``Group Type …``, then its interventions.

    An intervention of a group is its name, ``Intervention Type …`` and, optionally, its description,
    which the page repeats from the Interventions section. After a group's last intervention
    come the next group's label and description: a line is taken as the intervention's description
    when it is the description the Interventions section gives, or when the lines before the next
    ``Group Type`` are too many to be only a label and one description.
    """
    items = _content(lines)
    anchors = [i for i, line in enumerate(items) if _keyed(line, "Group Type") is not None]
    if not anchors:
        _unplaced(trial, "Study Groups", items)
        return
    known = {i.name.casefold(): i.description for i in trial.interventions}
    header = items[: anchors[0]]
    for k, at in enumerate(anchors):
        last = k + 1 == len(anchors)
        body = items[at + 1 : len(items) if last else anchors[k + 1]]
        used, next_header = _group_interventions(trial, body, last, known)
        if header:
            label, *description = header
            trial.arms.append(
                Arm(
                    label=label,
                    arm_type=_code(trial, "armtype", _keyed(items[at], "Group Type"), "Study Groups.Group Type"),
                    description=_prose(description),
                    intervention_names=used,
                )
            )
        else:
            trial.warnings.append(f"Study Groups: {items[at]!r} without a group label; not loaded")
        header = next_header
    for intervention in trial.interventions:
        intervention.arm_labels = [arm.label for arm in trial.arms if intervention.name in arm.intervention_names]


def _group_interventions(
    trial: Trial, body: list[str], last: bool, known: dict[str, str | None]
) -> tuple[list[str], list[str]]:
    """The intervention names of one group (from the lines after its ``Group Type``), and the lines
    that open the next group."""
    types = [i for i, line in enumerate(body) if _keyed(line, "Intervention Type") is not None]
    if not types:
        if last:
            _unplaced(trial, "Study Groups", body)
        return [], ([] if last else body)
    _unplaced(trial, "Study Groups", body[: max(types[0] - 1, 0)])
    tail = body[types[-1] + 1 :]
    if last:
        kept = len(tail)
    else:
        repeated = bool(tail) and tail[0] == known.get(body[types[-1] - 1].casefold())
        kept = 1 if repeated or len(tail) >= 3 else 0
    ends = [at - 1 for at in types[1:]] + [types[-1] + 1 + kept]
    names: list[str] = []
    for at, end in zip(types, ends):
        if at == 0:
            trial.warnings.append(f"Study Groups: {body[at]!r} without an intervention name; not loaded")
            continue
        name, description = body[at - 1], _prose(body[at + 1 : end])
        names.append(name)
        if name.casefold() not in known:
            kind = _code(trial, "itype", _keyed(body[at], "Intervention Type"), "Study Groups.Intervention Type")
            trial.interventions.append(Intervention(name=name, intervention_type=kind, description=description))
            known[name.casefold()] = description
    return names, body[ends[-1] :]


_ELIGIBILITY_LABELS = ("Minimum Eligible Age", "Maximum Eligible Age", "Eligible Sex", "Accepts Healthy Volunteers")


def _eligibility(trial: Trial, lines: list[str]) -> None:
    """The criteria text (split into inclusion and exclusion), ages, sex and healthy volunteers."""
    values, criteria = _labelled(lines, _ELIGIBILITY_LABELS)
    where = "Eligibility Criteria"
    inclusion, exclusion = _criteria_parts(criteria)
    trial.eligibility = Eligibility(
        criteria=_prose(criteria),
        inclusion=inclusion,
        exclusion=exclusion,
        minimum_age=_age(values.get("Minimum Eligible Age"), f"{where}.Minimum Eligible Age"),
        maximum_age=_age(values.get("Maximum Eligible Age"), f"{where}.Maximum Eligible Age"),
        sex=_code(trial, "sex", values.get("Eligible Sex"), f"{where}.Eligible Sex"),
        healthy_volunteers=_yes_no(trial, values.get("Accepts Healthy Volunteers"), f"{where}.Accepts Healthy Volunteers"),
    )
    _check_ages(trial, trial.eligibility, where)


def _check_ages(trial: Trial, elig: Eligibility, where: str) -> None:
    if elig.minimum_age and elig.maximum_age and elig.minimum_age.years > elig.maximum_age.years:
        trial.warnings.append(f"{where}: minimum age {elig.minimum_age.text} is above maximum age {elig.maximum_age.text}")


def _criteria_parts(lines: list[str]) -> tuple[str | None, str | None]:
    """The text under ``Inclusion Criteria`` and under ``Exclusion Criteria``."""
    marks = {_norm(line): i for i, line in reversed(list(enumerate(lines)))}
    start_in, start_ex = marks.get("inclusion criteria"), marks.get("exclusion criteria")
    inclusion = exclusion = None
    if start_in is not None:
        end = start_ex if start_ex is not None and start_ex > start_in else len(lines)
        inclusion = _prose(lines[start_in + 1 : end])
    if start_ex is not None:
        end = start_in if start_in is not None and start_in > start_ex else len(lines)
        exclusion = _prose(lines[start_ex + 1 : end])
    return inclusion, exclusion


_SPONSOR_ROLES = {"lead": "lead", "lead sponsor": "lead", "collaborator": "collaborator"}


def _sponsors(trial: Trial, lines: list[str]) -> None:
    """Each sponsor: name, class (``INDUSTRY``), ``Sponsor Role lead|collaborator``."""
    blocks, trailing = _blocks_ending(_content(lines), _is_keyed("Sponsor Role"))
    for before, anchor in blocks:
        if not before:
            trial.warnings.append(f"Sponsors: {anchor!r} without a sponsor name; not loaded")
            continue
        name, *rest = before
        org = Organization(name=name, agency_class=_code(trial, "agency", rest[0] if rest else None, "Sponsors.class"))
        _unplaced(trial, "Sponsors", rest[1:])
        role = _SPONSOR_ROLES.get(_norm(_keyed(anchor, "Sponsor Role") or ""))
        if role == "lead" and trial.lead_sponsor is None:
            trial.lead_sponsor = org
            continue
        if role != "collaborator":
            trial.warnings.append(f"Sponsors: {name!r} has role {anchor!r}; kept as a collaborator")
        trial.collaborators.append(org)
    for name in _content(trailing[:1]):
        trial.warnings.append(f"Sponsors: {name!r} has no 'Sponsor Role' line; kept as a collaborator")
        trial.collaborators.append(Organization(name=name))
    _unplaced(trial, "Sponsors", trailing[1:])


def _responsible_party(trial: Trial, lines: list[str]) -> None:
    """``Responsibility Role SPONSOR``; an investigator's name, title and affiliation may follow."""
    items = _content(lines)
    role = next((v for line in items if (v := _keyed(line, "Responsibility Role"))), None)
    others = [line for line in items if _keyed(line, "Responsibility Role") is None]
    party = ResponsibleParty(party_type=_code(trial, "party", role, "Responsible Party.Responsibility Role"))
    if others:
        party.name = others[0]
        party.affiliation = others[-1] if len(others) >= 2 else None
        party.title = others[1] if len(others) == 3 else None
        _unplaced(trial, "Responsible Party", others[3:])
    trial.responsible_party = party


def _investigators(trial: Trial, lines: list[str]) -> None:
    """Each investigator: name as printed, ``Role: …``, affiliation."""
    before, blocks = _blocks_around(_content(lines), _is_keyed("Role"))
    _unplaced(trial, "Principal Investigators", before)
    for block in blocks:
        if block.name is None:
            trial.warnings.append(f"Principal Investigators: {block.anchor!r} without a name; not loaded")
            continue
        trial.officials.append(
            Official(
                name=block.name,
                role=_code(trial, "role", _keyed(block.anchor, "Role"), "Principal Investigators.Role"),
                affiliation=", ".join(block.tail) or None,
            )
        )


def _locations(trial: Trial, lines: list[str]) -> None:
    """Each site: facility line, ``City, State, Country`` line, ``Site Status …``."""
    blocks, trailing = _blocks_ending(_content(lines), _is_keyed("Site Status"))
    for before, anchor in blocks:
        sites = _locations_of(before) or [Location()]
        for site in sites[:-1]:
            trial.warnings.append(f"Locations: site {site.facility or site.city!r} has no 'Site Status' line")
        sites[-1].status = _code(trial, "status", _keyed(anchor, "Site Status"), "Locations.Site Status")
        trial.locations.extend(sites)
    trial.locations.extend(_locations_of(trailing))


def _countries(trial: Trial, lines: list[str]) -> None:
    """Countries no site is in are kept as a location of that country alone."""
    known = {site.country.casefold() for site in trial.locations if site.country}
    for country in _content(lines):
        if country.casefold() not in known:
            trial.locations.append(Location(country=country))
            known.add(country.casefold())


def _central_contacts(trial: Trial, lines: list[str]) -> None:
    trial.central_contacts.extend(_contacts(trial, lines, "Central Contacts"))


def _facility_contacts(trial: Trial, lines: list[str]) -> None:
    """The page lists one contact per site, in site order: the i-th goes to the i-th site.

    When the numbers differ the pairing is unknown, so they are kept as central contacts.
    """
    contacts = _contacts(trial, lines, "Facility Contacts")
    sites = [site for site in trial.locations if site.facility or site.city]
    if contacts and len(contacts) == len(sites):
        for site, contact in zip(sites, contacts):
            site.contacts.append(contact)
    elif contacts:
        trial.warnings.append(
            f"Facility Contacts: {len(contacts)} contact(s) for {len(sites)} site(s), so which site each belongs to "
            "is unknown; kept as central contacts"
        )
        trial.central_contacts.extend(contacts)


_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)


def _related_links(trial: Trial, lines: list[str]) -> None:
    """Each link: the URL line, then its label."""
    before, blocks = _blocks_starting(_content(lines), lambda line: bool(_URL.match(line)))
    _unplaced(trial, "Related Links", before)
    for url, *label in blocks:
        trial.links.append(WebLink(url=url, label=" ".join(label) or None))


_ID_KEYS = ("Identifier Type", "Identifier Source", "Identifier Domain", "Identifier Link")


def _other_identifiers(trial: Trial, lines: list[str]) -> None:
    """Each identifier: its value, ``Identifier Type: …`` and ``Identifier Source: org_study_id|secondary_id``."""
    def is_value(line: str) -> bool:
        return all(_keyed(line, key) is None for key in _ID_KEYS)

    _, blocks = _blocks_starting(_content(lines), is_value)
    for value, *details in blocks:
        info, rest = _labelled(details, _ID_KEYS)
        _unplaced(trial, "Other Identifiers", rest)
        source = _norm(info.get("Identifier Source") or "")
        if source == "org_study_id" and trial.org_study_id is None:
            trial.org_study_id = value
        elif source == "nct_alias" and NCT_ID.match(value.upper()):
            trial.nct_aliases.append(value.upper())
        else:
            trial.secondary_ids.append(
                SecondaryId(
                    value=value,
                    id_type=info.get("Identifier Type"),
                    domain=info.get("Identifier Domain"),
                    link=info.get("Identifier Link"),
                )
            )


_RELATED_LINE = re.compile(r"^(?P<nct>NCT\d{8})\b\s*(?P<status>\S+)?\s*(?P<phases>.*)$", re.IGNORECASE)


def _more_related(trial: Trial, lines: list[str]) -> None:
    """Each related trial: its title, then ``NCTxxxxxxxx STATUS PHASES``."""
    blocks, trailing = _blocks_ending(_content(lines), lambda line: bool(_RELATED_LINE.match(line)))
    where = "More Related Trials"
    for title, line in blocks:
        match = _RELATED_LINE.match(line)
        assert match is not None  # the anchor test matched it
        trial.related.append(
            RelatedTrial(
                identifier=match.group("nct").upper(),
                title=" ".join(title) or None,
                status=_code(trial, "status", match.group("status"), f"{where}.status"),
                phases=_phases(trial, match.group("phases"), f"{where}.phase"),
                note="listed by the page under More Related Trials",
            )
        )
    _unplaced(trial, where, trailing)


#: Section handlers, in the order they run (interventions before the groups that name them,
#: locations before the contacts and countries that refer to them), whatever the page's order.
_SECTION_HANDLERS: dict[str, Callable[[Trial, list[str]], None]] = {
    "Study Results": _results,
    "Basic Information": _fields(_BASIC_FIELDS, "Basic Information"),
    "Brief Summary": _brief_summary,
    "Detailed Description": _detailed_description,
    "Conditions": _conditions,
    "Study Design": _fields(_DESIGN_FIELDS, "Study Design"),
    "Interventions": _interventions,
    "Study Groups": _study_groups,
    "Eligibility Criteria": _eligibility,
    "Sponsors": _sponsors,
    "Responsible Party": _responsible_party,
    "Principal Investigators": _investigators,
    "Locations": _locations,
    "Countries": _countries,
    "Central Contacts": _central_contacts,
    "Facility Contacts": _facility_contacts,
    "Related Links": _related_links,
    "Other Identifiers": _other_identifiers,
    "More Related Trials": _more_related,
}


# --- the summary page ------------------------------------------------------------------------------


def _parse_summary_page(lines: list[str], source: str) -> Trial:
    items, rest = _key_block(lines)
    nct = next((value for key, value in items if key == "NCT number"), None)
    trial = _new_trial(nct or None, "NCT number", source)
    try:
        _summary_keys(trial, items)
        page = _split(rest, _SUMMARY_HEADINGS)
        trial.brief_summary = _prose(page.sections.get("Clinical Trial Summary", []))
        trial.detailed_description = _prose(page.sections.get("Clinical Trial Description", []))
        _fields(_DESIGN_FIELDS, "Study Design")(trial, page.sections.get("Study Design", []))
        conditions = _content(page.sections.get("Related Conditions & MeSH terms", []))
        trial.conditions = conditions if len(conditions) > 1 else []
        trial.condition_text = conditions[0] if len(conditions) == 1 else None
        prose = [text for text in (trial.brief_summary, trial.detailed_description) if text]
        trial.brief_title = _summary_title(trial, page.preamble, prose)
        trial.eligibility = _population(trial, prose)
        trial.related = related_studies(prose)
        if any(_LTFU.search(text) for text in prose) and not any(r.identifier.endswith("-LTFU") for r in trial.related):
            trial.warnings.append("a long-term follow-up study is mentioned, but no study code to name it by; not loaded")
    except InputError as exc:
        raise exc.located(record=trial.nct_id) from None
    _missing(
        trial,
        (
            ("title", trial.brief_title),
            ("Status", trial.overall_status),
            ("Study type", trial.study_type),
            ("Source (sponsor)", trial.lead_sponsor),
            ("Related Conditions & MeSH terms", trial.conditions or trial.condition_text),
        ),
    )
    return trial


def _summary_key(line: str) -> tuple[str, str] | None:
    for key in _SUMMARY_KEYS:
        value = _keyed(line, key)
        if value is not None:
            return key, value
    return None


def _key_block(lines: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """The ``Key value`` lines around ``NCT number …``, and the other lines.

    The block runs up from ``NCT number`` over key lines and down over key and blank lines, so that
    a condition such as "Status epilepticus" above a blank line is not taken for a key.
    """
    start = next((i for i, line in enumerate(lines) if _keyed(line, "NCT number") is not None), None)
    if start is None:
        return [], lines

    def in_block(line: str) -> bool:
        return not line.strip() or (_summary_key(line) is not None and _norm(line) not in _SUMMARY_HEADINGS)

    first = start
    while first > 0 and lines[first - 1].strip() and in_block(lines[first - 1]):
        first -= 1
    end = start + 1
    while end < len(lines) and in_block(lines[end]):
        end += 1
    items = [found for line in lines[first:end] if line.strip() and (found := _summary_key(line))]
    return items, lines[:first] + lines[end:]


def _summary_keys(trial: Trial, items: list[tuple[str, str]]) -> None:
    for key, value in items:
        if value:
            _SUMMARY_SETTERS[key](trial, value, key)


def _summary_source(trial: Trial, value: str, where: str) -> None:
    """``Source …`` is the organisation that runs the programme: the lead sponsor (its class is not printed)."""
    if trial.lead_sponsor is None:
        trial.lead_sponsor = Organization(name=value)
    else:
        trial.warnings.append(f"{where}: a second source {value!r}; kept as a collaborator")
        trial.collaborators.append(Organization(name=value))


def _summary_contact(trial: Trial, value: str, where: str) -> None:
    trial.central_contacts.append(Contact(name=value, role="CONTACT"))


def _summary_detail(trial: Trial, value: str, where: str) -> None:
    """``Phone …`` / ``Email …``: a detail of the contact above (or of a contact without a name)."""
    if not trial.central_contacts:
        trial.central_contacts.append(Contact(role="CONTACT"))
    _contact_detail(trial.central_contacts[-1], f"{where} {value}")


def _ignore(trial: Trial, value: str, where: str) -> None:
    """The NCT number, already read."""


_SUMMARY_SETTERS: dict[str, Setter] = {
    "NCT number": _ignore,
    "Study type": _set_study_type,
    "Source": _summary_source,
    "Contact": _summary_contact,
    "Phone": _summary_detail,
    "Email": _summary_detail,
    "Status": _set_status,
    "Phase": _set_phase,
}

_CHROME = re.compile(r"\blogo\b", re.IGNORECASE)
_PROGRAMME = re.compile(
    r"\b(?P<kind>(?:early|expanded|compassionate|named[- ]patient)[- ](?:access|use)[- ]program(?:me)?)\b"
    r"[^.]*?\bgranted to (?P<name>[^.]+?) (?=in |for |to )",
    re.IGNORECASE,
)


def _summary_title(trial: Trial, preamble: list[str], prose: list[str]) -> str | None:
    """The title line above the summary, if the page has one (not the site's logo line).

    The summary page usually prints none. Then the title is made from the programme the summary
    names ("This early access program has been granted to X in ...": "X early access program"),
    with a warning saying so.
    """
    lines = [line for line in _content(preamble) if not _CHROME.search(line)]
    if lines:
        _unplaced(trial, "page header", lines[1:])
        return lines[0]
    for text in prose:
        match = _PROGRAMME.search(text)
        if match:
            title = f"{match.group('name').strip()} {match.group('kind').lower()}"
            trial.warnings.append(f"title: the page prints none; made from the programme the summary names: {title!r}")
            return title
    return None


_AGE_UNIT = r"(?P<unit>day|week|month|year)s?"
_POPULATION = re.compile(
    r"\bin (?P<text>(?:adults?|adolescents?|children|infants|patients)"
    r"(?:,? and (?:in )?(?:adults?|adolescents?|children|infants))*"
    rf" (?P<bound>over|above|older than|under|below|younger than) (?P<number>\d+) {_AGE_UNIT} (?:of age|old))",
    re.IGNORECASE,
)
_LOWER_BOUNDS = {"over", "above", "older than"}


def _population(trial: Trial, prose: list[str]) -> Eligibility | None:
    """The population a summary page states in words: "in adults and children over 28 days of age".

    The phrase goes to ``age_text`` as printed; its bound to the minimum (over, above, older than)
    or maximum (under, below, younger than) age.
    """
    for text in prose:
        match = _POPULATION.search(text)
        if match:
            age = parse_age(f"{match.group('number')} {match.group('unit').capitalize()}s", "age")
            lower = match.group("bound").lower() in _LOWER_BOUNDS
            return Eligibility(age_text=match.group("text"), minimum_age=age if lower else None,
                               maximum_age=None if lower else age)
    return None


# --- studies named in a summary page's text --------------------------------------------------------

_STUDY_CODE = r"(?P<code>[A-Z][A-Z0-9]*-\d+[A-Z0-9]*)"
_PHASE_WORDS = r"(?i:phase)\s+(?P<phase>[1-4]|IV|I{1,3})\b"
_STUDY_MENTIONS = (
    # phase III (INO-107); phase 3 randomized double-blind controlled study (INO-0107)
    re.compile(rf"\b{_PHASE_WORDS}[^.()]{{0,80}}?\(\s*{_STUDY_CODE}\s*\)"),
    # phase 3 study INO-0107
    re.compile(rf"\b{_PHASE_WORDS}\s+(?i:study|trial)\s+{_STUDY_CODE}\b"),
    # a study (ABC-12)
    re.compile(rf"\b(?i:study|trial)\s*\(\s*{_STUDY_CODE}\s*\)"),
)
#: "versus X" right after a study code (matched at the end of the code's mention).
_VERSUS = re.compile(r"\s*\)?\s*(?:versus|vs\.?|compared with)\s+(?P<comparator>.+?)(?=\.\s|\.$|;|\n|$)", re.IGNORECASE)
_LTFU = re.compile(r"\blong[- ]term follow[- ]up (?:study|trial)\b", re.IGNORECASE)


@dataclass(slots=True)
class _Study:
    """A study code as the text writes it, wherever it is written."""

    spellings: Counter[str] = field(default_factory=Counter)
    phases: set[str] = field(default_factory=set)
    comparator: str | None = None

    @property
    def code(self) -> str:
        """The spelling used most often (the first one seen on a tie)."""
        return self.spellings.most_common(1)[0][0]


def _code_key(code: str) -> tuple[str, int, str]:
    """Codes that differ only by zero padding after the dash share a key.

    >>> _code_key("INO-107") == _code_key("INO-0107"), _code_key("INO-0107")
    (True, ('INO', 107, ''))
    """
    prefix, rest = code.upper().split("-", 1)
    digits = re.match(r"\d+", rest)
    assert digits is not None  # _STUDY_CODE requires digits after the dash
    return prefix, int(digits.group()), rest[digits.end():]


def _mentions(text: str, code: str) -> int:
    return len(re.findall(rf"(?<![A-Za-z0-9-]){re.escape(code)}(?![A-Za-z0-9-])", text))


def related_studies(texts: list[str]) -> list[RelatedTrial]:
    """Studies a summary page names by a sponsor's code, and the long-term follow-up of one of them.

    A code counts when it is written next to "phase 3" / "phase III" or "study" (``phase III
    (INO-107)``, ``phase 3 study INO-0107``, ``a study (ABC-12)``). Spellings that differ only by
    zero padding are one study, named by the spelling used most, the others kept as alternatives.
    A "long term follow up study" the text mentions has no code of its own; it is named after the
    study mentioned in the same sentence (or the only study named): ``INO-0107-LTFU``.
    """
    studies: dict[tuple[str, int, str], _Study] = {}
    joined = "\n\n".join(texts)
    for pattern in _STUDY_MENTIONS:
        for match in pattern.finditer(joined):
            study = studies.setdefault(_code_key(match.group("code")), _Study())
            if match.group("code") not in study.spellings:
                study.spellings[match.group("code")] = _mentions(joined, match.group("code"))
            if "phase" in pattern.groupindex:
                number = match.group("phase").upper()
                study.phases.add("PHASE" + _ROMAN.get(number, number))
            versus = _VERSUS.match(joined, match.end())
            if versus and study.comparator is None:
                study.comparator = versus.group("comparator").strip()
    out = [_related(study) for study in studies.values()]
    follow_up = _follow_up(joined, studies)
    if follow_up is not None:
        out.append(follow_up)
    return out


def _related(study: _Study) -> RelatedTrial:
    code = study.code
    alternatives = [s for s in study.spellings if s != code]
    phase = "/".join(sorted(study.phases))
    note = f"{'phase ' + phase.replace('PHASE', '') + ' ' if phase else ''}study named in the page's text"
    if study.comparator:
        note += f", versus {study.comparator}"
    if alternatives:
        note += (
            f"; also written {', '.join(alternatives)} on the page, a spelling that differs only by zero padding, "
            "so taken as the same study"
        )
    return RelatedTrial(
        identifier=code,
        phases=["/".join(sorted(study.phases))] if study.phases else [],
        note=note,
        alt_identifiers=alternatives,
    )


def _sentence_at(text: str, start: int, end: int) -> str:
    before = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start))
    after = min((i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0), default=len(text))
    return text[before + 1 : after].strip()


def _follow_up(text: str, studies: dict[tuple[str, int, str], _Study]) -> RelatedTrial | None:
    match = _LTFU.search(text)
    if match is None or not studies:
        return None
    sentence = _sentence_at(text, match.start(), match.end())
    nearby = [s for s in studies.values() if any(_mentions(sentence, spelling) for spelling in s.spellings)]
    owners = nearby or list(studies.values())
    if len(owners) != 1:
        return None
    code = owners[0].code
    return RelatedTrial(
        identifier=f"{code}-LTFU",
        note=(
            f"the long-term follow-up study of {code}, as the page describes it ({match.group(0)!r}); "
            f"the page gives it no code of its own, so it is named after {code}"
        ),
    )
