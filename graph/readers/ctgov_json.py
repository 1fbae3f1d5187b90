"""ClinicalTrials.gov API v2 JSON.

Accepted shapes, detected from content: one study object; a page ``{"studies": [...],
"nextPageToken": ...}``; a JSON array of studies (the website's "Download JSON"); JSON Lines; a
``.zip`` of per-study files (the registry's bulk download); and gzip of any of these. Arrays and
pages are streamed, so memory does not grow with the number of studies.

:func:`read` does the I/O and yields raw records; :func:`parse` turns one raw record into
:class:`~graph.records.Trial` records. Only the NCT id is required: what is missing is reported
in ``Trial.warnings``; what is malformed (wrong type, impossible date, bad NCT id) rejects the
record with an :class:`~graph.errors.InputError` naming the field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import ijson

from graph.errors import InputError
from graph.readers.base import (
    BOM,
    INVALID_UTF8,
    RawRecord,
    Utf8Guard,
    decode_utf8,
    iter_lines,
    is_zip,
    open_binary,
    raw_offset,
    sniff,
    zip_members,
)
from graph.readers.fields import Fields, kind_of
from graph.records import (
    Arm,
    Contact,
    Eligibility,
    Intervention,
    Location,
    MeshTerm,
    Official,
    Organization,
    Outcome,
    Reference,
    ResponsibleParty,
    SecondaryId,
    Trial,
    WebLink,
)
from graph.vocab import SCHEMES

FORMAT = "ctgov-json"
NCT_ID = re.compile(r"^NCT\d{8}$")
MESH_UI = re.compile(r"^[CD]\d{6,9}$")
#: Largest enrollment accepted; the registry's biggest studies are far below it.
MAX_ENROLLMENT = 100_000_000
_PAGE_KEYS = {"studies", "nextPageToken", "totalCount"}


# --- reading ------------------------------------------------------------------------------------


def looks_like(head: bytes) -> bool:
    """Whether the first bytes of a file (decompressed) look like registry JSON."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if is_zip(head):
        return True
    return text[:1] in (b"{", b"[") and (b"protocolSection" in head or b'"studies"' in head or b"nctId" in head)


def read(path: Path, label: str | None = None) -> Iterator[RawRecord | InputError]:
    """Raw records of one file, in file order. File-level problems come as errors in the stream
    (after the records read before them, for a file that turns out truncated or corrupt)."""
    label = label or str(path)
    try:
        yield from _read(path, label)
    except InputError as exc:  # a gzip stream that ends early, found while reading
        yield InputError(exc.problem, source=label, record=exc.record, field=exc.field, expected=exc.expected)


def _read(path: Path, label: str) -> Iterator[RawRecord | InputError]:
    try:
        head = sniff(path)
    except InputError as exc:
        yield exc
        return
    if is_zip(head):
        for member, data, offset in zip_members(path, label):
            if isinstance(data, InputError):
                yield data
            elif member.lower().endswith((".json", ".jsonl", ".ndjson")) or data.lstrip()[:1] in (b"{", b"["):
                yield RawRecord(FORMAT, member, "", data, offset)
        return
    stripped = head.removeprefix(BOM).lstrip(b" \t\r\n")
    if not stripped:
        yield InputError("the file is empty", source=label, expected="ClinicalTrials.gov API v2 JSON")
        return
    first = stripped[:1]
    if first == b"[":
        yield from _stream(path, label, "item", "study")
    elif first == b"{":
        shape = _object_shape(path)
        if shape == "page":
            yield from _stream(path, label, "studies.item", "study")
        elif shape == "jsonl":
            yield from _lines(path, label)
        else:
            with open_binary(path) as stream:
                data = stream.read()
                yield RawRecord(FORMAT, label, "", data, raw_offset(stream))
    else:
        yield InputError(
            f"starts with {first!r}", source=label, expected="JSON: an object, an array or JSON Lines"
        )


