"""Importing clients from a CSV file (decision 0019): reading the file, the column map,
checking each row, and the import itself in one transaction.

The file is read whole (at most ``MAX_BYTES`` and ``MAX_ROWS``): UTF-8 with or without a
byte-order mark (Windows-1252 as a fallback, as older spreadsheets save it), commas,
semicolons (Excel in much of Europe) or tabs. Dates: ISO ``2026-03-09``, and day first
(``09/03/2026``, ``9.3.2026``, ``09-03-2026``) except for a clinic in the United States,
where ``03/09/2026`` is month first. Nothing is written unless every accepted row is.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.models import Client, Clinic, User
from clinic.selectors import client_duplicates
from common.audit import audit_reads, audit_record
from common.errors import ApplicationError

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
PREVIEW_ROWS = 5

#: What a column may be mapped to, with the header names recognised for it.
TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "full_name": ("Full name", ("name", "full name", "client", "client name", "patient")),
    "first_name": ("First name", ("first name", "firstname", "given name", "forename")),
    "last_name": ("Last name", ("last name", "lastname", "surname", "family name")),
    "date_of_birth": ("Date of birth", ("date of birth", "dob", "birth date", "birthday", "born")),
    "email": ("E-mail", ("email", "e-mail", "email address", "e-mail address", "mail")),
    "phone": ("Phone", ("phone", "telephone", "mobile", "phone number", "tel")),
    "email_consent": (
        "E-mail consent",
        ("email consent", "e-mail consent", "consent", "marketing"),
    ),
    "notes": ("Notes", ("notes", "note", "comments", "remarks")),
}

TRUE_WORDS = {"yes", "y", "true", "1", "x", "ja", "oui", "sí", "si"}
FALSE_WORDS = {"no", "n", "false", "0", "", "nein", "non"}


@dataclass
class CsvFile:
    headers: list[str]
    rows: list[list[str]]  # data rows; line numbers start at 2 (the header is line 1)
    delimiter: str


def read_csv(content: bytes) -> CsvFile:
    """The file's header and rows, or a clear refusal."""
    if len(content) > MAX_BYTES:
        raise ApplicationError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it into smaller "
            "files.",
            code="import_too_large",
            fields={"file": ["At most 2 MB and 5,000 clients a file."]},
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    text = text.replace("\x00", "")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ApplicationError(
            "The file is empty.", code="import_empty", fields={"file": ["The file is empty."]}
        )
    first = lines[0]
    delimiter = max((";", ",", "\t"), key=first.count) if any(d in first for d in ";,\t") else ","
    parsed = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    headers = [h.strip() for h in parsed[0]]
    rows = parsed[1:]
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if len(rows) > MAX_ROWS:
        raise ApplicationError(
            f"The file has {len(rows):,} rows; at most {MAX_ROWS:,} clients can be imported at "
            "once. Split it into smaller files.",
            code="import_too_large",
            fields={"file": ["At most 2 MB and 5,000 clients a file."]},
        )
    if not rows:
        raise ApplicationError(
            "The file has a header but no clients.",
            code="import_empty",
            fields={"file": ["The file has a header but no clients."]},
        )
    return CsvFile(headers=headers, rows=rows, delimiter=delimiter)


def guess_mapping(headers: list[str]) -> dict[str, int | None]:
    """Each target's column index, by its header's name (None: not in the file)."""
    normalised = [re.sub(r"[\s_]+", " ", h.strip().lower()) for h in headers]
    mapping: dict[str, int | None] = {}
    for target, (_label, names) in TARGETS.items():
        mapping[target] = next((i for i, h in enumerate(normalised) if h in names), None)
    if mapping["first_name"] is not None and mapping["last_name"] is not None:
        mapping["full_name"] = None
    return mapping


def parse_date(value: str, *, month_first: bool) -> date | None:
    value = value.strip()
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", value)
    if match:
        y, m, d = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", value)
        if not match:
            return None
        a, b, y = (int(g) for g in match.groups())
        m, d = (a, b) if month_first else (b, a)
    try:
        return date(y, m, d)
    except ValueError:
        return None


@dataclass
class RowResult:
    line: int
    data: dict[str, Any]
    #: "ok", "duplicate" or "rejected"
    outcome: str
    reason: str = ""
    duplicate_of: Client | None = None


@dataclass
class ImportCheck:
    rows: list[RowResult] = field(default_factory=list)

    def of(self, outcome: str) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == outcome]

    @property
    def accepted(self) -> list[RowResult]:
        return self.of("ok")


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _row_data(
    row: list[str], mapping: dict[str, int | None], month_first: bool
) -> tuple[dict[str, Any], str]:
    """The client's fields from one row, or the reason it is rejected."""
    first, last = _cell(row, mapping.get("first_name")), _cell(row, mapping.get("last_name"))
    full = _cell(row, mapping.get("full_name"))
    if full and not (first or last):
        if "," in full:  # "Hughes, Amelia"
            last, _, first = (part.strip() for part in full.partition(","))
        else:
            first, _, last = full.rpartition(" ")
            first, last = first.strip(), last.strip()
    if not first or not last:
        return {}, "A first and a last name are needed."
    raw_birth = _cell(row, mapping.get("date_of_birth"))
    if not raw_birth:
        return {}, "The date of birth is missing."
    birth = parse_date(raw_birth, month_first=month_first)
    if birth is None:
        return {}, f"“{raw_birth}” is not a date (use 2026-03-09 or 09/03/2026)."
    consent_raw = _cell(row, mapping.get("email_consent")).lower()
    if consent_raw in TRUE_WORDS:
        consent = True
    elif consent_raw in FALSE_WORDS:
        consent = False
    else:
        return {}, f"“{consent_raw}” is not yes or no (e-mail consent)."
    data = {
        "first_name": first,
        "last_name": last,
        "date_of_birth": birth,
        "email": _cell(row, mapping.get("email")).lower(),
        "phone": _cell(row, mapping.get("phone")),
        "email_consent": consent,
        "notes": _cell(row, mapping.get("notes")),
    }
    if data["email_consent"] and not data["email"]:
        data["email_consent"] = False
    client = Client(**data)
    try:
        client.full_clean(exclude=["clinic", "created_by", "timezone", "skin_concerns"])
    except ValidationError as exc:
        reasons = [
            f"{getattr(Client._meta.get_field(name), 'verbose_name', name)}: {' '.join(messages)}"
            if name != "__all__"
            else " ".join(messages)
            for name, messages in exc.message_dict.items()
        ]
        return {}, "; ".join(reasons)
    return data, ""


def import_check(
    *, clinic: Clinic, csv_file: CsvFile, mapping: dict[str, int | None]
) -> ImportCheck:
    """Every row judged: accepted, a duplicate (of an existing client or of an earlier
    row of the file) or rejected with its reason."""
    if mapping.get("date_of_birth") is None or not (
        mapping.get("full_name") is not None
        or (mapping.get("first_name") is not None and mapping.get("last_name") is not None)
    ):
        raise ApplicationError(
            "Choose the columns holding the names (a full name, or first and last name) and "
            "the date of birth.",
            code="import_mapping",
            fields={"mapping": ["Names and date of birth are needed for every client."]},
        )
    month_first = clinic.country == "US"
    check = ImportCheck()
    seen_people: dict[tuple[str, str, date], int] = {}
    seen_emails: dict[str, int] = {}
    for offset, row in enumerate(csv_file.rows):
        line = offset + 2
        if not any(cell.strip() for cell in row):
            continue
        data, reason = _row_data(row, mapping, month_first)
        if reason:
            check.rows.append(RowResult(line, data, "rejected", reason))
            continue
        person = (data["first_name"].lower(), data["last_name"].lower(), data["date_of_birth"])
        earlier = seen_people.get(person) or (
            seen_emails.get(data["email"]) if data["email"] else None
        )
        if earlier is not None:
            check.rows.append(
                RowResult(line, data, "duplicate", f"The same person as line {earlier}.")
            )
            continue
        existing = client_duplicates(
            clinic=clinic,
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            email=data["email"],
        )
        if existing:
            client, why = existing[0]
            words = "same name and date of birth" if why == "name_and_birth" else "same e-mail"
            check.rows.append(
                RowResult(
                    line,
                    data,
                    "duplicate",
                    f"Already a client: {client.full_name} ({words}).",
                    duplicate_of=client,
                )
            )
            continue
        seen_people[person] = line
        if data["email"]:
            seen_emails[data["email"]] = line
        check.rows.append(RowResult(line, data, "ok"))
    return check


@dataclass(frozen=True)
class ImportReport:
    created: int
    duplicates: list[RowResult]
    rejected: list[RowResult]


def clients_import(
    *, clinic: Clinic, actor: User, csv_file: CsvFile, mapping: dict[str, int | None]
) -> ImportReport:
    """Create every accepted row's client in one transaction (all or nothing), audited:
    one ``create`` event per client and one for the import itself. Imported clients have
    no screening: they are screened before any treatment."""
    with transaction.atomic():
        # Checked again inside the transaction: a client added meanwhile is a duplicate.
        check = import_check(clinic=clinic, csv_file=csv_file, mapping=mapping)
        clients = [Client(clinic=clinic, created_by=actor, **row.data) for row in check.accepted]
        Client.objects.bulk_create(clients, batch_size=500)
        created = [client.pk for client in clients]
        audit_reads(
            actor=actor,
            action="create",
            object_type="client",
            objects=[(pk, pk) for pk in created],
            clinic_id=clinic.pk,
            detail={"via": "csv_import"},
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="client_import",
            clinic_id=clinic.pk,
            detail={
                "created": len(clients),
                "duplicates": len(check.of("duplicate")),
                "rejected": len(check.of("rejected")),
            },
        )
    return ImportReport(
        created=len(clients), duplicates=check.of("duplicate"), rejected=check.of("rejected")
    )