def _object_shape(path: Path) -> str:
    """``page``, ``jsonl`` or ``study`` for a file whose first character is ``{``.

    JSON Lines: the first line is a whole JSON object and another line follows; or, when the first
    record is itself malformed (a truncated line), the next line is a whole object.
    """
    with open_binary(path) as raw:
        try:
            for prefix, event, value in ijson.parse(Utf8Guard(raw)):
                if prefix == "" and event == "map_key":
                    if value in _PAGE_KEYS:
                        return "page"
                    break
        except (ijson.JSONError, InputError):
            pass  # malformed or truncated: decided below, reported when read
    with open_binary(path) as stream:
        lines = iter_lines(stream)
        first = second = b""
        try:
            first = _next_line(lines).removeprefix(BOM)
            second = _next_line(lines)
        except InputError:  # cut short: the first line decides, the error is reported when read
            second = b"?" if first else b""
    if not second.strip():
        return "study"
    if _is_object_line(first) or (first.lstrip().startswith(b"{") and _is_object_line(second)):
        return "jsonl"
    return "study"


def _next_line(lines: Iterator[bytes]) -> bytes:
    """The next line that is not blank (empty at the end of the stream)."""
    for line in lines:
        if line.strip():
            return line
    return b""


def _is_object_line(line: bytes) -> bool:
    text = line.strip()
    if not (text.startswith(b"{") and text.endswith(b"}")):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


def _stream(path: Path, label: str, prefix: str, noun: str) -> Iterator[RawRecord | InputError]:
    """The items of an array (or of a page's ``studies``), decoded one at a time.

    Invalid UTF-8 rejects only the study that holds it (see :class:`Utf8Guard`); a syntax error
    or a truncated file ends the file, after the studies before it.
    """
    count = 0
    last = None
    with open_binary(path) as raw:
        stream = Utf8Guard(raw)
        try:
            for count, study in enumerate(ijson.items(stream, prefix, use_float=True), start=1):
                last = _nct_of(study)
                if isinstance(study, dict):
                    yield RawRecord(FORMAT, label, f"{noun} {count}", study, raw_offset(stream),
                                    marked=stream.replaced > 0)
                else:
                    yield InputError(f"found {kind_of(study)}", source=label, record=f"{noun} {count}",
                                     expected="a study object")
        except (ijson.JSONError, UnicodeDecodeError, RecursionError, InputError) as exc:
            after = f"after {noun} {count}" + (f" ({last})" if last else "") if count else f"at {noun} 1"
            if isinstance(exc, InputError):  # the compressed file ends early
                problem, expected = f"{exc.problem}, {after}", exc.expected
            else:
                problem, expected = f"invalid or truncated JSON {after}: {_short(exc)}", "a complete JSON document"
            yield InputError(f"{problem}; the rest of the file was not read", source=label, expected=expected)
            return
    if count == 0 and prefix == "studies.item":
        found = _studies_kind(path)
        if found is not None:
            yield InputError(f"'studies' is {found}", source=label, field="studies",
                             expected="a list of study objects")


def _studies_kind(path: Path) -> str | None:
    """What a page's ``studies`` holds when it is not a list (None when it is a list)."""
    kinds = {"start_map": "an object", "string": "a string", "number": "a number", "boolean": "a boolean",
             "null": "null"}
    with open_binary(path) as raw:
        try:
            for prefix, event, _ in ijson.parse(Utf8Guard(raw)):
                if prefix == "studies" and event != "map_key":
                    return None if event == "start_array" else kinds.get(event, event)
        except ijson.JSONError:
            return None  # reported by the streaming pass
    return None


def _lines(path: Path, label: str) -> Iterator[RawRecord | InputError]:
    number = 0
    with open_binary(path) as stream:
        try:
            for number, line in enumerate(iter_lines(stream), start=1):
                if line.strip():
                    yield RawRecord(FORMAT, label, f"line {number}", line, raw_offset(stream))
        except InputError as exc:  # the compressed file ends early
            yield InputError(f"{exc.problem}, after line {number}; the rest of the file was not read",
                             source=label, expected=exc.expected)


def _nct_of(study: Any) -> str | None:
    try:
        value = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return None
    return value if isinstance(value, str) and INVALID_UTF8 not in value and len(value) < 40 else None


def _short(exc: BaseException) -> str:
    detail = exc.args[0] if len(exc.args) == 1 else str(exc)
    if isinstance(detail, bytes):  # the C parser reports bytes
        detail = detail.decode("utf-8", "replace")
    text = " ".join(str(detail).split("(right here)")[0].split())  # without yajl's pointer art
    return text if len(text) < 160 else text[:157] + "..."


# --- parsing ------------------------------------------------------------------------------------


def parse(raw: RawRecord) -> list[Trial | InputError]:
    """Typed trials from one raw record (a payload may hold several studies)."""
    payload = raw.payload
    if isinstance(payload, (bytes, str)):
        try:
            decoded = _decode(payload, raw)
        except InputError as exc:
            return [exc]
    else:
        decoded = [(raw.position, payload)]
    out: list[Trial | InputError] = []
    for position, study in decoded:
        nct = _nct_of(study)
        record = f"{nct} ({position})" if nct and position else (nct or position or None)
        try:
            if raw.marked:
                _check_marks(study)
            out.append(parse_study(study, source=raw.source))
        except InputError as exc:
            out.append(exc.located(source=raw.source, record=record))
        except RecursionError:
            out.append(InputError("nested too deeply", source=raw.source, record=record, expected="registry JSON"))
    return out


def _check_marks(value: Any, path: str = "") -> None:
    """Reject a streamed study that holds invalid UTF-8 (marked by :class:`Utf8Guard`), naming the field."""
    if isinstance(value, str):
        if INVALID_UTF8 in value:
            raise InputError("invalid UTF-8 bytes in the text", field=path or None, expected="UTF-8 text")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else key
            if INVALID_UTF8 in key:
                raise InputError("invalid UTF-8 bytes in a key", field=name, expected="UTF-8 text")
            _check_marks(item, name)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_marks(item, f"{path}[{i}]")


def _decode(payload: bytes | str, raw: RawRecord) -> list[tuple[str, Any]]:
    text = payload if isinstance(payload, str) else decode_utf8(payload, raw.source, raw.position)
    try:
        value = json.loads(text)
    except RecursionError:
        raise InputError("JSON nested too deeply", source=raw.source, record=raw.position or None,
                         expected="registry JSON (a few levels of nesting)") from None
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            return _decode_lines(text, raw)
        where = f"line {exc.lineno} column {exc.colno}" if not raw.position else f"column {exc.colno}"
        if exc.pos >= len(text.rstrip()):
            problem = "truncated JSON"
        elif exc.msg.startswith("Unterminated string"):  # the text ends inside a string
            problem = f"truncated JSON (it ends in the string that starts at {where})"
        else:
            problem = f"invalid JSON at {where}: {exc.msg}"
        raise InputError(problem, source=raw.source, record=raw.position or None,
                         expected="a complete JSON object") from None
    base = raw.position
    if isinstance(value, list):
        return [(f"{base + ', ' if base else ''}study {i}", item) for i, item in enumerate(value, 1)]
    if isinstance(value, dict) and "protocolSection" not in value and "studies" in value:
        studies = value["studies"]
        if not isinstance(studies, list):
            raise InputError("'studies' is not a list", source=raw.source, record=base or None,
                             field="studies", expected="a list of study objects")
        return [(f"{base + ', ' if base else ''}study {i}", item) for i, item in enumerate(studies, 1)]
    return [(base, value)]


def _decode_lines(text: str, raw: RawRecord) -> list[tuple[str, Any]]:
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            sub = RawRecord(raw.fmt, raw.source, f"line {number}", line)
            out.extend(_decode(line, sub))
    return out


def _code(trial: Trial, scheme: str, value: str | None, field: str) -> str | None:
    """A registry code, kept even when unknown (with a warning)."""
    if value is None:
        return None
    code = value.strip().upper().replace(" ", "_")
    if code not in SCHEMES[scheme].codes:
        trial.warnings.append(f"{field}: unknown code {value!r} kept as text")
    return code


def parse_study(data: Any, source: str = "") -> Trial:
    """A :class:`Trial` from one decoded API v2 study object.

    >>> t = parse_study({"protocolSection": {"identificationModule": {"nctId": "NCT00000102"}}})
    >>> t.nct_id, t.warnings[0][:33]
    ('NCT00000102', 'loaded without protocolSection.id')
    """
    root = Fields(data)
    protocol = root.obj("protocolSection")
    ident = protocol.obj("identificationModule")
    nct = ident.text("nctId")
    if nct is None:
        raise InputError("no NCT id", field="protocolSection.identificationModule.nctId",
                         expected="an NCT id such as NCT01234567")
    nct_norm = nct.strip().upper()
    if not NCT_ID.match(nct_norm):
        raise InputError(f"{nct!r} is not an NCT id", field="protocolSection.identificationModule.nctId",
                         expected="NCT followed by 8 digits")
    trial = Trial(nct_id=nct_norm, source=source, source_format=FORMAT)
    _identification(trial, ident)
    _status(trial, protocol.obj("statusModule"))
    _sponsors(trial, protocol.obj("sponsorCollaboratorsModule"))
    description = protocol.obj("descriptionModule")
    trial.brief_summary = description.text("briefSummary")
    trial.detailed_description = description.text("detailedDescription")
    conditions = protocol.obj("conditionsModule")
    trial.conditions = conditions.texts("conditions")
    trial.keywords = conditions.texts("keywords")
    _design(trial, protocol.obj("designModule"))
    _arms(trial, protocol.obj("armsInterventionsModule"))
    _outcomes(trial, protocol.obj("outcomesModule"))
    _eligibility(trial, protocol.obj("eligibilityModule"))
    _contacts(trial, protocol.obj("contactsLocationsModule"))
    _references(trial, protocol.obj("referencesModule"))
    derived = root.obj("derivedSection")
    trial.condition_meshes = _meshes(derived.obj("conditionBrowseModule"), "meshes")
    trial.condition_mesh_ancestors = _meshes(derived.obj("conditionBrowseModule"), "ancestors")
    trial.intervention_meshes = _meshes(derived.obj("interventionBrowseModule"), "meshes")
    trial.intervention_mesh_ancestors = _meshes(derived.obj("interventionBrowseModule"), "ancestors")
    trial.has_results = root.boolean("hasResults")
    if "resultsSection" in root:
        root.obj("resultsSection")  # must be an object; its content is not mapped yet
    missing = [
        name
        for name, present in (
            ("protocolSection.identificationModule.briefTitle", trial.brief_title),
            ("protocolSection.statusModule.overallStatus", trial.overall_status),
            ("protocolSection.designModule.studyType", trial.study_type),
            ("protocolSection.sponsorCollaboratorsModule.leadSponsor", trial.lead_sponsor),
            ("protocolSection.conditionsModule.conditions", trial.conditions),
        )
        if not present
    ]
    if missing:
        trial.warnings.insert(0, "loaded without " + ", ".join(missing))
    return trial


def _org(fields: Fields, name_key: str, trial: Trial) -> Organization | None:
    name = fields.text(name_key)
    if not name:
        return None
    agency = _code(trial, "agency", fields.text("class"), f"{fields.path}.class")
    return Organization(name=name, agency_class=agency)


def _identification(trial: Trial, ident: Fields) -> None:
    org_id = ident.obj("orgStudyIdInfo")
    trial.org_study_id = org_id.text("id")
    trial.nct_aliases = [a.upper() for a in ident.texts("nctIdAliases")]
    for item in ident.objs("secondaryIdInfos"):
        value = item.text("id")
        if value:
            trial.secondary_ids.append(
                SecondaryId(value=value, id_type=item.text("type"), domain=item.text("domain"), link=item.text("link"))
            )
    trial.acronym = ident.text("acronym")
    trial.brief_title = ident.text("briefTitle")
    trial.official_title = ident.text("officialTitle")
    trial.organization = _org(ident.obj("organization"), "fullName", trial)


def _status(trial: Trial, status: Fields) -> None:
    trial.overall_status = _code(trial, "status", status.text("overallStatus"), f"{status.path}.overallStatus")
    trial.last_known_status = _code(trial, "status", status.text("lastKnownStatus"), f"{status.path}.lastKnownStatus")
    trial.why_stopped = status.text("whyStopped")
    trial.status_verified = status.date("statusVerifiedDate")
    trial.start = status.date_struct("startDateStruct")
    trial.primary_completion = status.date_struct("primaryCompletionDateStruct")
    trial.completion = status.date_struct("completionDateStruct")
    trial.first_submitted = status.date("studyFirstSubmitDate")
    trial.first_posted = status.date_struct("studyFirstPostDateStruct")
    trial.results_first_posted = status.date_struct("resultsFirstPostDateStruct")
    trial.last_update_submitted = status.date("lastUpdateSubmitDate")
    trial.last_update_posted = status.date_struct("lastUpdatePostDateStruct")
    for point, name in (
        (trial.start, "startDateStruct"),
        (trial.primary_completion, "primaryCompletionDateStruct"),
        (trial.completion, "completionDateStruct"),
        (trial.first_posted, "studyFirstPostDateStruct"),
        (trial.results_first_posted, "resultsFirstPostDateStruct"),
        (trial.last_update_posted, "lastUpdatePostDateStruct"),
    ):
        if point is not None:
            point.kind = _code(trial, "estimate", point.kind, f"{status.path}.{name}.type")
    trial.has_expanded_access = status.obj("expandedAccessInfo").boolean("hasExpandedAccess")


def _sponsors(trial: Trial, module: Fields) -> None:
    trial.lead_sponsor = _org(module.obj("leadSponsor"), "name", trial)
    trial.collaborators = [org for item in module.objs("collaborators") if (org := _org(item, "name", trial))]
    party = module.obj("responsibleParty")
    if party.data:
        trial.responsible_party = ResponsibleParty(
            party_type=_code(trial, "party", party.text("type"), f"{party.path}.type"),
            name=party.text("investigatorFullName"),
            title=party.text("investigatorTitle"),
            affiliation=party.text("investigatorAffiliation"),
        )


def _design(trial: Trial, design: Fields) -> None:
    trial.study_type = _code(trial, "studytype", design.text("studyType"), f"{design.path}.studyType")
    phases = [p.strip().upper() for p in design.texts("phases")]
    if phases:
        combined = "/".join(phases)
        trial.phases = [_code(trial, "phase", combined, f"{design.path}.phases") or combined]
    info = design.obj("designInfo")
    trial.allocation = _code(trial, "allocation", info.text("allocation"), f"{info.path}.allocation")
    trial.intervention_model = _code(trial, "model", info.text("interventionModel"), f"{info.path}.interventionModel")
    trial.observational_model = _code(trial, "obsmodel", info.text("observationalModel"), f"{info.path}.observationalModel")
    trial.time_perspective = _code(trial, "perspective", info.text("timePerspective"), f"{info.path}.timePerspective")
    trial.primary_purpose = _code(trial, "purpose", info.text("primaryPurpose"), f"{info.path}.primaryPurpose")
    masking = info.obj("maskingInfo")
    trial.masking = _code(trial, "masking", masking.text("masking"), f"{masking.path}.masking")
    trial.who_masked = [
        c for w in masking.texts("whoMasked") if (c := _code(trial, "masked", w, f"{masking.path}.whoMasked"))
    ]
    enrollment = design.obj("enrollmentInfo")
    trial.enrollment = enrollment.integer("count", minimum=0, maximum=MAX_ENROLLMENT)
    trial.enrollment_type = _code(trial, "estimate", enrollment.text("type"), f"{enrollment.path}.type")
    trial.patient_registry = design.boolean("patientRegistry")


def _arms(trial: Trial, module: Fields) -> None:
    for item in module.objs("armGroups"):
        label = item.text("label")
        if not label:
            trial.warnings.append(f"{item.path}: arm without a label skipped")
            continue
        trial.arms.append(
            Arm(
                label=label,
                arm_type=_code(trial, "armtype", item.text("type"), f"{item.path}.type"),
                description=item.text("description"),
                intervention_names=item.texts("interventionNames"),
            )
        )
    for item in module.objs("interventions"):
        name = item.text("name")
        if not name:
            trial.warnings.append(f"{item.path}: intervention without a name skipped")
            continue
        trial.interventions.append(
            Intervention(
                name=name,
                intervention_type=_code(trial, "itype", item.text("type"), f"{item.path}.type"),
                description=item.text("description"),
                other_names=item.texts("otherNames"),
                arm_labels=item.texts("armGroupLabels"),
            )
        )


def _outcomes(trial: Trial, module: Fields) -> None:
    for kind, key in (("primary", "primaryOutcomes"), ("secondary", "secondaryOutcomes"), ("other", "otherOutcomes")):
        for item in module.objs(key):
            measure = item.text("measure")
            if measure:
                trial.outcomes.append(
                    Outcome(kind=kind, measure=measure, description=item.text("description"), time_frame=item.text("timeFrame"))
                )


def _eligibility(trial: Trial, module: Fields) -> None:
    if not module.data:
        return
    trial.eligibility = Eligibility(
        criteria=module.text("eligibilityCriteria"),
        minimum_age=module.age("minimumAge"),
        maximum_age=module.age("maximumAge"),
        sex=_code(trial, "sex", module.text("sex"), f"{module.path}.sex"),
        healthy_volunteers=module.boolean("healthyVolunteers"),
        std_ages=[c for a in module.texts("stdAges") if (c := _code(trial, "agegroup", a, f"{module.path}.stdAges"))],
        gender_based=module.boolean("genderBased"),
        gender_description=module.text("genderDescription"),
        study_population=module.text("studyPopulation"),
        sampling_method=_code(trial, "sampling", module.text("samplingMethod"), f"{module.path}.samplingMethod"),
    )
    elig = trial.eligibility
    if elig.minimum_age and elig.maximum_age and elig.minimum_age.years > elig.maximum_age.years:
        trial.warnings.append(
            f"{module.path}: minimumAge {elig.minimum_age.text} is above maximumAge {elig.maximum_age.text}"
        )


def _contact(item: Fields, trial: Trial) -> Contact:
    return Contact(
        name=item.text("name"),
        role=_code(trial, "role", item.text("role"), f"{item.path}.role"),
        phone=item.text("phone"),
        phone_ext=item.text("phoneExt"),
        email=item.text("email"),
    )


def _contacts(trial: Trial, module: Fields) -> None:
    trial.central_contacts = [_contact(c, trial) for c in module.objs("centralContacts")]
    for item in module.objs("overallOfficials"):
        name = item.text("name")
        if name:
            trial.officials.append(
                Official(
                    name=name,
                    role=_code(trial, "role", item.text("role"), f"{item.path}.role"),
                    affiliation=item.text("affiliation"),
                )
            )
    for item in module.objs("locations"):
        geo = item.obj("geoPoint")
        trial.locations.append(
            Location(
                facility=item.text("facility"),
                city=item.text("city"),
                state=item.text("state"),
                postal_code=item.text("zip"),
                country=item.text("country"),
                status=_code(trial, "status", item.text("status"), f"{item.path}.status"),
                latitude=geo.number("lat", minimum=-90, maximum=90),
                longitude=geo.number("lon", minimum=-180, maximum=180),
                contacts=[_contact(c, trial) for c in item.objs("contacts")],
            )
        )


def _references(trial: Trial, module: Fields) -> None:
    for item in module.objs("references"):
        pmid = item.text("pmid")
        if pmid and not pmid.isdigit():
            trial.warnings.append(f"{item.path}.pmid: {pmid!r} is not a PubMed id; kept in the citation only")
            pmid = None
        citation = item.text("citation")
        if pmid or citation:
            trial.references.append(
                Reference(pmid=pmid, ref_type=_code(trial, "reftype", item.text("type"), f"{item.path}.type"), citation=citation)
            )
    for item in module.objs("seeAlsoLinks"):
        url = item.text("url")
        if url:
            trial.links.append(WebLink(url=url, label=item.text("label")))


def _meshes(module: Fields, key: str) -> list[MeshTerm]:
    out = []
    for item in module.objs(key):
        ui = item.text("id")
        if ui is None:
            continue
        if not MESH_UI.match(ui):
            raise InputError(f"{ui!r} is not a MeSH unique id", field=f"{item.path}.id",
                             expected="D or C followed by digits, such as D006086")
        out.append(MeshTerm(ui=ui, term=item.text("term")))
    return out
